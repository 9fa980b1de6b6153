//! Record search's items (docs/data-model.md, "Record search"): one partition per table,
//! `SRCH#<table_id>`, holding a term item per term of each record (`T#<hex of the
//! term>.<record_id>`, `store::keys`), so that a search is one `BETWEEN` Query, and a doc per
//! record (`D#<record_id>`) naming the terms it is indexed under.
//!
//! They are kept off the write path: [`Store::index_record`] is called for each record a
//! change event names (`crate::search_index`, on the table's stream) and reads the record
//! as it is then, so a late or repeated event changes nothing. A search reads each
//! candidate record and keeps it only if its index term is one of its terms now: a stale
//! term costs a read, never a wrong answer.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::item::{delete, key, put, ItemKeys, NEW_ITEM};
use super::records::RecordRef;
use super::{failed_condition, from_item, keys, sdk_error, Item, Store, StoreError, TransactFailure};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::search;
use crate::domain::table::{Table, TableRef};

/// How often one record's indexing is tried when another indexing of it lands meanwhile.
const ATTEMPTS: usize = 6;
/// At most this many pages of terms a search reads of one object, each of twice the
/// limit: stale terms past that make an answer shorter, never wrong.
const MAX_PAGES: usize = 4;

/// A record's doc: the terms it is indexed under, and a counter each indexing moves, on
/// which the next one is conditional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchDoc {
    pub org_id: u64,
    pub table_id: String,
    pub record_id: String,
    pub terms: Vec<String>,
    /// The record's version the terms came from (for people reading the table).
    pub version: u64,
    pub seq: u64,
}

/// One term item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TermItem {
    pub term: String,
    pub record_id: String,
}

/// What indexing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexed {
    /// Its items changed to its terms now.
    Written,
    /// Its items were its terms already.
    Unchanged,
    /// Its table is gone (its organization is being purged): nothing is written.
    TableGone,
}

/// A record to index: its organization, table id and id.
pub type NamedRecord = (u64, String, String);

/// A record a search found, with the term it was found by.
#[derive(Debug, Clone)]
pub struct Found {
    pub term: String,
    pub record: Record,
}

fn doc_key(table_id: &str, record_id: &str) -> Item {
    key(keys::search_pk(table_id), &keys::search_doc_sk(record_id))
}

fn term_key(table_id: &str, term: &str, record_id: &str) -> Item {
    key(keys::search_pk(table_id), &keys::search_term_sk(term, record_id))
}

impl Store {
    /// Indexes each record named (organization, table id, record id), 8 at a time; a
    /// record of a table gone is [`Indexed::TableGone`]. What the stream's indexer and the
    /// backfill run.
    pub async fn index_records(
        &self,
        named: impl IntoIterator<Item = NamedRecord>,
    ) -> Result<Vec<Indexed>, StoreError> {
        use futures_util::{StreamExt, TryStreamExt};
        futures_util::stream::iter(named)
            .map(|(org, table_id, record_id)| async move {
                match self.table_cached(OrgId(org), &TableRef::Id(table_id)).await? {
                    Some((table, _)) => self.index_record(&table, &record_id).await,
                    None => Ok(Indexed::TableGone),
                }
            })
            .buffer_unordered(super::BATCH_CONCURRENCY)
            .try_collect()
            .await
    }

    /// Brings `record_id`'s search items to its terms now (none once it is gone). Safe to
    /// call any number of times, in any order, concurrently: each write is conditional on
    /// the doc as read, and on the table's head (none lands once a purge has begun).
    pub async fn index_record(&self, table: &Table, record_id: &str) -> Result<Indexed, StoreError> {
        for _ in 0..ATTEMPTS {
            let doc: Option<SearchDoc> = self
                .get(keys::search_pk(&table.id), &keys::search_doc_sk(record_id))
                .await?
                .map(from_item)
                .transpose()?;
            let record = self
                .record(OrgId(table.org_id), table, &RecordRef::Id(record_id.to_string()))
                .await?;
            let terms = record.as_ref().map(|r| search::terms(table, r)).unwrap_or_default();
            let old = doc.as_ref().map(|d| d.terms.clone()).unwrap_or_default();
            if old == terms {
                return Ok(Indexed::Unchanged);
            }
            let items = self.index_items(table, record_id, doc.as_ref(), record.as_ref(), &terms);
            match self.transact(items).await {
                Ok(()) => return Ok(Indexed::Written),
                Err(TransactFailure::Cancelled(reasons)) if failed_condition(&reasons) == Some(0) => {
                    return Ok(Indexed::TableGone)
                }
                Err(TransactFailure::Cancelled(_)) => continue,
                Err(TransactFailure::Store(e)) => return Err(e),
            }
        }
        Err(StoreError::Contended)
    }

    /// The transaction that moves a record's items from `doc` to `terms`: the head check
    /// first, then the doc, then the terms gone and the terms new.
    fn index_items(
        &self,
        table: &Table,
        record_id: &str,
        doc: Option<&SearchDoc>,
        record: Option<&Record>,
        terms: &[String],
    ) -> Vec<TransactWriteItem> {
        let name = self.table_name();
        let head = ConditionCheck::builder()
            .table_name(name)
            .set_key(Some(key(keys::table_head_pk(&table.id), keys::TABLE_HEAD_SK)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("key, table and condition are set");
        let mut items = vec![TransactWriteItem::builder().condition_check(head).build()];
        let seq = doc.map_or(0, |d| d.seq);
        let as_read = ("seq = :seq", AttributeValue::N(seq.to_string()));
        if terms.is_empty() {
            let condition = (as_read.0, vec![(":seq", as_read.1)]);
            items.push(delete(name, doc_key(&table.id, record_id), Some(condition)));
        } else {
            let new_doc = SearchDoc {
                org_id: table.org_id,
                table_id: table.id.clone(),
                record_id: record_id.to_string(),
                terms: terms.to_vec(),
                version: record.map_or(0, |r| r.version),
                seq: seq + 1,
            };
            let item = ItemKeys::new(keys::search_pk(&table.id), keys::search_doc_sk(record_id)).item(&new_doc);
            let doc_put = match doc {
                None => put(name, item, Some(NEW_ITEM)),
                Some(_) => {
                    let put = aws_sdk_dynamodb::types::Put::builder()
                        .table_name(name)
                        .set_item(Some(item))
                        .condition_expression(as_read.0)
                        .expression_attribute_values(":seq", as_read.1)
                        .build()
                        .expect("item, table and condition are set");
                    TransactWriteItem::builder().put(put).build()
                }
            };
            items.push(doc_put);
        }
        let old: BTreeSet<&String> = doc.map(|d| d.terms.iter().collect()).unwrap_or_default();
        let new: BTreeSet<&String> = terms.iter().collect();
        for gone in old.difference(&new) {
            items.push(delete(name, term_key(&table.id, gone, record_id), None));
        }
        for added in new.difference(&old) {
            let term = TermItem {
                term: (*added).clone(),
                record_id: record_id.to_string(),
            };
            let item = ItemKeys::new(keys::search_pk(&table.id), keys::search_term_sk(added, record_id)).item(&term);
            items.push(put(name, item, None));
        }
        items
    }

    /// Up to `limit` records of `table` that `query` (normalized) matches now, in the order
    /// of the terms they are found by.
    pub async fn search_table(&self, table: &Table, query: &str, limit: usize) -> Result<Vec<Found>, StoreError> {
        let mut found: Vec<Found> = Vec::new();
        let mut start: Option<Item> = None;
        for _ in 0..MAX_PAGES {
            let out = self
                .client()
                .query()
                .table_name(self.table_name())
                .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
                .expression_attribute_values(":pk", AttributeValue::S(keys::search_pk(&table.id)))
                .expression_attribute_values(":low", AttributeValue::S(keys::search_term_prefix(query)))
                .expression_attribute_values(":high", AttributeValue::S(keys::search_terms_end(query)))
                .limit(i32::try_from(limit * 2).unwrap_or(50))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk_error)?;
            let candidates: Vec<TermItem> = out.items().iter().cloned().map(from_item).collect::<Result<_, _>>()?;
            let records = self.candidate_records(table, &candidates, &found).await?;
            for candidate in candidates {
                let Some(record) = records.get(&candidate.record_id) else {
                    continue;
                };
                let taken = found.iter().any(|f| f.record.id == candidate.record_id);
                if !taken && search::terms(table, record).contains(&candidate.term) {
                    found.push(Found {
                        term: candidate.term,
                        record: record.clone(),
                    });
                    if found.len() == limit {
                        return Ok(found);
                    }
                }
            }
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => break,
            }
        }
        Ok(found)
    }

    /// The records the candidates name that are `table`'s, but those already found, read
    /// strongly consistent: a search answers records as they are now.
    async fn candidate_records(
        &self,
        table: &Table,
        candidates: &[TermItem],
        found: &[Found],
    ) -> Result<HashMap<String, Record>, StoreError> {
        let ids: BTreeSet<&str> = candidates
            .iter()
            .map(|c| c.record_id.as_str())
            .filter(|id| !found.iter().any(|f| f.record.id == *id))
            .collect();
        let mut records = self.records_by_id(ids.into_iter(), true).await?;
        records.retain(|_, r| r.table_id == table.id && r.org_id == table.org_id);
        Ok(records)
    }

    /// The keys of up to `max` search items of `table` (for the purge).
    pub(crate) async fn search_keys(&self, table_id: &str, max: usize) -> Result<Vec<Item>, StoreError> {
        let pk = keys::search_pk(table_id);
        let mut items = self.query_prefix_first(&pk, keys::SEARCH_TERM_PREFIX, max).await?;
        let room = max.saturating_sub(items.len());
        items.extend(self.query_prefix_first(&pk, keys::SEARCH_DOC_PREFIX, room).await?);
        Ok(items.into_iter().map(super::key_of).collect())
    }
}
