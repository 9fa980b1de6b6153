//! Attio's lists (docs.attio.com, "List all lists", "Create a list", "Get a list", "Update
//! a list"; its OpenAPI's `list`): `GET` and `POST /v2/lists`, `GET` and `PATCH
//! /v2/lists/{list}`. A list is a table with a parent object (`domain::list`), so a list
//! and an object never share a slug; `{list}` is a list's api_slug or id.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::list::{CreateListBody, ListAccess, ListDef, MemberAccess, NewList, UpdateListBody};
use crate::domain::organization::OrgId;
use crate::domain::table::{NewTable, PrefixChoice, Table};
use crate::endpoints::common::attio::{list_in_path, object_named};
use crate::error::ApiError;
use crate::http::{json_body, json_response};
use crate::state::AppState;
use crate::store::records::Actor;
use crate::store::tables::ListUpdate;
use crate::time::Timestamp;

/// Attio's `{"data": [lists]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListList {
    pub data: Vec<ListBody>,
}

/// Attio's `{"data": list}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse {
    pub data: ListBody,
}

/// Attio's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListBody {
    pub id: ListId,
    pub api_slug: String,
    pub name: String,
    /// Its parent object's api_slug: one, in Attio's array.
    pub parent_object: Vec<String>,
    /// `full-access`, `read-and-write` or `read-only`; null: the list is private.
    #[schema(value_type = Option<String>)]
    pub workspace_access: Option<crate::domain::list::AccessLevel>,
    pub workspace_member_access: Vec<MemberAccess>,
    pub created_by_actor: CreatedBy,
    pub created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListId {
    pub workspace_id: String,
    pub list_id: String,
}

/// Who made the list: the API key (Attio's `api-token` actor).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedBy {
    #[serde(rename = "type")]
    pub actor_type: &'static str,
    pub id: String,
}

impl ListBody {
    /// `table`'s body; `None` for an object.
    pub fn new(table: &Table) -> Option<Self> {
        let list = table.list.as_ref()?;
        Some(Self {
            id: ListId {
                workspace_id: OrgId(table.org_id).workspace_id().to_string(),
                list_id: table.id.clone(),
            },
            api_slug: table.api_slug.clone(),
            name: table.name.clone(),
            parent_object: vec![list.parent_api_slug.clone()],
            workspace_access: list.access.workspace_access,
            workspace_member_access: list.access.workspace_member_access.clone(),
            created_by_actor: CreatedBy {
                actor_type: "api-token",
                id: list.created_by.clone(),
            },
            created_at: table.created_at.clone(),
        })
    }
}

fn answer(table: &Table) -> Result<Response<Body>, ApiError> {
    let data = ListBody::new(table).ok_or_else(ApiError::internal)?;
    Ok(json_response(StatusCode::OK, &ListResponse { data }))
}

/// `GET /v2/lists`: every list of the caller's organization, oldest first.
pub async fn list(state: &AppState, principal: Principal, _req: Request) -> Result<Response<Body>, ApiError> {
    let mut tables = state.store.tables(principal.org_id).await?;
    tables.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let data: Vec<ListBody> = tables.iter().filter_map(ListBody::new).collect();
    Ok(json_response(StatusCode::OK, &ListList { data }))
}

/// `GET /v2/lists/{list}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    answer(&list_in_path(state, &req, principal.org_id).await?)
}

/// `POST /v2/lists`: a list of the parent object's records; its one field is the entries'
/// parent record. A parent that is no object is Attio's 404; a member named in its access
/// that is no member of the organization, its 400.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let NewList {
        name,
        api_slug,
        parent_object,
        access,
    } = json_body::<CreateListBody>(&req)?.data()?.parse()?;
    check_members(state, principal.org_id, &access).await?;
    let parent = object_named(state, principal.org_id, &parent_object)
        .await
        .map_err(|_| ApiError::not_found(format!("Parent object with slug/ID \"{parent_object}\" not found.")))?;
    let new = NewTable {
        name,
        singular_name: None,
        description: None,
        record_prefix: PrefixChoice::Derived(crate::domain::object::prefix_for(&api_slug)?),
        api_slug,
        solution_id: None,
        list: Some(ListDef {
            parent_table_id: parent.id.clone(),
            parent_api_slug: parent.api_slug.clone(),
            access,
            created_by: principal.key_id.clone(),
        }),
    };
    let table = state
        .store
        .create_table(principal.org_id, &new, Actor::now(&principal.key_id))
        .await?;
    answer(&table)
}

/// `PATCH /v2/lists/{list}`: its name, its slug (its old slug then names nothing; a slug
/// taken by an object or a list is Attio's 409), who may see it (Attio's rule holds after
/// the change: someone keeps full access); its parent object is fixed (400). Made under
/// the condition that the list is as read: a change made meanwhile is a 409.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let patch = json_body::<UpdateListBody>(&req)?.data()?.parse()?;
    let table = list_in_path(state, &req, principal.org_id).await?;
    let current = &table.list.as_ref().ok_or_else(ApiError::internal)?.access;
    let access = patch.access_after(current)?;
    if let Some(access) = &access {
        check_members(state, principal.org_id, access).await?;
    }
    let change = ListUpdate {
        name: patch.name,
        api_slug: patch.api_slug,
        access,
    };
    let table = state
        .store
        .update_list(principal.org_id, &table, &change, Timestamp::now())
        .await?;
    answer(&table)
}

/// Every member a list's access names is a member of the organization (Attio's 400).
async fn check_members(state: &AppState, org: OrgId, access: &ListAccess) -> Result<(), ApiError> {
    if access.workspace_member_access.is_empty() {
        return Ok(());
    }
    let members: Vec<String> = state
        .store
        .member_emails(org)
        .await?
        .into_iter()
        .map(|(user, _)| org.member_id(user).to_string())
        .collect();
    for (i, named) in access.workspace_member_access.iter().enumerate() {
        if !members.contains(&named.workspace_member_id.to_lowercase()) {
            return Err(ApiError::validation(format!(
                "`data.workspace_member_access[{i}].workspace_member_id`: no workspace member has the id \"{}\"",
                named.workspace_member_id
            )));
        }
    }
    Ok(())
}
