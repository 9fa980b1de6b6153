//! Attio's tasks (docs.attio.com, rest-api/endpoint-reference/tasks; the shapes of
//! attio-ts-sdk's `Task` and `PostV2TasksData`): plain-text content, a deadline, whether it
//! is done, the records it links to and the workspace members it is assigned to. The links
//! and assignees are names here; the endpoint finds them.

use serde::Deserialize;
use serde_json::Value;

use super::user::MemberName;
use super::{required, Invalid};
use crate::time::Timestamp;

/// Attio's bound on a task's content, in characters.
pub const MAX_CONTENT_CHARS: usize = 2_000;
/// The most records one task links to (Attio documents none; a task's write checks each
/// in its one transaction).
pub const MAX_LINKED_RECORDS: usize = 20;
/// The most members one task is assigned to (as for links).
pub const MAX_ASSIGNEES: usize = 20;

/// The body's `data` of `POST /v2/tasks` and `PATCH /v2/tasks/{task_id}`, as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskInput {
    /// Plain text, at most 2,000 characters (create only).
    #[schema(value_type = Option<String>)]
    pub content: Option<Value>,
    /// `plaintext` (create only).
    #[schema(value_type = Option<String>, example = "plaintext")]
    pub format: Option<Value>,
    /// An ISO 8601 timestamp, or null (sent: null is no deadline, not "unchanged").
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub deadline_at: Option<Option<Value>>,
    #[schema(value_type = Option<bool>)]
    pub is_completed: Option<Value>,
    /// `[{target_object, target_record_id}]` (the object's slug or id), or record ids.
    #[schema(value_type = Option<Vec<Object>>)]
    pub linked_records: Option<Value>,
    /// `[{referenced_actor_type: "workspace-member", referenced_actor_id}]` or
    /// `[{workspace_member_email_address}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub assignees: Option<Value>,
}

data_input! {
    /// `{"data": {...}}`.
    TaskData(TaskInput);
}

/// A record a task links to, as named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkName {
    /// `{target_object, target_record_id}`: the object's slug or id, the record's id.
    InObject { object: String, record_id: String },
    /// A bare record id: the record, in whichever object it is.
    Record(String),
}

impl LinkName {
    pub fn record_id(&self) -> &str {
        match self {
            LinkName::InObject { record_id, .. } | LinkName::Record(record_id) => record_id,
        }
    }
}

/// A new task, valid by construction; its links and assignees are still names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub content: String,
    pub deadline_at: Option<Timestamp>,
    pub is_completed: bool,
    pub links: Vec<LinkName>,
    pub assignees: Vec<MemberName>,
}

/// A valid change to a task: what is sent replaces what was (`None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    pub deadline_at: Option<Option<Timestamp>>,
    pub is_completed: Option<bool>,
    pub links: Option<Vec<LinkName>>,
    pub assignees: Option<Vec<MemberName>>,
}

impl TaskInput {
    /// A create: `content`, `format`, `deadline_at`, `is_completed`, `linked_records` and
    /// `assignees`, all required, as Attio's reference marks them.
    pub fn parse_new(self) -> Result<NewTask, Invalid> {
        let content = match required("data.content", self.content)? {
            Value::String(s) => s,
            _ => return Err(Invalid::value("`data.content` must be a string")),
        };
        check_content(&content)?;
        match required("data.format", self.format)? {
            Value::String(f) if f == "plaintext" => {}
            other => {
                return Err(Invalid::value(format!(
                    "`data.format` must be \"plaintext\" (rich text is not supported), not {other}"
                )))
            }
        }
        Ok(NewTask {
            content,
            deadline_at: deadline(required("data.deadline_at", self.deadline_at)?.unwrap_or(Value::Null))?,
            is_completed: completed(required("data.is_completed", self.is_completed)?)?,
            links: links(required("data.linked_records", self.linked_records)?)?,
            assignees: assignees(required("data.assignees", self.assignees)?)?,
        })
    }

    /// A change: `deadline_at`, `is_completed`, `linked_records`, `assignees`; the content
    /// cannot change (as in Attio).
    pub fn parse_patch(self) -> Result<TaskPatch, Invalid> {
        if self.content.is_some() || self.format.is_some() {
            return Err(Invalid::value(
                "`data.content` and `data.format` cannot be changed once the task exists",
            ));
        }
        Ok(TaskPatch {
            deadline_at: self
                .deadline_at
                .map(|d| deadline(d.unwrap_or(Value::Null)))
                .transpose()?,
            is_completed: self.is_completed.map(completed).transpose()?,
            links: self.linked_records.map(links).transpose()?,
            assignees: self.assignees.map(assignees).transpose()?,
        })
    }
}

fn check_content(content: &str) -> Result<(), Invalid> {
    let chars = content.chars().count();
    if chars > MAX_CONTENT_CHARS {
        return Err(Invalid::value(format!(
            "`data.content` must be at most {MAX_CONTENT_CHARS} characters; it has {chars}"
        )));
    }
    if content
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Invalid::value(
            "`data.content` must not contain control characters but line breaks and tabs",
        ));
    }
    Ok(())
}

fn deadline(raw: Value) -> Result<Option<Timestamp>, Invalid> {
    match raw {
        Value::Null => Ok(None),
        Value::String(s) => Timestamp::parse_attio(&s).map(Some).ok_or_else(|| {
            Invalid::value(format!(
                "`data.deadline_at` must be an ISO 8601 timestamp or null, not \"{s}\""
            ))
        }),
        _ => Err(Invalid::value(
            "`data.deadline_at` must be an ISO 8601 timestamp or null",
        )),
    }
}

fn completed(raw: Value) -> Result<bool, Invalid> {
    raw.as_bool()
        .ok_or_else(|| Invalid::value("`data.is_completed` must be true or false"))
}

/// A list of at most `max` items at `path`.
fn list(raw: Value, path: &str, max: usize) -> Result<Vec<Value>, Invalid> {
    match raw {
        Value::Array(items) if items.len() <= max => Ok(items),
        Value::Array(items) => Err(Invalid::value(format!(
            "`{path}` may hold at most {max} items; it has {}",
            items.len()
        ))),
        _ => Err(Invalid::value(format!("`{path}` must be a list"))),
    }
}

fn record_id(raw: &str, path: &str) -> Result<String, Invalid> {
    uuid::Uuid::try_parse(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Invalid::value(format!("`{path}` must be a record id (a uuid), not \"{raw}\"")))
}

fn links(raw: Value) -> Result<Vec<LinkName>, Invalid> {
    let form = "{\"target_object\": <object slug or id>, \"target_record_id\": <record id>} or a record id";
    let mut links: Vec<LinkName> = Vec::new();
    for (i, item) in list(raw, "data.linked_records", MAX_LINKED_RECORDS)?
        .into_iter()
        .enumerate()
    {
        let path = format!("data.linked_records[{i}]");
        let link = match &item {
            Value::String(id) => LinkName::Record(record_id(id, &path)?),
            Value::Object(o) => match (o.get("target_object"), o.get("target_record_id")) {
                (Some(Value::String(object)), Some(Value::String(id))) if o.len() == 2 => LinkName::InObject {
                    object: object.clone(),
                    record_id: record_id(id, &format!("{path}.target_record_id"))?,
                },
                (Some(_), None) => {
                    return Err(Invalid::value(format!(
                        "`{path}`: a record is linked by its id here (target_record_id); matching by another attribute is not supported"
                    )))
                }
                _ => return Err(Invalid::value(format!("`{path}` must be {form}"))),
            },
            _ => return Err(Invalid::value(format!("`{path}` must be {form}"))),
        };
        if !links.iter().any(|l| l.record_id() == link.record_id()) {
            links.push(link);
        }
    }
    Ok(links)
}

fn assignees(raw: Value) -> Result<Vec<MemberName>, Invalid> {
    let form = "{\"referenced_actor_type\": \"workspace-member\", \"referenced_actor_id\": <member id>} or {\"workspace_member_email_address\": <email>}";
    let mut named: Vec<MemberName> = Vec::new();
    for (i, item) in list(raw, "data.assignees", MAX_ASSIGNEES)?.into_iter().enumerate() {
        let path = format!("data.assignees[{i}]");
        let Value::Object(o) = &item else {
            return Err(Invalid::value(format!("`{path}` must be {form}")));
        };
        let name = if let (1, Some(Value::String(email))) = (o.len(), o.get("workspace_member_email_address")) {
            MemberName::Email(email.trim().to_string())
        } else {
            let member = o.get("referenced_actor_type").and_then(Value::as_str) == Some("workspace-member");
            let id = o
                .get("referenced_actor_id")
                .and_then(Value::as_str)
                .and_then(|id| uuid::Uuid::try_parse(id).ok());
            match (member, id, o.len()) {
                (true, Some(id), 2) => MemberName::Id(id),
                _ => return Err(Invalid::value(format!("`{path}` must be {form}"))),
            }
        };
        if !named.contains(&name) {
            named.push(name);
        }
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RECORD: &str = "0b9c7a4e-6f1d-4c2b-9e3a-5d8f7a6b4c21";

    fn new(data: Value) -> Result<NewTask, Invalid> {
        serde_json::from_value::<TaskInput>(data).unwrap().parse_new()
    }

    fn base() -> Value {
        json!({"content": "Call back", "format": "plaintext", "deadline_at": null, "is_completed": false,
            "linked_records": [], "assignees": []})
    }

    fn with(key: &str, value: Value) -> Value {
        let mut data = base();
        data[key] = value;
        data
    }

    #[test]
    fn the_sdks_create_parses() {
        let task = new(json!({
            "content": "Follow up", "format": "plaintext", "deadline_at": "2026-12-24T17:00:00Z",
            "is_completed": false,
            "linked_records": [{"target_object": "companies", "target_record_id": RECORD}, RECORD],
            "assignees": [{"referenced_actor_type": "workspace-member", "referenced_actor_id": RECORD},
                {"workspace_member_email_address": "ada@example.com"}]
        }))
        .unwrap();
        assert_eq!(task.content, "Follow up");
        assert!(task.deadline_at.is_some());
        assert_eq!(task.links.len(), 1, "the same record twice is one link");
        assert_eq!(task.assignees.len(), 2);
    }

    #[test]
    fn bad_tasks_are_refused_naming_the_field() {
        let many = |n: usize| Value::Array((0..n).map(|_| json!(uuid::Uuid::new_v4().to_string())).collect());
        let cases = [
            (
                with("content", json!("x".repeat(MAX_CONTENT_CHARS + 1))),
                "at most 2000",
            ),
            (with("content", json!(7)), "data.content"),
            (with("content", json!("bell\u{7}")), "control"),
            (with("format", json!("markdown")), "plaintext"),
            (with("deadline_at", json!("tomorrow")), "ISO 8601"),
            (with("is_completed", json!("yes")), "true or false"),
            (with("linked_records", json!("r")), "must be a list"),
            (with("linked_records", many(MAX_LINKED_RECORDS + 1)), "at most 20"),
            (with("linked_records", json!(["not-a-uuid"])), "record id"),
            (
                with(
                    "linked_records",
                    json!([{"target_object": "people", "email_addresses": ["a@b.c"]}]),
                ),
                "not supported",
            ),
            (
                with(
                    "assignees",
                    json!([{"referenced_actor_type": "api-token", "referenced_actor_id": RECORD}]),
                ),
                "workspace-member",
            ),
            (
                with("assignees", json!(["ada@example.com"])),
                "workspace_member_email_address",
            ),
            (json!({"content": "c", "format": "plaintext"}), "data.deadline_at"),
        ];
        for (data, says) in cases {
            let err = new(data.clone()).unwrap_err();
            assert!(err.to_string().contains(says), "{data}: {err}");
        }
        assert_eq!(
            new(with("content", json!("x".repeat(MAX_CONTENT_CHARS)))).map(|t| t.content.len()),
            Ok(2000)
        );
    }

    #[test]
    fn a_patch_changes_what_it_sends_and_never_the_content() {
        let patch = |data: Value| serde_json::from_value::<TaskInput>(data).unwrap().parse_patch();
        let changed = patch(json!({"is_completed": true, "deadline_at": null})).unwrap();
        assert_eq!(changed.is_completed, Some(true));
        assert_eq!(changed.deadline_at, Some(None));
        assert_eq!((changed.links, changed.assignees), (None, None));
        assert!(patch(json!({"content": "new"}))
            .unwrap_err()
            .to_string()
            .contains("cannot be changed"));
        assert_eq!(patch(json!({})).unwrap(), TaskPatch::default());
    }
}
