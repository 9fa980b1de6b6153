//! What Attio's endpoint files share: the table `{object}` names and the field
//! `{attribute}` names, a record request run against a definition that may be stale
//! (`against_object`, which SmartSuite's record endpoints run theirs through too), and
//! Attio's record as records and the records query answer with it.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::table::{FieldDef, Table, TableRef};
use crate::domain::Invalid;
use crate::error::ApiError;
use crate::http::path_param;
use crate::state::{AppBase, AppState};
use crate::store::records::RecordWriteError;
use crate::store::tables::Source;

/// The table `{object}` names in the caller's organization, as this container has it
/// cached (see [`crate::store::cache`]), and whether it came from the cache.
/// A list is no object: an object route (or SmartSuite's, or Invent's) does not find one.
pub(crate) async fn object_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<(Table, Source), ApiError> {
    cached_object_named(state, org, object_param(req)?).await
}

/// The object a slug or id names in `org`, as this container has it cached.
async fn cached_object_named(state: &AppState, org: OrgId, raw: &str) -> Result<(Table, Source), ApiError> {
    cached_table_of_kind(state, org, raw, Kind::Object, || object_not_found(raw)).await
}

/// The object or list that Attio's `/v2/{target}/{identifier}/attributes...` routes name
/// (`target` is `objects` or `lists`; `identifier` a slug or id). An object's reads may
/// come from this container's cache (`Freshness::Cached`); a definition change starts
/// from the table itself (`Freshness::Fresh`), as a list's every read does.
pub(crate) async fn target_in_path(
    state: &AppState,
    req: &Request,
    org: OrgId,
    freshness: Freshness,
) -> Result<Table, ApiError> {
    let raw = path_param(req, "identifier")?;
    match path_param(req, "target")? {
        "objects" if freshness == Freshness::Cached => Ok(cached_object_named(state, org, raw).await?.0),
        "objects" => object_named(state, org, raw).await,
        "lists" => list_named(state, org, raw).await,
        other => Err(ApiError::not_found(format!(
            "No target \"{other}\": attributes belong to `objects` or `lists`"
        ))),
    }
}

/// Whether a route may read a table as this container has it cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    Cached,
    Fresh,
}

/// The list `{list}` names in the caller's organization (a list's slug or id), read from
/// the table itself; Attio's 404 if none, or if it names an object.
pub(crate) async fn list_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<Table, ApiError> {
    list_named(state, org, path_param(req, "list")?).await
}

/// The list a slug or id names in `org`; Attio's 404 if none, or if it names an object.
async fn list_named(state: &AppState, org: OrgId, raw: &str) -> Result<Table, ApiError> {
    table_of_kind(state, org, raw, Kind::List, || list_not_found(raw)).await
}

/// What a route names: an object (a table, to SmartSuite and Invent) or Attio's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    List,
}

/// The table of `kind` that `raw` (a slug or id) names in `org`, read from the table
/// itself; `not_found` if none does.
pub(crate) async fn table_of_kind(
    state: &AppState,
    org: OrgId,
    raw: &str,
    kind: Kind,
    not_found: impl Fn() -> ApiError,
) -> Result<Table, ApiError> {
    let table = TableRef::parse(raw).map_err(|_| not_found())?;
    state
        .store
        .table(org, &table)
        .await?
        .filter(|t| Kind::of(t) == kind)
        .ok_or_else(not_found)
}

/// [`table_of_kind`] as this container has the table cached, and whether it came from the
/// cache.
pub(crate) async fn cached_table_of_kind(
    state: &AppState,
    org: OrgId,
    raw: &str,
    kind: Kind,
    not_found: impl Fn() -> ApiError,
) -> Result<(Table, Source), ApiError> {
    let (table, source) = crate::endpoints::common::tables::cached_table(state, org, raw, &not_found).await?;
    if Kind::of(&table) != kind {
        return Err(not_found());
    }
    Ok((table, source))
}

/// The table `{object}` names, read from the table itself rather than a container's
/// cached copy: a definition change must start from the current definition.
pub(crate) async fn fresh_object_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<Table, ApiError> {
    object_named(state, org, object_param(req)?).await
}

/// The table an object's slug or id (`raw`, from a path, a body or a query) names in the
/// caller's organization, read from the table itself; Attio's 404 if none.
pub(crate) async fn object_named(state: &AppState, org: OrgId, raw: &str) -> Result<Table, ApiError> {
    table_of_kind(state, org, raw, Kind::Object, || object_not_found(raw)).await
}

/// `{object}` (SmartSuite's `{application_id}`).
fn object_param(req: &Request) -> Result<&str, ApiError> {
    path_param(req, "object").or_else(|_| path_param(req, "application_id"))
}

/// Attio's 404 for an object no table is (anything that is neither an id nor a slug names
/// none).
fn object_not_found(raw: &str) -> ApiError {
    ApiError::not_found(format!("Object with slug or ID \"{raw}\" not found"))
}

/// Why a record request failed: the request could not be read or found, its values were
/// refused by the definition they were checked against, or its write failed.
pub(crate) enum RecordFailure {
    Request(ApiError),
    Invalid(Invalid),
    /// Refused by the definition with an error of its own code (an assert's matching
    /// attribute that is missing or not unique).
    ByDefinition(ApiError),
    Write(RecordWriteError),
}

impl From<Invalid> for RecordFailure {
    fn from(e: Invalid) -> Self {
        Self::Invalid(e)
    }
}

impl From<ApiError> for RecordFailure {
    fn from(e: ApiError) -> Self {
        Self::Request(e)
    }
}

impl From<RecordWriteError> for RecordFailure {
    fn from(e: RecordWriteError) -> Self {
        Self::Write(e)
    }
}

impl From<crate::store::StoreError> for RecordFailure {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Request(e.into())
    }
}

impl From<RecordFailure> for ApiError {
    fn from(failure: RecordFailure) -> Self {
        match failure {
            RecordFailure::Request(e) | RecordFailure::ByDefinition(e) => e,
            RecordFailure::Invalid(e) => e.into(),
            RecordFailure::Write(e) => e.into(),
        }
    }
}

impl RecordFailure {
    /// Whether a fresh definition could change the answer: the write's revision check
    /// found the definition changed, or a cached definition refused the request (its values,
    /// or a rule of the write). A missing reference or a taken unique value is found by the
    /// write's transaction, whose revision check passed: the definition was current.
    fn worth_a_fresh_definition(&self, source: Source) -> bool {
        match self {
            RecordFailure::Write(RecordWriteError::DefinitionChanged) => true,
            RecordFailure::Write(RecordWriteError::Refused(_))
            | RecordFailure::Invalid(_)
            | RecordFailure::ByDefinition(_) => source == Source::Cache,
            RecordFailure::Request(_) | RecordFailure::Write(_) => false,
        }
    }
}

/// Runs a record request against the table `{object}` names. A cached definition may be
/// stale (another container changed the table): if a write was refused by its
/// transaction's revision check, or the request was refused as invalid by a cached
/// definition, the copy is dropped and the request runs once more against a fresh read, so
/// a stale copy never decides a refusal or a write.
pub(crate) async fn against_object<F, Fut>(
    state: &AppState,
    req: &Request,
    org: OrgId,
    run: F,
) -> Result<Response<Body>, ApiError>
where
    F: Fn(Table) -> Fut,
    Fut: std::future::Future<Output = Result<Response<Body>, RecordFailure>>,
{
    against_table(state, req, org, Kind::Object, run).await
}

/// [`against_object`] for the table of `kind` the path names: `{object}`, or `{list}`
/// (whose records are its entries).
pub(crate) async fn against_table<F, Fut>(
    state: &AppState,
    req: &Request,
    org: OrgId,
    kind: Kind,
    run: F,
) -> Result<Response<Body>, ApiError>
where
    F: Fn(Table) -> Fut,
    Fut: std::future::Future<Output = Result<Response<Body>, RecordFailure>>,
{
    let (table, source) = cached_in_path(state, req, org, kind).await?;
    let table_id = table.id.clone();
    match run(table).await {
        Err(failure) if failure.worth_a_fresh_definition(source) => {
            state.store.forget_table(&table_id);
            Ok(run(cached_in_path(state, req, org, kind).await?.0).await?)
        }
        other => Ok(other?),
    }
}

/// The table of `kind` the path names (`{object}` or `{list}`), as this container has it
/// cached.
pub(crate) async fn table_in_path(state: &AppState, req: &Request, org: OrgId, kind: Kind) -> Result<Table, ApiError> {
    Ok(cached_in_path(state, req, org, kind).await?.0)
}

/// The table of `kind` the path names, as this container has it cached.
async fn cached_in_path(state: &AppState, req: &Request, org: OrgId, kind: Kind) -> Result<(Table, Source), ApiError> {
    match kind {
        Kind::Object => object_in_path(state, req, org).await,
        Kind::List => {
            let raw = path_param(req, "list")?;
            cached_table_of_kind(state, org, raw, Kind::List, || list_not_found(raw)).await
        }
    }
}

fn list_not_found(raw: &str) -> ApiError {
    ApiError::not_found(format!("List with slug/ID \"{raw}\" not found."))
}

/// The field `{attribute}` names, by slug or by id, where a record's values are read or
/// written: an archived attribute is not found.
pub(crate) fn attribute_in_path<'t>(req: &Request, table: &'t Table) -> Result<&'t FieldDef, ApiError> {
    let raw = path_param(req, "attribute")?;
    table.field_named(raw).ok_or_else(|| attribute_not_found(raw, table))
}

/// The field `{attribute}` names, archived or not: the attribute routes show an archived
/// attribute, change its options, and unarchive it.
pub(crate) fn any_attribute_in_path<'t>(req: &Request, table: &'t Table) -> Result<&'t FieldDef, ApiError> {
    let raw = path_param(req, "attribute")?;
    table
        .field_named_with_archived(raw)
        .ok_or_else(|| attribute_not_found(raw, table))
}

fn attribute_not_found(raw: &str, table: &Table) -> ApiError {
    ApiError::not_found(format!(
        "Attribute with slug or ID \"{raw}\" not found on \"{}\"",
        table.api_slug
    ))
}

/// Attio's `{"data": record}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordResponse {
    pub data: RecordBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordBody {
    pub id: RecordIdBody,
    /// When the record was created, in Attio's form (nanoseconds, UTC).
    pub created_at: String,
    /// The record's page in the app (`APP_BASE_URL`).
    pub web_url: String,
    /// `<RECORD_PREFIX>-<n>`, n counting from 1 per table.
    pub display_id: String,
    /// Every attribute of the object, each an array of its active value objects.
    pub values: Map<String, Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordIdBody {
    /// The organization's workspace UUID ([`OrgId::workspace_id`]).
    pub workspace_id: String,
    pub object_id: String,
    pub record_id: String,
}

impl RecordResponse {
    pub fn new(app_url: &AppBase, table: &Table, record: &Record) -> Self {
        let workspace_id = OrgId(record.org_id).workspace_id();
        let values = shown_values(table, record);
        Self {
            data: RecordBody {
                id: RecordIdBody {
                    workspace_id: workspace_id.to_string(),
                    object_id: table.id.clone(),
                    record_id: record.id.clone(),
                },
                created_at: record.created_at.clone(),
                web_url: app_url.record(&workspace_id, &table.api_slug, &record.id),
                display_id: format!("{}-{}", table.record_prefix, record.number),
                values,
            },
        }
    }
}

/// Every active attribute of `table` (but a list's parent record, which an entry shows as
/// `parent_record_id`), each an array of the record's active value objects.
fn shown_values(table: &Table, record: &Record) -> Map<String, Value> {
    let workspace_id = OrgId(record.org_id).workspace_id();
    table
        .ordered_fields()
        .into_iter()
        .filter(|field| !(table.is_list() && field.id == table.display_field_id))
        .map(|field| {
            let entries: Vec<Value> = record
                .active(&field.id)
                .map(|entry| Value::Object(shown_value(&workspace_id, table, field, entry)))
                .collect();
            (field.key.clone(), Value::Array(entries))
        })
        .collect()
}

/// Attio's `{"data": entry}`: a list's entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryResponse {
    pub data: EntryBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryBody {
    pub id: EntryIdBody,
    /// The record the entry is about.
    pub parent_record_id: String,
    /// Its object's api_slug.
    pub parent_object: String,
    /// When the entry was made, in Attio's form (nanoseconds, UTC).
    pub created_at: String,
    /// Every attribute of the list, each an array of its active value objects.
    pub entry_values: Map<String, Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryIdBody {
    pub workspace_id: String,
    pub list_id: String,
    pub entry_id: String,
}

impl EntryBody {
    /// `record`, an entry of `list` (a list's table).
    pub fn new(list: &Table, record: &Record) -> Self {
        Self {
            id: EntryIdBody {
                workspace_id: OrgId(record.org_id).workspace_id().to_string(),
                list_id: list.id.clone(),
                entry_id: record.id.clone(),
            },
            parent_record_id: crate::domain::list::parent_of(list, record)
                .unwrap_or_default()
                .to_string(),
            parent_object: list
                .list
                .as_ref()
                .map(|l| l.parent_api_slug.clone())
                .unwrap_or_default(),
            created_at: record.created_at.clone(),
            entry_values: shown_values(list, record),
        }
    }
}

impl Kind {
    /// What a table's records are: an object's records, or a list's entries.
    pub(crate) fn of(table: &Table) -> Self {
        if table.is_list() {
            Kind::List
        } else {
            Kind::Object
        }
    }

    /// The path parameter that names one of its records.
    pub(crate) fn id_param(self) -> &'static str {
        match self {
            Kind::Object => "record_id",
            Kind::List => "entry_id",
        }
    }

    /// Where a body sends a record's values.
    pub(crate) fn values_at(self) -> &'static str {
        match self {
            Kind::Object => "data.values",
            Kind::List => "data.entry_values",
        }
    }

    /// What its records are called in messages.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Object => "record",
            Kind::List => "entry",
        }
    }
}

/// A record answered as its table's kind shows it: Attio's record, or a list's entry.
pub(crate) fn record_shown(app_url: &AppBase, table: &Table, record: &Record) -> Response<Body> {
    use lambda_http::http::StatusCode;
    match Kind::of(table) {
        Kind::Object => crate::http::json_response(StatusCode::OK, &RecordResponse::new(app_url, table, record)),
        Kind::List => crate::http::json_response(
            StatusCode::OK,
            &EntryResponse {
                data: EntryBody::new(table, record),
            },
        ),
    }
}

/// A stored value object as Attio shows it: a select option or a status with its full id,
/// `is_archived` and (a status) its settings, from the current definition (stored as id
/// and title only, so a renamed one shows its new title); everything else as stored.
pub(crate) fn shown_value(
    workspace_id: &uuid::Uuid,
    table: &Table,
    field: &FieldDef,
    entry: &Map<String, Value>,
) -> Map<String, Value> {
    let mut shown = entry.clone();
    for key in ["option", "status"] {
        let Some(Value::Object(stored)) = entry.get(key) else {
            continue;
        };
        let id = stored.get("id").and_then(Value::as_str).unwrap_or_default();
        let current = field.options.iter().find(|o| o.id == id);
        let title = current
            .map(|o| Value::String(o.title.clone()))
            .or_else(|| stored.get("title").cloned())
            .unwrap_or(Value::Null);
        let mut choice = serde_json::json!({
            "id": {
                "workspace_id": workspace_id.to_string(),
                "object_id": table.id,
                "attribute_id": field.id,
                format!("{key}_id"): id,
            },
            "title": title,
            "is_archived": current.is_none_or(|o| o.archived),
        });
        if key == "status" {
            choice["celebration_enabled"] = Value::Bool(current.is_some_and(|o| o.celebration_enabled));
            choice["target_time_in_status"] = current
                .and_then(|o| o.target_time_in_status.clone())
                .map_or(Value::Null, Value::String);
        }
        shown.insert(key.to_string(), choice);
    }
    shown
}
