//! Idempotent POSTs, as Stripe's API has them: a request with an `Idempotency-Key` header is
//! done once per key. The first request claims the key (a conditional PutItem); a retry with
//! the same key and the same request gets the first response again, status and body alike,
//! without a second write; the same key with a different request gets 422; a retry while
//! the first is still running gets 409. Keys are scoped to the credential that sent them
//! (so to one organization, or to the platform admin) and kept for 24 hours (DynamoDB TTL on
//! `expires_at`). A response of 5xx releases the key, so a retry does the work again.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::auth::sha256_hex;
use crate::error::ApiError;
use crate::store::{key, s, sdk_error, Item, Store};

/// How long a key is remembered.
pub const KEEP_SECONDS: u64 = 24 * 60 * 60;
/// How long a claimed key waits for its first request before another may take it over
/// (the first one's function died mid-request).
pub const PENDING_SECONDS: u64 = 60;
/// Responses larger than this are not kept (a retry then does the work again).
const MAX_KEPT_BODY: usize = 300_000;
/// The TTL attribute of idempotency records (template.yaml enables TTL on it).
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// The header, if the request has one. 1-255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(key) = crate::http::single_header(headers, "idempotency-key")? else {
        return Ok(None);
    };
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "`Idempotency-Key` must be 1-255 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Whose key it is: the SHA-256 of the credential that sent it. `None` when the request has
/// no credential (the handler will refuse it anyway).
fn scope(headers: &HeaderMap) -> Option<String> {
    ["x-api-key", "authorization"]
        .iter()
        .find_map(|h| headers.get(*h))
        .map(|v| sha256_hex(&String::from_utf8_lossy(v.as_bytes())))
}

fn fingerprint(req: &Request) -> String {
    let mut text = format!(
        "{} {}?{}\n",
        req.method(),
        req.uri().path(),
        req.uri().query().unwrap_or("")
    );
    text.push_str(&String::from_utf8_lossy(req.body().as_ref()));
    sha256_hex(&text)
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// What to do with an idempotent request.
pub enum Begin {
    /// The key is ours: run the request, then [`finish`] with its response.
    Run(Claim),
    /// The key was used for this same request: here is its response again.
    Replay(Response<Body>),
}

/// A claimed key, to be finished once the response is known.
pub struct Claim {
    pk: String,
}

/// Claims `key` for this request, or answers from an earlier one.
pub async fn begin(store: &Store, req: &Request, key: &str) -> Result<Option<Begin>, ApiError> {
    let Some(scope) = scope(req.headers()) else {
        return Ok(None);
    };
    let pk = format!("IDEMP#{scope}#{key}");
    let print = fingerprint(req);
    let now = now_seconds();
    let result = store
        .client()
        .put_item()
        .table_name(store.table_name())
        .item("PK", s(&pk))
        .item("SK", s("IDEMP"))
        .item("fingerprint", s(&print))
        .item("state", s("pending"))
        .item("pending_until", n(now + PENDING_SECONDS))
        .item(TTL_ATTRIBUTE, n(now + KEEP_SECONDS))
        .condition_expression(
            "attribute_not_exists(PK) OR expires_at < :now OR (#state = :pending AND pending_until < :now)",
        )
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":now", n(now))
        .expression_attribute_values(":pending", s("pending"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    let old: Item = match result {
        Ok(_) => return Ok(Some(Begin::Run(Claim { pk }))),
        Err(err) => match err.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(e)) => e.item().cloned().unwrap_or_default(),
            _ => return Err(sdk_error(err)),
        },
    };
    let text = |name: &str| match old.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        _ => String::new(),
    };
    if text("fingerprint") != print {
        return Err(ApiError::idempotency_key_reused(
            "This Idempotency-Key was used with a different request; use a new key for a new request",
        ));
    }
    if text("state") != "done" {
        return Err(ApiError::idempotency_in_progress(
            "A request with this Idempotency-Key is still being processed; retry shortly",
        ));
    }
    let status = match old.get("status") {
        Some(AttributeValue::N(v)) => v.parse().ok().and_then(|v| StatusCode::from_u16(v).ok()),
        _ => None,
    }
    .ok_or_else(|| ApiError::internal().with_detail("idempotency record without a status"))?;
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(text("body")))
        .expect("a stored status always builds");
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(Some(Begin::Replay(response)))
}

/// Keeps the response for retries, or releases the key after a 5xx (or a response too big
/// to keep), so that a retry does the work again.
pub async fn finish(store: &Store, claim: Claim, response: &Response<Body>) -> Result<(), ApiError> {
    let body: &[u8] = response.body().as_ref();
    let item_key = key(claim.pk, "IDEMP");
    if response.status().is_server_error() || body.len() > MAX_KEPT_BODY {
        store
            .client()
            .delete_item()
            .table_name(store.table_name())
            .set_key(Some(item_key))
            .send()
            .await
            .map_err(sdk_error)?;
        return Ok(());
    }
    store
        .client()
        .update_item()
        .table_name(store.table_name())
        .set_key(Some(item_key))
        .update_expression("SET #state = :done, #status = :status, body = :body REMOVE pending_until")
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":done", s("done"))
        .expression_attribute_values(":status", n(u64::from(response.status().as_u16())))
        .expression_attribute_values(":body", s(String::from_utf8_lossy(body)))
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(())
}
