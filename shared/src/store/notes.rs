//! Notes (`domain::note`): each lives in its parent record's partition (`REC#<record>`,
//! `NOTE#<note>`), so a record's delete finds and removes its notes as it does its history,
//! from a strongly consistent read of the partition. A pointer with the same sort key in
//! the organization's partition finds a note by id and lists the organization's notes in
//! the order they were made (note ids are UUIDv7, whose first bits are the time).
//!
//! A create puts the note and its pointer in one transaction with a check that the parent
//! record exists in its table and organization, and its `note.created` event; a delete
//! takes both with its `note.deleted` event. A note made while its record is deleted
//! either fails its check or is in the partition when the delete reads it.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::events::events_put;
use super::item::{from_item, key, put, s, Item, ItemKeys, NEW_ITEM};
use super::records::Actor;
use super::{keys, Missing, Store, StoreError, TransactFailure};
use crate::domain::event::{note_event, EventParent};
use crate::domain::note::NoteContent;
use crate::domain::organization::OrgId;
use crate::domain::webhook::EventType;

/// A note as stored (and shown, with its parent object's slug).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub note_id: String,
    pub org_id: u64,
    /// The parent record's table.
    pub table_id: String,
    pub record_id: String,
    pub title: String,
    pub content_plaintext: String,
    pub content_markdown: String,
    pub created_at: String,
    /// The API key that made it.
    pub created_by: String,
}

/// A note's pointer in its organization's partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotePointer {
    pub note_id: String,
    pub record_id: String,
}

/// What a new note is: its parent (already found) and its parts.
pub struct NoteDraft<'a> {
    pub table_id: &'a str,
    pub record_id: &'a str,
    pub title: &'a str,
    pub content: &'a NoteContent,
    pub created_at: String,
}

impl Store {
    /// Stores a new note of a record of `org`. 404 if the record is not (or no longer) a
    /// record of its table in this organization.
    pub async fn create_note(&self, org: OrgId, draft: NoteDraft<'_>, actor: Actor<'_>) -> Result<Note, StoreError> {
        let note = Note {
            note_id: uuid::Uuid::now_v7().to_string(),
            org_id: org.0,
            table_id: draft.table_id.to_string(),
            record_id: draft.record_id.to_string(),
            title: draft.title.to_string(),
            content_plaintext: draft.content.plaintext.clone(),
            content_markdown: draft.content.markdown.clone(),
            created_at: draft.created_at,
            created_by: actor.key_id.to_string(),
        };
        let record_exists = ConditionCheck::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::record_pk(&note.record_id), keys::RECORD_SK)))
            .condition_expression("attribute_exists(PK) AND org_id = :org AND table_id = :table")
            .expression_attribute_values(":org", AttributeValue::N(org.0.to_string()))
            .expression_attribute_values(":table", s(&note.table_id))
            .build()
            .expect("key, table and condition are set");
        let mut items = vec![
            TransactWriteItem::builder().condition_check(record_exists).build(),
            put(self.table_name(), note_item(&note), Some(NEW_ITEM)),
            put(self.table_name(), pointer_item(org, &note), Some(NEW_ITEM)),
        ];
        items.extend(self.note_events(org, &note, EventType::NoteCreated, actor));
        match self.transact(items).await {
            Ok(()) => Ok(note),
            Err(TransactFailure::Cancelled(_)) => Err(Missing::Record {
                raw: note.record_id.clone(),
                object: note.table_id.clone(),
            }
            .into()),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// The change event of a note's create or delete, in that write's transaction.
    fn note_events(
        &self,
        org: OrgId,
        note: &Note,
        event_type: EventType,
        actor: Actor<'_>,
    ) -> Option<TransactWriteItem> {
        let parent = EventParent {
            object_id: note.table_id.clone(),
            record_id: note.record_id.clone(),
        };
        let event = note_event(
            event_type,
            &org.workspace_id().to_string(),
            &note.note_id,
            parent,
            &actor.event_actor(),
        );
        events_put(self.table_name(), org, &[event], actor.now)
    }

    /// A note of `org` by id; another organization's is not found.
    pub async fn note(&self, org: OrgId, note_id: &str) -> Result<Option<Note>, StoreError> {
        let Some(pointer) = self.get(keys::org_pk(org), &keys::note_sk(note_id)).await? else {
            return Ok(None);
        };
        let pointer: NotePointer = from_item(pointer)?;
        let note = self
            .get(keys::record_pk(&pointer.record_id), &keys::note_sk(note_id))
            .await?
            .map(from_item::<Note>)
            .transpose()?;
        Ok(note.filter(|n| n.org_id == org.0))
    }

    /// The notes of one record of `org`, in the order they were made: `limit` after
    /// `offset` (a strongly consistent Query of the record's partition).
    pub async fn record_notes(
        &self,
        org: OrgId,
        record_id: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Note>, StoreError> {
        let items = self
            .query_prefix_first(
                &keys::record_pk(record_id),
                keys::NOTE_PREFIX,
                offset.saturating_add(limit),
            )
            .await?;
        items
            .into_iter()
            .skip(offset)
            .map(from_item::<Note>)
            .filter(|n| n.as_ref().map_or(true, |n| n.org_id == org.0))
            .collect()
    }

    /// The organization's notes, in the order they were made: `limit` after `offset`.
    pub async fn notes(&self, org: OrgId, limit: usize, offset: usize) -> Result<Vec<Note>, StoreError> {
        let pointers: Vec<NotePointer> = self
            .query_prefix_first(&keys::org_pk(org), keys::NOTE_PREFIX, offset.saturating_add(limit))
            .await?
            .into_iter()
            .skip(offset)
            .map(from_item)
            .collect::<Result<_, _>>()?;
        let keys: Vec<Item> = pointers
            .iter()
            .map(|p| key(keys::record_pk(&p.record_id), &keys::note_sk(&p.note_id)))
            .collect();
        let mut found: std::collections::HashMap<String, Note> = self
            .batch_get_items(keys, true)
            .await?
            .into_iter()
            .map(|item| from_item::<Note>(item).map(|n| (n.note_id.clone(), n)))
            .collect::<Result<_, _>>()?;
        Ok(pointers
            .iter()
            .filter_map(|p| found.remove(&p.note_id))
            .filter(|n| n.org_id == org.0)
            .collect())
    }

    /// Deletes a note of `org` with its pointer; 404 if there is none with this id.
    pub async fn delete_note(&self, org: OrgId, note: &Note, actor: Actor<'_>) -> Result<(), StoreError> {
        let delete = |pk: String| {
            let delete = Delete::builder()
                .table_name(self.table_name())
                .set_key(Some(key(pk, &keys::note_sk(&note.note_id))))
                .condition_expression("attribute_exists(PK)")
                .build()
                .expect("key and table are set");
            TransactWriteItem::builder().delete(delete).build()
        };
        let mut items = vec![delete(keys::record_pk(&note.record_id)), delete(keys::org_pk(org))];
        items.extend(self.note_events(org, note, EventType::NoteDeleted, actor));
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(_)) => Err(Missing::Note(note.note_id.clone()).into()),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// The keys of a deleted record's notes and their pointers: what its delete removes
    /// after it (strongly consistent, so a note whose create succeeded is found).
    pub(super) async fn record_note_keys(&self, org: OrgId, record_id: &str) -> Result<Vec<Item>, StoreError> {
        let mut doomed = Vec::new();
        for item in self
            .query_prefix(&keys::record_pk(record_id), keys::NOTE_PREFIX)
            .await?
        {
            let note: Note = from_item(item)?;
            doomed.push(key(keys::record_pk(record_id), &keys::note_sk(&note.note_id)));
            doomed.push(key(keys::org_pk(org), &keys::note_sk(&note.note_id)));
        }
        Ok(doomed)
    }
}

fn note_item(note: &Note) -> Item {
    ItemKeys::new(keys::record_pk(&note.record_id), keys::note_sk(&note.note_id)).item(note)
}

fn pointer_item(org: OrgId, note: &Note) -> Item {
    ItemKeys::new(keys::org_pk(org), keys::note_sk(&note.note_id)).item(&NotePointer {
        note_id: note.note_id.clone(),
        record_id: note.record_id.clone(),
    })
}
