//! The AWS SDK's configuration, one for every client (DynamoDB, SSM): its own module so
//! that what builds a client needs nothing of the state that holds it.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;

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
