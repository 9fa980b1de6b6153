//! Attio's records, with `Authorization: Bearer <org key>`:
//! `POST /v2/objects/{object}/records` and `GET /v2/objects/{object}/records/{record_id}`.
//! `{object}` is a table's api_slug or id; `{record_id}` a uuid or a display id (`LEAD-42`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::bearer;
use crate::domain::organization::OrgId;
use crate::domain::record::{parse_values, RecordInput};
use crate::domain::required;
use crate::domain::table::TableRef;
use crate::error::ApiError;
use crate::http::{json_body, json_response, path_param};
use crate::state::AppState;
use crate::store::records::{RecordItem, RecordRef, RecordValues};
use crate::store::tables::TableItem;
use crate::time::Timestamp;

/// The table `{object}` names in the caller's organization.
async fn object_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<TableItem, ApiError> {
    let raw = path_param(req, "object")?;
    let not_found = || ApiError::not_found(format!("Object with slug or ID \"{raw}\" not found"));
    let table = TableRef::parse(raw).map_err(|_| not_found())?;
    state.store.table(org, &table).await?.ok_or_else(not_found)
}

pub async fn create(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = bearer(&state.store, req.headers()).await?;
    let table = object_in_path(state, &req, principal.org_id).await?;
    let input = json_body::<RecordInput>(&req)?;
    let values = required("data.values", required("data", input.data)?.values)?;

    let mut parsed: RecordValues = Vec::with_capacity(values.0.len());
    for (key, raw) in &values.0 {
        let field = table.fields.get(key).ok_or_else(|| {
            let known: Vec<&str> = table.ordered_fields().iter().map(|f| f.key.as_str()).collect();
            ApiError::validation(format!(
                "`data.values.{key}`: no attribute with slug \"{key}\" on \"{}\"; its attributes are: {}",
                table.api_slug,
                known.join(", ")
            ))
        })?;
        parsed.push((field, parse_values(field, raw, &format!("data.values.{key}"))?));
    }
    for field in table.ordered_fields() {
        let given = parsed.iter().any(|(f, values)| f.id == field.id && !values.is_empty());
        if !field.optional && !given {
            return Err(ApiError::validation(format!(
                "`data.values.{}` is required: the attribute is not optional",
                field.key
            )));
        }
    }
    let record = state
        .store
        .create_record(principal.org_id, &table, &parsed, &principal.key_id, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, &RecordResponse::new(&table, &record)))
}

pub async fn get(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = bearer(&state.store, req.headers()).await?;
    let table = object_in_path(state, &req, principal.org_id).await?;
    let raw = path_param(&req, "record_id")?;
    let which = RecordRef::parse(raw, &table)?;
    let record = state
        .store
        .record(principal.org_id, &table, &which)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No record `{raw}` in \"{}\"", table.api_slug)))?;
    Ok(json_response(StatusCode::OK, &RecordResponse::new(&table, &record)))
}

/// Attio's `{"data": record}`.
#[derive(Debug, Serialize)]
pub struct RecordResponse {
    pub data: RecordBody,
}

#[derive(Debug, Serialize)]
pub struct RecordBody {
    pub id: RecordIdBody,
    pub created_at: String,
    /// `<RECORD_PREFIX>-<n>`, n counting from 1 per table.
    pub display_id: String,
    /// Every attribute of the object, each an array of its active value objects.
    pub values: Map<String, Value>,
}

#[derive(Debug, Serialize)]
pub struct RecordIdBody {
    pub workspace_id: String,
    pub object_id: String,
    pub record_id: String,
}

impl RecordResponse {
    pub fn new(table: &TableItem, record: &RecordItem) -> Self {
        let values = table
            .ordered_fields()
            .into_iter()
            .map(|field| {
                let entries = record.values.get(&field.id).cloned().unwrap_or_default();
                (field.key.clone(), Value::Array(entries))
            })
            .collect();
        Self {
            data: RecordBody {
                id: RecordIdBody {
                    workspace_id: record.org_id.to_string(),
                    object_id: table.id.clone(),
                    record_id: record.id.clone(),
                },
                created_at: record.created_at.clone(),
                display_id: format!("{}-{}", table.record_prefix, record.number),
                values,
            },
        }
    }
}
