//! The one error type every endpoint returns, mapped to the one JSON error body (Attio's):
//! `{"status_code", "type", "code", "message"}`.

use lambda_http::http::StatusCode;
use serde::Serialize;

/// Attio's error `type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    InvalidRequestError,
    AuthError,
    ApiError,
    RateLimitError,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: ErrorType,
    pub code: &'static str,
    pub message: String,
    /// What went wrong inside, for the log only (never sent to the client).
    pub detail: Option<String>,
    /// Seconds after which a retry may pass (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub status_code: u16,
    #[serde(rename = "type")]
    pub kind: ErrorType,
    pub code: &'a str,
    pub message: &'a str,
}

impl ApiError {
    fn new(status: StatusCode, kind: ErrorType, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            code,
            message: message.into(),
            detail: None,
            retry_after: None,
        }
    }

    /// Attaches what went wrong inside, for the one log line the edge writes.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// 400: the input broke a rule; the message names the field and the rule.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            "validation_type",
            message,
        )
    }

    /// 400: the request could not be read at all (bad JSON, wrong content type).
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            "malformed_request",
            message,
        )
    }

    /// 401: no key, or a key that is not valid.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorType::AuthError, "unauthorized", message)
    }

    /// 403: a valid key that may not act on this account.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorType::AuthError, "forbidden", message)
    }

    /// 404: unknown resource, or one of another tenant (never revealing which).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::InvalidRequestError,
            "not_found",
            message,
        )
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorType::InvalidRequestError,
            "method_not_allowed",
            message,
        )
    }

    /// 409: a value that must be unique is taken.
    pub fn uniqueness_conflict(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorType::InvalidRequestError,
            "uniqueness_conflict",
            message,
        )
    }

    /// 409 (Attio): a slug or title that must be unique among its kind is taken.
    pub fn slug_conflict(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorType::InvalidRequestError,
            "slug_conflict",
            message,
        )
    }

    /// 400 (Attio): a referenced record does not exist.
    pub fn value_not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            "value_not_found",
            message,
        )
    }

    /// 400 (Attio): a unique attribute's value is taken. Attio reports record uniqueness
    /// conflicts as 400, where our other resources use 409.
    pub fn value_uniqueness_conflict(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            "uniqueness_conflict",
            message,
        )
    }

    /// 409: the object's definition changed while a record was written against it.
    pub fn object_changed() -> Self {
        Self::uniqueness_conflict("The object's attributes changed while this record was written; send it again")
            .with_code("object_changed")
    }

    /// 409: a record that other records reference cannot be deleted.
    pub fn record_referenced(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorType::InvalidRequestError,
            "record_referenced",
            message,
        )
    }

    /// 400 (Attio): an assert's matching attribute is not unique.
    pub fn matching_attribute_not_unique(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            "matching_attribute_definition_not_unique",
            message,
        )
    }

    /// 400 (Attio): a query's filter is not valid.
    pub fn filter_error(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            "filter_error",
            message,
        )
    }

    /// The same error with another code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// 422: an Idempotency-Key reused with a different request.
    pub fn idempotency_key_reused(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorType::InvalidRequestError,
            "idempotency_key_reused",
            message,
        )
    }

    /// 409: a retry while the first request with its Idempotency-Key is still running.
    pub fn idempotency_in_progress(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorType::InvalidRequestError,
            "idempotency_request_in_progress",
            message,
        )
    }

    /// 413: the body, or the item it would make, is over the size limit.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::InvalidRequestError,
            "payload_too_large",
            message,
        )
    }

    /// The same error, telling the client when a retry may pass (`Retry-After`).
    fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 429: the key's rate limit is reached for this second (Attio's answer).
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorType::RateLimitError,
            "rate_limit_exceeded",
            message,
        )
        .with_retry_after(1)
    }

    /// 429: DynamoDB throttled us past our retries. A second is about how long DynamoDB's
    /// adaptive capacity (or a contended item) takes to let a retry through.
    pub fn throttled() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorType::ApiError,
            "rate_limit_exceeded",
            "Too many requests; retry after a short wait",
        )
        .with_retry_after(1)
    }

    /// 503: DynamoDB is unreachable or timed out.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorType::ApiError,
            "service_unavailable",
            "The data store is unavailable; retry later",
        )
    }

    /// 500: a bug or an unexpected store answer. The details go to the log, not the client.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::ApiError,
            "internal_error",
            "An unexpected error occurred",
        )
    }

    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            status_code: self.status.as_u16(),
            kind: self.kind,
            code: self.code,
            message: &self.message,
        }
    }
}

/// The one mapping of the store's answers to the API's error body; what went wrong inside
/// (the SDK error and its sources) goes to the log only.
impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        let detail = crate::store::error::with_sources(&error);
        match error {
            StoreError::NotFound(missing) => missing.into(),
            StoreError::Taken(conflict) => conflict.into(),
            StoreError::MissingReference(reference) => reference.into(),
            StoreError::Refused(refusal) => refusal.into(),
            StoreError::Changed(change) => change.into(),
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Unavailable(_) => ApiError::unavailable().with_detail(detail),
            StoreError::Throttled(_) | StoreError::Contended => ApiError::throttled().with_detail(detail),
            StoreError::TooBroad { limit } => ApiError::validation(format!(
                "This query would examine more than {limit} records. Sort by or filter on an indexed attribute \
                 (created with `is_indexed: true`; `indexed: true` for a field), narrow the filter with one, or page \
                 with `cursor` instead of a large `offset`"
            )),
            StoreError::HistoryTooLong { limit } => ApiError::validation(format!(
                "This page of the attribute's history would examine more than {limit} of the record's history items \
                 (one per write that ended values). Ask for an earlier page (a smaller `offset`) or fewer values (`limit`)"
            )),
            StoreError::ItemTooLarge { what, bytes, limit } => ApiError::payload_too_large(format!(
                "The {what} would take {bytes} bytes, over DynamoDB's limit of {limit} bytes for one item"
            )),
            StoreError::Corrupt(_) | StoreError::Sdk(_) | StoreError::Unexpected(_) => {
                ApiError::internal().with_detail(detail)
            }
        }
    }
}

/// The one mapping of a record write's refusals to the API's error body (Attio's codes).
impl From<crate::store::records::RecordWriteError> for ApiError {
    fn from(error: crate::store::records::RecordWriteError) -> Self {
        use crate::store::records::RecordWriteError;
        match error {
            RecordWriteError::DefinitionChanged => ApiError::object_changed(),
            RecordWriteError::MissingReference {
                attribute,
                object,
                target,
            } => ApiError::value_not_found(format!(
                "Record with ID \"{target}\" not found in \"{object}\" (attribute \"{attribute}\")"
            )),
            RecordWriteError::ValueTaken { attribute, value } => ApiError::value_uniqueness_conflict(format!(
                "The value \"{value}\" provided for attribute with slug \"{attribute}\" is already used by another record; the attribute is unique"
            )),
            RecordWriteError::Referenced { count } => ApiError::record_referenced(format!(
                "The record is referenced by {count} other record(s); a delete removes the references of at most {max} (and, for references made before referrer items, of those it finds among {examined} records): remove some of them first",
                max = crate::store::unlink::MAX_UNLINKED,
                examined = crate::store::index::MAX_EXAMINED
            )),
            RecordWriteError::Changed => {
                ApiError::uniqueness_conflict("The record changed while this write was made; read it again")
                    .with_code("conflict")
            }
            RecordWriteError::Restored => ApiError::not_found("The deleted record is no longer in the trash"),
            RecordWriteError::Refused(refusal) => refusal.into(),
            RecordWriteError::Store(error) => error.into(),
        }
    }
}

/// 404: what the store did not find.
impl From<crate::store::Missing> for ApiError {
    fn from(missing: crate::store::Missing) -> Self {
        use crate::store::Missing;
        ApiError::not_found(match missing {
            Missing::Organization(org) => format!("No organization with id `{}`", org.0),
            Missing::ApiKey(id) => format!("No API key `{id}` in this organization"),
            Missing::Table(id) => format!("No table `{id}`"),
            Missing::Record { raw, object } => format!("No record `{raw}` in \"{object}\""),
            Missing::Team(id) => format!("No team `{id}`"),
            Missing::Webhook(id) => format!("Webhook with ID \"{id}\" not found"),
            Missing::Note(id) => format!("Note with ID \"{id}\" not found"),
            Missing::Task(id) => format!("Task with ID \"{id}\" not found"),
            Missing::Delivery(id) => format!("No delivery `{id}` of this webhook"),
            Missing::User(external_id) => format!("No user with external_id `{external_id}`"),
            Missing::Membership { external_id, org } => {
                format!("The user `{external_id}` is not a member of organization {}", org.0)
            }
        })
    }
}

/// 409 `uniqueness_conflict`: a unique value that is another's (or a guarded field that
/// moved, which a rename cannot tell from a taken key).
impl From<crate::store::Conflict> for ApiError {
    fn from(conflict: crate::store::Conflict) -> Self {
        use crate::store::Conflict;
        ApiError::uniqueness_conflict(match conflict {
            Conflict::TeamName(name) => format!("A team named \"{name}\" already exists in this account"),
            Conflict::TableSlug(slug) => {
                format!("A table with api_slug \"{slug}\" already exists in this organization")
            }
            Conflict::TablePrefix(prefix) => {
                format!("A table with record_prefix \"{prefix}\" already exists in this organization")
            }
            Conflict::DerivedPrefixes { api_slug, tried } => format!(
                "The record_prefixes derived from api_slug \"{api_slug}\" ({}) are all taken in this organization; choose an api_slug whose first 16 letters and digits differ",
                tried.join(", ")
            ),
            Conflict::FieldKey { key, table } => {
                format!(
                    "A field with key \"{key}\" already exists in table \"{table}\" (an archived or deleted field keeps its key)"
                )
            }
            Conflict::RenamedFieldKey { key, table } => format!(
                "A field with key \"{key}\" already exists in table \"{table}\", or the field changed meanwhile"
            ),
            Conflict::FieldChanged { key } => format!("The field \"{key}\" changed meanwhile; read it again"),
            Conflict::UserExternalId(external_id) => format!(
                "A user with external_id \"{external_id}\" already exists; PATCH /api/v1/users/{{external_id}} adds it to an organization"
            ),
        })
    }
}

/// 400 `value_not_found`: what a write refers to does not exist.
impl From<crate::store::Reference> for ApiError {
    fn from(reference: crate::store::Reference) -> Self {
        use crate::store::Reference;
        ApiError::value_not_found(match reference {
            Reference::Organization(org) => format!("`organization_id`: no organization with id {}", org.0),
            Reference::OrganizationVanished => "`organization_id`: the organization no longer exists".to_string(),
        })
    }
}

/// 400 `validation_type`: a limit or rule of the stored state refuses the write.
impl From<crate::store::Refusal> for ApiError {
    fn from(refusal: crate::store::Refusal) -> Self {
        use crate::store::Refusal;
        ApiError::validation(match refusal {
            Refusal::SystemField { key } => {
                return ApiError::validation(format!(
                    "\"{key}\" is a system attribute (a list's parent record, set by its entries): it cannot be changed"
                ))
                .with_code("system_edit_unauthorized")
            }
            Refusal::TooManyApiKeys { max } => {
                format!("An organization may have at most {max} API keys; revoke one first")
            }
            Refusal::UnknownUsers(ids) => {
                let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
                format!(
                    "`owners`/`members` name users who are not members of this account: {}",
                    quoted.join(", ")
                )
            }
            Refusal::IndexedFieldAfterRecords { table } => format!(
                "An indexed field is made with its table, before its first record: \"{table}\" has had records. \
                 Create the field without `indexed`, or index it in a new table (docs/operations.md, \
                 \"Backfills and migrations\")"
            ),
            Refusal::TooManyFields { max } => format!("A table may have at most {max} fields"),
            Refusal::UnknownDisplayField(id) => format!("`display_field_id` names no field of this table: \"{id}\""),
            Refusal::DisplayFieldKept { key } => format!(
                "\"{key}\" is the field that names this table's records (its primary field), so it cannot be \
                 archived or deleted; make another field the display field first"
            ),
            Refusal::FieldTypeFixed(field_type) => {
                format!("`schema.type` cannot be changed: the field is {}", field_type.as_str())
            }
            Refusal::TooManyWebhooks { max } => {
                format!("A workspace may have at most {max} webhooks; delete one first")
            }
            Refusal::TooManySolutions { max } => {
                format!("A workspace may make at most {max} solutions besides its default one")
            }
            Refusal::OwnerKeepsRole(org) => format!(
                "`role`: the user owns organization {}, so its role there stays owner",
                org.0
            ),
        })
    }
}

/// 409 `conflict`: the item changed while the write was made; read it again.
impl From<crate::store::Change> for ApiError {
    fn from(change: crate::store::Change) -> Self {
        use crate::store::Change;
        ApiError::uniqueness_conflict(match change {
            Change::Team => "The team changed while this update was made; read it again".to_string(),
            Change::Webhook => "The webhook changed while this update was made; read it again".to_string(),
            Change::OrganizationKeys => "The organization's keys changed while it was being deleted; retry".to_string(),
            Change::FieldOptions { key } => format!("The attribute \"{key}\" changed meanwhile; read it again"),
            Change::Task => "The task changed while this update was made; read it again".to_string(),
            Change::List => "The list changed while this update was made; read it again".to_string(),
        })
        .with_code("conflict")
    }
}

/// 400 `validation_type`: a record write breaks a rule of its definition.
impl From<crate::store::records::RecordRefusal> for ApiError {
    fn from(refusal: crate::store::records::RecordRefusal) -> Self {
        use crate::store::records::RecordRefusal;
        ApiError::validation(match refusal {
            RecordRefusal::SelfReference => "A record cannot reference itself".to_string(),
            RecordRefusal::Required { attribute } => {
                format!("`data.values.{attribute}` is required: the attribute is not optional")
            }
            RecordRefusal::TooManyHeld { held, max } => format!(
                "A record may hold at most {max} unique values, references and indexed values in all, each referenced record counting twice; this one would hold {held}"
            ),
            RecordRefusal::TooManyChanges { max } => {
                format!("One write may change at most {max} unique values, references and indexed values, each referenced record counting twice")
            }
        })
    }
}

/// The one mapping of the domain's refusals to the API's error body.
impl From<crate::domain::Invalid> for ApiError {
    fn from(error: crate::domain::Invalid) -> Self {
        use crate::domain::Invalid;
        match error {
            Invalid::Value(message) => ApiError::validation(message),
            Invalid::Filter(message) => ApiError::filter_error(message),
            Invalid::NotFound(message) => ApiError::not_found(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::organization::OrgId;
    use crate::store::records::{RecordRefusal, RecordWriteError};
    use crate::store::{Change, Conflict, Missing, Reference, Refusal, StoreError};

    fn answer(error: impl Into<ApiError>) -> (u16, &'static str, String) {
        let error = error.into();
        (error.status.as_u16(), error.code, error.message)
    }

    /// The store's facts, each with the status, code and words a client gets for it.
    #[test]
    fn store_facts_map_to_their_answers() {
        let cases: Vec<(StoreError, (u16, &str, &str))> =
            vec![
            (Missing::Organization(OrgId(7)).into(), (404, "not_found", "No organization with id `7`")),
            (Missing::Table("t1".into()).into(), (404, "not_found", "No table `t1`")),
            (
                Missing::Record {
                    raw: "P-9".into(),
                    object: "people".into(),
                }
                .into(),
                (404, "not_found", "No record `P-9` in \"people\""),
            ),
            (
                Conflict::TeamName("Ops".into()).into(),
                (409, "uniqueness_conflict", "A team named \"Ops\" already exists in this account"),
            ),
            (
                Conflict::DerivedPrefixes {
                    api_slug: "people".into(),
                    tried: vec!["PEOPLE".into(), "PEOPLE2".into()],
                }
                .into(),
                (
                    409,
                    "uniqueness_conflict",
                    "The record_prefixes derived from api_slug \"people\" (PEOPLE, PEOPLE2) are all taken in this \
                     organization; choose an api_slug whose first 16 letters and digits differ",
                ),
            ),
            (
                Conflict::UserExternalId("u-1".into()).into(),
                (
                    409,
                    "uniqueness_conflict",
                    "A user with external_id \"u-1\" already exists; PATCH /api/v1/users/{external_id} adds it to an \
                     organization",
                ),
            ),
            (
                Reference::Organization(OrgId(7)).into(),
                (400, "value_not_found", "`organization_id`: no organization with id 7"),
            ),
            (
                Refusal::UnknownUsers(vec!["1".into(), "x".into()]).into(),
                (
                    400,
                    "validation_type",
                    "`owners`/`members` name users who are not members of this account: \"1\", \"x\"",
                ),
            ),
            (
                Refusal::IndexedFieldAfterRecords { table: "people".into() }.into(),
                (
                    400,
                    "validation_type",
                    "An indexed field is made with its table, before its first record: \"people\" has had records. \
                     Create the field without `indexed`, or index it in a new table (docs/operations.md, \
                     \"Backfills and migrations\")",
                ),
            ),
            (
                Change::Team.into(),
                (409, "conflict", "The team changed while this update was made; read it again"),
            ),
        ];
        for (error, (status, code, message)) in cases {
            assert_eq!(answer(error), (status, code, message.to_string()));
        }
        assert_eq!(
            answer(RecordWriteError::Refused(RecordRefusal::Required {
                attribute: "name".into()
            })),
            (
                400,
                "validation_type",
                "`data.values.name` is required: the attribute is not optional".to_string()
            )
        );
    }
}
