//! Attio's notes (docs.attio.com, rest-api/endpoint-reference/notes): list, create, get and
//! delete, in the shapes of Attio's OpenAPI and of its TypeScript SDK's `Note`. A note
//! belongs to one record (`parent_object`, `parent_record_id`); its content is shown as
//! plain text and as Markdown, whichever it was written in (`domain::note`).

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::note::NoteData;
use crate::domain::organization::OrgId;
use crate::domain::table::TableRef;
use crate::endpoints::common::attio::object_named;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param};
use crate::state::AppState;
use crate::store::notes::{Note, NoteDraft};
use crate::store::records::Actor;
use crate::store::Missing;

/// A note's id, as Attio nests it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteIdBody {
    pub workspace_id: String,
    pub note_id: String,
}

/// Who made the note: the API key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteActor {
    /// `api-token`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
}

/// A note as Attio answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteBody {
    pub id: NoteIdBody,
    /// The parent object's slug.
    pub parent_object: String,
    pub parent_record_id: String,
    pub title: String,
    /// Always `null`: no meetings here.
    #[schema(value_type = Option<String>)]
    pub meeting_id: Option<String>,
    pub content_plaintext: String,
    pub content_markdown: String,
    /// Always empty: no mentions are kept.
    #[schema(value_type = Vec<Object>)]
    pub tags: Vec<serde_json::Value>,
    pub created_by_actor: NoteActor,
    pub created_at: String,
}

impl NoteBody {
    fn new(org: OrgId, slug: &str, note: Note) -> Self {
        Self {
            id: NoteIdBody {
                workspace_id: org.workspace_id().to_string(),
                note_id: note.note_id,
            },
            parent_object: slug.to_string(),
            parent_record_id: note.record_id,
            title: note.title,
            meeting_id: None,
            content_plaintext: note.content_plaintext,
            content_markdown: note.content_markdown,
            tags: Vec::new(),
            created_by_actor: NoteActor {
                kind: "api-token",
                id: note.created_by,
            },
            created_at: note.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteResponse {
    pub data: NoteBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteList {
    pub data: Vec<NoteBody>,
}

/// Attio's answer to a delete: `{}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedNote {}

/// Each table's slug by id, for notes of any table.
async fn slugs(state: &AppState, org: OrgId) -> Result<BTreeMap<String, String>, ApiError> {
    Ok(state
        .store
        .tables(org)
        .await?
        .into_iter()
        .map(|t| (t.id, t.api_slug))
        .collect())
}

/// `GET /v2/notes`: `limit` (default 10, at most 50) and `offset`, in the order the notes
/// were made; `parent_object` with `parent_record_id`, a record's notes only.
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 10, 50)?;
    let org = principal.org_id;
    let parent_object = query_param(&req, "parent_object")?;
    let parent_record = query_param(&req, "parent_record_id")?;
    let data = match (parent_object, parent_record) {
        (None, None) => {
            let slugs = slugs(state, org).await?;
            state
                .store
                .notes(org, limit, offset)
                .await?
                .into_iter()
                .filter_map(|n| {
                    let slug = slugs.get(&n.table_id)?.clone();
                    Some(NoteBody::new(org, &slug, n))
                })
                .collect()
        }
        (Some(raw), Some(record_id)) => {
            let table = object_named(state, org, raw).await?;
            match uuid::Uuid::try_parse(record_id) {
                // An id no record can have has no notes.
                Err(_) => Vec::new(),
                Ok(id) => state
                    .store
                    .record_notes(org, &id.hyphenated().to_string(), limit, offset)
                    .await?
                    .into_iter()
                    .filter(|n| n.table_id == table.id)
                    .map(|n| NoteBody::new(org, &table.api_slug, n))
                    .collect(),
            }
        }
        _ => {
            return Err(ApiError::validation(
                "`parent_object` and `parent_record_id` go together: send both or neither",
            ))
        }
    };
    Ok(json_response(StatusCode::OK, &NoteList { data }))
}

/// `POST /v2/notes`.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let actor = Actor::now(&principal.key_id);
    let new = json_body::<NoteData>(&req)?.data()?.parse(actor.now)?;
    let org = principal.org_id;
    let table = object_named(state, org, &new.parent_object).await?;
    let draft = NoteDraft {
        table_id: &table.id,
        record_id: &new.parent_record_id,
        title: &new.title,
        content: &new.content,
        created_at: new.created_at.unwrap_or(actor.now).nanos(),
    };
    let note = state
        .store
        .create_note(org, draft, actor)
        .await
        .map_err(|e| missing_record(e, &new.parent_record_id))?;
    let data = NoteBody::new(org, &table.api_slug, note);
    Ok(json_response(StatusCode::OK, &NoteResponse { data }))
}

/// The store's 404 for a parent record, in Attio's words.
fn missing_record(error: crate::store::StoreError, record_id: &str) -> ApiError {
    match error {
        crate::store::StoreError::NotFound(Missing::Record { .. }) => {
            ApiError::not_found(format!("Record with ID \"{record_id}\" not found"))
        }
        other => other.into(),
    }
}

/// The note `{note_id}` names in `org`, or Attio's 404.
async fn note_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<Note, ApiError> {
    let raw = path_param(req, "note_id")?;
    let missing = || ApiError::from(crate::store::StoreError::from(Missing::Note(raw.to_string())));
    let id = uuid::Uuid::try_parse(raw).map_err(|_| missing())?;
    state
        .store
        .note(org, &id.hyphenated().to_string())
        .await?
        .ok_or_else(missing)
}

/// `GET /v2/notes/{note_id}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let note = note_in_path(state, &req, org).await?;
    let table = TableRef::Id(note.table_id.clone());
    let slug = state
        .store
        .table(org, &table)
        .await?
        .map(|t| t.api_slug)
        .unwrap_or_default();
    let data = NoteBody::new(org, &slug, note);
    Ok(json_response(StatusCode::OK, &NoteResponse { data }))
}

/// `DELETE /v2/notes/{note_id}`: `{}`.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let note = note_in_path(state, &req, org).await?;
    state
        .store
        .delete_note(org, &note, Actor::now(&principal.key_id))
        .await?;
    Ok(json_response(StatusCode::OK, &DeletedNote {}))
}
