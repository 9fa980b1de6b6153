//! What can go wrong talking to DynamoDB, as a type: the store's callers match on these
//! variants, never on an error's code or message, and `error.rs` maps each to the one API
//! error body.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// A failure of the store itself, not of the request: the SDK error, when there is one,
/// is its source, for the one log line the edge writes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB could not be reached, or did not answer in time.
    #[error("DynamoDB is unreachable or timed out: {0}")]
    Unavailable(String),
    /// DynamoDB throttled the request past the SDK's retries, or concurrent transactions
    /// kept cancelling it.
    #[error("DynamoDB throttled the request: {0}")]
    Throttled(String),
    /// An item would be over DynamoDB's item size limit.
    #[error("an item of {bytes} bytes is over DynamoDB's {limit} byte limit")]
    ItemTooLarge { bytes: usize, limit: usize },
    /// A stored item does not fit its type: a bug or a corrupt item.
    #[error("a stored item does not match its type: {0}")]
    Corrupt(#[from] serde_dynamo::Error),
    /// DynamoDB answered something the code does not expect.
    #[error("unexpected DynamoDB answer: {0}")]
    Unexpected(String),
}

/// DynamoDB's error codes for throttling, the same for every operation.
const THROTTLING: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// Classifies an SDK failure: unreachable or timed out, throttled past the SDK's retries,
/// or anything else (a bug or an unexpected answer).
pub fn sdk_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let detail = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => StoreError::Unavailable(detail),
        _ if err.code().is_some_and(|code| THROTTLING.contains(&code)) => StoreError::Throttled(detail),
        _ => StoreError::Unexpected(detail),
    }
}
