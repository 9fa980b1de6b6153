//! Attio's record requests, for an object's records and a list's entries alike (`Kind`):
//! values as sent (references by a matching attribute, members by email), a record named
//! in the path, its create, update, assert, delete, read and values.
//! `{object}` is a table's api_slug or id; `{record_id}` a uuid or a display id (`LEAD-42`);
//! a list's `{entry_id}` likewise.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::domain::entry::EntryValuesInput;
use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::record::{parse_values, RecordInput, StrictMap};
use crate::domain::table::TableRef;
use crate::domain::table::{FieldDef, FieldType, Table};
use crate::domain::user::MemberName;
use crate::domain::{required, Invalid};
use crate::endpoints::common::attio::{
    against_object, against_table, attribute_in_path, record_shown, shown_value, table_in_path, Kind, RecordFailure,
};
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param};
use crate::state::AppState;
use crate::store::history::oldest_first;
use crate::store::records::{Actor, Merge, RecordRef, RecordValues, RecordWriteError};

/// The values of `{"data": {"values": {...}}}` (an entry's `{"data": {"entry_values":
/// {...}}}`), as sent.
fn values_sent(req: &Request, kind: Kind) -> Result<StrictMap, RecordFailure> {
    let values = match kind {
        Kind::Object => required("data", json_body::<RecordInput>(req)?.data)?.values,
        Kind::List => required("data", json_body::<EntryValuesInput>(req)?.data)?.entry_values,
    };
    Ok(required(kind.values_at(), values)?)
}

/// The field a value key names: by slug, or by id as Attio also takes them. `at` is where
/// the values were sent (`data.values`, an entry's `data.entry_values`).
fn field_named<'t>(table: &'t Table, key: &str, at: &str) -> Result<&'t FieldDef, Invalid> {
    table.field_named(key).ok_or_else(|| {
        Invalid::value(format!(
            "`{at}.{key}`: no attribute with slug \"{key}\" on \"{}\"; its attributes are: {}",
            table.api_slug,
            table.field_keys()
        ))
    })
}

/// Parses the values sent (at `at`) against the table's attributes.
fn parse_sent<'t>(table: &'t Table, values: &StrictMap, at: &str) -> Result<RecordValues<'t>, RecordFailure> {
    let mut parsed: RecordValues = Vec::with_capacity(values.0.len());
    for (key, raw) in &values.0 {
        let field = field_named(table, key, at)?;
        if parsed.iter().any(|(f, _)| f.id == field.id) {
            return Err(Invalid::value(format!(
                "`{at}.{key}`: the attribute \"{}\" is given twice (by slug and by id)",
                field.key
            ))
            .into());
        }
        if field.readonly {
            return Err(Invalid::value(format!(
                "`{at}.{key}`: \"{}\" is a system attribute, which no value sets",
                field.key
            ))
            .into());
        }
        parsed.push((field, parse_values(field, raw, &format!("{at}.{key}"))?));
    }
    Ok(parsed)
}

/// Reads the body's values and parses them against the table (see [`values_from`]).
async fn values_in_body<'t>(
    state: &AppState,
    req: &Request,
    org: OrgId,
    table: &'t Table,
) -> Result<RecordValues<'t>, RecordFailure> {
    let kind = Kind::of(table);
    values_from(state, org, table, values_sent(req, kind)?, kind.values_at()).await
}

/// Parses values sent at `at` against the table, after resolving each record reference
/// given by a matching attribute of its target (`{"target_object": "companies",
/// "domains": [{"domain": "acme.com"}]}`) to the record that holds it, and each workspace
/// member given by email to its id.
pub(crate) async fn values_from<'t>(
    state: &AppState,
    org: OrgId,
    table: &'t Table,
    mut values: StrictMap,
    at: &str,
) -> Result<RecordValues<'t>, RecordFailure> {
    let mut members = None;
    for (key, raw) in values.0.iter_mut() {
        let Ok(field) = field_named(table, key, at) else {
            continue;
        };
        if !matches!(field.field_type, FieldType::RecordReference | FieldType::ActorReference) {
            continue;
        }
        let path = format!("{at}.{key}");
        let items: Vec<(String, &mut Value)> = match raw {
            Value::Array(items) => items
                .iter_mut()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect(),
            item => vec![(path, item)],
        };
        for (path, item) in items {
            if field.field_type == FieldType::RecordReference {
                resolve_match(state, org, field, item, &path).await?;
            } else {
                if members.is_none() {
                    members = Some(state.store.member_emails(org).await?);
                }
                resolve_actor(org, members.as_deref().unwrap_or_default(), item, &path)?;
            }
        }
    }
    parse_sent(table, &values, at)
}

/// A workspace member given by email (a string, or `{"workspace_member_email_address"}`)
/// or by id (`{"referenced_actor_type": "workspace-member", "referenced_actor_id"}`), made
/// the second form once found among the organization's `members` (user id, email).
fn resolve_actor(org: OrgId, members: &[(u64, String)], item: &mut Value, path: &str) -> Result<(), RecordFailure> {
    let email = match item {
        Value::String(email) => Some(email.clone()),
        Value::Object(o) if o.len() == 1 => o
            .get("workspace_member_email_address")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    let name = match email {
        Some(email) => MemberName::Email(email),
        None => {
            // Only members can be named; anything else is left for the parser to refuse.
            let member = item.get("referenced_actor_type").and_then(Value::as_str) == Some("workspace-member");
            let Some(id) = item
                .get("referenced_actor_id")
                .and_then(Value::as_str)
                .filter(|_| member)
            else {
                return Ok(());
            };
            let id = uuid::Uuid::try_parse(id)
                .map_err(|_| Invalid::value(format!("`{path}.referenced_actor_id` must be a uuid")))?;
            MemberName::Id(id)
        }
    };
    let user = name.user_among(org, members).ok_or_else(|| {
        ApiError::value_not_found(match &name {
            MemberName::Email(email) => format!("`{path}`: no workspace member has the email address {email}"),
            MemberName::Id(id) => format!("`{path}`: no workspace member has the id {id}"),
        })
    })?;
    *item = serde_json::json!({
        "referenced_actor_type": "workspace-member",
        "referenced_actor_id": org.member_id(user).to_string(),
    });
    Ok(())
}

/// A reference `{"target_object", "<unique attribute of the target>": value}` made
/// `{"target_object", "target_record_id"}`; any other value is left for the parser.
async fn resolve_match(
    state: &AppState,
    org: OrgId,
    field: &FieldDef,
    item: &mut Value,
    path: &str,
) -> Result<(), RecordFailure> {
    let Value::Object(reference) = item else { return Ok(()) };
    if reference.contains_key("target_record_id") || reference.len() != 2 {
        return Ok(());
    }
    let Some(target) = reference
        .get("target_object")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Ok(());
    };
    let (slug, wanted) = reference
        .iter()
        .find(|(k, _)| k.as_str() != "target_object")
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("two keys, one of them target_object");
    let linked = field.link.clone().unwrap_or_default();
    let table_ref = TableRef::parse(&linked).map_err(RecordFailure::Invalid)?;
    let (target_table, _) = state
        .store
        .table_cached(org, &table_ref)
        .await?
        .ok_or_else(|| Invalid::value(format!("`{path}`: the linked object no longer exists")))?;
    if target != target_table.id && target != target_table.api_slug {
        return Err(Invalid::value(format!(
            "Invalid value for `{path}`: target_object must be \"{}\", the object this attribute links to",
            target_table.api_slug
        ))
        .into());
    }
    let matching = target_table
        .field_named(&slug)
        .ok_or_else(|| Invalid::value(format!("`{path}.{slug}`: no attribute \"{slug}\" on \"{target}\"")))?;
    if !matching.unique {
        return Err(Invalid::value(format!(
            "`{path}.{slug}`: \"{slug}\" is not unique, so it cannot identify a record of \"{target}\""
        ))
        .into());
    }
    let value = match parse_values(matching, &wanted, &format!("{path}.{slug}"))?.as_slice() {
        [one] => one.clone(),
        _ => return Err(Invalid::value(format!("`{path}.{slug}` must hold exactly one value to match on")).into()),
    };
    let record = state
        .store
        .record_by_unique_value(org, &target_table, matching, &value)
        .await?
        .ok_or_else(|| ApiError::value_not_found(format!("`{path}`: no record of \"{target}\" has that {slug}")))?;
    *item = serde_json::json!({"target_object": target, "target_record_id": record.id});
    Ok(())
}

/// The record `{record_id}` names (a uuid or display id) in `table`; a list's entry,
/// `{entry_id}`.
pub(crate) async fn record_in_path(
    state: &AppState,
    req: &Request,
    org: OrgId,
    table: &Table,
) -> Result<Record, ApiError> {
    let kind = Kind::of(table);
    let raw = path_param(req, kind.id_param())?;
    let which = RecordRef::parse(raw, table)?;
    state
        .store
        .record(org, table, &which)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No {} `{raw}` in \"{}\"", kind.noun(), table.api_slug)))
}

pub(crate) async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = &principal;
    let req = &req;
    against_object(state, req, principal.org_id, |table| async move {
        create_in(state, req, principal, table).await
    })
    .await
}

async fn create_in(
    state: &AppState,
    req: &Request,
    principal: &Principal,
    table: Table,
) -> Result<Response<Body>, RecordFailure> {
    let values = values_in_body(state, req, principal.org_id, &table).await?;
    let record = state
        .store
        .create_record(principal.org_id, &table, &values, Actor::now(&principal.key_id))
        .await?;
    Ok(record_shown(&state.app_url.of_request(req), &table, &record))
}

/// An update of an object's record, or of a list's entry (`kind`).
pub(crate) async fn write_existing(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Kind,
    merge: Merge,
) -> Result<Response<Body>, ApiError> {
    let principal = &principal;
    let req = &req;
    against_table(state, req, principal.org_id, kind, |table| async move {
        update_in(state, req, principal, table, merge).await
    })
    .await
}

async fn update_in(
    state: &AppState,
    req: &Request,
    principal: &Principal,
    table: Table,
    merge: Merge,
) -> Result<Response<Body>, RecordFailure> {
    let values = values_in_body(state, req, principal.org_id, &table).await?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let record = record_in_path(state, req, principal.org_id, &table).await?;
        let actor = Actor::now(&principal.key_id);
        let result = state
            .store
            .update_record(principal.org_id, &table, &record, &values, merge, actor)
            .await;
        match result {
            // Another write got in first: apply this one to what it left (appends commute;
            // a PUT replaces what it sends either way).
            Err(RecordWriteError::Changed) if attempt < WRITE_ATTEMPTS => {
                tokio::time::sleep(crate::store::backoff(attempt)).await;
            }
            other => return Ok(record_shown(&state.app_url.of_request(req), &table, &other?)),
        }
    }
}

/// How often a record write that lost a race to another write on the same record (or, for
/// an assert, on the same unique value) is tried, with a growing jittered pause.
pub(crate) const WRITE_ATTEMPTS: u32 = 8;

/// `PUT /v2/objects/{object}/records?matching_attribute=<slug>`: Attio's assert. Updates
/// the record whose unique `<slug>` value equals the one sent (multiselect values
/// overwritten), or creates one.
pub(crate) async fn assert(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = &principal;
    let req = &req;
    against_object(state, req, principal.org_id, |table| async move {
        assert_in(state, req, principal, table).await
    })
    .await
}

async fn assert_in(
    state: &AppState,
    req: &Request,
    principal: &Principal,
    table: Table,
) -> Result<Response<Body>, RecordFailure> {
    let slug = query_param(req, "matching_attribute")?
        .ok_or_else(|| ApiError::validation("The query parameter `matching_attribute` is required"))?;
    let field = table.field_by_key(slug).ok_or_else(|| {
        RecordFailure::ByDefinition(ApiError::validation(format!(
            "`matching_attribute`: no attribute with slug \"{slug}\" on \"{}\"",
            table.api_slug
        )))
    })?;
    if !field.unique {
        return Err(RecordFailure::ByDefinition(ApiError::matching_attribute_not_unique(
            format!("The attribute \"{slug}\" is not unique, so it cannot identify a record; use a unique attribute"),
        )));
    }
    let values = values_in_body(state, req, principal.org_id, &table).await?;
    let matching = match values.iter().find(|(f, _)| f.id == field.id).map(|(_, v)| v.as_slice()) {
        Some([one]) => one.clone(),
        _ => {
            return Err(ApiError::validation(format!(
                "`data.values.{slug}` must hold exactly one value: the one to match on"
            ))
            .into())
        }
    };
    let actor = Actor::now(&principal.key_id);
    // A create that loses a race to a concurrent assert finds its record next time; an
    // update that loses a race to another write reads the record again.
    for attempt in 1..=WRITE_ATTEMPTS {
        let existing = state
            .store
            .record_by_unique_value(principal.org_id, &table, field, &matching)
            .await?;
        let result = match &existing {
            Some(record) => {
                state
                    .store
                    .update_record(principal.org_id, &table, record, &values, Merge::Overwrite, actor)
                    .await
            }
            None => {
                state
                    .store
                    .create_record(principal.org_id, &table, &values, actor)
                    .await
            }
        };
        match result {
            Err(RecordWriteError::ValueTaken { .. }) if existing.is_none() => {}
            Err(RecordWriteError::Changed) if existing.is_some() => {}
            other => return Ok(record_shown(&state.app_url.of_request(req), &table, &other?)),
        }
        tokio::time::sleep(crate::store::backoff(attempt)).await;
    }
    Err(
        ApiError::uniqueness_conflict("The matching record changed while this assert was made; retry")
            .with_code("conflict")
            .into(),
    )
}

/// The delete of an object's record, or of a list's entry (`kind`): 200 `{}`. The records
/// that reference it are written without those references first, and its entries deleted
/// (`store::unlink`; 409 `record_referenced` past the most one delete unlinks).
pub(crate) async fn delete_of(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Kind,
) -> Result<Response<Body>, ApiError> {
    let req = &req;
    let principal = &principal;
    against_table(state, req, principal.org_id, kind, |table| async move {
        let record = record_in_path(state, req, principal.org_id, &table).await?;
        let actor = Actor::now(&principal.key_id);
        state
            .store
            .delete_record(principal.org_id, &table, &record, actor)
            .await?;
        Ok::<_, RecordFailure>(json_response(StatusCode::OK, &DeletedRecord {}))
    })
    .await
}

/// An object's record, or a list's entry (`kind`).
pub(crate) async fn get_of(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Kind,
) -> Result<Response<Body>, ApiError> {
    let req = &req;
    against_table(state, req, principal.org_id, kind, |table| async move {
        let record = record_in_path(state, req, principal.org_id, &table).await?;
        Ok::<_, RecordFailure>(record_shown(&state.app_url.of_request(req), &table, &record))
    })
    .await
}

/// An object record's or a list entry's (`kind`) values of one attribute.
pub(crate) async fn values_of(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Kind,
) -> Result<Response<Body>, ApiError> {
    let show_historic = match query_param(&req, "show_historic")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "`show_historic` must be true or false, not `{other}`"
            )))
        }
    };
    let (limit, offset) = pagination(&req, u64::from(u32::MAX), u64::from(u32::MAX))?;
    let table = table_in_path(state, &req, principal.org_id, kind).await?;
    let field = attribute_in_path(&req, &table)?;
    let record = record_in_path(state, &req, principal.org_id, &table).await?;
    let workspace_id = principal.org_id.workspace_id();
    // Oldest first (a PATCH puts new multiselect values first in the record); with history,
    // read only as far as this page needs.
    let values = if show_historic {
        let need = offset.saturating_add(limit);
        state.store.values_with_history(&record, &field.id, need).await?
    } else {
        let mut current: Vec<Map<String, Value>> = record.active(&field.id).cloned().collect();
        oldest_first(&mut current);
        current
    };
    let data: Vec<Value> = values
        .iter()
        .skip(offset)
        .take(limit)
        .map(|v| Value::Object(shown_value(&workspace_id, &table, field, v)))
        .collect();
    Ok(json_response(StatusCode::OK, &ValueList { data }))
}

/// Attio's values answer: `{"data": [value objects]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValueList {
    pub data: Vec<Value>,
}

/// Attio's answer to a delete: `{}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedRecord {}
