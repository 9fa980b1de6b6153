//! What the store answers when it cannot do what it was asked, as a type: callers match on
//! these variants, never on an error's code or message, and `error.rs` maps each to the one
//! API error body. The store knows nothing of HTTP.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::domain::organization::OrgId;
use crate::domain::table::FieldType;
use crate::domain::Invalid;

/// An SDK error, kept as the source of a [`StoreError`] for the one log line the edge writes.
pub type SdkFailure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing the request names does not exist (or is another organization's).
    #[error("not found: {0}")]
    NotFound(#[from] Missing),
    /// A value that must be unique is another's.
    #[error("taken: {0}")]
    Taken(#[from] Conflict),
    /// A thing the write refers to does not exist.
    #[error("missing reference: {0}")]
    MissingReference(#[from] Reference),
    /// The stored state refuses the write: a limit is reached, a rule would break.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// The item changed while the write was made; reading it again and retrying may work.
    #[error("changed: {0}")]
    Changed(#[from] Change),
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

// The facts below say which item or condition failed and why, in the store's terms; their
// `Display` is for the log. The words a client reads are `error.rs`'s, which maps each.

/// What the store did not find (`StoreError::NotFound`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    /// The organization does not exist (or was deleted).
    #[error("organization {}", .0 .0)]
    Organization(OrgId),
    /// No API key with this id (as the caller gave it) in the organization.
    #[error("API key {0}")]
    ApiKey(String),
    /// The table with this id does not exist (or was deleted with its organization).
    #[error("table {0}")]
    Table(String),
    /// `raw` names no record of the table whose api_slug is `object`.
    #[error("record {raw} in table {object}")]
    Record { raw: String, object: String },
    /// The team with this id does not exist.
    #[error("team {0}")]
    Team(String),
    /// No webhook with this id (as the caller gave it) in the organization.
    #[error("webhook {0}")]
    Webhook(String),
    /// No note with this id (as the caller gave it) in the organization.
    #[error("note {0}")]
    Note(String),
    /// No task with this id (as the caller gave it) in the organization.
    #[error("task {0}")]
    Task(String),
    /// No delivery with this id (as the caller gave it) of the webhook.
    #[error("delivery {0}")]
    Delivery(String),
    /// No user with this external id.
    #[error("user {0}")]
    User(String),
    /// The user (by external id) is not a member of the organization.
    #[error("membership of user {external_id} in organization {}", .org.0)]
    Membership { external_id: String, org: OrgId },
}

/// Which unique value is another's, or which guarded item moved (`StoreError::Taken`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Another team of the organization has this name (as the caller wrote it).
    #[error("team name {0}")]
    TeamName(String),
    /// Another table of the organization has this api_slug.
    #[error("table api_slug {0}")]
    TableSlug(String),
    /// Another table of the organization has the record_prefix the caller chose.
    #[error("table record_prefix {0}")]
    TablePrefix(String),
    /// Every record_prefix derived from `api_slug` (`tried`, in order) is another table's.
    #[error("every record_prefix derived from api_slug {api_slug} ({tried:?})")]
    DerivedPrefixes { api_slug: String, tried: Vec<String> },
    /// The table (api_slug `table`) already has a field with this key.
    #[error("field key {key} in table {table}")]
    FieldKey { key: String, table: String },
    /// A field's rename to `key` failed its condition: the key is another field's in
    /// `table`, or the field changed since it was read (one condition guards both).
    #[error("field key {key} in table {table}, or the field changed")]
    RenamedFieldKey { key: String, table: String },
    /// The field `key` changed since it was read (answered as a conflict, like a rename).
    #[error("field {key} changed")]
    FieldChanged { key: String },
    /// A user with this external id exists.
    #[error("user external_id {0}")]
    UserExternalId(String),
}

/// What a write refers to that does not exist (`StoreError::MissingReference`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reference {
    /// The organization the write names does not exist.
    #[error("organization {}", .0 .0)]
    Organization(OrgId),
    /// The organization the write names existed when read and was gone at the write.
    #[error("the organization, deleted during the write")]
    OrganizationVanished,
}

/// Which limit or rule of the stored state refuses the write (`StoreError::Refused`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The organization holds `max` API keys already.
    #[error("the organization holds {max} API keys")]
    TooManyApiKeys { max: u64 },
    /// These ids (as given, in order) are not members of the organization.
    #[error("not members: {0:?}")]
    UnknownUsers(Vec<String>),
    /// An indexed field asked of a table (api_slug `table`) that has had records.
    #[error("indexed field on table {table}, which has had records")]
    IndexedFieldAfterRecords { table: String },
    /// The table holds `max` fields already.
    #[error("the table holds {max} fields")]
    TooManyFields { max: usize },
    /// The display field id names no field of the table (or an archived one).
    #[error("display field {0} is no field of the table")]
    UnknownDisplayField(String),
    /// The field `key` is the table's display field, which cannot be archived.
    #[error("field {key} names the table's records")]
    DisplayFieldKept { key: String },
    /// The field `key` is written by the system only (a list's parent record): no
    /// definition change touches it.
    #[error("field {key} is a system field")]
    SystemField { key: String },
    /// A field's type cannot change; it is this one.
    #[error("the field's type {} cannot change", .0.as_str())]
    FieldTypeFixed(FieldType),
    /// The organization holds `max` webhooks already.
    #[error("the organization holds {max} webhooks")]
    TooManyWebhooks { max: u64 },
    /// The organization made `max` solutions already.
    #[error("the organization made {max} solutions")]
    TooManySolutions { max: u64 },
    /// The user owns the organization, so its role there stays owner.
    #[error("the user owns organization {}", .0 .0)]
    OwnerKeepsRole(OrgId),
}

/// Which item changed while the write was made (`StoreError::Changed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Change {
    /// The team, since it was read.
    #[error("the team")]
    Team,
    /// The webhook, since it was read.
    #[error("the webhook")]
    Webhook,
    /// The organization's API keys, at every attempt of its delete.
    #[error("the organization's API keys")]
    OrganizationKeys,
    /// The options of the field `key` (the table's revision moved).
    #[error("the options of field {key}")]
    FieldOptions { key: String },
    /// The task, since it was read.
    #[error("the task")]
    Task,
    /// The list, since it was read.
    #[error("the list")]
    List,
}

impl StoreError {
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

/// A single-item write (PutItem, UpdateItem, DeleteItem) to an item that an unfinished
/// transaction holds: DynamoDB refuses it rather than wait. The same contention as a
/// transaction's `TransactionConflict` cancellation, so answered the same way (429, retry).
const TRANSACTION_CONFLICT: &str = "TransactionConflictException";

/// Classifies an SDK failure: unreachable or timed out, throttled past the SDK's retries,
/// in conflict with a transaction, or anything else (a bug or an unexpected answer). The
/// SDK error is kept as the source, where there is one.
pub fn sdk_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => StoreError::Unavailable(Box::new(err)),
        _ => match retryable(err.code()) {
            Some(Retryable::Throttled) => StoreError::Throttled(Box::new(err)),
            Some(Retryable::Contended) => StoreError::Contended,
            None => StoreError::Sdk(Box::new(err)),
        },
    }
}

/// What a DynamoDB error code asks of the caller, when it is the caller's to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retryable {
    Throttled,
    Contended,
}

fn retryable(code: Option<&str>) -> Option<Retryable> {
    match code {
        Some(code) if THROTTLING.contains(&code) => Some(Retryable::Throttled),
        Some(TRANSACTION_CONFLICT) => Some(Retryable::Contended),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// DynamoDB's error codes, by what the API answers for them: throttling and a single
    /// write's conflict with a transaction are the caller's retry (429), anything else is
    /// ours to explain (500).
    #[test]
    fn sdk_errors_are_classified_by_code() {
        let cases = [
            (Some("ThrottlingException"), Some(Retryable::Throttled)),
            (
                Some("ProvisionedThroughputExceededException"),
                Some(Retryable::Throttled),
            ),
            (Some("RequestLimitExceeded"), Some(Retryable::Throttled)),
            (Some("TransactionConflictException"), Some(Retryable::Contended)),
            (Some("ValidationException"), None),
            (Some("InternalServerError"), None),
            (None, None),
        ];
        for (code, expected) in cases {
            assert_eq!(retryable(code), expected, "{code:?}");
        }
    }
}
