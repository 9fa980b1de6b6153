//! Answering Agent's users, with the platform admin `X-API-KEY`: `POST /api/v1/users`,
//! `GET /api/v1/users?organization_id=`, `GET` and `PATCH /api/v1/users/{external_id}`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::auth::Admin;
use crate::domain::organization::OrgId;
use crate::domain::user::{CreateUserInput, ExternalId, PatchUserInput, UserWithOrgs};
use crate::endpoints::common::answering_agent::{embed_token_for, UserBody};
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param, with_page_headers};
use crate::state::AppState;
use crate::time::Timestamp;

async fn user_in_path(state: &AppState, req: &Request) -> Result<UserWithOrgs, ApiError> {
    let raw = path_param(req, "external_id")?;
    let not_found = || ApiError::not_found(format!("No user with external_id `{raw}`"));
    let external_id = ExternalId::parse("external_id", raw).map_err(|_| not_found())?;
    state.store.user_with_orgs(&external_id).await?.ok_or_else(not_found)
}

/// The organization a user create or update names: `organization_id` in the query or in
/// the body (Answering Agent takes either); both must agree.
fn organization_given(req: &Request, in_body: Option<u64>) -> Result<Option<u64>, ApiError> {
    let in_query = query_param(req, "organization_id")?
        .map(|raw| {
            OrgId::parse_path(raw)
                .map(|id| id.0)
                .map_err(|_| ApiError::validation("The query parameter `organization_id` must be an organization id"))
        })
        .transpose()?;
    match (in_query, in_body) {
        (Some(q), Some(b)) if q != b => Err(ApiError::validation(
            "`organization_id` is given in the query and in the body, and they differ",
        )),
        (q, b) => Ok(q.or(b)),
    }
}

/// `POST /api/v1/users` (201): a new user, member of `organization_id` (query or body)
/// with `role` (owner, manager or user; default user). Answers in Answering Agent's shape:
/// `{embed_token, user, team, locations}`: the token signs the user in to the
/// organization's pages (`answering_agent::embed`); there are no teams of users or phone
/// locations here, so those are null and empty.
pub async fn create(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let mut input = json_body::<CreateUserInput>(&req)?;
    input.organization_id = organization_given(&req, input.organization_id)?;
    let new = input.parse()?;
    let user = state.store.create_user(&new, Timestamp::now()).await?;
    // The user is made: a token that cannot be signed now (no server key configured, or a
    // failed read) is null, and `GET .../embed-token` gives it later.
    let embed_token = match embed_token_for(state, new.org_id, &new.user.external_id).await {
        Ok(token) => token,
        Err(error) => {
            tracing::warn!(code = error.code, "the new user's embed token was not signed");
            None
        }
    };
    Ok(json_response(
        StatusCode::CREATED,
        &CreatedUser {
            embed_token,
            user: UserBody::new(&user),
            team: None,
            locations: Vec::new(),
        },
    ))
}

/// Answering Agent's answer to a user create.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    /// Signs the user in to the organization's pages: `<api>/dashboard.html?token=<it>`.
    /// Null only when the server key is not configured (then `GET .../embed-token` gives
    /// it once it is).
    pub embed_token: Option<String>,
    pub user: UserBody,
    /// Always null: users join organizations, not teams, here.
    #[schema(value_type = Option<Object>)]
    pub team: Option<serde_json::Value>,
    /// Always empty: no phone locations here.
    #[schema(value_type = Vec<Object>)]
    pub locations: Vec<serde_json::Value>,
}

/// `GET /api/v1/users?organization_id=&limit&offset`: a JSON array of users by user id,
/// of one organization or (without `organization_id`) of all; `limit` defaults to 50, at
/// most 100; `X-Total-Count` and `Link` headers page it. All users are the union of every
/// organization's members (one Query per organization: there is no index of users alone).
pub async fn list(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let org = query_param(&req, "organization_id")?
        .map(OrgId::parse_path)
        .transpose()?;
    let (limit, offset) = pagination(&req, 50, 100)?;
    let mut members: Vec<(u64, String)> = match org {
        Some(org) => {
            if state.store.organization(org).await?.is_none() {
                return Err(ApiError::not_found(format!("No organization with id `{}`", org.0)));
            }
            member_ids(state, org).await?
        }
        None => {
            let mut all = Vec::new();
            for org in state.store.organizations().await? {
                all.extend(member_ids(state, OrgId(org.id)).await?);
            }
            all
        }
    };
    members.sort();
    members.dedup();
    let mut reads = tokio::task::JoinSet::new();
    for (position, (_, external_id)) in members.iter().skip(offset).take(limit).enumerate() {
        let store = state.store.clone();
        let external_id = ExternalId::parse("external_id", external_id)?;
        reads.spawn(async move { Ok::<_, ApiError>((position, store.user_with_orgs(&external_id).await?)) });
    }
    let mut page = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (position, user) = joined.map_err(|e| ApiError::internal().with_detail(e.to_string()))??;
        page.extend(user.map(|u| (position, u)));
    }
    page.sort_by_key(|(position, _)| *position);
    let users: Vec<UserBody> = page.iter().map(|(_, u)| UserBody::new(u)).collect();
    let next = (offset + limit < members.len()).then(|| {
        let org = org.map(|o| format!("organization_id={}&", o.0)).unwrap_or_default();
        format!("/api/v1/users?{org}limit={limit}&offset={}", offset + limit)
    });
    Ok(with_page_headers(
        json_response(StatusCode::OK, &users),
        members.len(),
        next,
    ))
}

/// An organization's members as (user id, external id).
async fn member_ids(state: &AppState, org: OrgId) -> Result<Vec<(u64, String)>, ApiError> {
    Ok(state
        .store
        .org_members(org)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.external_id))
        .collect())
}

/// `GET /api/v1/users/{external_id}`.
pub async fn get(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let user = user_in_path(state, &req).await?;
    Ok(json_response(StatusCode::OK, &UserBody::new(&user)))
}

/// `PATCH /api/v1/users/{external_id}`: email, name; with `organization_id` (and `role`),
/// adds the user to the organization or changes its role there.
pub async fn update(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let user = user_in_path(state, &req).await?;
    let mut input = json_body::<PatchUserInput>(&req)?;
    input.organization_id = organization_given(&req, input.organization_id)?;
    let patch = input.parse()?;
    let user = state.store.update_user(&user, &patch, Timestamp::now()).await?;
    Ok(json_response(StatusCode::OK, &UserBody::new(&user)))
}
