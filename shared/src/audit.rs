//! The invariant audit: over every item of the table (read and filed by kind in
//! `store::audit`), checks that what the write transactions promise holds. `make audit` runs it against a table; the tests run it after
//! their races; the load test runs it after its load. Reads everything (a Scan), so it is a
//! tool for operators and tests, never an endpoint.
//!
//! Checked:
//! - every sentinel has its owner item, and every owner its sentinels (record_prefix,
//!   api_slug, team name, unique record values, record number pointers);
//! - no two records of a table share a display number, and each number is at most the
//!   counter in the table's head; every table has a head at the table's revision, and
//!   every head a table;
//! - a table's record count (where it started with the table) is the number of its
//!   records, and every count belongs to a table;
//! - memberships come in pairs and point to existing users and organizations; a user's
//!   embed generation in an organization goes with its membership there;
//! - references point to existing records of the linked table, every record's
//!   `ref_count` equals the number of records referencing it, and its referrer items name
//!   exactly those records;
//! - every note belongs to a record of its organization and table, in that record's
//!   partition, and has its pointer; every pointer its note;
//! - no table, team, member or key outlives its organization; `api_key_count` is exact;
//! - every webhook parses and holds its secret sealed, and `webhook_count` is exact;
//! - every change-event item holds well-formed events of an organization that exists, and
//!   every webhook delivery is in the due index exactly while it is pending.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::digest::sha256_hex;
use crate::domain::organization::Organization;
use crate::domain::record::reference_target;
use crate::domain::record::Record;
use crate::domain::table::Table;
use crate::domain::user::User;
use crate::store::audit::{names_team, AuditItems};
use crate::store::index::index_entries;
use crate::store::records::unique_claims;
use crate::store::{Store, StoreError};

/// What the audit found: item counts by kind, and every broken invariant.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub counts: BTreeMap<&'static str, usize>,
    pub breaches: Vec<String>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.breaches.is_empty()
    }
}

/// Checks every invariant over all the items of a table.
pub fn audit(items: AuditItems) -> AuditReport {
    let mut report = AuditReport {
        counts: items.counts.clone(),
        breaches: items
            .unknown
            .iter()
            .map(|(pk, sk)| format!("unknown item {pk} / {sk}"))
            .collect(),
    };
    check(&items, &mut report.breaches);
    report
}

/// Every invariant, by kind of item.
fn check(items: &AuditItems, breaches: &mut Vec<String>) {
    check_tables(items, breaches);
    check_teams(items, breaches);
    check_memberships(items, breaches);
    check_api_keys(items, breaches);
    check_webhooks(items, breaches);
    for (org, sk, problem) in &items.events {
        if let Some(problem) = problem {
            breaches.push(format!("item {sk} of org {org}: {problem}"));
        }
        if !items.orgs.contains_key(org) {
            breaches.push(format!("item {sk} outlives org {org}"));
        }
    }
    check_records(items, breaches);
    check_search(items, breaches);
    for org in &items.purges {
        if items.orgs.contains_key(org) {
            breaches.push(format!("organization {org} is being purged but exists"));
        }
    }
}

/// Tables and their sentinels, heads and links.
fn check_tables(items: &AuditItems, breaches: &mut Vec<String>) {
    for (org, prefix, table_id) in &items.prefix_sentinels {
        match items.tables.get(table_id) {
            Some(t) if t.org_id == *org && &t.record_prefix == prefix => {}
            _ => breaches.push(format!(
                "record_prefix sentinel {prefix} of org {org} has no table {table_id}"
            )),
        }
    }
    for (org, slug, table_id) in &items.slug_sentinels {
        match items.tables.get(table_id) {
            Some(t) if t.org_id == *org && &t.api_slug == slug => {}
            _ => breaches.push(format!("api_slug sentinel {slug} of org {org} has no table {table_id}")),
        }
    }
    for head in items.heads.values() {
        if !items.tables.contains_key(&head.table_id) {
            breaches.push(format!("table head {} has no table", head.table_id));
        }
    }
    let mut solutions_per_org: BTreeMap<u64, u64> = BTreeMap::new();
    for (org, solution) in &items.solutions {
        *solutions_per_org.entry(*org).or_default() += 1;
        if solution.org_id != *org {
            breaches.push(format!(
                "solution {} of organization {} is in organization {org}'s partition",
                solution.id, solution.org_id
            ));
        }
    }
    check_org_count(
        items,
        &solutions_per_org,
        "solutions",
        |org| org.solution_count,
        breaches,
    );
    for table in items.tables.values() {
        if !items.orgs.contains_key(&table.org_id) {
            breaches.push(format!("table {} outlives org {}", table.id, table.org_id));
        }
        let owns = |list: &[(u64, String, String)], value: &str| {
            list.iter()
                .any(|(o, v, t)| *o == table.org_id && v == value && t == &table.id)
        };
        if !owns(&items.prefix_sentinels, &table.record_prefix) {
            breaches.push(format!("table {} has no record_prefix sentinel", table.id));
        }
        match items.heads.get(&table.id) {
            None => breaches.push(format!("table {} has no head", table.id)),
            Some(head) if head.revision != table.revision => breaches.push(format!(
                "table {} is at revision {} but its head at {}",
                table.id, table.revision, head.revision
            )),
            Some(_) => {}
        }
        if !owns(&items.slug_sentinels, &table.api_slug) {
            breaches.push(format!("table {} has no api_slug sentinel", table.id));
        }
        if let Some(solution) = &table.solution_id {
            let found = items
                .solutions
                .iter()
                .any(|(org, s)| *org == table.org_id && s.id == *solution);
            if !found {
                breaches.push(format!(
                    "table {} is in solution {solution}, which its organization does not have",
                    table.id
                ));
            }
        }
        if table.field_by_id(&table.display_field_id).is_none() {
            breaches.push(format!(
                "table {}'s display field {} is none of its fields, or archived",
                table.id, table.display_field_id
            ));
        }
        for field in table.fields.values() {
            if let Some(link) = &field.link {
                if items.tables.get(link).is_none_or(|t| t.org_id != table.org_id) {
                    breaches.push(format!(
                        "field {} of table {} links to no table {link} of its org",
                        field.key, table.id
                    ));
                }
            }
        }
    }
}

/// Teams and their name sentinels.
fn check_teams(items: &AuditItems, breaches: &mut Vec<String>) {
    for team in &items.teams {
        if !items.orgs.contains_key(&team.org_id) {
            breaches.push(format!("team {} outlives org {}", team.id, team.org_id));
        }
        if !items
            .team_sentinels
            .iter()
            .any(|(o, sk, t)| *o == team.org_id && names_team(sk, team) && t == &team.id)
        {
            breaches.push(format!("team {} has no name sentinel", team.id));
        }
    }
    for (org, sk, team_id) in &items.team_sentinels {
        if !items
            .teams
            .iter()
            .any(|t| t.org_id == *org && &t.id == team_id && names_team(sk, t))
        {
            breaches.push(format!("team name sentinel {sk} of org {org} has no team {team_id}"));
        }
    }
}

/// Memberships: pairs, pointing to users and orgs.
fn check_memberships(items: &AuditItems, breaches: &mut Vec<String>) {
    let users_by_id: HashMap<u64, &User> = items.users.values().map(|u| (u.id, u)).collect();
    for (org, member) in &items.members {
        let org = *org;
        if !items.orgs.contains_key(&org) {
            breaches.push(format!("member {} outlives org {org}", member.user_id));
        }
        if users_by_id
            .get(&member.user_id)
            .is_none_or(|u| u.external_id != member.external_id)
        {
            breaches.push(format!("member {} of org {org} is no user", member.user_id));
        }
        if !items
            .memberships
            .iter()
            .any(|(ext, m)| ext == &member.external_id && m.org_id == org && m.role == member.role)
        {
            breaches.push(format!(
                "member {} of org {org} has no matching membership",
                member.user_id
            ));
        }
    }
    for (external_id, embed) in &items.embed_generations {
        let member = items
            .memberships
            .iter()
            .any(|(ext, m)| ext == external_id && m.org_id == embed.org_id);
        if !member {
            breaches.push(format!(
                "embed generation of {external_id} in org {} has no membership",
                embed.org_id
            ));
        }
        if items.users.get(external_id).is_none_or(|u| u.id != embed.user_id) {
            breaches.push(format!(
                "embed generation of {external_id} in org {} names user {}, not the user",
                embed.org_id, embed.user_id
            ));
        }
    }
    for (external_id, membership) in &items.memberships {
        if !items.users.contains_key(external_id) {
            breaches.push(format!("membership of {external_id} has no user"));
        }
        if !items
            .members
            .iter()
            .any(|(org, m)| &m.external_id == external_id && *org == membership.org_id)
        {
            breaches.push(format!(
                "membership of {external_id} in org {} has no member item",
                membership.org_id
            ));
        }
    }
}

/// Each organization's count (`count_of`) equals how many of `what` were found in it
/// (`per_org`).
fn check_org_count(
    items: &AuditItems,
    per_org: &BTreeMap<u64, u64>,
    what: &str,
    count_of: fn(&Organization) -> u64,
    breaches: &mut Vec<String>,
) {
    for org in items.orgs.values() {
        let found = per_org.get(&org.id).copied().unwrap_or(0);
        let counted = count_of(org);
        if counted != found {
            breaches.push(format!("org {} counts {counted} {what} but has {found}", org.id));
        }
    }
}

/// API keys: their org exists, and the count is exact.
fn check_api_keys(items: &AuditItems, breaches: &mut Vec<String>) {
    let mut keys_per_org: BTreeMap<u64, u64> = BTreeMap::new();
    for key in &items.keys {
        *keys_per_org.entry(key.org_id).or_default() += 1;
        if !items.orgs.contains_key(&key.org_id) {
            breaches.push(format!("api key {} outlives org {}", key.id, key.org_id));
        }
    }
    check_org_count(items, &keys_per_org, "api keys", |org| org.api_key_count, breaches);
}

/// Webhooks: each parses and holds its secret sealed, its org exists, and the count is exact.
fn check_webhooks(items: &AuditItems, breaches: &mut Vec<String>) {
    let mut per_org: BTreeMap<u64, u64> = BTreeMap::new();
    for (org, id, problem) in &items.webhooks {
        *per_org.entry(*org).or_default() += 1;
        if let Some(problem) = problem {
            breaches.push(format!("webhook {id} of org {org}: {problem}"));
        }
        if !items.orgs.contains_key(org) {
            breaches.push(format!("webhook {id} outlives org {org}"));
        }
    }
    check_org_count(items, &per_org, "webhooks", |org| org.webhook_count, breaches);
}

/// Records: numbers, pointers, unique values, references.
fn check_records(items: &AuditItems, breaches: &mut Vec<String>) {
    let records = records_with_tables(items, breaches);
    check_record_numbers(items, &records, breaches);
    check_record_counts(items, &records, breaches);
    check_unique_values(items, &records, breaches);
    check_index_entries(items, &records, breaches);
    check_references(items, &records, breaches);
    check_histories(items, breaches);
    check_notes(items, breaches);
    check_tasks(items, breaches);
}

/// Every history item belongs to a record that exists (a record's delete removes its
/// history after it).
fn check_histories(items: &AuditItems, breaches: &mut Vec<String>) {
    for record in items.records.values() {
        let ended = record
            .values
            .values()
            .flatten()
            .filter(|v| v.get("active_until").is_some_and(|u| !u.is_null()));
        if ended.count() > 0 {
            breaches.push(format!("record {} holds ended values in its item", record.id));
        }
    }
    for record_id in &items.histories {
        if !items.records.contains_key(record_id) {
            breaches.push(format!("history of record {record_id}, which does not exist"));
        }
    }
}

/// Notes: each of a record of its organization and table, with its pointer; each pointer
/// with its note.
fn check_notes(items: &AuditItems, breaches: &mut Vec<String>) {
    let pointers: BTreeSet<(u64, &str, &str)> = items
        .note_pointers
        .iter()
        .map(|(org, p)| (*org, p.note_id.as_str(), p.record_id.as_str()))
        .collect();
    let notes: BTreeSet<(u64, &str, &str)> = items
        .notes
        .iter()
        .map(|n| (n.org_id, n.note_id.as_str(), n.record_id.as_str()))
        .collect();
    for note in &items.notes {
        let parent = items.records.get(&note.record_id);
        if !parent.is_some_and(|r| r.org_id == note.org_id && r.table_id == note.table_id) {
            breaches.push(format!(
                "note {} has no record {} in table {} of org {}",
                note.note_id, note.record_id, note.table_id, note.org_id
            ));
        }
        if !pointers.contains(&(note.org_id, note.note_id.as_str(), note.record_id.as_str())) {
            breaches.push(format!("note {} has no pointer", note.note_id));
        }
    }
    for (org, pointer) in &items.note_pointers {
        if !notes.contains(&(*org, pointer.note_id.as_str(), pointer.record_id.as_str())) {
            breaches.push(format!("note pointer {} of org {org} has no note", pointer.note_id));
        }
    }
}

/// Record search's items: each term item listed by its record's doc, each doc's terms
/// with their items (they are written together), each doc of a table of its organization
/// (or of one being purged). A doc may outlive its record for as long as the index is
/// behind, so that is not a breach; a search never answers it (`store::search`).
fn check_search(items: &AuditItems, breaches: &mut Vec<String>) {
    let terms: BTreeSet<(&str, &str, &str)> = items
        .search_terms
        .iter()
        .map(|(table, t)| (table.as_str(), t.record_id.as_str(), t.term.as_str()))
        .collect();
    let mut listed: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for (table_id, doc) in &items.search_docs {
        let table = items.tables.get(table_id);
        let purging = items.purges.contains(&doc.org_id);
        if !purging && !table.is_some_and(|t| t.org_id == doc.org_id && doc.table_id == *table_id) {
            breaches.push(format!(
                "the search doc of record {} names table {table_id} of org {}, which is not there",
                doc.record_id, doc.org_id
            ));
        }
        for term in &doc.terms {
            listed.insert((table_id.as_str(), doc.record_id.as_str(), term.as_str()));
            if !terms.contains(&(table_id.as_str(), doc.record_id.as_str(), term.as_str())) {
                breaches.push(format!(
                    "the search doc of record {} lists {term:?}, which has no term item",
                    doc.record_id
                ));
            }
        }
    }
    for (table_id, record_id, term) in terms.difference(&listed) {
        breaches.push(format!(
            "search term {term:?} of record {record_id} (table {table_id}) is in no doc"
        ));
    }
}

/// Tasks: each in its organization's partition, each link to a record of its table and
/// organization with its link item; each link item with its task.
fn check_tasks(items: &AuditItems, breaches: &mut Vec<String>) {
    let links: BTreeSet<(&str, &str, u64)> = items
        .task_links
        .iter()
        .map(|(record, link)| (record.as_str(), link.task_id.as_str(), link.org_id))
        .collect();
    let mut linked: BTreeSet<(&str, &str, u64)> = BTreeSet::new();
    for (org, task) in &items.tasks {
        if task.org_id != *org || !items.orgs.contains_key(org) {
            breaches.push(format!(
                "task {} of org {} is in org {org}'s partition, or outlives it",
                task.task_id, task.org_id
            ));
        }
        for (record_id, table_id) in &task.links {
            linked.insert((record_id.as_str(), task.task_id.as_str(), *org));
            let record = items.records.get(record_id);
            if !record.is_some_and(|r| r.org_id == *org && &r.table_id == table_id) {
                breaches.push(format!(
                    "task {} links to no record {record_id} of table {table_id}",
                    task.task_id
                ));
            }
            if !links.contains(&(record_id.as_str(), task.task_id.as_str(), *org)) {
                breaches.push(format!("task {}'s link to {record_id} has no link item", task.task_id));
            }
        }
    }
    for (record_id, link) in &items.task_links {
        if !linked.contains(&(record_id.as_str(), link.task_id.as_str(), link.org_id)) {
            breaches.push(format!(
                "the link item of task {} in record {record_id} has no task that links it",
                link.task_id
            ));
        }
    }
}

/// The records whose table exists in their organization, with that table.
fn records_with_tables<'a>(items: &'a AuditItems, breaches: &mut Vec<String>) -> Vec<(&'a Record, &'a Table)> {
    let mut found = Vec::new();
    for record in items.records.values() {
        match items.tables.get(&record.table_id).filter(|t| t.org_id == record.org_id) {
            Some(table) => found.push((record, table)),
            None => breaches.push(format!("record {} has no table {}", record.id, record.table_id)),
        }
    }
    found
}

/// Display numbers: unique per table, within the head's counter, each with its pointer
/// and each pointer with its record.
fn check_record_numbers(items: &AuditItems, records: &[(&Record, &Table)], breaches: &mut Vec<String>) {
    let mut numbers: BTreeMap<(&str, u64), &str> = BTreeMap::new();
    for (record, table) in records {
        if let Some(other) = numbers.insert((&record.table_id, record.number), &record.id) {
            breaches.push(format!(
                "records {other} and {} share {}-{}",
                record.id, table.record_prefix, record.number
            ));
        }
        let record_seq = items.heads.get(&record.table_id).map_or(0, |h| h.record_seq);
        if record.number == 0 || record.number > record_seq {
            breaches.push(format!(
                "record {} has number {} beyond its table's counter {record_seq}",
                record.id, record.number
            ));
        }
        if !items
            .pointers
            .iter()
            .any(|(t, n, r)| t == &record.table_id && *n == record.number && r == &record.id)
        {
            breaches.push(format!("record {} has no number pointer", record.id));
        }
    }
    for (table, number, record) in &items.pointers {
        if !items
            .records
            .get(record)
            .is_some_and(|r| &r.table_id == table && r.number == *number)
        {
            breaches.push(format!("number pointer {table}#{number} has no record {record}"));
        }
    }
}

/// Each table's record count is its number of records (a table made before counts were
/// kept has none to check), and no count outlives its table.
fn check_record_counts(items: &AuditItems, records: &[(&Record, &Table)], breaches: &mut Vec<String>) {
    let mut held: BTreeMap<&str, i64> = BTreeMap::new();
    for (record, _) in records {
        *held.entry(&record.table_id).or_default() += 1;
    }
    for (table_id, count) in &items.record_counts {
        if !items.tables.contains_key(table_id) {
            breaches.push(format!("record count of table {table_id}, which does not exist"));
            continue;
        }
        let holds = held.get(table_id.as_str()).copied().unwrap_or(0);
        if count.based && count.total != holds {
            breaches.push(format!(
                "table {table_id} counts {} records but holds {holds}",
                count.total
            ));
        }
    }
}

/// Every unique value a record holds has its sentinel, and every sentinel its value.
fn check_unique_values(items: &AuditItems, records: &[(&Record, &Table)], breaches: &mut Vec<String>) {
    let claims: BTreeSet<(String, String, String)> = records
        .iter()
        .flat_map(|(record, table)| {
            unique_claims(table, Some(record))
                .into_iter()
                .map(|(field_id, value)| (field_id, sha256_hex(&value), record.id.clone()))
        })
        .collect();
    let sentinels: BTreeSet<(String, String, String)> = items.uniques.iter().cloned().collect();
    for missing in claims.difference(&sentinels) {
        breaches.push(format!(
            "record {} has no sentinel for its unique value of field {}",
            missing.2, missing.0
        ));
    }
    for orphan in sentinels.difference(&claims) {
        breaches.push(format!(
            "unique sentinel of field {} points to record {} which does not hold it",
            orphan.0, orphan.2
        ));
    }
}

/// Every indexed value has its entry, and every entry is a value its record holds.
fn check_index_entries(items: &AuditItems, records: &[(&Record, &Table)], breaches: &mut Vec<String>) {
    let expected: BTreeSet<(String, String, String)> = records
        .iter()
        .flat_map(|(record, table)| {
            index_entries(table, Some(record))
                .into_iter()
                .map(|(field_id, sk)| (field_id, sk, record.id.clone()))
        })
        .collect();
    let stored: BTreeSet<(String, String, String)> = items.index_entries.iter().cloned().collect();
    for missing in expected.difference(&stored) {
        breaches.push(format!(
            "record {} has no index entry {} of field {}",
            missing.2, missing.1, missing.0
        ));
    }
    for orphan in stored.difference(&expected) {
        breaches.push(format!(
            "index entry {} of field {} points to record {} which does not hold it",
            orphan.1, orphan.0, orphan.2
        ));
    }
}

/// Every reference points at a record of the linked table, and every record counts the
/// records that reference it.
fn check_references(items: &AuditItems, records: &[(&Record, &Table)], breaches: &mut Vec<String>) {
    let mut referenced_by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (record, table) in records {
        for field in table.fields.values() {
            let Some(link) = &field.link else { continue };
            for target in record.active(&field.id).filter_map(reference_target) {
                match items.records.get(target) {
                    Some(t) if &t.table_id == link && t.org_id == record.org_id => {
                        referenced_by.entry(target).or_default().insert(&record.id);
                    }
                    _ => breaches.push(format!("record {} references missing record {target}", record.id)),
                }
            }
        }
    }
    for record in items.records.values() {
        let expected = referenced_by.get(record.id.as_str()).map_or(0, |s| s.len() as i64);
        if record.ref_count != expected {
            breaches.push(format!(
                "record {} counts {} references but has {expected}",
                record.id, record.ref_count
            ));
        }
    }
    check_referrer_items(items, &referenced_by, breaches);
}

/// The referrer items (`store::referrers`) are exactly the references: one per record
/// that references another, in the referenced record's partition.
fn check_referrer_items(
    items: &AuditItems,
    referenced_by: &BTreeMap<&str, BTreeSet<&str>>,
    breaches: &mut Vec<String>,
) {
    let stored: BTreeSet<(&str, &str)> = items
        .referrers
        .iter()
        .map(|(target, referrer)| (target.as_str(), referrer.as_str()))
        .collect();
    let expected: BTreeSet<(&str, &str)> = referenced_by
        .iter()
        .flat_map(|(target, referrers)| referrers.iter().map(move |r| (*target, *r)))
        .collect();
    for (target, referrer) in expected.difference(&stored) {
        breaches.push(format!(
            "record {referrer} references {target}, which has no referrer item for it"
        ));
    }
    for (target, referrer) in stored.difference(&expected) {
        breaches.push(format!(
            "record {target} has a referrer item for {referrer}, which does not reference it"
        ));
    }
}

impl Store {
    /// Audits the whole table.
    pub async fn audit(&self) -> Result<AuditReport, StoreError> {
        Ok(audit(self.audit_items().await?))
    }
}
