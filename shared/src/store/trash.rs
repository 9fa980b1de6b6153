//! Deleted records kept for restoring (SmartSuite's soft delete): a record deleted through
//! SmartSuite's route leaves every dialect as a delete does (its unique values, index
//! entries and number are released, its event is `record.deleted`), and a copy of it goes
//! to the organization's trash in the same transaction, `TRASH#<table_id>#<record_id>` in
//! the organization's partition, for [`KEEP_SECONDS`]. A restore writes the record back
//! (same id and number, its values as they were; conditional like a create, so a unique
//! value taken meanwhile refuses it) and takes the copy out, in one transaction.
//! docs/data-model.md, "Deleted records".

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::{from_item, key, put, Store, StoreError};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::Table;
use crate::store::item::ItemKeys;
use crate::store::keys;
use crate::time::Timestamp;

/// How long a deleted record can be restored: 30 days (DynamoDB TTL takes it after).
pub const KEEP_SECONDS: u64 = 30 * 24 * 60 * 60;

/// A deleted record, as the trash keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrashItem {
    pub org_id: u64,
    pub table_id: String,
    pub record: Record,
    /// When it was deleted (RFC 3339, to the nanosecond) and by which API key.
    pub deleted_at: String,
    pub deleted_by: String,
    pub expires_at: u64,
}

/// The put of a deleted record's copy, for its delete's transaction.
pub(crate) fn trash_put(table: &str, org: OrgId, record: &Record, now: Timestamp, key_id: &str) -> TransactWriteItem {
    let item = TrashItem {
        org_id: org.0,
        table_id: record.table_id.clone(),
        record: record.clone(),
        deleted_at: now.nanos(),
        deleted_by: key_id.to_string(),
        expires_at: now.unix_seconds() + KEEP_SECONDS,
    };
    put(
        table,
        ItemKeys::new(keys::org_pk(org), keys::trash_sk(&record.table_id, &record.id)).item(&item),
        None,
    )
}

/// The delete of a deleted record's copy, for its restore's transaction: it must still be
/// there (two restores at once restore once).
pub(crate) fn trash_delete(table: &str, org: OrgId, table_id: &str, record_id: &str) -> TransactWriteItem {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key(keys::org_pk(org), &keys::trash_sk(table_id, record_id))))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("key and table are set");
    TransactWriteItem::builder().delete(delete).build()
}

/// Why a stored trash item is broken, for the audit: it does not parse, or its keys and
/// the record it holds disagree.
pub(crate) fn stored_trash_problem(item: super::Item) -> Result<(), String> {
    let sk = item.get("SK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    let trashed: TrashItem = from_item(item).map_err(|e| e.to_string())?;
    let record = &trashed.record;
    if sk != keys::trash_sk(&record.table_id, &record.id)
        || record.org_id != trashed.org_id
        || record.table_id != trashed.table_id
    {
        return Err(format!("its key {sk} does not name the record it holds"));
    }
    Ok(())
}

impl Store {
    /// The organization's deleted records that can still be restored, newest first.
    pub async fn trash(&self, org: OrgId) -> Result<Vec<TrashItem>, StoreError> {
        let mut items = self
            .query_prefix(&keys::org_pk(org), keys::TRASH_PREFIX)
            .await?
            .into_iter()
            .map(from_item::<TrashItem>)
            .collect::<Result<Vec<_>, _>>()?;
        items.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at));
        Ok(items)
    }

    /// One deleted record of `table`, if it can still be restored.
    pub async fn trashed(&self, org: OrgId, table: &Table, record_id: &str) -> Result<Option<TrashItem>, StoreError> {
        self.get(keys::org_pk(org), &keys::trash_sk(&table.id, record_id))
            .await?
            .map(from_item)
            .transpose()
    }
}
