//! Change events: what a write changed, in Attio's webhook event shape
//! (`{"event_type", "id": {...}, "actor": {"type", "id"}}`), decided from the state before
//! and after the write so that the store can write them in the write's own transaction.
//! Every dialect's writes produce them; a webhook (or later a pull-style reader) reads them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::record::Record;
use super::table::Table;
use super::webhook::EventType;

/// Who made a change, as Attio's actors name it (docs.attio.com, "Actors").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventActor {
    /// An organization's API key (`api-token`, with the key's id).
    ApiToken { key_id: String },
    /// The deployment's operator, through the admin API (`system`, whose id is always
    /// null).
    System,
}

impl EventActor {
    fn to_json(&self) -> Value {
        match self {
            EventActor::ApiToken { key_id } => json!({"type": "api-token", "id": key_id}),
            EventActor::System => json!({"type": "system", "id": null}),
        }
    }
}

/// One change event, as a webhook delivers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub event_type: EventType,
    /// Attio's id object: `workspace_id` and the ids of what changed.
    pub id: Map<String, Value>,
    pub actor: EventActor,
    /// The record's version after the write (`record.*` events): a receiver that has seen
    /// a higher one for the record can drop this one as stale.
    pub record_version: Option<u64>,
    /// The record a note or a list entry belongs to (`note.*` and `list-entry.*` events:
    /// `parent_object_id` and `parent_record_id`, beside `id`, as Attio sends them).
    pub parent: Option<EventParent>,
}

/// The record a change belongs to: its object's id and its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventParent {
    pub object_id: String,
    pub record_id: String,
}

impl ChangeEvent {
    /// The event as delivered: Attio's fields, and `record_version` (ours) where it applies.
    pub fn to_json(&self) -> Value {
        let mut event = json!({
            "event_type": self.event_type.as_str(),
            "id": self.id,
            "actor": self.actor.to_json(),
        });
        if let Some(version) = self.record_version {
            event["record_version"] = json!(version);
        }
        if let Some(parent) = &self.parent {
            event["parent_object_id"] = json!(parent.object_id);
            event["parent_record_id"] = json!(parent.record_id);
        }
        event
    }
}

/// What an attribute event is about: an attribute made or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeChange {
    Created,
    Updated,
}

/// An event about one attribute (a table's field) of an object, `object-attribute.created`
/// or `.updated` (`{object_id, attribute_id}`), or of a list, `list-attribute.*`
/// (`{list_id, attribute_id}`), as Attio sends them.
pub fn attribute_event(
    change: AttributeChange,
    workspace_id: &str,
    table: &Table,
    attribute_id: &str,
    actor: &EventActor,
) -> ChangeEvent {
    let (event_type, container) = match (table.is_list(), change) {
        (false, AttributeChange::Created) => (EventType::ObjectAttributeCreated, "object_id"),
        (false, AttributeChange::Updated) => (EventType::ObjectAttributeUpdated, "object_id"),
        (true, AttributeChange::Created) => (EventType::ListAttributeCreated, "list_id"),
        (true, AttributeChange::Updated) => (EventType::ListAttributeUpdated, "list_id"),
    };
    unversioned(
        event_type,
        workspace_id,
        &[(container, &table.id), ("attribute_id", attribute_id)],
        actor,
    )
}

/// `workspace-member.created`: a user joined the organization.
pub fn member_joined(workspace_id: &str, workspace_member_id: &str, actor: &EventActor) -> ChangeEvent {
    unversioned(
        EventType::WorkspaceMemberCreated,
        workspace_id,
        &[("workspace_member_id", workspace_member_id)],
        actor,
    )
}

/// `note.created` or `note.deleted`: a note of a record made or deleted.
pub fn note_event(
    event_type: EventType,
    workspace_id: &str,
    note_id: &str,
    parent: EventParent,
    actor: &EventActor,
) -> ChangeEvent {
    ChangeEvent {
        parent: Some(parent),
        ..unversioned(event_type, workspace_id, &[("note_id", note_id)], actor)
    }
}

/// A task's event (`task.created`, `task.updated`, `task.deleted`): `{workspace_id,
/// task_id}`, as Attio's webhooks send it.
pub fn task_event(event_type: EventType, workspace_id: &str, task_id: &str, actor: &EventActor) -> ChangeEvent {
    unversioned(event_type, workspace_id, &[("task_id", task_id)], actor)
}

/// An event of something that has no version (not a record): its `id` is the workspace's
/// and `ids`, in order.
fn unversioned(event_type: EventType, workspace_id: &str, ids: &[(&str, &str)], actor: &EventActor) -> ChangeEvent {
    let mut id = Map::new();
    id.insert("workspace_id".into(), json!(workspace_id));
    for (name, value) in ids {
        id.insert((*name).into(), json!(value));
    }
    ChangeEvent {
        event_type,
        id,
        actor: actor.clone(),
        record_version: None,
        parent: None,
    }
}

/// The attributes whose current values differ between two states of a record: a value
/// added, removed or replaced (what a value is, not when or by whom it was written).
pub fn changed_attributes(before: &Record, after: &Record) -> BTreeSet<String> {
    let current = |record: &Record| -> BTreeMap<String, Vec<Map<String, Value>>> {
        record
            .values
            .keys()
            .map(|field| {
                let mut values: Vec<Map<String, Value>> = record.active(field).map(own_fields).collect();
                values.sort_by_key(|v| Value::Object(v.clone()).to_string());
                (field.clone(), values)
            })
            .filter(|(_, values)| !values.is_empty())
            .collect()
    };
    let (old, new) = (current(before), current(after));
    old.keys()
        .chain(new.keys())
        .filter(|field| old.get(*field) != new.get(*field))
        .cloned()
        .collect()
}

fn own_fields(value: &Map<String, Value>) -> Map<String, Value> {
    value
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "active_from" | "active_until" | "created_by_actor"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What a record is to Attio's events: an object's record (`record.*`, `{object_id,
/// record_id}`), or a list's entry (`list-entry.*`, `{list_id, entry_id}`, with its
/// parent record as `parent_object_id` and `parent_record_id`).
#[derive(Debug, Clone, Copy)]
pub enum Subject<'t> {
    Record,
    Entry { list: &'t Table, parent_object_id: &'t str },
}

impl<'t> Subject<'t> {
    pub fn of(table: &'t Table) -> Self {
        match &table.list {
            Some(list) => Subject::Entry {
                list: table,
                parent_object_id: &list.parent_table_id,
            },
            None => Subject::Record,
        }
    }

    fn event_types(self) -> [EventType; 3] {
        match self {
            Subject::Record => [
                EventType::RecordCreated,
                EventType::RecordUpdated,
                EventType::RecordDeleted,
            ],
            Subject::Entry { .. } => [
                EventType::ListEntryCreated,
                EventType::ListEntryUpdated,
                EventType::ListEntryDeleted,
            ],
        }
    }

    fn id_names(self) -> [&'static str; 2] {
        match self {
            Subject::Record => ["object_id", "record_id"],
            Subject::Entry { .. } => ["list_id", "entry_id"],
        }
    }

    fn parent(self, record: &Record) -> Option<EventParent> {
        let Subject::Entry { list, parent_object_id } = self else {
            return None;
        };
        Some(EventParent {
            object_id: parent_object_id.to_string(),
            record_id: super::list::parent_of(list, record)?.to_string(),
        })
    }
}

/// The events of one record write: `record.created`, `record.deleted`, or one
/// `record.updated` per attribute whose values changed (none if nothing did); a list's
/// entry's are `list-entry.*`, alike.
pub fn record_events(
    workspace_id: &str,
    subject: Subject<'_>,
    before: Option<&Record>,
    after: Option<&Record>,
    actor: &EventActor,
) -> Vec<ChangeEvent> {
    let Some(record) = after.or(before) else {
        return Vec::new();
    };
    let [container, own] = subject.id_names();
    let id = |attribute: Option<&str>| {
        let mut id = Map::new();
        id.insert("workspace_id".into(), json!(workspace_id));
        id.insert(container.into(), json!(record.table_id));
        id.insert(own.into(), json!(record.id));
        if let Some(attribute) = attribute {
            id.insert("attribute_id".into(), json!(attribute));
        }
        id
    };
    let parent = subject.parent(record);
    let event = |event_type, attribute: Option<&str>| ChangeEvent {
        event_type,
        id: id(attribute),
        actor: actor.clone(),
        record_version: Some(record.version),
        parent: parent.clone(),
    };
    let [created, updated, deleted] = subject.event_types();
    match (before, after) {
        (None, Some(_)) => vec![event(created, None)],
        (Some(_), None) => vec![event(deleted, None)],
        (Some(old), Some(new)) => changed_attributes(old, new)
            .iter()
            .map(|attribute| event(updated, Some(attribute)))
            .collect(),
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(values: Value, version: u64) -> Record {
        Record {
            id: "r1".into(),
            org_id: 1,
            table_id: "t1".into(),
            number: 1,
            created_at: "2026-12-05T00:00:00Z".into(),
            created_by: "k".into(),
            values: serde_json::from_value(values).unwrap(),
            version,
            ref_count: 0,
        }
    }

    /// A write's record before and after, and the events (type, attribute) it gives.
    type Case = (
        Option<Record>,
        Option<Record>,
        Vec<(&'static str, Option<&'static str>)>,
    );

    fn types(events: &[ChangeEvent]) -> Vec<(&'static str, Option<&str>)> {
        events
            .iter()
            .map(|e| (e.event_type.as_str(), e.id.get("attribute_id").and_then(Value::as_str)))
            .collect()
    }

    #[test]
    fn a_write_gives_its_events() {
        let actor = EventActor::ApiToken { key_id: "k".into() };
        let v = |value: &str, from: &str| json!({"value": value, "active_from": from, "active_until": null, "created_by_actor": {"type": "api-token", "id": "k"}});
        let before = record(
            json!({"name": [v("Acme", "t0")], "tags": [v("a", "t0"), v("b", "t0")]}),
            1,
        );
        let cases: Vec<Case> = vec![
            (None, Some(before.clone()), vec![("record.created", None)]),
            (Some(before.clone()), None, vec![("record.deleted", None)]),
            // The same values written again (new timestamps): no change, no event.
            (
                Some(before.clone()),
                Some(record(
                    json!({"name": [v("Acme", "t1")], "tags": [v("b", "t1"), v("a", "t1")]}),
                    2,
                )),
                vec![],
            ),
            // One attribute replaced, one added: an event each, by attribute.
            (
                Some(before.clone()),
                Some(record(
                    json!({"name": [v("Acme Inc", "t1")], "tags": [v("a", "t0"), v("b", "t0")], "size": [v("9", "t1")]}),
                    2,
                )),
                vec![("record.updated", Some("name")), ("record.updated", Some("size"))],
            ),
            // A value ended (kept as history) is a change of its attribute.
            (
                Some(before.clone()),
                Some(record(
                    json!({"name": [v("Acme", "t0")], "tags": [v("a", "t0"), {"value": "b", "active_from": "t0", "active_until": "t1"}]}),
                    2,
                )),
                vec![("record.updated", Some("tags"))],
            ),
        ];
        for (old, new, expected) in cases {
            let events = record_events("w", Subject::Record, old.as_ref(), new.as_ref(), &actor);
            assert_eq!(types(&events), expected);
            for event in &events {
                let json = event.to_json();
                assert_eq!(json["id"]["workspace_id"], "w");
                assert_eq!(json["id"]["record_id"], "r1");
                assert_eq!(json["actor"], json!({"type": "api-token", "id": "k"}));
                assert_eq!(
                    json["record_version"],
                    json!(new.as_ref().or(old.as_ref()).unwrap().version)
                );
            }
        }
    }

    /// Attribute and member events carry Attio's id objects and no record version; the
    /// admin API's changes are the `system` actor's, whose id is null.
    #[test]
    fn attribute_and_member_events_have_attios_shapes() {
        let key = EventActor::ApiToken { key_id: "k".into() };
        let object = Table {
            id: "o".into(),
            ..Table::for_tests(vec![])
        };
        let list = Table {
            id: "l".into(),
            list: Some(super::super::list_def::ListDef {
                parent_table_id: "o".into(),
                parent_api_slug: "people".into(),
                access: Default::default(),
                created_by: "k".into(),
            }),
            ..Table::for_tests(vec![])
        };
        let cases = [
            (
                attribute_event(AttributeChange::Created, "w", &object, "a", &key),
                json!({"event_type": "object-attribute.created",
                       "id": {"workspace_id": "w", "object_id": "o", "attribute_id": "a"},
                       "actor": {"type": "api-token", "id": "k"}}),
            ),
            (
                attribute_event(AttributeChange::Updated, "w", &object, "a", &key),
                json!({"event_type": "object-attribute.updated",
                       "id": {"workspace_id": "w", "object_id": "o", "attribute_id": "a"},
                       "actor": {"type": "api-token", "id": "k"}}),
            ),
            (
                attribute_event(AttributeChange::Created, "w", &list, "a", &key),
                json!({"event_type": "list-attribute.created",
                       "id": {"workspace_id": "w", "list_id": "l", "attribute_id": "a"},
                       "actor": {"type": "api-token", "id": "k"}}),
            ),
            (
                attribute_event(AttributeChange::Updated, "w", &list, "a", &key),
                json!({"event_type": "list-attribute.updated",
                       "id": {"workspace_id": "w", "list_id": "l", "attribute_id": "a"},
                       "actor": {"type": "api-token", "id": "k"}}),
            ),
            (
                member_joined("w", "m", &EventActor::System),
                json!({"event_type": "workspace-member.created",
                       "id": {"workspace_id": "w", "workspace_member_id": "m"},
                       "actor": {"type": "system", "id": null}}),
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(event.to_json(), expected);
        }
    }
}
