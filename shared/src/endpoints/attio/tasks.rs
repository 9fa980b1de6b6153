//! Attio's tasks (docs.attio.com, rest-api/endpoint-reference/tasks): list, create, get,
//! update and delete, in the shapes of Attio's OpenAPI and of its TypeScript SDK's `Task`.
//! A task links to records of the workspace (each checked in the write's transaction) and
//! is assigned to its members (by member id or email address); `store::tasks` keeps them.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::task::{LinkName, TaskData};
use crate::domain::user::MemberName;
use crate::endpoints::common::attio::object_named;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param, query_param};
use crate::state::AppState;
use crate::store::records::Actor;
use crate::store::tasks::{Task, TaskRefused};
use crate::store::{Change, Missing, StoreError};
use crate::time::Timestamp;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskIdBody {
    pub workspace_id: String,
    pub task_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkedRecordBody {
    pub target_object_id: String,
    pub target_record_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssigneeBody {
    /// `workspace-member`.
    pub referenced_actor_type: &'static str,
    pub referenced_actor_id: String,
}

/// Who made the task: the API key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskActor {
    /// `api-token`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
}

/// A task as Attio answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskBody {
    pub id: TaskIdBody,
    pub content_plaintext: String,
    pub deadline_at: Option<String>,
    pub is_completed: bool,
    pub completed_at: Option<String>,
    pub linked_records: Vec<LinkedRecordBody>,
    pub assignees: Vec<AssigneeBody>,
    pub created_by_actor: TaskActor,
    pub created_at: String,
}

impl TaskBody {
    fn new(org: OrgId, task: Task) -> Self {
        Self {
            id: TaskIdBody {
                workspace_id: org.workspace_id().to_string(),
                task_id: task.task_id,
            },
            content_plaintext: task.content,
            deadline_at: task.deadline_at,
            is_completed: task.is_completed,
            completed_at: task.completed_at,
            linked_records: task
                .links
                .into_iter()
                .map(|(record, table)| LinkedRecordBody {
                    target_object_id: table,
                    target_record_id: record,
                })
                .collect(),
            assignees: task
                .assignees
                .iter()
                .map(|user| AssigneeBody {
                    referenced_actor_type: "workspace-member",
                    referenced_actor_id: org.member_id(*user).to_string(),
                })
                .collect(),
            created_by_actor: TaskActor {
                kind: "api-token",
                id: task.created_by,
            },
            created_at: task.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskResponse {
    pub data: TaskBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskList {
    pub data: Vec<TaskBody>,
}

/// Attio's answer to a delete: `{}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedTask {}

/// The records `links` name, as record id → table id: a record named in an object must be
/// one of its records; a bare id, a record of any table here. 404 for one that is not.
async fn found_links(state: &AppState, org: OrgId, links: &[LinkName]) -> Result<BTreeMap<String, String>, ApiError> {
    let mut found = BTreeMap::new();
    for link in links {
        let missing = || ApiError::not_found(format!("Record with ID \"{}\" not found", link.record_id()));
        let table_id = match link {
            LinkName::InObject { object, .. } => object_named(state, org, object).await?.id,
            LinkName::Record(id) => state.store.record_in_org(org, id).await?.ok_or_else(missing)?.table_id,
        };
        found.insert(link.record_id().to_string(), table_id);
    }
    Ok(found)
}

/// The user ids of the members `names` name (by member id or email), in order.
async fn found_assignees(state: &AppState, org: OrgId, names: &[MemberName]) -> Result<Vec<u64>, ApiError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let members = state.store.member_emails(org).await?;
    let mut users = Vec::with_capacity(names.len());
    for name in names {
        let user = name.user_among(org, &members).ok_or_else(|| {
            let named = match name {
                MemberName::Id(id) => format!("the id {id}"),
                MemberName::Email(email) => format!("the email address {email}"),
            };
            ApiError::not_found(format!("No workspace member has {named}"))
        })?;
        if !users.contains(&user) {
            users.push(user);
        }
    }
    Ok(users)
}

/// A refused task write in Attio's words.
fn refused(refusal: TaskRefused) -> ApiError {
    match refusal {
        TaskRefused::MissingRecord(id) => ApiError::not_found(format!("Record with ID \"{id}\" not found")),
        TaskRefused::NotMember(user) => ApiError::not_found(format!(
            "User {user} is no longer a member of this workspace, so the task cannot be assigned to them"
        )),
        // Changed (or gone) since it was read.
        TaskRefused::Changed => StoreError::from(Change::Task).into(),
        TaskRefused::Store(e) => e.into(),
    }
}

/// When a task that is now `is_completed` was completed: kept if it already was.
fn completed_at(before: Option<&Task>, is_completed: bool, now: Timestamp) -> Option<String> {
    match (is_completed, before) {
        (false, _) => None,
        (true, Some(task)) if task.is_completed => task.completed_at.clone(),
        (true, _) => Some(now.nanos()),
    }
}

/// `POST /v2/tasks`.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let actor = Actor::now(&principal.key_id);
    let new = json_body::<TaskData>(&req)?.data()?.parse_new()?;
    let org = principal.org_id;
    let task = Task {
        task_id: uuid::Uuid::now_v7().to_string(),
        org_id: org.0,
        content: new.content,
        deadline_at: new.deadline_at.map(|d| d.nanos()),
        is_completed: new.is_completed,
        completed_at: completed_at(None, new.is_completed, actor.now),
        links: found_links(state, org, &new.links).await?,
        assignees: found_assignees(state, org, &new.assignees).await?,
        created_at: actor.now.nanos(),
        created_by: principal.key_id.clone(),
        version: 1,
    };
    state.store.create_task(org, &task, actor).await.map_err(refused)?;
    Ok(json_response(
        StatusCode::OK,
        &TaskResponse {
            data: TaskBody::new(org, task),
        },
    ))
}

/// The task `{task_id}` names in `org`, or Attio's 404.
async fn task_in_path(state: &AppState, req: &Request, org: OrgId) -> Result<Task, ApiError> {
    let raw = path_param(req, "task_id")?;
    let missing = || ApiError::from(StoreError::from(Missing::Task(raw.to_string())));
    let id = uuid::Uuid::try_parse(raw).map_err(|_| missing())?;
    state
        .store
        .task(org, &id.hyphenated().to_string())
        .await?
        .ok_or_else(missing)
}

/// `GET /v2/tasks/{task_id}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let task = task_in_path(state, &req, principal.org_id).await?;
    Ok(json_response(
        StatusCode::OK,
        &TaskResponse {
            data: TaskBody::new(principal.org_id, task),
        },
    ))
}

/// `PATCH /v2/tasks/{task_id}`: `deadline_at`, `is_completed`, `linked_records` and
/// `assignees`, each replacing what the task had.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let actor = Actor::now(&principal.key_id);
    let patch = json_body::<TaskData>(&req)?.data()?.parse_patch()?;
    let org = principal.org_id;
    let before = task_in_path(state, &req, org).await?;
    let mut after = before.clone();
    if let Some(deadline) = patch.deadline_at {
        after.deadline_at = deadline.map(|d| d.nanos());
    }
    if let Some(is_completed) = patch.is_completed {
        after.is_completed = is_completed;
        after.completed_at = completed_at(Some(&before), is_completed, actor.now);
    }
    if let Some(links) = &patch.links {
        after.links = found_links(state, org, links).await?;
    }
    if let Some(assignees) = &patch.assignees {
        after.assignees = found_assignees(state, org, assignees).await?;
    }
    state
        .store
        .update_task(org, &before, &after, actor)
        .await
        .map_err(refused)?;
    Ok(json_response(
        StatusCode::OK,
        &TaskResponse {
            data: TaskBody::new(org, after),
        },
    ))
}

/// `DELETE /v2/tasks/{task_id}`: `{}`.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let task = task_in_path(state, &req, org).await?;
    state
        .store
        .delete_task(org, &task, Actor::now(&principal.key_id))
        .await
        .map_err(|e| match e {
            TaskRefused::Changed => StoreError::from(Missing::Task(task.task_id.clone())).into(),
            other => refused(other),
        })?;
    Ok(json_response(StatusCode::OK, &DeletedTask {}))
}

/// `GET /v2/tasks`: `limit` (default 500) and `offset`; `sort` (`created_at:asc`, the
/// default, `created_at:desc`, `completed_at:asc`, `completed_at:desc`); `linked_object`
/// with `linked_record_id`, `assignee` (a member id or email; empty or `null`: none) and
/// `is_completed` filter.
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 500, 500)?;
    let org = principal.org_id;
    let query = TaskQuery::parse(&req)?;
    let plain = query.is_plain();
    let mut tasks = match (
        query_param(&req, "linked_object")?,
        query_param(&req, "linked_record_id")?,
    ) {
        (Some(object), Some(record_id)) => {
            let table = object_named(state, org, object).await?;
            match uuid::Uuid::try_parse(record_id) {
                Err(_) => Vec::new(),
                Ok(id) => {
                    let id = id.hyphenated().to_string();
                    let mut tasks = state.store.record_tasks(org, &id).await?;
                    tasks.retain(|t| t.links.get(&id) == Some(&table.id));
                    tasks
                }
            }
        }
        (None, None) if plain => state.store.tasks(org, offset.saturating_add(limit)).await?,
        (None, None) => state.store.tasks(org, usize::MAX).await?,
        _ => {
            return Err(ApiError::validation(
                "`linked_object` and `linked_record_id` go together: send both or neither",
            ))
        }
    };
    let assignee = match &query.assignee {
        Some(Some(name)) => Some(Some(found_assignees(state, org, std::slice::from_ref(name)).await?[0])),
        Some(None) => Some(None),
        None => None,
    };
    tasks.retain(|t| query.is_completed.is_none_or(|done| t.is_completed == done));
    tasks.retain(|t| match assignee {
        None => true,
        Some(None) => t.assignees.is_empty(),
        Some(Some(user)) => t.assignees.contains(&user),
    });
    query.sort(&mut tasks);
    let data = tasks
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|t| TaskBody::new(org, t))
        .collect();
    Ok(json_response(StatusCode::OK, &TaskList { data }))
}

/// The list's order and filters but the linked record.
struct TaskQuery {
    sort: TaskSort,
    is_completed: Option<bool>,
    /// `Some(None)`: tasks with no assignee.
    assignee: Option<Option<MemberName>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskSort {
    CreatedAsc,
    CreatedDesc,
    CompletedAsc,
    CompletedDesc,
}

impl TaskQuery {
    fn parse(req: &Request) -> Result<Self, ApiError> {
        let sort = match query_param(req, "sort")? {
            None | Some("created_at:asc") => TaskSort::CreatedAsc,
            Some("created_at:desc") => TaskSort::CreatedDesc,
            Some("completed_at:asc") => TaskSort::CompletedAsc,
            Some("completed_at:desc") => TaskSort::CompletedDesc,
            Some(other) => {
                return Err(ApiError::validation(format!(
                "`sort` must be created_at:asc, created_at:desc, completed_at:asc or completed_at:desc, not `{other}`"
            )))
            }
        };
        let is_completed = match query_param(req, "is_completed")? {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(ApiError::validation(format!(
                    "`is_completed` must be true or false, not `{other}`"
                )))
            }
        };
        let assignee = match query_param(req, "assignee")? {
            None => None,
            Some("") | Some("null") => Some(None),
            Some(raw) => Some(Some(match uuid::Uuid::try_parse(raw) {
                Ok(id) => MemberName::Id(id),
                Err(_) => MemberName::Email(raw.trim().to_string()),
            })),
        };
        Ok(Self {
            sort,
            is_completed,
            assignee,
        })
    }

    /// Whether the list is the tasks in the order made, unfiltered: then only a page's
    /// worth is read.
    fn is_plain(&self) -> bool {
        self.sort == TaskSort::CreatedAsc && self.is_completed.is_none() && self.assignee.is_none()
    }

    /// Attio's orders: by creation, or by completion with the incomplete first (ascending)
    /// or last (descending); ties in the order made.
    fn sort(&self, tasks: &mut [Task]) {
        match self.sort {
            TaskSort::CreatedAsc => tasks.sort_by(|a, b| a.task_id.cmp(&b.task_id)),
            TaskSort::CreatedDesc => tasks.sort_by(|a, b| b.task_id.cmp(&a.task_id)),
            TaskSort::CompletedAsc => {
                tasks.sort_by(|a, b| (&a.completed_at, &a.task_id).cmp(&(&b.completed_at, &b.task_id)))
            }
            TaskSort::CompletedDesc => tasks.sort_by(|a, b| {
                let key = |t: &Task| (t.completed_at.is_none(), std::cmp::Reverse(t.completed_at.clone()));
                (key(a), &a.task_id).cmp(&(key(b), &b.task_id))
            }),
        }
    }
}
