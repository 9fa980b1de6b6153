//! Idempotency records (what they are for: `crate::idempotency`): one item per caller and
//! Idempotency-Key, claimed by a conditional PutItem, then kept with its response or
//! released. The store keeps what it is given (a salt, a fingerprint, a sealed body) and
//! answers it back; what they mean is the service's.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::keys;
use super::{key, s, sdk_error, Item, Store, StoreError};

/// The TTL attribute of idempotency records (template.yaml enables TTL on it).
pub use super::keys::TTL_ATTRIBUTE;

/// The record of one caller's use of one Idempotency-Key. Its text is the record's
/// partition key, which the service also binds the sealed body to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecordId(String);

impl IdempotencyRecordId {
    /// The record of `key` used by the caller whose scope is `caller_scope`
    /// (`auth::Caller::scope`).
    pub fn new(caller_scope: &str, key: &str) -> Self {
        Self(keys::idempotency_pk(caller_scope, key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a request stores when it claims its key, before it runs.
#[derive(Debug, Clone)]
pub struct NewClaim<'a> {
    pub salt: &'a [u8],
    pub fingerprint: Vec<u8>,
    /// The clock, in seconds since the epoch: an older claim that expired, or whose request
    /// stayed pending past its time, may be taken over.
    pub now: u64,
    /// Until when this claim's request may stay pending.
    pub pending_until: u64,
    /// When the record expires (DynamoDB's TTL deletes it after).
    pub expires_at: u64,
}

/// The record another request with the same key left, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldRecord {
    pub salt: Vec<u8>,
    pub fingerprint: Vec<u8>,
    /// Whether its request finished and its response is kept.
    pub done: bool,
    /// The kept response's status, if the record holds one.
    pub status: Option<u16>,
    /// The kept response's body, sealed (empty if none is kept).
    pub body: Vec<u8>,
}

impl HeldRecord {
    fn from_item(item: Item) -> Self {
        let bytes = |name: &str| match item.get(name) {
            Some(AttributeValue::B(v)) => v.as_ref().to_vec(),
            _ => Vec::new(),
        };
        Self {
            salt: bytes("salt"),
            fingerprint: bytes("fingerprint"),
            done: matches!(item.get("state"), Some(AttributeValue::S(state)) if state == "done"),
            status: match item.get("status") {
                Some(AttributeValue::N(v)) => v.parse().ok(),
                _ => None,
            },
            body: bytes("body"),
        }
    }
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn b(value: Vec<u8>) -> AttributeValue {
    AttributeValue::B(Blob::new(value))
}

impl Store {
    /// Claims an idempotency record for a request about to run: `None` when the claim is
    /// this request's (no record, an expired one, or one whose request stayed pending past
    /// its time), otherwise the record that holds the key.
    pub async fn claim_idempotency_record(
        &self,
        id: &IdempotencyRecordId,
        claim: NewClaim<'_>,
    ) -> Result<Option<HeldRecord>, StoreError> {
        let result = self
            .client()
            .put_item()
            .table_name(self.table_name())
            .item(keys::PK, s(id.as_str()))
            .item(keys::SK, s(keys::IDEMPOTENCY_SK))
            .item("salt", b(claim.salt.to_vec()))
            .item("fingerprint", b(claim.fingerprint))
            .item("state", s("pending"))
            .item("pending_until", n(claim.pending_until))
            .item(TTL_ATTRIBUTE, n(claim.expires_at))
            .condition_expression(
                "attribute_not_exists(PK) OR expires_at < :now OR (#state = :pending AND pending_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", n(claim.now))
            .expression_attribute_values(":pending", s("pending"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => {
                    Ok(Some(HeldRecord::from_item(e.item().cloned().unwrap_or_default())))
                }
                _ => Err(sdk_error(err)),
            },
        }
    }

    /// Keeps a finished request's response (its status and sealed body) for its retries.
    pub async fn keep_idempotent_response(
        &self,
        id: &IdempotencyRecordId,
        status: u16,
        sealed_body: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(id.as_str().to_string(), keys::IDEMPOTENCY_SK)))
            .update_expression("SET #state = :done, #status = :status, body = :body REMOVE pending_until")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":status", n(u64::from(status)))
            .expression_attribute_values(":body", b(sealed_body))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Releases a claimed key, so that a retry does the work again.
    pub async fn release_idempotency_record(&self, id: &IdempotencyRecordId) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table_name())
            .set_key(Some(key(id.as_str().to_string(), keys::IDEMPOTENCY_SK)))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}
