//! Attio's webhooks (docs.attio.com, rest-api/endpoint-reference/webhooks): list, create,
//! get, update and delete. A webhook's signing secret is made here, shown once in the
//! create answer, and kept only sealed (`crate::sealing`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::webhook::{Webhook, WebhookData};
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param};
use crate::state::AppState;
use crate::store::deliveries::DeliveryItem;
use crate::store::webhooks::{secret_context, SealedSecret};
use crate::store::Missing;
use crate::time::Timestamp;

/// A webhook's id, as Attio nests it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookIdBody {
    pub workspace_id: String,
    pub webhook_id: String,
}

/// A webhook as Attio answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookBody {
    pub target_url: String,
    /// `[{"event_type", "filter"}]`, as created.
    #[schema(value_type = Vec<Object>)]
    pub subscriptions: Value,
    pub id: WebhookIdBody,
    /// `active`, `degraded` or `inactive`.
    pub status: &'static str,
    pub created_at: String,
}

impl WebhookBody {
    fn new(org: OrgId, webhook: &Webhook) -> Self {
        Self {
            target_url: webhook.target_url.as_str().to_string(),
            subscriptions: webhook.subscriptions.to_json(),
            id: WebhookIdBody {
                workspace_id: org.workspace_id().to_string(),
                webhook_id: webhook.id.clone(),
            },
            status: webhook.status.as_str(),
            created_at: webhook.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookResponse {
    pub data: WebhookBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookBody>,
}

/// The create answer: the webhook and, this once, its signing secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhookBody {
    #[serde(flatten)]
    pub webhook: WebhookBody,
    /// The key deliveries are signed with (`Attio-Signature`: the hex HMAC-SHA256 of the
    /// raw body). Shown only here.
    pub secret: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhookResponse {
    pub data: CreatedWebhookBody,
}

/// Attio's answer to a delete: `{}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedWebhook {}

/// A new signing secret: 32 random bytes, as 64 hex digits.
fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::internal().with_detail("no randomness for a secret"))?;
    Ok(crate::digest::hex(&bytes))
}

/// `GET /v2/webhooks`: `limit` (default 10, at most 100) and `offset`, oldest first.
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 10, 100)?;
    let org = principal.org_id;
    let data = state
        .store
        .webhooks(org)
        .await?
        .iter()
        .skip(offset)
        .take(limit)
        .map(|w| WebhookBody::new(org, w))
        .collect();
    Ok(json_response(StatusCode::OK, &WebhookList { data }))
}

/// `POST /v2/webhooks`.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<WebhookData>(&req)?
        .data()?
        .parse_new(state.webhooks.targets)?;
    let org = principal.org_id;
    let id = uuid::Uuid::new_v4().to_string();
    let secret = new_secret()?;
    let sealed = state
        .webhooks
        .sealing_key
        .seal(&secret_context(org, &id), secret.as_bytes())
        .await?;
    let webhook = state
        .store
        .create_webhook(org, &new, &id, &SealedSecret(sealed), Timestamp::now().micros())
        .await?;
    let data = CreatedWebhookBody {
        webhook: WebhookBody::new(org, &webhook),
        secret,
    };
    Ok(json_response(StatusCode::OK, &CreatedWebhookResponse { data }))
}

/// The webhook the path names, in the caller's organization.
async fn webhook_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<Webhook, ApiError> {
    let id = path_param(req, "webhook_id")?;
    let missing = || ApiError::from(Missing::Webhook(id.to_string()));
    // Ids are uuids; anything else names no webhook (and is not looked up).
    let id = uuid::Uuid::try_parse(id)
        .map_err(|_| missing())?
        .hyphenated()
        .to_string();
    state.store.webhook(org, &id).await?.ok_or_else(missing)
}

/// `GET /v2/webhooks/{webhook_id}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let webhook = webhook_in_path(state, &req, principal.org_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &WebhookResponse {
            data: WebhookBody::new(principal.org_id, &webhook),
        },
    ))
}

/// `PATCH /v2/webhooks/{webhook_id}`: a new target URL, new subscriptions, or both.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let patch = json_body::<WebhookData>(&req)?
        .data()?
        .parse_patch(state.webhooks.targets)?;
    let before = webhook_in_path(state, &req, principal.org_id).await?;
    let after = before.patched(&patch);
    state.store.update_webhook(principal.org_id, &before, &after).await?;
    Ok(json_response(
        StatusCode::OK,
        &WebhookResponse {
            data: WebhookBody::new(principal.org_id, &after),
        },
    ))
}

/// `DELETE /v2/webhooks/{webhook_id}`: no more deliveries to it.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let webhook = webhook_in_path(state, &req, principal.org_id).await?;
    state.store.delete_webhook(principal.org_id, &webhook.id).await?;
    Ok(json_response(StatusCode::OK, &DeletedWebhook {}))
}

/// One delivery, as the delivery log shows it (our extension; docs/compat-attio.md).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryBody {
    /// Also the `Idempotency-Key` every attempt carries.
    pub id: String,
    pub webhook_id: String,
    /// The event types it carries, in order.
    pub event_types: Vec<String>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<u64>,
    /// When the next attempt is due (RFC 3339), while pending.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

impl DeliveryBody {
    fn new(delivery: &DeliveryItem) -> Self {
        let body: Value = serde_json::from_str(&delivery.body).unwrap_or_default();
        let event_types = body["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .filter_map(|e| e["event_type"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: delivery.delivery_id.clone(),
            webhook_id: delivery.webhook_id.clone(),
            event_types,
            state: delivery.state.clone(),
            attempts: delivery.attempts,
            last_status: delivery.last_status,
            last_error: delivery.last_error.clone(),
            last_latency_ms: delivery.last_latency_ms,
            next_attempt_at: delivery
                .next_attempt_at
                .and_then(Timestamp::from_unix_seconds)
                .map(|t| t.seconds()),
            created_at: delivery.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    pub data: Vec<DeliveryBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryResponse {
    pub data: DeliveryBody,
}

/// `GET /v2/webhooks/{webhook_id}/deliveries`: the webhook's deliveries of the last week,
/// newest first (`limit`, default 10, at most 100; `offset`).
pub async fn deliveries(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 10, 100)?;
    let webhook = webhook_in_path(state, &req, principal.org_id).await?;
    let data = state
        .store
        .deliveries(principal.org_id, &webhook.id)
        .await?
        .iter()
        .skip(offset)
        .take(limit)
        .map(DeliveryBody::new)
        .collect();
    Ok(json_response(StatusCode::OK, &DeliveryList { data }))
}

/// The body of a redelivery: nothing, or a JSON object (its fields are ignored); a body
/// that is not JSON is refused.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RedeliverInput {}

/// `POST /v2/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver`: the delivery is
/// due now; the next sweep sends it again, same body, same `Idempotency-Key`.
pub async fn redeliver(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    if !req.body().is_empty() {
        json_body::<RedeliverInput>(&req)?;
    }
    let webhook = webhook_in_path(state, &req, principal.org_id).await?;
    let raw = path_param(&req, "delivery_id")?;
    let missing = || ApiError::from(Missing::Delivery(raw.to_string()));
    let event_id = raw
        .strip_suffix(&format!(".{}", webhook.id))
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        .ok_or_else(missing)?;
    let delivery = state
        .store
        .delivery(principal.org_id, &webhook.id, event_id)
        .await?
        .ok_or_else(missing)?;
    let now = Timestamp::now().unix_seconds();
    let due = state.store.redeliver(&delivery, now).await?.ok_or_else(missing)?;
    Ok(json_response(
        StatusCode::OK,
        &DeliveryResponse {
            data: DeliveryBody::new(&due),
        },
    ))
}
