//! Webhook delivery: change events (`store::events`) fanned out to the webhooks whose
//! subscriptions take them, each delivery signed and retried with back-off until a 2xx.
//!
//! - **Fan-out** (`fan_out`): for each new event item the table's stream names, every
//!   webhook of its organization whose subscriptions take one of its events gets one
//!   delivery item (`store::deliveries`), claimed for its first attempt, which is made at
//!   once. A delivery's id is the event item's and the webhook's, so the stream handing an
//!   event on again makes no second delivery.
//! - **Attempts** ([`attempt`]): a POST of `{"webhook_id", "events"}` with `Attio-Signature`
//!   and `X-Attio-Signature` (the hex HMAC-SHA256 of the body under the webhook's secret)
//!   and an `Idempotency-Key` that is the delivery's id, the same on every retry. Only to
//!   the addresses [`crate::domain::webhook::is_public`] allows, as resolved now, and to
//!   the very address checked. A 2xx delivers; anything else, a timeout or a refused
//!   address is retried after `base × 2^(n−1)` (capped), up to the attempts allowed; then
//!   the delivery has failed and its webhook is `degraded`.
//! - **SmartSuite's webhooks** (`crate::smartsuite_events`): each item's changes are
//!   queued for them first, item after item in the stream's order, and their pings then go
//!   out as deliveries do, unsigned, to the URL their notifications are on for.
//! - **The sweep** ([`sweep`]): the pending deliveries that are due, each claimed before
//!   its attempt, all attempted concurrently, each bounded by the timeout: a receiver that
//!   never answers holds up only its own delivery.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use ring::hmac;
use serde_json::{json, Value};

use crate::domain::organization::OrgId;
use crate::domain::smartsuite_webhook::{notification_body, Notification, Webhook as SmartSuiteWebhook};
use crate::domain::webhook::{is_public, EventType, TargetPolicy, TargetUrl, Webhook, WebhookStatus};
use crate::sealing::SealingKey;
use crate::store::deliveries::{AttemptOutcome, DeliveryItem};
use crate::store::events::{EventItem, KEEP_SECONDS};
use crate::store::webhooks::secret_context;
use crate::store::Store;
use crate::store::StoreError;
use crate::time::Timestamp;

/// What delivery works with: the store and the webhook settings (an app state's).
pub struct Deps<'a> {
    pub store: &'a Store,
    pub webhooks: &'a WebhookSettings,
}

/// How webhooks are kept and where they may point.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Seals each webhook's signing secret at rest.
    pub sealing_key: SealingKey,
    /// `https` to public addresses only, unless `WEBHOOK_ALLOW_HTTP_LOOPBACK=1` (`make dev`
    /// and the tests, whose receivers listen on 127.0.0.1).
    pub targets: TargetPolicy,
}

impl WebhookSettings {
    /// `make dev`'s and the tests' key: fixed, public, for local data only.
    pub const LOCAL_SEALING_KEY: &'static str = "6c6f63616c2d6f6e6c792d7765626b6f6f6b2d7365616c696e672d6b65792121";

    pub fn local() -> Self {
        Self {
            sealing_key: SealingKey::from_hex(Self::LOCAL_SEALING_KEY).expect("64 hex digits"),
            targets: TargetPolicy::AlsoHttpLoopback,
        }
    }

    /// The local gateway's: [`WebhookSettings::from_env`] when a sealing key is set, else
    /// [`WebhookSettings::local`].
    pub fn from_env_or_local() -> Option<Self> {
        let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
        if set("WEBHOOK_SEALING_KEY") || set("WEBHOOK_SEALING_KEY_PARAMETER") {
            Self::from_env()
        } else {
            Some(Self::local())
        }
    }

    /// `WEBHOOK_SEALING_KEY` or `WEBHOOK_SEALING_KEY_PARAMETER` ([`SealingKey::from_env`])
    /// and `WEBHOOK_ALLOW_HTTP_LOOPBACK`; `None` if `WEBHOOK_SEALING_KEY` is set but not 64 hex digits.
    pub fn from_env() -> Option<Self> {
        let loopback = std::env::var("WEBHOOK_ALLOW_HTTP_LOOPBACK").is_ok_and(|v| v == "1");
        Some(Self {
            sealing_key: SealingKey::from_env()?,
            targets: if loopback {
                TargetPolicy::AlsoHttpLoopback
            } else {
                TargetPolicy::PublicHttpsOnly
            },
        })
    }
}

/// The retry schedule and the bound on one attempt (template parameters in AWS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The wait before the second attempt; it doubles each time, up to `max_wait`.
    pub base: Duration,
    pub max_wait: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// How long one attempt may take, connection to status line.
    pub timeout: Duration,
}

impl Schedule {
    /// Attio's: about 3 days in 10 attempts (10 minutes, doubling, each wait at most 16 hours).
    pub const DEFAULT: Schedule = Schedule {
        base: Duration::from_secs(600),
        max_wait: Duration::from_secs(16 * 3600),
        max_attempts: 10,
        timeout: Duration::from_secs(10),
    };

    /// `WEBHOOK_RETRY_BASE_SECONDS`, `WEBHOOK_MAX_ATTEMPTS`, `WEBHOOK_TIMEOUT_SECONDS`;
    /// [`Schedule::DEFAULT`] for what is unset or not a positive whole number.
    pub fn from_env() -> Self {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|n| *n > 0)
        };
        let d = Self::DEFAULT;
        Self {
            base: number("WEBHOOK_RETRY_BASE_SECONDS").map_or(d.base, Duration::from_secs),
            max_wait: d.max_wait,
            max_attempts: number("WEBHOOK_MAX_ATTEMPTS").map_or(d.max_attempts, |n| n.min(50) as u32),
            timeout: number("WEBHOOK_TIMEOUT_SECONDS").map_or(d.timeout, |n| Duration::from_secs(n.min(60))),
        }
    }

    /// The wait after failed attempt `n` (1-based).
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max_wait)
    }

    /// A claimed attempt's lease: past it, the sweep may claim the delivery again.
    fn lease(&self) -> Duration {
        self.timeout * 3
    }
}

/// The hex HMAC-SHA256 of `body` under `secret`: `Attio-Signature`'s value.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    crate::digest::hex(hmac::sign(&key, body).as_ref())
}

fn now_seconds() -> u64 {
    Timestamp::now().unix_seconds()
}

/// Why a delivery could not be made (an attempt's error, as its log shows it).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the target's address {0} is not public")]
    NotPublic(std::net::IpAddr),
    #[error("the target's host did not resolve: {0}")]
    Resolve(String),
    #[error("connecting failed: {0}")]
    Connect(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the exchange failed: {0}")]
    Http(String),
    #[error("the target URL was not stored valid")]
    BadUrl,
    /// The webhook is gone: the delivery ends, unretried, and degrades nothing.
    #[error("the webhook was deleted")]
    WebhookDeleted,
    /// The SmartSuite webhook's notifications were turned off: the delivery ends the same way.
    #[error("the webhook's notifications are off")]
    NotificationsOff,
    /// Reading the webhook or opening its secret failed (retried like a failed exchange).
    #[error("{0}")]
    Signing(String),
}

/// An attempt's outcome, and whether its webhook is gone.
struct Attempt {
    outcome: AttemptOutcome,
    webhook_deleted: bool,
    /// The webhook was degraded (or inactive) when the attempt was made: a success makes
    /// it active again.
    webhook_degraded: bool,
}

/// Sends one attempt: POST `body` to `target`, to an address the policy allows.
async fn post(
    target: &TargetUrl,
    headers: &[(&str, String)],
    body: &str,
    policy: TargetPolicy,
) -> Result<u16, DeliveryError> {
    let url = target.url();
    let host = url.host_str().ok_or(DeliveryError::BadUrl)?.to_string();
    let https = url.scheme() == "https";
    let port = url.port_or_known_default().ok_or(DeliveryError::BadUrl)?;
    let bare_host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare_host.as_str(), port))
        .await
        .map_err(|e| DeliveryError::Resolve(e.to_string()))?
        .collect();
    let allowed =
        |a: &SocketAddr| is_public(a.ip()) || (policy == TargetPolicy::AlsoHttpLoopback && a.ip().is_loopback());
    let address = match addresses.iter().find(|a| allowed(a)) {
        Some(address) => *address,
        None => {
            return Err(addresses
                .first()
                .map_or(DeliveryError::Resolve("no address".into()), |a| {
                    DeliveryError::NotPublic(a.ip())
                }))
        }
    };
    let tcp = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| DeliveryError::Connect(e.to_string()))?;
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let mut request = hyper::Request::post(path).header("host", url.authority());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| DeliveryError::Http(e.to_string()))?;
    if https {
        let server_name = rustls::pki_types::ServerName::try_from(bare_host.clone())
            .map_err(|e| DeliveryError::Connect(e.to_string()))?;
        let tls = tls_connector()
            .connect(server_name, tcp)
            .await
            .map_err(|e| DeliveryError::Connect(e.to_string()))?;
        exchange(hyper_util::rt::TokioIo::new(tls), request).await
    } else {
        exchange(hyper_util::rt::TokioIo::new(tcp), request).await
    }
}

async fn exchange<I>(io: I, request: hyper::Request<Full<Bytes>>) -> Result<u16, DeliveryError>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| DeliveryError::Http(e.to_string()))?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| DeliveryError::Http(e.to_string()))?;
    let status = response.status().as_u16();
    // The body is not read beyond what arrives with the status: a receiver's answer is
    // its status.
    drop(response.into_body().frame());
    Ok(status)
}

/// The TLS client: rustls with ring, the system's roots (Lambda's Amazon Linux has them).
fn tls_connector() -> tokio_rustls::TlsConnector {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    });
    tokio_rustls::TlsConnector::from(config.clone())
}

/// One attempt of a claimed delivery: signs with the webhook's secret and posts.
async fn attempt(state: &Deps<'_>, delivery: &DeliveryItem, schedule: &Schedule) -> Attempt {
    let started = Instant::now();
    let result = attempt_once(state, delivery, schedule).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let webhook_deleted = matches!(
        result,
        Err(DeliveryError::WebhookDeleted | DeliveryError::NotificationsOff)
    );
    let webhook_degraded = matches!(&result, Ok((_, status)) if *status != WebhookStatus::Active);
    let outcome = match result {
        Ok((status, _)) => AttemptOutcome {
            status: Some(status),
            error: (!(200..300).contains(&status)).then(|| format!("answered {status}")),
            latency_ms,
        },
        Err(error) => AttemptOutcome {
            status: None,
            error: Some(error.to_string()),
            latency_ms,
        },
    };
    Attempt {
        outcome,
        webhook_deleted,
        webhook_degraded,
    }
}

/// One attempt: the receiver's status, and the webhook's status when it was read.
async fn attempt_once(
    state: &Deps<'_>,
    delivery: &DeliveryItem,
    schedule: &Schedule,
) -> Result<(u16, WebhookStatus), DeliveryError> {
    if delivery.smartsuite {
        return notify_smartsuite(state, delivery, schedule).await;
    }
    let org = OrgId(delivery.org_id);
    let (webhook, sealed) = state
        .store
        .webhook_with_secret(org, &delivery.webhook_id)
        .await
        .map_err(|e| DeliveryError::Signing(e.to_string()))?
        .ok_or(DeliveryError::WebhookDeleted)?;
    let secret = state
        .webhooks
        .sealing_key
        .open(&secret_context(org, &webhook.id), &sealed.0)
        .await
        .map_err(|e| DeliveryError::Signing(e.message))?;
    let signed = signature(&secret, delivery.body.as_bytes());
    let headers = [
        ("content-type", "application/json".to_string()),
        ("user-agent", "workspace-api-webhooks/1".to_string()),
        ("attio-signature", signed.clone()),
        ("x-attio-signature", signed),
        ("idempotency-key", delivery.delivery_id.clone()),
    ];
    let sending = post(&webhook.target_url, &headers, &delivery.body, state.webhooks.targets);
    let status = tokio::time::timeout(schedule.timeout, sending)
        .await
        .map_err(|_| DeliveryError::Timeout(schedule.timeout))??;
    Ok((status, webhook.status))
}

/// One ping of a SmartSuite webhook: unsigned (SmartSuite signs nothing), to the URL its
/// notifications are on for now.
async fn notify_smartsuite(
    state: &Deps<'_>,
    delivery: &DeliveryItem,
    schedule: &Schedule,
) -> Result<(u16, WebhookStatus), DeliveryError> {
    let webhook = state
        .store
        .smartsuite_webhook(OrgId(delivery.org_id), &delivery.webhook_id)
        .await
        .map_err(|e| DeliveryError::Signing(e.to_string()))?
        .ok_or(DeliveryError::WebhookDeleted)?;
    let Notification::Enabled(target) = &webhook.settings.notification else {
        return Err(DeliveryError::NotificationsOff);
    };
    let headers = [
        ("content-type", "application/json".to_string()),
        ("user-agent", "workspace-api-webhooks/1".to_string()),
        ("idempotency-key", delivery.delivery_id.clone()),
    ];
    let sending = post(target, &headers, &delivery.body, state.webhooks.targets);
    let status = tokio::time::timeout(schedule.timeout, sending)
        .await
        .map_err(|_| DeliveryError::Timeout(schedule.timeout))??;
    Ok((status, WebhookStatus::Active))
}

/// Records an attempt's outcome and what follows it: the next attempt's time, or, after
/// the last, the webhook degraded.
async fn settle(
    state: &Deps<'_>,
    delivery: &DeliveryItem,
    attempt: &Attempt,
    schedule: &Schedule,
) -> Result<(), StoreError> {
    let (outcome, deleted) = (&attempt.outcome, attempt.webhook_deleted);
    let retry_at = (!outcome.succeeded() && !deleted && delivery.attempts < schedule.max_attempts)
        .then(|| now_seconds() + schedule.wait_after(delivery.attempts).as_secs());
    state.store.record_attempt(delivery, outcome, retry_at).await?;
    let org = OrgId(delivery.org_id);
    if !outcome.succeeded() && retry_at.is_none() && !deleted {
        if delivery.smartsuite {
            // SmartSuite turns a webhook's pings off once they have failed for good.
            state
                .store
                .disable_smartsuite_notifications(org, &delivery.webhook_id)
                .await?;
        } else {
            state
                .store
                .degrade_webhook(org, &delivery.webhook_id, now_seconds())
                .await?;
        }
    }
    if outcome.succeeded() && attempt.webhook_degraded {
        state.store.restore_webhook(org, &delivery.webhook_id).await?;
    }
    Ok(())
}

/// The events of `item` a webhook takes, in their order.
fn taken_by(webhook: &Webhook, events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|event| {
            event["event_type"]
                .as_str()
                .and_then(|t| EventType::parse("event_type", t).ok())
                .is_some_and(|t| webhook.subscriptions.take(t, event))
        })
        .cloned()
        .collect()
}

/// One event item's events.
fn events_of(item: &EventItem) -> Result<Vec<Value>, StoreError> {
    serde_json::from_str(&item.events)
        .map_err(|_| StoreError::unexpected(format!("event item {}: its events are not JSON", item.event_id)))
}

/// Queues one event item's changes for its organization's SmartSuite webhooks
/// (`crate::smartsuite_events`); returns the item and the webhooks to ping.
async fn queue_for_smartsuite(
    state: &Deps<'_>,
    org: OrgId,
    event_sk: &str,
) -> Result<Option<(EventItem, Vec<SmartSuiteWebhook>)>, StoreError> {
    let Some(item) = state.store.event_item(org, event_sk).await? else {
        return Ok(None);
    };
    let notify = crate::smartsuite_events::queue(state.store, org, &item, &events_of(&item)?).await?;
    Ok(Some((item, notify)))
}

/// Fans one event item out to its organization's webhooks (Attio's deliveries, and the
/// pings of the SmartSuite webhooks `notify` names, whose events are queued already) and
/// makes each first attempt, concurrently. Returns how many deliveries it made.
async fn fan_out(
    state: &Deps<'_>,
    org: OrgId,
    item: EventItem,
    notify: Vec<SmartSuiteWebhook>,
    schedule: &Schedule,
) -> Result<usize, StoreError> {
    let events = events_of(&item)?;
    let now = now_seconds();
    let mut made = Vec::new();
    // An inactive webhook gets no new deliveries until it is changed (or redelivered to).
    let webhooks = state.store.webhooks(org).await?.into_iter();
    for webhook in webhooks.filter(|w| w.status != WebhookStatus::Inactive) {
        let taken = taken_by(&webhook, &events);
        if taken.is_empty() {
            continue;
        }
        let delivery = new_delivery(&item, &webhook, taken, now, schedule);
        if state.store.create_delivery(&delivery).await? {
            made.push(delivery);
        }
    }
    for webhook in notify {
        let delivery = smartsuite_notification(&item, org, &webhook, now, schedule);
        if state.store.create_delivery(&delivery).await? {
            made.push(delivery);
        }
    }
    let count = made.len();
    let attempts = made.iter().map(|delivery| async move {
        let made = attempt(state, delivery, schedule).await;
        settle(state, delivery, &made, schedule).await
    });
    for result in futures_util::future::join_all(attempts).await {
        result?;
    }
    Ok(count)
}

fn new_delivery(
    item: &EventItem,
    webhook: &Webhook,
    events: Vec<Value>,
    now: u64,
    schedule: &Schedule,
) -> DeliveryItem {
    let body = json!({"webhook_id": webhook.id, "events": events}).to_string();
    pending_delivery(item, &webhook.id, body, false, now, schedule)
}

/// A SmartSuite webhook's ping for one event item: the thin notification, after which
/// the receiver reads its events with `ListEvents`.
fn smartsuite_notification(
    item: &EventItem,
    org: OrgId,
    webhook: &SmartSuiteWebhook,
    now: u64,
    schedule: &Schedule,
) -> DeliveryItem {
    let body = notification_body(org, webhook).to_string();
    pending_delivery(item, &webhook.id, body, true, now, schedule)
}

/// A delivery of one event item to one webhook, sending `body` at every attempt; claimed
/// for its first attempt by whoever makes it.
fn pending_delivery(
    item: &EventItem,
    webhook_id: &str,
    body: String,
    smartsuite: bool,
    now: u64,
    schedule: &Schedule,
) -> DeliveryItem {
    DeliveryItem {
        org_id: item.org_id,
        delivery_id: format!("{}.{webhook_id}", item.event_id),
        webhook_id: webhook_id.to_string(),
        event_id: item.event_id.clone(),
        body,
        attempts: 1,
        state: "pending".into(),
        last_status: None,
        last_error: None,
        last_latency_ms: None,
        next_attempt_at: Some(now + schedule.lease().as_secs()),
        created_at: Timestamp::now().micros(),
        expires_at: now + KEEP_SECONDS,
        smartsuite,
    }
}

/// How many event items of one stream batch are fanned out at once.
const FAN_OUT_CONCURRENCY: usize = 8;

/// How many due deliveries one sweep attempts (a minute's sweep, well inside its timeout).
pub const SWEEP_LIMIT: i32 = 200;

/// Attempts every pending delivery that is due (at most `limit`), concurrently. Returns
/// how many it attempted.
pub async fn sweep(state: &Deps<'_>, schedule: &Schedule, limit: i32) -> Result<usize, StoreError> {
    let now = now_seconds();
    let due = state.store.due_deliveries(now, limit).await?;
    let attempts = due.iter().map(|seen| async move {
        let lease_until = now_seconds() + schedule.lease().as_secs();
        let Some(claimed) = state.store.claim_delivery(seen, lease_until).await? else {
            return Ok::<usize, StoreError>(0);
        };
        let made = attempt(state, &claimed, schedule).await;
        settle(state, &claimed, &made, schedule).await?;
        Ok(1)
    });
    let mut attempted = 0;
    for result in futures_util::future::join_all(attempts).await {
        attempted += result?;
    }
    Ok(attempted)
}

/// The event filter of the fan-out function's stream trigger (template.yaml holds the same,
/// which a test checks): only event items' INSERTs reach it.
pub const STREAM_FILTER: &str = r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"SK":{"S":[{"prefix":"EVT#"}]}}}}"#;

/// Sweeps until what is due is drained or `budget` is spent (a sweep that took its whole
/// limit may have left more due). Returns how many deliveries it attempted.
pub async fn sweep_for(state: &Deps<'_>, schedule: &Schedule, budget: Duration) -> Result<usize, StoreError> {
    let started = Instant::now();
    let mut attempted = 0;
    loop {
        let swept = sweep(state, schedule, SWEEP_LIMIT).await?;
        attempted += swept;
        if swept < SWEEP_LIMIT as usize || started.elapsed() >= budget {
            return Ok(attempted);
        }
    }
}

/// Whether the stream's trigger passes a record to the fan-out: an event item written.
pub fn wanted(event_name: &str, sk: &str) -> bool {
    event_name == "INSERT" && sk.starts_with(crate::store::keys::EVENT_PREFIX)
}

/// Fans out every event item a stream batch names (the stream carries keys only). An error
/// fails the batch, which Lambda retries: deliveries already made are not made again.
pub async fn handle_stream(
    state: &Deps<'_>,
    event: &crate::purge::StreamEvent,
    schedule: &Schedule,
) -> Result<usize, StoreError> {
    let targets = event_items_named(event);
    // SmartSuite's queues first, one item after another in the batch's order (the stream's
    // order of the writes), so that each queue numbers a record's changes as they were made.
    let mut items = Vec::with_capacity(targets.len());
    for (org, sk) in targets {
        if let Some((item, notify)) = queue_for_smartsuite(state, org, &sk).await? {
            items.push((org, item, notify));
        }
    }
    // Then several of the batch's items at once (a batch read locally may hold hundreds):
    // one item's deliveries go out without waiting on another's.
    use futures_util::StreamExt;
    let mut fanned = futures_util::stream::iter(items)
        .map(|(org, item, notify)| async move { fan_out(state, org, item, notify, schedule).await })
        .buffer_unordered(FAN_OUT_CONCURRENCY);
    let mut made = 0;
    while let Some(result) = fanned.next().await {
        made += result?;
    }
    Ok(made)
}

/// The new change-event items a stream batch names, each with its organization, in the
/// batch's order: what the fan-out and the search index (`crate::search_index`) read.
pub fn event_items_named(event: &crate::purge::StreamEvent) -> Vec<(OrgId, String)> {
    event
        .records
        .iter()
        .filter_map(|record| {
            let key = |name: &str| {
                record
                    .dynamodb
                    .keys
                    .get(name)
                    .and_then(|k| k.get("S"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let (pk, sk) = (key("PK")?, key("SK")?);
            let org = org_of(&pk).filter(|_| wanted(&record.event_name, &sk))?;
            Some((org, sk))
        })
        .collect()
}

/// The organization an event item's partition key names.
pub fn org_of(pk: &str) -> Option<OrgId> {
    pk.strip_prefix("ORG#")?.parse().ok().map(OrgId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hex_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_by_doubling_up_to_the_cap() {
        let schedule = Schedule::DEFAULT;
        let waits: Vec<u64> = (1..=10).map(|n| schedule.wait_after(n).as_secs()).collect();
        assert_eq!(waits, [600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 57600, 57600]);
        let total: u64 = waits[..9].iter().sum();
        assert!((2 * 86400..4 * 86400).contains(&total), "about 3 days: {total} s");
        assert_eq!(schedule.wait_after(200), schedule.max_wait, "no overflow");
    }

    #[test]
    fn only_new_event_items_reach_the_fan_out() {
        assert!(wanted("INSERT", "EVT#00000001-ab"));
        assert!(!wanted("MODIFY", "EVT#00000001-ab"));
        assert!(!wanted("INSERT", "WEBHOOK#x"));
        assert_eq!(org_of("ORG#12"), Some(OrgId(12)));
        assert_eq!(org_of("REC#12"), None);
    }
}
