//! Deleting a referenced record: the references to it go first.
//!
//! Attio and SmartSuite delete a referenced record, and the references to it with it. Here
//! the record first takes a lease (`unlinking_until`, [`LEASE_SECONDS`]) during which no
//! write may add a reference to it (the count's condition); then each referencing record
//! (from the referrer items of `store::referrers`) is written without its values that name
//! the target, in a transaction of its own (a new version, a history item and a
//! `record.updated` event, as any update makes), at most [`BATCH_CONCURRENCY`] at once;
//! then the delete's own transaction, which requires the count to be 0. An entry of a list
//! whose parent record is the target is deleted instead (`store::entries`). A delete cut short
//! leaves the records it reached without the reference (what was asked), and its lease
//! runs out; a repeated delete goes on from what is left.
//!
//! References written before referrer items existed have none. A record that counts more
//! references than it has referrer items is looked for in every table that links to its
//! table (their records through GSI1, at most [`MAX_EXAMINED`] in all); past that, or past
//! [`MAX_UNLINKED`] referencing records, the delete is refused (409) and nothing is
//! written. docs/data-model.md, "Deleting a referenced record".

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

use super::index::{ScanBudget, MAX_EXAMINED};
use super::item::key;
use super::records::{check_record_limits, is_historic, references, Actor, Change, EndedValues, RecordWriteError};
use super::referrers::ReferrerItem;
use super::{from_item, keys, Store, StoreError, BATCH_CONCURRENCY};
use crate::domain::organization::OrgId;
use crate::domain::record::{reference_target, Record};
use crate::domain::table::{Table, TableRef};
use crate::time::Timestamp;

/// The most referencing records one delete writes without their reference: at
/// [`BATCH_CONCURRENCY`] at once, about 4 s in AWS, well inside API Gateway's 29 s.
pub const MAX_UNLINKED: usize = 1_000;

/// How long a delete's lease keeps new references from its record: past the longest a
/// request runs (29 s), so a delete cut short frees the record again soon after.
pub const LEASE_SECONDS: u64 = 60;

/// How often one referencing record is read and written again when another write to it
/// (or to its object's definition) lands between the two.
const ATTEMPTS: usize = 5;

/// Ends `record`'s active values that reference `target` (stamped `active_until`), and
/// returns them by field as a write's ended values. Archived fields' values too: the store
/// keeps their references as any field's.
pub(crate) fn end_references(table: &Table, record: &mut Record, target: &str, stamp: &str) -> EndedValues {
    let mut ended = EndedValues::new();
    for field in table.fields.values().filter(|f| f.link.is_some()) {
        let Some(entries) = record.values.get_mut(&field.id) else {
            continue;
        };
        let (mut gone, kept): (Vec<Value>, Vec<Value>) = std::mem::take(entries)
            .into_iter()
            .partition(|entry| !is_historic(entry) && entry.as_object().and_then(reference_target) == Some(target));
        *entries = kept;
        for entry in gone.iter_mut().filter_map(Value::as_object_mut) {
            entry.insert("active_until".into(), json!(stamp));
        }
        if !gone.is_empty() {
            ended.insert(field.id.clone(), gone);
        }
    }
    record.values.retain(|_, entries| !entries.is_empty());
    ended
}

impl Store {
    /// Writes every record that references `target` without those references, after
    /// leasing `target` against new ones. Refused, with nothing written, past
    /// [`MAX_UNLINKED`] referencing records or when references made before referrer items
    /// cannot all be found.
    pub(super) async fn unlink_referrers(
        &self,
        org: OrgId,
        target: &Record,
        actor: Actor<'_>,
    ) -> Result<(), RecordWriteError> {
        let too_many = |count: i64| RecordWriteError::Referenced { count };
        if usize::try_from(target.ref_count).unwrap_or(0) > MAX_UNLINKED {
            return Err(too_many(target.ref_count));
        }
        let count = self.lease_for_unlinking(target, actor.now).await?;
        let referrers = self
            .referrers(org, target, count)
            .await?
            .ok_or_else(|| too_many(count))?;
        if referrers.len() > MAX_UNLINKED {
            return Err(too_many(count));
        }
        futures_util::stream::iter(referrers)
            .map(|referrer| async move { self.unlink(org, &referrer, &target.id, actor).await })
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// Sets `target`'s lease and answers its reference count as it is now. A record
    /// already gone has changed since it was read (409, as its delete would say).
    async fn lease_for_unlinking(&self, target: &Record, now: Timestamp) -> Result<i64, RecordWriteError> {
        let until = now.unix_seconds() + LEASE_SECONDS;
        self.update_counter(
            key(keys::record_pk(&target.id), keys::RECORD_SK),
            "SET unlinking_until = :until ADD ref_count :zero",
            vec![
                (":until", AttributeValue::N(until.to_string())),
                (":zero", AttributeValue::N("0".into())),
            ],
            "ref_count",
        )
        .await?
        .ok_or(RecordWriteError::Changed)
    }

    /// The records that reference `target` (which counts `count`): its referrer items, and
    /// when they are fewer than the count, the records of the tables that link to its
    /// table that reference it. `None` when that search would examine more than
    /// [`MAX_EXAMINED`] records.
    async fn referrers(&self, org: OrgId, target: &Record, count: i64) -> Result<Option<BTreeSet<String>>, StoreError> {
        let mut referrers = BTreeSet::new();
        for item in self
            .query_prefix(&keys::record_pk(&target.id), keys::REFERRER_PREFIX)
            .await?
        {
            referrers.insert(from_item::<ReferrerItem>(item)?.referrer_id);
        }
        if i64::try_from(referrers.len()).unwrap_or(i64::MAX) >= count {
            return Ok(Some(referrers));
        }
        let mut budget = ScanBudget::new(MAX_EXAMINED);
        for table in self.tables(org).await? {
            if !table
                .fields
                .values()
                .any(|f| f.link.as_deref() == Some(&target.table_id))
            {
                continue;
            }
            let visited = self
                .visit_records(&table, None, &mut budget, 1000, |record| {
                    if references(&table, Some(&record)).contains_key(&target.id) {
                        referrers.insert(record.id);
                    }
                    true
                })
                .await;
            match visited {
                Ok(_) => {}
                Err(StoreError::TooBroad { .. }) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(Some(referrers))
    }

    /// Writes `referrer` without its values that reference `target`, reading it again when
    /// another write lands first. A referrer already gone, or no longer referencing
    /// `target`, has nothing left to write.
    async fn unlink(&self, org: OrgId, referrer: &str, target: &str, actor: Actor<'_>) -> Result<(), RecordWriteError> {
        for _ in 0..ATTEMPTS {
            let Some(record) = self.record_in_org(org, referrer).await? else {
                return Ok(());
            };
            let Some((table, _)) = self.table_cached(org, &TableRef::Id(record.table_id.clone())).await? else {
                return Ok(());
            };
            if table.is_list() && crate::domain::list::parent_of(&table, &record) == Some(target) {
                // An entry without its parent record is no entry: it goes with it.
                match self.delete_entry(org, &table, &record, actor).await {
                    Err(RecordWriteError::Changed | RecordWriteError::DefinitionChanged) => continue,
                    done => return done,
                }
            }
            let mut updated = record.clone();
            let ended = end_references(&table, &mut updated, target, &actor.now.nanos());
            if ended.is_empty() {
                return Ok(());
            }
            updated.version = record.version + 1;
            check_record_limits(&table, Some(&record), Some(&updated), &ended)?;
            let change = Change {
                old: Some(&record),
                new: Some(&updated),
                ended: &ended,
            };
            match self.write_record(org, &table, change, actor, None).await {
                Err(RecordWriteError::Changed | RecordWriteError::DefinitionChanged) => continue,
                done => return done,
            }
        }
        Err(RecordWriteError::Changed)
    }
}

impl Store {
    /// Deletes an entry whose parent record is being deleted, with its history. Nothing
    /// references an entry (a reference names an object's record), so nothing is unlinked.
    async fn delete_entry(
        &self,
        org: OrgId,
        list: &Table,
        entry: &Record,
        actor: Actor<'_>,
    ) -> Result<(), RecordWriteError> {
        let no_values = EndedValues::new();
        let change = Change {
            old: Some(entry),
            new: None,
            ended: &no_values,
        };
        self.write_record(org, list, change, actor, None).await?;
        let history = self.record_history_keys(entry).await?;
        self.batch_delete(history).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    use crate::domain::table::{FieldDef, FieldType};

    fn field(id: &str, field_type: FieldType) -> FieldDef {
        let link = matches!(field_type, FieldType::RecordReference).then(|| "tp".to_string());
        FieldDef {
            id: id.into(),
            key: id.into(),
            array: true,
            link,
            ..FieldDef::for_tests(field_type)
        }
    }

    fn table() -> Table {
        Table::for_tests(vec![
            field("f-name", FieldType::Text),
            field("f-co", FieldType::RecordReference),
            field("f-pe", FieldType::RecordReference),
        ])
    }

    fn reference(target: &str) -> Value {
        json!({"target_object": "x", "target_record_id": target, "active_from": "2026-01-01T00:00:00Z", "active_until": null})
    }

    fn record(values: BTreeMap<String, Vec<Value>>) -> Record {
        Record {
            values,
            ..Record::for_tests("r", "t")
        }
    }

    #[test]
    fn only_the_targets_active_references_end() {
        let ended_before = {
            let mut v = reference("T");
            v["active_until"] = json!("2026-02-01T00:00:00Z");
            v
        };
        // (case, values by field, values ended by field, values kept by field)
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, Vec<Value>)>,
            Vec<(&'a str, usize)>,
            Vec<(&'a str, usize)>,
        );
        let cases: Vec<Case> = vec![
            (
                "no reference",
                vec![("f-name", vec![json!({"value": "T"})])],
                vec![],
                vec![("f-name", 1)],
            ),
            (
                "the one reference",
                vec![("f-co", vec![reference("T")])],
                vec![("f-co", 1)],
                vec![],
            ),
            (
                "another target",
                vec![("f-co", vec![reference("U")])],
                vec![],
                vec![("f-co", 1)],
            ),
            (
                "one of many, in two fields",
                vec![
                    ("f-co", vec![reference("T")]),
                    ("f-pe", vec![reference("U"), reference("T"), reference("V")]),
                ],
                vec![("f-co", 1), ("f-pe", 1)],
                vec![("f-pe", 2)],
            ),
            (
                "an ended value stays",
                vec![("f-pe", vec![ended_before])],
                vec![],
                vec![("f-pe", 1)],
            ),
        ];
        for (name, values, ended_counts, kept_counts) in cases {
            let values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let mut record = record(values);
            let ended = end_references(&table(), &mut record, "T", "2026-03-01T00:00:00Z");
            let ended_got: Vec<(&str, usize)> = ended.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
            assert_eq!(ended_got, ended_counts, "{name}: ended");
            let kept_got: Vec<(&str, usize)> = record.values.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
            assert_eq!(kept_got, kept_counts, "{name}: kept");
            for value in ended.values().flatten() {
                assert_eq!(value["active_until"], "2026-03-01T00:00:00Z", "{name}");
                assert_eq!(value["target_record_id"], "T", "{name}");
            }
        }
    }
}
