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

    /// 501: an endpoint a vendor documents that this API deliberately does not serve.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            ErrorType::ApiError,
            "not_implemented",
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
            StoreError::NotFound(message) => ApiError::not_found(message),
            StoreError::Taken(message) => ApiError::uniqueness_conflict(message),
            StoreError::MissingReference(message) => ApiError::value_not_found(message),
            StoreError::Refused(message) => ApiError::validation(message),
            StoreError::Changed(message) => ApiError::uniqueness_conflict(message).with_code("conflict"),
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
                "The record is referenced by {count} other record(s); remove those references first"
            )),
            RecordWriteError::Changed => {
                ApiError::uniqueness_conflict("The record changed while this write was made; read it again")
                    .with_code("conflict")
            }
            RecordWriteError::Refused(error) => error.into(),
            RecordWriteError::Store(error) => error.into(),
        }
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
