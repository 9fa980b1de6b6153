//! SmartSuite's fields and tables over ours: a new table with its `structure`, and a field object (`{slug, label, field_type, params}`,
//! developers.smartsuite.com "Field Object", "Add Field", "Bulk Add Fields", "Update
//! Field") made a new field or a change to one, each SmartSuite type mapped onto ours
//! (docs/compat-smartsuite.md, "Field types"). A type we lack is refused with that reason.
//! Pure but for a new field's slug, which SmartSuite's clients may leave to the server.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::solution::SolutionId;
use super::table::{
    ApiSlug, FieldDef, FieldKey, FieldPatch, FieldType, NewField, NewTable, PrefixChoice, SelectOption, TableName,
    TableRef, MAX_OPTIONS,
};
use super::text::caseless_eq;
use super::{bounded_text, required, Invalid};

/// At most this many fields a bulk add: each is a condition and an assignment in one
/// update, whose expression DynamoDB bounds at 4 KB.
pub const MAX_BULK_FIELDS: usize = 50;

/// The SmartSuite types this API stores, as `field_type` names them (the error lists them).
const SERVED: &str = "textfield, numberfield, currencyfield, yesnofield, datefield, singleselectfield, \
multipleselectfield, statusfield, linkedrecordfield, emailfield, phonefield, linkfield, ratingfield, \
fullnamefield, addressfield, userfield";

/// A field object, as SmartSuite's field routes take it. Keys SmartSuite adds that change
/// nothing here (`is_new`, `icon`, `id`) are accepted and ignored.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FieldInput {
    /// The field's key: 1-64 lowercase letters, digits and underscores, from a letter.
    /// Left out, the API makes one as SmartSuite does (`s` and 9 hex digits).
    #[schema(value_type = Option<String>)]
    pub slug: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, max_length = 128)]
    pub label: Option<String>,
    #[schema(required = true, value_type = String)]
    pub field_type: Option<String>,
    /// `required`, `unique`, `help_text`, `choices` (`[{label, value}]`), `include_time`,
    /// `linked_application`, `entries_allowed`; any other is accepted and ignored.
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
}

/// The body of `POST /applications/{id}/add_field/`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AddFieldInput {
    #[schema(required = true)]
    #[serde(default, deserialize_with = "super::object")]
    pub field: Option<FieldInput>,
    /// Accepted (the docs' example spells it `Field_Position`); a field is placed last.
    #[serde(alias = "Field_Position")]
    #[schema(value_type = Option<Object>)]
    pub field_position: Option<Value>,
    pub auto_fill_structure_layout: Option<bool>,
}

/// The body of `POST /applications/{id}/delete_field/` (developers.smartsuite.com, "Delete
/// Field"): the slug of the field to delete.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteFieldInput {
    #[schema(required = true, value_type = String)]
    pub slug: Option<String>,
}

impl DeleteFieldInput {
    /// The slug (or id) of the field to delete.
    pub fn parse(self) -> Result<String, Invalid> {
        match self.slug {
            Some(slug) if !slug.is_empty() => Ok(slug),
            _ => Err(Invalid::value("`slug` is required: it names the field to delete")),
        }
    }
}

/// The body of `POST /applications/{id}/bulk-add-fields/`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkAddFieldsInput {
    #[schema(required = true)]
    #[serde(default, deserialize_with = "super::optional_objects")]
    pub fields: Option<Vec<FieldInput>>,
    /// Accepted and ignored: this API has no reports (views).
    pub set_as_visible_fields_in_reports: Option<Vec<String>>,
}

/// The body of `POST /applications/` (developers.smartsuite.com, "Create Table").
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateApplicationInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 128)]
    pub name: Option<String>,
    /// The solution's id (`GET /solutions/` lists them).
    #[schema(required = true, value_type = String)]
    pub solution: Option<String>,
    /// The table's fields besides its primary (title) field, which every table has: a
    /// `recordtitlefield` here names that one, and is otherwise skipped.
    #[serde(default, deserialize_with = "super::optional_objects")]
    pub structure: Option<Vec<FieldInput>>,
}

/// A valid table create: the table, its title field's label if the structure names it,
/// and its other fields.
#[derive(Debug)]
pub struct NewApplication {
    pub table: NewTable,
    pub title_label: Option<String>,
    pub fields: Vec<NewField>,
}

impl CreateApplicationInput {
    /// The new table and its fields, in the solution `solution` names: the workspace's
    /// default solution (`default_solution`), or another, which the caller must find.
    pub fn parse(self, default_solution: &str) -> Result<NewApplication, Invalid> {
        let name = TableName::parse("name", &required("name", self.name)?)?;
        let solution = SolutionId::parse("solution", &required("solution", self.solution)?)?;
        let structure = self.structure.unwrap_or_default();
        if structure.len() > MAX_BULK_FIELDS {
            return Err(Invalid::value(format!(
                "`structure` holds at most {MAX_BULK_FIELDS} fields; add more with bulk-add-fields"
            )));
        }
        let mut fields: Vec<NewField> = Vec::new();
        let mut title_label = None;
        for (i, field) in structure.into_iter().enumerate() {
            let path = format!("structure[{i}]");
            if let Some(label) = field.title_label(&path)? {
                if title_label.replace(label).is_some() {
                    return Err(Invalid::value(format!("`{path}` names the title field again")));
                }
                continue;
            }
            let field = field.parse_new(&path)?;
            if fields.iter().any(|f| f.key == field.key) {
                return Err(Invalid::value(format!(
                    "`{path}.slug` `{}` is taken",
                    field.key.as_str()
                )));
            }
            fields.push(field);
        }
        let api_slug = ApiSlug::from_name(&name)?;
        let record_prefix = PrefixChoice::Derived(super::object::prefix_for(&api_slug)?);
        let table = NewTable {
            name,
            singular_name: None,
            description: None,
            record_prefix,
            api_slug,
            solution_id: (solution.as_str() != default_solution).then(|| solution.as_str().to_string()),
            list: None,
        };
        Ok(NewApplication {
            table,
            title_label,
            fields,
        })
    }
}

impl AddFieldInput {
    pub fn parse(self) -> Result<NewField, Invalid> {
        required("field", self.field)?.parse_new("field")
    }
}

impl BulkAddFieldsInput {
    /// Every field, or the first fault (named `fields[i]...`).
    pub fn parse(self) -> Result<Vec<NewField>, Invalid> {
        let fields = required("fields", self.fields)?;
        if fields.is_empty() || fields.len() > MAX_BULK_FIELDS {
            return Err(Invalid::value(format!(
                "`fields` must hold 1 to {MAX_BULK_FIELDS} fields"
            )));
        }
        let parsed = fields
            .into_iter()
            .enumerate()
            .map(|(i, field)| field.parse_new(&format!("fields[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, field) in parsed.iter().enumerate() {
            if parsed[..i].iter().any(|f| f.key == field.key) {
                return Err(Invalid::value(format!(
                    "`fields[{i}].slug` repeats `{}`",
                    field.key.as_str()
                )));
            }
        }
        Ok(parsed)
    }
}

/// Our type for a SmartSuite `field_type`, and whether it holds several values.
fn our_type(raw: &str, params: &Map<String, Value>, path: &str) -> Result<(FieldType, bool), Invalid> {
    let include_time = params.get("include_time").and_then(Value::as_bool).unwrap_or(false);
    let single = params.get("entries_allowed").and_then(Value::as_str) == Some("single");
    Ok(match raw {
        "textfield" => (FieldType::Text, false),
        "numberfield" => (FieldType::Number, false),
        "currencyfield" => (FieldType::Currency, false),
        "yesnofield" => (FieldType::Checkbox, false),
        "datefield" if include_time => (FieldType::Timestamp, false),
        "datefield" => (FieldType::Date, false),
        "singleselectfield" => (FieldType::Select, false),
        "multipleselectfield" => (FieldType::Select, true),
        "statusfield" => (FieldType::Status, false),
        "linkedrecordfield" => (FieldType::RecordReference, !single),
        "emailfield" => (FieldType::EmailAddress, true),
        "phonefield" => (FieldType::PhoneNumber, true),
        "linkfield" => (FieldType::Domain, true),
        "ratingfield" => (FieldType::Rating, false),
        "fullnamefield" => (FieldType::PersonalName, false),
        "addressfield" => (FieldType::Location, false),
        "userfield" => (FieldType::ActorReference, true),
        "recordtitlefield" | "firstcreatedfield" | "lastupdatedfield" | "autonumberfield" => {
            return Err(Invalid::value(format!(
                "`{path}.field_type` `{raw}` is a system field: a table has its own, and none is added"
            )))
        }
        other => {
            return Err(Invalid::value(format!(
                "`{path}.field_type` `{other}` is not a type this API stores; it stores {SERVED} (docs/compat-smartsuite.md, \"Field types\")"
            )))
        }
    })
}

/// A flag of `params`: a boolean, or absent.
fn flag(params: &Map<String, Value>, name: &str, path: &str) -> Result<Option<bool>, Invalid> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Invalid::value(format!("`{path}.params.{name}` must be true or false"))),
    }
}

/// A choice of `params.choices`: its label, and its value (our option's id) if it names one.
struct Choice {
    label: String,
    value: Option<String>,
}

fn choices(params: &Map<String, Value>, path: &str) -> Result<Option<Vec<Choice>>, Invalid> {
    let Some(raw) = params.get("choices").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Value::Array(raw) = raw else {
        return Err(Invalid::value(format!("`{path}.params.choices` must be a list")));
    };
    if raw.len() > MAX_OPTIONS {
        return Err(Invalid::value(format!(
            "`{path}.params.choices` holds at most {MAX_OPTIONS} choices"
        )));
    }
    let mut parsed: Vec<Choice> = Vec::with_capacity(raw.len());
    for (i, choice) in raw.iter().enumerate() {
        let at = format!("{path}.params.choices[{i}]");
        let label = choice
            .get("label")
            .and_then(Value::as_str)
            .ok_or_else(|| Invalid::value(format!("`{at}.label` must be a string")))?;
        let label = bounded_text(&format!("{at}.label"), label, 1, 128)?;
        if parsed.iter().any(|c| caseless_eq(&c.label, &label)) {
            return Err(Invalid::value(format!("`{at}` repeats the choice `{label}`")));
        }
        let value = choice.get("value").and_then(Value::as_str).map(str::to_string);
        parsed.push(Choice { label, value });
    }
    Ok(Some(parsed))
}

fn help_text(params: &Map<String, Value>, path: &str) -> Result<Option<String>, Invalid> {
    match params.get("help_text") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => bounded_text(&format!("{path}.params.help_text"), text, 0, 512).map(Some),
        Some(_) => Err(Invalid::value(format!("`{path}.params.help_text` must be a string"))),
    }
}

/// A slug as SmartSuite makes one: `s` and 9 hex digits.
fn new_slug() -> FieldKey {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    FieldKey::parse("slug", &format!("s{}", &hex[..9])).expect("s and 9 hex digits is a key")
}

impl FieldInput {
    fn params(&self, path: &str) -> Result<Map<String, Value>, Invalid> {
        match &self.params {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(params)) => Ok(params.clone()),
            Some(_) => Err(Invalid::value(format!("`{path}.params` must be an object"))),
        }
    }

    /// If this structure entry names the table's title field (the one every table has,
    /// slug `name`): a `recordtitlefield`, or the slug `name` as a `textfield`, as the
    /// docs' Create Table example sends it. Its label, which the title field takes.
    fn title_label(&self, path: &str) -> Result<Option<String>, Invalid> {
        let is_name = self.slug.as_deref() == Some(FieldKey::name().as_str());
        let title = match self.field_type.as_deref() {
            Some("recordtitlefield") => true,
            Some("textfield") | None if is_name => true,
            _ if is_name => {
                return Err(Invalid::value(format!(
                    "`{path}.slug` `name` is the table's title field, a textfield"
                )))
            }
            _ => false,
        };
        if !title {
            return Ok(None);
        }
        let label = self.label.as_deref().unwrap_or("Name");
        bounded_text(&format!("{path}.label"), label, 1, 128).map(Some)
    }

    /// A new field; `path` names this object in the body, for errors.
    pub fn parse_new(self, path: &str) -> Result<NewField, Invalid> {
        let params = self.params(path)?;
        let key = match &self.slug {
            Some(slug) => FieldKey::parse_slug(&format!("{path}.slug"), slug)?,
            None => new_slug(),
        };
        let label = required(&format!("{path}.label"), self.label)?;
        let name = bounded_text(&format!("{path}.label"), &label, 1, 128)?;
        let raw_type = required(&format!("{path}.field_type"), self.field_type)?;
        let (field_type, array) = our_type(&raw_type, &params, path)?;
        let unique = flag(&params, "unique", path)?.unwrap_or(false);
        if unique && !field_type.allows_unique() {
            return Err(Invalid::value(format!(
                "`{path}.params.unique` is allowed only on textfield, numberfield, emailfield, phonefield and linkfield fields, not on a {raw_type}"
            )));
        }
        let link = match (field_type, params.get("linked_application").and_then(Value::as_str)) {
            (FieldType::RecordReference, Some(target)) => Some(TableRef::parse(target).map_err(|_| {
                Invalid::value(format!("`{path}.params.linked_application` must be a table id or slug"))
            })?),
            (FieldType::RecordReference, None) => {
                return Err(Invalid::value(format!(
                    "`{path}.params.linked_application` is required for a linkedrecordfield"
                )))
            }
            _ => None,
        };
        let options = match choices(&params, path)? {
            Some(choices) if field_type.has_options() => choices.into_iter().map(|c| c.label).collect(),
            _ => Vec::new(),
        };
        Ok(NewField {
            key,
            unique,
            indexed: false,
            name,
            description: help_text(&params, path)?,
            field_type,
            optional: !flag(&params, "required", path)?.unwrap_or(false),
            array,
            link,
            options,
        })
    }

    /// A change to `current` (`PUT .../change_field/`, the whole field object as clients
    /// send it back): its label, help text, whether it is required, and a select's or
    /// status's choices (a choice's `value` names the option it renames; a choice without
    /// one is new; an option left out is archived, so the records that hold it keep it).
    /// Its type and uniqueness are fixed once it exists.
    pub fn parse_change(self, current: &FieldDef) -> Result<FieldPatch, Invalid> {
        let path = "field";
        let params = self.params(path)?;
        if let Some(raw_type) = &self.field_type {
            let (field_type, array) = our_type(raw_type, &params, path)?;
            let same = field_type == current.field_type
                && (array == current.array || !matches!(field_type, FieldType::Select | FieldType::RecordReference));
            if !same {
                return Err(Invalid::value(format!(
                    "`field_type` cannot be changed once the field exists (it is a {})",
                    current.field_type.as_str()
                )));
            }
        }
        if flag(&params, "unique", path)?.is_some_and(|u| u != current.unique) {
            return Err(Invalid::value(
                "`params.unique` cannot be changed once the field exists",
            ));
        }
        let options = match choices(&params, path)? {
            Some(choices) if current.field_type.has_options() => Some(reconciled(current, choices)?),
            _ => None,
        };
        Ok(FieldPatch {
            name: self.label.map(|l| bounded_text("label", &l, 1, 128)).transpose()?,
            description: params
                .contains_key("help_text")
                .then(|| help_text(&params, path))
                .transpose()?,
            optional: flag(&params, "required", path)?.map(|r| !r),
            options,
            ..FieldPatch::default()
        })
    }
}

/// The options `choices` make of `current`'s: each choice naming an option's id renames
/// (and unarchives) it, a choice naming none is a new option, and an option no choice names
/// is archived. A label another option already has is refused.
fn reconciled(current: &FieldDef, choices: Vec<Choice>) -> Result<Vec<SelectOption>, Invalid> {
    let mut options: Vec<SelectOption> = current
        .options
        .iter()
        .map(|o| SelectOption {
            archived: true,
            ..o.clone()
        })
        .collect();
    for choice in choices {
        match options
            .iter_mut()
            .find(|o| choice.value.as_deref() == Some(o.id.as_str()))
        {
            Some(option) => {
                option.title = choice.label;
                option.archived = false;
            }
            None => options.push(SelectOption {
                id: uuid::Uuid::new_v4().to_string(),
                title: choice.label,
                archived: false,
                celebration_enabled: false,
                target_time_in_status: None,
            }),
        }
    }
    for (i, option) in options.iter().enumerate() {
        if options[..i].iter().any(|o| caseless_eq(&o.title, &option.title)) {
            return Err(Invalid::value(format!(
                "`params.choices` names `{}` twice, or as an option it archives",
                option.title
            )));
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(value: Value) -> FieldInput {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn each_served_type_maps_onto_ours() {
        let cases = [
            (json!({"field_type": "textfield"}), FieldType::Text, false),
            (json!({"field_type": "numberfield"}), FieldType::Number, false),
            (json!({"field_type": "currencyfield"}), FieldType::Currency, false),
            (json!({"field_type": "yesnofield"}), FieldType::Checkbox, false),
            (json!({"field_type": "datefield"}), FieldType::Date, false),
            (
                json!({"field_type": "datefield", "params": {"include_time": true}}),
                FieldType::Timestamp,
                false,
            ),
            (
                json!({"field_type": "singleselectfield", "params": {"choices": [{"label": "A"}]}}),
                FieldType::Select,
                false,
            ),
            (json!({"field_type": "multipleselectfield"}), FieldType::Select, true),
            (json!({"field_type": "statusfield"}), FieldType::Status, false),
            (
                json!({"field_type": "linkedrecordfield", "params": {"linked_application": "deals"}}),
                FieldType::RecordReference,
                true,
            ),
            (
                json!({"field_type": "linkedrecordfield", "params": {"linked_application": "deals", "entries_allowed": "single"}}),
                FieldType::RecordReference,
                false,
            ),
            (json!({"field_type": "emailfield"}), FieldType::EmailAddress, true),
            (json!({"field_type": "phonefield"}), FieldType::PhoneNumber, true),
            (json!({"field_type": "linkfield"}), FieldType::Domain, true),
            (json!({"field_type": "ratingfield"}), FieldType::Rating, false),
            (json!({"field_type": "fullnamefield"}), FieldType::PersonalName, false),
            (json!({"field_type": "addressfield"}), FieldType::Location, false),
            (json!({"field_type": "userfield"}), FieldType::ActorReference, true),
        ];
        for (mut raw, field_type, array) in cases {
            raw["label"] = json!("Field");
            raw["slug"] = json!("f1");
            let field = input(raw.clone()).parse_new("field").unwrap();
            assert_eq!((field.field_type, field.array), (field_type, array), "{raw}");
            assert!(field.optional && !field.unique, "{raw}");
        }
    }

    #[test]
    fn a_type_we_lack_or_a_system_type_is_refused_with_the_reason() {
        for (raw, says) in [
            ("textareafield", "not a type this API stores"),
            ("formulafield", "not a type this API stores"),
            ("recordtitlefield", "system field"),
            ("", "not a type this API stores"),
        ] {
            let err = input(json!({"slug": "f1", "label": "F", "field_type": raw}))
                .parse_new("field")
                .unwrap_err();
            assert!(err.to_string().contains(says), "{raw}: {err}");
        }
    }

    #[test]
    fn params_become_the_fields_settings() {
        let field = input(json!({
            "slug": "priority", "label": "Priority", "field_type": "singleselectfield",
            "params": {"required": true, "help_text": "How urgent", "choices": [{"label": "High", "value": "x"}, {"label": "Low"}]},
            "is_new": true
        }))
        .parse_new("field")
        .unwrap();
        assert_eq!(field.key.as_str(), "priority");
        assert!(!field.optional);
        assert_eq!(field.description.as_deref(), Some("How urgent"));
        assert_eq!(field.options, vec!["High".to_string(), "Low".to_string()]);
    }

    #[test]
    fn bad_params_are_refused_naming_them() {
        for (params, says) in [
            (json!({"required": "yes"}), "params.required"),
            (json!({"unique": true}), "params.unique"),
            (json!({"choices": [{"label": "A"}, {"label": "a"}]}), "repeats"),
            (json!({"choices": "A"}), "params.choices"),
        ] {
            let raw = json!({"slug": "f1", "label": "F", "field_type": "ratingfield", "params": params});
            let raw = if says == "repeats" || says == "params.choices" {
                json!({"slug": "f1", "label": "F", "field_type": "singleselectfield", "params": raw["params"]})
            } else {
                raw
            };
            let err = input(raw).parse_new("field").unwrap_err();
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
        let err = input(json!({"label": "L", "field_type": "linkedrecordfield"}))
            .parse_new("field")
            .unwrap_err();
        assert!(err.to_string().contains("linked_application"), "{err}");
        let err = input(json!({"slug": "Bad Slug", "label": "L", "field_type": "textfield"}))
            .parse_new("field")
            .unwrap_err();
        assert!(err.to_string().contains("field.slug"), "{err}");
    }

    #[test]
    fn a_slug_may_start_with_a_digit_as_smartsuites_do() {
        for (slug, ok) in [
            ("123asd456z", true),
            ("s1a2b3c4d5", true),
            ("a_b", true),
            ("_a", false),
            ("A1", false),
            ("", false),
        ] {
            let parsed = input(json!({"slug": slug, "label": "L", "field_type": "textfield"})).parse_new("field");
            assert_eq!(parsed.is_ok(), ok, "{slug}");
        }
    }

    const DEFAULT: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn a_structure_names_the_title_field_by_its_type_or_its_slug() {
        let parse = |structure: Value| {
            serde_json::from_value::<CreateApplicationInput>(
                json!({"name": "Deals", "solution": DEFAULT, "structure": structure}),
            )
            .unwrap()
            .parse(DEFAULT)
        };
        let made = parse(json!([
            {"slug": "title", "label": "Title", "field_type": "recordtitlefield"},
            {"slug": "amount", "label": "Amount", "field_type": "numberfield"}
        ]))
        .unwrap();
        assert_eq!(made.title_label.as_deref(), Some("Title"));
        assert_eq!(made.fields.len(), 1);
        // The docs' example: the slug `name` as a textfield is the title field.
        let made = parse(json!([{"slug": "name", "label": "Name", "field_type": "textfield"}])).unwrap();
        assert_eq!((made.title_label.as_deref(), made.fields.len()), (Some("Name"), 0));
        assert_eq!(made.table.api_slug.as_str(), "deals");
        assert_eq!(made.table.solution_id, None, "the default solution is no solution id");
        for (structure, says) in [
            (
                json!([{"slug": "name", "label": "N", "field_type": "numberfield"}]),
                "title field, a textfield",
            ),
            (
                json!([{"field_type": "recordtitlefield"}, {"slug": "name", "field_type": "textfield"}]),
                "again",
            ),
            (
                json!([{"slug": "a", "label": "A", "field_type": "textfield"}, {"slug": "a", "label": "B", "field_type": "textfield"}]),
                "structure[1].slug",
            ),
        ] {
            let err = parse(structure.clone()).unwrap_err();
            assert!(err.to_string().contains(says), "{structure}: {err}");
        }
        let err = serde_json::from_value::<CreateApplicationInput>(json!({"name": "D", "solution": "other"}))
            .unwrap()
            .parse(DEFAULT)
            .unwrap_err();
        assert!(err.to_string().contains("solution"), "{err}");
        let other = "0123456789abcdef01234567";
        let made = serde_json::from_value::<CreateApplicationInput>(json!({"name": "D", "solution": other}))
            .unwrap()
            .parse(DEFAULT)
            .unwrap();
        assert_eq!(made.table.solution_id.as_deref(), Some(other));
    }

    #[test]
    fn a_missing_slug_is_made_as_smartsuite_makes_one() {
        let field = input(json!({"label": "L", "field_type": "textfield"}))
            .parse_new("field")
            .unwrap();
        let slug = field.key.as_str();
        assert!(slug.len() == 10 && slug.starts_with('s'), "{slug}");
        assert!(slug[1..].chars().all(|c| c.is_ascii_hexdigit()), "{slug}");
    }

    #[test]
    fn a_bulk_add_refuses_a_repeated_slug_and_an_empty_or_long_list() {
        let bulk = |fields: Value| serde_json::from_value::<BulkAddFieldsInput>(json!({"fields": fields})).unwrap();
        let one = json!({"slug": "a", "label": "A", "field_type": "textfield"});
        assert!(bulk(json!([one.clone(), one.clone()]))
            .parse()
            .unwrap_err()
            .to_string()
            .contains("fields[1].slug"));
        assert!(bulk(json!([])).parse().is_err());
        let many: Vec<Value> = (0..=MAX_BULK_FIELDS)
            .map(|n| json!({"slug": format!("f{n}"), "label": "F", "field_type": "textfield"}))
            .collect();
        assert!(bulk(json!(many)).parse().is_err());
    }

    fn select(options: &[(&str, &str)]) -> FieldDef {
        let mut field: FieldDef = serde_json::from_value(json!({
            "id": "f", "key": "stage", "name": "Stage", "type": "select",
            "optional": true, "array": false, "unique": false, "readonly": false,
            "created_at": "0"
        }))
        .unwrap();
        field.options = options
            .iter()
            .map(|(id, title)| SelectOption {
                id: id.to_string(),
                title: title.to_string(),
                archived: false,
                celebration_enabled: false,
                target_time_in_status: None,
            })
            .collect();
        field
    }

    #[test]
    fn changed_choices_rename_add_and_archive_options() {
        let current = select(&[("1", "Lead"), ("2", "Won"), ("3", "Lost")]);
        let patch = input(json!({"slug": "stage", "label": "Stage", "field_type": "singleselectfield",
            "params": {"choices": [{"label": "Prospect", "value": "1"}, {"label": "Won", "value": "2"}, {"label": "Paused"}]}}))
        .parse_change(&current)
        .unwrap();
        let options = patch.options.unwrap();
        let shown: Vec<(&str, bool)> = options.iter().map(|o| (o.title.as_str(), o.archived)).collect();
        assert_eq!(
            shown,
            [("Prospect", false), ("Won", false), ("Lost", true), ("Paused", false)]
        );
        assert_eq!(&options[0].id, "1");
        let err = input(json!({"params": {"choices": [{"label": "Lost"}]}}))
            .parse_change(&current)
            .unwrap_err();
        assert!(err.to_string().contains("Lost"), "{err}");
    }

    #[test]
    fn a_change_keeps_the_type_and_uniqueness() {
        let current = select(&[("1", "Lead")]);
        for raw in [
            json!({"field_type": "textfield"}),
            json!({"field_type": "multipleselectfield"}),
            json!({"params": {"unique": true}}),
        ] {
            assert!(input(raw.clone()).parse_change(&current).is_err(), "{raw}");
        }
        let patch = input(json!({"label": "Phase", "field_type": "singleselectfield", "params": {"required": true, "help_text": "Where it is"}}))
            .parse_change(&current)
            .unwrap();
        assert_eq!(patch.name.as_deref(), Some("Phase"));
        assert_eq!(patch.optional, Some(false));
        assert_eq!(patch.description, Some(Some("Where it is".to_string())));
        assert_eq!(patch.options, None);
    }
}
