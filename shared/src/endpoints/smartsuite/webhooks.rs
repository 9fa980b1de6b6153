//! SmartSuite's webhooks, RPC style (`POST /smartsuite.webhooks.engine.Webhooks/<Method>`,
//! SmartSuite's second host `webhooks.smartsuite.com`, served here on the one base URL):
//! create, get, list, update and delete a webhook, and `ListEvents`, the pull of what it
//! took. The fan-out queues each webhook's events and pings its URL
//! (`crate::smartsuite_events`); docs/compat-smartsuite.md, "Webhooks", has the sources and
//! the choices.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::smartsuite_webhook::{whole_number, Filter, Settings, Webhook};
use crate::domain::table::TableRef;
use crate::domain::Invalid;
use crate::endpoints::common::smartsuite::made_solution;
use crate::error::ApiError;
use crate::http::json_body;
use crate::state::AppState;
use crate::store::Missing;
use crate::time::Timestamp;

/// `ListEvents`' page size when none is sent, and the most it answers at once (a page is
/// also at most one DynamoDB page, 1 MB: `next_page_token` goes on from what was sent).
const DEFAULT_PAGE_SIZE: u64 = 50;
const MAX_PAGE_SIZE: u64 = 500;

/// `CreateWebhook`'s and `UpdateWebhook`'s body: `{"webhook": {...}}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SmartSuiteWebhookInput {
    /// `filter`, `kinds`, `locator`, `notification_status` (and, to update, `webhook_id`).
    #[schema(required = true, value_type = Object)]
    webhook: Option<Value>,
}

/// The body naming one webhook: `{"webhook_id"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SmartSuiteWebhookIdInput {
    #[schema(required = true, value_type = String)]
    webhook_id: Option<Value>,
}

/// `ListWebhooks`' body: the solution (this workspace's one) and a page.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SmartSuiteListWebhooksInput {
    /// Only the webhooks of this solution; `""` or none: every webhook.
    #[schema(value_type = Option<String>)]
    solution_id: Option<Value>,
    /// At most 100 (the default).
    #[schema(schema_with = whole_number_schema)]
    page_size: Option<Value>,
    /// Where the page starts: the `next_page_token` of the page before.
    #[schema(schema_with = whole_number_schema)]
    page_token: Option<Value>,
}

/// A whole number, one as a string (protobuf's JSON: the docs send `"page_size": "50"`),
/// or null (the default).
fn whole_number_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build(),
    )
}

/// `ListEvents`' body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SmartSuiteListEventsInput {
    #[schema(required = true, value_type = String)]
    webhook_id: Option<Value>,
    /// How many events at most (default 50, at most 500).
    #[schema(schema_with = whole_number_schema)]
    page_size: Option<Value>,
    /// The `next_page_token` of the page before; `""` or none starts at the oldest kept.
    #[schema(schema_with = whole_number_schema)]
    page_token: Option<Value>,
}

/// `{"webhook": {...}}`: what Create, Get and Update answer (both connectors read
/// `webhook.webhook_id` from a create).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SmartSuiteWebhookEnvelope {
    /// `webhook_id`, `locator`, `filter`, `kinds`, `created_at` and `updated_at` (`{by,
    /// at}`), `notification_status`, `system_status`.
    #[schema(value_type = Object)]
    webhook: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SmartSuiteWebhookList {
    #[schema(value_type = Vec<Object>)]
    webhooks: Vec<Value>,
    /// Where the next page starts; `""` after the last.
    next_page_token: String,
}

/// `DeleteWebhook`'s answer: SmartSuite documents a bare 200.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SmartSuiteDeletedWebhook {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SmartSuiteEventPage {
    /// Each `{webhook_id, locator, event_id, kind, event_at, record_event_data: {record_id,
    /// locator, data, previous}, ctx}`, oldest first.
    #[schema(value_type = Vec<Object>)]
    events: Vec<Value>,
    /// The position after this page: send it back for what came after. Never empty, also
    /// on an empty page, so a reader keeps its place.
    next_page_token: String,
}

fn webhook_object(input: SmartSuiteWebhookInput) -> Result<Value, Invalid> {
    input
        .webhook
        .filter(Value::is_object)
        .ok_or_else(|| Invalid::value("`webhook` must be an object"))
}

fn webhook_id(raw: Option<Value>, path: &str) -> Result<String, Invalid> {
    match raw {
        Some(Value::String(id)) if !id.trim().is_empty() => Ok(id),
        _ => Err(Invalid::value(format!("`{path}` is required"))),
    }
}

/// The settings of a body's `webhook` (over `current`, the webhook's solution before), its
/// solution, tables and fields checked against the workspace: the tables it names must be
/// in its solution.
async fn settings_of(
    state: &AppState,
    org: OrgId,
    webhook: &Value,
    current: Option<&str>,
) -> Result<Settings, ApiError> {
    let settings = Settings::parse(webhook, org, current, state.webhooks.targets)?;
    if let Some(id) = &settings.solution {
        let missing = Invalid::value(format!(
            "`webhook.locator.solution_id`: no solution `{id}` in this workspace"
        ));
        made_solution(state, org, id, missing.into()).await?;
    }
    let solution = settings.solution_id(org);
    for table_id in settings.filter.tables() {
        let table = state
            .store
            .table(org, &TableRef::Id(table_id.to_string()))
            .await?
            .filter(|t| t.solution() == solution)
            .ok_or_else(|| {
                Invalid::value(format!(
                    "`webhook.filter`: no table `{table_id}` in the solution `{solution}` of this workspace"
                ))
            })?;
        if let Filter::Application { field_ids, .. } = &settings.filter {
            for field in field_ids {
                let known = table.field_named(field).is_some();
                if !known {
                    return Err(Invalid::value(format!(
                        "`webhook.filter.application.field_ids`: no field `{field}` in table `{table_id}`"
                    ))
                    .into());
                }
            }
        }
    }
    Ok(settings)
}

async fn webhook_named(state: &AppState, org: OrgId, id: &str) -> Result<Webhook, ApiError> {
    state
        .store
        .smartsuite_webhook(org, id)
        .await?
        .ok_or_else(|| Missing::Webhook(id.to_string()).into())
}

fn envelope(org: OrgId, webhook: &Webhook) -> Response<Body> {
    crate::http::json_response(
        StatusCode::OK,
        &SmartSuiteWebhookEnvelope {
            webhook: webhook.to_json(org),
        },
    )
}

/// `CreateWebhook`: `{"webhook": {filter, kinds, locator, notification_status}}`.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let raw = webhook_object(json_body::<SmartSuiteWebhookInput>(&req)?)?;
    let settings = settings_of(state, org, &raw, None).await?;
    let now = Timestamp::now().micros();
    let webhook = Webhook {
        id: uuid::Uuid::new_v4().to_string(),
        settings,
        created_at: now.clone(),
        created_by: principal.user_id,
        updated_at: now,
        updated_by: principal.user_id,
        version: 1,
    };
    state.store.create_smartsuite_webhook(org, &webhook).await?;
    Ok(envelope(org, &webhook))
}

/// `GetWebhook` (and `GetWebhooks`, as the reference spells it): `{"webhook_id"}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let id = webhook_id(json_body::<SmartSuiteWebhookIdInput>(&req)?.webhook_id, "webhook_id")?;
    let webhook = webhook_named(state, principal.org_id, &id).await?;
    Ok(envelope(principal.org_id, &webhook))
}

/// `ListWebhooks`: the workspace's SmartSuite webhooks, oldest first, a page at a time
/// (`page_token` is the position to start at).
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let input = if req.body().is_empty() {
        SmartSuiteListWebhooksInput::default()
    } else {
        json_body::<SmartSuiteListWebhooksInput>(&req)?
    };
    let solution = match &input.solution_id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(Invalid::value("`solution_id` must be a solution id").into()),
    };
    let size = whole_number(input.page_size.as_ref(), "page_size", 100)?.clamp(1, 100) as usize;
    let start = whole_number(input.page_token.as_ref(), "page_token", 0)? as usize;
    let mut all = state.store.smartsuite_webhooks(org).await?;
    if let Some(solution) = solution {
        all.retain(|w| w.settings.solution_id(org) == solution);
    }
    let webhooks: Vec<Value> = all.iter().skip(start).take(size).map(|w| w.to_json(org)).collect();
    let end = start + webhooks.len();
    let next_page_token = if end < all.len() {
        end.to_string()
    } else {
        String::new()
    };
    Ok(crate::http::json_response(
        StatusCode::OK,
        &SmartSuiteWebhookList {
            webhooks,
            next_page_token,
        },
    ))
}

/// `UpdateWebhook`: `{"webhook": {webhook_id, filter, kinds, locator,
/// notification_status}}`, every setting replaced (SmartSuite requires them all).
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let raw = webhook_object(json_body::<SmartSuiteWebhookInput>(&req)?)?;
    let id = webhook_id(raw.get("webhook_id").cloned(), "webhook.webhook_id")?;
    let before = webhook_named(state, org, &id).await?;
    let settings = settings_of(state, org, &raw, before.settings.solution.as_deref()).await?;
    let after = Webhook {
        settings,
        updated_at: Timestamp::now().micros(),
        updated_by: principal.user_id,
        version: before.version + 1,
        ..before.clone()
    };
    state.store.update_smartsuite_webhook(org, &before, &after).await?;
    Ok(envelope(org, &after))
}

/// `DeleteWebhook`: `{"webhook_id"}`; its events go with it.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let id = webhook_id(json_body::<SmartSuiteWebhookIdInput>(&req)?.webhook_id, "webhook_id")?;
    state.store.delete_smartsuite_webhook(principal.org_id, &id).await?;
    Ok(crate::http::json_response(StatusCode::OK, &SmartSuiteDeletedWebhook {}))
}

/// `ListEvents`: `{"webhook_id", "page_size", "page_token"}`, the webhook's events after
/// the position `page_token` names, oldest first.
pub async fn list_events(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let input = json_body::<SmartSuiteListEventsInput>(&req)?;
    let id = webhook_id(input.webhook_id, "webhook_id")?;
    let size = whole_number(input.page_size.as_ref(), "page_size", DEFAULT_PAGE_SIZE)?;
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(Invalid::value(format!("`page_size` must be 1 to {MAX_PAGE_SIZE}")).into());
    }
    let after = whole_number(input.page_token.as_ref(), "page_token", 0)?;
    webhook_named(state, org, &id).await?;
    let page = state.store.smartsuite_events(org, &id, after, size as i32).await?;
    let next = page.last().map_or(after, |(sequence, _)| *sequence);
    let events = page.into_iter().map(|(_, event)| event).collect();
    Ok(crate::http::json_response(
        StatusCode::OK,
        &SmartSuiteEventPage {
            events,
            next_page_token: next.to_string(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn webhook_ids_must_be_non_empty_strings() {
        assert_eq!(webhook_id(Some(json!("w1")), "webhook_id").unwrap(), "w1");
        for bad in [
            None,
            Some(json!("")),
            Some(json!(" ")),
            Some(json!(7)),
            Some(json!(null)),
        ] {
            assert!(webhook_id(bad.clone(), "webhook_id").is_err(), "{bad:?}");
        }
    }
}
