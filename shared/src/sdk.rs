//! The AWS SDK's configuration, one for every client (DynamoDB, SSM): its own module so
//! that what builds a client needs nothing of the state that holds it.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// The SDK configuration: endpoint, region and credentials from the environment (so
/// `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local), with timeouts that keep every
/// request well inside API Gateway's 30 s limit.
pub async fn sdk_config() -> aws_config::SdkConfig {
    sdk_config_loader().load().await
}

/// The loader behind [`sdk_config`], for callers (tests) that add their own endpoint and
/// credentials but keep the same timeouts and retries.
pub fn sdk_config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        // The SDK's own HTTPS client (hyper and rustls; plain HTTP too, for DynamoDB
        // Local) with ring's crypto instead of aws-lc's, the default: ring is the smaller
        // library, so fewer bytes in every function's bundle and less C in every build.
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https(),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(12))
                .build(),
        )
        // Adaptive: on throttling the client also slows itself down. TransactionConflict
        // cancellations are retried by `Store::transact`.
        .retry_config(RetryConfig::adaptive().with_max_attempts(3))
}
