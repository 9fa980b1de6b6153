//! Records: one item per record in a partition of its own, a display-number pointer, a
//! sentinel per unique value, and a reference count on every referenced record. Every
//! create, update and delete is one transaction built by `Store::write_record` from the
//! record's state before and after, so sentinels and reference counts always move together
//! with the values they guard.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::events::events_put;
use super::history::history_item;
pub use super::history::EndedValues;
use super::item_size::{item_size, MAX_ITEM_BYTES};
use super::{
    failed_conditions, from_item, key, put, s, to_item, Missing, Store, StoreError, TransactFailure, NEW_ITEM,
};
use crate::digest::sha256_hex;
use crate::domain::event::{record_events, EventActor, Subject};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::record::{reference_target, unique_key, ParsedValue};
use crate::domain::table::{FieldDef, Table};
use crate::store::index::index_entries;
use crate::store::item::ItemKeys;
use crate::store::keys;
use crate::time::Timestamp;

/// What a record's stored item may hold beyond what a write sends: its `ref_count`.
const RECORD_ITEM_SLACK: usize = 64;

/// A transaction holds at most 100 items: the record, its number pointer (or its history),
/// the table's revision check, its table's record count (`store::record_counts`), its
/// change events (`store::events`), a soft delete's or a restore's copy in the trash
/// (`store::trash`), and these: an item per unique value and per index entry, and two per
/// referenced record ([`ITEMS_PER_REFERENCE`]).
pub const MAX_CHECKS_PER_WRITE: usize = 94;

/// A reference takes two of a write's items: the referenced record's count (with its
/// existence check) and the referrer item that finds the referencing record from it.
pub const ITEMS_PER_REFERENCE: usize = 2;

/// The most records one write may reference, with nothing else unique or indexed.
pub const MAX_REFERENCES_PER_WRITE: usize = MAX_CHECKS_PER_WRITE / ITEMS_PER_REFERENCE;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordNumberItem {
    record_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UniqueValueItem {
    record_id: String,
    field_id: String,
}

/// A record's values as parsed, by field.
pub type RecordValues<'a> = Vec<(&'a FieldDef, Vec<ParsedValue>)>;

/// How values are applied to a record: Attio's PATCH appends to multiselect attributes,
/// PUT overwrites them. Single-value attributes are replaced either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    Append,
    Overwrite,
}

/// A record write: the record before (`None` for a create) and after (`None` for a
/// delete), and the values it ends (kept as history).
#[derive(Clone, Copy)]
pub(super) struct Change<'r> {
    pub(super) old: Option<&'r Record>,
    pub(super) new: Option<&'r Record>,
    pub(super) ended: &'r EndedValues,
}

/// Who writes, and when: the API key (shown as the value's `created_by_actor`) and the
/// instant every value written now shares.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub key_id: &'a str,
    pub now: Timestamp,
}

impl<'a> Actor<'a> {
    /// The key `key_id` writing now.
    pub fn now(key_id: &'a str) -> Self {
        Self {
            key_id,
            now: Timestamp::now(),
        }
    }

    /// The actor as change events name it.
    pub fn event_actor(&self) -> EventActor {
        EventActor::ApiToken {
            key_id: self.key_id.to_string(),
        }
    }
}

/// How a path names a record: its uuid, or its display number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    Id(String),
    Number(u64),
}

impl RecordRef {
    /// A uuid, or `<PREFIX>-<n>` with the table's own prefix; anything else is not found.
    pub fn parse(raw: &str, table: &Table) -> Result<Self, StoreError> {
        if let Ok(id) = uuid::Uuid::try_parse(raw) {
            return Ok(Self::Id(id.hyphenated().to_string()));
        }
        raw.strip_prefix(table.record_prefix.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok().filter(|v| *v > 0 && v.to_string() == n))
            .map(Self::Number)
            .ok_or_else(|| {
                Missing::Record {
                    raw: raw.to_string(),
                    object: table.api_slug.clone(),
                }
                .into()
            })
    }
}

fn value_entry(field: &FieldDef, value: &ParsedValue, key_id: &str, stamp: &str) -> Value {
    let mut entry = Map::new();
    entry.insert("active_from".into(), json!(stamp));
    entry.insert("active_until".into(), Value::Null);
    entry.insert("created_by_actor".into(), json!({"type": "api-token", "id": key_id}));
    entry.extend(value.fields.clone());
    entry.insert("attribute_type".into(), json!(field.field_type.as_str()));
    Value::Object(entry)
}

/// The type's own fields of a stored value object (what equality of two values means).
fn own_fields(entry: &Map<String, Value>) -> Map<String, Value> {
    entry
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "active_from" | "active_until" | "created_by_actor" | "attribute_type"
            )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Applies values to a record's current values: a value that is replaced or removed gets
/// `active_until` and is returned among the ended ones, a new one gets `active_from`.
/// A historic value still held in the item (written before history had items of its own)
/// leaves it too.
/// A record's current values as a write takes them: what writing them back (with
/// `Merge::Overwrite`) restores, every field of `table` included (none where it has none).
pub fn current_values<'t>(table: &'t Table, record: &Record) -> RecordValues<'t> {
    table
        .ordered_fields()
        .into_iter()
        .filter(|field| !field.readonly)
        .map(|field| {
            let values = record
                .active(&field.id)
                .map(|value| ParsedValue {
                    fields: own_fields(value),
                })
                .collect();
            (field, values)
        })
        .collect()
}

pub fn merge_values(
    record: &mut Record,
    values: &RecordValues<'_>,
    merge: Merge,
    key_id: &str,
    stamp: &str,
) -> EndedValues {
    let mut ended: EndedValues = BTreeMap::new();
    for (field_id, entries) in record.values.iter_mut() {
        let (historic, current): (Vec<Value>, Vec<Value>) = std::mem::take(entries).into_iter().partition(is_historic);
        *entries = current;
        if !historic.is_empty() {
            ended.entry(field_id.clone()).or_default().extend(historic);
        }
    }
    for (field, parsed) in values {
        let entries = record.values.entry(field.id.clone()).or_default();
        let appending = field.array && merge == Merge::Append;
        // Values to end: all current ones not sent again, unless appending.
        let (kept, mut gone): (Vec<Value>, Vec<Value>) = std::mem::take(entries).into_iter().partition(|entry| {
            appending
                || entry
                    .as_object()
                    .is_some_and(|o| parsed.iter().any(|p| p.fields == own_fields(o)))
        });
        for entry in gone.iter_mut() {
            if let Some(object) = entry.as_object_mut() {
                object.insert("active_until".into(), json!(stamp));
            }
        }
        let current: Vec<Map<String, Value>> = kept.iter().filter_map(Value::as_object).map(own_fields).collect();
        *entries = kept;
        let mut added: Vec<Value> = Vec::new();
        for value in parsed {
            let already = current.contains(&value.fields);
            let duplicate_in_request = added
                .iter()
                .filter_map(Value::as_object)
                .any(|e| own_fields(e) == value.fields);
            if !already && !duplicate_in_request {
                added.push(value_entry(field, value, key_id, stamp));
            }
        }
        if appending {
            // Attio prepends the values a PATCH adds to a multiselect attribute.
            entries.splice(0..0, added);
        } else {
            entries.extend(added);
        }
        if !gone.is_empty() {
            ended.entry(field.id.clone()).or_default().append(&mut gone);
        }
    }
    record.values.retain(|_, entries| !entries.is_empty());
    ended
}

/// A value object that has ended (`active_until` set).
pub(super) fn is_historic(entry: &Value) -> bool {
    entry.get("active_until").is_some_and(|until| !until.is_null())
}

/// The unique-value sentinels a record's active values need: (field id, normalised value).
/// The partition key of the sentinel that holds `value` (normalised) of unique field
/// `field_id`: the value hashed, so a long one still fits a key.
fn unique_sentinel_pk(field_id: &str, value: &str) -> String {
    keys::unique_value_pk(field_id, &sha256_hex(value))
}

/// The keys of everything a record's create wrote: its item, its number pointer and the
/// sentinels of its unique values (the organization purge deletes them).
pub(crate) fn record_item_keys(table: &Table, record: &Record) -> Vec<super::Item> {
    let mut keys = vec![
        key(keys::record_pk(&record.id), keys::RECORD_SK),
        key(
            keys::record_number_pk(&record.table_id, record.number),
            keys::RECORD_NUMBER_SK,
        ),
    ];
    for (field_id, value) in unique_claims(table, Some(record)) {
        keys.push(key(unique_sentinel_pk(&field_id, &value), keys::UNIQUE_VALUE_SK));
    }
    for (field_id, sk) in super::index::index_entries(table, Some(record)) {
        keys.push(super::index::index_entry_key(&field_id, &sk));
    }
    keys
}

/// The unique values a record holds: (field id, normalised value).
pub(crate) fn unique_claims(table: &Table, record: Option<&Record>) -> BTreeSet<(String, String)> {
    let Some(record) = record else { return BTreeSet::new() };
    table
        .fields
        .values()
        .filter(|f| f.unique)
        .flat_map(|f| {
            record
                .active(&f.id)
                .filter_map(|v| unique_key(f.field_type, v))
                .map(|k| (f.id.clone(), k))
        })
        .collect()
}

/// The records a record's active values reference, each with the field that links it.
pub(super) fn references<'a>(table: &'a Table, record: Option<&Record>) -> BTreeMap<String, &'a FieldDef> {
    let Some(record) = record else { return BTreeMap::new() };
    let mut targets = BTreeMap::new();
    for field in table.fields.values().filter(|f| f.link.is_some()) {
        for value in record.active(&field.id) {
            if let Some(target) = reference_target(value) {
                targets.entry(target.to_string()).or_insert(field);
            }
        }
    }
    targets
}

/// Why a record write was refused or failed. `error.rs` maps each to the API's error body;
/// callers match on the variants (a stale definition is worth a retry, a taken value is
/// what an assert looks for).
#[derive(Debug, thiserror::Error)]
pub enum RecordWriteError {
    /// The table's definition changed after the write was checked against it.
    #[error("the object's definition changed during the write")]
    DefinitionChanged,
    /// A referenced record does not exist in the attribute's linked object.
    #[error("record {target} referenced by {attribute} does not exist in {object}")]
    MissingReference {
        attribute: String,
        object: String,
        target: String,
    },
    /// A unique attribute's value is another record's.
    #[error("the value {value} of unique attribute {attribute} is taken")]
    ValueTaken { attribute: String, value: String },
    /// Other records reference the record being deleted, more than one delete takes the
    /// references from (`store::unlink`), or some that it could not find.
    #[error("the record is referenced by {count} record(s), more than one delete unlinks")]
    Referenced { count: i64 },
    /// The record changed after it was read.
    #[error("the record changed during the write")]
    Changed,
    /// The deleted record being restored left the trash first (another restore).
    #[error("the deleted record is no longer in the trash")]
    Restored,
    /// The write breaks a rule of the definition it was checked against (a required
    /// attribute, the transaction limit).
    #[error("the write breaks a rule: {0}")]
    Refused(RecordRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which rule of the definition a record write breaks, found before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordRefusal {
    /// The record's values reference the record itself.
    #[error("the record references itself")]
    SelfReference,
    /// The attribute (by key) is not optional and the record would hold no value of it.
    #[error("required attribute {attribute} has no value")]
    Required { attribute: String },
    /// The record would hold `held` unique values, references and indexed values in all,
    /// over `max` (what one transaction can release at its delete).
    #[error("the record would hold {held} unique values, references and indexed values, over {max}")]
    TooManyHeld { held: usize, max: usize },
    /// The write would change more than `max` unique values, references and indexed
    /// values (what one transaction can hold).
    #[error("the write would change more than {max} unique values, references and indexed values")]
    TooManyChanges { max: usize },
}

/// The record's own write (its put, update or delete) is the first item of every record
/// write's transaction: `RecordTransaction::create`, `update` and `delete` push it first.
const RECORD_WRITE: usize = 0;

/// A record write's transaction as it is built: its items and, in the same order, what
/// each is for.
struct RecordTransaction<'a, 't> {
    table: &'a str,
    items: Vec<TransactWriteItem>,
    purposes: Vec<ItemPurpose<'t>>,
}

impl<'t> RecordTransaction<'_, 't> {
    fn push(&mut self, item: TransactWriteItem, purpose: ItemPurpose<'t>) {
        self.items.push(item);
        self.purposes.push(purpose);
    }

    /// A new record and its display-number pointer, neither of which may exist.
    fn create(&mut self, table: &Table, record: &Record) {
        self.push(
            put(self.table, record_item(record), Some(NEW_ITEM)),
            ItemPurpose::Record,
        );
        let pointer = ItemKeys::new(keys::record_number_pk(&table.id, record.number), keys::RECORD_NUMBER_SK).item(
            &RecordNumberItem {
                record_id: record.id.clone(),
            },
        );
        self.push(put(self.table, pointer, Some(NEW_ITEM)), ItemPurpose::Number);
    }

    /// New values, if the record is still the version that was read.
    fn update(&mut self, before: &Record, after: &Record) {
        let values = AttributeValue::M(
            to_item(&json!({"v": after.values}))["v"]
                .as_m()
                .cloned()
                .unwrap_or_default(),
        );
        let update = Update::builder()
            .table_name(self.table)
            .set_key(Some(key(keys::record_pk(&before.id), keys::RECORD_SK)))
            .update_expression("SET #values = :values, version = :next")
            .condition_expression("attribute_exists(PK) AND version = :seen")
            .expression_attribute_names("#values", "values")
            .expression_attribute_values(":values", values)
            .expression_attribute_values(":next", version(after))
            .expression_attribute_values(":seen", version(before))
            .build()
            .expect("key, table and expression are set");
        self.push(TransactWriteItem::builder().update(update).build(), ItemPurpose::Record);
    }

    /// The values the update ended, in an item of their own that may not exist yet.
    fn history(&mut self, after: &Record, ended: &EndedValues) {
        if ended.is_empty() {
            return;
        }
        self.push(
            put(self.table, history_item(after, ended), Some(NEW_ITEM)),
            ItemPurpose::History,
        );
    }

    /// The record and its pointer, if it is still the version that was read and nothing
    /// references it.
    fn delete(&mut self, table: &Table, before: &Record) {
        let delete = Delete::builder()
            .table_name(self.table)
            .set_key(Some(key(keys::record_pk(&before.id), keys::RECORD_SK)))
            .condition_expression("version = :seen AND (attribute_not_exists(ref_count) OR ref_count = :zero)")
            .expression_attribute_values(":seen", version(before))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .expect("key and table are set");
        self.push(TransactWriteItem::builder().delete(delete).build(), ItemPurpose::Record);
        let pointer = Delete::builder()
            .table_name(self.table)
            .set_key(Some(key(
                keys::record_number_pk(&table.id, before.number),
                keys::RECORD_NUMBER_SK,
            )))
            .build()
            .expect("key and table are set");
        self.push(
            TransactWriteItem::builder().delete(pointer).build(),
            ItemPurpose::Number,
        );
    }

    /// The table's record count, moved by a record made or restored (1) or deleted (-1).
    fn count(&mut self, table: &Table, record: &Record, delta: i64) {
        let update = super::record_counts::count_update(self.table, &table.id, &record.id, delta);
        self.push(update, ItemPurpose::Count);
    }

    /// The definition this write was checked against (perhaps a container's cached copy)
    /// must still be current. The check reads the table's small head item, not the
    /// definition itself.
    fn check_revision(&mut self, table: &Table) {
        let revision = ConditionCheck::builder()
            .table_name(self.table)
            .set_key(Some(key(keys::table_head_pk(&table.id), keys::TABLE_HEAD_SK)))
            .condition_expression("revision = :revision")
            .expression_attribute_values(":revision", AttributeValue::N(table.revision.to_string()))
            .build()
            .expect("key, table and condition are set");
        self.push(
            TransactWriteItem::builder().condition_check(revision).build(),
            ItemPurpose::Table,
        );
    }

    /// Sentinels for the unique values the record takes, and releases of those it gives up.
    fn claims(&mut self, table: &'t Table, this: &Record, old: Option<&Record>, new: Option<&Record>) {
        let (old_claims, new_claims) = (unique_claims(table, old), unique_claims(table, new));
        for (field_id, value) in new_claims.difference(&old_claims) {
            let field = table
                .fields
                .values()
                .find(|f| &f.id == field_id)
                .expect("claims come from the table's fields");
            let sentinel =
                ItemKeys::new(unique_sentinel_pk(field_id, value), keys::UNIQUE_VALUE_SK).item(&UniqueValueItem {
                    record_id: this.id.clone(),
                    field_id: field_id.clone(),
                });
            self.push(
                put(self.table, sentinel, Some(NEW_ITEM)),
                ItemPurpose::Claim {
                    field,
                    value: value.clone(),
                },
            );
        }
        for (field_id, value) in old_claims.difference(&new_claims) {
            let delete = Delete::builder()
                .table_name(self.table)
                .set_key(Some(key(unique_sentinel_pk(field_id, value), keys::UNIQUE_VALUE_SK)))
                .condition_expression("record_id = :me")
                .expression_attribute_values(":me", s(&this.id))
                .build()
                .expect("key and table are set");
            self.push(
                TransactWriteItem::builder().delete(delete).build(),
                ItemPurpose::Release,
            );
        }
    }

    /// A counted existence check of each record the write starts referencing with the
    /// referrer item that finds this record from it (`store::referrers`), and the count's
    /// and the item's release for each it stops referencing. A record whose delete is
    /// removing the references to it (its `unlinking_until` lease still running) takes no
    /// new one.
    fn references(
        &mut self,
        org: OrgId,
        table: &'t Table,
        this: &Record,
        change: (Option<&Record>, Option<&Record>),
        now: Timestamp,
    ) {
        let (old, new) = change;
        let (old_refs, new_refs) = (references(table, old), references(table, new));
        for (target, field) in &new_refs {
            if old_refs.contains_key(target) {
                continue;
            }
            // The target must exist in the field's linked table of this org.
            let update = Update::builder()
                .table_name(self.table)
                .set_key(Some(key(keys::record_pk(target), keys::RECORD_SK)))
                .update_expression("ADD ref_count :one")
                .condition_expression(
                    "attribute_exists(PK) AND org_id = :org AND table_id = :table \
                     AND (attribute_not_exists(unlinking_until) OR unlinking_until < :now)",
                )
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":org", AttributeValue::N(org.0.to_string()))
                .expression_attribute_values(":table", s(field.link.clone().unwrap_or_default()))
                .expression_attribute_values(":now", AttributeValue::N(now.unix_seconds().to_string()))
                .build()
                .expect("key, table and expression are set");
            self.push(
                TransactWriteItem::builder().update(update).build(),
                ItemPurpose::Reference {
                    field,
                    target: target.clone(),
                },
            );
            self.push(
                super::referrers::referrer_put(self.table, target, this),
                ItemPurpose::Referrer,
            );
        }
        for target in old_refs.keys().filter(|t| !new_refs.contains_key(*t)) {
            self.push(
                super::referrers::referrer_delete(self.table, target, &this.id),
                ItemPurpose::Referrer,
            );
            let update = Update::builder()
                .table_name(self.table)
                .set_key(Some(key(keys::record_pk(target), keys::RECORD_SK)))
                .update_expression("ADD ref_count :minus")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
                .build()
                .expect("key, table and expression are set");
            self.push(
                TransactWriteItem::builder().update(update).build(),
                ItemPurpose::Unreference,
            );
        }
    }
}

/// An item of `bytes` fits DynamoDB's item size limit; `what` names it in the 413.
fn within_item_limit(what: &'static str, bytes: usize) -> Result<(), StoreError> {
    if bytes > MAX_ITEM_BYTES {
        return Err(StoreError::ItemTooLarge {
            what,
            bytes,
            limit: MAX_ITEM_BYTES,
        });
    }
    Ok(())
}

/// Size and transaction-size limits, checked before anything is written: every write's,
/// and the only checks of a write that removes references to a record being deleted
/// (`store::unlink`), which may leave a required attribute empty as Attio's delete does.
pub(super) fn check_record_limits(
    table: &Table,
    old: Option<&Record>,
    new: Option<&Record>,
    ended: &EndedValues,
) -> Result<(), RecordWriteError> {
    if let Some(new) = new {
        // Room for what the write leaves of the stored item (its reference count).
        within_item_limit(
            "record with its values",
            item_size(&record_item(new)) + RECORD_ITEM_SLACK,
        )?;
        within_item_limit("values one write replaces", item_size(&history_item(new, ended)))?;
        if references(table, Some(new)).contains_key(&new.id) {
            return Err(RecordWriteError::Refused(RecordRefusal::SelfReference));
        }
    }
    let (old_claims, new_claims) = (unique_claims(table, old), unique_claims(table, new));
    let (old_refs, new_refs) = (references(table, old), references(table, new));
    let (old_entries, new_entries) = (index_entries(table, old), index_entries(table, new));
    // Deleting the record releases every one it holds, in one transaction.
    let held = new_claims.len() + ITEMS_PER_REFERENCE * new_refs.len() + new_entries.len();
    if held > MAX_CHECKS_PER_WRITE {
        return Err(RecordWriteError::Refused(RecordRefusal::TooManyHeld {
            held,
            max: MAX_CHECKS_PER_WRITE,
        }));
    }
    let changes = old_claims.symmetric_difference(&new_claims).count()
        + ITEMS_PER_REFERENCE
            * old_refs
                .keys()
                .collect::<BTreeSet<_>>()
                .symmetric_difference(&new_refs.keys().collect())
                .count()
        + old_entries.symmetric_difference(&new_entries).count();
    if changes > MAX_CHECKS_PER_WRITE {
        return Err(RecordWriteError::Refused(RecordRefusal::TooManyChanges {
            max: MAX_CHECKS_PER_WRITE,
        }));
    }
    Ok(())
}

/// A record's item: in its own partition, listed in its table's GSI1 partition by number.
fn record_item(record: &Record) -> super::Item {
    ItemKeys::new(keys::record_pk(&record.id), keys::RECORD_SK)
        .listed(
            keys::table_records_gsi1pk(&record.table_id),
            keys::record_gsi1sk(record.number),
        )
        .item(record)
}

fn version(record: &Record) -> AttributeValue {
    AttributeValue::N(record.version.to_string())
}

/// Why a record write's transaction was cancelled, from which items' conditions failed. A
/// stale definition first (the rest was judged against it), then what the caller can fix.
fn explain_cancellation(purposes: &[ItemPurpose], reasons: &[CancellationReason], deleting: bool) -> RecordWriteError {
    let failed = failed_conditions(reasons);
    let failed_purposes = || failed.iter().map(|i| &purposes[*i]);
    if failed_purposes().any(|p| matches!(p, ItemPurpose::Table)) {
        return RecordWriteError::DefinitionChanged;
    }
    for purpose in failed_purposes() {
        if let ItemPurpose::Reference { field, target } = purpose {
            return RecordWriteError::MissingReference {
                attribute: field.key.clone(),
                object: field.link_slug.clone().unwrap_or_default(),
                target: target.clone(),
            };
        }
    }
    for purpose in failed_purposes() {
        if let ItemPurpose::Claim { field, value } = purpose {
            return RecordWriteError::ValueTaken {
                attribute: field.key.clone(),
                value: value.clone(),
            };
        }
    }
    if failed_purposes().any(|p| matches!(p, ItemPurpose::Trash)) {
        return RecordWriteError::Restored;
    }
    if failed.first() == Some(&RECORD_WRITE) {
        let referenced = reasons[RECORD_WRITE]
            .item()
            .and_then(|item| item.get("ref_count"))
            .and_then(|n| n.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0);
        return match referenced {
            Some(count) if deleting => RecordWriteError::Referenced { count },
            _ => RecordWriteError::Changed,
        };
    }
    RecordWriteError::Store(StoreError::Unexpected(format!(
        "record write cancelled unexpectedly: {reasons:?}"
    )))
}

/// What each item of a record transaction is, to explain a failed condition.
pub(super) enum ItemPurpose<'a> {
    /// The table's definition is still the revision the write was checked against.
    Table,
    Record,
    Number,
    Claim {
        field: &'a FieldDef,
        value: String,
    },
    Release,
    History,
    Index,
    /// The table's record count: unconditional.
    Count,
    Reference {
        field: &'a FieldDef,
        target: String,
    },
    Unreference,
    /// The referenced record's item naming this record as a referrer: unconditional.
    Referrer,
    /// The write's change events: a new item whose condition fails only on an id collision.
    Event,
    /// A deleted record's copy: put by a soft delete, taken out by a restore (whose
    /// condition fails when another restore took it first).
    Trash,
}

impl Store {
    /// Creates a record: takes the table's next display number (one atomic update; a
    /// create that fails after it leaves a gap), then writes the record in one transaction.
    pub async fn create_record(
        &self,
        org: OrgId,
        table: &Table,
        values: &RecordValues<'_>,
        actor: Actor<'_>,
    ) -> Result<Record, RecordWriteError> {
        let mut record = new_record(org, table, values, actor);
        // Everything that can be refused without a write is refused before a number is taken.
        self.check_record_write(table, None, Some(&record), &EndedValues::new())?;
        record.number = self.next_record_number(&table.id).await?;
        self.write_new_record(org, table, &record, actor).await?;
        Ok(record)
    }

    /// Writes a new, numbered record in its create's transaction.
    async fn write_new_record(
        &self,
        org: OrgId,
        table: &Table,
        record: &Record,
        actor: Actor<'_>,
    ) -> Result<(), RecordWriteError> {
        let change = Change {
            old: None,
            new: Some(record),
            ended: &EndedValues::new(),
        };
        self.write_record(org, table, change, actor, None).await
    }

    /// Numbers new records of `table` from one block of its counter, in their order.
    pub(super) async fn number_in_order(&self, table_id: &str, records: &mut [Record]) -> Result<(), StoreError> {
        let count = records.len() as u64;
        if count == 0 {
            return Ok(());
        }
        let last = self.next_record_numbers(table_id, count).await?;
        for (record, number) in records.iter_mut().zip(last + 1 - count..) {
            record.number = number;
        }
        Ok(())
    }

    /// Creates several records (a bulk create), each in its own transaction, at most
    /// [`super::BATCH_CONCURRENCY`] at once: one result per value set, in order. Their
    /// display numbers are one block taken at once, in the values' order, so records made
    /// together are numbered as they were given. Nothing is written unless every record
    /// passes the checks a write makes before it is sent; past them, each write succeeds
    /// or is refused on its own (the caller undoes the others if it wants all or none).
    pub async fn create_records(
        &self,
        org: OrgId,
        table: &Table,
        values: &[RecordValues<'_>],
        actor: Actor<'_>,
    ) -> Result<Vec<Result<Record, RecordWriteError>>, RecordWriteError> {
        use futures_util::StreamExt;
        let mut records: Vec<Record> = values.iter().map(|v| new_record(org, table, v, actor)).collect();
        for record in &records {
            self.check_record_write(table, None, Some(record), &EndedValues::new())?;
        }
        if records.is_empty() {
            return Ok(Vec::new());
        }
        self.number_in_order(&table.id, &mut records).await?;
        let writes = futures_util::stream::iter(records)
            .map(|record| async move {
                self.write_new_record(org, table, &record, actor).await?;
                Ok(record)
            })
            .buffered(super::BATCH_CONCURRENCY);
        Ok(writes.collect().await)
    }
}

/// A new record of `table` holding `values`, not yet numbered.
pub(super) fn new_record(org: OrgId, table: &Table, values: &RecordValues<'_>, actor: Actor<'_>) -> Record {
    let id = uuid::Uuid::new_v4().to_string();
    let stamp = actor.now.nanos();
    let key_id = actor.key_id;
    let mut record = Record {
        id,
        org_id: org.0,
        table_id: table.id.clone(),
        number: 0,
        created_at: stamp.clone(),
        created_by: key_id.to_string(),
        values: BTreeMap::new(),
        version: 0,
        ref_count: 0,
    };
    merge_values(&mut record, values, Merge::Overwrite, key_id, &stamp);
    record
}

impl Store {
    /// Applies values to an existing record (`Append` for PATCH, `Overwrite` for PUT), in
    /// one transaction conditional on the record being unchanged since `record` was read.
    pub async fn update_record(
        &self,
        org: OrgId,
        table: &Table,
        record: &Record,
        values: &RecordValues<'_>,
        merge: Merge,
        actor: Actor<'_>,
    ) -> Result<Record, RecordWriteError> {
        let mut updated = record.clone();
        let ended = merge_values(&mut updated, values, merge, actor.key_id, &actor.now.nanos());
        updated.version = record.version + 1;
        self.check_record_write(table, Some(record), Some(&updated), &ended)?;
        let change = Change {
            old: Some(record),
            new: Some(&updated),
            ended: &ended,
        };
        self.write_record(org, table, change, actor, None).await?;
        Ok(updated)
    }

    /// Deletes a record with its number pointer and unique sentinels, releasing its
    /// references. The records that reference it are first written without those
    /// references (`store::unlink`), so no reference ever dangles; past what one delete
    /// unlinks it is refused (409) with nothing written.
    /// Its history and its notes go after it, in batches: unreachable once the record is
    /// gone, so a delete cut short between the two leaves only what the audit reports.
    pub async fn delete_record(
        &self,
        org: OrgId,
        table: &Table,
        record: &Record,
        actor: Actor<'_>,
    ) -> Result<(), RecordWriteError> {
        self.delete_with(org, table, record, actor, None).await
    }

    /// Deletes a record as [`Store::delete_record`] does, keeping a copy in the
    /// organization's trash (in the delete's transaction) from which
    /// [`Store::restore_record`] brings it back: SmartSuite's soft delete. Its history of
    /// replaced values goes, as a delete's does.
    pub async fn soft_delete_record(
        &self,
        org: OrgId,
        table: &Table,
        record: &Record,
        actor: Actor<'_>,
    ) -> Result<(), RecordWriteError> {
        let copy = super::trash::trash_put(self.table_name(), org, record, actor.now, actor.key_id);
        self.delete_with(org, table, record, actor, Some(copy)).await
    }

    /// A delete's transaction (with the trash's copy, if any), then its history.
    async fn delete_with(
        &self,
        org: OrgId,
        table: &Table,
        record: &Record,
        actor: Actor<'_>,
        copy: Option<TransactWriteItem>,
    ) -> Result<(), RecordWriteError> {
        let no_values = EndedValues::new();
        let change = Change {
            old: Some(record),
            new: None,
            ended: &no_values,
        };
        if record.ref_count > 0 {
            self.unlink_referrers(org, record, actor).await?;
        }
        match self.write_record(org, table, change, actor, copy.clone()).await {
            // A reference made after the record was read and before its lease: unlink again.
            Err(RecordWriteError::Referenced { .. }) => {
                self.unlink_referrers(org, record, actor).await?;
                self.write_record(org, table, change, actor, copy).await?;
            }
            done => done?,
        }
        // What the record leaves in its partition goes after it: its history, its notes
        // (with their pointers) and its tasks' links (each task loses the record from its
        // links first). Unreachable once the record is gone, so a delete cut short here
        // leaves only what the audit reports.
        let mut after = self.record_history_keys(record).await?;
        after.extend(self.record_note_keys(org, &record.id).await?);
        after.extend(self.unlink_deleted_record(&record.id).await?);
        self.batch_delete(after).await?;
        Ok(())
    }

    /// Restores a deleted record of `table` (`store::trash`): written back as a create
    /// does, with its id, number and values, taking its copy out of the trash in the same
    /// transaction. 404 if it is not in the trash.
    pub async fn restore_record(
        &self,
        org: OrgId,
        table: &Table,
        record_id: &str,
        actor: Actor<'_>,
    ) -> Result<Record, RecordWriteError> {
        let missing = || {
            StoreError::from(Missing::Record {
                raw: record_id.to_string(),
                object: table.api_slug.clone(),
            })
        };
        let trashed = self.trashed(org, table, record_id).await?.ok_or_else(missing)?;
        let mut record = trashed.record;
        record.ref_count = 0;
        record.version += 1;
        let ended = EndedValues::new();
        self.check_record_write(table, None, Some(&record), &ended)?;
        let copy = super::trash::trash_delete(self.table_name(), org, &table.id, &record.id);
        let change = Change {
            old: None,
            new: Some(&record),
            ended: &ended,
        };
        self.write_record(org, table, change, actor, Some(copy)).await?;
        Ok(record)
    }

    /// Size and transaction-size limits and required values, checked before anything is
    /// written.
    fn check_record_write(
        &self,
        table: &Table,
        old: Option<&Record>,
        new: Option<&Record>,
        ended: &EndedValues,
    ) -> Result<(), RecordWriteError> {
        check_record_limits(table, old, new, ended)?;
        if let Some(new) = new {
            for field in table.ordered_fields() {
                if !field.optional && new.active(&field.id).next().is_none() {
                    return Err(RecordWriteError::Refused(RecordRefusal::Required {
                        attribute: field.key.clone(),
                    }));
                }
            }
        }
        Ok(())
    }

    /// The one transaction behind every record write, from the record before (`None` for a
    /// create) and after (`None` for a delete).
    pub(super) async fn write_record(
        &self,
        org: OrgId,
        table: &Table,
        change: Change<'_>,
        actor: Actor<'_>,
        trash: Option<TransactWriteItem>,
    ) -> Result<(), RecordWriteError> {
        let Change { old, new, ended } = change;
        let (mut items, mut purposes) = self.record_transaction(org, table, old, new, ended, actor);
        if let Some(trash) = trash {
            items.push(trash);
            purposes.push(ItemPurpose::Trash);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(reasons)) => {
                let error = explain_cancellation(&purposes, &reasons, old.is_some() && new.is_none());
                if matches!(error, RecordWriteError::DefinitionChanged) {
                    self.forget_table(&table.id);
                }
                Err(error)
            }
            Err(TransactFailure::Store(e)) => Err(e.into()),
        }
    }

    /// The items of a record write's transaction, each with what it is for.
    pub(super) fn record_transaction<'t>(
        &self,
        org: OrgId,
        table: &'t Table,
        old: Option<&Record>,
        new: Option<&Record>,
        ended: &EndedValues,
        actor: Actor<'_>,
    ) -> (Vec<TransactWriteItem>, Vec<ItemPurpose<'t>>) {
        let this = new.or(old).expect("a write has a record before or after");
        let mut tx = RecordTransaction {
            table: self.table_name(),
            items: Vec::new(),
            purposes: Vec::new(),
        };
        match (old, new) {
            (None, Some(record)) => {
                tx.create(table, record);
                tx.count(table, record, 1);
            }
            (Some(before), Some(after)) => {
                tx.update(before, after);
                tx.history(after, ended);
            }
            (Some(before), None) => {
                tx.delete(table, before);
                tx.count(table, before, -1);
            }
            (None, None) => unreachable!("a write has a record before or after"),
        }
        debug_assert!(matches!(tx.purposes[RECORD_WRITE], ItemPurpose::Record));
        tx.check_revision(table);
        tx.claims(table, this, old, new);
        tx.references(org, table, this, (old, new), actor.now);
        for write in super::index::index_writes(self.table_name(), table, old, new) {
            tx.push(write, ItemPurpose::Index);
        }
        let subject = Subject::of(table);
        let events = record_events(&org.workspace_id().to_string(), subject, old, new, &actor.event_actor());
        if let Some(put) = events_put(self.table_name(), org, &events, actor.now) {
            tx.push(put, ItemPurpose::Event);
        }
        (tx.items, tx.purposes)
    }

    /// The table's next record display number, from the atomic counter in its head.
    async fn next_record_number(&self, table_id: &str) -> Result<u64, StoreError> {
        self.next_record_numbers(table_id, 1).await
    }

    /// Takes `count` display numbers at once from the counter: the last of them (the
    /// others are the `count - 1` before it).
    async fn next_record_numbers(&self, table_id: &str, count: u64) -> Result<u64, StoreError> {
        let last = self
            .update_counter(
                key(keys::table_head_pk(table_id), keys::TABLE_HEAD_SK),
                "ADD record_seq :count",
                vec![(":count", AttributeValue::N(count.to_string()))],
                "record_seq",
            )
            .await?
            // The head is gone: the table was deleted (with its organization) meanwhile.
            .ok_or_else(|| StoreError::from(Missing::Table(table_id.to_string())))?;
        u64::try_from(last).map_err(|_| StoreError::Unexpected("record_seq is negative".into()))
    }

    /// A record of `table` by id or display number; records of other tables or orgs are
    /// not found.
    pub async fn record(&self, org: OrgId, table: &Table, which: &RecordRef) -> Result<Option<Record>, StoreError> {
        let id = match which {
            RecordRef::Id(id) => id.clone(),
            RecordRef::Number(n) => {
                let pointer = self
                    .get(keys::record_number_pk(&table.id, *n), keys::RECORD_NUMBER_SK)
                    .await?;
                match pointer.map(from_item::<RecordNumberItem>).transpose()? {
                    Some(p) => p.record_id,
                    None => return Ok(None),
                }
            }
        };
        Ok(self.record_in_org(org, &id).await?.filter(|r| r.table_id == table.id))
    }

    /// A record of `org` by id, in whichever of its tables it is (a task links to records
    /// by id alone).
    pub async fn record_in_org(&self, org: OrgId, record_id: &str) -> Result<Option<Record>, StoreError> {
        let record: Option<Record> = self
            .get(keys::record_pk(record_id), keys::RECORD_SK)
            .await?
            .map(from_item)
            .transpose()?;
        Ok(record.filter(|r| r.org_id == org.0))
    }

    /// The record holding a unique value of `field`, if any.
    pub async fn record_by_unique_value(
        &self,
        org: OrgId,
        table: &Table,
        field: &FieldDef,
        value: &ParsedValue,
    ) -> Result<Option<Record>, StoreError> {
        let Some(normalised) = unique_key(field.field_type, &value.fields) else {
            return Ok(None);
        };
        let sentinel = self
            .get(unique_sentinel_pk(&field.id, &normalised), keys::UNIQUE_VALUE_SK)
            .await?;
        match sentinel.map(from_item::<UniqueValueItem>).transpose()? {
            Some(s) => self.record(org, table, &RecordRef::Id(s.record_id)).await,
            None => Ok(None),
        }
    }
}
