//! Large fixtures for tests and benches (the `seeding` feature, which no function's build
//! asks for): records written item for item as a create writes them (the record, its
//! number pointer, unique sentinels, index entries, referrer items and change events), but
//! with BatchWriteItem and no conditions, 25 items a call, and one `ADD ref_count` per
//! referenced record for all the seeded records that reference it. What those tests measure is not the
//! write path, which costs a transaction a record.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use super::history::EndedValues;
use super::records::{new_record, Actor, ItemPurpose, RecordValues};
use super::{key, keys, Item, Store, StoreError, BATCH_CONCURRENCY};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::Table;

impl Store {
    /// Writes new records of `table` holding `values`, numbered from the table's counter,
    /// without checking them: the caller seeds values a create would take (a referenced
    /// record must exist).
    pub async fn seed_records(
        &self,
        org: OrgId,
        table: &Table,
        values: &[RecordValues<'_>],
        actor: Actor<'_>,
    ) -> Result<Vec<Record>, StoreError> {
        use futures_util::{StreamExt, TryStreamExt};
        let mut records: Vec<Record> = values.iter().map(|v| new_record(org, table, v, actor)).collect();
        self.number_in_order(&table.id, &mut records).await?;
        let mut items: Vec<Item> = Vec::new();
        let mut referenced: BTreeMap<String, u64> = BTreeMap::new();
        for record in &records {
            let (writes, purposes) =
                self.record_transaction(org, table, None, Some(record), &EndedValues::new(), actor);
            for (write, purpose) in writes.iter().zip(&purposes) {
                if let Some(put) = write.put() {
                    items.push(put.item().clone());
                } else if let ItemPurpose::Reference { target, .. } = purpose {
                    *referenced.entry(target.clone()).or_default() += 1;
                } else if matches!(purpose, ItemPurpose::Count) {
                    // Moved once a shard below, not once a record.
                } else if write.update().is_some() {
                    return Err(StoreError::unexpected("a seeded record's write updates an item"));
                }
            }
        }
        let chunks: Vec<Vec<WriteRequest>> = items
            .chunks(25)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|item| {
                        let put = PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .expect("item is set");
                        WriteRequest::builder().put_request(put).build()
                    })
                    .collect()
            })
            .collect();
        futures_util::stream::iter(chunks)
            .map(|chunk| async move { self.write_chunk(chunk).await })
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        self.count_new_records(&table.id, &records).await?;
        for (target, count) in referenced {
            self.update_counter(
                key(keys::record_pk(&target), keys::RECORD_SK),
                "ADD ref_count :n",
                vec![(":n", AttributeValue::N(count.to_string()))],
                "ref_count",
            )
            .await?
            .ok_or_else(|| StoreError::unexpected("a seeded record references a record that does not exist"))?;
        }
        Ok(records)
    }
}
