//! Attio's webhooks (docs.attio.com, rest-api/endpoint-reference/webhooks): a target URL
//! and subscriptions, each to one event type with an optional filter. A webhook's input is
//! parsed here into types that hold only valid values; which addresses a target may reach
//! is decided again at delivery (`crate::delivery`), since a name can resolve anywhere.

use serde::Deserialize;
use serde_json::Value;

use super::{required, Invalid};

/// Attio's event types, as its webhook API names them (attio-ts-sdk's enum). A webhook may
/// subscribe to any of them; [`EventType::is_produced`] says which this API emits today.
macro_rules! event_types {
    ($($variant:ident = $name:literal, $produced:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventType {
            $($variant,)*
        }

        impl EventType {
            pub const ALL: &[EventType] = &[$(EventType::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                }
            }

            /// Whether this API emits the event yet (the others are accepted, as Attio
            /// accepts them, and delivered once the resource behind them exists here).
            pub const fn is_produced(self) -> bool {
                match self {
                    $(EventType::$variant => $produced,)*
                }
            }
        }
    };
}

event_types! {
    CallRecordingCreated = "call-recording.created", false;
    CommentCreated = "comment.created", false;
    CommentResolved = "comment.resolved", false;
    CommentUnresolved = "comment.unresolved", false;
    CommentDeleted = "comment.deleted", false;
    ListCreated = "list.created", false;
    ListUpdated = "list.updated", false;
    ListDeleted = "list.deleted", false;
    ListAttributeCreated = "list-attribute.created", true;
    ListAttributeUpdated = "list-attribute.updated", true;
    ListEntryCreated = "list-entry.created", true;
    ListEntryUpdated = "list-entry.updated", true;
    ListEntryDeleted = "list-entry.deleted", true;
    ObjectAttributeCreated = "object-attribute.created", true;
    ObjectAttributeUpdated = "object-attribute.updated", true;
    NoteCreated = "note.created", true;
    NoteContentUpdated = "note-content.updated", false;
    NoteUpdated = "note.updated", false;
    NoteDeleted = "note.deleted", true;
    RecordCreated = "record.created", true;
    RecordMerged = "record.merged", false;
    RecordUpdated = "record.updated", true;
    RecordDeleted = "record.deleted", true;
    TaskCreated = "task.created", true;
    TaskUpdated = "task.updated", true;
    TaskDeleted = "task.deleted", true;
    WorkspaceMemberCreated = "workspace-member.created", true;
}

impl EventType {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| Invalid::value(format!("`{field}` is not an Attio event type: {raw:?}")))
    }
}

/// The longest target URL kept (browsers' and proxies' common limit).
pub const MAX_URL_CHARS: usize = 2048;
/// The most subscriptions one webhook holds, and conditions one filter holds: far above
/// what an integration sets up, low enough that a webhook is one small item.
pub const MAX_SUBSCRIPTIONS: usize = 50;
pub const MAX_CONDITIONS: usize = 20;
/// The longest field path or value a condition compares.
pub const MAX_CONDITION_CHARS: usize = 256;

/// Whether a target may use plain `http` to a loopback address: only `make dev` and the
/// tests say so (`WEBHOOK_ALLOW_HTTP_LOOPBACK=1`); a deployed API never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetPolicy {
    #[default]
    PublicHttpsOnly,
    AlsoHttpLoopback,
}

/// A webhook's target: an absolute `https` URL with a host and no credentials in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl(url::Url);

impl TargetUrl {
    pub fn parse(field: &str, raw: &str, policy: TargetPolicy) -> Result<Self, Invalid> {
        let bad = |why: &str| Invalid::value(format!("`{field}` {why}"));
        if raw.chars().count() > MAX_URL_CHARS {
            return Err(bad(&format!("must be at most {MAX_URL_CHARS} characters")));
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad("must not contain spaces or control characters"));
        }
        let url = url::Url::parse(raw).map_err(|e| bad(&format!("is not an absolute URL ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not hold a user name or password"));
        }
        if url.fragment().is_some() {
            return Err(bad("must not have a fragment (#...)"));
        }
        let host = url.host().ok_or_else(|| bad("must name a host"))?;
        match url.scheme() {
            "https" => {}
            "http" if policy == TargetPolicy::AlsoHttpLoopback && is_loopback_host(&host) => {}
            _ => return Err(bad("must be an https:// URL")),
        }
        if let Some(ip) = literal_ip(&host) {
            let loopback_allowed = policy == TargetPolicy::AlsoHttpLoopback && ip.is_loopback();
            if !loopback_allowed && !is_public(ip) {
                return Err(bad(
                    "must reach a public address, not a private, loopback or link-local one",
                ));
            }
        }
        Ok(Self(url))
    }

    /// A URL read back from the table, parsed when it was written.
    pub fn stored(raw: &str) -> Option<Self> {
        url::Url::parse(raw).ok().map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }
}

fn literal_ip(host: &url::Host<&str>) -> Option<std::net::IpAddr> {
    match host {
        url::Host::Ipv4(ip) => Some((*ip).into()),
        url::Host::Ipv6(ip) => Some((*ip).into()),
        url::Host::Domain(_) => None,
    }
}

fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        other => literal_ip(other).is_some_and(|ip| ip.is_loopback()),
    }
}

/// Whether a webhook may be delivered to `ip`: not loopback, private, link-local (where
/// the instance metadata service is), shared (carrier-grade NAT), multicast, unspecified,
/// broadcast, documentation or benchmarking space, nor an IPv6 form of one of these.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    fn v4(ip: Ipv4Addr) -> bool {
        let [a, b, c, _] = ip.octets();
        !(ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_private()
            || ip.is_link_local()
            || ip.is_multicast()
            || ip.is_broadcast()
            || ip.is_documentation()
            || a == 0
            || a >= 240
            || (a == 100 && (64..128).contains(&b))
            || (a == 192 && b == 0 && c == 0)
            || (a == 198 && (18..20).contains(&b)))
    }
    fn v6(ip: Ipv6Addr) -> bool {
        if let Some(mapped) = ip.to_ipv4_mapped() {
            return v4(mapped);
        }
        let first = ip.segments()[0];
        let nat64 = ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
        if nat64 {
            let [.., a, b, c, d] = ip.octets();
            return v4(Ipv4Addr::new(a, b, c, d));
        }
        !(ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_multicast()
            || (first & 0xfe00) == 0xfc00
            || (first & 0xffc0) == 0xfe80
            || (first & 0xffc0) == 0xfec0
            || first == 0x2001 && ip.segments()[1] == 0x0db8
            || ip.segments()[..5] == [0, 0, 0, 0, 0])
    }
    match ip {
        IpAddr::V4(ip) => v4(ip),
        IpAddr::V6(ip) => v6(ip),
    }
}

/// A filter's comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
}

impl Operator {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::NotEquals => "not_equals",
        }
    }
}

/// One condition: the event's field at a dot path (`id.object_id`, `actor.type`)
/// compared with a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub operator: Operator,
    pub value: String,
}

impl Condition {
    /// Whether `event` (the event as delivered) meets the condition. A field the event does
    /// not have equals nothing, so `not_equals` holds for it.
    pub fn holds(&self, event: &Value) -> bool {
        let found = self
            .field
            .split('.')
            .try_fold(event, |at, step| at.get(step))
            .and_then(scalar_text);
        let equal = found.as_deref() == Some(self.value.as_str());
        match self.operator {
            Operator::Equals => equal,
            Operator::NotEquals => !equal,
        }
    }
}

/// A JSON scalar as the string a filter compares it with.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A subscription's filter: every condition (`$and`) or any (`$or`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

impl Filter {
    pub fn holds(&self, event: &Value) -> bool {
        match self {
            Self::All(conditions) => conditions.iter().all(|c| c.holds(event)),
            Self::Any(conditions) => conditions.iter().any(|c| c.holds(event)),
        }
    }

    /// Attio's shape: `{"$and": [...]}` or `{"$or": [...]}`.
    pub fn to_json(&self) -> Value {
        let (key, conditions) = match self {
            Self::All(c) => ("$and", c),
            Self::Any(c) => ("$or", c),
        };
        let list: Vec<Value> = conditions
            .iter()
            .map(|c| serde_json::json!({"field": c.field, "operator": c.operator.as_str(), "value": c.value}))
            .collect();
        serde_json::json!({ key: list })
    }

    /// Parses Attio's shape; `field` is the filter's request path.
    pub fn parse(field: &str, raw: &Value) -> Result<Self, Invalid> {
        let bad = |why: String| Invalid::value(format!("`{field}` {why}"));
        let object = raw
            .as_object()
            .ok_or_else(|| bad("must be an object with `$and` or `$or`, or null".into()))?;
        if object.len() != 1 {
            return Err(bad("must have exactly one key, `$and` or `$or`".into()));
        }
        let (key, list) = object.iter().next().expect("one key");
        let list = list
            .as_array()
            .ok_or_else(|| bad(format!("`{key}` must be a list of conditions")))?;
        if list.len() > MAX_CONDITIONS {
            return Err(bad(format!("may hold at most {MAX_CONDITIONS} conditions")));
        }
        let conditions = list
            .iter()
            .enumerate()
            .map(|(i, c)| parse_condition(&format!("{field}.{key}[{i}]"), c))
            .collect::<Result<Vec<_>, _>>()?;
        match key.as_str() {
            "$and" => Ok(Self::All(conditions)),
            "$or" => Ok(Self::Any(conditions)),
            other => Err(bad(format!("must use `$and` or `$or`, not `{other}`"))),
        }
    }
}

fn parse_condition(field: &str, raw: &Value) -> Result<Condition, Invalid> {
    let bad = |why: &str| Invalid::value(format!("`{field}` {why}"));
    let object = raw
        .as_object()
        .ok_or_else(|| bad("must be an object with `field`, `operator` and `value`"))?;
    if let Some(extra) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "field" | "operator" | "value"))
    {
        return Err(bad(&format!("has an unknown key `{extra}`")));
    }
    let text = |key: &str| -> Result<String, Invalid> {
        let value = object
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| Invalid::value(format!("`{field}.{key}` must be a string")))?;
        if value.chars().count() > MAX_CONDITION_CHARS || value.chars().any(char::is_control) {
            return Err(Invalid::value(format!(
                "`{field}.{key}` must be at most {MAX_CONDITION_CHARS} characters, without control characters"
            )));
        }
        Ok(value.to_string())
    };
    let path = text("field")?;
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(Invalid::value(format!(
            "`{field}.field` must be a dot path such as `id.object_id`"
        )));
    }
    let operator = match text("operator")?.as_str() {
        "equals" => Operator::Equals,
        "not_equals" => Operator::NotEquals,
        other => {
            return Err(Invalid::value(format!(
                "`{field}.operator` must be `equals` or `not_equals`, not {other:?}"
            )))
        }
    };
    Ok(Condition {
        field: path,
        operator,
        value: text("value")?,
    })
}

/// One subscription: an event type and, if any, the filter its events must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub event_type: EventType,
    pub filter: Option<Filter>,
}

impl Subscription {
    pub fn matches(&self, event_type: EventType, event: &Value) -> bool {
        self.event_type == event_type && self.filter.as_ref().is_none_or(|f| f.holds(event))
    }

    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "event_type": self.event_type.as_str(),
            "filter": self.filter.as_ref().map(Filter::to_json),
        })
    }
}

/// A webhook's subscriptions, at most [`MAX_SUBSCRIPTIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscriptions(Vec<Subscription>);

impl Subscriptions {
    pub fn parse(field: &str, raw: &Value) -> Result<Self, Invalid> {
        let list = raw
            .as_array()
            .ok_or_else(|| Invalid::value(format!("`{field}` must be a list")))?;
        if list.len() > MAX_SUBSCRIPTIONS {
            return Err(Invalid::value(format!(
                "`{field}` may hold at most {MAX_SUBSCRIPTIONS} subscriptions"
            )));
        }
        list.iter()
            .enumerate()
            .map(|(i, s)| parse_subscription(&format!("{field}[{i}]"), s))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Subscription> {
        self.0.iter()
    }

    /// Whether any subscription takes an event of `event_type` with this content.
    pub fn take(&self, event_type: EventType, event: &Value) -> bool {
        self.0.iter().any(|s| s.matches(event_type, event))
    }

    pub fn to_json(&self) -> Value {
        Value::Array(self.0.iter().map(Subscription::to_json).collect())
    }
}

fn parse_subscription(field: &str, raw: &Value) -> Result<Subscription, Invalid> {
    let object = raw
        .as_object()
        .ok_or_else(|| Invalid::value(format!("`{field}` must be an object with `event_type` and `filter`")))?;
    if let Some(extra) = object.keys().find(|k| !matches!(k.as_str(), "event_type" | "filter")) {
        return Err(Invalid::value(format!("`{field}` has an unknown key `{extra}`")));
    }
    let event_type = object
        .get("event_type")
        .and_then(Value::as_str)
        .ok_or_else(|| Invalid::value(format!("`{field}.event_type` is required, a string")))?;
    let event_type = EventType::parse(&format!("{field}.event_type"), event_type)?;
    let filter = match object.get("filter") {
        None | Some(Value::Null) => None,
        Some(raw) => Some(Filter::parse(&format!("{field}.filter"), raw)?),
    };
    Ok(Subscription { event_type, filter })
}

/// The body of `POST /v2/webhooks` and `PATCH /v2/webhooks/{webhook_id}`, as sent: each
/// part is parsed into its type by [`WebhookInput::parse_new`] or [`WebhookInput::parse_patch`].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WebhookInput {
    #[schema(value_type = Option<String>, example = "https://example.com/webhook")]
    pub target_url: Option<String>,
    /// `[{"event_type": "record.created", "filter": null}]`; a filter is
    /// `{"$and" | "$or": [{"field", "operator": "equals" | "not_equals", "value"}]}`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub subscriptions: Option<Value>,
}

data_input! {
    /// `{"data": {...}}`.
    WebhookData(WebhookInput);
}

/// A new webhook, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub target_url: TargetUrl,
    pub subscriptions: Subscriptions,
}

/// A webhook's changes: each part present is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookPatch {
    pub target_url: Option<TargetUrl>,
    pub subscriptions: Option<Subscriptions>,
}

impl WebhookInput {
    pub fn parse_new(self, policy: TargetPolicy) -> Result<NewWebhook, Invalid> {
        let target = required("data.target_url", self.target_url)?;
        let subscriptions = required("data.subscriptions", self.subscriptions)?;
        Ok(NewWebhook {
            target_url: TargetUrl::parse("data.target_url", &target, policy)?,
            subscriptions: Subscriptions::parse("data.subscriptions", &subscriptions)?,
        })
    }

    pub fn parse_patch(self, policy: TargetPolicy) -> Result<WebhookPatch, Invalid> {
        let target_url = self
            .target_url
            .map(|raw| TargetUrl::parse("data.target_url", &raw, policy))
            .transpose()?;
        let subscriptions = match self.subscriptions {
            None | Some(Value::Null) => None,
            Some(raw) => Some(Subscriptions::parse("data.subscriptions", &raw)?),
        };
        Ok(WebhookPatch {
            target_url,
            subscriptions,
        })
    }
}

/// A webhook's state, as Attio reports it: `degraded` after its deliveries have failed
/// for its whole retry schedule, `inactive` after it stayed degraded for a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    Active,
    Degraded,
    Inactive,
}

impl WebhookStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Degraded => "degraded",
            Self::Inactive => "inactive",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Active, Self::Degraded, Self::Inactive]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// The status at `now` (unix seconds) of a webhook stored as `stored`, degraded since
    /// `degraded_at`: a webhook degraded for [`INACTIVE_AFTER_SECONDS`] is inactive. Nothing
    /// has to run to make it so, and a success or a change of the webhook (which store it
    /// `active` again) undoes it.
    pub fn at(stored: Self, degraded_at: Option<u64>, now: u64) -> Self {
        match (stored, degraded_at) {
            (Self::Degraded, Some(since)) if now.saturating_sub(since) >= INACTIVE_AFTER_SECONDS => Self::Inactive,
            _ => stored,
        }
    }
}

/// How long a webhook stays `degraded` before it is `inactive` (Attio's week).
pub const INACTIVE_AFTER_SECONDS: u64 = 7 * 24 * 60 * 60;

/// A webhook as stored (its secret is not part of it: it is sealed, and shown only once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub target_url: TargetUrl,
    pub subscriptions: Subscriptions,
    pub status: WebhookStatus,
    pub created_at: String,
    /// Bumped by every change; an update applies only to the version it read.
    pub version: u64,
}

impl Webhook {
    /// The webhook with `patch` applied: active again, whatever it was (its owner has
    /// seen to it).
    pub fn patched(&self, patch: &WebhookPatch) -> Self {
        Self {
            status: WebhookStatus::Active,
            target_url: patch.target_url.clone().unwrap_or_else(|| self.target_url.clone()),
            subscriptions: patch
                .subscriptions
                .clone()
                .unwrap_or_else(|| self.subscriptions.clone()),
            version: self.version + 1,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_webhook_degraded_for_a_week_is_inactive() {
        use WebhookStatus::*;
        let week = INACTIVE_AFTER_SECONDS;
        let cases = [
            (Active, None, 10 * week, Active),
            (Degraded, Some(100), 100, Degraded),
            (Degraded, Some(100), 100 + week - 1, Degraded),
            (Degraded, Some(100), 100 + week, Inactive),
            (Degraded, Some(100), 100 + 3 * week, Inactive),
            // A clock behind the degrade time is no reason to be inactive.
            (Degraded, Some(100), 50, Degraded),
            // Degraded before the time was stored: degraded until it fails again.
            (Degraded, None, 10 * week, Degraded),
            (Inactive, None, 0, Inactive),
        ];
        for (stored, since, now, expected) in cases {
            assert_eq!(
                WebhookStatus::at(stored, since, now),
                expected,
                "{stored:?} {since:?} {now}"
            );
        }
    }

    #[test]
    fn targets_are_https_and_public_unless_dev_allows_loopback_http() {
        let cases: &[(&str, TargetPolicy, bool)] = &[
            ("https://example.com/hook", TargetPolicy::PublicHttpsOnly, true),
            ("https://example.com:8443/hook?x=1", TargetPolicy::PublicHttpsOnly, true),
            ("http://example.com/hook", TargetPolicy::PublicHttpsOnly, false),
            ("http://127.0.0.1:9000/hook", TargetPolicy::PublicHttpsOnly, false),
            ("http://127.0.0.1:9000/hook", TargetPolicy::AlsoHttpLoopback, true),
            ("http://localhost:9000/hook", TargetPolicy::AlsoHttpLoopback, true),
            ("http://example.com/hook", TargetPolicy::AlsoHttpLoopback, false),
            ("https://127.0.0.1/hook", TargetPolicy::PublicHttpsOnly, false),
            ("https://10.1.2.3/hook", TargetPolicy::PublicHttpsOnly, false),
            (
                "https://169.254.169.254/latest/meta-data",
                TargetPolicy::AlsoHttpLoopback,
                false,
            ),
            ("https://[::1]/hook", TargetPolicy::PublicHttpsOnly, false),
            (
                "https://[::ffff:192.168.0.1]/hook",
                TargetPolicy::PublicHttpsOnly,
                false,
            ),
            ("https://[fd00::1]/hook", TargetPolicy::PublicHttpsOnly, false),
            ("https://user:pw@example.com/hook", TargetPolicy::PublicHttpsOnly, false),
            ("https://example.com/hook#frag", TargetPolicy::PublicHttpsOnly, false),
            ("ftp://example.com/hook", TargetPolicy::PublicHttpsOnly, false),
            ("example.com/hook", TargetPolicy::PublicHttpsOnly, false),
            ("https://exa mple.com/", TargetPolicy::PublicHttpsOnly, false),
            ("https://", TargetPolicy::PublicHttpsOnly, false),
        ];
        for (raw, policy, ok) in cases {
            assert_eq!(
                TargetUrl::parse("t", raw, *policy).is_ok(),
                *ok,
                "{raw} under {policy:?}"
            );
        }
    }

    #[test]
    fn public_means_routable() {
        let cases: &[(&str, bool)] = &[
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("2606:4700::1111", true),
            ("127.0.0.1", false),
            ("10.0.0.1", false),
            ("172.16.5.4", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("224.0.0.1", false),
            ("::1", false),
            ("::", false),
            ("fe80::1", false),
            ("fd12::1", false),
            ("::ffff:127.0.0.1", false),
            ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b::808:808", true),
        ];
        for (ip, public) in cases {
            assert_eq!(is_public(ip.parse().unwrap()), *public, "{ip}");
        }
    }

    #[test]
    fn filters_compare_dot_paths_as_strings() {
        let event = json!({"event_type": "record.created", "id": {"object_id": "o1", "record_id": "r1"}, "actor": {"type": "api-token", "id": "k"}});
        let parse = |raw: Value| Filter::parse("f", &raw).unwrap();
        let cases: &[(Value, bool)] = &[
            (
                json!({"$and": [{"field": "id.object_id", "operator": "equals", "value": "o1"}]}),
                true,
            ),
            (
                json!({"$and": [{"field": "id.object_id", "operator": "equals", "value": "o2"}]}),
                false,
            ),
            (
                json!({"$and": [{"field": "id.object_id", "operator": "not_equals", "value": "o2"}]}),
                true,
            ),
            (
                json!({"$and": [{"field": "id.missing", "operator": "not_equals", "value": "x"}]}),
                true,
            ),
            (
                json!({"$and": [{"field": "id.missing", "operator": "equals", "value": "x"}]}),
                false,
            ),
            (
                json!({"$and": [
                {"field": "id.object_id", "operator": "equals", "value": "o1"},
                {"field": "actor.type", "operator": "equals", "value": "workspace-member"}]}),
                false,
            ),
            (
                json!({"$or": [
                {"field": "id.object_id", "operator": "equals", "value": "o9"},
                {"field": "actor.type", "operator": "equals", "value": "api-token"}]}),
                true,
            ),
            (json!({"$and": []}), true),
            (json!({"$or": []}), false),
        ];
        for (raw, holds) in cases {
            assert_eq!(parse(raw.clone()).holds(&event), *holds, "{raw}");
            assert_eq!(
                parse(parse(raw.clone()).to_json()),
                parse(raw.clone()),
                "round trip of {raw}"
            );
        }
    }

    #[test]
    fn bad_filters_and_subscriptions_are_refused_with_their_path() {
        let cases: &[(Value, &str)] = &[
            (json!([{"event_type": "record.made"}]), "`s[0].event_type`"),
            (
                json!([{"event_type": "record.created", "filter": {"$not": []}}]),
                "`s[0].filter`",
            ),
            (
                json!([{"event_type": "record.created", "filter": {"$and": [], "$or": []}}]),
                "`s[0].filter`",
            ),
            (
                json!([{"event_type": "record.created", "filter": {"$and": [{"field": "a", "operator": "gt", "value": "1"}]}}]),
                "`s[0].filter.$and[0].operator`",
            ),
            (
                json!([{"event_type": "record.created", "filter": {"$and": [{"field": "a", "operator": "equals", "value": 1}]}}]),
                "`s[0].filter.$and[0].value`",
            ),
            (
                json!([{"event_type": "record.created", "filter": {"$and": [{"field": "a..b", "operator": "equals", "value": "1"}]}}]),
                "`s[0].filter.$and[0].field`",
            ),
            (json!([{"event_type": "record.created", "extra": 1}]), "`s[0]`"),
            (json!({"event_type": "record.created"}), "`s`"),
        ];
        for (raw, path) in cases {
            let error = Subscriptions::parse("s", raw).unwrap_err().to_string();
            assert!(error.starts_with(path), "{raw}: {error}");
        }
        let too_many = Value::Array(vec![json!({"event_type": "record.created"}); MAX_SUBSCRIPTIONS + 1]);
        assert!(Subscriptions::parse("s", &too_many).is_err());
    }

    #[test]
    fn every_event_type_round_trips() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse("e", t.as_str()).unwrap(), *t);
        }
        assert_eq!(EventType::ALL.len(), 27, "attio-ts-sdk's enum has 27 event types");
    }
}
