//! SmartSuite's webhooks (docs/compat-smartsuite.md, "Webhooks"): one item each in the
//! organization's partition (`SSWH#<id>`), counted with Attio's webhooks in the
//! organization's `webhook_count` (so both kinds together are at most [`super::webhooks::MAX_WEBHOOKS`]);
//! and each webhook's events, a queue of its own (`SSEVT#<id>#<sequence>`) that the fan-out
//! appends to and `ListEvents` reads in sequence order.
//!
//! An append writes its events under the next sequence numbers in one transaction with
//! the webhook's counter, conditional on the value read, so an event numbered n+1 never
//! commits before n: a reader's position (the last number it read) is never passed by an
//! event committing late. A mark (`SSDONE#...`) in the same transaction makes an append of
//! one change-event item happen once however often the stream hands the item on.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{from_item, key, put, s, Missing, Store, StoreError, TransactFailure, CONDITION_FAILED, NEW_ITEM};
use crate::domain::organization::OrgId;
use crate::domain::smartsuite_webhook::{Settings, Webhook};
use crate::store::item::ItemKeys;
use crate::store::keys;
use crate::time::Timestamp;

/// How long a queued event is kept (DynamoDB TTL): SmartSuite keeps a webhook's events
/// for 7 days.
pub const KEEP_SECONDS: u64 = 7 * 24 * 60 * 60;

/// Events per append transaction: DynamoDB's 100 items, less the counter and the mark.
const EVENTS_PER_APPEND: usize = 98;

/// Bytes of events per append transaction, under DynamoDB's 4 MB a transaction.
const BYTES_PER_APPEND: usize = 3_000_000;

/// How often an append is tried against concurrent appends to the same webhook.
const APPEND_ATTEMPTS: u32 = 25;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WebhookItem {
    webhook_id: String,
    /// The settings as `Settings::to_json` gives them, as JSON text.
    settings: String,
    created_at: String,
    created_by: u64,
    updated_at: String,
    updated_by: u64,
    version: u64,
    /// The last sequence number given to one of its events (0: none yet).
    sequence: u64,
}

impl WebhookItem {
    fn webhook(&self) -> Result<Webhook, StoreError> {
        let settings = serde_json::from_str::<Value>(&self.settings)
            .ok()
            .and_then(|raw| Settings::stored(&raw))
            .ok_or_else(|| {
                StoreError::unexpected(format!(
                    "SmartSuite webhook {}: its stored settings do not parse",
                    self.webhook_id
                ))
            })?;
        Ok(Webhook {
            id: self.webhook_id.clone(),
            settings,
            created_at: self.created_at.clone(),
            created_by: self.created_by,
            updated_at: self.updated_at.clone(),
            updated_by: self.updated_by,
            version: self.version,
        })
    }
}

/// One queued event, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueuedEvent {
    webhook_id: String,
    sequence: u64,
    /// The event as `ListEvents` shows it, as JSON text.
    event: String,
    expires_at: u64,
}

/// How many of one change-event item's events are in a webhook's queue: an item handed on
/// again goes on from there.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AppendedMark {
    webhook_id: String,
    appended: u64,
    expires_at: u64,
}

/// What one append transaction did.
enum ChunkOutcome {
    /// Its events are queued.
    Queued,
    /// Another append of the same item moved the mark: read it again.
    MarkMoved,
    /// Another append to the webhook took the numbers read: read the counter again.
    CounterMoved,
    WebhookGone,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The events are queued (now, or by an earlier hand-on of the same item).
    Queued,
    /// The webhook was deleted meanwhile: nothing is queued.
    WebhookGone,
}

/// Why a stored SmartSuite webhook, queued event or mark is broken, for the audit.
pub(crate) fn stored_item_problem(sk: &str, item: super::Item) -> Result<(), String> {
    if sk.starts_with(keys::SS_WEBHOOK_PREFIX) {
        let item: WebhookItem = from_item(item).map_err(|e| e.to_string())?;
        item.webhook().map(|_| ()).map_err(|e| e.to_string())
    } else if sk.starts_with(keys::SS_EVENT_PREFIX) {
        let item: QueuedEvent = from_item(item).map_err(|e| e.to_string())?;
        let event: Value = serde_json::from_str(&item.event).map_err(|_| "its event is not JSON".to_string())?;
        let expected = format!("{}.{}", item.webhook_id, item.sequence);
        if event["event_id"].as_str() != Some(expected.as_str()) || event["webhook_id"] != item.webhook_id.as_str() {
            return Err(format!("its event is not {expected}"));
        }
        if sk != keys::ss_event_sk(&item.webhook_id, item.sequence) {
            return Err("its key is not its sequence".into());
        }
        Ok(())
    } else {
        from_item::<AppendedMark>(item).map(|_| ()).map_err(|e| e.to_string())
    }
}

fn settings_text(webhook: &Webhook) -> String {
    webhook.settings.to_json().to_string()
}

impl Store {
    /// Stores a new SmartSuite webhook. 404 if the organization does not exist (or is
    /// being deleted); 400 if it holds [`super::webhooks::MAX_WEBHOOKS`] (of both kinds) already.
    pub async fn create_smartsuite_webhook(&self, org: OrgId, webhook: &Webhook) -> Result<(), StoreError> {
        let item = WebhookItem {
            webhook_id: webhook.id.clone(),
            settings: settings_text(webhook),
            created_at: webhook.created_at.clone(),
            created_by: webhook.created_by,
            updated_at: webhook.updated_at.clone(),
            updated_by: webhook.updated_by,
            version: webhook.version,
            sequence: 0,
        };
        let item = ItemKeys::new(keys::org_pk(org), keys::ss_webhook_sk(&webhook.id)).item(&item);
        self.put_counted_webhook(org, item).await
    }

    /// The organization's SmartSuite webhooks, oldest first.
    pub async fn smartsuite_webhooks(&self, org: OrgId) -> Result<Vec<Webhook>, StoreError> {
        let mut webhooks = self
            .query_prefix(&keys::org_pk(org), keys::SS_WEBHOOK_PREFIX)
            .await?
            .into_iter()
            .map(|item| from_item::<WebhookItem>(item)?.webhook())
            .collect::<Result<Vec<_>, _>>()?;
        webhooks.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(webhooks)
    }

    /// A SmartSuite webhook of `org`; another organization's is not found.
    pub async fn smartsuite_webhook(&self, org: OrgId, webhook_id: &str) -> Result<Option<Webhook>, StoreError> {
        self.get(keys::org_pk(org), &keys::ss_webhook_sk(webhook_id))
            .await?
            .map(|item| from_item::<WebhookItem>(item)?.webhook())
            .transpose()
    }

    /// Writes `after` (the webhook read as `before`, changed) if it is still the version
    /// read; its queue and sequence stay.
    pub async fn update_smartsuite_webhook(
        &self,
        org: OrgId,
        before: &Webhook,
        after: &Webhook,
    ) -> Result<(), StoreError> {
        if self.write_if_unchanged(org, before, after).await? {
            return Ok(());
        }
        match self.smartsuite_webhook(org, &before.id).await? {
            None => Err(Missing::Webhook(before.id.clone()).into()),
            Some(_) => Err(super::Change::Webhook.into()),
        }
    }

    /// Writes `after` if the webhook is still the version `before` was; `false` if it is
    /// not (or is gone).
    async fn write_if_unchanged(&self, org: OrgId, before: &Webhook, after: &Webhook) -> Result<bool, StoreError> {
        let update = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::ss_webhook_sk(&before.id))))
            .update_expression("SET settings = :settings, updated_at = :at, updated_by = :by, version = :next")
            .condition_expression("version = :read")
            .expression_attribute_values(":settings", AttributeValue::S(settings_text(after)))
            .expression_attribute_values(":at", AttributeValue::S(after.updated_at.clone()))
            .expression_attribute_values(":by", AttributeValue::N(after.updated_by.to_string()))
            .expression_attribute_values(":next", AttributeValue::N(after.version.to_string()))
            .expression_attribute_values(":read", AttributeValue::N(before.version.to_string()));
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) if super::is_condition_failure(&e) => Ok(false),
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Turns a webhook's notifications off (its pings failed every attempt), as SmartSuite
    /// does: an update that turns them on again restarts them. Its events are still queued.
    pub async fn disable_smartsuite_notifications(&self, org: OrgId, webhook_id: &str) -> Result<(), StoreError> {
        for _ in 0..APPEND_ATTEMPTS {
            let Some(before) = self.smartsuite_webhook(org, webhook_id).await? else {
                return Ok(());
            };
            let mut after = before.clone();
            after.settings.notification = crate::domain::smartsuite_webhook::Notification::Disabled;
            after.version += 1;
            if self.write_if_unchanged(org, &before, &after).await? {
                return Ok(());
            }
        }
        Err(StoreError::Contended)
    }

    /// Deletes a SmartSuite webhook; 404 if there is none with this id. Its queued events
    /// can no longer be read (`ListEvents` needs the webhook) and expire with their TTL.
    pub async fn delete_smartsuite_webhook(&self, org: OrgId, webhook_id: &str) -> Result<(), StoreError> {
        self.delete_counted_webhook(org, &keys::ss_webhook_sk(webhook_id), webhook_id)
            .await
    }

    /// Queues `events` (one change-event item's, `source` its id) for a webhook, in order,
    /// each given its `event_id` (`<webhook>.<sequence>`). Once per source item: an item
    /// handed on again goes on from what its mark says is queued.
    pub async fn queue_smartsuite_events(
        &self,
        org: OrgId,
        webhook_id: &str,
        source: &str,
        events: Vec<Value>,
    ) -> Result<Appended, StoreError> {
        let mut done = self.appended(org, webhook_id, source).await?;
        let mut attempt = 0;
        while done < events.len() {
            let part = next_chunk(&events[done..]);
            match self.queue_chunk(org, webhook_id, source, done, part).await? {
                ChunkOutcome::Queued => {
                    done += part.len();
                    attempt = 0;
                }
                ChunkOutcome::MarkMoved => done = self.appended(org, webhook_id, source).await?,
                ChunkOutcome::CounterMoved => {
                    attempt += 1;
                    if attempt >= APPEND_ATTEMPTS {
                        return Err(StoreError::Contended);
                    }
                    tokio::time::sleep(super::backoff(attempt.min(4))).await;
                }
                ChunkOutcome::WebhookGone => return Ok(Appended::WebhookGone),
            }
        }
        Ok(Appended::Queued)
    }

    /// How many of `source`'s events are in the webhook's queue (its mark; 0 without one).
    async fn appended(&self, org: OrgId, webhook_id: &str, source: &str) -> Result<usize, StoreError> {
        let mark = self
            .get(keys::org_pk(org), &keys::ss_appended_sk(webhook_id, source))
            .await?;
        Ok(mark
            .map(from_item::<AppendedMark>)
            .transpose()?
            .map_or(0, |m| m.appended as usize))
    }

    /// One transaction: the webhook's counter moved on from the value read, the source's
    /// mark from `done` (absent when 0) to `done + events`, and a put per event.
    async fn queue_chunk(
        &self,
        org: OrgId,
        webhook_id: &str,
        source: &str,
        done: usize,
        events: &[Value],
    ) -> Result<ChunkOutcome, StoreError> {
        let Some(item) = self.get(keys::org_pk(org), &keys::ss_webhook_sk(webhook_id)).await? else {
            return Ok(ChunkOutcome::WebhookGone);
        };
        let read = from_item::<WebhookItem>(item)?.sequence;
        let next = read + events.len() as u64;
        let counter = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::ss_webhook_sk(webhook_id))))
            .update_expression("SET #sequence = :next")
            .condition_expression("#sequence = :read")
            .expression_attribute_names("#sequence", "sequence")
            .expression_attribute_values(":next", AttributeValue::N(next.to_string()))
            .expression_attribute_values(":read", AttributeValue::N(read.to_string()))
            .build()
            .expect("key, table and expression are set");
        let expires_at = Timestamp::now().unix_seconds() + KEEP_SECONDS;
        let mark = ItemKeys::new(keys::org_pk(org), keys::ss_appended_sk(webhook_id, source)).item(&AppendedMark {
            webhook_id: webhook_id.to_string(),
            appended: (done + events.len()) as u64,
            expires_at,
        });
        let mark = if done == 0 {
            put(self.table_name(), mark, Some(NEW_ITEM))
        } else {
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(self.table_name())
                .set_item(Some(mark))
                .condition_expression("appended = :done")
                .expression_attribute_values(":done", AttributeValue::N(done.to_string()))
                .build()
                .expect("item and table are set");
            TransactWriteItem::builder().put(put).build()
        };
        let mut items = vec![TransactWriteItem::builder().update(counter).build(), mark];
        for (i, event) in events.iter().enumerate() {
            let sequence = read + 1 + i as u64;
            let mut event = event.clone();
            event["event_id"] = Value::String(format!("{webhook_id}.{sequence}"));
            let queued = QueuedEvent {
                webhook_id: webhook_id.to_string(),
                sequence,
                event: event.to_string(),
                expires_at,
            };
            let item = ItemKeys::new(keys::org_pk(org), keys::ss_event_sk(webhook_id, sequence)).item(&queued);
            items.push(put(self.table_name(), item, Some(NEW_ITEM)));
        }
        match self.transact(items).await {
            Ok(()) => Ok(ChunkOutcome::Queued),
            Err(TransactFailure::Cancelled(reasons)) => {
                let failed = |i: usize| reasons.get(i).and_then(|r| r.code()) == Some(CONDITION_FAILED);
                Ok(if failed(1) {
                    ChunkOutcome::MarkMoved
                } else {
                    ChunkOutcome::CounterMoved
                })
            }
            Err(TransactFailure::Store(StoreError::Contended)) => Ok(ChunkOutcome::CounterMoved),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// A webhook's queued events after sequence number `after`, in order: at most `limit`,
    /// and at most one DynamoDB page (1 MB). Each with its sequence number.
    pub async fn smartsuite_events(
        &self,
        org: OrgId,
        webhook_id: &str,
        after: u64,
        limit: i32,
    ) -> Result<Vec<(u64, Value)>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table_name())
            .consistent_read(true)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::org_pk(org)))
            .expression_attribute_values(":from", s(keys::ss_event_sk(webhook_id, after.saturating_add(1))))
            .expression_attribute_values(":to", s(keys::ss_event_sk(webhook_id, u64::MAX)))
            .limit(limit)
            .send()
            .await
            .map_err(super::sdk_error)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let queued: QueuedEvent = from_item(item)?;
                let event = serde_json::from_str(&queued.event).map_err(|_| {
                    StoreError::unexpected(format!("queued event {}.{} is not JSON", webhook_id, queued.sequence))
                })?;
                Ok((queued.sequence, event))
            })
            .collect()
    }
}

/// The first of `events` that one transaction takes: at most [`EVENTS_PER_APPEND`] and
/// [`BYTES_PER_APPEND`] (one event always: an event is kept under DynamoDB's item size).
fn next_chunk(events: &[Value]) -> &[Value] {
    let mut bytes = 0;
    let mut taken = 0;
    for event in events.iter().take(EVENTS_PER_APPEND) {
        bytes += event.to_string().len();
        if taken > 0 && bytes > BYTES_PER_APPEND {
            break;
        }
        taken += 1;
    }
    &events[..taken]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appends_are_cut_to_what_one_transaction_holds() {
        let small = |n: usize| (0..n).map(|i| json!({"i": i})).collect::<Vec<_>>();
        let sizes = |events: Vec<Value>| {
            let mut sizes = Vec::new();
            let mut rest = &events[..];
            while !rest.is_empty() {
                let taken = next_chunk(rest).len();
                sizes.push(taken);
                rest = &rest[taken..];
            }
            sizes
        };
        assert_eq!(sizes(small(0)), Vec::<usize>::new());
        assert_eq!(sizes(small(98)), [98]);
        assert_eq!(sizes(small(250)), [98, 98, 54]);
        let big = (0..10)
            .map(|_| json!({"data": "x".repeat(350_000)}))
            .collect::<Vec<_>>();
        assert_eq!(sizes(big), [8, 2]);
        let huge = vec![json!({"data": "x".repeat(3_500_000)}), json!({})];
        assert_eq!(sizes(huge), [1, 1], "one event always goes");
    }
}
