//! SmartSuite's bulk record writes, at most [`MAX_ITEMS`] records a call
//! (developers.smartsuite.com, "Bulk Add Records", "Bulk Update Records", "Bulk Delete
//! Records"): `POST`, `PATCH` and `PUT .../records/bulk/` with `{"items": [...]}`, and
//! `PATCH .../records/bulk_delete/` with `{"items": [record ids]}`.
//!
//! A call is all or nothing. Every item is parsed, and every record it names read, before
//! anything is written: a bad item refuses the call (400, naming `items[i]`) and writes
//! nothing. Each record is then written in its own transaction (one transaction holds at
//! most 100 items, one record's write may need them all); if the store refuses one (a
//! unique value another record holds, a linked record gone, a record others link to), what
//! the call wrote before it is undone (creates deleted, updates written back, deletes
//! restored) and the call answers that refusal. Webhooks see the undone writes' events too.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::Table;
use crate::domain::Invalid;
use crate::endpoints::common::attio::{against_object, RecordFailure};
use crate::endpoints::common::smartsuite::{
    members, parse_body, shown_record, update_with_retries, DeletedRecordBody, SmartSuiteRecord,
};
use crate::error::ApiError;
use crate::http::{json_body, json_response};
use crate::state::AppState;
use crate::store::records::{current_values, Actor, RecordRef, RecordValues, RecordWriteError};

/// The most records one bulk call writes, as SmartSuite documents.
pub const MAX_ITEMS: usize = 25;

/// The body of the bulk record writes: `{"items": [record, ...]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkRecordsInput {
    #[schema(required = true, value_type = Vec<Object>)]
    items: Option<Vec<Map<String, Value>>>,
}

/// The body of the bulk delete: `{"items": [record id, ...]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkDeleteInput {
    #[schema(required = true, value_type = Vec<String>)]
    items: Option<Vec<String>>,
}

/// The items sent: present, at least one, at most [`MAX_ITEMS`].
fn items_of<T>(items: Option<Vec<T>>) -> Result<Vec<T>, ApiError> {
    let items = items.ok_or_else(|| ApiError::validation("`items` is required"))?;
    within_limit(items.len())?;
    Ok(items)
}

fn within_limit(count: usize) -> Result<(), ApiError> {
    match count {
        0 => Err(ApiError::validation("`items` must hold at least one item")),
        n if n > MAX_ITEMS => Err(ApiError::validation(format!(
            "`items` holds {n} items; a bulk call takes at most {MAX_ITEMS}"
        ))),
        _ => Ok(()),
    }
}

/// The record an item's id names in `table`, or a 404 naming the item.
async fn named_record(state: &AppState, org: OrgId, table: &Table, raw: &str, path: &str) -> Result<Record, ApiError> {
    let not_found = || ApiError::not_found(format!("`{path}`: no record `{raw}` in \"{}\"", table.api_slug));
    let which = RecordRef::parse(raw, table).map_err(|_| not_found())?;
    state.store.record(org, table, &which).await?.ok_or_else(not_found)
}

/// `POST .../records/bulk/`: creates every item, or none.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    let items = &items_of(json_body::<BulkRecordsInput>(req)?.items)?;
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let members = members(state, org, &table).await?;
        let parsed = items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_body(org, &table, item, &members, false).map_err(|e| at_item(i, e)))
            .collect::<Result<Vec<RecordValues>, Invalid>>()?;
        // Written concurrently, numbered in the items' order; if the store refuses one,
        // the others are deleted again and the first refusal (in item order) answers.
        let results = state
            .store
            .create_records(org, &table, &parsed, Actor::now(&principal.key_id))
            .await?;
        let (made, refused): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        let made: Vec<Record> = made.into_iter().filter_map(Result::ok).collect();
        if let Some(Err(refused)) = refused.into_iter().next() {
            for record in made.iter().rev() {
                state
                    .store
                    .delete_record(org, &table, record, Actor::now(&principal.key_id))
                    .await?;
            }
            return Err(refused.into());
        }
        let shown: Vec<SmartSuiteRecord> = made.iter().map(|r| shown_record(&table, r, &members)).collect();
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &shown))
    })
    .await
}

/// `PATCH .../records/bulk/`: each item (with its `id`) takes the values it sends.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    write(state, principal, req, false).await
}

/// `PUT .../records/bulk/`: each item's record takes the values it sends, the rest cleared.
pub async fn replace(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    write(state, principal, req, true).await
}

/// The item's `id`, which names the record it writes.
fn item_id(item: &Map<String, Value>, i: usize) -> Result<&str, Invalid> {
    item.get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Invalid::value(format!("`items[{i}].id`: each item names its record by `id`")))
}

/// `items[i]` before an error's message, so the caller knows which item it was.
fn at_item(i: usize, error: Invalid) -> Invalid {
    Invalid::value(format!("`items[{i}]`: {error}"))
}

async fn write(
    state: &AppState,
    principal: Principal,
    req: Request,
    clear_others: bool,
) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    let items = &items_of(json_body::<BulkRecordsInput>(req)?.items)?;
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let members = members(state, org, &table).await?;
        let mut planned: Vec<(Record, RecordValues)> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let id = item_id(item, i)?;
            let values = parse_body(org, &table, item, &members, clear_others).map_err(|e| at_item(i, e))?;
            let record = named_record(state, org, &table, id, &format!("items[{i}].id")).await?;
            if planned.iter().any(|(r, _)| r.id == record.id) {
                return Err(Invalid::value(format!("`items[{i}].id`: the record is named twice")).into());
            }
            planned.push((record, values));
        }
        let mut done: Vec<(Record, Record)> = Vec::with_capacity(planned.len());
        for (before, values) in &planned {
            match update_with_retries(state, principal, &table, before, values).await {
                Ok(after) => done.push((before.clone(), after)),
                Err(refused) => {
                    undo_updates(state, principal, &table, &done).await?;
                    return Err(refused.into());
                }
            }
        }
        let shown: Vec<SmartSuiteRecord> = done.iter().map(|(_, r)| shown_record(&table, r, &members)).collect();
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &shown))
    })
    .await
}

/// Writes each updated record back to the values it had before the call.
async fn undo_updates(
    state: &AppState,
    principal: &Principal,
    table: &Table,
    done: &[(Record, Record)],
) -> Result<(), RecordWriteError> {
    for (before, after) in done.iter().rev() {
        update_with_retries(state, principal, table, after, &current_values(table, before)).await?;
    }
    Ok(())
}

/// `PATCH .../records/bulk_delete/`: deletes every record named (SmartSuite's soft delete,
/// each restorable), or none.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    let ids = &items_of(json_body::<BulkDeleteInput>(req)?.items)?;
    against_object(state, req, principal.org_id, |table| async move {
        let org = principal.org_id;
        let mut records: Vec<Record> = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let record = named_record(state, org, &table, id, &format!("items[{i}]")).await?;
            if records.iter().any(|r| r.id == record.id) {
                return Err(Invalid::value(format!("`items[{i}]`: the record is named twice")).into());
            }
            records.push(record);
        }
        let mut deleted: Vec<DeletedRecordBody> = Vec::with_capacity(records.len());
        for record in &records {
            let actor = Actor::now(&principal.key_id);
            if let Err(refused) = state.store.soft_delete_record(org, &table, record, actor).await {
                for gone in deleted.iter().rev() {
                    state
                        .store
                        .restore_record(org, &table, &gone.id, Actor::now(&principal.key_id))
                        .await?;
                }
                return Err(refused.into());
            }
            deleted.push(DeletedRecordBody {
                id: record.id.clone(),
                application_id: table.id.clone(),
                application_slug: table.api_slug.clone(),
                deleted_date: json!({"date": actor.now.nanos(), "include_time": true}),
            });
        }
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &deleted))
    })
    .await
}
