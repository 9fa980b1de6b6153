//! Tables and their fields. A table is one item in its organization's partition, holding
//! its fields as a map keyed by field key (so a field's key is unique per table by a
//! condition on the same item) and the counter of its record display ids.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::events::events_put;
use super::item_size::{item_size, MAX_ITEM_BYTES};
use super::records::Actor;
use super::{
    failed_condition, failed_conditions, from_item, organization_exists, put, s, to_item, Change, Conflict, Missing,
    Refusal, Store, StoreError, TransactFailure, NEW_ITEM,
};
use crate::domain::event::{attribute_event, AttributeChange};
use crate::domain::list::PARENT_RECORD_KEY;
use crate::domain::organization::OrgId;
use crate::domain::table::{
    check_option_count, ApiSlug, FieldDef, FieldKey, FieldPatch, FieldType, NewField, NewTable, PrefixChoice,
    RecordPrefix, SelectOption, Table, TablePatch, TableRef,
};
use crate::store::item::ItemKeys;
use crate::store::keys;
use crate::time::Timestamp;

/// The most fields a table may have (each is a few hundred bytes of the table item, which
/// DynamoDB limits to 400 KB).
pub const MAX_FIELDS: usize = 250;

/// A table's head (`TABLEHEAD#<table_id>`): what record writes touch on every create,
/// kept apart from the definition so their cost does not grow with the table's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableHead {
    pub table_id: String,
    /// The last record display number handed out (records are `<prefix>-<n>`, n from 1).
    pub record_seq: u64,
    /// Equal to the table item's `revision`: both move in one transaction.
    pub revision: u64,
}

/// Room for a table item's keys and what a write may add beside its fields.
const TABLE_ITEM_SLACK: usize = 512;

/// Refuses a field definition (new, or replacing the field `replaced`) that would take the
/// table item past DynamoDB's item limit.
fn check_definition_size(table: &Table, replaced: Option<&str>, def: &FieldDef) -> Result<(), StoreError> {
    let mut grown = table.clone();
    if let Some(old_key) = replaced {
        grown.fields.remove(old_key);
    }
    grown.fields.insert(def.key.clone(), def.clone());
    check_table_size(&grown, "table's definition with this field")
}

/// A table's definition fits its item, with room for what grows with it.
fn check_table_size(table: &Table, what: &'static str) -> Result<(), StoreError> {
    let bytes = item_size(&to_item(table)) + TABLE_ITEM_SLACK;
    if bytes > MAX_ITEM_BYTES {
        return Err(StoreError::ItemTooLarge {
            what,
            bytes,
            limit: MAX_ITEM_BYTES,
        });
    }
    Ok(())
}

/// Adds new fields to `table`; a key it has, or that two of them share, refuses them all.
fn add_defs(table: &mut Table, defs: impl IntoIterator<Item = FieldDef>) -> Result<(), StoreError> {
    for def in defs {
        if table.fields.contains_key(&def.key) {
            return Err(Conflict::FieldKey {
                key: def.key,
                table: table.api_slug.clone(),
            }
            .into());
        }
        table.fields.insert(def.key.clone(), def);
    }
    Ok(())
}

/// Why a definition change did not apply.
enum DefinitionRefused {
    /// The table item's condition failed; its item as it was, if it exists.
    Condition(Option<super::Item>),
    /// The change needs a table that never had a record, and this one has had some.
    HasRecords,
    /// The condition of the change's `extra` item at this index failed.
    ExtraCondition(usize),
    Store(StoreError),
}

/// Where a definition came from: a cached copy may be stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    Table,
}

/// A sentinel holding the id of the table that owns a unique record_prefix or api_slug.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TableSentinel {
    table_id: String,
}

/// Why a new table's transaction did not apply.
enum NewTableRefused {
    /// Only its record_prefix is another table's.
    PrefixTaken,
    Store(StoreError),
}

/// A new table as `new` asks, with `prefix` (one of its candidates): its default `name`
/// text field is its display field.
fn new_table(org: OrgId, new: &NewTable, prefix: &RecordPrefix, now: Timestamp) -> Table {
    let name_field = FieldDef {
        id: uuid::Uuid::new_v4().to_string(),
        key: FieldKey::name().as_str().to_string(),
        name: "Name".to_string(),
        description: None,
        field_type: FieldType::Text,
        optional: true,
        array: false,
        unique: false,
        indexed: false,
        link: None,
        link_slug: None,
        options: Vec::new(),
        readonly: false,
        created_at: now.nanos(),
        archived: false,
    };
    Table {
        id: uuid::Uuid::new_v4().to_string(),
        org_id: org.0,
        table_type: "custom".to_string(),
        name: new.name.as_str().to_string(),
        singular_name: new.singular_name.as_ref().map(|n| n.as_str().to_string()),
        description: new.description.as_ref().map(|d| d.as_str().to_string()),
        record_prefix: prefix.as_str().to_string(),
        api_slug: new.api_slug.as_str().to_string(),
        display_field_id: name_field.id.clone(),
        revision: 0,
        archived: false,
        solution_id: new.solution_id.clone(),
        list: new.list.clone(),
        fields: BTreeMap::from([(name_field.key.clone(), name_field)]),
        created_at: now.seconds(),
        updated_at: now.seconds(),
    }
    .shaped_as_list(now)
}

impl Table {
    /// A new list's one field, in place of an object's `name`: its entries' parent record,
    /// which is its display field (`domain::list::PARENT_RECORD_KEY`). An object is left
    /// as it is.
    fn shaped_as_list(mut self, now: Timestamp) -> Self {
        let Some(list) = &self.list else { return self };
        let parent = FieldDef {
            id: uuid::Uuid::new_v4().to_string(),
            key: PARENT_RECORD_KEY.to_string(),
            name: "Parent record".to_string(),
            description: None,
            field_type: FieldType::RecordReference,
            optional: false,
            array: false,
            unique: false,
            indexed: false,
            link: Some(list.parent_table_id.clone()),
            link_slug: Some(list.parent_api_slug.clone()),
            options: Vec::new(),
            readonly: true,
            created_at: now.nanos(),
            archived: false,
        };
        self.display_field_id = parent.id.clone();
        self.fields = BTreeMap::from([(parent.key.clone(), parent)]);
        self
    }
}

/// A new field's definition: a fresh id, and fresh ids for its options.
fn field_def(field: &NewField, link: Option<(String, String)>, now: Timestamp) -> FieldDef {
    FieldDef {
        id: uuid::Uuid::new_v4().to_string(),
        key: field.key.as_str().to_string(),
        name: field.name.clone(),
        description: field.description.clone(),
        field_type: field.field_type,
        optional: field.optional,
        array: field.array,
        unique: field.unique,
        indexed: field.indexed,
        link_slug: link.as_ref().map(|(_, slug)| slug.clone()),
        link: link.map(|(id, _)| id),
        options: field
            .options
            .iter()
            .map(|title| SelectOption {
                id: uuid::Uuid::new_v4().to_string(),
                title: title.clone(),
                archived: false,
                celebration_enabled: false,
                target_time_in_status: None,
            })
            .collect(),
        readonly: false,
        created_at: now.nanos(),
        archived: false,
    }
}

/// Why a table whose every candidate prefix is taken was not created.
fn prefix_taken(new: &NewTable, candidates: &[RecordPrefix]) -> Conflict {
    match &new.record_prefix {
        PrefixChoice::Given(prefix) => Conflict::TablePrefix(prefix.as_str().to_string()),
        PrefixChoice::Derived(_) => Conflict::DerivedPrefixes {
            api_slug: new.api_slug.as_str().to_string(),
            tried: candidates.iter().map(|c| c.as_str().to_string()).collect(),
        },
    }
}

// A new table's transaction, by position: the table, its record_prefix and api_slug
// sentinels, its head, and the organization's check.
const TABLE_PUT: usize = 0;
const PREFIX_SENTINEL: usize = 1;
const SLUG_SENTINEL: usize = 2;
const HEAD_PUT: usize = 3;
const ORGANIZATION_CHECK: usize = 4;

// A definition change's transaction, by position: the table item (its condition hands
// back the item as it was), then its head.
const DEFINITION_UPDATE: usize = 0;
const HEAD_UPDATE: usize = 1;

impl Store {
    /// Creates a table with its default `name` text field (the display field), its
    /// record_prefix and api_slug sentinels, in one transaction. A derived prefix that is
    /// taken is followed by the next of its candidates (one transaction each), so a free
    /// api_slug is not refused for a prefix the caller did not choose.
    pub async fn create_table(&self, org: OrgId, new: &NewTable, actor: Actor<'_>) -> Result<Table, StoreError> {
        self.create_table_with_fields(org, new, None, &[], actor).await
    }

    /// [`Store::create_table`] with more fields than the display field, in the same
    /// transaction (SmartSuite's table create names its structure): the display field's
    /// name (`Name` if none), and each field with its resolved link target, as (id,
    /// api_slug). A key the table already has (`name`, the display field's), a duplicate
    /// key or too many fields refuse the table.
    pub async fn create_table_with_fields(
        &self,
        org: OrgId,
        new: &NewTable,
        display_name: Option<&str>,
        fields: &[(NewField, Option<(String, String)>)],
        actor: Actor<'_>,
    ) -> Result<Table, StoreError> {
        let candidates = new.record_prefix.candidates();
        for prefix in &candidates {
            let mut table = new_table(org, new, prefix, actor.now);
            if let (Some(name), Some(display)) = (display_name, table.fields.get_mut(FieldKey::name().as_str())) {
                display.name = name.to_string();
            }
            let defs = (1..)
                .zip(fields)
                .map(|(n, (field, link))| field_def(field, link.clone(), actor.now.plus_nanos(n)));
            add_defs(&mut table, defs)?;
            if table.fields.len() > MAX_FIELDS {
                return Err(Refusal::TooManyFields { max: MAX_FIELDS }.into());
            }
            check_table_size(&table, "table's definition")?;
            match self.put_new_table(org, &table, actor).await {
                Ok(()) => return Ok(table),
                Err(NewTableRefused::PrefixTaken) => continue,
                Err(NewTableRefused::Store(e)) => return Err(e),
            }
        }
        Err(prefix_taken(new, &candidates).into())
    }

    /// The transaction of a new table: the table, its sentinels and head, each new, in an
    /// organization that exists; and the `object-attribute.created` events of its fields.
    async fn put_new_table(&self, org: OrgId, table: &Table, actor: Actor<'_>) -> Result<(), NewTableRefused> {
        let id = &table.id;
        let table_keys = ItemKeys::new(keys::org_pk(org), keys::table_sk(id))
            .listed(keys::org_tables_gsi1pk(org), format!("{}#{id}", actor.now.nanos()));
        let sentinel = |sk: String| ItemKeys::new(keys::org_pk(org), sk).item(&TableSentinel { table_id: id.clone() });
        let head = TableHead {
            table_id: id.clone(),
            record_seq: 0,
            revision: 0,
        };
        let mut items = vec![
            put(self.table_name(), table_keys.item(table), Some(NEW_ITEM)),
            put(
                self.table_name(),
                sentinel(keys::table_prefix_sk(&table.record_prefix)),
                Some(NEW_ITEM),
            ),
            put(
                self.table_name(),
                sentinel(keys::table_slug_sk(&table.api_slug)),
                Some(NEW_ITEM),
            ),
            put(
                self.table_name(),
                ItemKeys::new(keys::table_head_pk(id), keys::TABLE_HEAD_SK).item(&head),
                Some(NEW_ITEM),
            ),
            organization_exists(self.table_name(), org),
        ];
        debug_assert!(items[TABLE_PUT].put().is_some() && items[HEAD_PUT].put().is_some());
        debug_assert_eq!(items.len(), ORGANIZATION_CHECK + 1);
        // The count starts with the table (`store::record_counts`).
        items.push(super::record_counts::count_base_put(self.table_name(), id));
        let field_ids: Vec<&str> = table.fields.values().map(|f| f.id.as_str()).collect();
        items.extend(self.attribute_events(org, table, &field_ids, AttributeChange::Created, actor));
        let reasons = match self.transact(items).await {
            Ok(()) => return Ok(()),
            Err(TransactFailure::Cancelled(reasons)) => reasons,
            Err(TransactFailure::Store(e)) => return Err(NewTableRefused::Store(e)),
        };
        // A taken slug is the caller's to change whatever the prefix did, so it is told
        // first; a taken prefix alone is for `create_table` to judge.
        let failed = failed_conditions(&reasons);
        Err(if failed.contains(&ORGANIZATION_CHECK) {
            NewTableRefused::Store(Missing::Organization(org).into())
        } else if failed.contains(&SLUG_SENTINEL) {
            NewTableRefused::Store(Conflict::TableSlug(table.api_slug.clone()).into())
        } else if failed.contains(&PREFIX_SENTINEL) {
            NewTableRefused::PrefixTaken
        } else {
            NewTableRefused::Store(StoreError::unexpected(format!(
                "table create cancelled unexpectedly: {reasons:?}"
            )))
        })
    }

    /// The id of the table an api_slug names in `org`, if any.
    async fn table_id_by_slug(&self, org: OrgId, slug: &ApiSlug) -> Result<Option<String>, StoreError> {
        let item = self.get(keys::org_pk(org), &keys::table_slug_sk(slug.as_str())).await?;
        Ok(item.map(from_item::<TableSentinel>).transpose()?.map(|s| s.table_id))
    }

    /// A table of `org`, by id or api_slug. Another organization's table is not found.
    pub async fn table(&self, org: OrgId, table: &TableRef) -> Result<Option<Table>, StoreError> {
        let id = match table {
            TableRef::Id(id) => id.clone(),
            TableRef::Slug(slug) => match self.table_id_by_slug(org, slug).await? {
                Some(id) => id,
                None => return Ok(None),
            },
        };
        self.get(keys::org_pk(org), &keys::table_sk(&id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// [`Store::table`] through this container's cache (see [`super::cache`]), for record
    /// requests: their writes check the definition's `revision` in their transaction.
    pub async fn table_cached(&self, org: OrgId, table: &TableRef) -> Result<Option<(Table, Source)>, StoreError> {
        let cache_key = match table {
            TableRef::Id(id) => (org.0, id.clone()),
            TableRef::Slug(slug) => (org.0, slug.as_str().to_string()),
        };
        if let Some(item) = self.caches.tables.get(&cache_key) {
            return Ok(Some((item, Source::Cache)));
        }
        let item = self.table(org, table).await?;
        if let Some(item) = &item {
            self.caches.tables.insert(cache_key, item.clone());
        }
        Ok(item.map(|item| (item, Source::Table)))
    }

    /// Applies `expression` to a table item (`update` holds its key, condition and values)
    /// in one transaction with its head, adding 1 to both items' `revision`: the one place
    /// a definition changes, so the two revisions always agree (record writes check the
    /// head's, which is small; the audit checks they are equal).
    async fn change_definition(
        &self,
        table_id: &str,
        update: UpdateBuilder,
        expression: &str,
        before_records: bool,
        extra: impl IntoIterator<Item = TransactWriteItem>,
    ) -> Result<(), DefinitionRefused> {
        let update = update
            .update_expression(format!("{expression} ADD revision :one"))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .expect("key, table and expression are set");
        let mut head = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(keys::table_head_pk(table_id), keys::TABLE_HEAD_SK)))
            .update_expression("ADD revision :one")
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        if before_records {
            // No record number ever handed out: no record exists or is being written.
            head = head
                .condition_expression("attribute_not_exists(record_seq) OR record_seq = :zero")
                .expression_attribute_values(":zero", AttributeValue::N("0".into()));
        }
        let head = head.build().expect("key, table and expression are set");
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().update(head).build(),
        ];
        items.extend(extra);
        let result = self.transact(items).await;
        self.forget_table(table_id);
        match result {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(reasons)) => Err(match failed_condition(&reasons) {
                Some(HEAD_UPDATE) => DefinitionRefused::HasRecords,
                Some(extra) if extra > HEAD_UPDATE => DefinitionRefused::ExtraCondition(extra - HEAD_UPDATE - 1),
                Some(_) => DefinitionRefused::Condition(reasons.get(DEFINITION_UPDATE).and_then(|r| r.item()).cloned()),
                // Cancelled for another reason (an item too large, say): not the caller's 404.
                None => DefinitionRefused::Store(StoreError::unexpected(format!(
                    "definition change cancelled: {reasons:?}"
                ))),
            }),
            Err(TransactFailure::Store(e)) => Err(DefinitionRefused::Store(e)),
        }
    }

    /// A table just changed, read back (consistently) for the answer.
    async fn changed_table(&self, org: OrgId, table_id: &str) -> Result<Table, StoreError> {
        let item = self
            .get(keys::org_pk(org), &keys::table_sk(table_id))
            .await?
            .ok_or_else(|| Missing::Table(table_id.to_string()))?;
        from_item(item)
    }

    /// Drops a table's cached definition: it changed, or a write found it stale.
    pub fn forget_table(&self, table_id: &str) {
        self.caches.tables.forget(|_, item| item.id == table_id);
    }

    /// The event item of a change to fields of a table (`object-attribute.*`, a list's
    /// `list-attribute.*`, one event per field), for the change's own transaction.
    fn attribute_events(
        &self,
        org: OrgId,
        table: &Table,
        field_ids: &[&str],
        change: AttributeChange,
        actor: Actor<'_>,
    ) -> Option<TransactWriteItem> {
        let workspace_id = org.workspace_id().to_string();
        let who = actor.event_actor();
        let events: Vec<_> = field_ids
            .iter()
            .map(|field_id| attribute_event(change, &workspace_id, table, field_id, &who))
            .collect();
        events_put(self.table_name(), org, &events, actor.now)
    }

    /// Adds a field to a table: a conditional update of the table item, which fails if the
    /// key is taken or the table is full, with the head's revision (see
    /// `Store::change_definition`). `link` is the resolved target table's id and api_slug.
    pub async fn add_field(
        &self,
        org: OrgId,
        table: &Table,
        field: &NewField,
        link: Option<(String, String)>,
        actor: Actor<'_>,
    ) -> Result<(Table, FieldDef), StoreError> {
        let (table, mut defs) = self.add_fields(org, table, &[(field.clone(), link)], actor).await?;
        let def = defs
            .pop()
            .ok_or_else(|| StoreError::unexpected("a field added, none returned"))?;
        Ok((table, def))
    }

    /// Adds fields to a table, all or none ([`Store::add_field`]'s one update, with a
    /// condition per key): SmartSuite's bulk-add-fields.
    pub async fn add_fields(
        &self,
        org: OrgId,
        table: &Table,
        fields: &[(NewField, Option<(String, String)>)],
        actor: Actor<'_>,
    ) -> Result<(Table, Vec<FieldDef>), StoreError> {
        let now = actor.now;
        let defs: Vec<FieldDef> = fields
            .iter()
            .zip(0..)
            .map(|((field, link), n)| field_def(field, link.clone(), now.plus_nanos(n)))
            .collect();
        let mut grown = table.clone();
        add_defs(&mut grown, defs.iter().cloned())?;
        if !defs.is_empty() {
            check_table_size(&grown, "table's definition with this field")?;
        }
        let mut update = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(keys::org_pk(org), &keys::table_sk(&table.id))))
            .expression_attribute_names("#fields", "fields")
            .expression_attribute_values(":now", AttributeValue::S(now.seconds()))
            .expression_attribute_values(
                ":max",
                AttributeValue::N((MAX_FIELDS + 1).saturating_sub(defs.len()).to_string()),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let mut conditions = vec!["attribute_exists(PK)".to_string(), "size(#fields) < :max".to_string()];
        let mut sets = Vec::new();
        for (n, def) in defs.iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#k{n}"), def.key.clone())
                .expression_attribute_values(format!(":f{n}"), AttributeValue::M(to_item(def)));
            conditions.push(format!("attribute_not_exists(#fields.#k{n})"));
            sets.push(format!("#fields.#k{n} = :f{n}"));
        }
        let update = update.condition_expression(conditions.join(" AND "));
        let expression = format!("SET {}, updated_at = :now", sets.join(", "));
        let ids: Vec<&str> = defs.iter().map(|d| d.id.as_str()).collect();
        let events = self.attribute_events(org, table, &ids, AttributeChange::Created, actor);
        let indexed = defs.iter().any(|d| d.indexed);
        match self
            .change_definition(&table.id, update, &expression, indexed, events)
            .await
        {
            // The answer is the table as read before, with these fields: no read back (the
            // table item is the largest item there is).
            Ok(()) => {
                grown.revision += 1;
                grown.updated_at = now.seconds();
                Ok((grown, defs))
            }
            Err(DefinitionRefused::Store(e)) => Err(e),
            Err(DefinitionRefused::ExtraCondition(i)) => Err(extra_refused(i)),
            Err(DefinitionRefused::HasRecords) => Err(Refusal::IndexedFieldAfterRecords {
                table: table.api_slug.clone(),
            }
            .into()),
            Err(DefinitionRefused::Condition(old)) => {
                let Some(old) = old else {
                    return Err(Missing::Table(table.id.clone()).into());
                };
                let old: Table = from_item(old)?;
                match defs.iter().find(|d| old.fields.contains_key(&d.key)) {
                    Some(taken) => Err(Conflict::FieldKey {
                        key: taken.key.clone(),
                        table: old.api_slug,
                    }
                    .into()),
                    None => Err(Refusal::TooManyFields { max: MAX_FIELDS }.into()),
                }
            }
        }
    }

    /// An organization's tables, oldest first (GSI1).
    pub async fn tables(&self, org: OrgId) -> Result<Vec<Table>, StoreError> {
        self.query_gsi1(&keys::org_tables_gsi1pk(org))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Applies a table patch in one conditional UpdateItem and returns the new table.
    /// `display_field_id` must name one of the table's fields, not archived (fields are
    /// never removed, and archiving the display field is refused, so checking the table
    /// as read is enough).
    pub async fn update_table(
        &self,
        org: OrgId,
        table: &Table,
        patch: &TablePatch,
        now: Timestamp,
    ) -> Result<Table, StoreError> {
        if let Some(id) = &patch.display_field_id {
            if table.field_by_id(id).is_none() {
                return Err(Refusal::UnknownDisplayField(id.clone()).into());
            }
        }
        let mut sets = vec!["updated_at = :now".to_string()];
        let mut removes = Vec::new();
        let mut update = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(keys::org_pk(org), &keys::table_sk(&table.id))))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":now", AttributeValue::S(now.seconds()));
        if let Some(name) = &patch.name {
            sets.push("#name = :name".into());
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name.as_str()));
        }
        if let Some(singular) = &patch.singular_name {
            sets.push("singular_name = :singular".into());
            update = update.expression_attribute_values(":singular", s(singular.as_str()));
        }
        match &patch.description {
            Some(Some(description)) => {
                sets.push("description = :description".into());
                update = update.expression_attribute_values(":description", s(description.as_str()));
            }
            Some(None) => removes.push("description"),
            None => {}
        }
        if let Some(archived) = patch.archived {
            sets.push("archived = :archived".into());
            update = update.expression_attribute_values(":archived", AttributeValue::Bool(archived));
        }
        if let Some(id) = &patch.display_field_id {
            sets.push("display_field_id = :display".into());
            update = update.expression_attribute_values(":display", s(id));
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        // No event: Attio has none for an object's own settings.
        match self
            .change_definition(&table.id, update, &expression, false, None)
            .await
        {
            Ok(()) => self.changed_table(org, &table.id).await,
            Err(DefinitionRefused::Condition(_) | DefinitionRefused::HasRecords) => {
                Err(Missing::Table(table.id.clone()).into())
            }
            Err(DefinitionRefused::ExtraCondition(i)) => Err(extra_refused(i)),
            Err(DefinitionRefused::Store(e)) => Err(e),
        }
    }

    /// Replaces a select field's options, if the table is still at the revision it was read
    /// at: otherwise `StoreError::Changed`, and the caller reads it again. (Options are one
    /// list in the definition; without the check, two concurrent additions would keep one.)
    pub async fn set_field_options(
        &self,
        org: OrgId,
        table: &Table,
        field: &FieldDef,
        options: Vec<SelectOption>,
        actor: Actor<'_>,
    ) -> Result<(Table, FieldDef), StoreError> {
        let now = actor.now;
        // Every change to a field's options after its creation comes here: the cap holds
        // on the list as it would be written.
        check_option_count(&field.key, field.options.len(), options.len())?;
        let def = FieldDef {
            options,
            ..field.clone()
        };
        check_definition_size(table, Some(&field.key), &def)?;
        let update = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(keys::org_pk(org), &keys::table_sk(&table.id))))
            .condition_expression("revision = :rev AND #fields.#key.id = :fid")
            .expression_attribute_names("#fields", "fields")
            .expression_attribute_names("#key", field.key.clone())
            .expression_attribute_values(":rev", AttributeValue::N(table.revision.to_string()))
            .expression_attribute_values(":fid", s(&field.id))
            .expression_attribute_values(":def", AttributeValue::M(to_item(&def)))
            .expression_attribute_values(":now", s(now.seconds()));
        let events = self.attribute_events(org, table, &[&field.id], AttributeChange::Updated, actor);
        match self
            .change_definition(
                &table.id,
                update,
                "SET #fields.#key = :def, updated_at = :now",
                false,
                events,
            )
            .await
        {
            Ok(()) => Ok((self.changed_table(org, &table.id).await?, def)),
            Err(DefinitionRefused::Condition(_) | DefinitionRefused::HasRecords) => {
                Err(Change::FieldOptions { key: field.key.clone() }.into())
            }
            Err(DefinitionRefused::ExtraCondition(i)) => Err(extra_refused(i)),
            Err(DefinitionRefused::Store(e)) => Err(e),
        }
    }

    /// Applies a field patch: one conditional update of the table item (with its head: see
    /// `Store::change_definition`). A key rename
    /// moves the definition within the fields map, under the condition that the old key
    /// still holds this field and the new key is free; records keep their values, which are
    /// stored by field id.
    pub async fn update_field(
        &self,
        org: OrgId,
        table: &Table,
        field: &FieldDef,
        patch: &FieldPatch,
        actor: Actor<'_>,
    ) -> Result<(Table, FieldDef), StoreError> {
        let now = actor.now;
        if field.readonly {
            return Err(Refusal::SystemField { key: field.key.clone() }.into());
        }
        if let Some(t) = patch.field_type {
            if t != field.field_type {
                return Err(Refusal::FieldTypeFixed(field.field_type).into());
            }
        }
        let mut def = field.clone();
        if let Some(name) = &patch.name {
            def.name = name.clone();
        }
        if let Some(description) = &patch.description {
            def.description = description.clone();
        }
        if let Some(optional) = patch.optional {
            def.optional = optional;
        }
        let archiving = patch.archived == Some(true) && !field.archived;
        if archiving && field.id == table.display_field_id {
            return Err(Refusal::DisplayFieldKept { key: field.key.clone() }.into());
        }
        if let Some(archived) = patch.archived {
            def.archived = archived;
        }
        if let Some(options) = &patch.options {
            check_option_count(&field.key, field.options.len(), options.len())?;
            def.options = options.clone();
        }
        let new_key = patch
            .key
            .as_ref()
            .map(FieldKey::as_str)
            .unwrap_or(&field.key)
            .to_string();
        def.key = new_key.clone();
        check_definition_size(table, Some(&field.key), &def)?;
        let renamed = new_key != field.key;
        let update = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(keys::org_pk(org), &keys::table_sk(&table.id))))
            .expression_attribute_names("#fields", "fields")
            .expression_attribute_names("#old", field.key.clone())
            .expression_attribute_values(":def", AttributeValue::M(to_item(&def)))
            .expression_attribute_values(":fid", s(&field.id))
            .expression_attribute_values(":now", s(now.seconds()));
        // New options are made from the definition as read: only at that revision, or a
        // concurrent change to them would be lost.
        let (update, at_revision) = match &patch.options {
            Some(_) => (
                update.expression_attribute_values(":rev", AttributeValue::N(table.revision.to_string())),
                " AND revision = :rev",
            ),
            None => (update, ""),
        };
        // The display field as read may have changed since: never archive the one it is now.
        let at_revision = if archiving {
            format!("{at_revision} AND display_field_id <> :fid")
        } else {
            at_revision.to_string()
        };
        let (update, expression) = if renamed {
            (
                update
                    .expression_attribute_names("#new", new_key.clone())
                    .condition_expression(format!(
                        "#fields.#old.id = :fid AND attribute_not_exists(#fields.#new){at_revision}"
                    )),
                "REMOVE #fields.#old SET #fields.#new = :def, updated_at = :now",
            )
        } else {
            (
                update.condition_expression(format!("#fields.#old.id = :fid{at_revision}")),
                "SET #fields.#old = :def, updated_at = :now",
            )
        };
        let events = self.attribute_events(org, table, &[&field.id], AttributeChange::Updated, actor);
        match self
            .change_definition(&table.id, update, expression, false, events)
            .await
        {
            Ok(()) => Ok((self.changed_table(org, &table.id).await?, def)),
            Err(DefinitionRefused::Condition(_) | DefinitionRefused::HasRecords) if patch.options.is_some() => {
                Err(Change::FieldOptions { key: field.key.clone() }.into())
            }
            Err(DefinitionRefused::Condition(_) | DefinitionRefused::HasRecords) => Err(if renamed {
                Conflict::RenamedFieldKey {
                    key: new_key,
                    table: table.api_slug.clone(),
                }
            } else {
                Conflict::FieldChanged { key: field.key.clone() }
            }
            .into()),
            Err(DefinitionRefused::ExtraCondition(i)) => Err(extra_refused(i)),
            Err(DefinitionRefused::Store(e)) => Err(e),
        }
    }

    /// Changes a list: its name, its slug (the slug's sentinel moves in the change's
    /// transaction: the old one deleted while it still names the list, the new one made
    /// where none is), who may see it; under the condition that the list is as read.
    pub async fn update_list(
        &self,
        org: OrgId,
        table: &Table,
        change: &ListUpdate,
        now: Timestamp,
    ) -> Result<Table, StoreError> {
        let mut sets = vec!["updated_at = :now"];
        let mut update = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(keys::org_pk(org), &keys::table_sk(&table.id))))
            .condition_expression("attribute_exists(PK) AND revision = :rev")
            .expression_attribute_values(":rev", AttributeValue::N(table.revision.to_string()))
            .expression_attribute_values(":now", AttributeValue::S(now.seconds()));
        if let Some(name) = &change.name {
            sets.push("#name = :name");
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name.as_str()));
        }
        if let Some(access) = &change.access {
            sets.push("#list.#access = :access");
            update = update
                .expression_attribute_names("#list", "list")
                .expression_attribute_names("#access", "access")
                .expression_attribute_values(":access", AttributeValue::M(to_item(access)));
        }
        let mut moved = Vec::new();
        let new_slug = change.api_slug.as_ref().filter(|s| s.as_str() != table.api_slug);
        if let Some(slug) = new_slug {
            sets.push("api_slug = :slug");
            update = update.expression_attribute_values(":slug", s(slug.as_str()));
            moved = self.slug_move(org, table, slug);
        }
        let expression = format!("SET {}", sets.join(", "));
        match self
            .change_definition(&table.id, update, &expression, false, moved)
            .await
        {
            Ok(()) => self.changed_table(org, &table.id).await,
            Err(DefinitionRefused::ExtraCondition(SLUG_PUT)) => {
                Err(Conflict::TableSlug(new_slug.map(|s| s.as_str().to_string()).unwrap_or_default()).into())
            }
            Err(
                DefinitionRefused::Condition(_) | DefinitionRefused::HasRecords | DefinitionRefused::ExtraCondition(_),
            ) => Err(Change::List.into()),
            Err(DefinitionRefused::Store(e)) => Err(e),
        }
    }

    /// The items that move `table`'s slug sentinel to `slug`: the old one's delete (while
    /// it names the table), then the new one's put (where none is: [`SLUG_PUT`]).
    fn slug_move(&self, org: OrgId, table: &Table, slug: &ApiSlug) -> Vec<TransactWriteItem> {
        let old = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(self.table_name())
            .set_key(Some(super::key(
                keys::org_pk(org),
                &keys::table_slug_sk(&table.api_slug),
            )))
            .condition_expression("table_id = :id")
            .expression_attribute_values(":id", s(&table.id))
            .build()
            .expect("key, table and condition are set");
        let new = ItemKeys::new(keys::org_pk(org), keys::table_slug_sk(slug.as_str())).item(&TableSentinel {
            table_id: table.id.clone(),
        });
        vec![
            TransactWriteItem::builder().delete(old).build(),
            put(self.table_name(), new, Some(NEW_ITEM)),
        ]
    }
}

/// In a slug's move, the index of the new sentinel's put.
const SLUG_PUT: usize = 1;

/// A change to a list ([`Store::update_list`]); `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListUpdate {
    pub name: Option<crate::domain::table::TableName>,
    pub api_slug: Option<ApiSlug>,
    pub access: Option<crate::domain::list::ListAccess>,
}

/// A definition change's extra item refused: its events' put, whose condition fails only
/// on an id collision.
fn extra_refused(index: usize) -> StoreError {
    StoreError::unexpected(format!("a definition change's item {index} was refused"))
}
