//! SmartSuite's webhooks over the change-event log (docs/compat-smartsuite.md, "Webhooks:
//! the design"): a webhook's settings as SmartSuite's RPC methods send them
//! (developers.smartsuite.com, "Create Webhook", "Update Webhook"; Activepieces' and
//! Pipedream's triggers), and which of the log's events it takes, as SmartSuite's events.
//! Pure: the handlers read the log and the records.
//!
//! The RPC bodies are protobuf's JSON (SmartSuite's webhooks host is Twirp-style): an enum
//! may come as its name or its number (the docs' UpdateWebhook example sends `kinds: [1]`),
//! and a whole number as a string (`"page_size": "50"`).

use serde_json::Value;

use super::organization::OrgId;
use super::webhook::{TargetPolicy, TargetUrl};
use super::Invalid;

/// The kinds of change a SmartSuite webhook takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
    pub filter: Filter,
    pub kinds: Vec<Kind>,
    pub notification: Notification,
}

impl Settings {
    /// `webhook` (the object in `{"webhook": {...}}`) for the workspace `org`: its locator
    /// must name this workspace and its one solution.
    pub fn parse(webhook: &Value, org: OrgId, policy: TargetPolicy) -> Result<Self, Invalid> {
        let Value::Object(fields) = webhook else {
            return Err(Invalid::value("`webhook` must be an object"));
        };
        check_locator(fields.get("locator"), org)?;
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
            filter,
            kinds,
            notification,
        })
    }
}

/// The locator names this workspace (`account_id`: the organization's id, as `ACCOUNT-ID`
/// does) and its solution; either may be left out.
fn check_locator(raw: Option<&Value>, org: OrgId) -> Result<(), Invalid> {
    let Some(locator) = raw.filter(|v| !v.is_null()) else {
        return Ok(());
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
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if *s == org.solution_id() => Ok(()),
        Some(_) => Err(Invalid::value(
            "`webhook.locator.solution_id` must be this workspace's solution",
        )),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ORG: OrgId = OrgId(7);

    fn settings(webhook: Value) -> Result<Settings, Invalid> {
        Settings::parse(&webhook, ORG, TargetPolicy::PublicHttpsOnly)
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
