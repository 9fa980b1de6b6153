//! Answering Agent's users, with the platform admin `X-API-KEY`: `POST /api/v1/users`,
//! `GET /api/v1/users?organization_id=`, `GET` and `PATCH /api/v1/users/{external_id}`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use super::organizations::UserBody;
use crate::auth::Admin;
use crate::domain::organization::OrgId;
use crate::domain::user::{CreateUserInput, ExternalId, PatchUserInput};
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param};
use crate::state::AppState;
use crate::store::organizations::UserWithOrgs;
use crate::time::Timestamp;

async fn user_in_path(state: &AppState, req: &Request) -> Result<UserWithOrgs, ApiError> {
    let raw = path_param(req, "external_id")?;
    let not_found = || ApiError::not_found(format!("No user with external_id `{raw}`"));
    let external_id = ExternalId::parse("external_id", raw).map_err(|_| not_found())?;
    state.store.user_with_orgs(&external_id).await?.ok_or_else(not_found)
}

/// `POST /api/v1/users` (201): a new user, member of `organization_id` with `role`
/// (owner, manager or user; default user).
pub async fn create(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<CreateUserInput>(&req)?.parse()?;
    let user = state.store.create_user(&new, Timestamp::now()).await?;
    Ok(json_response(StatusCode::CREATED, &UserBody::new(&user)))
}

/// `GET /api/v1/users?organization_id=&limit&offset`: `{users, total, limit, offset}`, by
/// user id. `limit` defaults to 50, at most 100.
pub async fn list(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let raw = query_param(&req, "organization_id")?
        .ok_or_else(|| ApiError::validation("The query parameter `organization_id` is required"))?;
    let org = OrgId::parse_path(raw)?;
    let (limit, offset) = pagination(&req, 50, 100)?;
    if state.store.organization(org).await?.is_none() {
        return Err(ApiError::not_found(format!("No organization with id `{}`", org.0)));
    }
    let members = state.store.org_members(org).await?;
    let mut reads = tokio::task::JoinSet::new();
    for (position, member) in members.iter().skip(offset).take(limit).enumerate() {
        let store = state.store.clone();
        let external_id = ExternalId::parse("external_id", &member.external_id)?;
        reads.spawn(async move { Ok::<_, ApiError>((position, store.user_with_orgs(&external_id).await?)) });
    }
    let mut page = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (position, user) = joined.map_err(|e| ApiError::internal().with_detail(e.to_string()))??;
        page.extend(user.map(|u| (position, u)));
    }
    page.sort_by_key(|(position, _)| *position);
    let users: Vec<UserBody> = page.iter().map(|(_, u)| UserBody::new(u)).collect();
    Ok(json_response(
        StatusCode::OK,
        &UserList {
            users,
            total: members.len(),
            limit,
            offset,
        },
    ))
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
    let patch = json_body::<PatchUserInput>(&req)?.parse()?;
    let user = state.store.update_user(&user, &patch, Timestamp::now()).await?;
    Ok(json_response(StatusCode::OK, &UserBody::new(&user)))
}

/// `GET /api/v1/users`: a page of an organization's members, by user id.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserList {
    pub users: Vec<UserBody>,
    /// All members, not only this page's.
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
}
