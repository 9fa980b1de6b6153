//! Answering Agent's organizations: `POST /api/v1/organizations` and
//! `GET /api/v1/organizations/{id}`, both with the platform admin key.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::NewApiKey;
use crate::domain::organization::{CreateOrganizationInput, OrgId};
use crate::error::ApiError;
use crate::http::{json_body, json_response, path_param};
use crate::state::AppState;
use crate::store::organizations::{OrganizationView, UserWithOrgs};
use crate::time::Timestamp;

pub async fn create(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    state.admin_key.require(req.headers())?;
    let new = json_body::<CreateOrganizationInput>(&req)?.parse()?;
    let api_key = NewApiKey::generate();
    let view = state
        .store
        .create_organization(&new, &api_key, Timestamp::now())
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &OrganizationResponse::new(&view, Some(&api_key)),
    ))
}

pub async fn get(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    state.admin_key.require(req.headers())?;
    let id = OrgId::parse_path(path_param(&req, "id")?)?;
    let view = state
        .store
        .organization_view(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization with id `{}`", id.0)))?;
    Ok(json_response(StatusCode::OK, &OrganizationResponse::new(&view, None)))
}

/// The seed's response: `{organization, owner}`, plus `api_key` on create only.
#[derive(Debug, Serialize)]
pub struct OrganizationResponse {
    pub organization: OrganizationBody,
    pub owner: UserBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKeyBody>,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct UserBody {
    pub id: u64,
    pub external_id: String,
    pub email: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub organizations: Vec<UserOrganizationBody>,
}

#[derive(Debug, Serialize)]
pub struct UserOrganizationBody {
    pub id: u64,
    pub name: String,
    pub role: crate::domain::user::Role,
}

/// An org API key as its create response shows it: the secret, this once.
#[derive(Debug, Serialize)]
pub struct ApiKeyBody {
    pub id: String,
    pub secret: String,
    pub created_at: String,
}

impl OrganizationResponse {
    pub fn new(view: &OrganizationView, api_key: Option<&NewApiKey>) -> Self {
        let org = &view.organization;
        Self {
            organization: OrganizationBody {
                id: org.id,
                name: org.name.clone(),
                description: org.description.clone(),
                created_at: org.created_at.clone(),
                updated_at: org.updated_at.clone(),
                users: view.users.iter().map(UserBody::new).collect(),
                phone_numbers: Vec::new(),
            },
            owner: UserBody::new(&view.owner),
            api_key: api_key.map(|key| ApiKeyBody {
                id: key.id.clone(),
                secret: key.token.clone(),
                created_at: org.created_at.clone(),
            }),
        }
    }
}

impl UserBody {
    pub fn new(user: &UserWithOrgs) -> Self {
        let u = &user.user;
        Self {
            id: u.id,
            external_id: u.external_id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            created_at: u.created_at.clone(),
            updated_at: u.updated_at.clone(),
            organizations: user
                .organizations
                .iter()
                .map(|m| UserOrganizationBody {
                    id: m.org_id,
                    name: m.name.clone(),
                    role: m.role,
                })
                .collect(),
        }
    }
}
