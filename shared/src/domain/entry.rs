//! Attio's list entries as sent: `POST` and `PUT /v2/lists/{list}/entries` (`{"data":
//! {parent_record_id, parent_object, entry_values}}`) and `PATCH`/`PUT .../entries/{entry_id}`
//! (`{"data": {entry_values}}`); docs.attio.com, "Create an entry", "Assert a list entry by
//! parent", "Update a list entry"; Attio's OpenAPI. An entry is a record of the list's
//! table whose parent record is its `parent_record` value (`domain::list`).

use serde::Deserialize;

use super::record::StrictMap;
use super::{required, Invalid};

/// The body of `POST` and `PUT /v2/lists/{list}/entries`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    #[schema(required = true, value_type = EntryDataInput)]
    #[serde(default, deserialize_with = "super::object")]
    pub data: Option<EntryDataInput>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EntryDataInput {
    /// The record the entry is about: a record of the list's parent object.
    #[schema(required = true, value_type = String, format = "uuid")]
    pub parent_record_id: Option<String>,
    /// The list's parent object, by slug or id.
    #[schema(required = true, value_type = String)]
    pub parent_object: Option<String>,
    /// The entry's values by list attribute slug, as a record's `values`.
    #[schema(required = true, value_type = Object)]
    pub entry_values: Option<StrictMap>,
}

/// The body of `PATCH` and `PUT /v2/lists/{list}/entries/{entry_id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EntryValuesInput {
    #[schema(required = true, value_type = EntryValuesData)]
    #[serde(default, deserialize_with = "super::object")]
    pub data: Option<EntryValuesData>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EntryValuesData {
    #[schema(required = true, value_type = Object)]
    pub entry_values: Option<StrictMap>,
}

/// A new entry as sent: its parent record's id (a uuid, lowercased), the object named as
/// its parent's, and its values, not yet parsed against the list's attributes.
#[derive(Debug)]
pub struct NewEntry {
    pub parent_record_id: String,
    pub parent_object: String,
    pub entry_values: StrictMap,
}

impl EntryDataInput {
    pub fn parse(self) -> Result<NewEntry, Invalid> {
        let raw = required("data.parent_record_id", self.parent_record_id)?;
        let parent_record_id = uuid::Uuid::try_parse(&raw)
            .map_err(|_| Invalid::value(format!("`data.parent_record_id` must be a record's uuid, not {raw:?}")))?
            .to_string();
        Ok(NewEntry {
            parent_record_id,
            parent_object: required("data.parent_object", self.parent_object)?,
            entry_values: required("data.entry_values", self.entry_values)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entrys_parent_is_a_uuid_and_every_key_is_required() {
        let parse = |body: &str| {
            serde_json::from_str::<EntryInput>(body)
                .map_err(|e| e.to_string())
                .and_then(|input| input.data.ok_or("no data".to_string()))
                .and_then(|data| data.parse().map_err(|e| e.to_string()))
        };
        let id = "7f0c6c1e-54a4-4b7e-9d3e-2a4c8a3c1b11";
        let upper = id.to_uppercase();
        // Each case a body as sent (a key given twice cannot be written with `json!`).
        let cases = [
            (
                format!(
                    r#"{{"data": {{"parent_record_id": "{id}", "parent_object": "people", "entry_values": {{}}}}}}"#
                ),
                true,
            ),
            (
                format!(
                    r#"{{"data": {{"parent_record_id": "{upper}", "parent_object": "people", "entry_values": {{}}}}}}"#
                ),
                true,
            ),
            (
                r#"{"data": {"parent_record_id": "P-1", "parent_object": "people", "entry_values": {}}}"#.to_string(),
                false,
            ),
            (
                r#"{"data": {"parent_object": "people", "entry_values": {}}}"#.to_string(),
                false,
            ),
            (
                format!(r#"{{"data": {{"parent_record_id": "{id}", "entry_values": {{}}}}}}"#),
                false,
            ),
            (
                format!(r#"{{"data": {{"parent_record_id": "{id}", "parent_object": "people"}}}}"#),
                false,
            ),
            (
                format!(
                    r#"{{"data": {{"parent_record_id": "{id}", "parent_object": "people", "entry_values": {{"a": 1, "a": 2}}}}}}"#
                ),
                false,
            ),
        ];
        for (body, ok) in cases {
            let parsed = parse(&body);
            assert_eq!(parsed.is_ok(), ok, "{body}: {parsed:?}");
            if let Ok(entry) = parsed {
                assert_eq!(entry.parent_record_id, id, "{body}");
            }
        }
    }
}
