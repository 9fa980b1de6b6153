//! A record's value history: the values each update ended, in an item of the record's
//! partition per update (`HIST#<version>`), and the reader that pages through it.
//!
//! The values endpoint lists an attribute's values oldest first, by `active_from`, but the
//! history is kept by the write that *ended* each value, which is another order (a
//! multiselect value may stay current through many writes). So each history item also says,
//! for each field whose values it holds, how early a value of that field that no item up to
//! it holds can have begun ([`RecordHistoryItem::unread_from`]). Read in version order, the
//! items settle every value that began before that; a page stops reading once enough values
//! are settled, and gives up (400) past the store's scan limit rather than read on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::item::ItemKeys;
use super::keys;
use super::{from_item, s, Item, Store, StoreError};
use crate::domain::record::Record;

/// Values a write ended, by field id: each value object with its `active_until` set. They
/// leave the record's item for a history item of their own (`HIST#<version>` in the
/// record's partition), so a record's item is its current values however often they change.
pub type EndedValues = BTreeMap<String, Vec<Value>>;

/// The values one update of a record ended, kept in the record's partition
/// (`HIST#<version>`), so the record's own item holds only its current values.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct RecordHistoryItem {
    record_id: String,
    /// The version the update made.
    version: u64,
    values: EndedValues,
    /// For each field in `values`: no value of the field that a later item or the record
    /// itself holds began before this (see [`unread_from`]). Items written before it was
    /// kept have none, and settle nothing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    unread_from: BTreeMap<String, String>,
}

/// The item holding the values the write that made `after` ended.
pub(super) fn history_item(after: &Record, ended: &EndedValues) -> Item {
    let unread_from = ended
        .iter()
        .filter_map(|(field, gone)| Some((field.clone(), unread_from(after.values.get(field), gone)?)))
        .collect();
    ItemKeys::new(keys::record_pk(&after.id), keys::record_history_sk(after.version)).item(&RecordHistoryItem {
        record_id: after.id.clone(),
        version: after.version,
        values: ended.clone(),
        unread_from,
    })
}

/// How early a value of a field that a later history item (or the record) holds can have
/// begun: it was current after this write, so began no earlier than the oldest of those, or
/// it began after this write, so after every value the write ended had ended.
fn unread_from(current: Option<&Vec<Value>>, ended: &[Value]) -> Option<String> {
    let oldest_current = current
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(started)
        .min();
    let last_ended = ended.iter().filter_map(|v| v.get("active_until")?.as_str()).max();
    let earliest = match (oldest_current, last_ended) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    earliest.map(str::to_string)
}

/// When a value began: its `active_from`.
fn started(value: &Map<String, Value>) -> Option<&str> {
    value.get("active_from")?.as_str()
}

/// Values oldest first, by `active_from`. The sort is stable: values that began in the
/// same write keep the order they are given in.
pub fn oldest_first(values: &mut [Map<String, Value>]) {
    values.sort_by(|a, b| started(a).cmp(&started(b)));
}

/// One field's values as a record's history is read, in version order.
#[derive(Debug)]
struct ValueHistory {
    field_id: String,
    /// The record's own values of the field, then those of each history item read: the
    /// order values that began together keep.
    values: Vec<Map<String, Value>>,
    /// No value still unread began before this; `None` until an item says.
    unread_from: Option<String>,
}

impl ValueHistory {
    fn new(field_id: &str, record: &Record) -> Self {
        let mut history = Self {
            field_id: field_id.to_string(),
            values: Vec::new(),
            unread_from: None,
        };
        history.extend(record.values.get(field_id).cloned().unwrap_or_default());
        history
    }

    fn extend(&mut self, values: Vec<Value>) {
        self.values.extend(values.into_iter().filter_map(|value| match value {
            Value::Object(value) => Some(value),
            _ => None,
        }));
    }

    fn read(&mut self, mut item: RecordHistoryItem) {
        self.extend(item.values.remove(&self.field_id).unwrap_or_default());
        // Each item's bound holds for everything read after it too; the latest is the
        // tightest.
        let from = item.unread_from.remove(&self.field_id);
        self.unread_from = self.unread_from.take().max(from);
    }

    /// Whether no value still unread can come before `value`.
    fn is_settled(&self, value: &Map<String, Value>) -> bool {
        self.unread_from
            .as_deref()
            .is_some_and(|bound| started(value) < Some(bound))
    }

    fn settled(&self) -> usize {
        self.values.iter().filter(|v| self.is_settled(v)).count()
    }

    /// The values oldest first: all of them once every item is read, else the settled ones
    /// (which sort before the others).
    fn into_values(mut self, complete: bool) -> Vec<Map<String, Value>> {
        let mut values = std::mem::take(&mut self.values);
        oldest_first(&mut values);
        if !complete {
            // The settled values began before the bound: once sorted, they come first.
            let settled = values.partition_point(|v| self.is_settled(v));
            values.truncate(settled);
        }
        values
    }
}

impl Store {
    /// A record's values of one field, current and ended, oldest first ([`oldest_first`]):
    /// all of them, or at least the first `need` exactly as all of them would begin. The
    /// history is read in version order, a DynamoDB page at a time (its `Limit` growing
    /// from `need`), until `need` values are settled; past the scan limit of history items
    /// it is refused ([`StoreError::HistoryTooLong`]) rather than read on.
    pub async fn values_with_history(
        &self,
        record: &Record,
        field_id: &str,
        need: usize,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let mut history = ValueHistory::new(field_id, record);
        // A record never updated has no history, and costs no read.
        if record.version == 0 {
            return Ok(history.into_values(true));
        }
        let mut pages = super::index::Pages::new(self.history_query(record), need);
        let mut budget = self.scan_budget();
        while let Some(items) = pages.next().await? {
            if !budget.count(items.len()) {
                return Err(StoreError::HistoryTooLong { limit: budget.limit() });
            }
            for item in items {
                history.read(from_item(item)?);
            }
            if history.settled() >= need {
                return Ok(history.into_values(false));
            }
        }
        Ok(history.into_values(true))
    }

    /// The keys of a record's history items. A record never updated has none, and costs
    /// no read.
    pub(crate) async fn record_history_keys(&self, record: &Record) -> Result<Vec<Item>, StoreError> {
        if record.version == 0 {
            return Ok(Vec::new());
        }
        let items = self.query_all(self.history_query(record)).await?;
        Ok(items.into_iter().map(super::key_of).collect())
    }

    /// The values each write of a record from `version` on ended, by the version it made
    /// (strongly consistent): what undoes the writes after one
    /// (`domain::smartsuite_webhook::as_written`). The fan-out reads it moments after the
    /// write, when the record is at most a few writes on.
    pub async fn history_since(&self, record_id: &str, version: u64) -> Result<BTreeMap<u64, EndedValues>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table_name())
            .consistent_read(true)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::record_pk(record_id)))
            .expression_attribute_values(":from", s(keys::record_history_sk(version)))
            .expression_attribute_values(":to", s(keys::record_history_sk(u64::MAX)));
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| {
                let item: RecordHistoryItem = from_item(item)?;
                Ok((item.version, item.values))
            })
            .collect()
    }

    /// The values the latest `max` writes of a record ended, newest write first: one
    /// Query, however long the history (what the record page shows).
    pub async fn latest_history(&self, record: &Record, max: i32) -> Result<Vec<(u64, EndedValues)>, StoreError> {
        if record.version == 0 {
            return Ok(Vec::new());
        }
        let out = self
            .history_query(record)
            .scan_index_forward(false)
            .limit(max)
            .send()
            .await
            .map_err(super::sdk_error)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let item: RecordHistoryItem = from_item(item)?;
                Ok((item.version, item.values))
            })
            .collect()
    }

    /// A record's history items, oldest write first (strongly consistent): the items of its
    /// partition under `HIST#`.
    fn history_query(&self, record: &Record) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let query = self
            .client()
            .query()
            .table_name(self.table_name())
            .consistent_read(true)
            .expression_attribute_values(":pk", s(keys::record_pk(&record.id)));
        super::with_prefix(query, keys::RECORD_HISTORY_PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELD: &str = "f";

    fn stamp(write: usize) -> String {
        format!("2024-01-01T00:00:00.{write:09}Z")
    }

    fn record(values: Vec<Value>, version: usize) -> Record {
        Record {
            id: "r".into(),
            org_id: 1,
            table_id: "t".into(),
            number: 1,
            created_at: stamp(0),
            created_by: "k".into(),
            values: BTreeMap::from([(FIELD.to_string(), values)]),
            version: version as u64,
            ref_count: 0,
        }
    }

    /// A record whose field holds `states[0]` when created and `states[w]` after write w,
    /// and its history items, each as stored and read back.
    fn simulate(states: &[Vec<&str>]) -> (Record, Vec<RecordHistoryItem>) {
        let named = |v: &Value| v["option"].as_str().unwrap().to_string();
        let mut current: Vec<Value> = states[0]
            .iter()
            .map(|n| json!({"active_from": stamp(0), "active_until": null, "option": n}))
            .collect();
        let mut items = Vec::new();
        for (write, names) in states.iter().enumerate().skip(1) {
            let (kept, mut gone): (Vec<Value>, Vec<Value>) =
                current.into_iter().partition(|v| names.contains(&named(v).as_str()));
            for value in &mut gone {
                value["active_until"] = json!(stamp(write));
            }
            current = kept;
            for name in names {
                if !current.iter().any(|v| named(v) == *name) {
                    current.push(json!({"active_from": stamp(write), "active_until": null, "option": name}));
                }
            }
            if !gone.is_empty() {
                let ended = EndedValues::from([(FIELD.to_string(), gone)]);
                items.push(from_item(history_item(&record(current.clone(), write), &ended)).unwrap());
            }
        }
        (record(current, states.len() - 1), items)
    }

    /// Reads items until `need` values are settled: the values, and how many items it read.
    fn read(record: &Record, items: &[RecordHistoryItem], need: usize) -> (Vec<Map<String, Value>>, usize) {
        let mut history = ValueHistory::new(FIELD, record);
        for (read, item) in items.iter().enumerate() {
            history.read(item.clone());
            if history.settled() >= need {
                return (history.into_values(false), read + 1);
            }
        }
        (history.into_values(true), items.len())
    }

    /// Every value, as the endpoint ordered them before history was read a page at a
    /// time: the record's, then each item's, sorted by `active_from`.
    fn all_at_once(record: &Record, items: &[RecordHistoryItem]) -> Vec<Map<String, Value>> {
        let mut values: Vec<Map<String, Value>> = record.values[FIELD]
            .iter()
            .chain(items.iter().flat_map(|item| &item.values[FIELD]))
            .map(|v| v.as_object().unwrap().clone())
            .collect();
        oldest_first(&mut values);
        values
    }

    #[test]
    fn a_value_replaced_at_every_write_settles_a_page_from_as_many_items() {
        let names: Vec<String> = (0..100).map(|i| format!("v{i}")).collect();
        let states: Vec<Vec<&str>> = names.iter().map(|n| vec![n.as_str()]).collect();
        let (record, items) = simulate(&states);
        assert_eq!(items.len(), 99);
        let (page, read) = read(&record, &items, 10);
        assert_eq!(read, 10);
        assert_eq!(page[..10], all_at_once(&record, &items)[..10]);
    }

    #[test]
    fn every_page_is_in_the_order_of_all_values_at_once() {
        // A multiselect field: some values stay current through many writes, some come
        // back, some leave at once; one is current from the start to the end.
        let mut states: Vec<Vec<String>> = Vec::new();
        for write in 0..60usize {
            let mut names = vec!["always".to_string()];
            names.extend((0..8).filter(|k| (write * 7 + k * 3) % 5 < 2).map(|k| format!("o{k}")));
            if write % 9 < 4 {
                names.push(format!("w{}", write / 9));
            }
            states.push(names);
        }
        let states: Vec<Vec<&str>> = states.iter().map(|s| s.iter().map(String::as_str).collect()).collect();
        let (record, items) = simulate(&states);
        let all = all_at_once(&record, &items);
        assert!(all.len() > 60, "{} values", all.len());
        for need in 1..=all.len() + 1 {
            let (page, _) = read(&record, &items, need);
            let shown = need.min(all.len());
            assert_eq!(page[..shown], all[..shown], "the first {need}");
        }
    }

    #[test]
    fn a_value_current_since_the_start_settles_none_after_it() {
        let states: Vec<Vec<&str>> = (0..20)
            .map(|w| vec!["always", if w % 2 == 0 { "a" } else { "b" }])
            .collect();
        let (record, items) = simulate(&states);
        let (page, read) = read(&record, &items, 1);
        assert_eq!(
            read,
            items.len(),
            "only the last item settles the values after `always`"
        );
        assert_eq!(page[..1], all_at_once(&record, &items)[..1]);
    }

    #[test]
    fn items_written_before_the_bound_was_kept_settle_nothing() {
        let states: Vec<Vec<&str>> = (0..10).map(|w| vec![["a", "b"][w % 2]]).collect();
        let (record, mut items) = simulate(&states);
        for item in &mut items {
            item.unread_from.clear();
        }
        let mut history = ValueHistory::new(FIELD, &record);
        for item in items {
            history.read(item);
            assert_eq!(history.settled(), 0);
        }
        assert_eq!(history.into_values(true).len(), 10);
    }
}
