//! Attio's list entries (docs.attio.com, "Entries"; Attio's OpenAPI): an entry is a record
//! of the list's table whose `parent_record` is the record it is about
//! (docs/data-model.md, "Attio's lists and entries"). So the entry routes are the record
//! routes run against a list (`records::*_of` with `Kind::List`): the same values, history,
//! unique values, planner, cursors and bounds; what is an entry's own is here: its parent
//! record on create, the assert by parent, and a record's entries.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::domain::entry::{EntryInput, NewEntry};
use crate::domain::organization::OrgId;
use crate::domain::record::parse_values;
use crate::domain::table::{Table, TableRef};
use crate::domain::{required, Invalid};
use crate::endpoints::common::attio::{against_table, object_in_path, record_shown, Kind, RecordFailure};
use crate::endpoints::common::attio_records::{
    delete_of, get_of, record_in_path, values_from, values_of, write_existing, WRITE_ATTEMPTS,
};
use crate::endpoints::common::record_query::query_of;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination};
use crate::state::AppState;
use crate::store::records::{Actor, Merge, RecordRef, RecordValues, RecordWriteError};

pub use crate::endpoints::common::attio::EntryResponse;
pub use crate::endpoints::common::record_query::EntryList;

/// `POST /v2/lists/{list}/entries`: a new entry of the parent record (a record may have
/// several entries in one list, as in Attio).
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    against_table(state, req, principal.org_id, Kind::List, |list| async move {
        let new = entry_sent(req)?;
        let values = parent_and_values(state, principal.org_id, &list, new).await?;
        let entry = state
            .store
            .create_record(principal.org_id, &list, &values, Actor::now(&principal.key_id))
            .await?;
        Ok(record_shown(&state.app_url.of_request(req), &list, &entry))
    })
    .await
}

/// `PUT /v2/lists/{list}/entries`: Attio's assert by parent. Updates the list's one entry
/// of the parent record (multiselect values overwritten), or creates it; a parent with
/// several entries in the list is 400 `multiple_match_results`, nothing written.
pub async fn assert(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (principal, req) = (&principal, &req);
    against_table(state, req, principal.org_id, Kind::List, |list| async move {
        assert_in(state, req, principal, list).await
    })
    .await
}

async fn assert_in(
    state: &AppState,
    req: &Request,
    principal: &Principal,
    list: Table,
) -> Result<Response<Body>, RecordFailure> {
    let org = principal.org_id;
    let new = entry_sent(req)?;
    let parent = new.parent_record_id.clone();
    let with_parent = parent_and_values(state, org, &list, new).await?;
    // The values an update writes: all but the parent record, which an entry keeps.
    let values: RecordValues = with_parent
        .iter()
        .filter(|(field, _)| field.id != list.display_field_id)
        .cloned()
        .collect();
    let actor = Actor::now(&principal.key_id);
    for attempt in 1..=WRITE_ATTEMPTS {
        let existing = state.store.entries_of_parent(org, &list, &parent).await?;
        let result = match existing.as_slice() {
            [] => state.store.create_record(org, &list, &with_parent, actor).await,
            [entry] => {
                state
                    .store
                    .update_record(org, &list, entry, &values, Merge::Overwrite, actor)
                    .await
            }
            several => {
                return Err(RecordFailure::Request(
                    ApiError::validation(format!(
                        "The record \"{parent}\" has {} entries in \"{}\", so no one entry can be asserted; \
                         update one by its entry_id",
                        several.len(),
                        list.api_slug
                    ))
                    .with_code("multiple_match_results"),
                ))
            }
        };
        match result {
            Err(RecordWriteError::Changed) if !existing.is_empty() => {}
            other => return Ok(record_shown(&state.app_url.of_request(req), &list, &other?)),
        }
        tokio::time::sleep(crate::store::backoff(attempt)).await;
    }
    Err(
        ApiError::uniqueness_conflict("The entry changed while this assert was made; retry")
            .with_code("conflict")
            .into(),
    )
}

/// The `data` of a create or an assert, parsed.
fn entry_sent(req: &Request) -> Result<NewEntry, RecordFailure> {
    let input = json_body::<EntryInput>(req)?;
    Ok(required("data", input.data)?.parse()?)
}

/// An entry's values as sent, parsed against the list's attributes, with its parent
/// record (after checking that the parent is a record of the list's parent object in the
/// caller's organization: 404 otherwise, as for any id of another workspace).
async fn parent_and_values<'t>(
    state: &AppState,
    org: OrgId,
    list: &'t Table,
    new: NewEntry,
) -> Result<RecordValues<'t>, RecordFailure> {
    let def = list
        .list
        .as_ref()
        .ok_or_else(|| ApiError::not_found(format!("\"{}\" is no list", list.api_slug)))?;
    if new.parent_object != def.parent_api_slug && new.parent_object != def.parent_table_id {
        return Err(Invalid::value(format!(
            "`data.parent_object`: the entries of \"{}\" are records of \"{}\", not \"{}\"",
            list.api_slug, def.parent_api_slug, new.parent_object
        ))
        .into());
    }
    let parent_missing = || {
        ApiError::not_found(format!(
            "Parent record with ID \"{}\" not found on \"{}\".",
            new.parent_record_id, def.parent_api_slug
        ))
    };
    let (parent_table, _) = state
        .store
        .table_cached(org, &TableRef::Id(def.parent_table_id.clone()))
        .await?
        .ok_or_else(parent_missing)?;
    let which = RecordRef::parse(&new.parent_record_id, &parent_table).map_err(|_| parent_missing())?;
    state
        .store
        .record(org, &parent_table, &which)
        .await?
        .ok_or_else(parent_missing)?;
    let parent_field = list
        .field_by_id(&list.display_field_id)
        .ok_or_else(|| ApiError::not_found(format!("\"{}\" has no parent record attribute", list.api_slug)))?;
    let parent = json!([{"target_object": def.parent_api_slug, "target_record_id": new.parent_record_id}]);
    let parent = parse_values(parent_field, &parent, "data.parent_record_id")?;
    let mut values = values_from(state, org, list, new.entry_values, "data.entry_values").await?;
    values.push((parent_field, parent));
    Ok(values)
}

/// `POST /v2/lists/{list}/entries/query`: the records query over the list's entries.
pub async fn query(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    query_of(state, principal, req, Kind::List).await
}

/// `GET /v2/lists/{list}/entries/{entry_id}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    get_of(state, principal, req, Kind::List).await
}

/// `PATCH /v2/lists/{list}/entries/{entry_id}`: multiselect values sent are added.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    write_existing(state, principal, req, Kind::List, Merge::Append).await
}

/// `PUT /v2/lists/{list}/entries/{entry_id}`: multiselect values sent replace them.
pub async fn replace(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    write_existing(state, principal, req, Kind::List, Merge::Overwrite).await
}

/// `DELETE /v2/lists/{list}/entries/{entry_id}`: 200 `{}`; its parent record stays.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    delete_of(state, principal, req, Kind::List).await
}

/// `GET /v2/lists/{list}/entries/{entry_id}/attributes/{attribute}/values`.
pub async fn list_values(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    values_of(state, principal, req, Kind::List).await
}

/// `GET /v2/objects/{object}/records/{record_id}/entries?limit=&offset=`: the record's
/// entries in every list, oldest first.
pub async fn of_record(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, u64::from(u32::MAX), u64::from(u32::MAX))?;
    let (table, _) = object_in_path(state, &req, principal.org_id).await?;
    let record = record_in_path(state, &req, principal.org_id, &table).await?;
    let entries = state.store.entries_of_record(principal.org_id, &record.id).await?;
    let data = entries
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(list, entry)| RecordEntry {
            list_id: list.id.clone(),
            list_api_slug: list.api_slug.clone(),
            entry_id: entry.id.clone(),
            created_at: entry.created_at.clone(),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &RecordEntries { data }))
}

/// Attio's answer listing a record's entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordEntries {
    pub data: Vec<RecordEntry>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordEntry {
    pub list_id: String,
    pub list_api_slug: String,
    pub entry_id: String,
    pub created_at: String,
}
