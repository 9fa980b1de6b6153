//! Attio's objects and attributes, with `Authorization: Bearer <org key>`: the same tables
//! and fields Invent's routes serve, in Attio's shapes (its OpenAPI's `Object`, `Attribute`
//! and `SelectOption`, which its SDK validates).
//!
//! `GET /v2/objects`, `GET /v2/objects/{object}`, `GET /v2/objects/{object}/attributes`,
//! `GET /v2/objects/{object}/attributes/{attribute}` and
//! `GET /v2/objects/{object}/attributes/{attribute}/options`. `{object}` is a table's
//! api_slug or id, `{attribute}` a field's slug or id.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::domain::object::{AttributeData, ObjectData, OptionData};
use crate::domain::organization::OrgId;
use crate::domain::table::{FieldDef, FieldType, SelectOption, Table};
use crate::domain::text::caseless_eq;
use crate::endpoints::common::attio::{
    any_attribute_in_path, fresh_object_in_path, object_in_path, target_in_path, Freshness,
};
use crate::endpoints::common::tables::resolve_link;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param};
use crate::state::AppState;
use crate::store::object_delete::ObjectDelete;
use crate::store::records::Actor;
use crate::store::StoreError;
use crate::time::Timestamp;

/// Attio's `{"data": [objects]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObjectList {
    pub data: Vec<ObjectBody>,
}

/// Attio's `{"data": object}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObjectResponse {
    pub data: ObjectBody,
}

/// Attio's `{"data": [attributes]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeList {
    pub data: Vec<AttributeBody>,
}

/// Attio's `{"data": attribute}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeResponse {
    pub data: AttributeBody,
}

/// Attio's `{"data": select option}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OptionResponse {
    pub data: OptionBody,
}

/// Attio's `{"data": [select options]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OptionList {
    pub data: Vec<OptionBody>,
}

/// Attio's object: a table.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObjectBody {
    pub id: ObjectId,
    pub api_slug: String,
    /// Its singular as given at creation or by a PATCH; the table's name if none was.
    pub singular_noun: String,
    pub plural_noun: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObjectId {
    pub workspace_id: String,
    pub object_id: String,
}

impl ObjectBody {
    pub fn new(table: &Table) -> Self {
        Self {
            id: ObjectId {
                workspace_id: OrgId(table.org_id).workspace_id().to_string(),
                object_id: table.id.clone(),
            },
            api_slug: table.api_slug.clone(),
            singular_noun: table.singular_name.clone().unwrap_or_else(|| table.name.clone()),
            plural_noun: table.name.clone(),
            created_at: table.created_at.clone(),
        }
    }
}

/// Attio's attribute: a field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeBody {
    pub id: AttributeId,
    pub title: String,
    pub description: Option<String>,
    pub api_slug: String,
    #[serde(rename = "type")]
    pub attribute_type: FieldType,
    pub is_system_attribute: bool,
    pub is_writable: bool,
    pub is_required: bool,
    pub is_unique: bool,
    pub is_multiselect: bool,
    /// Ours, not Attio's: queries sort by the attribute and filter on it through an index.
    pub is_indexed: bool,
    pub is_default_value_enabled: bool,
    pub is_archived: bool,
    #[schema(value_type = Option<Object>)]
    pub default_value: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub relationship: Option<Value>,
    pub created_at: String,
    #[schema(value_type = Object)]
    pub config: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeId {
    pub workspace_id: String,
    pub object_id: String,
    pub attribute_id: String,
}

impl AttributeId {
    fn new(table: &Table, field: &FieldDef) -> Self {
        Self {
            workspace_id: OrgId(table.org_id).workspace_id().to_string(),
            object_id: table.id.clone(),
            attribute_id: field.id.clone(),
        }
    }
}

impl AttributeBody {
    pub fn new(table: &Table, field: &FieldDef) -> Self {
        Self {
            id: AttributeId::new(table, field),
            title: field.name.clone(),
            description: field.description.clone(),
            api_slug: field.key.clone(),
            attribute_type: field.field_type,
            is_system_attribute: field.readonly,
            is_writable: !field.readonly,
            is_required: !field.optional,
            is_unique: field.unique,
            is_multiselect: field.array,
            is_indexed: field.indexed,
            is_default_value_enabled: false,
            is_archived: field.archived,
            default_value: None,
            // Attio's relationship is a two-way pair of attributes; a reference here is
            // one-way, so it has none.
            relationship: None,
            created_at: field.created_at.clone(),
            config: json!({
                "currency": {"default_currency_code": "USD", "display_type": "symbol"},
                "record_reference": {"allowed_object_ids": field.link.as_ref().map(|id| vec![id])},
            }),
        }
    }
}

/// Attio's select option, with its full id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OptionBody {
    pub id: OptionId,
    pub title: String,
    pub is_archived: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OptionId {
    pub workspace_id: String,
    pub object_id: String,
    pub attribute_id: String,
    pub option_id: String,
}

/// Attio's status, with its full id and settings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeStatusBody {
    pub id: AttributeStatusId,
    pub title: String,
    pub is_archived: bool,
    pub celebration_enabled: bool,
    /// An ISO 8601 duration, or null.
    pub target_time_in_status: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeStatusId {
    pub workspace_id: String,
    pub object_id: String,
    pub attribute_id: String,
    pub status_id: String,
}

impl AttributeStatusBody {
    pub(crate) fn new(table: &Table, field: &FieldDef, status: &SelectOption) -> Self {
        let attribute = AttributeId::new(table, field);
        Self {
            id: AttributeStatusId {
                workspace_id: attribute.workspace_id,
                object_id: attribute.object_id,
                attribute_id: attribute.attribute_id,
                status_id: status.id.clone(),
            },
            title: status.title.clone(),
            is_archived: status.archived,
            celebration_enabled: status.celebration_enabled,
            target_time_in_status: status.target_time_in_status.clone(),
        }
    }
}

/// Attio's `{"data": status}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeStatusResponse {
    pub data: AttributeStatusBody,
}

/// Attio's `{"data": [statuses]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeStatusList {
    pub data: Vec<AttributeStatusBody>,
}

impl OptionBody {
    pub(crate) fn new(table: &Table, field: &FieldDef, option: &SelectOption) -> Self {
        let attribute = AttributeId::new(table, field);
        Self {
            id: OptionId {
                workspace_id: attribute.workspace_id,
                object_id: attribute.object_id,
                attribute_id: attribute.attribute_id,
                option_id: option.id.clone(),
            },
            title: option.title.clone(),
            is_archived: option.archived,
        }
    }
}

/// `GET /v2/objects`: every table of the caller's organization, oldest first (a list is
/// none: `GET /v2/lists`).
pub async fn list(state: &AppState, principal: Principal, _req: Request) -> Result<Response<Body>, ApiError> {
    let mut tables = state.store.tables(principal.org_id).await?;
    tables.retain(|t| !t.is_list());
    tables.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let data: Vec<ObjectBody> = tables.iter().map(ObjectBody::new).collect();
    Ok(json_response(StatusCode::OK, &ObjectList { data }))
}

/// `GET /v2/objects/{object}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (table, _) = object_in_path(state, &req, principal.org_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &ObjectResponse {
            data: ObjectBody::new(&table),
        },
    ))
}

/// `GET /v2/{target}/{identifier}/attributes?limit=&offset=&show_archived=`: the table's fields
/// in creation order, archived ones only with `show_archived=true`.
pub async fn list_attributes(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let archived_too = show_archived(&req)?;
    let (limit, offset) = pagination(&req, u64::from(u32::MAX), u64::from(u32::MAX))?;
    let table = target_in_path(state, &req, principal.org_id, Freshness::Cached).await?;
    let fields = if archived_too {
        table.ordered_fields_with_archived()
    } else {
        table.ordered_fields()
    };
    let data: Vec<AttributeBody> = fields
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|field| AttributeBody::new(&table, field))
        .collect();
    Ok(json_response(StatusCode::OK, &AttributeList { data }))
}

/// `GET /v2/{target}/{identifier}/attributes/{attribute}` (an object's or a list's).
pub async fn get_attribute(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let table = target_in_path(state, &req, principal.org_id, Freshness::Cached).await?;
    let field = any_attribute_in_path(&req, &table)?;
    Ok(json_response(
        StatusCode::OK,
        &AttributeResponse {
            data: AttributeBody::new(&table, field),
        },
    ))
}

/// An attribute's choices: a select attribute's options or a status attribute's statuses,
/// kept alike (ids, titles, archived), served by the same handlers under their own paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Option,
    Status,
}

impl Choice {
    fn field_type(self) -> FieldType {
        match self {
            Choice::Option => FieldType::Select,
            Choice::Status => FieldType::Status,
        }
    }

    /// Its name, as in the path parameter (`{option}`, `{status}`) and the messages.
    fn noun(self) -> &'static str {
        match self {
            Choice::Option => "option",
            Choice::Status => "status",
        }
    }

    /// The attribute, if its choices are of this kind (others have none: 404).
    fn of(self, field: &FieldDef) -> Result<&FieldDef, ApiError> {
        if field.field_type == self.field_type() {
            return Ok(field);
        }
        Err(ApiError::not_found(format!(
            "Attribute \"{}\" is a {} attribute, which has no {}",
            field.key,
            field.field_type.as_str(),
            match self {
                Choice::Option => "select options",
                Choice::Status => "statuses",
            }
        )))
    }

    fn one(self, table: &Table, field: &FieldDef, option: &SelectOption) -> Response<Body> {
        match self {
            Choice::Option => json_response(
                StatusCode::OK,
                &OptionResponse {
                    data: OptionBody::new(table, field, option),
                },
            ),
            Choice::Status => json_response(
                StatusCode::OK,
                &AttributeStatusResponse {
                    data: AttributeStatusBody::new(table, field, option),
                },
            ),
        }
    }

    fn list<'a>(
        self,
        table: &Table,
        field: &FieldDef,
        options: impl Iterator<Item = &'a SelectOption>,
    ) -> Response<Body> {
        match self {
            Choice::Option => {
                let data = options.map(|o| OptionBody::new(table, field, o)).collect();
                json_response(StatusCode::OK, &OptionList { data })
            }
            Choice::Status => {
                let data = options.map(|o| AttributeStatusBody::new(table, field, o)).collect();
                json_response(StatusCode::OK, &AttributeStatusList { data })
            }
        }
    }
}

/// `GET .../attributes/{attribute}/options?show_archived=`: a select attribute's options;
/// archived ones only with `show_archived=true`.
pub async fn list_options(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    list_choices(state, principal, req, Choice::Option).await
}

/// `GET .../attributes/{attribute}/statuses?show_archived=`: a status attribute's statuses.
pub async fn list_statuses(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    list_choices(state, principal, req, Choice::Status).await
}

async fn list_choices(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Choice,
) -> Result<Response<Body>, ApiError> {
    let archived_too = show_archived(&req)?;
    let table = target_in_path(state, &req, principal.org_id, Freshness::Cached).await?;
    let field = kind.of(any_attribute_in_path(&req, &table)?)?;
    let shown = field.options.iter().filter(|o| archived_too || !o.archived);
    Ok(kind.list(&table, field, shown))
}

/// `POST /v2/objects`: a new table, named by `plural_noun`; its display-id prefix is its
/// slug in capitals (`sales_leads`: `SALESLEADS-1`).
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<ObjectData>(&req)?.data()?.parse_new()?;
    let table = state
        .store
        .create_table(principal.org_id, &new, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &ObjectResponse {
            data: ObjectBody::new(&table),
        },
    ))
}

/// `PATCH /v2/objects/{object}`: renames it; its slug is fixed.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let input = json_body::<ObjectData>(&req)?.data()?;
    let table = fresh_object_in_path(state, &req, principal.org_id).await?;
    let patch = input.parse_patch(&table.api_slug)?;
    let table = state
        .store
        .update_table(principal.org_id, &table, &patch, Timestamp::now())
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &ObjectResponse {
            data: ObjectBody::new(&table),
        },
    ))
}

/// The answer to an object's delete: `{}`, as Attio's deletes answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedObject {}

/// `DELETE /v2/objects/{object}` (ours: Attio's API deletes no object): an empty object,
/// with its attributes, gone at once, its slug and record prefix free again. An object
/// that holds records, is the parent of a list, or that another object's or list's
/// attribute links to (archived or not) is 409 `object_in_use`, nothing deleted: deleting
/// it would take records, entries or references with it that the call does not name.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let table = fresh_object_in_path(state, &req, org).await?;
    let in_use = |why: String| {
        ApiError::uniqueness_conflict(format!("The object \"{}\" {why}", table.api_slug)).with_code("object_in_use")
    };
    let others = state.store.tables(org).await?;
    let lists: Vec<&str> = others
        .iter()
        .filter(|t| t.list.as_ref().is_some_and(|l| l.parent_table_id == table.id))
        .map(|t| t.api_slug.as_str())
        .collect();
    if !lists.is_empty() {
        return Err(in_use(format!("is the parent of the lists {}", lists.join(", "))));
    }
    let links: Vec<String> = others
        .iter()
        .filter(|t| t.id != table.id)
        .flat_map(|t| {
            t.fields
                .values()
                .filter(|f| f.link.as_deref() == Some(table.id.as_str()))
                .map(move |f| format!("{}.{}", t.api_slug, f.key))
        })
        .collect();
    if !links.is_empty() {
        return Err(in_use(format!("is linked to by the attributes {}", links.join(", "))));
    }
    match state.store.delete_empty_table(org, &table).await? {
        ObjectDelete::Deleted => Ok(json_response(StatusCode::OK, &DeletedObject {})),
        ObjectDelete::HasRecords => Err(in_use("holds records: delete them first".into())),
        ObjectDelete::Changed => Err(ApiError::uniqueness_conflict(format!(
            "The object \"{}\" changed while it was being deleted; read it again",
            table.api_slug
        ))
        .with_code("conflict")),
    }
}

/// `POST /v2/{target}/{identifier}/attributes`: a new field (a select one without options:
/// Attio adds them after).
pub async fn create_attribute(
    state: &AppState,
    principal: Principal,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let new = json_body::<AttributeData>(&req)?.data()?.parse_new()?;
    let table = target_in_path(state, &req, principal.org_id, Freshness::Fresh).await?;
    let allowed = "data.config.record_reference.allowed_objects";
    let link = resolve_link(state, principal.org_id, &new, allowed).await?;
    let (table, field) = state
        .store
        .add_field(principal.org_id, &table, &new, link, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &AttributeResponse {
            data: AttributeBody::new(&table, &field),
        },
    ))
}

/// `PATCH /v2/{target}/{identifier}/attributes/{attribute}`: title, description, slug,
/// `is_required`, `is_archived` (the display attribute cannot be archived).
pub async fn update_attribute(
    state: &AppState,
    principal: Principal,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let patch = json_body::<AttributeData>(&req)?.data()?.parse_patch()?;
    let table = target_in_path(state, &req, principal.org_id, Freshness::Fresh).await?;
    let field = any_attribute_in_path(&req, &table)?;
    let (table, field) = state
        .store
        .update_field(principal.org_id, &table, field, &patch, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &AttributeResponse {
            data: AttributeBody::new(&table, &field),
        },
    ))
}

/// `POST .../attributes/{attribute}/options`: a new option, its title unique in the
/// attribute (archived options included), ignoring case.
pub async fn create_option(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    create_choice(state, principal, req, Choice::Option).await
}

/// `POST .../attributes/{attribute}/statuses`: a new status, likewise.
pub async fn create_status(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    create_choice(state, principal, req, Choice::Status).await
}

/// `PATCH .../attributes/{attribute}/options/{option}` (by id or title): its title, or
/// `is_archived`.
pub async fn update_option(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    update_choice(state, principal, req, Choice::Option).await
}

/// `PATCH .../attributes/{attribute}/statuses/{status}`: likewise, and a status's settings.
pub async fn update_status(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    update_choice(state, principal, req, Choice::Status).await
}

async fn create_choice(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Choice,
) -> Result<Response<Body>, ApiError> {
    let new = json_body::<OptionData>(&req)?
        .data()?
        .parse_new(kind == Choice::Status)?;
    let id = uuid::Uuid::new_v4().to_string();
    change_choices(state, &req, &principal, kind, &id, |options| {
        if let Some(taken) = options.iter().find(|o| caseless_eq(&o.title, &new.title)) {
            return Err(ApiError::slug_conflict(format!(
                "The {} \"{}\" already exists",
                kind.noun(),
                taken.title
            )));
        }
        options.push(SelectOption {
            id: id.clone(),
            title: new.title.clone(),
            archived: false,
            celebration_enabled: new.celebration_enabled.unwrap_or(false),
            target_time_in_status: new.target_time_in_status.clone().flatten(),
        });
        Ok(())
    })
    .await
}

async fn update_choice(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Choice,
) -> Result<Response<Body>, ApiError> {
    let patch = json_body::<OptionData>(&req)?
        .data()?
        .parse_patch(kind == Choice::Status)?;
    let raw = path_param(&req, kind.noun())?.to_string();
    change_choices(state, &req, &principal, kind, &raw, |options| {
        let at = options
            .iter()
            .position(|o| o.id == raw || caseless_eq(&o.title, &raw))
            .ok_or_else(|| ApiError::not_found(format!("No {} \"{raw}\"", kind.noun())))?;
        if let Some(title) = &patch.title {
            let taken = options
                .iter()
                .enumerate()
                .any(|(i, o)| i != at && caseless_eq(&o.title, title));
            if taken {
                return Err(ApiError::slug_conflict(format!(
                    "The {} \"{title}\" already exists",
                    kind.noun()
                )));
            }
            options[at].title = title.clone();
        }
        patch.apply_settings(&mut options[at]);
        Ok(())
    })
    .await
}

/// Applies `change` to an attribute's choices and writes them, reading the table again
/// and retrying when another change got in first; answers with the choice `which` names
/// (by id, or by its title before the change).
async fn change_choices<F>(
    state: &AppState,
    req: &Request,
    principal: &Principal,
    kind: Choice,
    which: &str,
    mut change: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnMut(&mut Vec<SelectOption>) -> Result<(), ApiError>,
{
    let org = principal.org_id;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let table = target_in_path(state, req, org, Freshness::Fresh).await?;
        let field = kind.of(any_attribute_in_path(req, &table)?)?;
        let mut options = field.options.clone();
        change(&mut options)?;
        let position = options
            .iter()
            .position(|o| o.id == which)
            .or_else(|| field.options.iter().position(|o| caseless_eq(&o.title, which)))
            .ok_or_else(|| ApiError::not_found(format!("No {} \"{which}\"", kind.noun())))?;
        match state
            .store
            .set_field_options(org, &table, field, options, Actor::now(&principal.key_id))
            .await
        {
            Err(StoreError::Changed(_)) if attempt < OPTION_ATTEMPTS => {
                tokio::time::sleep(crate::store::backoff(attempt)).await;
            }
            Err(e) => return Err(e.into()),
            Ok((table, field)) => return Ok(kind.one(&table, &field, &field.options[position])),
        }
    }
}

/// How often an option change that lost a race to another definition change is tried.
const OPTION_ATTEMPTS: u32 = 8;

/// `show_archived`, a boolean: whether a list shows archived attributes, options or statuses.
fn show_archived(req: &Request) -> Result<bool, ApiError> {
    match query_param(req, "show_archived")? {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::validation(format!(
            "`show_archived` must be true or false, not `{other}`"
        ))),
    }
}
