//! The purge of a deleted organization, one bounded step at a time (see `crate::purge`).
//!
//! Order, which makes it converge under concurrent writes: with the organization item gone,
//! no table, team, member or key can be created in it (each create checks the organization
//! in its transaction). Each step first deletes its tables' heads (the fence: every record
//! write checks its table's head, so none lands after). Then the records of its tables,
//! found through GSI1, with their history, number pointers, sentinels and index entries.
//! GSI1 is eventually consistent: only once it has shown no record for [`SETTLE`] does the
//! purge go on to the organization's partition (tables, members, teams, sentinels) and its
//! users' membership items, then delete the marker. Users themselves stay: they are
//! platform-wide.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::item::ItemKeys;
use super::keys::{self, SK};
use super::{from_item, key, Item, Store, StoreError};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::Table;
use crate::domain::user::Member;
use crate::time::Timestamp;

/// How long GSI1 must show no record of the organization's tables before its partition
/// goes: longer than the index's propagation delay, which is well under a second.
pub const SETTLE: Duration = Duration::from_secs(2);

/// A purge in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurgeMarker {
    pub org_id: u64,
    pub requested_at: String,
    /// Steps run so far, and the items they deleted.
    #[serde(default)]
    pub steps: u64,
    #[serde(default)]
    pub deleted: u64,
    /// When a step first found no record left (milliseconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_since: Option<u64>,
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeStep {
    /// It deleted `deleted` items, and touched the marker for the next step.
    More { deleted: usize },
    /// Nothing is left, and the marker is gone (or was already).
    Done,
}

/// The marker a deleted organization's purge starts from.
pub(crate) fn marker_item(org: OrgId) -> Item {
    ItemKeys::new(keys::purge_pk(org), keys::PURGE_SK).item(&PurgeMarker {
        org_id: org.0,
        requested_at: Timestamp::now().nanos(),
        steps: 0,
        deleted: 0,
        quiet_since: None,
    })
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Store {
    /// One step of `org`'s purge, deleting at most about `max` items.
    pub async fn purge_step(&self, org: OrgId, max: usize) -> Result<PurgeStep, StoreError> {
        let Some(marker) = self.purge_marker(org).await? else {
            return Ok(PurgeStep::Done);
        };
        let tables = self.tables_left(org).await?;
        // The heads first: without its head a table takes no record write (the revision
        // check fails), so its count moves no more once they are gone.
        let heads = tables
            .keys()
            .map(|id| key(keys::table_head_pk(id), keys::TABLE_HEAD_SK))
            .collect();
        self.batch_delete(heads).await?;
        let mut counts = Vec::new();
        for id in tables.keys() {
            counts.extend(self.count_keys(id).await?);
        }
        self.batch_delete(counts).await?;
        let records = self.records_left(&tables, max).await?;
        if !records.is_empty() {
            return self.step_done(org, records, None).await;
        }
        // Record search's items: none is written once the heads are gone (each indexing
        // checks its table's head), so what is read here is all there will be.
        let mut search = Vec::new();
        for id in tables.keys() {
            search.extend(self.search_keys(id, max.saturating_sub(search.len())).await?);
        }
        if !search.is_empty() {
            return self.step_done(org, search, marker.quiet_since).await;
        }
        let now = now_millis();
        let settled_at = marker.quiet_since.map(|since| since + SETTLE.as_millis() as u64);
        match settled_at {
            None => return self.step_done(org, Vec::new(), Some(now)).await,
            Some(at) if at > now => {
                tokio::time::sleep(Duration::from_millis(at - now)).await;
                let records = self.records_left(&tables, max).await?;
                if !records.is_empty() {
                    return self.step_done(org, records, None).await;
                }
            }
            Some(_) => {}
        }
        let rest = self.partition_left(org, max).await?;
        if rest.len() >= max {
            return self.step_done(org, rest, marker.quiet_since).await;
        }
        self.batch_delete(rest).await?;
        self.client()
            .delete_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::purge_pk(org), keys::PURGE_SK)))
            .send()
            .await
            .map_err(super::sdk_error)?;
        Ok(PurgeStep::Done)
    }

    /// The purge marker of `org`, while its purge has not finished (strongly consistent).
    pub async fn purge_marker(&self, org: OrgId) -> Result<Option<PurgeMarker>, StoreError> {
        self.get(keys::purge_pk(org), keys::PURGE_SK)
            .await?
            .map(from_item)
            .transpose()
    }

    /// Deletes `doomed`, then touches the marker (a stream MODIFY: the next step), unless
    /// the purge finished meanwhile.
    async fn step_done(
        &self,
        org: OrgId,
        doomed: Vec<Item>,
        quiet_since: Option<u64>,
    ) -> Result<PurgeStep, StoreError> {
        let deleted = doomed.len();
        self.batch_delete(doomed).await?;
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::purge_pk(org), keys::PURGE_SK)))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":n", AttributeValue::N(deleted.to_string()));
        update = match quiet_since {
            Some(since) => update
                .update_expression("ADD steps :one, deleted :n SET quiet_since = :since")
                .expression_attribute_values(":since", AttributeValue::N(since.to_string())),
            None => update.update_expression("ADD steps :one, deleted :n REMOVE quiet_since"),
        };
        match update.send().await {
            Ok(_) => Ok(PurgeStep::More { deleted }),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(PurgeStep::Done)
            }
            Err(err) => Err(super::sdk_error(err)),
        }
    }

    /// The organization's tables (a strongly consistent read of its partition: with the
    /// organization gone, no table can be added).
    async fn tables_left(&self, org: OrgId) -> Result<BTreeMap<String, Table>, StoreError> {
        self.query_prefix(&keys::org_pk(org), keys::TABLE_PREFIX)
            .await?
            .into_iter()
            .map(|item| from_item::<Table>(item).map(|t| (t.id.clone(), t)))
            .collect()
    }

    /// The keys of up to about `max` items of the tables' records: each record with its
    /// history, number pointer, unique sentinels and index entries.
    async fn records_left(&self, tables: &BTreeMap<String, Table>, max: usize) -> Result<Vec<Item>, StoreError> {
        let mut doomed: Vec<Item> = Vec::new();
        for table in tables.values() {
            let mut records: Vec<Record> = Vec::new();
            let mut budget = super::index::ScanBudget::new(usize::MAX);
            self.visit_records(table, None, &mut budget, 1000, |record| {
                records.push(record);
                records.len() * 4 < max
            })
            .await?;
            let keys: Vec<Vec<Item>> = futures_util::stream::iter(records)
                .map(|listed| async move { self.record_keys_as_stored(table, &listed).await })
                .buffered(super::BATCH_CONCURRENCY)
                .try_collect()
                .await?;
            doomed.extend(keys.into_iter().flatten());
            if doomed.len() >= max {
                break;
            }
        }
        Ok(doomed)
    }

    /// The keys of a record's items, from a strongly consistent read of its own partition:
    /// GSI1's copy (`listed`) may be older than the record, and a value written just before
    /// the fence would otherwise leave its sentinel or index entry behind. Its history items
    /// are all of the partition but the record. A record already gone took its items with it.
    async fn record_keys_as_stored(&self, table: &Table, listed: &Record) -> Result<Vec<Item>, StoreError> {
        let mut doomed = Vec::new();
        for item in self.query_partition(&keys::record_pk(&listed.id)).await? {
            let is_record = matches!(item.get(SK), Some(AttributeValue::S(sk)) if sk == keys::RECORD_SK);
            if is_record {
                let record: Record = from_item(item)?;
                doomed.extend(super::records::record_item_keys(table, &record));
            } else {
                doomed.push(super::key_of(item));
            }
        }
        Ok(doomed)
    }

    /// The keys of up to `max` items of the organization's partition, and of the users'
    /// membership items its member items name.
    async fn partition_left(&self, org: OrgId, max: usize) -> Result<Vec<Item>, StoreError> {
        let mut doomed: Vec<Item> = Vec::new();
        for item in self.query_partition(&keys::org_pk(org)).await? {
            let Some(AttributeValue::S(sk)) = item.get(SK) else {
                continue;
            };
            if sk.starts_with(keys::MEMBER_PREFIX) {
                let member: Member = from_item(item.clone())?;
                let user_pk = keys::stored_user_pk(&member.external_id);
                doomed.push(key(user_pk.clone(), &keys::membership_sk(org)));
                doomed.push(key(user_pk, &keys::embed_sk(org)));
            }
            doomed.push(key(keys::org_pk(org), sk));
            if doomed.len() >= max {
                break;
            }
        }
        // Memberships first: a step cut short leaves members that still name them.
        doomed.sort_by_key(|k| {
            k.get(keys::PK)
                .and_then(|v| v.as_s().ok())
                .is_some_and(|pk| pk.starts_with("ORG#"))
        });
        Ok(doomed)
    }
}
