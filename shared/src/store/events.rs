//! The change-event log: each write that changes something puts one item holding its
//! events (`crate::domain::event`) in its own transaction, so an acknowledged write always
//! has its events and a write that is rolled back has none (the outbox pattern). The item
//! lives in the organization's partition (`EVT#<time-ordered id>`), so the organization's
//! purge takes it, and for a week (DynamoDB TTL). Deliveries read it from the table's
//! stream; docs/data-model.md, "Change events", says why an outbox and not stream images.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::{put, NEW_ITEM};
use crate::domain::event::ChangeEvent;
use crate::domain::organization::OrgId;
use crate::store::item::ItemKeys;
use crate::store::keys;
use crate::time::Timestamp;

/// How long an event item is kept: past Attio's three days of retries with room to spare.
pub const KEEP_SECONDS: u64 = 7 * 24 * 60 * 60;

/// One write's events, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventItem {
    pub org_id: u64,
    /// The item's id: the write's time in microseconds, zero-padded, and 8 random hex
    /// digits, so items sort by time and two writes in one microsecond do not collide.
    pub event_id: String,
    /// The events as delivered (Attio's shape), as JSON text.
    pub events: String,
    pub created_at: String,
    /// The write's own stamp (RFC 3339 to the nanosecond): the `active_from` of the values
    /// it began and the `active_until` of those it ended, by which a reader finds what the
    /// write changed. Items written before it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_at: Option<String>,
    pub expires_at: u64,
}

/// A new event item's id for a write at `now`.
fn event_id(now: Timestamp) -> String {
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("the operating system's random source is available");
    format!("{:020}-{}", now.unix_micros(), crate::digest::hex(&random))
}

/// The put of one write's events into its transaction, or `None` when the write changed
/// nothing an event reports. Its condition (a new item) only fails on an id collision.
pub(crate) fn events_put(table: &str, org: OrgId, events: &[ChangeEvent], now: Timestamp) -> Option<TransactWriteItem> {
    if events.is_empty() {
        return None;
    }
    let id = event_id(now);
    let list: Vec<serde_json::Value> = events.iter().map(ChangeEvent::to_json).collect();
    let item = EventItem {
        org_id: org.0,
        event_id: id.clone(),
        events: serde_json::Value::Array(list).to_string(),
        created_at: now.micros(),
        written_at: Some(now.nanos()),
        expires_at: now.unix_seconds() + KEEP_SECONDS,
    };
    Some(put(
        table,
        ItemKeys::new(keys::org_pk(org), keys::event_sk(&id)).item(&item),
        Some(NEW_ITEM),
    ))
}

/// Why a stored event item is broken, for the audit: its events are not a non-empty list
/// of events with a known type, a workspace and a known actor.
pub(crate) fn stored_event_problem(item: super::Item) -> Result<(), String> {
    let item: EventItem = super::from_item(item).map_err(|e| e.to_string())?;
    let events: Vec<serde_json::Value> =
        serde_json::from_str(&item.events).map_err(|_| "its events are not a JSON list".to_string())?;
    if events.is_empty() {
        return Err("it holds no event".into());
    }
    for event in &events {
        let known = event["event_type"]
            .as_str()
            .is_some_and(|t| crate::domain::webhook::EventType::parse("event_type", t).is_ok());
        let actor = &event["actor"];
        let actor_known = match actor["type"].as_str() {
            Some("api-token") => actor["id"].is_string(),
            Some("system") => actor["id"].is_null(),
            _ => false,
        };
        if !known || !event["id"]["workspace_id"].is_string() || !actor_known {
            return Err(format!("a malformed event: {event}"));
        }
    }
    Ok(())
}
