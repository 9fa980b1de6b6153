//! Storage: one DynamoDB table. The key schema lives in [`keys`], the table definition in
//! [`schema`], and each resource's items and access patterns in a module of its own.
//! docs/data-model.md describes the same schema for people.

pub mod keys;
pub mod organizations;
pub mod schema;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub type Item = HashMap<String, AttributeValue>;

/// The table and the client that reaches it, built once per container.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

/// Why a transaction did not commit.
#[derive(Debug)]
pub enum TransactFailure {
    /// A condition failed: one reason per item, in the order the items were sent.
    Cancelled(Vec<CancellationReason>),
    /// Anything else, already mapped to the error the client gets.
    Api(ApiError),
}

impl From<ApiError> for TransactFailure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// The cancellation code DynamoDB gives an item whose condition failed.
pub const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// How often a transaction cancelled only by a conflicting concurrent transaction is tried.
const CONFLICT_ATTEMPTS: u32 = 6;

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Writes `items` atomically. A cancellation caused only by concurrent transactions on
    /// the same items (`TransactionConflict`) is retried with a short jittered backoff, since
    /// the other writer will have finished; any failed condition is returned to the caller.
    pub async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            let reasons = match &err {
                SdkError::ServiceError(service) => match service.err() {
                    TransactWriteItemsError::TransactionCanceledException(e) => Some(e.cancellation_reasons().to_vec()),
                    _ => None,
                },
                _ => None,
            };
            let Some(reasons) = reasons else {
                return Err(TransactFailure::Api(sdk_error(err)));
            };
            let conflict_only = !reasons.iter().any(|r| r.code() == Some(CONDITION_FAILED))
                && reasons.iter().any(|r| r.code() == Some("TransactionConflict"));
            if conflict_only && attempt < CONFLICT_ATTEMPTS {
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            if conflict_only {
                return Err(TransactFailure::Api(ApiError::throttled()));
            }
            return Err(TransactFailure::Cancelled(reasons));
        }
    }
}

/// 10 ms, 20 ms, 40 ms ... with up to half again of random jitter, so that racing writers
/// spread out rather than collide again.
fn backoff(attempt: u32) -> Duration {
    let base = 10u64 << attempt.min(6);
    let mut byte = [0u8; 1];
    let jitter = match getrandom::fill(&mut byte) {
        Ok(()) => base * u64::from(byte[0]) / 512,
        Err(_) => 0,
    };
    Duration::from_millis(base + jitter)
}

/// Maps an SDK failure to the client's error: unreachable or timed out is 503, throttled
/// past the SDK's retries is 429, anything else is a 500 whose details go to the log.
pub fn sdk_error<E, R>(err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            tracing::warn!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&err), "DynamoDB unreachable");
            ApiError::unavailable()
        }
        _ => match err.code() {
            Some("ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded") => {
                ApiError::throttled()
            }
            _ => {
                tracing::error!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&err), "DynamoDB call failed");
                ApiError::internal()
            }
        },
    }
}

/// Reads a stored item into its Rust type. A stored item that does not fit is a bug or a
/// corrupt item, never the client's fault.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(|e| {
        tracing::error!(error = %e, "stored item does not match its type");
        ApiError::internal()
    })
}

/// Turns an item type into DynamoDB attributes.
pub fn to_item<T: serde::Serialize>(value: &T) -> Item {
    serde_dynamo::to_item(value).expect("item types always serialize to a map")
}
