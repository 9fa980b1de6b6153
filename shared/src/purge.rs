//! The asynchronous organization purge.
//!
//! `DELETE /api/v1/organizations/{id}` deletes the organization item and its API keys in one
//! transaction, so its keys stop at once, and writes a purge marker (`PURGE#<org>`) in the
//! same transaction. The table's stream (keys only, filtered to purge markers: see
//! [`STREAM_FILTER`]) invokes the purge-organizations function with the marker's INSERT;
//! each invocation runs one bounded step ([`Store::purge_step`]), which touches the marker
//! when more remains (a MODIFY, which invokes the next step) and deletes it when nothing
//! does. Every step finds what is left from the table itself, so a step retried, repeated
//! or cut short changes nothing but progress.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::domain::organization::OrgId;
use crate::store::keys;
use crate::store::purge::PurgeStep;
use crate::store::{Store, StoreError};

/// The most items one step deletes: a few hundred BatchWriteItem calls, well inside the
/// function's timeout.
pub const MAX_ITEMS_PER_STEP: usize = 5_000;

/// The step bound from `PURGE_STEP_ITEMS`: a smaller step for a function given a shorter
/// timeout (or a test that wants many steps of a small organization); [`MAX_ITEMS_PER_STEP`]
/// when unset, not a positive whole number, or larger.
pub fn step_items_from_env() -> usize {
    step_items(std::env::var("PURGE_STEP_ITEMS").ok().as_deref())
}

fn step_items(setting: Option<&str>) -> usize {
    setting
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .map_or(MAX_ITEMS_PER_STEP, |n| n.min(MAX_ITEMS_PER_STEP))
}

/// The event filter of the function's stream trigger (template.yaml holds the same, which a
/// test checks): only the purge markers' INSERTs and MODIFYs reach it.
pub const STREAM_FILTER: &str =
    r#"{"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"PK":{"S":[{"prefix":"PURGE#"}]}}}}"#;

/// Whether a stream record passes [`STREAM_FILTER`].
pub fn wanted(event_name: &str, pk: &str) -> bool {
    matches!(event_name, "INSERT" | "MODIFY") && pk.starts_with(keys::PURGE_PREFIX)
}

/// A DynamoDB stream event as Lambda delivers it, as far as the purge reads it: each
/// record's event name and keys (the stream carries keys only).
#[derive(Debug, Default, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Default, Deserialize)]
pub struct StreamRecord {
    #[serde(rename = "eventName", default)]
    pub event_name: String,
    #[serde(default)]
    pub dynamodb: StreamChange,
}

#[derive(Debug, Default, Deserialize)]
pub struct StreamChange {
    /// Each key attribute in DynamoDB's JSON form: `{"PK": {"S": "PURGE#7"}}`.
    #[serde(rename = "Keys", default)]
    pub keys: HashMap<String, HashMap<String, Value>>,
}

impl StreamRecord {
    /// The organization whose purge marker this record is about, if it passes the filter.
    fn marked_org(&self) -> Option<OrgId> {
        let pk = self.dynamodb.keys.get(keys::PK)?.get("S")?.as_str()?;
        if !wanted(&self.event_name, pk) {
            return None;
        }
        pk.strip_prefix(keys::PURGE_PREFIX)?.parse().ok().map(OrgId)
    }
}

/// Runs one purge step of at most `max_items` for each marker the event names. An error
/// fails the batch, which Lambda retries (the step is idempotent).
pub async fn handle(store: &Store, event: &StreamEvent, max_items: usize) -> Result<Vec<PurgeStep>, StoreError> {
    let mut steps = Vec::new();
    for org in event.records.iter().filter_map(StreamRecord::marked_org) {
        let step = store.purge_step(org, max_items).await?;
        tracing::info!(org = org.0, ?step, "purge step");
        steps.push(step);
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(event_name: &str, pk: &str) -> StreamRecord {
        serde_json::from_value(serde_json::json!({
            "eventName": event_name,
            "dynamodb": {"Keys": {"PK": {"S": pk}, "SK": {"S": "PURGE"}}}
        }))
        .unwrap()
    }

    #[test]
    fn the_step_bound_is_a_positive_number_up_to_the_maximum() {
        let cases = [
            (None, MAX_ITEMS_PER_STEP),
            (Some("500"), 500),
            (Some(" 1 "), 1),
            (Some("0"), MAX_ITEMS_PER_STEP),
            (Some("-5"), MAX_ITEMS_PER_STEP),
            (Some("many"), MAX_ITEMS_PER_STEP),
            (Some("1000000"), MAX_ITEMS_PER_STEP),
        ];
        for (setting, expected) in cases {
            assert_eq!(step_items(setting), expected, "{setting:?}");
        }
    }

    #[test]
    fn only_markers_inserted_or_touched_are_purged() {
        let cases = [
            ("INSERT", "PURGE#7", Some(7)),
            ("MODIFY", "PURGE#7", Some(7)),
            ("REMOVE", "PURGE#7", None),
            ("INSERT", "ORG#7", None),
            ("INSERT", "PURGE#x", None),
            ("", "PURGE#7", None),
        ];
        for (event, pk, org) in cases {
            assert_eq!(record(event, pk).marked_org().map(|o| o.0), org, "{event} {pk}");
        }
    }

    #[test]
    fn the_filter_is_what_wanted_checks() {
        let filter: Value = serde_json::from_str(STREAM_FILTER).unwrap();
        assert_eq!(filter["eventName"], serde_json::json!(["INSERT", "MODIFY"]));
        assert_eq!(filter["dynamodb"]["Keys"]["PK"]["S"][0]["prefix"], keys::PURGE_PREFIX);
    }
}
