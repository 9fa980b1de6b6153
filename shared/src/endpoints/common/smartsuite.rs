//! What SmartSuite's endpoint files share: its list body, and its records (their shape,
//! a body parsed into values, the members a user field names) for the record and bulk
//! endpoint files.

use std::collections::HashMap;

use lambda_http::Request;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::record::{parse_values, Record};
use crate::domain::smartsuite::attio_input;
pub use crate::domain::smartsuite::SmartSuiteRecord;
use crate::domain::solution::{Solution, SolutionId};
use crate::domain::table::{FieldType, Table};
use crate::domain::team::ListTeamsInput;
use crate::domain::Invalid;
use crate::error::ApiError;
use crate::http::json_body;
use crate::state::AppState;
use crate::store::records::{Actor, Merge, RecordRef, RecordValues, RecordWriteError};
use crate::store::Missing;

/// SmartSuite's list body, `{sort, filter}`; an empty body is neither (teams and members).
pub(crate) fn list_body(req: &Request) -> Result<ListTeamsInput, ApiError> {
    if req.body().is_empty() {
        Ok(ListTeamsInput::default())
    } else {
        json_body::<ListTeamsInput>(req)
    }
}

/// The keys SmartSuite shows on every record, which a write may send back unchanged.
const SYSTEM_KEYS: [&str; 12] = [
    "id",
    "application_id",
    "application_slug",
    "autonumber",
    "first_created",
    "last_updated",
    "comments_count",
    "followed_by",
    "ranking",
    "deleted_date",
    "deleted_by",
    "title",
];

/// The organization's members (a user field's values), read only when the table has a
/// user field: their user ids, and the user each member id names, made once a request.
#[derive(Debug, Default)]
pub(crate) struct Members {
    ids: Vec<u64>,
    by_member_id: HashMap<String, u64>,
}

/// A user field's input is checked against the user ids.
impl std::ops::Deref for Members {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        &self.ids
    }
}

/// The members a SmartSuite record of `table` may name: one Query of the organization's
/// memberships, and none for a table without a user field.
pub(crate) async fn members(state: &AppState, org: OrgId, table: &Table) -> Result<Members, ApiError> {
    if !table.fields.values().any(|f| f.field_type == FieldType::ActorReference) {
        return Ok(Members::default());
    }
    let ids: Vec<u64> = state.store.org_members(org).await?.iter().map(|m| m.user_id).collect();
    let by_member_id = ids.iter().map(|&u| (org.member_id(u).to_string(), u)).collect();
    Ok(Members { ids, by_member_id })
}

/// The solution made through `POST /solutions/` that `id` names in `org`, or `missing`
/// (the caller's error: a 404 for a path, a 400 for a body).
pub(crate) async fn made_solution(
    state: &AppState,
    org: OrgId,
    id: &str,
    missing: ApiError,
) -> Result<Solution, ApiError> {
    let Ok(parsed) = SolutionId::parse("solution", id) else {
        return Err(missing);
    };
    state.store.solution(org, &parsed).await?.ok_or(missing)
}

/// The record shown in SmartSuite's shape.
pub(crate) fn shown_record(table: &Table, record: &Record, members: &Members) -> SmartSuiteRecord {
    let user_of = |member: &str| members.by_member_id.get(member).copied();
    crate::domain::smartsuite::shown_record(table, record, &user_of)
}

/// The values a body writes, parsed against the table. With `clear_others` (PUT), every
/// other writable field is written empty.
pub(crate) fn parse_body<'t>(
    org: OrgId,
    table: &'t Table,
    body: &Map<String, Value>,
    members: &[u64],
    clear_others: bool,
) -> Result<RecordValues<'t>, Invalid> {
    let mut parsed: RecordValues<'t> = Vec::new();
    for (key, raw) in body {
        let Some(field) = table.field_or_title(key) else {
            if SYSTEM_KEYS.contains(&key.as_str()) {
                continue;
            }
            return Err(Invalid::value(format!(
                "`{key}`: no field with this slug in \"{}\"; its fields are: {}",
                table.api_slug,
                table.field_keys()
            )));
        };
        if parsed.iter().any(|(f, _)| f.id == field.id) {
            return Err(Invalid::value(format!(
                "`{key}`: the field \"{}\" is given twice",
                field.key
            )));
        }
        let input = attio_input(org, field, raw, key, members)?;
        parsed.push((field, parse_values(field, &input, key)?));
    }
    if clear_others {
        for field in table.ordered_fields() {
            let writable = !field.readonly && field.field_type != FieldType::Interaction;
            if writable && !parsed.iter().any(|(f, _)| f.id == field.id) {
                parsed.push((field, Vec::new()));
            }
        }
    }
    Ok(parsed)
}

/// How often a write that lost a race to another write on the same record is tried.
const WRITE_ATTEMPTS: u32 = 8;

/// `read`'s update with `values` (a list replaces the field's values), read again and
/// retried when another write got in first.
pub(crate) async fn update_with_retries(
    state: &AppState,
    principal: &Principal,
    table: &Table,
    read: &Record,
    values: &RecordValues<'_>,
) -> Result<Record, RecordWriteError> {
    let org = principal.org_id;
    let mut record = read.clone();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = state
            .store
            .update_record(
                org,
                table,
                &record,
                values,
                Merge::Overwrite,
                Actor::now(&principal.key_id),
            )
            .await;
        match result {
            Err(RecordWriteError::Changed) if attempt < WRITE_ATTEMPTS => {
                tokio::time::sleep(crate::store::backoff(attempt)).await;
                record = state
                    .store
                    .record(org, table, &RecordRef::Id(read.id.clone()))
                    .await?
                    .ok_or_else(|| {
                        RecordWriteError::Store(
                            Missing::Record {
                                raw: read.id.clone(),
                                object: table.api_slug.clone(),
                            }
                            .into(),
                        )
                    })?;
            }
            other => return other,
        }
    }
}

/// What a delete answers: the record's ids and when it was deleted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedRecordBody {
    pub id: String,
    pub application_id: String,
    pub application_slug: String,
    #[schema(value_type = Object)]
    pub deleted_date: Value,
}
