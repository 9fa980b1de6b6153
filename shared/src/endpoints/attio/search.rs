//! `POST /v2/objects/records/search`: Attio's record search across objects (docs.attio.com,
//! "Search records"; shapes from Attio's OpenAPI). What a record is found by is
//! `domain::search`; the index and its reads are `store::search`. Each object asked costs
//! one Query of its terms and one read of the records found, whatever its size. The index
//! is kept off the write path, so a record just written may be found a moment later
//! (Attio documents its search as eventually consistent); a record is never answered for
//! a query it does not match now.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::search::{self, RequestAs, Search, SearchBody};
use crate::domain::table::Table;
use crate::endpoints::common::attio::{cached_table_of_kind, Kind};
use crate::error::ApiError;
use crate::http::{json_body, json_response};
use crate::state::AppState;
use crate::store::search::Found;

/// `id` of a search result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResultId {
    pub workspace_id: String,
    pub object_id: String,
    pub record_id: String,
}

/// One record found. People carry `email_addresses` and `phone_numbers`, companies
/// `domains`, as Attio's three result shapes do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    pub id: SearchResultId,
    /// The record's label: its display value.
    pub record_text: String,
    /// Always null: records have no image here.
    pub record_image: Option<String>,
    pub object_slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_addresses: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub data: Vec<SearchResult>,
}

/// `POST /v2/objects/records/search`.
pub async fn search(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let search = Search::parse(json_body::<SearchBody>(&req)?)?;
    check_request_as(state, org, &search.request_as).await?;
    let mut tables = Vec::with_capacity(search.objects.len());
    for raw in &search.objects {
        let table = object_asked(state, org, raw).await?;
        if !tables.iter().any(|t: &Table| t.id == table.id) {
            tables.push(table);
        }
    }
    let mut found: Vec<(usize, Found)> = Vec::new();
    for (order, table) in tables.iter().enumerate() {
        let page = state.store.search_table(table, &search.query, search.limit).await?;
        found.extend(page.into_iter().map(|f| (order, f)));
    }
    // By the term each was found by, then by the object's place in the request.
    found.sort_by(|(a_order, a), (b_order, b)| a.term.cmp(&b.term).then(a_order.cmp(b_order)));
    found.truncate(search.limit);
    let data = found
        .into_iter()
        .map(|(order, f)| result(org, &tables[order], &f))
        .collect();
    Ok(json_response(StatusCode::OK, &SearchResults { data }))
}

/// An object `objects` names (a slug or an id); Attio's 400 `value_not_found` if none (a
/// list is no object).
async fn object_asked(state: &AppState, org: OrgId, raw: &str) -> Result<Table, ApiError> {
    let not_found = || ApiError::value_not_found(format!("Object with slug/ID \"{raw}\" not found."));
    Ok(cached_table_of_kind(state, org, raw, Kind::Object, not_found).await?.0)
}

/// A member named in `request_as` must be one of the workspace's (400 `value_not_found`
/// otherwise); a member sees every record the workspace does.
async fn check_request_as(state: &AppState, org: OrgId, request_as: &RequestAs) -> Result<(), ApiError> {
    if *request_as == RequestAs::Workspace {
        return Ok(());
    }
    let members = state.store.members_with_users(org).await?;
    let found = members.iter().any(|(member, user)| match request_as {
        RequestAs::MemberId(id) => uuid::Uuid::try_parse(id).is_ok_and(|id| org.member_id(member.user_id) == id),
        RequestAs::MemberEmail(email) => user.email.eq_ignore_ascii_case(email),
        RequestAs::Workspace => true,
    });
    if found {
        Ok(())
    } else {
        Err(ApiError::value_not_found(
            "`request_as` names no member of this workspace",
        ))
    }
}

fn result(org: OrgId, table: &Table, found: &Found) -> SearchResult {
    let record = &found.record;
    let contacts = search::contacts(table, record);
    let person = table.api_slug == "people";
    let company = table.api_slug == "companies";
    SearchResult {
        id: SearchResultId {
            workspace_id: org.workspace_id().to_string(),
            object_id: table.id.clone(),
            record_id: record.id.clone(),
        },
        record_text: search::record_text(table, record),
        record_image: None,
        object_slug: table.api_slug.clone(),
        email_addresses: person.then_some(contacts.email_addresses),
        phone_numbers: person.then_some(contacts.phone_numbers),
        domains: company.then_some(contacts.domains),
    }
}
