//! SmartSuite's records, over the one domain: a record made here is the record Attio's and
//! Invent's routes show, and the reverse. A record is flat, `{<field slug>: value, ...}`
//! beside SmartSuite's system keys; values take SmartSuite's shapes in and out
//! (`crate::domain::smartsuite`), through the one parser and the one store, so uniqueness,
//! references, history, indexes, events and the audit hold as for every dialect. The list
//! runs the records query's planner (`common::record_query`). docs/compat-smartsuite.md,
//! "Records".

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::auth::Principal;
use crate::domain::filter::SortInput;
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::smartsuite::{attio_filter, attio_sorts};
use crate::domain::table::Table;
use crate::domain::Invalid;
use crate::endpoints::common::attio::{against_object, RecordFailure};
use crate::endpoints::common::record_query::matching;
use crate::endpoints::common::smartsuite::{members, parse_body, shown_record, update_with_retries};
pub use crate::endpoints::common::smartsuite::{DeletedRecordBody, SmartSuiteRecord};
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param};
use crate::state::AppState;
use crate::store::records::{Actor, RecordRef};

/// The list answer: `{total, offset, limit, items}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordPage {
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub items: Vec<SmartSuiteRecord>,
}

/// The body of `POST .../records/list/`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ListRecordsInput {
    /// `{"operator": "and" | "or", "fields": [{"field", "comparison", "value"}]}`.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    filter: Value,
    /// `[{"field", "direction": "asc" | "desc"}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    #[serde(default)]
    sort: Value,
    /// Accepted; records always show their linked records by id here.
    #[serde(default)]
    #[allow(dead_code)]
    hydrated: Option<bool>,
}

/// A record body: one object of field slugs (or ids) to values.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct SmartSuiteRecordInput(Map<String, Value>);

fn body_of(req: &Request) -> Result<Map<String, Value>, ApiError> {
    Ok(json_body::<SmartSuiteRecordInput>(req)?.0)
}

async fn record_in_path(state: &AppState, req: &Request, org: OrgId, table: &Table) -> Result<Record, ApiError> {
    let raw = path_param(req, "record_id")?;
    let not_found = || ApiError::not_found(format!("No record `{raw}` in \"{}\"", table.api_slug));
    let which = RecordRef::parse(raw, table).map_err(|_| not_found())?;
    state.store.record(org, table, &which).await?.ok_or_else(not_found)
}

/// `POST /api/v1/applications/{application_id}/records/`: creates a record.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    let body = body_of(req)?;
    let body = &body;
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let members = members(state, org, &table).await?;
        let values = parse_body(org, &table, body, &members, false)?;
        let record = state
            .store
            .create_record(org, &table, &values, Actor::now(&principal.key_id))
            .await?;
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &shown_record(&table, &record, &members)))
    })
    .await
}

/// `GET /api/v1/applications/{application_id}/records/{record_id}/`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let record = record_in_path(state, req, org, &table).await?;
        let members = members(state, org, &table).await?;
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &shown_record(&table, &record, &members)))
    })
    .await
}

/// `PATCH .../records/{record_id}/`: the fields sent take the values sent; the others stay.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    write(state, principal, req, false).await
}

/// `PUT .../records/{record_id}/`: the fields sent take the values sent; the others are
/// cleared, as SmartSuite's PUT does.
pub async fn replace(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    write(state, principal, req, true).await
}

async fn write(
    state: &AppState,
    principal: Principal,
    req: Request,
    clear_others: bool,
) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    let body = body_of(req)?;
    let body = &body;
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let members = members(state, org, &table).await?;
        let values = parse_body(org, &table, body, &members, clear_others)?;
        let record = record_in_path(state, req, org, &table).await?;
        let written = update_with_retries(state, principal, &table, &record, &values).await?;
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &shown_record(&table, &written, &members)))
    })
    .await
}

/// `POST .../records/list/?offset&limit` with `{filter, sort}`: `{total, offset, limit,
/// items}`. The filter and sort become the records query's and run through its planner,
/// which reads the first `offset + limit` in order. Without a filter, `total` is the
/// table's record count (`store::record_counts`); with one, it counts every match, so a
/// filtered list reads every record it matches, within the query's bound (past it, the
/// same 400 as the records query's, saying what to index).
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    let (limit, offset) = pagination(req, 100, 1000)?;
    let input = if req.body().is_empty() {
        ListRecordsInput::default()
    } else {
        json_body::<ListRecordsInput>(req)?
    };
    let input = &input;
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let filter = match &input.filter {
            Value::Null => None,
            Value::Object(o) if o.is_empty() => None,
            raw => Some(attio_filter(&table, raw, "filter")?),
        };
        let sorts: Vec<SortInput> = attio_sorts(&table, &input.sort, "sort")?
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()
            .map_err(|_| Invalid::value("`sort`: each sort is {\"field\", \"direction\"}"))?;
        let counted = match filter {
            None => state.store.record_count(&table.id).await?,
            Some(_) => None,
        };
        let (found, total) = match counted {
            Some(total) => {
                let first = matching(state, &table, None, &sorts, offset.saturating_add(limit)).await?;
                (first, total as usize)
            }
            None => {
                let all = matching(state, &table, filter.as_ref(), &sorts, usize::MAX).await?;
                let total = all.len();
                (all, total)
            }
        };
        let members = members(state, org, &table).await?;
        let items = found
            .iter()
            .skip(offset)
            .take(limit)
            .map(|record| shown_record(&table, record, &members))
            .collect();
        Ok::<_, RecordFailure>(json_response(
            StatusCode::OK,
            &RecordPage {
                total,
                offset,
                limit,
                items,
            },
        ))
    })
    .await
}

/// `DELETE .../records/{record_id}/`: SmartSuite's soft delete. The record leaves every
/// dialect as a delete does, and its copy goes to the trash, from which `.../restore/`
/// brings it back for 30 days. A record other records reference is refused (409), as
/// Attio's delete is.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let record = record_in_path(state, req, org, &table).await?;
        let actor = Actor::now(&principal.key_id);
        state.store.soft_delete_record(org, &table, &record, actor).await?;
        Ok::<_, RecordFailure>(json_response(
            StatusCode::OK,
            &DeletedRecordBody {
                id: record.id.clone(),
                application_id: table.id.clone(),
                application_slug: table.api_slug.clone(),
                deleted_date: json!({"date": actor.now.nanos(), "include_time": true}),
            },
        ))
    })
    .await
}

/// `POST .../records/{record_id}/restore/`: the deleted record back, with its id, number and
/// values; refused if a unique value it held is another record's now, or a record it links
/// to is gone. 404 if it is not in the trash.
pub async fn restore(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    // SmartSuite sends `{}`; whatever is sent must be a JSON object.
    if !req.body().is_empty() {
        json_body::<RestoreInput>(req)?;
    }
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let raw = path_param(req, "record_id")?;
        let id = uuid::Uuid::try_parse(raw)
            .map(|u| u.hyphenated().to_string())
            .map_err(|_| ApiError::not_found(format!("No deleted record `{raw}` in \"{}\"", table.api_slug)))?;
        let record = state
            .store
            .restore_record(org, &table, &id, Actor::now(&principal.key_id))
            .await?;
        let members = members(state, org, &table).await?;
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &shown_record(&table, &record, &members)))
    })
    .await
}

/// The body of `POST .../restore/`: SmartSuite sends `{}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RestoreInput {}

/// The body of `POST /deleted-records/`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DeletedRecordsInput {
    /// Only the records of this solution's tables (none for an id that is no solution).
    solution_id: Option<String>,
}

/// A deleted record, as the deleted-records list shows it: the record as it was, with
/// when it was deleted and its table's name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedRecordListed {
    #[serde(flatten)]
    pub record: SmartSuiteRecord,
    #[schema(value_type = Object)]
    pub deleted_date: Value,
    pub deleted_by: Option<String>,
    pub application_name: String,
    pub application_record_term: &'static str,
    pub solution_id: String,
}

/// `POST /api/v1/deleted-records/`: the workspace's deleted records that can still be
/// restored, newest first (`preview` is accepted; the records are shown whole).
pub async fn deleted(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let input = if req.body().is_empty() {
        DeletedRecordsInput::default()
    } else {
        json_body::<DeletedRecordsInput>(&req)?
    };
    let trash = state.store.trash(org).await?;
    let mut tables = state.store.tables(org).await?;
    if let Some(solution) = &input.solution_id {
        tables.retain(|t| t.solution() == *solution);
    }
    let mut members_of = std::collections::HashMap::new();
    let mut listed = Vec::with_capacity(trash.len());
    for trashed in trash {
        let Some(table) = tables.iter().find(|t| t.id == trashed.table_id) else {
            continue;
        };
        if !members_of.contains_key(&table.id) {
            members_of.insert(table.id.clone(), members(state, org, table).await?);
        }
        listed.push(DeletedRecordListed {
            record: shown_record(table, &trashed.record, &members_of[&table.id]),
            deleted_date: json!({"date": trashed.deleted_at, "include_time": true}),
            deleted_by: None,
            application_name: table.name.clone(),
            application_record_term: "record",
            solution_id: table.solution(),
        });
    }
    Ok(json_response(StatusCode::OK, &listed))
}
