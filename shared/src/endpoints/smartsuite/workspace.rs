//! SmartSuite's solutions and tables (its "applications"), read over the one domain: every
//! organization is one SmartSuite workspace whose tables are the organization's tables (the
//! ones Invent's and Attio's routes serve), each field shown in SmartSuite's structure
//! (`slug`, `label`, `field_type`, `params`). Its **default solution**, whose id is derived
//! from the organization (`OrgId::solution_id`, no item holds it), holds every table made
//! without another; `POST /solutions/` makes more (`domain::solution`), and a table made
//! through `POST /applications/` joins the one it names.
//! docs/compat-smartsuite.md, "Solutions and tables", gives the sources and the mapping.
//!
//! Tables and fields are made and changed here too (`POST /applications/`, `add_field`,
//! `bulk-add-fields`, `change_field`), through the one store's table and field writes.
//!
//! The lists answer as SmartSuite's reference shows them, a bare array; with `limit` or
//! `offset` in the query they answer `{count, next, previous, results}`, the envelope that
//! Activepieces' and Pipedream's dropdowns read when they send those parameters.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::auth::Principal;
use crate::domain::organization::{OrgId, Organization};
use crate::domain::smartsuite_field::{
    AddFieldInput, BulkAddFieldsInput, CreateApplicationInput, DeleteFieldInput, FieldInput,
};
use crate::domain::solution::{CreateSolutionInput, Solution, COLORS, DEFAULT_ICON};
use crate::domain::table::{FieldDef, FieldPatch, FieldType, NewField, Table};
use crate::endpoints::common::attio::{table_of_kind, Kind};
use crate::endpoints::common::smartsuite::made_solution;
use crate::endpoints::common::tables::resolve_link;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param};
use crate::state::AppState;
use crate::store::records::Actor;
use crate::time::Timestamp;

/// A solution, with the keys SmartSuite's solution object documents that this API can
/// fill truthfully (no record or member counts: they would cost a read of everything).
/// Every key is there unless `?fields=` names others (so none is required by the schema).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SolutionBody {
    #[schema(required = false)]
    pub id: String,
    #[schema(required = false)]
    pub name: String,
    /// 8 lowercase letters and digits, from the id.
    #[schema(required = false)]
    pub slug: String,
    #[schema(required = false)]
    pub logo_color: String,
    #[schema(required = false)]
    pub logo_icon: String,
    #[schema(required = false, value_type = Object)]
    pub description: Value,
    #[schema(required = false, value_type = Object)]
    pub permissions: Value,
    #[schema(required = false)]
    pub hidden: bool,
    #[schema(required = false)]
    pub created: String,
    #[schema(required = false)]
    pub updated: String,
    #[schema(required = false)]
    pub has_demo_data: bool,
    /// Always `in_development`, as SmartSuite documents this legacy field.
    #[schema(required = false)]
    pub status: &'static str,
    #[schema(required = false)]
    pub applications_count: usize,
    #[schema(required = false)]
    pub application_ids: Vec<String>,
    #[schema(required = false)]
    pub delete_date: Option<String>,
    #[schema(required = false)]
    pub deleted_by: Option<String>,
    #[schema(required = false)]
    pub template: Option<String>,
}

impl SolutionBody {
    /// The organization's default solution (its id derived from the organization's, its
    /// name and description the organization's), with those of `tables` that are in it.
    fn default_of(org: &Organization, tables: &[Table]) -> Self {
        let solution = Solution {
            id: OrgId(org.id).solution_id(),
            org_id: org.id,
            name: org.name.clone(),
            logo_icon: DEFAULT_ICON.to_string(),
            logo_color: COLORS[0].to_string(),
            created_at: org.created_at.clone(),
            created_by: org.owner_user_id,
        };
        let preview = org.description.as_deref().unwrap_or_default();
        Self::shown(&solution, preview, &org.updated_at, tables)
    }

    /// A solution made through `POST /solutions/` (never changed since), with those of
    /// `tables` that are in it.
    fn made(solution: &Solution, tables: &[Table]) -> Self {
        Self::shown(solution, "", &solution.created_at, tables)
    }

    fn shown(solution: &Solution, preview: &str, updated: &str, tables: &[Table]) -> Self {
        let application_ids = tables_in(tables, &solution.id);
        Self {
            slug: solution.id[16..24].to_string(),
            id: solution.id.clone(),
            name: solution.name.clone(),
            logo_color: solution.logo_color.clone(),
            logo_icon: solution.logo_icon.clone(),
            description: json!({"data": {}, "html": "", "preview": preview}),
            permissions: json!({"level": "all_members", "members": [], "teams": [], "owners": [solution.created_by.to_string()]}),
            hidden: false,
            created: solution.created_at.clone(),
            updated: updated.to_string(),
            has_demo_data: false,
            status: "in_development",
            applications_count: application_ids.len(),
            application_ids,
            delete_date: None,
            deleted_by: None,
            template: None,
        }
    }
}

/// The ids of those of `tables` in the solution `solution_id`.
fn tables_in(tables: &[Table], solution_id: &str) -> Vec<String> {
    tables
        .iter()
        .filter(|t| t.solution() == solution_id)
        .map(|t| t.id.clone())
        .collect()
}

/// A table, as SmartSuite's table object shows it: every key unless `?fields=` names
/// others (so none is required by the schema).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationBody {
    #[schema(required = false)]
    pub id: String,
    #[schema(required = false)]
    pub name: String,
    /// The id of the solution it is in.
    #[schema(required = false)]
    pub solution: String,
    #[schema(required = false)]
    pub slug: String,
    /// `active`, or `archived` for a table archived through Invent's or Attio's routes.
    #[schema(required = false)]
    pub status: &'static str,
    #[schema(required = false)]
    pub structure: Vec<StructureFieldBody>,
    /// The slug of the field that names a record (the display field).
    #[schema(required = false)]
    pub primary_field: String,
    #[schema(required = false, value_type = Option<Object>)]
    pub structure_layout: Option<Value>,
    #[schema(required = false)]
    pub show_all_reports_members: Vec<String>,
    #[schema(required = false, value_type = Object)]
    pub fields_metadata: Value,
    #[schema(required = false, value_type = Object)]
    pub permissions: Value,
    #[schema(required = false)]
    pub field_permissions: Vec<String>,
    #[schema(required = false, value_type = Object)]
    pub first_created: Value,
}

/// A field in a table's `structure`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StructureFieldBody {
    pub slug: String,
    pub label: String,
    pub field_type: &'static str,
    /// Always present (Activepieces reads `params.*` of every field).
    #[schema(value_type = Object)]
    pub params: Value,
}

/// SmartSuite's field type for one of ours (docs/compat-smartsuite.md, "Field types").
pub fn smartsuite_type(field: &FieldDef) -> &'static str {
    match field.field_type {
        FieldType::Text => "textfield",
        FieldType::Number => "numberfield",
        FieldType::Checkbox => "yesnofield",
        FieldType::Currency => "currencyfield",
        FieldType::Date | FieldType::Timestamp => "datefield",
        FieldType::Select if field.array => "multipleselectfield",
        FieldType::Select => "singleselectfield",
        FieldType::Status => "statusfield",
        FieldType::RecordReference => "linkedrecordfield",
        FieldType::EmailAddress => "emailfield",
        FieldType::PhoneNumber => "phonefield",
        FieldType::Domain => "linkfield",
        FieldType::Rating => "ratingfield",
        FieldType::PersonalName => "fullnamefield",
        FieldType::Location => "addressfield",
        FieldType::ActorReference => "userfield",
        // Attio's interactions are written by the system only: SmartSuite's last-updated
        // kind, shown as a system field.
        FieldType::Interaction => "lastupdatedfield",
    }
}

impl StructureFieldBody {
    fn new(table: &Table, field: &FieldDef) -> Self {
        let mut params = Map::new();
        params.insert("primary".into(), json!(field.id == table.display_field_id));
        params.insert("required".into(), json!(!field.optional));
        params.insert("unique".into(), json!(field.unique));
        params.insert("hidden".into(), json!(false));
        params.insert("system".into(), json!(field.readonly));
        params.insert("is_auto_generated".into(), json!(false));
        params.insert("help_text".into(), json!(field.description.clone().unwrap_or_default()));
        params.insert("width".into(), json!(1));
        params.insert("valid".into(), json!(true));
        params.insert("is_migrating".into(), json!(false));
        if matches!(field.field_type, FieldType::Select | FieldType::Status) {
            let choices: Vec<Value> = field
                .options
                .iter()
                .filter(|o| !o.archived)
                .enumerate()
                .map(|(order, option)| {
                    json!({"value": option.id, "label": option.title,
                           "value_color": COLORS[order % COLORS.len()], "value_order": order,
                           "value_help_text": "", "weight": 1})
                })
                .collect();
            params.insert("choices".into(), json!(choices));
        }
        if field.field_type == FieldType::RecordReference {
            params.insert("linked_application".into(), json!(field.link));
            params.insert(
                "entries_allowed".into(),
                json!(if field.array { "multiple" } else { "single" }),
            );
        }
        if field.field_type == FieldType::Date {
            params.insert("include_time".into(), json!(false));
        }
        if field.field_type == FieldType::Timestamp {
            params.insert("include_time".into(), json!(true));
        }
        Self {
            slug: field.key.clone(),
            label: field.name.clone(),
            field_type: smartsuite_type(field),
            params: Value::Object(params),
        }
    }
}

impl ApplicationBody {
    fn new(table: &Table) -> Self {
        // In the order they were made, the display field first, as SmartSuite's primary
        // field leads its structure; a deleted (archived) field is not shown.
        let mut fields = table.ordered_fields();
        fields.sort_by_key(|f| f.id != table.display_field_id);
        let primary = fields.first().map(|f| f.key.clone()).unwrap_or_default();
        Self {
            id: table.id.clone(),
            name: table.name.clone(),
            solution: table.solution(),
            slug: table.api_slug.clone(),
            status: if table.archived { "archived" } else { "active" },
            structure: fields.into_iter().map(|f| StructureFieldBody::new(table, f)).collect(),
            primary_field: primary,
            structure_layout: None,
            show_all_reports_members: Vec::new(),
            fields_metadata: json!({}),
            permissions: json!({"level": "all_members", "members": [], "teams": []}),
            field_permissions: Vec::new(),
            first_created: json!({"by": null, "on": table.created_at}),
        }
    }
}

/// A list: the bare array SmartSuite documents, or with `limit` or `offset` the page
/// envelope its connectors' dropdowns read. (One concrete type per item type: the OpenAPI
/// document names each schema once.)
macro_rules! list_body {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, utoipa::ToSchema)]
        #[serde(untagged)]
        pub enum $name {
            All(Vec<$item>),
            Page {
                count: usize,
                next: Option<String>,
                previous: Option<String>,
                results: Vec<$item>,
            },
        }

        impl From<Listed<$item>> for $name {
            fn from(listed: Listed<$item>) -> Self {
                match listed {
                    Listed::All(items) => Self::All(items),
                    Listed::Page {
                        count,
                        next,
                        previous,
                        results,
                    } => Self::Page {
                        count,
                        next,
                        previous,
                        results,
                    },
                }
            }
        }
    };
}

/// What a list answers, before it is given its schema's type.
enum Listed<T> {
    All(Vec<T>),
    Page {
        count: usize,
        next: Option<String>,
        previous: Option<String>,
        results: Vec<T>,
    },
}

list_body!(SolutionList, SolutionBody);
list_body!(ApplicationList, ApplicationBody);

/// `items` as a list answer for `req` (see [`SolutionList`]).
fn list_answer<T, L>(req: &Request, path: &str, items: Vec<T>) -> Result<Value, ApiError>
where
    L: From<Listed<T>> + Serialize,
{
    let paged = query_param(req, "limit")?.is_some() || query_param(req, "offset")?.is_some();
    let listed = if paged {
        let (limit, offset) = pagination(req, 100, 1000)?;
        let count = items.len();
        let link = |at: usize| format!("{path}?limit={limit}&offset={at}");
        Listed::Page {
            count,
            next: (limit > 0 && offset + limit < count).then(|| link(offset + limit)),
            previous: (offset > 0).then(|| link(offset.saturating_sub(limit))),
            results: items.into_iter().skip(offset).take(limit).collect(),
        }
    } else {
        Listed::All(items)
    };
    serde_json::to_value(L::from(listed)).map_err(|_| ApiError::internal())
}

/// Keeps only the keys `?fields=` names (repeated, or separated by commas), as SmartSuite
/// does when one is given.
fn only_fields(req: &Request, value: &mut Value) {
    let wanted: Vec<String> = req
        .query_string_parameters_ref()
        .and_then(|q| q.all("fields"))
        .unwrap_or_default()
        .iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if wanted.is_empty() {
        return;
    }
    let keep = |object: &mut Value| {
        if let Value::Object(map) = object {
            map.retain(|key, _| wanted.contains(key));
        }
    };
    match value {
        Value::Array(items) => items.iter_mut().for_each(keep),
        Value::Object(page) if page.contains_key("results") => {
            if let Some(Value::Array(items)) = page.get_mut("results") {
                items.iter_mut().for_each(keep);
            }
        }
        other => keep(other),
    }
}

async fn organization(state: &AppState, org: OrgId) -> Result<Organization, ApiError> {
    state
        .store
        .organization(org)
        .await?
        .ok_or_else(|| ApiError::not_found("The workspace no longer exists"))
}

/// The organization's tables that SmartSuite lists: not archived.
async fn listed_tables(state: &AppState, org: OrgId) -> Result<Vec<Table>, ApiError> {
    Ok(state
        .store
        .tables(org)
        .await?
        .into_iter()
        .filter(|t| !t.archived && !t.is_list())
        .collect())
}

/// `GET /api/v1/solutions/`: the workspace's default solution, then the solutions made
/// through `POST /solutions/`, oldest first.
pub async fn list_solutions(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = organization(state, principal.org_id).await?;
    let tables = listed_tables(state, principal.org_id).await?;
    let made = state.store.solutions(principal.org_id).await?;
    let mut solutions = vec![SolutionBody::default_of(&org, &tables)];
    solutions.extend(made.iter().map(|s| SolutionBody::made(s, &tables)));
    let mut body = list_answer::<_, SolutionList>(&req, "/api/v1/solutions/", solutions)?;
    only_fields(&req, &mut body);
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/v1/solutions/{id}/`: the default solution or one made through `POST`.
pub async fn get_solution(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let id = path_param(&req, "solution_id")?;
    let tables = listed_tables(state, principal.org_id).await?;
    let solution = if id == principal.org_id.solution_id() {
        SolutionBody::default_of(&organization(state, principal.org_id).await?, &tables)
    } else {
        let missing = ApiError::not_found(format!("No solution `{id}`"));
        SolutionBody::made(&made_solution(state, principal.org_id, id, missing).await?, &tables)
    };
    let mut body = serde_json::to_value(solution).map_err(|_| ApiError::internal())?;
    only_fields(&req, &mut body);
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /api/v1/solutions/`: a new, empty solution (developers.smartsuite.com, "Create
/// Solution"); answers it as `GET /solutions/{id}/` shows it.
pub async fn create_solution(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<CreateSolutionInput>(&req)?.parse()?;
    let solution = state
        .store
        .create_solution(principal.org_id, principal.user_id, &new, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, &SolutionBody::made(&solution, &[])))
}

/// `GET /api/v1/applications/?solution=&fields=`: the workspace's tables, oldest first;
/// with `solution`, that solution's only (none for an id that is no solution).
pub async fn list_applications(
    state: &AppState,
    principal: Principal,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let solution = query_param(&req, "solution")?;
    let mut tables = listed_tables(state, principal.org_id).await?;
    if let Some(solution) = solution {
        tables.retain(|t| t.solution() == solution);
    }
    let applications: Vec<ApplicationBody> = tables.iter().map(ApplicationBody::new).collect();
    let mut body = list_answer::<_, ApplicationList>(&req, "/api/v1/applications/", applications)?;
    only_fields(&req, &mut body);
    Ok(json_response(StatusCode::OK, &body))
}

/// The table `{application_id}` names (its id or slug), read fresh: an Attio list is none.
async fn application_in_path(state: &AppState, org: OrgId, req: &Request) -> Result<Table, ApiError> {
    let raw = path_param(req, "application_id")?;
    let not_found = || ApiError::not_found(format!("No table `{raw}`"));
    table_of_kind(state, org, raw, Kind::Object, not_found).await
}

/// `GET /api/v1/applications/{id}/`: a table's structure, by id or slug.
pub async fn get_application(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let table = application_in_path(state, principal.org_id, &req).await?;
    let mut body = serde_json::to_value(ApplicationBody::new(&table)).map_err(|_| ApiError::internal())?;
    only_fields(&req, &mut body);
    Ok(json_response(StatusCode::OK, &body))
}

/// New fields with their link targets resolved, as (id, api_slug); `path` names the list
/// in the body, for the error when one names no table of the workspace.
async fn with_links(
    state: &AppState,
    org: OrgId,
    fields: Vec<NewField>,
    path: &str,
) -> Result<Vec<(NewField, Option<(String, String)>)>, ApiError> {
    let mut linked = Vec::with_capacity(fields.len());
    for (i, field) in fields.into_iter().enumerate() {
        let link = resolve_link(state, org, &field, &format!("{path}[{i}].params.linked_application")).await?;
        linked.push((field, link));
    }
    Ok(linked)
}

/// `POST /api/v1/applications/`: a new table in the solution its `solution` names, with
/// the fields its `structure` names, in one transaction (its title field is the table's
/// own). Solutions are never deleted, so the one found stays.
pub async fn create_application(
    state: &AppState,
    principal: Principal,
    req: Request,
) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let new = json_body::<CreateApplicationInput>(&req)?.parse(&org.solution_id())?;
    if let Some(id) = &new.table.solution_id {
        let missing = ApiError::validation(format!("`solution`: no solution `{id}` in this workspace"));
        made_solution(state, org, id, missing).await?;
    }
    let fields = with_links(state, org, new.fields, "structure").await?;
    let table = state
        .store
        .create_table_with_fields(
            org,
            &new.table,
            new.title_label.as_deref(),
            &fields,
            Actor::now(&principal.key_id),
        )
        .await?;
    Ok(json_response(StatusCode::OK, &ApplicationBody::new(&table)))
}

/// `POST /api/v1/applications/{id}/add_field/`: a new field, placed last; answers it.
pub async fn add_field(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<AddFieldInput>(&req)?.parse()?;
    let table = application_in_path(state, principal.org_id, &req).await?;
    let link = resolve_link(state, principal.org_id, &new, "field.params.linked_application").await?;
    let (table, field) = state
        .store
        .add_field(principal.org_id, &table, &new, link, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &StructureFieldBody::new(&table, &field)))
}

/// `POST /api/v1/applications/{id}/bulk-add-fields/` (and `bulk_add_fields`): up to 50
/// new fields, all or none; answers them in order.
pub async fn bulk_add_fields(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let fields = json_body::<BulkAddFieldsInput>(&req)?.parse()?;
    let table = application_in_path(state, principal.org_id, &req).await?;
    let fields = with_links(state, principal.org_id, fields, "fields").await?;
    let (table, added) = state
        .store
        .add_fields(principal.org_id, &table, &fields, Actor::now(&principal.key_id))
        .await?;
    let shown: Vec<StructureFieldBody> = added.iter().map(|f| StructureFieldBody::new(&table, f)).collect();
    Ok(json_response(StatusCode::OK, &shown))
}

/// `PUT /api/v1/applications/{id}/change_field/`: the field its `slug` names, changed
/// (label, help text, required, choices); answers it.
pub async fn change_field(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let input = json_body::<FieldInput>(&req)?;
    let slug = input
        .slug
        .clone()
        .ok_or_else(|| ApiError::validation("`slug` is required: it names the field to change"))?;
    let table = application_in_path(state, principal.org_id, &req).await?;
    let field = table
        .fields
        .get(&slug)
        .ok_or_else(|| ApiError::not_found(format!("No field `{slug}` in table `{}`", table.api_slug)))?;
    let patch = input.parse_change(field)?;
    let (table, field) = state
        .store
        .update_field(principal.org_id, &table, field, &patch, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &StructureFieldBody::new(&table, &field)))
}

/// `POST /api/v1/applications/{id}/delete_field/`: the field its `slug` names, deleted;
/// answers it, as SmartSuite does. A deleted field is archived (see `FieldDef::archived`):
/// no route shows or takes its values, which are kept, with their unique claims, references
/// and index entries, so Attio's `is_archived: false` brings it back whole. The primary
/// (display) field cannot be deleted.
pub async fn delete_field(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let slug = json_body::<DeleteFieldInput>(&req)?.parse()?;
    let table = application_in_path(state, principal.org_id, &req).await?;
    let field = table
        .field_named(&slug)
        .ok_or_else(|| ApiError::not_found(format!("No field `{slug}` in table `{}`", table.api_slug)))?;
    let patch = FieldPatch {
        archived: Some(true),
        ..FieldPatch::default()
    };
    let (table, field) = state
        .store
        .update_field(principal.org_id, &table, field, &patch, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &StructureFieldBody::new(&table, &field)))
}
