//! Attio's lists: a list is a table with a parent object, its entries records of it
//! (docs/data-model.md, "Attio's lists and entries"). This module parses what makes and
//! changes one: `POST /v2/lists` and `PATCH /v2/lists/{list}` (docs.attio.com, "Create a
//! list", "Update a list"; Attio's OpenAPI, `list`).
//!
//! Who may see a list is stored as given and shown back (`workspace_access`,
//! `workspace_member_access`); an API key of the organization reads and writes every list,
//! as it does every object, so no route checks it.

use serde::Deserialize;

pub use super::list_def::{AccessLevel, ListAccess, ListDef, MemberAccess};
use super::record::{reference_target, Record};
use super::table::{ApiSlug, Table, TableName};
use super::{required, Invalid};

/// The key of the field every list has: its entry's parent record, a reference to a
/// record of the parent object, required, set by the entry's create and never changed.
pub const PARENT_RECORD_KEY: &str = "parent_record";

/// The record an entry's parent record is, if `record` (a record of `list`, a list's
/// table) has one: its `parent_record` value's target.
pub fn parent_of<'r>(list: &Table, record: &'r Record) -> Option<&'r str> {
    record
        .active(&list.display_field_id)
        .find_map(|value| reference_target(value))
}

/// One entry of `workspace_member_access` as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MemberAccessInput {
    #[schema(value_type = String, format = "uuid")]
    pub workspace_member_id: Option<String>,
    #[schema(value_type = String)]
    pub level: Option<String>,
}

data_input! {
    /// `{"data": {...}}` of `POST /v2/lists`.
    CreateListBody(CreateListData);
    /// `{"data": {...}}` of `PATCH /v2/lists/{list}`.
    UpdateListBody(UpdateListData);
}

/// The `data` of `POST /v2/lists` (every key required; `workspace_access` may be null).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateListData {
    #[schema(required = true, value_type = String)]
    pub name: Option<String>,
    #[schema(required = true, value_type = String, pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub api_slug: Option<String>,
    /// The parent object's api_slug or id.
    #[schema(required = true, value_type = String)]
    pub parent_object: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(required = true, value_type = Option<String>)]
    pub workspace_access: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::optional_objects")]
    #[schema(required = true, value_type = Vec<MemberAccessInput>)]
    pub workspace_member_access: Option<Vec<MemberAccessInput>>,
}

/// The `data` of `PATCH /v2/lists/{list}` (every key optional).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateListData {
    #[schema(value_type = Option<String>)]
    pub name: Option<String>,
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub api_slug: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub workspace_access: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::optional_objects")]
    #[schema(value_type = Option<Vec<MemberAccessInput>>)]
    pub workspace_member_access: Option<Vec<MemberAccessInput>>,
    /// Refused: Attio changes a list's parent object only in its app.
    #[schema(value_type = Option<String>)]
    pub parent_object: Option<serde_json::Value>,
}

/// A valid new list, its parent object still a name to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewList {
    pub name: TableName,
    pub api_slug: ApiSlug,
    pub parent_object: String,
    pub access: ListAccess,
}

/// A valid change to a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPatch {
    pub name: Option<TableName>,
    pub api_slug: Option<ApiSlug>,
    pub workspace_access: Option<Option<AccessLevel>>,
    pub workspace_member_access: Option<Vec<MemberAccess>>,
}

impl ListPatch {
    /// The access the list has once this patch applies to `current`, checked against
    /// Attio's rule; `None` when the patch leaves access alone.
    pub fn access_after(&self, current: &ListAccess) -> Result<Option<ListAccess>, Invalid> {
        if self.workspace_access.is_none() && self.workspace_member_access.is_none() {
            return Ok(None);
        }
        let access = ListAccess {
            workspace_access: self.workspace_access.unwrap_or(current.workspace_access),
            workspace_member_access: self
                .workspace_member_access
                .clone()
                .unwrap_or_else(|| current.workspace_member_access.clone()),
        };
        access.check_someone_has_full_access()?;
        Ok(Some(access))
    }
}

fn workspace_access(raw: Option<String>) -> Result<Option<AccessLevel>, Invalid> {
    raw.map(|level| AccessLevel::parse("data.workspace_access", &level))
        .transpose()
}

fn member_access(raw: Vec<MemberAccessInput>) -> Result<Vec<MemberAccess>, Invalid> {
    let mut members: Vec<MemberAccess> = Vec::with_capacity(raw.len());
    for (i, entry) in raw.into_iter().enumerate() {
        let field = format!("data.workspace_member_access[{i}]");
        let id = required(&format!("{field}.workspace_member_id"), entry.workspace_member_id)?;
        let level = required(&format!("{field}.level"), entry.level)?;
        let level = AccessLevel::parse(&format!("{field}.level"), &level)?;
        if members.iter().any(|m| m.workspace_member_id == id) {
            return Err(Invalid::value(format!("`{field}`: the member is named twice")));
        }
        members.push(MemberAccess {
            workspace_member_id: id,
            level,
        });
    }
    Ok(members)
}

impl CreateListData {
    pub fn parse(self) -> Result<NewList, Invalid> {
        let name = TableName::parse("data.name", &required("data.name", self.name)?)?;
        let api_slug = ApiSlug::parse("data.api_slug", &required("data.api_slug", self.api_slug)?)?;
        let parent_object = required("data.parent_object", self.parent_object)?;
        let workspace = required("data.workspace_access", self.workspace_access)?;
        let members = required("data.workspace_member_access", self.workspace_member_access)?;
        let access = ListAccess {
            workspace_access: workspace_access(workspace)?,
            workspace_member_access: member_access(members)?,
        };
        access.check_someone_has_full_access()?;
        Ok(NewList {
            name,
            api_slug,
            parent_object,
            access,
        })
    }
}

impl UpdateListData {
    pub fn parse(self) -> Result<ListPatch, Invalid> {
        if self.parent_object.is_some() {
            return Err(Invalid::value(
                "A list's parent object cannot be changed through the API (`data.parent_object`)",
            ));
        }
        Ok(ListPatch {
            name: self.name.map(|n| TableName::parse("data.name", &n)).transpose()?,
            api_slug: self.api_slug.map(|s| ApiSlug::parse("data.api_slug", &s)).transpose()?,
            workspace_access: self.workspace_access.map(workspace_access).transpose()?,
            workspace_member_access: self.workspace_member_access.map(member_access).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn create(body: serde_json::Value) -> Result<NewList, Invalid> {
        serde_json::from_value::<CreateListData>(body)
            .expect("the shape")
            .parse()
    }

    #[test]
    fn a_new_list_needs_every_key_and_someone_with_full_access() {
        let member = "50cf242c-7fa3-4cad-87d0-75b1af71c57b";
        let cases = [
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_access": "full-access", "workspace_member_access": []}),
                Ok(Some(AccessLevel::FullAccess)),
            ),
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_access": null, "workspace_member_access": [{"workspace_member_id": member, "level": "full-access"}]}),
                Ok(None),
            ),
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_access": "read-only", "workspace_member_access": []}),
                Err("full-access"),
            ),
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_member_access": []}),
                Err("`data.workspace_access` is required"),
            ),
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_access": "full-access"}),
                Err("`data.workspace_member_access` is required"),
            ),
            (
                json!({"name": "Sales", "api_slug": "Sales!", "parent_object": "people", "workspace_access": "full-access", "workspace_member_access": []}),
                Err("data.api_slug"),
            ),
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_access": "everyone", "workspace_member_access": []}),
                Err("data.workspace_access"),
            ),
            (
                json!({"name": "Sales", "api_slug": "sales", "parent_object": "people", "workspace_access": "full-access", "workspace_member_access": [{"workspace_member_id": member, "level": "full-access"}, {"workspace_member_id": member, "level": "read-only"}]}),
                Err("named twice"),
            ),
        ];
        for (body, expected) in cases {
            let got = create(body.clone());
            match (got, expected) {
                (Ok(list), Ok(workspace)) => assert_eq!(list.access.workspace_access, workspace, "{body}"),
                (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{body}: {e}"),
                (got, expected) => panic!("{body}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn a_patch_keeps_what_it_leaves_out_and_the_full_access_rule() {
        let current = ListAccess {
            workspace_access: Some(AccessLevel::FullAccess),
            workspace_member_access: Vec::new(),
        };
        let patch = |body: serde_json::Value| {
            serde_json::from_value::<UpdateListData>(body)
                .expect("the shape")
                .parse()
        };
        assert_eq!(patch(json!({"name": "New"})).unwrap().access_after(&current), Ok(None));
        let private = patch(json!({"workspace_access": null})).unwrap();
        assert!(private.access_after(&current).is_err());
        let read_only = patch(json!({"workspace_access": "read-only", "workspace_member_access": [{"workspace_member_id": "m", "level": "full-access"}]})).unwrap();
        let after = read_only.access_after(&current).unwrap().unwrap();
        assert_eq!(after.workspace_access, Some(AccessLevel::ReadOnly));
        assert!(patch(json!({"parent_object": "companies"})).is_err());
    }
}
