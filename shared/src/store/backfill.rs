//! Backfills: bounded, repeatable passes that bring items written before a change of the
//! data model up to it (docs/operations.md, "Backfills and migrations").
//!
//! Referrer items (`store::referrers`) are written with every reference made since they
//! exist; a reference made before has none, which the audit reports and a delete of its
//! target makes up for with a search (`store::unlink`). [`Store::backfill_referrers`]
//! writes them: it reads every record (a Scan, page by page), and for each reference
//! without its item writes the item in a transaction that checks the referencing record
//! is still the version read, so an item is never written for a reference released
//! meanwhile (a record written meanwhile is read again).

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};

use super::item::key;
use super::records::references;
use super::referrers::referrer_put;
use super::{from_item, keys, sdk_error, Store, StoreError, TransactFailure};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::{Table, TableRef};

/// How often one record is read again when it changes between its read and its items.
const ATTEMPTS: usize = 5;

/// What a backfill did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BackfillReport {
    /// Records read.
    pub records: usize,
    /// Items written.
    pub written: usize,
    /// Items that were there already.
    pub present: usize,
}

impl Store {
    /// Writes the referrer item of every reference that has none. Safe to run while the
    /// API serves and to run again: it writes only what is missing.
    pub async fn backfill_referrers(&self) -> Result<BackfillReport, StoreError> {
        let mut report = BackfillReport::default();
        let mut pages = self
            .client()
            .scan()
            .table_name(self.table_name())
            .filter_expression("SK = :record AND begins_with(PK, :prefix)")
            .expression_attribute_values(":record", AttributeValue::S(keys::RECORD_SK.into()))
            .expression_attribute_values(":prefix", AttributeValue::S("REC#".into()))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let record: Record = from_item(item.map_err(sdk_error)?)?;
            report.records += 1;
            let table_id = TableRef::Id(record.table_id.clone());
            let Some((table, _)) = self.table_cached(OrgId(record.org_id), &table_id).await? else {
                continue;
            };
            let (written, present) = self.backfill_record(&table, record).await?;
            report.written += written;
            report.present += present;
        }
        Ok(report)
    }

    /// Indexes for search every record whose search items are not its terms now, and
    /// removes the items of records gone (`store::search`): for records written before the
    /// index, or after an indexing that failed every retry. Safe to run while the API
    /// serves and to run again.
    pub async fn backfill_search(&self) -> Result<BackfillReport, StoreError> {
        let mut named: Vec<super::search::NamedRecord> = Vec::new();
        let mut pages = self
            .client()
            .scan()
            .table_name(self.table_name())
            .filter_expression(
                "(SK = :record AND begins_with(PK, :rec)) OR (begins_with(PK, :srch) AND begins_with(SK, :doc))",
            )
            .expression_attribute_values(":record", AttributeValue::S(keys::RECORD_SK.into()))
            .expression_attribute_values(":rec", AttributeValue::S("REC#".into()))
            .expression_attribute_values(":srch", AttributeValue::S(keys::SEARCH_PREFIX.into()))
            .expression_attribute_values(":doc", AttributeValue::S(keys::SEARCH_DOC_PREFIX.into()))
            .projection_expression("#org, #table, #id, #record")
            .expression_attribute_names("#org", "org_id")
            .expression_attribute_names("#table", "table_id")
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#record", "record_id")
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(sdk_error)?;
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            let org = item
                .get("org_id")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok());
            if let (Some(org), Some(table), Some(id)) = (org, text("table_id"), text("record_id").or(text("id"))) {
                named.push((org, table, id));
            }
        }
        named.sort();
        named.dedup();
        let records = named.len();
        let outcomes = self.index_records(named).await?;
        let written = outcomes
            .iter()
            .filter(|o| **o == super::search::Indexed::Written)
            .count();
        Ok(BackfillReport {
            records,
            written,
            present: records - written,
        })
    }

    /// The missing referrer items of one record's references: (written, present).
    async fn backfill_record(&self, table: &Table, mut record: Record) -> Result<(usize, usize), StoreError> {
        let (mut written, mut present) = (0, 0);
        for _ in 0..ATTEMPTS {
            let targets: Vec<String> = references(table, Some(&record)).into_keys().collect();
            let mut changed = false;
            for target in targets {
                let item = self
                    .get(keys::record_pk(&target), &keys::referrer_sk(&record.id))
                    .await?;
                if item.is_some() {
                    present += 1;
                    continue;
                }
                match self.transact(self.referrer_backfill(&record, &target)).await {
                    Ok(()) => written += 1,
                    Err(TransactFailure::Cancelled(_)) => {
                        changed = true;
                        break;
                    }
                    Err(TransactFailure::Store(e)) => return Err(e),
                }
            }
            if !changed {
                return Ok((written, present));
            }
            match self.get(keys::record_pk(&record.id), keys::RECORD_SK).await? {
                Some(item) => record = from_item(item)?,
                None => return Ok((written, present)),
            }
        }
        Err(StoreError::Contended)
    }

    /// The referrer item of `record`'s reference to `target`, if `record` is still the
    /// version read.
    fn referrer_backfill(&self, record: &Record, target: &str) -> Vec<TransactWriteItem> {
        let unchanged = ConditionCheck::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::record_pk(&record.id), keys::RECORD_SK)))
            .condition_expression("attribute_exists(PK) AND version = :seen")
            .expression_attribute_values(":seen", AttributeValue::N(record.version.to_string()))
            .build()
            .expect("key, table and condition are set");
        vec![
            TransactWriteItem::builder().condition_check(unchanged).build(),
            referrer_put(self.table_name(), target, record),
        ]
    }
}
