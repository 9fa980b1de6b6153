//! How many records each table holds, kept by the writes that make and remove records, so
//! that a list's `total` costs one small Query and not a read of every record.
//!
//! A table's count lives in a partition of its own (`TABLECOUNT#<table>`): a base item put
//! in the table's create transaction, and up to 16 shards, each moved by `ADD n` in the
//! transaction of every create, restore and delete of a record whose id starts with that
//! shard's hex digit. Shards spread concurrent writes (a bulk create's) over 16 items, so
//! their transactions seldom conflict on one. The count is the sum of the shards, read
//! strongly consistent: it includes every acknowledged write. A table made before counts
//! existed has no base item; [`Store::record_count`] then says it does not know, and the
//! caller counts by reading, as it did before.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::item::{from_item, key, put, Item, ItemKeys, NEW_ITEM};
use super::keys;
use super::{Store, StoreError};

/// The base item of a table's count: its presence says the count started with the table.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CountBase {
    table_id: String,
}

/// One shard of a table's count.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CountShard {
    #[serde(default)]
    n: i64,
}

/// The put of a new table's count base, for its create transaction.
pub(super) fn count_base_put(table_name: &str, table_id: &str) -> TransactWriteItem {
    let item = ItemKeys::new(keys::table_count_pk(table_id), keys::TABLE_COUNT_BASE_SK).item(&CountBase {
        table_id: table_id.to_string(),
    });
    put(table_name, item, Some(NEW_ITEM))
}

/// The move of `record_id`'s shard by `delta` (1 for a record made or restored, -1 for
/// one deleted), for the record write's transaction. Unconditional: the record's own item
/// carries the write's condition, and the transaction moves both or neither.
pub(super) fn count_update(table_name: &str, table_id: &str, record_id: &str, delta: i64) -> TransactWriteItem {
    shard_update(table_name, table_id, &keys::table_count_shard_sk(record_id), delta)
}

/// The move of one shard of a table's count by `delta`.
fn shard_update(table_name: &str, table_id: &str, shard_sk: &str, delta: i64) -> TransactWriteItem {
    let update = Update::builder()
        .table_name(table_name)
        .set_key(Some(key(keys::table_count_pk(table_id), shard_sk)))
        .update_expression("ADD n :delta")
        .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
        .build()
        .expect("key, table and expression are set");
    TransactWriteItem::builder().update(update).build()
}

/// A table's count as its partition's items hold it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCount {
    /// Whether the base item is there (the count started with the table).
    pub based: bool,
    /// The sum of the shards.
    pub total: i64,
}

impl StoredCount {
    /// Adds one item of the count's partition (its sort key says which kind).
    pub fn add(&mut self, sk: &str, item: Item) -> Result<(), StoreError> {
        if sk == keys::TABLE_COUNT_BASE_SK {
            self.based = true;
        } else {
            self.total += from_item::<CountShard>(item)?.n;
        }
        Ok(())
    }

    /// The count, if it started with the table (and so holds every record).
    pub fn known(self) -> Option<u64> {
        self.based.then(|| self.total.max(0) as u64)
    }
}

impl Store {
    /// How many records `table_id` holds, from its count (one strongly consistent Query of
    /// at most 17 small items); `None` for a table made before counts were kept.
    pub async fn record_count(&self, table_id: &str) -> Result<Option<u64>, StoreError> {
        let mut count = StoredCount::default();
        for item in self.query_partition(&keys::table_count_pk(table_id)).await? {
            let sk = match item.get(keys::SK) {
                Some(AttributeValue::S(sk)) => sk.clone(),
                _ => continue,
            };
            count.add(&sk, item)?;
        }
        Ok(count.known())
    }

    /// Counts `records`, new records of `table_id` put without a transaction (the seeding
    /// of tests): each shard moved once by its records, the 16 in one transaction.
    #[cfg(feature = "seeding")]
    pub(super) async fn count_new_records(
        &self,
        table_id: &str,
        records: &[crate::domain::record::Record],
    ) -> Result<(), StoreError> {
        let mut shards: std::collections::BTreeMap<String, i64> = Default::default();
        for record in records {
            *shards.entry(keys::table_count_shard_sk(&record.id)).or_default() += 1;
        }
        if shards.is_empty() {
            return Ok(());
        }
        let moves = shards
            .iter()
            .map(|(shard_sk, moved)| shard_update(self.table_name(), table_id, shard_sk, *moved))
            .collect();
        self.transact(moves).await.map_err(|failure| match failure {
            super::TransactFailure::Store(e) => e,
            super::TransactFailure::Cancelled(reasons) => {
                StoreError::unexpected(format!("a count move was cancelled: {reasons:?}"))
            }
        })
    }

    /// The keys of a table's count items, for the purge.
    pub(super) async fn count_keys(&self, table_id: &str) -> Result<Vec<Item>, StoreError> {
        Ok(self
            .query_partition(&keys::table_count_pk(table_id))
            .await?
            .into_iter()
            .map(super::item::key_of)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(n: i64) -> Item {
        Item::from([("n".to_string(), AttributeValue::N(n.to_string()))])
    }

    #[test]
    fn a_count_is_known_only_with_its_base() {
        type Items<'a> = &'a [(&'a str, i64)];
        let cases: [(Items, Option<u64>); 4] = [
            (&[], None),
            (&[("N#a", 3)], None),
            (&[("BASE", 0)], Some(0)),
            (&[("BASE", 0), ("N#a", 3), ("N#0", -1), ("N#f", 2)], Some(4)),
        ];
        for (items, expected) in cases {
            let mut count = StoredCount::default();
            for (sk, n) in items {
                count.add(sk, shard(*n)).unwrap();
            }
            assert_eq!(count.known(), expected, "{items:?}");
        }
    }

    #[test]
    fn records_spread_over_sixteen_shards_by_their_first_digit() {
        let shards: std::collections::BTreeSet<String> = (0..200)
            .map(|_| keys::table_count_shard_sk(&uuid::Uuid::new_v4().to_string()))
            .collect();
        assert_eq!(shards.len(), 16, "{shards:?}");
    }
}
