//! Invent's tables and fields, with `Authorization: Bearer <org key>`:
//! `POST /orgs/{org_id}/tables`, `GET /orgs/{org_id}/tables/{table_id}` and
//! `POST /orgs/{org_id}/tables/{table_id}/fields`. `{org_id}` may be `c`, the key's own org.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::import::{cell_value, ImportInput};
use crate::domain::organization::OrgId;
use crate::domain::record::parse_values;
use crate::domain::table::{CreateFieldInput, CreateTableInput, PatchFieldInput, PatchTableInput, TableRef};
use crate::domain::table::{FieldDef, SelectOption, Table};
use crate::endpoints::common::tables::resolve_link;
use crate::error::ApiError;
use crate::http::{invent_pagination, json_body, json_response, path_param, query_param};
use crate::state::AppState;
use crate::store::records::Actor;
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

/// The table a path names, in the caller's organization (an Attio list is none).
async fn table_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<Table, ApiError> {
    let raw = path_param(req, "table_id")?;
    let table = TableRef::parse(raw)?;
    state
        .store
        .table(org, &table)
        .await?
        .filter(|t| !t.is_list())
        .ok_or_else(|| ApiError::not_found(format!("No table `{raw}`")))
}

pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let new = json_body::<CreateTableInput>(&req)?.parse()?;
    let table = state
        .store
        .create_table(org, &new, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &TableBody::new(&table)))
}

pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    Ok(json_response(StatusCode::OK, &TableBody::new(&table)))
}

pub async fn create_field(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    let new = json_body::<CreateFieldInput>(&req)?.parse()?;
    let link = resolve_link(state, org, &new, "schema.link").await?;
    let (table, field) = state
        .store
        .add_field(org, &table, &new, link, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &FieldBody::new(&table, &field)))
}

/// `GET /orgs/{org_id}/tables?type&search&page&take` (or `limit&offset`): a plain array,
/// oldest first, with Invent's `pagination-*` headers.
/// `type` filters by table type; `search` keeps names containing it, ignoring case.
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let table_type = query_param(&req, "type")?;
    if let Some(t) = table_type {
        if !["custom", "contacts", "chats", "users"].contains(&t) {
            return Err(ApiError::validation(
                "The query parameter `type` must be one of custom, contacts, chats, users",
            ));
        }
    }
    let search = query_param(&req, "search")?.map(str::to_lowercase);
    let (limit, offset, page) = invent_pagination(&req, 100, 1000)?;
    let matching: Vec<Table> = state
        .store
        .tables(org)
        .await?
        .into_iter()
        .filter(|t| !t.is_list())
        .filter(|t| table_type.is_none_or(|wanted| t.table_type == wanted))
        .filter(|t| search.as_ref().is_none_or(|s| t.name.to_lowercase().contains(s)))
        .collect();
    let tables: Vec<TableBody> = matching.iter().skip(offset).take(limit).map(TableBody::new).collect();
    let mut response = json_response(StatusCode::OK, &tables);
    // Invent's paging headers: the count of all matching tables, and this page.
    let headers = response.headers_mut();
    headers.insert("pagination-count", matching.len().into());
    headers.insert("pagination-page", page.into());
    headers.insert("pagination-take", limit.into());
    Ok(response)
}

/// `PATCH /orgs/{org_id}/tables/{table_id}`: name, description, archived, display_field_id.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    let patch = json_body::<PatchTableInput>(&req)?.parse()?;
    let table = state.store.update_table(org, &table, &patch, Timestamp::now()).await?;
    Ok(json_response(StatusCode::OK, &TableBody::new(&table)))
}

/// `PATCH /orgs/{org_id}/tables/{table_id}/fields/{field_id}`: key, name, description,
/// optional; the type cannot change.
pub async fn update_field(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    let field_id = path_param(&req, "field_id")?;
    // An archived field (archived through Attio's or SmartSuite's routes) is none here.
    let field = table
        .field_by_id(field_id)
        .ok_or_else(|| ApiError::not_found(format!("No field `{field_id}` in table \"{}\"", table.api_slug)))?;
    let patch = json_body::<PatchFieldInput>(&req)?.parse()?;
    let (table, field) = state
        .store
        .update_field(org, &table, field, &patch, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &FieldBody::new(&table, &field)))
}

/// Invent's table object (plus `api_slug`, by which Attio-style endpoints address it).
#[derive(Debug, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldBody {
    pub id: String,
    pub table_id: String,
    pub key: String,
    /// Invent's type name (string, number, boolean, date, datetime, enum, record, user);
    /// `schema.type` is the exact type.
    #[serde(rename = "type")]
    pub invent_type: &'static str,
    pub unique: bool,
    /// Whether queries sort by the field and filter on it through an index.
    pub indexed: bool,
    pub schema: FieldSchemaBody,
    pub readonly: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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
    pub fn new(table: &Table) -> Self {
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
                .enumerate()
                .map(|(i, f)| FieldBody::at(table, f, i + 1))
                .collect(),
            created_at: table.created_at.clone(),
            updated_at: table.updated_at.clone(),
        }
    }
}

impl FieldBody {
    /// The field as its table shows it; `order` is its position among the table's fields.
    pub fn new(table: &Table, field: &FieldDef) -> Self {
        let order = table
            .ordered_fields()
            .iter()
            .position(|f| f.id == field.id)
            .map_or(0, |p| p + 1);
        Self::at(table, field, order)
    }

    fn at(table: &Table, field: &FieldDef, order: usize) -> Self {
        Self {
            id: field.id.clone(),
            table_id: table.id.clone(),
            key: field.key.clone(),
            invent_type: field.field_type.invent_name(),
            unique: field.unique,
            indexed: field.indexed,
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

/// `POST /orgs/{org_id}/tables/{table_id}/records/import`: Invent's import. Each CSV row is
/// created as one record (its own transaction) or reported in `errors` with its row number
/// (1 is the first row after the header); rows that succeed stay created.
pub async fn import_records(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = org_in_path(&req, &principal)?;
    let table = table_in_path(state, &req, org).await?;
    let import = json_body::<ImportInput>(&req)?.parse(&table)?;
    let mut result = ImportResult::default();
    for (i, row) in import.rows.iter().enumerate() {
        match import_row(state, &principal, &table, &import.columns, row).await {
            Ok(()) => result.created += 1,
            Err(error) => {
                result.failed += 1;
                result.errors.push(RowError {
                    row: i + 1,
                    message: error.message,
                });
            }
        }
    }
    Ok(json_response(StatusCode::OK, &result))
}

/// One row as a record: its cells parsed by their fields' types, then written.
async fn import_row(
    state: &AppState,
    principal: &Principal,
    table: &Table,
    columns: &[Option<&FieldDef>],
    row: &[String],
) -> Result<(), ApiError> {
    if row.len() != columns.len() {
        return Err(ApiError::validation(format!(
            "the row has {} cells; the header has {}",
            row.len(),
            columns.len()
        )));
    }
    let mut values = Vec::new();
    for (field, cell) in columns.iter().zip(row) {
        let (Some(field), Some(value)) = (field, field.and_then(|f| cell_value(f, cell))) else {
            continue;
        };
        values.push((*field, parse_values(field, &value, &field.key)?));
    }
    let actor = Actor::now(&principal.key_id);
    state
        .store
        .create_record(principal.org_id, table, &values, actor)
        .await?;
    Ok(())
}

/// Invent's import answer.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub failed: usize,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// From 1, the first row after the header.
    pub row: usize,
    pub message: String,
}
