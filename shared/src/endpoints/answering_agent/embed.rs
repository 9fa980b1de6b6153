//! Answering Agent's embed tokens, with the platform admin `X-API-KEY`:
//! `GET`, `POST` and `DELETE /api/v1/users/{external_id}/embed-token`
//! (docs.answeringagent.com, "advanced/embed" and "Invalidate User's Embed Token").
//!
//! A token signs the user in to one organization's pages: opened as
//! `<api>/dashboard.html?token=<embed_token>` (the embed URL Answering Agent's docs give),
//! it starts a session. `POST` rotates the user's generation and answers the new token;
//! `DELETE` rotates it and answers none: either way every earlier token and every session
//! it started stop working at once. The token is a signature (`crate::session`), never
//! stored. Which organization: `organization_id` in the query, or the user's one
//! organization (400 if the user has several and none is named).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::auth::Admin;
use crate::domain::organization::OrgId;
use crate::domain::user::{ExternalId, UserWithOrgs};
use crate::endpoints::common::answering_agent::embed_token_for;
use crate::error::ApiError;
use crate::http::{json_body, json_response, path_param, query_param};
use crate::state::AppState;
use crate::time::Timestamp;

/// `POST .../embed-token` takes no body (Answering Agent's sends none); `{}` is accepted,
/// anything that is not a JSON object is refused.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NoBody {}

/// `GET .../embed-token`'s answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EmbedTokenBody {
    /// Opens `<api>/dashboard.html?token=<embed_token>`.
    pub embed_token: String,
    /// The user's external id.
    pub user_id: String,
}

/// `POST .../embed-token`'s answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NewEmbedTokenBody {
    pub embed_token: String,
    pub user_id: String,
    /// "New embed token generated successfully".
    pub message: String,
}

/// `DELETE .../embed-token`'s answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InvalidatedEmbedTokenBody {
    pub user_id: String,
    /// "Embed token invalidated successfully".
    pub message: String,
}

/// The user in the path and the organization its token is for.
async fn user_and_org(state: &AppState, req: &Request) -> Result<(UserWithOrgs, ExternalId, OrgId), ApiError> {
    let raw = path_param(req, "external_id")?;
    let not_found = || ApiError::not_found(format!("No user with external_id `{raw}`"));
    let external_id = ExternalId::parse("external_id", raw).map_err(|_| not_found())?;
    let user = state.store.user_with_orgs(&external_id).await?.ok_or_else(not_found)?;
    let named = query_param(req, "organization_id")?
        .map(|raw| {
            OrgId::parse_path(raw)
                .map_err(|_| ApiError::validation("The query parameter `organization_id` must be an organization id"))
        })
        .transpose()?;
    let org = match (named, user.organizations.as_slice()) {
        (Some(org), memberships) if memberships.iter().any(|m| m.org_id == org.0) => org,
        (Some(org), _) => {
            return Err(ApiError::not_found(format!(
                "The user `{raw}` is not a member of organization {}",
                org.0
            )))
        }
        (None, [only]) => OrgId(only.org_id),
        (None, []) => {
            return Err(ApiError::not_found(format!(
                "The user `{raw}` is a member of no organization"
            )))
        }
        (None, several) => {
            return Err(ApiError::validation(format!(
                "The user `{raw}` is a member of {} organizations: name one with `organization_id`",
                several.len()
            )))
        }
    };
    Ok((user, external_id, org))
}

/// The token for the user's generation now; 404 if the membership went meanwhile.
async fn current_token(state: &AppState, org: OrgId, external_id: &ExternalId) -> Result<String, ApiError> {
    embed_token_for(state, org, external_id).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "The user `{}` is not a member of organization {}",
            external_id.as_str(),
            org.0
        ))
    })
}

/// `GET /api/v1/users/{external_id}/embed-token`: the user's current token.
pub async fn get(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let (_, external_id, org) = user_and_org(state, &req).await?;
    let embed_token = current_token(state, org, &external_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &EmbedTokenBody {
            embed_token,
            user_id: external_id.as_str().to_string(),
        },
    ))
}

/// Puts a new generation for the user in `org`: every earlier token and session ends.
async fn rotate(state: &AppState, user: &UserWithOrgs, org: OrgId) -> Result<(), ApiError> {
    let generation = crate::session::new_generation();
    state
        .store
        .rotate_embed_generation(org, &user.user, &generation, &Timestamp::now().seconds())
        .await?;
    Ok(())
}

/// `POST /api/v1/users/{external_id}/embed-token`: a new token; the old one stops working.
pub async fn create(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    if !req.body().is_empty() {
        json_body::<NoBody>(&req)?;
    }
    let (user, external_id, org) = user_and_org(state, &req).await?;
    // The key first: with no server key configured nothing is rotated (503).
    crate::session::token_key(&state.webhooks.sealing_key).await?;
    rotate(state, &user, org).await?;
    let embed_token = current_token(state, org, &external_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &NewEmbedTokenBody {
            embed_token,
            user_id: external_id.as_str().to_string(),
            message: "New embed token generated successfully".into(),
        },
    ))
}

/// `DELETE /api/v1/users/{external_id}/embed-token`: the token (and every session it
/// started) stops working; no new one is answered (`GET` gives the next).
pub async fn delete(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let (user, external_id, org) = user_and_org(state, &req).await?;
    rotate(state, &user, org).await?;
    Ok(json_response(
        StatusCode::OK,
        &InvalidatedEmbedTokenBody {
            user_id: external_id.as_str().to_string(),
            message: "Embed token invalidated successfully".into(),
        },
    ))
}
