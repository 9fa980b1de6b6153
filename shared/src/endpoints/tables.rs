//! Invent's tables and fields, with `Authorization: Bearer <org key>`:
//! `POST /orgs/{org_id}/tables`, `GET /orgs/{org_id}/tables/{table_id}` and
//! `POST /orgs/{org_id}/tables/{table_id}/fields`. `{org_id}` may be `c`, the key's own org.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::{bearer, Principal};
use crate::domain::organization::OrgId;
use crate::domain::table::{CreateFieldInput, CreateTableInput, TableRef};
use crate::error::ApiError;
use crate::http::{json_body, json_response, path_param};
use crate::state::AppState;
use crate::store::tables::{FieldDef, SelectOption, TableItem};
use crate::time::Timestamp;

/// The organization a path names, which must be the key's own: `c` or its id. Any other
/// id is "not found", whether or not it exists.
pub fn org_in_path(req: &Request, principal: &Principal) -> Result<OrgId, ApiError> {
    let raw = path_param(req, "org_id")?;
    if raw == "c" || OrgId::parse_path(raw).ok() == Some(principal.org_id) {
        Ok(principal.org_id)
    } else {
        Err(ApiError::not_found(format!("No organization `{raw}`")))
    }
}

/// The table a path names, in the caller's organization.
async fn table_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<TableItem, ApiError> {
    let raw = path_param(req, "table_id")?;
    let table = TableRef::parse(raw)?;
    state
        .store
        .table(org, &table)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No table `{raw}`")))
}

pub async fn create(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = bearer(&state.store, req.headers()).await?;
    let org = org_in_path(&req, &principal)?;
    let new = json_body::<CreateTableInput>(&req)?.parse()?;
    let table = state.store.create_table(org, &new, Timestamp::now()).await?;
    Ok(json_response(StatusCode::OK, &TableBody::new(&table)))
}

pub async fn get(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = bearer(&state.store, req.headers()).await?;
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    Ok(json_response(StatusCode::OK, &TableBody::new(&table)))
}

pub async fn create_field(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = bearer(&state.store, req.headers()).await?;
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    let new = json_body::<CreateFieldInput>(&req)?.parse()?;
    let link = match &new.link {
        Some(target) => {
            let linked = state
                .store
                .table(org, target)
                .await?
                .ok_or_else(|| ApiError::validation("`schema.link` names no table in this organization"))?;
            Some((linked.id, linked.api_slug))
        }
        None => None,
    };
    let (table, field) = state
        .store
        .add_field(org, &table.id, &new, link, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, &FieldBody::new(&table, &field)))
}

/// Invent's table object (plus `api_slug`, by which Attio-style endpoints address it).
#[derive(Debug, Serialize)]
pub struct TableBody {
    pub id: String,
    #[serde(rename = "type")]
    pub table_type: String,
    pub name: String,
    pub description: Option<String>,
    pub record_prefix: String,
    pub api_slug: String,
    pub display_field_id: String,
    pub archived: bool,
    pub fields: Vec<FieldBody>,
    pub created_at: String,
    pub updated_at: String,
}

/// Invent's field object.
#[derive(Debug, Serialize)]
pub struct FieldBody {
    pub id: String,
    pub table_id: String,
    pub key: String,
    pub unique: bool,
    pub schema: FieldSchemaBody,
    pub readonly: bool,
}

#[derive(Debug, Serialize)]
pub struct FieldSchemaBody {
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub field_type: &'static str,
    pub optional: bool,
    pub array: bool,
    pub order: usize,
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<SelectOption>,
    pub display_field: bool,
}

impl TableBody {
    pub fn new(table: &TableItem) -> Self {
        Self {
            id: table.id.clone(),
            table_type: table.table_type.clone(),
            name: table.name.clone(),
            description: table.description.clone(),
            record_prefix: table.record_prefix.clone(),
            api_slug: table.api_slug.clone(),
            display_field_id: table.display_field_id.clone(),
            archived: table.archived,
            fields: table
                .ordered_fields()
                .into_iter()
                .map(|f| FieldBody::new(table, f))
                .collect(),
            created_at: table.created_at.clone(),
            updated_at: table.updated_at.clone(),
        }
    }
}

impl FieldBody {
    pub fn new(table: &TableItem, field: &FieldDef) -> Self {
        let order = table
            .ordered_fields()
            .iter()
            .position(|f| f.id == field.id)
            .map_or(0, |p| p + 1);
        Self {
            id: field.id.clone(),
            table_id: table.id.clone(),
            key: field.key.clone(),
            unique: field.unique,
            schema: FieldSchemaBody {
                name: field.name.clone(),
                description: field.description.clone(),
                field_type: field.field_type.as_str(),
                optional: field.optional,
                array: field.array,
                order,
                link: field.link.clone(),
                options: field.options.clone(),
                display_field: field.id == table.display_field_id,
            },
            readonly: field.readonly,
        }
    }
}
