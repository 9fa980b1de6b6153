//! Who references a record: the reverse index of references.
//!
//! Every reference a record write makes puts a referrer item in the referenced record's
//! partition (`REFBY#<referrer id>`: one per referencing record, however many of its
//! values name the target), in the transaction that moves the target's `ref_count`; the
//! write that releases the reference deletes it. A Query of the partition's `REFBY#` keys
//! is then exactly the records that reference it: what a referenced record's delete reads
//! (`store::unlink`).

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::item::{key, put, ItemKeys};
use super::{from_item, keys, Store, StoreError};
use crate::domain::record::Record;

/// A referencing record, as its target's partition names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferrerItem {
    pub referrer_id: String,
    /// The referencing record's table, so that a record's entries (the referrers in list
    /// tables) are told from its other referrers without reading them. Items written
    /// before it have none: none of them is an entry, all entries being younger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_table_id: Option<String>,
}

/// The put of `referrer`'s item in `target`'s partition, for the transaction that makes
/// the reference.
pub(crate) fn referrer_put(table: &str, target: &str, referrer: &Record) -> TransactWriteItem {
    let item = ItemKeys::new(keys::record_pk(target), keys::referrer_sk(&referrer.id)).item(&ReferrerItem {
        referrer_id: referrer.id.clone(),
        referrer_table_id: Some(referrer.table_id.clone()),
    });
    put(table, item, None)
}

/// The delete of `referrer`'s item in `target`'s partition, for the transaction that
/// releases the reference (a reference made before referrer items existed has none: the
/// delete is unconditional).
pub(crate) fn referrer_delete(table: &str, target: &str, referrer: &str) -> TransactWriteItem {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key(keys::record_pk(target), &keys::referrer_sk(referrer))))
        .build()
        .expect("key and table are set");
    TransactWriteItem::builder().delete(delete).build()
}

impl Store {
    /// The ids of up to `max` records that reference `record_id`, by id: one Query of its
    /// referrer items.
    pub async fn referrer_ids(&self, record_id: &str, max: usize) -> Result<Vec<String>, StoreError> {
        self.query_prefix_first(&keys::record_pk(record_id), keys::REFERRER_PREFIX, max)
            .await?
            .into_iter()
            .map(|item| Ok(from_item::<ReferrerItem>(item)?.referrer_id))
            .collect()
    }
}
