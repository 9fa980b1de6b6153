//! The search index's upkeep: the `index-records` function, which the table's stream
//! invokes with its new change-event items (the fan-out's filter, [`STREAM_FILTER`]),
//! indexes each record a `record.*` event names as the record is now
//! ([`Store::index_record`]). Off the write path: a record's write pays nothing for it, and
//! a search is as fresh as this function is behind (Attio documents its search as
//! eventually consistent too). docs/data-model.md, "Record search".

use std::collections::BTreeSet;

use serde_json::Value;

use crate::delivery::event_items_named;
use crate::domain::organization::OrgId;
use crate::purge::StreamEvent;
use crate::store::search::Indexed;
use crate::store::{Store, StoreError};

/// The trigger's filter: new change-event items, as the fan-out's.
pub const STREAM_FILTER: &str = crate::delivery::STREAM_FILTER;

/// A record an event names: its organization, object (table) and id.
type Named = crate::store::search::NamedRecord;

/// The records `events` (one event item's, as stored) name in `record.*` events.
pub fn records_named(org: OrgId, events: &[Value]) -> Vec<Named> {
    events
        .iter()
        .filter(|e| e["event_type"].as_str().is_some_and(|t| t.starts_with("record.")))
        .filter_map(|e| {
            let id = &e["id"];
            Some((
                org.0,
                id["object_id"].as_str()?.to_string(),
                id["record_id"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Indexes every record the batch's event items name, each once. An error fails the batch,
/// which Lambda retries: indexing a record again changes nothing. Returns how many records'
/// items were written.
pub async fn handle_stream(store: &Store, event: &StreamEvent) -> Result<usize, StoreError> {
    let mut named: BTreeSet<Named> = BTreeSet::new();
    for (org, sk) in event_items_named(event) {
        let Some(item) = store.event_item(org, &sk).await? else {
            continue;
        };
        let events: Vec<Value> = serde_json::from_str(&item.events).unwrap_or_default();
        named.extend(records_named(org, &events));
    }
    let outcomes = store.index_records(named).await?;
    Ok(outcomes.into_iter().filter(|o| *o == Indexed::Written).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_record_events_name_records_to_index() {
        let events = [
            json!({"event_type": "record.created", "id": {"object_id": "o", "record_id": "r1"}}),
            json!({"event_type": "record.updated", "id": {"object_id": "o", "record_id": "r2", "attribute_id": "a"}}),
            json!({"event_type": "list-entry.created", "id": {"list_id": "l", "entry_id": "e"}}),
            json!({"event_type": "note.created", "id": {"note_id": "n"}}),
            json!({"event_type": "record.deleted", "id": {"object_id": "o"}}),
        ];
        assert_eq!(
            records_named(OrgId(3), &events),
            [
                (3, "o".to_string(), "r1".to_string()),
                (3, "o".to_string(), "r2".to_string())
            ]
        );
    }
}
