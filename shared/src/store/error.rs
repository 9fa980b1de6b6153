//! What the store answers when it cannot do what it was asked, as a type: callers match on
//! these variants, never on an error's code or message, and `error.rs` maps each to the one
//! API error body. The store knows nothing of HTTP.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::domain::Invalid;

/// An SDK error, kept as the source of a [`StoreError`] for the one log line the edge writes.
pub type SdkFailure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing the request names does not exist (or is another organization's).
    #[error("{0}")]
    NotFound(String),
    /// A value that must be unique is another's.
    #[error("{0}")]
    Taken(String),
    /// A thing the write refers to does not exist.
    #[error("{0}")]
    MissingReference(String),
    /// The stored state refuses the write: a limit is reached, a rule would break.
    #[error("{0}")]
    Refused(String),
    /// The item changed while the write was made; reading it again and retrying may work.
    #[error("{0}")]
    Changed(String),
    /// A stored value that should parse does not.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// DynamoDB could not be reached, or did not answer in time.
    #[error("DynamoDB is unreachable or timed out")]
    Unavailable(#[source] SdkFailure),
    /// DynamoDB throttled the request past the SDK's retries.
    #[error("DynamoDB throttled the request")]
    Throttled(#[source] SdkFailure),
    /// Concurrent transactions kept cancelling the write past its retries.
    #[error("concurrent transactions kept cancelling the write")]
    Contended,
    /// An item (`what`: a record, a table's definition) would be over DynamoDB's item size
    /// limit.
    #[error("the {what} would take {bytes} bytes, over DynamoDB's {limit} byte item limit")]
    ItemTooLarge {
        what: &'static str,
        bytes: usize,
        limit: usize,
    },
    /// A query would examine more than `limit` records or index entries.
    #[error("the query would examine more than {limit} records")]
    TooBroad { limit: usize },
    /// A page of a record's value history would examine more than `limit` of its history
    /// items.
    #[error("the page of history would examine more than {limit} history items")]
    HistoryTooLong { limit: usize },
    /// A stored item does not fit its type: a bug or a corrupt item.
    #[error("a stored item does not match its type")]
    Corrupt(#[from] serde_dynamo::Error),
    /// DynamoDB refused the request for another reason: a bug.
    #[error("DynamoDB refused the request")]
    Sdk(#[source] SdkFailure),
    /// DynamoDB answered something the code does not expect.
    #[error("unexpected DynamoDB answer: {0}")]
    Unexpected(String),
}

impl StoreError {
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }
    pub fn taken(message: impl Into<String>) -> Self {
        Self::Taken(message.into())
    }
    pub fn missing_reference(message: impl Into<String>) -> Self {
        Self::MissingReference(message.into())
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }
    pub fn changed(message: impl Into<String>) -> Self {
        Self::Changed(message.into())
    }
    pub fn unexpected(message: impl Into<String>) -> Self {
        Self::Unexpected(message.into())
    }
}

/// DynamoDB's error codes for throttling, the same for every operation.
const THROTTLING: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// Classifies an SDK failure: unreachable or timed out, throttled past the SDK's retries,
/// or anything else (a bug or an unexpected answer). The SDK error is kept as the source.
pub fn sdk_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => StoreError::Unavailable(Box::new(err)),
        _ if err.code().is_some_and(|code| THROTTLING.contains(&code)) => StoreError::Throttled(Box::new(err)),
        _ => StoreError::Sdk(Box::new(err)),
    }
}

/// An error and every source under it, for the log.
pub fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
