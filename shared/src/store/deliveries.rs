//! Webhook deliveries: one item per (event item, webhook), made when the event is fanned
//! out, in the organization's partition (`DLV#<webhook_id>#<event_id>`), kept a week. It
//! holds the body every attempt sends (so every retry is byte-identical, under one
//! `Idempotency-Key`) and what the attempts gave. While a delivery is pending it is in the
//! sparse due index (GSI1 `DUE` / `<next attempt, seconds:020>#...`), which the sweeper
//! reads; an attempt first claims the delivery (a conditional update on its attempt
//! count), so two sweepers never send the same attempt twice.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::events::EventItem;
use super::{from_item, key, Item, Store, StoreError};
use crate::domain::organization::OrgId;
use crate::store::item::ItemKeys;
use crate::store::keys;

/// The due index's one partition.
pub const DUE_GSI1PK: &str = "DUE";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeliveryItem {
    pub org_id: u64,
    pub delivery_id: String,
    pub webhook_id: String,
    pub event_id: String,
    /// The request body, as sent by every attempt.
    pub body: String,
    pub attempts: u32,
    /// `pending`, `delivered` or `failed` (every attempt failed).
    pub state: String,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<u64>,
    /// When the next attempt is due, in seconds since the epoch (pending only).
    pub next_attempt_at: Option<u64>,
    pub created_at: String,
    pub expires_at: u64,
    /// A SmartSuite webhook's notification (`crate::smartsuite_events`): sent unsigned,
    /// and its webhook is a SmartSuite one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub smartsuite: bool,
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: u64,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn due_sk(next_attempt_at: u64, org: u64, delivery_sk: &str) -> String {
    format!("{next_attempt_at:020}#{org}#{delivery_sk}")
}

impl DeliveryItem {
    pub fn sk(&self) -> String {
        keys::delivery_sk(&self.webhook_id, &self.event_id)
    }

    /// Its item: in the due index while an attempt is due.
    fn item(&self) -> Item {
        let keys = ItemKeys::new(keys::org_pk(OrgId(self.org_id)), self.sk());
        match self.next_attempt_at {
            Some(next) => keys.listed(DUE_GSI1PK, due_sk(next, self.org_id, &self.sk())),
            None => keys,
        }
        .item(self)
    }
}

/// Why a stored delivery item is broken, for the audit: it does not parse, its state is
/// unknown, or it is in the due index exactly when it is not pending.
pub(crate) fn stored_delivery_problem(item: Item) -> Result<(), String> {
    let due = item.contains_key(keys::GSI1PK);
    let delivery: DeliveryItem = from_item(item).map_err(|e| e.to_string())?;
    let pending = match delivery.state.as_str() {
        "pending" => true,
        "delivered" | "failed" => false,
        other => return Err(format!("an unknown state {other:?}")),
    };
    if pending != due || pending != delivery.next_attempt_at.is_some() {
        return Err(format!(
            "state {} but {} the due index",
            delivery.state,
            if due { "in" } else { "not in" }
        ));
    }
    serde_json::from_str::<serde_json::Value>(&delivery.body).map_err(|_| "its body is not JSON".to_string())?;
    Ok(())
}

impl Store {
    /// One event item, as the stream names it.
    pub async fn event_item(&self, org: OrgId, sk: &str) -> Result<Option<EventItem>, StoreError> {
        self.get(keys::org_pk(org), sk).await?.map(from_item).transpose()
    }

    /// Stores a new delivery (already claimed for its first attempt); `false` if it exists
    /// (the stream handed the event on again): that delivery is the sweeper's.
    pub async fn create_delivery(&self, delivery: &DeliveryItem) -> Result<bool, StoreError> {
        let out = self
            .client()
            .put_item()
            .table_name(self.table_name())
            .set_item(Some(delivery.item()))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if super::is_condition_failure(&e) => Ok(false),
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Claims a due delivery for its next attempt: only if it is still pending after
    /// `seen_attempts` attempts. Its next attempt moves to `lease_until`, so a sweeper that
    /// dies mid-attempt leaves it to the next sweep.
    pub async fn claim_delivery(
        &self,
        delivery: &DeliveryItem,
        lease_until: u64,
    ) -> Result<Option<DeliveryItem>, StoreError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(OrgId(delivery.org_id)), &delivery.sk())))
            .update_expression("SET attempts = attempts + :one, next_attempt_at = :lease, GSI1SK = :due")
            .condition_expression("attempts = :seen AND #state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":seen", AttributeValue::N(delivery.attempts.to_string()))
            .expression_attribute_values(":pending", AttributeValue::S("pending".into()))
            .expression_attribute_values(":lease", AttributeValue::N(lease_until.to_string()))
            .expression_attribute_values(
                ":due",
                AttributeValue::S(due_sk(lease_until, delivery.org_id, &delivery.sk())),
            )
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(out) => out.attributes.map(from_item).transpose(),
            Err(e) if super::is_condition_failure(&e) => Ok(None),
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Records an attempt's outcome: delivered, due again at `retry_at`, or failed for good
    /// (`retry_at` `None` after a failure). Leaves the due index unless due again.
    pub async fn record_attempt(
        &self,
        delivery: &DeliveryItem,
        outcome: &AttemptOutcome,
        retry_at: Option<u64>,
    ) -> Result<(), StoreError> {
        let state = match (outcome.succeeded(), retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(OrgId(delivery.org_id)), &delivery.sk())))
            .condition_expression("attempts = :attempts")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":attempts", AttributeValue::N(delivery.attempts.to_string()))
            .expression_attribute_values(":state", AttributeValue::S(state.into()))
            .expression_attribute_values(":latency", AttributeValue::N(outcome.latency_ms.to_string()))
            .expression_attribute_values(
                ":status",
                outcome
                    .status
                    .map_or(AttributeValue::Null(true), |s| AttributeValue::N(s.to_string())),
            )
            .expression_attribute_values(
                ":error",
                outcome
                    .error
                    .clone()
                    .map_or(AttributeValue::Null(true), AttributeValue::S),
            );
        let set = "SET #state = :state, last_status = :status, last_error = :error, last_latency_ms = :latency";
        update = match (state, retry_at) {
            ("pending", Some(at)) => update
                .update_expression(format!("{set}, next_attempt_at = :next, GSI1SK = :due"))
                .expression_attribute_values(":next", AttributeValue::N(at.to_string()))
                .expression_attribute_values(":due", AttributeValue::S(due_sk(at, delivery.org_id, &delivery.sk()))),
            _ => update.update_expression(format!("{set} REMOVE next_attempt_at, GSI1PK, GSI1SK")),
        };
        match update.send().await {
            Ok(_) => Ok(()),
            // Another claim took it meanwhile (this attempt outlived its lease): its outcome
            // is that attempt's to record.
            Err(e) if super::is_condition_failure(&e) => Ok(()),
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Pending deliveries due at `now` (seconds), oldest first, at most `limit`.
    pub async fn due_deliveries(&self, now: u64, limit: i32) -> Result<Vec<DeliveryItem>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table_name())
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :due AND GSI1SK <= :now")
            .expression_attribute_values(":due", AttributeValue::S(DUE_GSI1PK.into()))
            .expression_attribute_values(":now", AttributeValue::S(format!("{now:020}#~")))
            .limit(limit)
            .send()
            .await
            .map_err(super::sdk_error)?;
        out.items().iter().cloned().map(from_item).collect()
    }

    /// A webhook's deliveries, newest first.
    pub async fn deliveries(&self, org: OrgId, webhook_id: &str) -> Result<Vec<DeliveryItem>, StoreError> {
        let mut list: Vec<DeliveryItem> = self
            .query_prefix(&keys::org_pk(org), &keys::delivery_prefix(webhook_id))
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        list.reverse();
        Ok(list)
    }

    /// One delivery of a webhook, by its id (`<event_id>.<webhook_id>`).
    pub async fn delivery(
        &self,
        org: OrgId,
        webhook_id: &str,
        event_id: &str,
    ) -> Result<Option<DeliveryItem>, StoreError> {
        self.get(keys::org_pk(org), &keys::delivery_sk(webhook_id, event_id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Makes a delivery due now, whatever its state: the next sweep attempts it again, with
    /// its body and `Idempotency-Key`. `None` if it is gone.
    pub async fn redeliver(&self, delivery: &DeliveryItem, now: u64) -> Result<Option<DeliveryItem>, StoreError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(OrgId(delivery.org_id)), &delivery.sk())))
            .update_expression("SET #state = :pending, next_attempt_at = :now, GSI1PK = :due_pk, GSI1SK = :due")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":pending", AttributeValue::S("pending".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":due_pk", AttributeValue::S(DUE_GSI1PK.into()))
            .expression_attribute_values(":due", AttributeValue::S(due_sk(now, delivery.org_id, &delivery.sk())))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(out) => out.attributes.map(from_item).transpose(),
            Err(e) if super::is_condition_failure(&e) => Ok(None),
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Marks a webhook `degraded` (its deliveries failed for their whole schedule), if it
    /// still exists, from `now` (unix seconds) unless it already was: a week later it is
    /// inactive (`WebhookStatus::at`).
    pub async fn degrade_webhook(&self, org: OrgId, webhook_id: &str, now: u64) -> Result<(), StoreError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::webhook_sk(webhook_id))))
            .update_expression("SET #status = :degraded, degraded_at = if_not_exists(degraded_at, :now)")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":degraded", AttributeValue::S("degraded".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if super::is_condition_failure(&e) => Ok(()),
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Marks a degraded (or inactive) webhook `active` again: a delivery to it succeeded.
    /// Nothing if it is active already or gone.
    pub async fn restore_webhook(&self, org: OrgId, webhook_id: &str) -> Result<(), StoreError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::webhook_sk(webhook_id))))
            .update_expression("SET #status = :active REMOVE degraded_at")
            .condition_expression("#status = :degraded")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":degraded", AttributeValue::S("degraded".into()))
            .expression_attribute_values(":active", AttributeValue::S("active".into()))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if super::is_condition_failure(&e) => Ok(()),
            Err(e) => Err(super::sdk_error(e)),
        }
    }
}
