//! Attio's list entries: the records of a list's table (docs/data-model.md, "Attio's lists
//! and entries"). An entry's parent record is the reference its `parent_record` field (the
//! list's display field) holds, so the parent's referrer items (`store::referrers`) that
//! name a list's table are its entries: what an assert by parent and a record's entries
//! read, with no index of their own. A referrer item names every record that references
//! the parent, by any field, so each candidate is read and kept only if it is an entry
//! of that parent.

use std::collections::BTreeMap;

use futures_util::{StreamExt, TryStreamExt};

use super::referrers::ReferrerItem;
use super::{from_item, keys, Store, StoreError, BATCH_CONCURRENCY};
use crate::domain::list::parent_of;
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::Table;

impl Store {
    /// The entries of `list` whose parent record is `parent`, in the order they were made.
    pub async fn entries_of_parent(&self, org: OrgId, list: &Table, parent: &str) -> Result<Vec<Record>, StoreError> {
        let lists = BTreeMap::from([(list.id.clone(), list)]);
        Ok(self
            .entries_in(org, &lists, parent)
            .await?
            .into_iter()
            .map(|(_, entry)| entry)
            .collect())
    }

    /// Every entry whose parent record is `parent`, in any of the organization's lists:
    /// each with its list, in the order they were made.
    pub async fn entries_of_record(&self, org: OrgId, parent: &str) -> Result<Vec<(Table, Record)>, StoreError> {
        let tables = self.tables(org).await?;
        let lists: BTreeMap<String, &Table> = tables
            .iter()
            .filter(|t| t.is_list())
            .map(|t| (t.id.clone(), t))
            .collect();
        Ok(self
            .entries_in(org, &lists, parent)
            .await?
            .into_iter()
            .map(|(list, entry)| (list.clone(), entry))
            .collect())
    }

    /// The entries of `lists` (by table id) whose parent is `parent`: the parent's
    /// referrers in those tables, read, and kept if their parent record is `parent`.
    async fn entries_in<'l>(
        &self,
        org: OrgId,
        lists: &BTreeMap<String, &'l Table>,
        parent: &str,
    ) -> Result<Vec<(&'l Table, Record)>, StoreError> {
        let mut candidates: Vec<String> = Vec::new();
        for item in self
            .query_prefix(&keys::record_pk(parent), keys::REFERRER_PREFIX)
            .await?
        {
            let referrer: ReferrerItem = from_item(item)?;
            if referrer
                .referrer_table_id
                .as_ref()
                .is_some_and(|t| lists.contains_key(t))
            {
                candidates.push(referrer.referrer_id);
            }
        }
        let found: Vec<Option<Record>> = futures_util::stream::iter(candidates)
            .map(|id| async move { self.record_in_org(org, &id).await })
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect()
            .await?;
        let mut entries: Vec<(&Table, Record)> = found
            .into_iter()
            .flatten()
            .filter_map(|entry| lists.get(&entry.table_id).map(|list| (*list, entry)))
            .filter(|(list, entry)| parent_of(list, entry) == Some(parent))
            .collect();
        entries.sort_by(|(_, a), (_, b)| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(entries)
    }
}
