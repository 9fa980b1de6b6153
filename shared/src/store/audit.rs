//! The audit's read (what it checks: `crate::audit`): every item of the table, by a Scan,
//! filed by kind (from its key) into its type, for a tool or a test, never an endpoint.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::account_items::{ApiKeyItem, UserMembershipItem};
use super::keys;
use super::notes::{Note, NotePointer};
use super::record_counts::StoredCount;
use super::tables::TableHead;
use super::tasks::{Task, TaskLink};
use super::{from_item, Item, Store, StoreError};
use crate::domain::organization::Organization;
use crate::domain::record::Record;
use crate::domain::solution::Solution;
use crate::domain::table::Table;
use crate::domain::team::Team;
use crate::domain::user::{Member, User};

fn text(item: &Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(s)) => s.clone(),
        _ => String::new(),
    }
}

/// Every item of the table, filed by kind (from its key) into its type.
#[derive(Debug, Default)]
pub struct AuditItems {
    /// How many items of each kind.
    pub counts: BTreeMap<&'static str, usize>,
    /// The keys (`PK`, `SK`) of items of no known kind, in the order they were read.
    pub unknown: Vec<(String, String)>,
    pub orgs: BTreeMap<u64, Organization>,
    /// Each with its organization, from its partition key.
    pub members: Vec<(u64, Member)>,
    pub users: BTreeMap<String, User>,
    pub memberships: Vec<(String, UserMembershipItem)>,
    /// Embed generations (`store::embed`), each with its user's external id.
    pub embed_generations: Vec<(String, super::embed::EmbedItem)>,
    pub keys: Vec<ApiKeyItem>,
    pub tables: BTreeMap<String, Table>,
    pub heads: BTreeMap<String, TableHead>,
    /// Each table's record count as stored, by table id (`store::record_counts`).
    pub record_counts: BTreeMap<String, StoredCount>,
    /// record_prefix sentinels: organization, prefix, table id.
    pub prefix_sentinels: Vec<(u64, String, String)>,
    /// api_slug sentinels: organization, slug, table id.
    pub slug_sentinels: Vec<(u64, String, String)>,
    pub teams: Vec<Team>,
    /// Team name sentinels: organization, sort key ([`names_team`] tells whose name it
    /// holds), team id.
    pub team_sentinels: Vec<(u64, String, String)>,
    pub records: BTreeMap<String, Record>,
    /// The record each history item belongs to.
    pub histories: Vec<String>,
    /// Referrer items (`store::referrers`): the referenced record (whose partition holds
    /// it), the referencing record it names.
    pub referrers: Vec<(String, String)>,
    /// Notes, each from its parent record's partition (`store::notes`).
    pub notes: Vec<Note>,
    /// Note pointers: organization, pointer.
    pub note_pointers: Vec<(u64, NotePointer)>,
    /// Tasks, each with the organization whose partition holds it (`store::tasks`).
    pub tasks: Vec<(u64, Task)>,
    /// Task links: the linked record (whose partition holds it), the link.
    pub task_links: Vec<(String, TaskLink)>,
    /// SmartSuite solutions made through `POST /solutions/`, each with the organization
    /// whose partition holds it (`store::solutions`).
    pub solutions: Vec<(u64, Solution)>,
    /// The organizations being purged.
    pub purges: Vec<u64>,
    /// Index entries: field id, sort key, record id.
    pub index_entries: Vec<(String, String, String)>,
    /// Record number pointers: table id, number, record id.
    pub pointers: Vec<(String, u64, String)>,
    /// Unique value sentinels: field id, the value's SHA-256, record id.
    pub uniques: Vec<(String, String, String)>,
    /// Webhooks: organization, webhook id, and what is wrong with the stored item, if
    /// anything (a part that does not parse, a secret that is not sealed).
    pub webhooks: Vec<(u64, String, Option<String>)>,
    /// Change-event and delivery items: organization, sort key, and what is wrong with the
    /// item.
    pub events: Vec<(u64, String, Option<String>)>,
    /// Record search's term items: table id (from the partition key), the item.
    pub search_terms: Vec<(String, super::search::TermItem)>,
    /// Record search's docs: table id (from the partition key), the doc.
    pub search_docs: Vec<(String, super::search::SearchDoc)>,
}

fn org_of(pk: &str) -> Option<u64> {
    pk.strip_prefix("ORG#")?.parse().ok()
}

const UNKNOWN: &str = "unknown";

impl AuditItems {
    /// Files one item by its key under its kind, and names the kind.
    fn file(&mut self, pk: &str, sk: &str, item: Item) -> Result<&'static str, StoreError> {
        if pk == "COUNTER#ids" {
            return Ok("counter");
        }
        if let Some(org) = org_of(pk) {
            return self.file_in_org(org, sk, item);
        }
        Ok(if let Some(external_id) = pk.strip_prefix("USER#") {
            if sk == "USER" {
                self.users.insert(external_id.to_string(), from_item(item)?);
                "user"
            } else if sk.starts_with("EMBED#") {
                self.embed_generations.push((external_id.to_string(), from_item(item)?));
                "embed generation"
            } else {
                self.memberships.push((external_id.to_string(), from_item(item)?));
                "membership"
            }
        } else if pk.starts_with("APIKEY#") {
            self.keys.push(from_item(item)?);
            "api key"
        } else if let Some(record_id) = pk.strip_prefix("REC#").filter(|_| sk.starts_with("HIST#")) {
            self.histories.push(record_id.to_string());
            "record history"
        } else if let Some(target) = pk
            .strip_prefix("REC#")
            .filter(|_| sk.starts_with(keys::REFERRER_PREFIX))
        {
            let item: crate::store::referrers::ReferrerItem = from_item(item)?;
            self.referrers.push((target.to_string(), item.referrer_id));
            "referrer"
        } else if pk.starts_with("REC#") && sk.starts_with(keys::NOTE_PREFIX) {
            self.notes.push(from_item(item)?);
            "note"
        } else if let Some(record_id) = pk.strip_prefix("REC#").filter(|_| sk.starts_with(keys::TASK_PREFIX)) {
            self.task_links.push((record_id.to_string(), from_item(item)?));
            "task link"
        } else if pk.starts_with("REC#") {
            let record: Record = from_item(item)?;
            self.records.insert(record.id.clone(), record);
            "record"
        } else if let Some(rest) = pk.strip_prefix("RECNUM#") {
            let (table, number) = rest.rsplit_once('#').unwrap_or((rest, ""));
            self.pointers
                .push((table.to_string(), number.parse().unwrap_or(0), text(&item, "record_id")));
            "record number pointer"
        } else if let Some(rest) = pk.strip_prefix("UNIQUE#") {
            let (field, hash) = rest.split_once('#').unwrap_or((rest, ""));
            self.uniques
                .push((field.to_string(), hash.to_string(), text(&item, "record_id")));
            "unique value sentinel"
        } else if let Some(field_id) = pk.strip_prefix("IDX#") {
            self.index_entries
                .push((field_id.to_string(), sk.to_string(), text(&item, "record_id")));
            "index entry"
        } else if pk.starts_with("TABLEHEAD#") {
            let head: TableHead = from_item(item)?;
            self.heads.insert(head.table_id.clone(), head);
            "table head"
        } else if let Some(table_id) = pk.strip_prefix(keys::TABLE_COUNT_PREFIX) {
            self.record_counts
                .entry(table_id.to_string())
                .or_default()
                .add(sk, item)?;
            "record count"
        } else if let Some(table_id) = pk.strip_prefix(keys::SEARCH_PREFIX) {
            if sk.starts_with(keys::SEARCH_DOC_PREFIX) {
                self.search_docs.push((table_id.to_string(), from_item(item)?));
                "search doc"
            } else {
                self.search_terms.push((table_id.to_string(), from_item(item)?));
                "search term"
            }
        } else if let Some(org) = pk.strip_prefix("PURGE#") {
            self.purges.push(org.parse().unwrap_or(0));
            "purge marker"
        } else if pk.starts_with("RATE#") {
            "rate count"
        } else if pk.starts_with("IDEMP#") {
            "idempotency record"
        } else {
            UNKNOWN
        })
    }

    /// Files an item of an organization's partition.
    fn file_in_org(&mut self, org: u64, sk: &str, item: Item) -> Result<&'static str, StoreError> {
        Ok(if sk == "ORG" {
            self.orgs.insert(org, from_item(item)?);
            "organization"
        } else if sk.starts_with("MEMBER#") {
            self.members.push((org, from_item(item)?));
            "member"
        } else if sk.starts_with("TABLE#") {
            let table: Table = from_item(item)?;
            self.tables.insert(table.id.clone(), table);
            "table"
        } else if let Some(prefix) = sk.strip_prefix("TABLEPREFIX#") {
            self.prefix_sentinels
                .push((org, prefix.to_string(), text(&item, "table_id")));
            "record_prefix sentinel"
        } else if let Some(slug) = sk.strip_prefix("TABLESLUG#") {
            self.slug_sentinels
                .push((org, slug.to_string(), text(&item, "table_id")));
            "api_slug sentinel"
        } else if sk.starts_with(keys::NOTE_PREFIX) {
            self.note_pointers.push((org, from_item(item)?));
            "note pointer"
        } else if sk.starts_with(keys::TASK_PREFIX) {
            self.tasks.push((org, from_item(item)?));
            "task"
        } else if sk.starts_with(keys::SOLUTION_PREFIX) {
            self.solutions.push((org, from_item(item)?));
            "solution"
        } else if sk.starts_with("TEAM#") {
            self.teams.push(from_item(item)?);
            "team"
        } else if sk.starts_with("TEAMNAME#") {
            self.team_sentinels.push((org, sk.to_string(), text(&item, "team_id")));
            "team name sentinel"
        } else if sk.starts_with("DLV#") {
            let problem = super::deliveries::stored_delivery_problem(item).err();
            self.events.push((org, sk.to_string(), problem));
            "delivery"
        } else if sk.starts_with(keys::EVENT_PREFIX) {
            let problem = super::events::stored_event_problem(item).err();
            self.events.push((org, sk.to_string(), problem));
            "event"
        } else if sk.starts_with(keys::TRASH_PREFIX) {
            let problem = super::trash::stored_trash_problem(item).err();
            self.events.push((org, sk.to_string(), problem));
            "deleted record"
        } else if let Some(id) = sk.strip_prefix(keys::WEBHOOK_PREFIX) {
            let problem = super::webhooks::stored_webhook_problem(item).err();
            self.webhooks.push((org, id.to_string(), problem));
            "webhook"
        } else if let Some(id) = sk.strip_prefix(keys::SS_WEBHOOK_PREFIX) {
            // Counted with Attio's webhooks in the organization's `webhook_count`.
            let problem = super::smartsuite_webhooks::stored_item_problem(sk, item).err();
            self.webhooks.push((org, id.to_string(), problem));
            "SmartSuite webhook"
        } else if sk.starts_with(keys::SS_EVENT_PREFIX) || sk.starts_with(keys::SS_APPENDED_PREFIX) {
            let problem = super::smartsuite_webhooks::stored_item_problem(sk, item).err();
            self.events.push((org, sk.to_string(), problem));
            "SmartSuite webhook event"
        } else {
            UNKNOWN
        })
    }
}

/// Files every item by its key.
pub fn file_items(all: Vec<Item>) -> Result<AuditItems, StoreError> {
    let mut items = AuditItems::default();
    for item in all {
        let (pk, sk) = (text(&item, "PK"), text(&item, "SK"));
        let kind = items.file(&pk, &sk, item)?;
        if kind == UNKNOWN {
            items.unknown.push((pk, sk));
        }
        *items.counts.entry(kind).or_default() += 1;
    }
    Ok(items)
}

/// Whether a team name sentinel's sort key holds `team`'s (normalised) name.
pub fn names_team(sentinel_sk: &str, team: &Team) -> bool {
    sentinel_sk == keys::team_name_sk(&team.name_key)
}

impl Store {
    /// Every item of the table (a Scan: for the audit only), through the SDK's paginator.
    pub async fn scan_all(&self) -> Result<Vec<Item>, StoreError> {
        self.client()
            .scan()
            .table_name(self.table_name())
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(super::sdk_error)
    }

    /// Every item of the table, filed for the audit.
    pub async fn audit_items(&self) -> Result<AuditItems, StoreError> {
        file_items(self.scan_all().await?)
    }
}
