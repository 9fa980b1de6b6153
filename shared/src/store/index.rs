//! Field indexes, and the reads a records query makes.
//!
//! An indexed field keeps one item per value of each record: partition `IDX#<field id>`,
//! sort key `<value key>.<display number:020>`, written in the record's own transaction.
//! The value key encodes the value's [`SortKey`] so that DynamoDB's byte order is the sort
//! order: a rank (`0` number, `1` text, `2` boolean), then for a number the 16 hex digits
//! of its nearest `f64` in total order, followed, for an integer that `f64` does not hold
//! exactly (past 2^53), by how far it is from it (`-` and 3 hex digits below, `p` and 3
//! above: `-` sorts below `.` and `p` above it); for text the hex of its (lowercased, cut)
//! UTF-8 bytes, for a boolean `0` or `1`. `.` sorts below every hex digit, so a value's
//! entries come before any longer value's, and `~` above them all, which makes every bound
//! a plain `BETWEEN`.
//!
//! Every read here counts what it examines against a [`ScanBudget`]: past it, the query is
//! refused (400) rather than left to read a table of any size.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::{from_item, key, put, s, sdk_error, Item, Store, StoreError};
use crate::domain::filter::{index_key, main_property, IndexScan, SortKey};
use crate::domain::record::Record;
use crate::domain::table::Table;
use crate::store::item::ItemKeys;
use crate::store::keys;

/// How many records (or index entries) one query may examine before it is refused.
pub const MAX_EXAMINED: usize = 10_000;

/// The records and index entries a query has examined, against [`MAX_EXAMINED`].
#[derive(Debug)]
pub struct ScanBudget {
    examined: usize,
    limit: usize,
}

impl ScanBudget {
    pub fn new(limit: usize) -> Self {
        Self { examined: 0, limit }
    }

    pub fn examined(&self) -> usize {
        self.examined
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts `n` more examined: `false` once past the limit.
    pub(super) fn count(&mut self, n: usize) -> bool {
        self.examined += n;
        self.examined <= self.limit
    }

    /// [`ScanBudget::count`] for a records query, which is refused past the limit.
    fn take(&mut self, n: usize) -> Result<(), StoreError> {
        if !self.count(n) {
            return Err(StoreError::TooBroad { limit: self.limit });
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexItem {
    record_id: String,
}

/// A value's key in an index, or `None` for a value no index orders.
pub fn value_key(key: &SortKey) -> Option<String> {
    use std::fmt::Write;
    Some(match key {
        SortKey::Number(n) => {
            let bits = n.approx().to_bits();
            // Negative numbers flip every bit, others only the sign: `f64::total_cmp`'s order.
            let ordered = if bits >> 63 == 1 { !bits } else { bits | (1 << 63) };
            match n.offset_from_approx()? {
                0 => format!("0{ordered:016x}"),
                below if below < 0 => format!("0{ordered:016x}-{:03x}", 4096 + below),
                above => format!("0{ordered:016x}p{above:03x}"),
            }
        }
        SortKey::Text(text) => text.bytes().fold(String::from("1"), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        }),
        SortKey::Bool(b) => format!("2{}", u8::from(*b)),
        SortKey::Other => return None,
    })
}

/// The value key of a record that has no value for a single-value indexed field: above
/// every value's, so a sort reads these records last (`3.<number>`, by display number).
pub const NO_VALUE: &str = "3";

/// The index entries a record's current values need: (field id, sort key). A single-value
/// field without a value has the [`NO_VALUE`] entry, so a sort by it never reads the table
/// to find the records that come last.
pub(crate) fn index_entries(table: &Table, record: Option<&Record>) -> HashSet<(String, String)> {
    let Some(record) = record else { return HashSet::new() };
    let mut entries = HashSet::new();
    // A type with no main property (location) has nothing to key an entry by.
    let indexed = table
        .fields
        .values()
        .filter(|f| f.indexed && main_property(f.field_type).is_some());
    for field in indexed {
        let keys_of_values: Vec<String> = record
            .active(&field.id)
            .filter_map(|value| index_key(field, value).as_ref().and_then(value_key))
            .collect();
        if keys_of_values.is_empty() && !field.array {
            entries.insert((field.id.clone(), keys::index_sk(NO_VALUE, record.number)));
        }
        for key in keys_of_values {
            entries.insert((field.id.clone(), keys::index_sk(&key, record.number)));
        }
    }
    entries
}

/// The key of one index entry.
pub(crate) fn index_entry_key(field_id: &str, sk: &str) -> Item {
    key(keys::index_pk(field_id), sk)
}

/// The writes that move a record's index entries from `old` to `new` (puts of the entries
/// it gains, deletes of those it loses), for the record's own transaction.
pub(crate) fn index_writes(
    table_name: &str,
    table: &Table,
    old: Option<&Record>,
    new: Option<&Record>,
) -> Vec<TransactWriteItem> {
    let (before, after) = (index_entries(table, old), index_entries(table, new));
    let this = new.or(old).map(|r| r.id.clone()).unwrap_or_default();
    let mut writes = Vec::new();
    for (field_id, sk) in after.difference(&before) {
        let item = ItemKeys::new(keys::index_pk(field_id), sk.clone()).item(&IndexItem {
            record_id: this.clone(),
        });
        writes.push(put(table_name, item, None));
    }
    for (field_id, sk) in before.difference(&after) {
        let delete = Delete::builder()
            .table_name(table_name)
            .set_key(Some(index_entry_key(field_id, sk)))
            .build()
            .expect("key and table are set");
        writes.push(TransactWriteItem::builder().delete(delete).build());
    }
    writes
}

/// A part of one field's index, as sort key bounds, read in one direction.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRange {
    pub field_id: String,
    pub low: String,
    pub high: String,
    pub descending: bool,
    /// The sort key of the entry the read goes on after (a cursor's), in its direction.
    pub start_after: Option<String>,
}

impl IndexRange {
    /// The values `scan` reads (not the records without a value: [`IndexRange::without_value`]).
    pub fn of(scan: &IndexScan) -> Self {
        let low = match &scan.lower {
            None => "0".to_string(),
            Some((k, inclusive)) => bound_key(k, if *inclusive { "." } else { ".~" }),
        };
        let high = match &scan.upper {
            None => "2~".to_string(),
            Some((k, inclusive)) => bound_key(k, if *inclusive { ".~" } else { "." }),
        };
        Self {
            field_id: scan.field_id.clone(),
            low,
            high,
            descending: scan.descending,
            start_after: None,
        }
    }

    /// The records without a value, by display number in the sort's direction.
    pub fn without_value(field_id: &str, descending: bool) -> Self {
        Self {
            field_id: field_id.to_string(),
            low: format!("{NO_VALUE}."),
            high: format!("{NO_VALUE}.~"),
            descending,
            start_after: None,
        }
    }

    /// What is left after the entry `(value, number)`, in this range's direction.
    pub fn after(mut self, value: &str, number: u64) -> Self {
        self.start_after = Some(keys::index_sk(value, number));
        self
    }
}

fn bound_key(key: &SortKey, suffix: &str) -> String {
    value_key(key).map_or_else(|| "~".to_string(), |k| format!("{k}{suffix}"))
}

/// A Query read page by page, each page twice the last (up to 1,000 items): the first
/// costs what a page of the answer needs, and a read that must go further gets there in
/// few round trips.
pub(super) struct Pages {
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    limit: usize,
    next: Option<Option<Item>>,
}

impl Pages {
    pub(super) fn new(query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder, first: usize) -> Self {
        Self {
            query,
            limit: first.clamp(1, 1000),
            next: Some(None),
        }
    }

    /// Starting after `key` (an item's key, which need not exist any more).
    fn after(mut self, key: Option<Item>) -> Self {
        self.next = Some(key);
        self
    }

    pub(super) async fn next(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        let Some(start) = self.next.take() else { return Ok(None) };
        let out = self
            .query
            .clone()
            .limit(i32::try_from(self.limit).expect("at most 1000"))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk_error)?;
        self.limit = (self.limit * 2).min(1000);
        self.next = out.last_evaluated_key.filter(|k| !k.is_empty()).map(Some);
        Ok(Some(out.items.unwrap_or_default()))
    }
}

/// One entry read from an index: its value key and the record's display number.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub value: String,
    pub number: u64,
}

fn parse_entry(sk: &str) -> Option<Entry> {
    let (value, number) = sk.rsplit_once('.')?;
    Some(Entry {
        value: value.to_string(),
        number: number.parse().ok()?,
    })
}

impl Store {
    /// A fresh budget for one query's reads.
    pub fn scan_budget(&self) -> ScanBudget {
        ScanBudget::new(self.scan_limit.unwrap_or(MAX_EXAMINED))
    }

    /// Visits `table`'s records in display-number order after `after`, filtered by
    /// `keep`, until `visit` says stop or the records run out (then `true`).
    pub async fn visit_records(
        &self,
        table: &Table,
        after: Option<u64>,
        budget: &mut ScanBudget,
        first_page: usize,
        mut visit: impl FnMut(Record) -> bool,
    ) -> Result<bool, StoreError> {
        let mut query = self
            .client()
            .query()
            .table_name(self.table_name())
            .index_name(keys::GSI1)
            .expression_attribute_values(":pk", s(keys::table_records_gsi1pk(&table.id)));
        query = match after {
            Some(n) => query
                .key_condition_expression("GSI1PK = :pk AND GSI1SK > :after")
                .expression_attribute_values(":after", s(keys::record_gsi1sk(n))),
            None => query.key_condition_expression("GSI1PK = :pk"),
        };
        let mut pages = Pages::new(query, first_page);
        while let Some(items) = pages.next().await? {
            budget.take(items.len())?;
            for item in items {
                if !visit(from_item(item)?) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Visits the records of an index range in its order, each with its entry, until
    /// `visit` says stop or the range runs out (then `true`). A record is visited once,
    /// for its first entry (a multiselect value may have several); an entry whose record
    /// is gone (deleted meanwhile) is passed over.
    pub async fn visit_index(
        &self,
        table: &Table,
        range: &IndexRange,
        budget: &mut ScanBudget,
        first_page: usize,
        mut visit: impl FnMut(Entry, Record) -> bool,
    ) -> Result<bool, StoreError> {
        if range.low > range.high {
            return Ok(true);
        }
        let query = self
            .client()
            .query()
            .table_name(self.table_name())
            .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(keys::index_pk(&range.field_id)))
            .expression_attribute_values(":low", s(&range.low))
            .expression_attribute_values(":high", s(&range.high))
            .scan_index_forward(!range.descending);
        let start = range
            .start_after
            .as_ref()
            .map(|sk| index_entry_key(&range.field_id, sk));
        let mut pages = Pages::new(query, first_page).after(start);
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(items) = pages.next().await? {
            budget.take(items.len())?;
            let mut entries: Vec<(Entry, String)> = Vec::new();
            for item in items {
                let (Some(AttributeValue::S(sk)), Some(AttributeValue::S(id))) =
                    (item.get("SK"), item.get("record_id"))
                else {
                    continue;
                };
                let Some(entry) = parse_entry(sk) else { continue };
                if seen.insert(id.clone()) {
                    entries.push((entry, id.clone()));
                }
            }
            let mut records = self
                .records_by_id(entries.iter().map(|(_, id)| id.as_str()), false)
                .await?;
            for (entry, id) in entries {
                let Some(record) = records
                    .remove(&id)
                    .filter(|r| r.table_id == table.id && r.org_id == table.org_id)
                else {
                    continue;
                };
                if !visit(entry, record) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Records by id (BatchGetItem, strongly consistent or not); missing ones are absent.
    pub(crate) async fn records_by_id<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
        consistent: bool,
    ) -> Result<std::collections::HashMap<String, Record>, StoreError> {
        let keys: Vec<Item> = ids.map(|id| key(keys::record_pk(id), keys::RECORD_SK)).collect();
        let mut found = std::collections::HashMap::new();
        for item in self.batch_get_items(keys, consistent).await? {
            let record: Record = from_item(item)?;
            found.insert(record.id.clone(), record);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::number::Exact;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::cmp::Ordering;

    fn ordered_like_sort_keys(a: &SortKey, b: &SortKey) {
        let (ka, kb) = (value_key(a).unwrap(), value_key(b).unwrap());
        let by_key = format!("{ka}.").cmp(&format!("{kb}."));
        assert_eq!(by_key, a.cmp(b), "{a:?} {b:?} -> {ka} {kb}");
    }

    fn number(f: f64) -> SortKey {
        SortKey::Number(Exact::from_f64(f).unwrap())
    }

    fn any_number() -> impl Strategy<Value = SortKey> {
        prop_oneof![
            proptest::num::f64::NORMAL.prop_map(number),
            any::<i64>().prop_map(|i| SortKey::Number(Exact::Int(i.into()))),
            any::<u64>().prop_map(|u| SortKey::Number(Exact::Int(u.into()))),
            ((1u64 << 53)..(1u64 << 54)).prop_map(|u| SortKey::Number(Exact::Int(u.into()))),
            Just(number(0.0)),
            Just(number(-0.0)),
        ]
    }

    proptest! {
        #[test]
        fn numbers_keep_their_order(a in any_number(), b in any_number()) {
            ordered_like_sort_keys(&a, &b);
        }

        #[test]
        fn text_keeps_its_order(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            let (a, b) = (SortKey::of(&Value::from(a)).unwrap(), SortKey::of(&Value::from(b)).unwrap());
            ordered_like_sort_keys(&a, &b);
        }
    }

    #[test]
    fn ranks_and_booleans_keep_their_order() {
        let keys = [
            number(-1.0),
            number(3.5),
            SortKey::Number(Exact::Int(9007199254740992)),
            SortKey::Number(Exact::Int(9007199254740993)),
            SortKey::Number(Exact::Int(9007199254740995)),
            SortKey::Text(String::new()),
            SortKey::Text("a".into()),
            SortKey::Text("ab".into()),
            SortKey::Bool(false),
            SortKey::Bool(true),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i..] {
                ordered_like_sort_keys(a, b);
                assert_ne!(a.cmp(b), Ordering::Greater);
            }
        }
    }

    #[test]
    fn a_range_holds_its_bounds_and_goes_on_after_an_entry() {
        let scan = IndexScan {
            field_id: "f".into(),
            lower: Some((number(1.0), false)),
            upper: Some((number(2.0), true)),
            descending: true,
            in_order: true,
            then_without_value: false,
        };
        let range = IndexRange::of(&scan);
        let (one, two) = (value_key(&number(1.0)).unwrap(), value_key(&number(2.0)).unwrap());
        assert!(range.low > keys::index_sk(&one, u64::MAX / 10) && range.low < keys::index_sk(&two, 0));
        assert!(range.high > keys::index_sk(&two, u64::MAX / 10) && range.high.as_str() < "1");
        let after = range.after(&two, 7);
        assert_eq!(after.start_after, Some(keys::index_sk(&two, 7)));
        let whole = IndexRange::of(&IndexScan {
            lower: None,
            upper: None,
            ..scan
        });
        assert!(
            whole.high < keys::index_sk(NO_VALUE, 0),
            "the records without a value are read apart"
        );
    }
}
