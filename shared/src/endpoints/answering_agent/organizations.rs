//! Answering Agent's organizations: `POST /api/v1/organizations` and
//! `GET /api/v1/organizations/{id}`, both with the platform admin key.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::{Admin, NewApiKey};
use crate::domain::organization::{
    CreateOrganizationInput, OrgId, Organization, OrganizationView, PatchOrganizationInput,
};
use crate::domain::user::ExternalId;
use crate::endpoints::common::answering_agent::UserBody;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param, with_page_headers};
use crate::state::AppState;
use crate::time::Timestamp;

pub async fn create(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<CreateOrganizationInput>(&req)?.parse()?;
    let api_key = NewApiKey::generate();
    let view = state
        .store
        .create_organization(&new, &api_key.issued(), Timestamp::now())
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &OrganizationResponse::new(&view, Some(&api_key)),
    ))
}

pub async fn get(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let id = OrgId::parse_path(path_param(&req, "id")?)?;
    let view = state
        .store
        .organization_view(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization with id `{}`", id.0)))?;
    Ok(json_response(StatusCode::OK, &OrganizationBody::new(&view)))
}

/// The seed's response: `{organization, owner}`, plus `api_key` on create only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationResponse {
    pub organization: OrganizationBody,
    pub owner: UserBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKeyBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationBody {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub users: Vec<UserBody>,
    /// Phone numbers are not part of this product; the field stays for client compatibility.
    pub phone_numbers: Vec<serde_json::Value>,
}

/// An org API key as its create response shows it: the secret, this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyBody {
    pub id: String,
    pub secret: String,
    pub created_at: String,
}

impl OrganizationBody {
    /// Answering Agent's organization object, which its GET, PATCH and list answer with.
    pub fn new(view: &OrganizationView) -> Self {
        let org = &view.organization;
        Self {
            id: org.id,
            name: org.name.clone(),
            description: org.description.clone(),
            created_at: org.created_at.clone(),
            updated_at: org.updated_at.clone(),
            users: view.users.iter().map(UserBody::new).collect(),
            phone_numbers: Vec::new(),
        }
    }
}

impl OrganizationResponse {
    pub fn new(view: &OrganizationView, api_key: Option<&NewApiKey>) -> Self {
        let org = &view.organization;
        Self {
            organization: OrganizationBody::new(view),
            owner: UserBody::new(&view.owner),
            api_key: api_key.map(|key| ApiKeyBody {
                id: key.id.clone(),
                secret: key.token.clone(),
                created_at: org.created_at.clone(),
            }),
        }
    }
}

/// The organization `{id}` names (admin endpoints): its id, or 404.
fn org_in_path(req: &Request) -> Result<OrgId, ApiError> {
    Ok(OrgId::parse_path(path_param(req, "id")?)?)
}

async fn view(state: &AppState, id: OrgId) -> Result<OrganizationView, ApiError> {
    state
        .store
        .organization_view(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization with id `{}`", id.0)))
}

/// The organization's own item (one GetItem), or 404: for endpoints that need it to exist
/// but do not show it.
async fn existing(state: &AppState, id: OrgId) -> Result<Organization, ApiError> {
    state
        .store
        .organization(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization with id `{}`", id.0)))
}

/// `GET /api/v1/organizations?limit&offset`: `{organizations, total, limit, offset}`, by id.
/// `GET /api/v1/organizations?limit&offset`: Answering Agent's JSON array of organizations,
/// by id. Its docs page nothing; here a page holds at most 100 (the default), and the
/// headers say the rest: `X-Total-Count`, and a `Link` to the next page while there is one.
pub async fn list(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 100, 100)?;
    let all = state.store.organizations().await?;
    let mut reads = tokio::task::JoinSet::new();
    for (position, org) in all.iter().skip(offset).take(limit).enumerate() {
        let store = state.store.clone();
        let id = OrgId(org.id);
        reads.spawn(async move { Ok::<_, ApiError>((position, store.organization_view(id).await?)) });
    }
    let mut page: Vec<(usize, OrganizationView)> = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (position, found) = joined.map_err(|e| ApiError::internal().with_detail(e.to_string()))??;
        // An organization deleted since the index was read is simply left out.
        page.extend(found.map(|v| (position, v)));
    }
    page.sort_by_key(|(position, _)| *position);
    let organizations: Vec<OrganizationBody> = page.iter().map(|(_, v)| OrganizationBody::new(v)).collect();
    let next =
        (offset + limit < all.len()).then(|| format!("/api/v1/organizations?limit={limit}&offset={}", offset + limit));
    Ok(with_page_headers(
        json_response(StatusCode::OK, &organizations),
        all.len(),
        next,
    ))
}

/// `PATCH /api/v1/organizations/{id}` with `{name, description}`: the GET shape back.
pub async fn update(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let id = org_in_path(&req)?;
    let patch = json_body::<PatchOrganizationInput>(&req)?.parse()?;
    state.store.update_organization(id, &patch, Timestamp::now()).await?;
    Ok(json_response(
        StatusCode::OK,
        &OrganizationBody::new(&view(state, id).await?),
    ))
}

/// `DELETE /api/v1/organizations/{id}`: its keys stop working at once; its data is purged.
pub async fn delete(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let id = org_in_path(&req)?;
    state.store.delete_organization(id).await?;
    Ok(json_response(
        StatusCode::OK,
        &DeletedOrganization {
            id: id.0,
            deleted: true,
        },
    ))
}

/// `GET /api/v1/organizations`: a page of organizations, by id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedOrganization {
    pub id: u64,
    pub deleted: bool,
}

/// A key just issued: the secret is shown here only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    pub id: String,
    pub secret: String,
    pub prefix: String,
    pub user_id: u64,
    pub created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyListing>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevokedApiKey {
    pub id: String,
    pub revoked: bool,
}

/// An API key as lists show it: never the secret, only its first characters.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyListing {
    pub id: String,
    pub prefix: String,
    pub user_id: u64,
    pub created_at: String,
}

/// The body of `POST .../api_keys`: optionally the member the key acts as (default: the
/// organization's owner).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CreateApiKeyInput {
    external_id: Option<String>,
}

/// `POST /api/v1/organizations/{id}/api_keys` (201): a new key; the secret is shown once.
pub async fn create_api_key(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let id = org_in_path(&req)?;
    let input = if req.body().is_empty() {
        CreateApiKeyInput::default()
    } else {
        json_body::<CreateApiKeyInput>(&req)?
    };
    let org = existing(state, id).await?;
    let user_id = match input.external_id {
        None => org.owner_user_id,
        Some(external_id) => {
            let external_id = ExternalId::parse("external_id", &external_id)?;
            let user = state.store.user_with_orgs(&external_id).await?;
            user.filter(|u| u.organizations.iter().any(|m| m.org_id == id.0))
                .map(|u| u.user.id)
                .ok_or_else(|| ApiError::validation("`external_id` names no member of this organization"))?
        }
    };
    let api_key = NewApiKey::generate();
    let stored = state
        .store
        .create_api_key(id, user_id, &api_key.issued(), Timestamp::now())
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &CreatedApiKey {
            id: stored.id,
            secret: api_key.token,
            prefix: stored.prefix,
            user_id,
            created_at: stored.created_at,
        },
    ))
}

/// `GET /api/v1/organizations/{id}/api_keys`: `{api_keys: [...]}`, oldest first, prefixes only.
pub async fn list_api_keys(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let id = org_in_path(&req)?;
    existing(state, id).await?;
    let keys: Vec<ApiKeyListing> = state
        .store
        .api_keys(id)
        .await?
        .into_iter()
        .map(|k| ApiKeyListing {
            id: k.id,
            prefix: k.prefix,
            user_id: k.user_id,
            created_at: k.created_at,
        })
        .collect();
    Ok(json_response(StatusCode::OK, &ApiKeyList { api_keys: keys }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct RevokeApiKeyInput {
    #[schema(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    id: Option<String>,
}

/// `DELETE /api/v1/organizations/{id}/api_keys?id=<key id>` (or `{"id": ...}` in the body):
/// revokes the key; its next call gets 401.
pub async fn revoke_api_key(state: &AppState, _admin: Admin, req: Request) -> Result<Response<Body>, ApiError> {
    let id = org_in_path(&req)?;
    let key_id = match query_param(&req, "id")? {
        Some(key_id) => key_id.to_string(),
        None if !req.body().is_empty() => json_body::<RevokeApiKeyInput>(&req)?.id.unwrap_or_default(),
        None => String::new(),
    };
    if key_id.is_empty() {
        return Err(ApiError::validation(
            "`id` is required: the id of the key to revoke (query or body)",
        ));
    }
    let key_id = crate::store::api_keys::parse_key_id(&key_id)?;
    state.store.revoke_api_key(id, &key_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &RevokedApiKey {
            id: key_id,
            revoked: true,
        },
    ))
}
