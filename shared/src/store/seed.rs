//! Large fixtures for tests and benches (the `seeding` feature, which no function's build
//! asks for): records written item for item as a create writes them (the record, its
//! number pointer, unique sentinels, index entries and change events), but with
//! BatchWriteItem and no conditions, 25 items a call. What those tests measure is not the
//! write path, which costs a transaction a record.

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};

use super::history::EndedValues;
use super::records::{new_record, Actor, ItemPurpose, RecordValues};
use super::{Item, Store, StoreError, BATCH_CONCURRENCY};
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::Table;

impl Store {
    /// Writes new records of `table` holding `values`, numbered from the table's counter,
    /// without checking them: the caller seeds values a create would take. A record that
    /// references another is refused (a reference moves a count, which is no put).
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
        for record in &records {
            let (writes, purposes) =
                self.record_transaction(org, table, None, Some(record), &EndedValues::new(), actor);
            for (write, purpose) in writes.iter().zip(&purposes) {
                if let Some(put) = write.put() {
                    items.push(put.item().clone());
                } else if matches!(purpose, ItemPurpose::Count) {
                    // Moved once a shard below, not once a record.
                } else if write.update().is_some() {
                    return Err(StoreError::unexpected("a seeded record may not reference another"));
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
        Ok(records)
    }
}
