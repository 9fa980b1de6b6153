//! The key schema: every partition and sort key the table holds is built here and nowhere
//! else. Numbers in sort keys are zero-padded to 20 digits so that they sort as numbers.

use crate::domain::organization::OrgId;
use crate::domain::user::ExternalId;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
/// The attribute DynamoDB's TTL deletes items by (template.yaml enables TTL on it):
/// idempotency records and rate-limit counts set it.
pub const TTL_ATTRIBUTE: &str = "expires_at";

fn padded(n: u64) -> String {
    format!("{n:020}")
}

/// The one item that hands out organization and user ids.
pub const ID_COUNTER_PK: &str = "COUNTER#ids";
pub const ID_COUNTER_SK: &str = "COUNTER";

pub fn org_pk(org: OrgId) -> String {
    format!("ORG#{}", org.0)
}
pub const ORG_SK: &str = "ORG";
/// GSI1 partition listing every organization by id.
pub const ORGS_GSI1PK: &str = "ORGS";
pub fn org_gsi1sk(org: OrgId) -> String {
    format!("ORG#{}", padded(org.0))
}

/// A member of an organization, in the organization's partition.
pub const MEMBER_PREFIX: &str = "MEMBER#";
pub fn member_sk(user_id: u64) -> String {
    format!("{MEMBER_PREFIX}{}", padded(user_id))
}

/// A user lives in a partition of its own, keyed by its unique external id, which makes
/// the user item its own uniqueness sentinel.
pub fn user_pk(external_id: &ExternalId) -> String {
    stored_user_pk(external_id.as_str())
}
/// [`user_pk`] of an external id read back from a stored item.
pub fn stored_user_pk(external_id: &str) -> String {
    format!("USER#{external_id}")
}
pub const USER_SK: &str = "USER";

/// The same membership, in the user's partition, so one Query reads a user and its orgs.
pub const MEMBERSHIP_PREFIX: &str = "MEMBERSHIP#";
pub fn membership_sk(org: OrgId) -> String {
    format!("{MEMBERSHIP_PREFIX}{}", padded(org.0))
}

/// A user's embed generation in an organization (`crate::session`), beside the membership.
pub fn embed_sk(org: OrgId) -> String {
    format!("EMBED#{}", padded(org.0))
}

/// An API key, found by the id that its token carries.
pub fn api_key_pk(key_id: &str) -> String {
    format!("APIKEY#{key_id}")
}
pub const API_KEY_SK: &str = "APIKEY";
/// GSI1 partition listing an organization's API keys by creation time.
pub fn org_api_keys_gsi1pk(org: OrgId) -> String {
    format!("ORG#{}#APIKEYS", org.0)
}

/// A webhook lives in its organization's partition (so the purge of an organization takes
/// its webhooks with it), one Query away from every event of the organization.
pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";
pub fn webhook_sk(webhook_id: &str) -> String {
    format!("{WEBHOOK_PREFIX}{webhook_id}")
}

/// A deleted record's copy in the trash (`store::trash`), in its organization's partition.
pub const TRASH_PREFIX: &str = "TRASH#";
pub fn trash_sk(table_id: &str, record_id: &str) -> String {
    format!("{TRASH_PREFIX}{table_id}#{record_id}")
}

/// A SmartSuite webhook (`store::smartsuite_webhooks`), in its organization's partition,
/// apart from Attio's (`WEBHOOK#`), whose reads do not see it.
pub const SS_WEBHOOK_PREFIX: &str = "SSWH#";
pub fn ss_webhook_sk(webhook_id: &str) -> String {
    format!("{SS_WEBHOOK_PREFIX}{webhook_id}")
}
/// A SmartSuite webhook's events: a queue in the order of its sequence numbers.
pub const SS_EVENT_PREFIX: &str = "SSEVT#";
pub fn ss_event_prefix(webhook_id: &str) -> String {
    format!("{SS_EVENT_PREFIX}{webhook_id}#")
}
pub fn ss_event_sk(webhook_id: &str, sequence: u64) -> String {
    format!("{}{}", ss_event_prefix(webhook_id), padded(sequence))
}
/// How many of one change-event item's events are in a webhook's queue.
pub const SS_APPENDED_PREFIX: &str = "SSDONE#";
pub fn ss_appended_sk(webhook_id: &str, event_id: &str) -> String {
    format!("{SS_APPENDED_PREFIX}{webhook_id}#{event_id}")
}

/// One write's change events (`store::events`), in the organization's partition, in the
/// order of time.
pub const EVENT_PREFIX: &str = "EVT#";
pub fn event_sk(event_id: &str) -> String {
    format!("{EVENT_PREFIX}{event_id}")
}

/// A webhook delivery (`store::deliveries`): a webhook's deliveries are one Query.
pub fn delivery_prefix(webhook_id: &str) -> String {
    format!("DLV#{webhook_id}#")
}
pub fn delivery_sk(webhook_id: &str, event_id: &str) -> String {
    format!("{}{event_id}", delivery_prefix(webhook_id))
}

/// A table lives in its organization's partition; its fields are a map inside the item.
pub const TABLE_PREFIX: &str = "TABLE#";
pub fn table_sk(table_id: &str) -> String {
    format!("{TABLE_PREFIX}{table_id}")
}
/// A table's head: its record counter and definition revision, in a small item of its own
/// so that record writes touch (and pay for) a few bytes, not the whole definition.
pub fn table_head_pk(table_id: &str) -> String {
    format!("TABLEHEAD#{table_id}")
}
pub const TABLE_HEAD_SK: &str = "HEAD";
/// A table's record count (`store::record_counts`): a partition of its base item and its
/// shards, one per first hex digit of a record id.
pub const TABLE_COUNT_PREFIX: &str = "TABLECOUNT#";
pub fn table_count_pk(table_id: &str) -> String {
    format!("{TABLE_COUNT_PREFIX}{table_id}")
}
pub const TABLE_COUNT_BASE_SK: &str = "BASE";
pub fn table_count_shard_sk(record_id: &str) -> String {
    let digit = record_id.chars().next().map_or('0', |c| c.to_ascii_lowercase());
    format!("N#{digit}")
}

/// GSI1 partition listing an organization's tables by creation time.
pub fn org_tables_gsi1pk(org: OrgId) -> String {
    format!("ORG#{}#TABLES", org.0)
}
/// Uniqueness sentinels of a table's record_prefix and api_slug, holding the table id.
pub fn table_prefix_sk(prefix: &str) -> String {
    format!("TABLEPREFIX#{prefix}")
}
pub fn table_slug_sk(slug: &str) -> String {
    format!("TABLESLUG#{slug}")
}

/// A team lives in its organization's partition.
pub fn team_sk(team_id: &str) -> String {
    format!("TEAM#{team_id}")
}
/// GSI1 partition listing an organization's teams by creation time.
pub fn org_teams_gsi1pk(org: OrgId) -> String {
    format!("ORG#{}#TEAMS", org.0)
}
/// Uniqueness sentinel of a team name (in its normalised form), holding the team id.
/// A team name's sentinel: the SHA-256 of its normalised form, so a name of any length
/// (255 characters that NFKC may expand several times) fits DynamoDB's 1,024-byte sort key.
pub fn team_name_sk(name_key: &str) -> String {
    format!("TEAMNAME#{}", crate::digest::sha256_hex(name_key))
}

/// A record has a partition of its own (records spread across partitions).
pub fn record_pk(record_id: &str) -> String {
    format!("REC#{record_id}")
}
pub const RECORD_SK: &str = "REC";
/// The values one write of a record ended live in the record's partition, one item per
/// write, keyed by the version that write made.
pub const RECORD_HISTORY_PREFIX: &str = "HIST#";
pub fn record_history_sk(version: u64) -> String {
    format!("{RECORD_HISTORY_PREFIX}{}", padded(version))
}
/// Who references a record (`store::referrers`): one item per referencing record, in the
/// referenced record's partition, written and released with the reference itself.
pub const REFERRER_PREFIX: &str = "REFBY#";
pub fn referrer_sk(referrer_id: &str) -> String {
    format!("{REFERRER_PREFIX}{referrer_id}")
}
/// A note (`store::notes`) lives in its parent record's partition, so the record's delete
/// finds its notes as it finds its history; its pointer (the same sort key in the
/// organization's partition) finds it by id and lists the organization's notes.
/// A task, in its organization's partition; and a task's link, in the linked record's.
pub const TASK_PREFIX: &str = "TASK#";
pub fn task_sk(task_id: &str) -> String {
    format!("{TASK_PREFIX}{task_id}")
}
/// A SmartSuite solution made through `POST /solutions/`, in its organization's partition.
pub const SOLUTION_PREFIX: &str = "SOLUTION#";
pub fn solution_sk(solution_id: &str) -> String {
    format!("{SOLUTION_PREFIX}{solution_id}")
}
pub const NOTE_PREFIX: &str = "NOTE#";
pub fn note_sk(note_id: &str) -> String {
    format!("{NOTE_PREFIX}{note_id}")
}
/// GSI1 partition listing a table's records by display number.
pub fn table_records_gsi1pk(table_id: &str) -> String {
    format!("TABLE#{table_id}#RECORDS")
}
pub fn record_gsi1sk(number: u64) -> String {
    padded(number)
}
/// An indexed field's entries: one partition per field (its id is a UUID, so of one table
/// of one org), sorted by value key, then display number (see `store::index`).
pub fn index_pk(field_id: &str) -> String {
    format!("IDX#{field_id}")
}
pub fn index_sk(value_key: &str, number: u64) -> String {
    format!("{value_key}.{}", padded(number))
}
/// Record search (`store::search`): one partition per table (its id is a UUID, so of one
/// org), holding a term item per term of each record, sorted by term, and a doc per record.
pub const SEARCH_PREFIX: &str = "SRCH#";
pub fn search_pk(table_id: &str) -> String {
    format!("{SEARCH_PREFIX}{table_id}")
}
pub const SEARCH_TERM_PREFIX: &str = "T#";
/// The sort keys of the terms that start with `text`, from this (inclusive) to
/// [`search_terms_end`]. A term is kept as the hex of its UTF-8 bytes, as an index keeps
/// text (`store::index`): byte order is the terms' order, `.` (after the term, before the
/// record id) sorts below every hex digit, so "ada" comes before "ada lovelace", and `~`
/// above them all, so a prefix is a plain `BETWEEN` (which DynamoDB Local, unlike
/// `begins_with`, answers without reading the whole partition).
pub fn search_term_prefix(text: &str) -> String {
    format!("{SEARCH_TERM_PREFIX}{}", crate::digest::hex(text.as_bytes()))
}
pub fn search_terms_end(text: &str) -> String {
    format!("{}~", search_term_prefix(text))
}
pub fn search_term_sk(term: &str, record_id: &str) -> String {
    format!("{}.{record_id}", search_term_prefix(term))
}
pub const SEARCH_DOC_PREFIX: &str = "D#";
pub fn search_doc_sk(record_id: &str) -> String {
    format!("{SEARCH_DOC_PREFIX}{record_id}")
}
/// An API key's request count in one class (`attio-read`, `attio-write`, `smartsuite`);
/// the sort key is the clock second.
pub fn rate_pk(key_id: &str, class: &str) -> String {
    format!("RATE#{key_id}#{class}")
}
/// The marker of an organization being purged (see `crate::purge`).
pub const PURGE_PREFIX: &str = "PURGE#";
pub fn purge_pk(org: OrgId) -> String {
    format!("{PURGE_PREFIX}{}", org.0)
}
pub const PURGE_SK: &str = "PURGE";
/// The pointer from a record's display number to its id; its condition makes display ids
/// unique even if a counter were ever wrong.
pub fn record_number_pk(table_id: &str, number: u64) -> String {
    format!("RECNUM#{table_id}#{number}")
}
pub const RECORD_NUMBER_SK: &str = "RECNUM";
/// The sentinel of a unique attribute's value: the field id (globally unique, so scoped to
/// one table of one org) and the SHA-256 of the value's normalised form.
pub fn unique_value_pk(field_id: &str, value_hash: &str) -> String {
    format!("UNIQUE#{field_id}#{value_hash}")
}
pub const UNIQUE_VALUE_SK: &str = "UNIQUE";

/// An idempotency record: a caller's (see `auth::Caller::scope`) use of one key.
pub fn idempotency_pk(caller_scope: &str, key: &str) -> String {
    format!("IDEMP#{caller_scope}#{key}")
}
pub const IDEMPOTENCY_SK: &str = "IDEMP";
