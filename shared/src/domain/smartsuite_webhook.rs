//! SmartSuite's webhooks over the change-event log (docs/compat-smartsuite.md, "Webhooks:
//! the design"): a webhook's settings as SmartSuite's RPC methods send them
//! (developers.smartsuite.com, "Create Webhook", "Update Webhook"; Activepieces' and
//! Pipedream's triggers), and which of the log's events it takes, as SmartSuite's events.
//! Pure: the handlers read the log and the records.
//!
//! The RPC bodies are protobuf's JSON (SmartSuite's webhooks host is Twirp-style): an enum
//! may come as its name or its number (the docs' UpdateWebhook example sends `kinds: [1]`),
//! and a whole number as a string (`"page_size": "50"`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::organization::OrgId;
use super::record::Record;
use super::solution::SolutionId;
use super::webhook::{TargetPolicy, TargetUrl};
use super::Invalid;
use crate::time::Timestamp;

/// The kinds of change a SmartSuite webhook takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    RecordCreated,
    RecordUpdated,
    RecordDeleted,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::RecordCreated, Kind::RecordUpdated, Kind::RecordDeleted];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RecordCreated => "RECORD_CREATED",
            Kind::RecordUpdated => "RECORD_UPDATED",
            Kind::RecordDeleted => "RECORD_DELETED",
        }
    }

    /// Its protobuf number: the order SmartSuite lists them in, from 1 (0 is protobuf's
    /// unspecified value; the docs' `kinds: [1]` is a create's).
    fn number(self) -> u64 {
        match self {
            Kind::RecordCreated => 1,
            Kind::RecordUpdated => 2,
            Kind::RecordDeleted => 3,
        }
    }

    fn parse(raw: &Value, path: &str) -> Result<Self, Invalid> {
        let found = match raw {
            Value::String(name) => Self::ALL.into_iter().find(|k| k.as_str() == name),
            Value::Number(n) => Self::ALL.into_iter().find(|k| Some(k.number()) == n.as_u64()),
            _ => None,
        };
        found.ok_or_else(|| {
            Invalid::value(format!(
                "`{path}` must be RECORD_CREATED, RECORD_UPDATED or RECORD_DELETED (or 1, 2, 3), not {raw}"
            ))
        })
    }

    /// The kind of one of the log's events, if a SmartSuite webhook can take it.
    fn of_event(event_type: &str) -> Option<Self> {
        match event_type {
            "record.created" => Some(Kind::RecordCreated),
            "record.updated" => Some(Kind::RecordUpdated),
            "record.deleted" => Some(Kind::RecordDeleted),
            _ => None,
        }
    }
}

/// Which records' changes a webhook takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every table of the solution.
    Solution,
    /// These tables.
    Applications(Vec<String>),
    /// One table, and, for updates, only those that change one of these fields (by field
    /// id; none named is every field).
    Application { id: String, field_ids: Vec<String> },
}

impl Filter {
    fn parse(raw: &Value, path: &str) -> Result<Self, Invalid> {
        let one_of = || {
            Invalid::value(format!(
                "`{path}` must be one of {{\"solution\": {{}}}}, {{\"applications\": {{\"application_ids\": [...]}}}}, {{\"application\": {{\"application_id\", \"field_ids\"}}}}"
            ))
        };
        let Value::Object(forms) = raw else {
            return Err(one_of());
        };
        if forms.len() != 1 {
            return Err(one_of());
        }
        let ids = |value: Option<&Value>, at: &str| -> Result<Vec<String>, Invalid> {
            match value {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|id| {
                        id.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| Invalid::value(format!("`{at}` must be a list of ids")))
                    })
                    .collect(),
                Some(_) => Err(Invalid::value(format!("`{at}` must be a list of ids"))),
            }
        };
        match forms.iter().next() {
            Some((form, _)) if form == "solution" => Ok(Filter::Solution),
            Some((form, inner)) if form == "applications" => {
                let at = format!("{path}.applications.application_ids");
                let tables = ids(inner.get("application_ids"), &at)?;
                if tables.is_empty() {
                    return Err(Invalid::value(format!("`{at}` must name at least one table")));
                }
                Ok(Filter::Applications(tables))
            }
            Some((form, inner)) if form == "application" => {
                let id = inner
                    .get("application_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Invalid::value(format!("`{path}.application.application_id` is required")))?;
                let field_ids = ids(inner.get("field_ids"), &format!("{path}.application.field_ids"))?;
                Ok(Filter::Application {
                    id: id.to_string(),
                    field_ids,
                })
            }
            _ => Err(one_of()),
        }
    }

    /// The tables it names (none: every table of the solution).
    pub fn tables(&self) -> Vec<&str> {
        match self {
            Filter::Solution => Vec::new(),
            Filter::Applications(ids) => ids.iter().map(String::as_str).collect(),
            Filter::Application { id, .. } => vec![id.as_str()],
        }
    }

    fn takes(&self, table_id: &str, kind: Kind, changed: &[String]) -> bool {
        match self {
            Filter::Solution => true,
            Filter::Applications(ids) => ids.iter().any(|id| id == table_id),
            Filter::Application { id, field_ids } => {
                id == table_id
                    && (kind != Kind::RecordUpdated
                        || field_ids.is_empty()
                        || changed.iter().any(|c| field_ids.contains(c)))
            }
        }
    }
}

/// Where notifications go: a URL, or nowhere (events are still kept for `ListEvents`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    Enabled(TargetUrl),
    Disabled,
}

/// A webhook's settings, as `CreateWebhook` and `UpdateWebhook` send them in `webhook`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The solution its locator names, whose tables it watches (`{"solution": {}}`) or
    /// among whose tables it picks; `None`: the workspace's default solution.
    pub solution: Option<String>,
    pub filter: Filter,
    pub kinds: Vec<Kind>,
    pub notification: Notification,
}

impl Settings {
    /// `webhook` (the object in `{"webhook": {...}}`) for the workspace `org`: its locator
    /// must name this workspace, and may name a solution (the caller checks that it
    /// exists); one that names none keeps `current`, the webhook's solution before (`None`
    /// for a new one: the default solution).
    pub fn parse(webhook: &Value, org: OrgId, current: Option<&str>, policy: TargetPolicy) -> Result<Self, Invalid> {
        let Value::Object(fields) = webhook else {
            return Err(Invalid::value("`webhook` must be an object"));
        };
        let solution = match located_solution(fields.get("locator"), org)? {
            Located::Unnamed => current.map(str::to_string),
            Located::Default => None,
            Located::Made(id) => Some(id.as_str().to_string()),
        };
        let filter = Filter::parse(fields.get("filter").unwrap_or(&Value::Null), "webhook.filter")?;
        let kinds = match fields.get("kinds") {
            Some(Value::Array(kinds)) if !kinds.is_empty() => {
                let mut parsed = kinds
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| Kind::parse(kind, &format!("webhook.kinds[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                parsed.sort();
                parsed.dedup();
                parsed
            }
            _ => return Err(Invalid::value("`webhook.kinds` must list at least one kind")),
        };
        let notification = match fields.get("notification_status") {
            None | Some(Value::Null) => Notification::Disabled,
            Some(Value::Object(status)) if status.contains_key("disabled") && status.len() == 1 => {
                Notification::Disabled
            }
            Some(Value::Object(status)) if status.contains_key("enabled") && status.len() == 1 => {
                let url = status["enabled"]
                    .get("url")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Invalid::value("`webhook.notification_status.enabled.url` is required"))?;
                Notification::Enabled(TargetUrl::parse(
                    "webhook.notification_status.enabled.url",
                    url,
                    policy,
                )?)
            }
            Some(_) => {
                return Err(Invalid::value(
                    "`webhook.notification_status` must be {\"enabled\": {\"url\"}} or {\"disabled\": {}}",
                ))
            }
        };
        Ok(Self {
            solution,
            filter,
            kinds,
            notification,
        })
    }

    /// The id of the solution it watches.
    pub fn solution_id(&self, org: OrgId) -> String {
        self.solution.clone().unwrap_or_else(|| org.solution_id())
    }
}

impl Filter {
    /// The filter as the RPC bodies send it (and as it is stored).
    pub fn to_json(&self) -> Value {
        match self {
            Filter::Solution => json!({"solution": {}}),
            Filter::Applications(ids) => json!({"applications": {"application_ids": ids}}),
            Filter::Application { id, field_ids } => {
                json!({"application": {"application_id": id, "field_ids": field_ids}})
            }
        }
    }
}

impl Notification {
    /// `notification_status` as the RPC bodies send it (and as it is stored).
    pub fn to_json(&self) -> Value {
        match self {
            Notification::Enabled(url) => json!({"enabled": {"url": url.as_str()}}),
            Notification::Disabled => json!({"disabled": {}}),
        }
    }
}

impl Settings {
    /// The settings as stored: `filter`, `kinds` by name, `notification_status`, and the
    /// solution when it is not the default.
    pub fn to_json(&self) -> Value {
        let mut stored = json!({
            "filter": self.filter.to_json(),
            "kinds": self.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "notification_status": self.notification.to_json(),
        });
        if let Some(solution) = &self.solution {
            stored["solution_id"] = json!(solution);
        }
        stored
    }

    /// Settings as [`Settings::to_json`] stored them; `None` if they do not parse. The URL
    /// was checked when it was set ([`TargetUrl::stored`]).
    pub fn stored(raw: &Value) -> Option<Self> {
        let filter = Filter::parse(raw.get("filter")?, "filter").ok()?;
        let kinds = raw
            .get("kinds")?
            .as_array()?
            .iter()
            .map(|k| Kind::parse(k, "kinds").ok())
            .collect::<Option<Vec<_>>>()?;
        let status = raw.get("notification_status")?;
        let notification = match status.get("enabled") {
            Some(enabled) => Notification::Enabled(TargetUrl::stored(enabled.get("url")?.as_str()?)?),
            None if status.get("disabled").is_some() => Notification::Disabled,
            None => return None,
        };
        let solution = match raw.get("solution_id") {
            None => None,
            Some(id) => Some(id.as_str()?.to_string()),
        };
        (!kinds.is_empty()).then_some(Self {
            solution,
            filter,
            kinds,
            notification,
        })
    }
}

/// A SmartSuite webhook as kept: its settings, who made and last changed it (user ids)
/// and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub settings: Settings,
    pub created_at: String,
    pub created_by: u64,
    pub updated_at: String,
    pub updated_by: u64,
    /// Bumped by every update; an update is conditional on the version it read.
    pub version: u64,
}

impl Webhook {
    /// The webhook as Get, List, Create and Update show it (developers.smartsuite.com,
    /// "Get Webhook", "List Webhooks"). It never expires here, so `system_status` is
    /// `enabled` with no `expires_at`.
    pub fn to_json(&self, org: OrgId) -> Value {
        json!({
            "webhook_id": self.id,
            "locator": locator(org, &self.settings.solution_id(org), None),
            "filter": self.settings.filter.to_json(),
            "kinds": self.settings.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "created_at": {"by": self.created_by.to_string(), "at": self.created_at},
            "updated_at": {"by": self.updated_by.to_string(), "at": self.updated_at},
            "notification_status": self.settings.notification.to_json(),
            "system_status": {"enabled": {}},
        })
    }
}

/// SmartSuite's locator: the workspace (the organization's id, as `ACCOUNT-ID` gives it),
/// a solution, and a table where one is meant.
pub fn locator(org: OrgId, solution_id: &str, application_id: Option<&str>) -> Value {
    let mut locator = json!({"account_id": org.0.to_string(), "solution_id": solution_id});
    if let Some(table) = application_id {
        locator["application_id"] = json!(table);
    }
    locator
}

/// The thin notification POSTed to a webhook's URL ("Webhooks Overview"; Activepieces
/// reads `webhookId` and `locator` from it): camelCase, unlike the API.
pub fn notification_body(org: OrgId, webhook: &Webhook) -> Value {
    json!({
        "webhookId": webhook.id,
        "locator": {"accountId": org.0.to_string(), "solutionId": webhook.settings.solution_id(org)},
    })
}

/// Where one change sits among its write's: the change-event item it came from, when,
/// and how many changes that write made (SmartSuite's `ctx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch<'a> {
    pub id: &'a str,
    pub at: &'a str,
    pub size: usize,
}

/// One event as `ListEvents` shows it, but for its `event_id` (`<webhook>.<sequence>`,
/// given when it is queued): `data` is the record as the write left it and `previous` the
/// values the write replaced, by slug (empty but for an update). Its table is in the
/// webhook's solution (a webhook takes no other's), so both locators name that one.
pub fn event_json(
    org: OrgId,
    webhook: &Webhook,
    change: &Change,
    batch: &Batch<'_>,
    data: Value,
    previous: Value,
) -> Value {
    let solution = webhook.settings.solution_id(org);
    json!({
        "webhook_id": webhook.id,
        "locator": locator(org, &solution, None),
        "kind": change.kind.as_str(),
        "event_at": batch.at,
        "record_event_data": {
            "record_id": change.record_id,
            "locator": locator(org, &solution, Some(&change.table_id)),
            "data": data,
            "previous": previous,
        },
        "ctx": {
            "change_id": format!("{}.{}", batch.id, change.index),
            "change_size": 1,
            "batch_id": batch.id,
            "batch_size": batch.size,
            "source": "API",
            "handler": "API",
        },
    })
}

/// The solution a locator names.
enum Located {
    /// None: no locator, or none in it.
    Unnamed,
    /// The workspace's default solution.
    Default,
    /// Another (which the caller must find).
    Made(SolutionId),
}

/// The locator names this workspace (`account_id`: the organization's id, as `ACCOUNT-ID`
/// does) and a solution; either may be left out.
fn located_solution(raw: Option<&Value>, org: OrgId) -> Result<Located, Invalid> {
    let Some(locator) = raw.filter(|v| !v.is_null()) else {
        return Ok(Located::Unnamed);
    };
    let Value::Object(locator) = locator else {
        return Err(Invalid::value("`webhook.locator` must be an object"));
    };
    let account = match locator.get("account_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(Invalid::value("`webhook.locator.account_id` must be a string")),
    };
    if account.is_some_and(|a| a != org.0.to_string()) {
        return Err(Invalid::value(
            "`webhook.locator.account_id` must be this workspace's id",
        ));
    }
    match locator.get("solution_id") {
        None | Some(Value::Null) => Ok(Located::Unnamed),
        Some(Value::String(s)) if *s == org.solution_id() => Ok(Located::Default),
        Some(Value::String(s)) => Ok(Located::Made(SolutionId::parse("webhook.locator.solution_id", s)?)),
        Some(_) => Err(Invalid::value("`webhook.locator.solution_id` must be a solution id")),
    }
}

/// A whole number that protobuf's JSON may send as a string (`"50"`); absent or `""` is
/// `default`.
pub fn whole_number(raw: Option<&Value>, path: &str, default: u64) -> Result<u64, Invalid> {
    let bad = || Invalid::value(format!("`{path}` must be a whole number"));
    match raw {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if s.is_empty() => Ok(default),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| bad()),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

/// One change a webhook takes from one event item: a record's create, update (all the
/// item's `record.updated` events for the record, one per attribute) or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its place in the event item (the first of its events), for the page position.
    pub index: usize,
    pub kind: Kind,
    pub table_id: String,
    pub record_id: String,
    /// The record's version the write made.
    pub version: Option<u64>,
    /// The attribute (field) ids an update changed.
    pub changed: Vec<String>,
}

/// The changes among one event item's `events` (Attio's event shapes, in order) that a
/// webhook with `kinds` and `filter` takes, in order, each from index `from` on.
pub fn changes(events: &[Value], from: usize, kinds: &[Kind], filter: &Filter) -> Vec<Change> {
    let mut found: Vec<Change> = Vec::new();
    for (index, event) in events.iter().enumerate().skip(from) {
        let Some(kind) = event["event_type"].as_str().and_then(Kind::of_event) else {
            continue;
        };
        let (Some(table_id), Some(record_id)) = (event["id"]["object_id"].as_str(), event["id"]["record_id"].as_str())
        else {
            continue;
        };
        let attribute = event["id"]["attribute_id"].as_str().map(str::to_string);
        let same = found
            .iter_mut()
            .find(|c| kind == Kind::RecordUpdated && c.kind == kind && c.record_id == record_id);
        match same {
            Some(change) => change.changed.extend(attribute),
            None => found.push(Change {
                index,
                kind,
                table_id: table_id.to_string(),
                record_id: record_id.to_string(),
                version: event["record_version"].as_u64(),
                changed: attribute.into_iter().collect(),
            }),
        }
    }
    found
        .into_iter()
        .filter(|c| kinds.contains(&c.kind) && filter.takes(&c.table_id, c.kind, &c.changed))
        .collect()
}

/// Values by field id, as a record and its history items hold them.
pub type FieldValues = BTreeMap<String, Vec<Value>>;

/// A record as one write left it (`data`), and the values of the fields it changed just
/// before it (`previous`, by field id): what a SmartSuite event shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AsWritten {
    pub data: Record,
    pub previous: FieldValues,
}

/// The record as the write that made `version` at `stamp` (its values' `active_from` and
/// `active_until`) left it, from the record now (`current`) and the values each later
/// write ended (`ended`: the history items of `version` and after, by version); and the
/// values the write replaced in the fields it `changed`.
///
/// While the record is still at `version` (the fan-out reads it moments after the write)
/// this is exact: the write's own values are those stamped `stamp`. Past it, later writes
/// are undone by time: a value was current after the write if it began by `stamp` and
/// ended after it.
pub fn as_written(
    current: &Record,
    ended: &BTreeMap<u64, FieldValues>,
    version: u64,
    stamp: &str,
    changed: &[String],
) -> AsWritten {
    let mut previous = FieldValues::new();
    if current.version == version {
        for field in changed {
            let kept = current
                .values
                .get(field)
                .into_iter()
                .flatten()
                .filter(|v| is_current(v) && started(v) != Some(stamp));
            let replaced = ended
                .get(&version)
                .and_then(|item| item.get(field))
                .into_iter()
                .flatten()
                .filter(|v| v.get("active_until").and_then(Value::as_str) == Some(stamp));
            let values: Vec<Value> = kept.chain(replaced).map(reopened).collect();
            previous.insert(field.clone(), values);
        }
        return AsWritten {
            data: current.clone(),
            previous,
        };
    }
    let at = Timestamp::parse_rfc3339(stamp);
    let every = |field: &str, from_version: u64| -> Vec<&Value> {
        let later = ended
            .range(from_version..)
            .flat_map(|(_, item)| item.get(field).into_iter().flatten());
        current.values.get(field).into_iter().flatten().chain(later).collect()
    };
    let mut data = current.clone();
    let fields: Vec<String> = ended
        .values()
        .flat_map(|item| item.keys().cloned())
        .chain(current.values.keys().cloned())
        .collect();
    for field in fields {
        let values = every(&field, version + 1)
            .into_iter()
            .filter(|v| began_by(v, at, true) && ended_after(v, at, false))
            .map(reopened)
            .collect();
        data.values.insert(field, values);
    }
    data.version = version;
    for field in changed {
        let values = every(field, version)
            .into_iter()
            .filter(|v| began_by(v, at, false) && ended_after(v, at, true))
            .map(reopened)
            .collect();
        previous.insert(field.clone(), values);
    }
    AsWritten { data, previous }
}

fn started(value: &Value) -> Option<&str> {
    value.get("active_from").and_then(Value::as_str)
}

fn is_current(value: &Value) -> bool {
    value.get("active_until").is_none_or(Value::is_null)
}

/// The value as current: its end taken off.
fn reopened(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(object) = value.as_object_mut() {
        object.insert("active_until".into(), Value::Null);
    }
    value
}

/// Whether a value began before `at` (or at it, `inclusive`); one without a readable start
/// began long ago.
fn began_by(value: &Value, at: Option<Timestamp>, inclusive: bool) -> bool {
    match (started(value).and_then(Timestamp::parse_rfc3339), at) {
        (Some(from), Some(at)) => from < at || (inclusive && from == at),
        _ => true,
    }
}

/// Whether a value was still current after `at` (or at it, `inclusive`).
fn ended_after(value: &Value, at: Option<Timestamp>, inclusive: bool) -> bool {
    let until = value.get("active_until").and_then(Value::as_str);
    match (until.and_then(Timestamp::parse_rfc3339), at) {
        (Some(until), Some(at)) => until > at || (inclusive && until == at),
        (None, _) => until.is_none(),
        (Some(_), None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ORG: OrgId = OrgId(7);

    fn settings(webhook: Value) -> Result<Settings, Invalid> {
        Settings::parse(&webhook, ORG, None, TargetPolicy::PublicHttpsOnly)
    }

    /// A locator's solution: the default one is none, another is kept, and a body that
    /// names none keeps the webhook's own (on an update) or the default (on a create).
    #[test]
    fn the_locator_names_the_solution_watched() {
        let made = "0123456789abcdef01234567";
        let webhook =
            |locator: Value| json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"], "locator": locator});
        let parse = |locator: Value, current: Option<&str>| {
            Settings::parse(&webhook(locator), ORG, current, TargetPolicy::PublicHttpsOnly)
                .unwrap()
                .solution
        };
        let cases: [(Value, Option<&str>, Option<&str>); 6] = [
            (json!({"solution_id": ORG.solution_id()}), Some(made), None),
            (json!({"solution_id": made}), None, Some(made)),
            (json!({"account_id": "7"}), Some(made), Some(made)),
            (json!({"account_id": "7"}), None, None),
            (Value::Null, Some(made), Some(made)),
            (json!({"solution_id": null}), None, None),
        ];
        for (locator, current, expected) in cases {
            assert_eq!(
                parse(locator.clone(), current).as_deref(),
                expected,
                "{locator} over {current:?}"
            );
        }
        let stored = Settings::parse(
            &webhook(json!({"solution_id": made})),
            ORG,
            None,
            TargetPolicy::PublicHttpsOnly,
        )
        .unwrap();
        assert_eq!(
            Settings::stored(&stored.to_json()),
            Some(stored.clone()),
            "the solution is kept"
        );
        assert_eq!(stored.solution_id(ORG), made);
    }

    #[test]
    fn the_docs_and_the_connectors_webhooks_parse() {
        let solution = ORG.solution_id();
        // Activepieces' create: one table, a kind by name, notifications on.
        let made = settings(json!({
            "filter": {"applications": {"application_ids": ["t1"]}},
            "kinds": ["RECORD_CREATED"],
            "locator": {"account_id": "7", "solution_id": solution},
            "notification_status": {"enabled": {"url": "https://hook.example/x"}}
        }))
        .unwrap();
        assert_eq!(made.filter, Filter::Applications(vec!["t1".into()]));
        assert_eq!(made.kinds, [Kind::RecordCreated]);
        assert!(matches!(made.notification, Notification::Enabled(_)));
        // The docs' update: a kind by number, notifications off; Pipedream's solution filter.
        let updated = settings(json!({
            "webhook_id": "w", "kinds": [1, "RECORD_UPDATED", 1], "filter": {"solution": {}},
            "locator": {"account_id": "7", "solution_id": solution},
            "notification_status": {"disabled": {}}
        }))
        .unwrap();
        assert_eq!(updated.kinds, [Kind::RecordCreated, Kind::RecordUpdated]);
        assert_eq!(updated.filter, Filter::Solution);
        assert_eq!(updated.notification, Notification::Disabled);
    }

    #[test]
    fn bad_settings_are_refused_naming_what_is_wrong() {
        let solution = ORG.solution_id();
        let base = json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]});
        let with = |key: &str, value: Value| {
            let mut webhook = base.clone();
            webhook[key] = value;
            webhook
        };
        for (webhook, says) in [
            (with("kinds", json!([])), "webhook.kinds"),
            (with("kinds", json!(["RECORD_MERGED"])), "webhook.kinds[0]"),
            (with("kinds", json!([9])), "webhook.kinds[0]"),
            (with("filter", json!({})), "webhook.filter"),
            (
                with("filter", json!({"solution": {}, "applications": {}})),
                "webhook.filter",
            ),
            (
                with("filter", json!({"applications": {"application_ids": []}})),
                "application_ids",
            ),
            (
                with("filter", json!({"application": {"field_ids": ["f"]}})),
                "application_id",
            ),
            (with("locator", json!({"account_id": "8"})), "account_id"),
            (with("locator", json!({"solution_id": "x"})), "solution_id"),
            (with("notification_status", json!({"enabled": {}})), "url"),
            (
                with("notification_status", json!({"enabled": {"url": "http://10.0.0.1/"}})),
                "notification_status",
            ),
            (with("notification_status", json!("on")), "notification_status"),
        ] {
            let err = settings(webhook.clone()).unwrap_err();
            assert!(err.to_string().contains(says), "{webhook}: {err}");
        }
        assert!(settings(with("locator", json!({"account_id": 7, "solution_id": solution}))).is_ok());
    }

    fn event(event_type: &str, table: &str, record: &str, attribute: Option<&str>, version: u64) -> Value {
        let mut id = json!({"workspace_id": "w", "object_id": table, "record_id": record});
        if let Some(attribute) = attribute {
            id["attribute_id"] = json!(attribute);
        }
        json!({"event_type": event_type, "id": id, "actor": {"type": "api-token", "id": "k"}, "record_version": version})
    }

    #[test]
    fn one_writes_updates_are_one_change_and_filters_and_kinds_select() {
        let events = [
            event("record.updated", "t1", "r1", Some("a"), 2),
            event("record.updated", "t1", "r1", Some("b"), 2),
            event("object-attribute.created", "t1", "x", None, 0),
            event("record.created", "t2", "r2", None, 0),
            event("record.deleted", "t1", "r3", None, 4),
        ];
        let all = changes(&events, 0, &Kind::ALL, &Filter::Solution);
        let shown: Vec<(usize, Kind, &str, Vec<String>)> = all
            .iter()
            .map(|c| (c.index, c.kind, c.record_id.as_str(), c.changed.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                (0, Kind::RecordUpdated, "r1", vec!["a".to_string(), "b".to_string()]),
                (3, Kind::RecordCreated, "r2", vec![]),
                (4, Kind::RecordDeleted, "r3", vec![]),
            ]
        );
        assert_eq!(all[0].version, Some(2));
        let ids = |found: Vec<Change>| found.into_iter().map(|c| c.record_id).collect::<Vec<_>>();
        assert_eq!(
            ids(changes(&events, 0, &[Kind::RecordCreated], &Filter::Solution)),
            ["r2"]
        );
        assert_eq!(
            ids(changes(
                &events,
                0,
                &Kind::ALL,
                &Filter::Applications(vec!["t1".into()])
            )),
            ["r1", "r3"]
        );
        let fields = |ids: &[&str]| Filter::Application {
            id: "t1".into(),
            field_ids: ids.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(ids(changes(&events, 0, &Kind::ALL, &fields(&["b"]))), ["r1", "r3"]);
        assert_eq!(ids(changes(&events, 0, &Kind::ALL, &fields(&["z"]))), ["r3"]);
        // From a position inside the item: what comes after it.
        assert_eq!(ids(changes(&events, 3, &Kind::ALL, &Filter::Solution)), ["r2", "r3"]);
    }

    fn value(v: &str, from: &str, until: Option<&str>) -> Value {
        json!({"value": v, "active_from": from, "active_until": until})
    }

    fn shown(values: &[Value]) -> Vec<(String, bool)> {
        values
            .iter()
            .map(|v| (v["value"].as_str().unwrap().to_string(), v["active_until"].is_null()))
            .collect()
    }

    #[test]
    fn a_write_is_seen_as_it_left_the_record_and_what_it_replaced() {
        let (t1, t2, t3) = (
            "2026-12-05T10:00:00.000000001Z",
            "2026-12-05T10:00:01.000000002Z",
            "2026-12-05T10:00:02.000000003Z",
        );
        // v1 (t1): name Acme, tags [a]. v2 (t2): name Acme Inc, tag b added (nothing of
        // tags ended). v3 (t3): tags [c].
        let mut current = Record::for_tests("r1", "t1");
        current.version = 3;
        current.values = BTreeMap::from([
            ("name".to_string(), vec![value("Acme Inc", t2, None)]),
            ("tags".to_string(), vec![value("c", t3, None)]),
        ]);
        let ended = BTreeMap::from([
            (
                2,
                FieldValues::from([("name".to_string(), vec![value("Acme", t1, Some(t2))])]),
            ),
            (
                3,
                FieldValues::from([(
                    "tags".to_string(),
                    vec![value("a", t1, Some(t3)), value("b", t2, Some(t3))],
                )]),
            ),
        ]);
        let names = |values: &FieldValues, field: &str| shown(values.get(field).map_or(&[][..], |v| v.as_slice()));
        // The record still at the write's version: itself, and what the write ended.
        let now = as_written(&current, &ended, 3, t3, &["tags".into()]);
        assert_eq!(now.data, current);
        assert_eq!(names(&now.previous, "tags"), [("a".into(), true), ("b".into(), true)]);
        // A write two back: its values by time, later ones undone.
        let back = as_written(&current, &ended, 2, t2, &["name".into(), "tags".into()]);
        assert_eq!(back.data.version, 2);
        assert_eq!(names(&back.data.values, "name"), [("Acme Inc".into(), true)]);
        assert_eq!(
            names(&back.data.values, "tags"),
            [("a".into(), true), ("b".into(), true)]
        );
        assert_eq!(names(&back.previous, "name"), [("Acme".into(), true)]);
        assert_eq!(names(&back.previous, "tags"), [("a".into(), true)]);
        // The first write: nothing before it.
        let first = as_written(&current, &ended, 1, t1, &[]);
        assert_eq!(names(&first.data.values, "name"), [("Acme".into(), true)]);
        assert_eq!(names(&first.data.values, "tags"), [("a".into(), true)]);
    }

    #[test]
    fn whole_numbers_come_as_numbers_or_strings() {
        assert_eq!(whole_number(Some(&json!("50")), "page_size", 10).unwrap(), 50);
        assert_eq!(whole_number(Some(&json!(25)), "page_size", 10).unwrap(), 25);
        assert_eq!(whole_number(Some(&json!("")), "page_size", 10).unwrap(), 10);
        assert_eq!(whole_number(None, "page_size", 10).unwrap(), 10);
        for bad in [json!("x"), json!(-1), json!(1.5), json!([])] {
            assert!(whole_number(Some(&bad), "page_size", 10).is_err(), "{bad}");
        }
    }
}
