//! Deleting an object (`DELETE /v2/objects/{object}`): only an empty one. A table with
//! records is refused rather than purged, so that no record, note, task link, entry or
//! reference is lost by a call that names only the object; the caller deletes the records
//! first (each delete takes what belongs to its record).
//!
//! One transaction deletes the table item, its head (so that no record write can land after:
//! each checks the head's revision), its `record_prefix` and `api_slug` sentinels (free again
//! at once) and its count, under three conditions: the table and its head are at the
//! revision read (no definition changed meanwhile), and every count shard is zero (no record
//! was made meanwhile). Then the table's search items are deleted: with the head gone, the
//! indexer writes none any more (each indexing checks it).

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{delete, key};
use super::{failed_condition, keys, Store, StoreError, TransactFailure};
use crate::domain::organization::OrgId;
use crate::domain::table::Table;

/// What a delete of an object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectDelete {
    Deleted,
    /// The table holds records: nothing was deleted.
    HasRecords,
    /// The table's definition changed since it was read: nothing was deleted.
    Changed,
}

/// The count shards come after the table, head, two sentinels and count base.
const FIRST_SHARD: usize = 5;

impl Store {
    /// Deletes `table` of `org` if it holds no record (see the module's doc).
    pub async fn delete_empty_table(&self, org: OrgId, table: &Table) -> Result<ObjectDelete, StoreError> {
        // A record made before counts existed moved no shard: GSI1 lists it.
        if self.any_record_listed(&table.id).await? {
            return Ok(ObjectDelete::HasRecords);
        }
        let name = self.table_name();
        let revision = || vec![(":revision", AttributeValue::N(table.revision.to_string()))];
        let own = || vec![(":id", AttributeValue::S(table.id.clone()))];
        let mut items = vec![
            delete(
                name,
                key(keys::org_pk(org), &keys::table_sk(&table.id)),
                Some(("revision = :revision", revision())),
            ),
            delete(
                name,
                key(keys::table_head_pk(&table.id), keys::TABLE_HEAD_SK),
                Some(("revision = :revision", revision())),
            ),
            delete(
                name,
                key(keys::org_pk(org), &keys::table_prefix_sk(&table.record_prefix)),
                Some(("table_id = :id", own())),
            ),
            delete(
                name,
                key(keys::org_pk(org), &keys::table_slug_sk(&table.api_slug)),
                Some(("table_id = :id", own())),
            ),
            delete(
                name,
                key(keys::table_count_pk(&table.id), keys::TABLE_COUNT_BASE_SK),
                None,
            ),
        ];
        debug_assert_eq!(items.len(), FIRST_SHARD);
        for digit in "0123456789abcdef".chars() {
            let shard = keys::table_count_shard_sk(&digit.to_string());
            items.push(delete(
                name,
                key(keys::table_count_pk(&table.id), &shard),
                Some((
                    "attribute_not_exists(n) OR n = :zero",
                    vec![(":zero", AttributeValue::N("0".into()))],
                )),
            ));
        }
        match self.transact(items).await {
            Ok(()) => {}
            Err(TransactFailure::Cancelled(reasons)) => {
                return Ok(match failed_condition(&reasons) {
                    Some(at) if at >= FIRST_SHARD => ObjectDelete::HasRecords,
                    _ => ObjectDelete::Changed,
                })
            }
            Err(TransactFailure::Store(e)) => return Err(e),
        }
        self.forget_table(&table.id);
        loop {
            let left = self.search_keys(&table.id, 1000).await?;
            if left.is_empty() {
                break;
            }
            self.batch_delete(left).await?;
        }
        Ok(ObjectDelete::Deleted)
    }

    /// Whether GSI1 lists any record of the table.
    async fn any_record_listed(&self, table_id: &str) -> Result<bool, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table_name())
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::table_records_gsi1pk(table_id)))
            .limit(1)
            .send()
            .await
            .map_err(super::sdk_error)?;
        Ok(out.count() > 0)
    }
}
