//! Tasks (`domain::task`): each an item in its organization's partition (`ORG#<org>`,
//! `TASK#<task>`; task ids are UUIDv7, so a prefix Query lists them in the order made),
//! holding its links (record id → table id) and assignees (user ids). Each link also has an
//! item in the linked record's partition (`REC#<record>`, `TASK#<task>`), so a record's
//! tasks are one Query, and a record's delete finds the tasks that link to it.
//!
//! A write is one transaction: the task (a change conditional on the version it read),
//! the link items it adds or removes, a check that each record it links to exists in its
//! table and organization, a check that each member it newly assigns is a member, and its
//! `task.*` event. A record's delete then removes its link items and takes the record out
//! of each task's links (as its notes go after it: `Store::delete_with`).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::events::events_put;
use super::item::{from_item, key, put, s, Item, ItemKeys, NEW_ITEM};
use super::records::Actor;
use super::{keys, Store, StoreError, TransactFailure};
use crate::domain::event::task_event;
use crate::domain::organization::OrgId;
use crate::domain::webhook::EventType;

/// The most tasks a filtered or re-sorted list reads (past it: 400, narrow the list).
pub const MAX_TASKS_READ: usize = 10_000;

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub task_id: String,
    pub org_id: u64,
    pub content: String,
    /// Attio's nanosecond timestamp, or none.
    pub deadline_at: Option<String>,
    pub is_completed: bool,
    pub completed_at: Option<String>,
    /// The linked records: record id → its table's id.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
    /// The assigned members' user ids, in the order given.
    #[serde(default)]
    pub assignees: Vec<u64>,
    pub created_at: String,
    /// The API key that made it.
    pub created_by: String,
    /// Bumped by every change; a change is conditional on the version it read.
    pub version: u64,
}

/// A task's link, in the linked record's partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskLink {
    pub task_id: String,
    pub org_id: u64,
}

/// Why a task write was refused, by which of its checks failed.
#[derive(Debug)]
pub enum TaskRefused {
    /// A linked record is not (or no longer) a record of its table here.
    MissingRecord(String),
    /// An assignee is not (or no longer) a member.
    NotMember(u64),
    /// The task changed (or went) since it was read.
    Changed,
    Store(StoreError),
}

/// What each item of a task's transaction checks, to explain a cancellation: a linked
/// record, an assignee, or nothing a caller is told of by name (the task's own condition
/// fails as [`TaskRefused::Changed`]).
enum Checked {
    Record(String),
    Member(u64),
    Other,
}

impl Store {
    /// Stores a new task; every link and assignee is checked in the same transaction.
    pub async fn create_task(&self, org: OrgId, task: &Task, actor: Actor<'_>) -> Result<(), TaskRefused> {
        let mut tx = vec![(
            put(self.table_name(), task_item(org, task), Some(NEW_ITEM)),
            Checked::Other,
        )];
        self.link_changes(org, task, &BTreeMap::new(), &task.links, &mut tx);
        for user in &task.assignees {
            tx.push((self.member_check(org, *user), Checked::Member(*user)));
        }
        self.run_task_transaction(org, task, EventType::TaskCreated, actor, tx)
            .await
    }

    /// Replaces `before` (as read) with `after`, at the version after `before`'s:
    /// [`TaskRefused::Changed`] if the task changed meanwhile.
    pub async fn update_task(
        &self,
        org: OrgId,
        before: &Task,
        after: &Task,
        actor: Actor<'_>,
    ) -> Result<(), TaskRefused> {
        let mut item = task_item(org, after);
        item.insert("version".into(), AttributeValue::N((before.version + 1).to_string()));
        let replace = Put::builder()
            .table_name(self.table_name())
            .set_item(Some(item))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(before.version.to_string()))
            .build()
            .expect("table and item are set");
        let mut tx = vec![(TransactWriteItem::builder().put(replace).build(), Checked::Other)];
        self.link_changes(org, after, &before.links, &after.links, &mut tx);
        for user in after.assignees.iter().filter(|u| !before.assignees.contains(u)) {
            tx.push((self.member_check(org, *user), Checked::Member(*user)));
        }
        self.run_task_transaction(org, after, EventType::TaskUpdated, actor, tx)
            .await
    }

    /// Deletes a task with its link items.
    pub async fn delete_task(&self, org: OrgId, task: &Task, actor: Actor<'_>) -> Result<(), TaskRefused> {
        let mut tx = vec![(
            delete_existing(self.table_name(), keys::org_pk(org), &keys::task_sk(&task.task_id)),
            Checked::Other,
        )];
        self.link_changes(org, task, &task.links, &BTreeMap::new(), &mut tx);
        self.run_task_transaction(org, task, EventType::TaskDeleted, actor, tx)
            .await
    }

    /// The link items a change from `before` to `after` adds (each with its record's
    /// check) and removes.
    fn link_changes(
        &self,
        org: OrgId,
        task: &Task,
        before: &BTreeMap<String, String>,
        after: &BTreeMap<String, String>,
        tx: &mut Vec<(TransactWriteItem, Checked)>,
    ) {
        for (record_id, table_id) in after.iter().filter(|(r, _)| !before.contains_key(*r)) {
            let link = TaskLink {
                task_id: task.task_id.clone(),
                org_id: org.0,
            };
            let item = ItemKeys::new(keys::record_pk(record_id), keys::task_sk(&task.task_id)).item(&link);
            tx.push((put(self.table_name(), item, None), Checked::Other));
            let exists = ConditionCheck::builder()
                .table_name(self.table_name())
                .set_key(Some(key(keys::record_pk(record_id), keys::RECORD_SK)))
                .condition_expression("attribute_exists(PK) AND org_id = :org AND table_id = :table")
                .expression_attribute_values(":org", AttributeValue::N(org.0.to_string()))
                .expression_attribute_values(":table", s(table_id))
                .build()
                .expect("key, table and condition are set");
            tx.push((
                TransactWriteItem::builder().condition_check(exists).build(),
                Checked::Record(record_id.clone()),
            ));
        }
        for record_id in before.keys().filter(|r| !after.contains_key(*r)) {
            tx.push((
                delete_existing(
                    self.table_name(),
                    keys::record_pk(record_id),
                    &keys::task_sk(&task.task_id),
                ),
                Checked::Other,
            ));
        }
    }

    async fn run_task_transaction(
        &self,
        org: OrgId,
        task: &Task,
        event_type: EventType,
        actor: Actor<'_>,
        tx: Vec<(TransactWriteItem, Checked)>,
    ) -> Result<(), TaskRefused> {
        let (mut items, checked): (Vec<_>, Vec<_>) = tx.into_iter().unzip();
        let event = task_event(
            event_type,
            &org.workspace_id().to_string(),
            &task.task_id,
            &actor.event_actor(),
        );
        items.extend(events_put(self.table_name(), org, &[event], actor.now));
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(reasons)) => {
                let failed = super::failed_conditions(&reasons);
                let mut why = TaskRefused::Changed;
                for i in failed {
                    match checked.get(i) {
                        Some(Checked::Record(id)) => return Err(TaskRefused::MissingRecord(id.clone())),
                        Some(Checked::Member(user)) => why = TaskRefused::NotMember(*user),
                        _ => {}
                    }
                }
                Err(why)
            }
            Err(TransactFailure::Store(e)) => Err(TaskRefused::Store(e)),
        }
    }

    /// A task of `org` by id.
    pub async fn task(&self, org: OrgId, task_id: &str) -> Result<Option<Task>, StoreError> {
        self.get(keys::org_pk(org), &keys::task_sk(task_id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// The first `max` tasks of `org`, in the order made; `StoreError::TooBroad` when a
    /// caller that must read them all (a filter, another order) would read more than
    /// [`MAX_TASKS_READ`].
    pub async fn tasks(&self, org: OrgId, max: usize) -> Result<Vec<Task>, StoreError> {
        let items = self
            .query_prefix_first(&keys::org_pk(org), keys::TASK_PREFIX, max.min(MAX_TASKS_READ + 1))
            .await?;
        if max > MAX_TASKS_READ && items.len() > MAX_TASKS_READ {
            return Err(StoreError::TooBroad { limit: MAX_TASKS_READ });
        }
        items.into_iter().map(from_item).collect()
    }

    /// The tasks of `org` that link to the record `record_id`, in the order made.
    pub async fn record_tasks(&self, org: OrgId, record_id: &str) -> Result<Vec<Task>, StoreError> {
        let links: Vec<TaskLink> = self
            .query_prefix(&keys::record_pk(record_id), keys::TASK_PREFIX)
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        let wanted: Vec<Item> = links
            .iter()
            .filter(|l| l.org_id == org.0)
            .map(|l| key(keys::org_pk(org), &keys::task_sk(&l.task_id)))
            .collect();
        let mut tasks: Vec<Task> = self
            .batch_get_items(wanted, true)
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        tasks.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        Ok(tasks)
    }

    /// After a record's delete: each task that linked to it loses the link, and the link
    /// items go. Strongly consistent, so a link whose create succeeded is found (a create
    /// after the delete fails its record check).
    pub(super) async fn unlink_deleted_record(&self, record_id: &str) -> Result<Vec<Item>, StoreError> {
        let mut doomed = Vec::new();
        for item in self
            .query_prefix(&keys::record_pk(record_id), keys::TASK_PREFIX)
            .await?
        {
            let link: TaskLink = from_item(item)?;
            let unlink = self
                .client()
                .update_item()
                .table_name(self.table_name())
                .set_key(Some(key(
                    keys::org_pk(OrgId(link.org_id)),
                    &keys::task_sk(&link.task_id),
                )))
                .update_expression("REMOVE links.#record ADD version :one")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_names("#record", record_id)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .send()
                .await;
            match unlink {
                Ok(_) => {}
                // The task was deleted meanwhile (its delete took the link item too).
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(super::error::sdk_error(e)),
            }
            doomed.push(key(keys::record_pk(record_id), &keys::task_sk(&link.task_id)));
        }
        Ok(doomed)
    }
}

/// A transaction's delete of an item that must exist.
fn delete_existing(table: &str, pk: String, sk: &str) -> TransactWriteItem {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("key and table are set");
    TransactWriteItem::builder().delete(delete).build()
}

fn task_item(org: OrgId, task: &Task) -> Item {
    ItemKeys::new(keys::org_pk(org), keys::task_sk(&task.task_id)).item(task)
}
