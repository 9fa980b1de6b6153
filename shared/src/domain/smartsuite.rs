//! SmartSuite's record values over ours: what a SmartSuite client writes, made the input
//! our one value parser takes (`super::record::parse_values`, Attio's forms), and a stored
//! value shown in SmartSuite's shape (developers.smartsuite.com, "Field Types"; the forms
//! the connectors write: Activepieces `formatRecordFields`, Pipedream's raw strings).
//! Pure: the handler resolves what needs a read (which users are members).

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::organization::OrgId;
use super::record::Record;
use super::table::{FieldDef, FieldType, Table};
use super::Invalid;

fn expected(path: &str, form: &str) -> Invalid {
    Invalid::value(format!("Invalid value for `{path}`: expected {form}"))
}

/// One value or many, as a list (SmartSuite writes arrays for emails, links, phones,
/// linked records and users, even for one; the connectors often send one bare value).
fn items(raw: &Value) -> Vec<&Value> {
    match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    }
}

/// A number as SmartSuite writes it: a number, or a string holding one (`"19.95"`); an
/// empty string is no value.
fn numeric(raw: &Value, path: &str) -> Result<Value, Invalid> {
    match raw {
        Value::Null => Ok(Value::Null),
        Value::Number(_) => Ok(raw.clone()),
        Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
        Value::String(s) => super::record::number(&Value::String(s.trim().to_string()))
            .map(Value::Number)
            .ok_or_else(|| expected(path, "a number, or a string holding one")),
        _ => Err(expected(path, "a number, or a string holding one")),
    }
}

/// A date as SmartSuite writes it: `{"date": ..., "include_time": ...}` or the date alone.
fn date_text(raw: &Value, path: &str) -> Result<Value, Invalid> {
    let form = "{\"date\": \"2023-05-09\" or a timestamp, \"include_time\": bool}, or the date alone";
    match raw {
        Value::Null => Ok(Value::Null),
        Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
        Value::String(_) => Ok(raw.clone()),
        Value::Object(o) => match o.get("date") {
            None | Some(Value::Null) => Ok(Value::Null),
            Some(Value::String(s)) => Ok(Value::String(s.clone())),
            Some(_) => Err(expected(path, form)),
        },
        _ => Err(expected(path, form)),
    }
}

/// A choice as SmartSuite writes it: its `value` (our option's id) or, as people type
/// it, its label; a status also as `{"value": ...}`.
fn choice(raw: &Value, path: &str) -> Result<Value, Invalid> {
    match raw {
        Value::String(_) => Ok(raw.clone()),
        Value::Object(o) if o.contains_key("value") => match &o["value"] {
            Value::String(_) => Ok(o["value"].clone()),
            Value::Null => Ok(Value::Null),
            _ => Err(expected(path, "a choice's value or label")),
        },
        _ => Err(expected(path, "a choice's value or label")),
    }
}

/// SmartSuite's phone: `{phone_country, phone_number, ...}` (or the number alone).
fn phone(raw: &Value, path: &str) -> Result<Value, Invalid> {
    let form = "{\"phone_country\": \"US\", \"phone_number\": \"913 555 1212\"}, or a number in E.164 form";
    match raw {
        Value::String(_) => Ok(raw.clone()),
        Value::Object(o) => {
            let number = o
                .get("phone_number")
                .and_then(Value::as_str)
                .ok_or_else(|| expected(path, form))?;
            let country = match o.get("phone_country") {
                None | Some(Value::Null) => Value::Null,
                Some(Value::String(c)) if c.is_empty() => Value::Null,
                Some(Value::String(c)) => Value::String(c.clone()),
                Some(_) => return Err(expected(path, form)),
            };
            Ok(json!({"original_phone_number": number, "country_code": country}))
        }
        _ => Err(expected(path, form)),
    }
}

/// SmartSuite's full name: `{title, first_name, middle_name, last_name}` (or one string).
fn full_name(raw: &Value, path: &str) -> Result<Value, Invalid> {
    let form = "{\"first_name\", \"middle_name\", \"last_name\"}, or the name as one string";
    match raw {
        Value::String(_) => Ok(raw.clone()),
        Value::Object(o) => {
            let part = |key: &str| -> Result<String, Invalid> {
                match o.get(key) {
                    None | Some(Value::Null) => Ok(String::new()),
                    Some(Value::String(s)) => Ok(s.trim().to_string()),
                    // SmartSuite's `title` is a number (1 Mr., 2 Mrs., ...): kept out.
                    Some(_) if key == "title" => Ok(String::new()),
                    Some(_) => Err(expected(path, form)),
                }
            };
            if let Some(unknown) = o.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "title" | "first_name" | "middle_name" | "last_name" | "sys_root"
                )
            }) {
                return Err(Invalid::value(format!(
                    "Invalid value for `{path}`: unknown key `{unknown}`; expected {form}"
                )));
            }
            let first = [part("first_name")?, part("middle_name")?]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let last = part("last_name")?;
            Ok(json!({"first_name": first, "last_name": last}))
        }
        _ => Err(expected(path, form)),
    }
}

/// SmartSuite's address keys, and ours they fill.
const ADDRESS: [(&str, &str); 8] = [
    ("location_address", "line_1"),
    ("location_address2", "line_2"),
    ("location_city", "locality"),
    ("location_state", "region"),
    ("location_zip", "postcode"),
    ("location_country", "country_code"),
    ("location_latitude", "latitude"),
    ("location_longitude", "longitude"),
];

/// SmartSuite's address, its country as a two-letter code (ISO 3166-1; SmartSuite's UI
/// shows names, which are many spellings of one country, so a name is refused).
fn address(raw: &Value, path: &str) -> Result<Value, Invalid> {
    let form = "{\"location_address\", \"location_address2\", \"location_city\", \"location_state\", \"location_zip\", \"location_country\" (two letters), \"location_latitude\", \"location_longitude\"}, or one string";
    match raw {
        Value::String(_) => Ok(raw.clone()),
        Value::Object(o) => {
            let mut out = Map::new();
            for (key, value) in o {
                if key == "sys_root" {
                    continue;
                }
                let ours = ADDRESS.iter().find(|(theirs, _)| theirs == key).map(|(_, ours)| *ours);
                let Some(ours) = ours else {
                    return Err(Invalid::value(format!(
                        "Invalid value for `{path}`: unknown key `{key}`; expected {form}"
                    )));
                };
                let empty = matches!(value, Value::Null) || value.as_str().is_some_and(|s| s.trim().is_empty());
                if !empty {
                    out.insert(ours.to_string(), value.clone());
                }
            }
            Ok(Value::Object(out))
        }
        _ => Err(expected(path, form)),
    }
}

/// The input our parser takes (Attio's forms) for what a SmartSuite client wrote to
/// `field`: `null` or `[]` for none, one value, or a list. `members` are the organization's
/// user ids, which a user field names (SmartSuite's member ids).
pub fn attio_input(org: OrgId, field: &FieldDef, raw: &Value, path: &str, members: &[u64]) -> Result<Value, Invalid> {
    let each = |convert: &dyn Fn(&Value, &str) -> Result<Value, Invalid>| -> Result<Value, Invalid> {
        items(raw)
            .into_iter()
            .enumerate()
            .map(|(i, item)| convert(item, &format!("{path}[{i}]")))
            .filter(|v| !matches!(v, Ok(Value::Null)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    };
    match field.field_type {
        FieldType::Text => match raw {
            Value::Null | Value::String(_) => Ok(raw.clone()),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            _ => Err(expected(path, "a string")),
        },
        FieldType::Number | FieldType::Currency | FieldType::Rating => numeric(raw, path),
        FieldType::Checkbox => match raw {
            Value::Bool(_) | Value::Null => Ok(raw.clone()),
            Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(expected(path, "true or false")),
        },
        FieldType::Date | FieldType::Timestamp => date_text(raw, path),
        FieldType::Select | FieldType::Status => each(&choice),
        FieldType::RecordReference => {
            let target = field.link_slug.clone().unwrap_or_default();
            each(&|item: &Value, path: &str| {
                let id = item.as_str().ok_or_else(|| expected(path, "a record id"))?;
                Ok(json!({"target_object": target, "target_record_id": id}))
            })
        }
        FieldType::EmailAddress | FieldType::Domain => each(&|item: &Value, path: &str| match item {
            Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
            Value::String(_) => Ok(item.clone()),
            _ => Err(expected(path, "a string")),
        }),
        FieldType::PhoneNumber => each(&phone),
        FieldType::PersonalName => match raw {
            Value::Null => Ok(Value::Null),
            other => full_name(other, path),
        },
        FieldType::Location => match raw {
            Value::Null => Ok(Value::Null),
            other => address(other, path),
        },
        FieldType::ActorReference => each(&|item: &Value, path: &str| {
            let user = match item {
                Value::String(s) => s.parse::<u64>().ok(),
                Value::Number(n) => n.as_u64(),
                _ => None,
            }
            .filter(|user| members.contains(user))
            .ok_or_else(|| Invalid::value(format!("`{path}`: not a member of this workspace: {item}")))?;
            Ok(
                json!({"referenced_actor_type": "workspace-member", "referenced_actor_id": org.member_id(user).to_string()}),
            )
        }),
        FieldType::Interaction => Err(Invalid::value(format!("`{path}` is written by the system only"))),
    }
}

/// A stored value's number as SmartSuite shows numbers and currencies: a string.
fn number_text(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(_) => value.clone(),
        _ => Value::Null,
    }
}

fn text(value: &Map<String, Value>, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// `field`'s current values (as stored) in SmartSuite's shape. `user_of` names the user
/// behind a workspace member id (a user field shows SmartSuite member ids: user ids).
pub fn shown(field: &FieldDef, values: &[&Map<String, Value>], user_of: &dyn Fn(&str) -> Option<u64>) -> Value {
    let first = values.first();
    let ids = |key: &str| -> Vec<Value> {
        values
            .iter()
            .filter_map(|v| v.get(key).and_then(|o| o.get("id")).cloned())
            .collect()
    };
    match field.field_type {
        FieldType::Text => first.map_or(json!(""), |v| v.get("value").cloned().unwrap_or(json!(""))),
        FieldType::Number => first.map_or(Value::Null, |v| number_text(&v["value"])),
        FieldType::Currency => first.map_or(Value::Null, |v| number_text(&v["currency_value"])),
        FieldType::Rating => first.map_or(Value::Null, |v| v["value"].clone()),
        FieldType::Checkbox => json!(first.is_some_and(|v| v["value"] == json!(true))),
        FieldType::Date => first.map_or(
            Value::Null,
            |v| json!({"date": format!("{}T00:00:00Z", text(v, "value")), "include_time": false}),
        ),
        FieldType::Timestamp => first.map_or(Value::Null, |v| json!({"date": v["value"], "include_time": true})),
        FieldType::Select if field.array => Value::Array(ids("option")),
        FieldType::Select => ids("option").into_iter().next().unwrap_or(Value::Null),
        FieldType::Status => first.map_or(
            Value::Null,
            |v| json!({"value": v.get("status").and_then(|s| s.get("id")), "updated_on": v.get("active_from")}),
        ),
        FieldType::RecordReference => values.iter().map(|v| v["target_record_id"].clone()).collect(),
        FieldType::EmailAddress => values.iter().map(|v| v["email_address"].clone()).collect(),
        FieldType::Domain => values.iter().map(|v| v["domain"].clone()).collect(),
        FieldType::PhoneNumber => values
            .iter()
            .map(|v| {
                let number = text(v, "phone_number");
                json!({"phone_country": v["country_code"], "phone_number": number, "phone_extension": "",
                       "phone_type": 2, "sys_root": number.trim_start_matches('+'), "sys_title": number})
            })
            .collect(),
        FieldType::PersonalName => first.map_or(Value::Null, |v| {
            json!({"title": "", "first_name": v["first_name"], "middle_name": "", "last_name": v["last_name"],
                   "sys_root": v["full_name"]})
        }),
        FieldType::Location => first.map_or(Value::Null, |v| {
            let mut out = Map::new();
            let mut parts = Vec::new();
            for (theirs, ours) in ADDRESS {
                let value = v.get(ours).cloned().unwrap_or(Value::Null);
                if let Some(s) = value.as_str().filter(|s| !s.is_empty() && !ours.ends_with("itude")) {
                    parts.push(s.to_string());
                }
                out.insert(theirs.to_string(), if value.is_null() { json!("") } else { value });
            }
            out.insert("sys_root".into(), json!(parts.join(", ")));
            Value::Object(out)
        }),
        FieldType::ActorReference => values
            .iter()
            .filter_map(|v| v["referenced_actor_id"].as_str().and_then(user_of))
            .map(|user| json!(user.to_string()))
            .collect(),
        FieldType::Interaction => first.map_or(Value::Null, |v| json!({"on": v.get("interacted_at"), "by": null})),
    }
}

/// A list request's `filter` (`{"operator": "and" | "or", "fields": [{"field", "comparison",
/// "value"}]}`, a group in place of a condition) as the filter our query planner takes
/// (Attio's JSON), so SmartSuite's lists run through the same planner, indexes and bounds.
pub fn attio_filter(table: &Table, raw: &Value, path: &str) -> Result<Value, Invalid> {
    let group = raw
        .as_object()
        .ok_or_else(|| expected(path, "{\"operator\": \"and\", \"fields\": [...]}"))?;
    let operator = match group.get("operator").and_then(Value::as_str) {
        Some("and") | None => "$and",
        Some("or") => "$or",
        Some(other) => {
            return Err(Invalid::value(format!(
                "`{path}.operator` must be and or or, not {other}"
            )))
        }
    };
    let conditions = match group.get("fields") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(conditions)) => conditions.iter().collect(),
        Some(_) => return Err(expected(&format!("{path}.fields"), "a list of conditions")),
    };
    let mut out = Vec::with_capacity(conditions.len());
    for (i, condition) in conditions.into_iter().enumerate() {
        let here = format!("{path}.fields[{i}]");
        out.push(if condition.get("operator").is_some() {
            attio_filter(table, condition, &here)?
        } else {
            attio_condition(table, condition, &here)?
        });
    }
    Ok(json!({ operator: out }))
}

/// The field a filter or sort names: by slug (or id), `title` the display field.
fn named_field<'t>(table: &'t Table, name: &str, path: &str) -> Result<&'t FieldDef, Invalid> {
    table.field_or_title(name).ok_or_else(|| {
        Invalid::value(format!(
            "`{path}`: no field with slug \"{name}\" in \"{}\"",
            table.api_slug
        ))
    })
}

/// One condition's value as our filter compares it: numbers from strings, dates from
/// SmartSuite's `{"date_mode": "exact_date", "date_mode_value": ...}`, statuses from
/// `{"value": ...}`.
fn condition_value(field: &FieldDef, raw: &Value, path: &str) -> Result<Value, Invalid> {
    match field.field_type {
        FieldType::Number | FieldType::Currency | FieldType::Rating => numeric(raw, path),
        FieldType::Date | FieldType::Timestamp => match raw {
            Value::Object(o) if o.contains_key("date_mode") => match o.get("date_mode").and_then(Value::as_str) {
                Some("exact_date") => Ok(o.get("date_mode_value").cloned().unwrap_or(Value::Null)),
                other => Err(Invalid::value(format!(
                    "`{path}.date_mode`: only exact_date is served here, not {}",
                    other.unwrap_or("none")
                ))),
            },
            other => date_text(other, path),
        },
        FieldType::Status => choice(raw, path),
        _ => Ok(raw.clone()),
    }
}

fn attio_condition(table: &Table, condition: &Value, path: &str) -> Result<Value, Invalid> {
    let form = "{\"field\": slug, \"comparison\": \"is\", \"value\": ...}";
    let name = condition
        .get("field")
        .and_then(Value::as_str)
        .ok_or_else(|| expected(path, form))?;
    let comparison = condition
        .get("comparison")
        .and_then(Value::as_str)
        .ok_or_else(|| expected(path, form))?;
    let field = named_field(table, name, &format!("{path}.field"))?;
    let slug = field.key.as_str();
    let raw = condition.get("value").unwrap_or(&Value::Null);
    let value = || condition_value(field, raw, &format!("{path}.value"));
    let list = || -> Result<Vec<Value>, Invalid> {
        items(raw)
            .into_iter()
            .map(|v| condition_value(field, v, &format!("{path}.value")))
            .collect()
    };
    let on = |op: &str, value: Value| json!({ slug: { op: value } });
    let not = |filter: Value| json!({"$not": filter});
    Ok(match comparison {
        "is" | "is_equal_to" => on("$eq", value()?),
        "is_not" | "is_not_equal_to" => not(on("$eq", value()?)),
        "contains" => on("$contains", value()?),
        "not_contains" | "does_not_contain" => not(on("$contains", value()?)),
        "is_greater_than" | "is_after" => on("$gt", value()?),
        "is_less_than" | "is_before" => on("$lt", value()?),
        "is_equal_or_greater_than" | "is_on_or_after" => on("$gte", value()?),
        "is_equal_or_less_than" | "is_on_or_before" => on("$lte", value()?),
        "is_not_empty" => on("$not_empty", json!(true)),
        "is_empty" => not(on("$not_empty", json!(true))),
        "is_any_of" | "has_any_of" => on("$in", Value::Array(list()?)),
        "is_none_of" | "has_none_of" => not(on("$in", Value::Array(list()?))),
        "has_all_of" => json!({"$and": list()?.into_iter().map(|v| on("$eq", v)).collect::<Vec<_>>()}),
        other => {
            return Err(Invalid::value(format!(
                "`{path}.comparison`: {other} is not served here; docs/compat-smartsuite.md lists the comparisons"
            )))
        }
    })
}

/// A list request's `sort` (`[{"field", "direction"}]`) as our sorts.
pub fn attio_sorts(table: &Table, raw: &Value, path: &str) -> Result<Vec<Value>, Invalid> {
    let sorts = match raw {
        Value::Null => return Ok(Vec::new()),
        Value::Array(sorts) => sorts,
        _ => {
            return Err(expected(
                path,
                "[{\"field\": slug, \"direction\": \"asc\" or \"desc\"}]",
            ))
        }
    };
    sorts
        .iter()
        .enumerate()
        .map(|(i, sort)| {
            let here = format!("{path}[{i}]");
            let name = sort
                .get("field")
                .and_then(Value::as_str)
                .ok_or_else(|| expected(&here, "a field"))?;
            let field = named_field(table, name, &format!("{here}.field"))?;
            let direction = match sort.get("direction").and_then(Value::as_str) {
                None | Some("asc") => "asc",
                Some("desc") => "desc",
                Some(other) => {
                    return Err(Invalid::value(format!(
                        "`{here}.direction` must be asc or desc, not {other}"
                    )))
                }
            };
            Ok(json!({"attribute": field.key, "direction": direction}))
        })
        .collect()
}

/// A record as SmartSuite shows it: its system keys, then each field's value by slug.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SmartSuiteRecord {
    pub id: String,
    pub application_id: String,
    pub application_slug: String,
    /// The display field's text.
    pub title: String,
    /// The record's display number.
    pub autonumber: u64,
    #[schema(value_type = Object)]
    pub first_created: Value,
    #[schema(value_type = Object)]
    pub last_updated: Value,
    pub comments_count: u32,
    pub followed_by: Vec<String>,
    /// Each field's value, by its slug, in SmartSuite's shape.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
}

/// The record shown in SmartSuite's shape.
/// `user_of` names the user a member id is (a user field's values).
pub fn shown_record(table: &Table, record: &Record, user_of: &dyn Fn(&str) -> Option<u64>) -> SmartSuiteRecord {
    let mut values = Map::new();
    let mut last = record.created_at.clone();
    let mut title = String::new();
    for field in table.ordered_fields() {
        let active: Vec<&Map<String, Value>> = record.active(&field.id).collect();
        for value in &active {
            if let Some(from) = value.get("active_from").and_then(Value::as_str) {
                if from > last.as_str() {
                    last = from.to_string();
                }
            }
        }
        let value = shown(field, &active, user_of);
        if field.id == table.display_field_id {
            title = match &value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
        }
        values.insert(field.key.clone(), value);
    }
    SmartSuiteRecord {
        id: record.id.clone(),
        application_id: table.id.clone(),
        application_slug: table.api_slug.clone(),
        title,
        autonumber: record.number,
        first_created: serde_json::json!({"on": record.created_at, "by": null}),
        last_updated: serde_json::json!({"on": last, "by": null}),
        comments_count: 0,
        followed_by: Vec::new(),
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::parse_values;
    use crate::domain::table::SelectOption;

    fn field(field_type: FieldType, array: bool) -> FieldDef {
        FieldDef {
            id: "f".into(),
            key: "f".into(),
            name: "F".into(),
            description: None,
            field_type,
            optional: true,
            array,
            unique: false,
            indexed: false,
            link: Some("t2".into()),
            link_slug: Some("companies".into()),
            options: vec![SelectOption {
                id: "o1".into(),
                title: "Lead".into(),
                archived: false,
                celebration_enabled: false,
                target_time_in_status: None,
            }],
            readonly: false,
            created_at: "0".into(),
            archived: false,
        }
    }

    /// What a SmartSuite client writes (the documented shape, and the connectors' looser
    /// forms), stored through our parser, then shown in SmartSuite's shape.
    #[test]
    fn smartsuite_values_round_trip_through_the_one_parser() {
        use FieldType::*;
        let cases: Vec<(FieldType, bool, Value, Value)> = vec![
            (Text, false, json!("Hello"), json!("Hello")),
            (Number, false, json!("120"), json!("120")),
            (Number, false, json!(12.5), json!("12.5")),
            (Currency, false, json!("19.95"), json!("19.95")),
            (Rating, false, json!(4), json!(4)),
            (Checkbox, false, json!(true), json!(true)),
            (Checkbox, false, json!("false"), json!(false)),
            (
                Date,
                false,
                json!({"date": "2023-05-09", "include_time": false}),
                json!({"date": "2023-05-09T00:00:00Z", "include_time": false}),
            ),
            (
                Date,
                false,
                json!("2023-05-09"),
                json!({"date": "2023-05-09T00:00:00Z", "include_time": false}),
            ),
            (
                Timestamp,
                false,
                json!({"date": "2023-05-09T06:00:00Z", "include_time": true}),
                json!({"date": "2023-05-09T06:00:00.000000000Z", "include_time": true}),
            ),
            (Select, false, json!("o1"), json!("o1")),
            (Select, false, json!("lead"), json!("o1")),
            (Select, true, json!(["o1"]), json!(["o1"])),
            (Status, false, json!({"value": "o1"}), json!("o1")),
            (
                EmailAddress,
                true,
                json!(["Peter@Example.com"]),
                json!(["peter@example.com"]),
            ),
            (EmailAddress, true, json!("a@example.com"), json!(["a@example.com"])),
            (
                Domain,
                true,
                json!(["www.smartsuite.com"]),
                json!(["www.smartsuite.com"]),
            ),
            (
                PhoneNumber,
                true,
                json!([{"phone_country": "US", "phone_number": "913 555 1212", "phone_extension": "", "phone_type": 1}]),
                json!("+19135551212"),
            ),
            (
                PersonalName,
                false,
                json!({"title": 1, "first_name": "Peter", "middle_name": "N", "last_name": "Novosel"}),
                json!({"first_name": "Peter N", "last_name": "Novosel"}),
            ),
            (
                Location,
                false,
                json!({"location_address": "15549 West 166th Street", "location_city": "Olathe", "location_state": "Kansas", "location_zip": "66062", "location_country": "US"}),
                json!("15549 West 166th Street, Olathe, Kansas, 66062, US"),
            ),
            (
                RecordReference,
                true,
                json!(["6cd4e5a5-8f6f-4b39-9d0b-a6a7b1d9bb20"]),
                json!(["6cd4e5a5-8f6f-4b39-9d0b-a6a7b1d9bb20"]),
            ),
        ];
        for (field_type, array, written, expected) in cases {
            let f = field(field_type, array);
            let input =
                attio_input(OrgId(1), &f, &written, "values.f", &[]).unwrap_or_else(|e| panic!("{written}: {e:?}"));
            let parsed = parse_values(&f, &input, "values.f").unwrap_or_else(|e| panic!("{written} as {input}: {e:?}"));
            let stored: Vec<&Map<String, Value>> = parsed.iter().map(|p| &p.fields).collect();
            let out = shown(&f, &stored, &|_| None);
            match field_type {
                Status => assert_eq!(out["value"], expected, "{written}"),
                PhoneNumber => assert_eq!(out[0]["sys_title"], expected, "{written}"),
                PersonalName => {
                    assert_eq!(
                        (&out["first_name"], &out["last_name"]),
                        (&expected["first_name"], &expected["last_name"])
                    )
                }
                Location => assert_eq!(out["sys_root"], expected, "{written}"),
                _ => assert_eq!(out, expected, "{written}"),
            }
        }
    }

    #[test]
    fn values_no_field_takes_are_refused_and_empty_ones_are_none() {
        use FieldType::*;
        let refused: Vec<(FieldType, Value)> = vec![
            (Number, json!("twelve")),
            (Number, json!({"value": 1})),
            (Checkbox, json!("yes")),
            (Date, json!({"date": 5})),
            (Select, json!(7)),
            (PhoneNumber, json!([{"phone_country": "US"}])),
            (PersonalName, json!({"nickname": "P"})),
            (Location, json!({"location_planet": "Mars"})),
            (RecordReference, json!([7])),
            (ActorReference, json!(["99"])),
            (Interaction, json!("x")),
        ];
        for (field_type, written) in refused {
            let f = field(field_type, true);
            assert!(
                attio_input(OrgId(1), &f, &written, "values.f", &[1]).is_err(),
                "{field_type:?} {written}"
            );
        }
        for (field_type, written) in [
            (Number, json!("")),
            (EmailAddress, json!([""])),
            (Date, json!({"date": null})),
        ] {
            let f = field(field_type, true);
            let input = attio_input(OrgId(1), &f, &written, "values.f", &[]).unwrap();
            assert!(parse_values(&f, &input, "values.f").unwrap().is_empty(), "{written}");
        }
    }

    #[test]
    fn a_user_field_names_members_by_user_id() {
        let f = field(FieldType::ActorReference, true);
        let input = attio_input(OrgId(1), &f, &json!(["3"]), "values.f", &[3]).unwrap();
        let member = OrgId(1).member_id(3).to_string();
        assert_eq!(input[0]["referenced_actor_id"], json!(member));
        let parsed = parse_values(&f, &input, "values.f").unwrap();
        let stored: Vec<&Map<String, Value>> = parsed.iter().map(|p| &p.fields).collect();
        let user_of = |id: &str| (id == member).then_some(3);
        assert_eq!(shown(&f, &stored, &user_of), json!(["3"]));
    }

    #[test]
    fn list_filters_become_the_planners_filters() {
        let mut stage = field(FieldType::Select, false);
        stage.key = "stage".into();
        stage.id = "f-stage".into();
        let mut size = field(FieldType::Number, false);
        size.key = "size".into();
        size.id = "f-size".into();
        let mut name = field(FieldType::Text, false);
        name.key = "name".into();
        name.id = "f-name".into();
        let mut table = crate::domain::table::Table::for_tests(vec![name, stage, size]);
        table.display_field_id = "f-name".into();
        let cases = [
            (
                json!({"operator": "and", "fields": [{"field": "stage", "comparison": "is", "value": "o1"}]}),
                json!({"$and": [{"stage": {"$eq": "o1"}}]}),
            ),
            (
                json!({"operator": "or", "fields": [
                    {"field": "size", "comparison": "is_greater_than", "value": "10"},
                    {"field": "title", "comparison": "contains", "value": "Ac"},
                    {"operator": "and", "fields": [{"field": "size", "comparison": "is_empty", "value": null}]}]}),
                json!({"$or": [{"size": {"$gt": 10}}, {"name": {"$contains": "Ac"}},
                               {"$and": [{"$not": {"size": {"$not_empty": true}}}]}]}),
            ),
            (
                json!({"fields": [{"field": "stage", "comparison": "has_none_of", "value": ["o1", "o2"]}]}),
                json!({"$and": [{"$not": {"stage": {"$in": ["o1", "o2"]}}}]}),
            ),
        ];
        for (written, expected) in cases {
            assert_eq!(attio_filter(&table, &written, "filter").unwrap(), expected, "{written}");
        }
        for bad in [
            json!({"operator": "xor", "fields": []}),
            json!({"fields": [{"field": "nope", "comparison": "is", "value": 1}]}),
            json!({"fields": [{"field": "size", "comparison": "is_like", "value": 1}]}),
            json!({"fields": [{"field": "size", "comparison": "is", "value": "ten"}]}),
            json!([]),
        ] {
            assert!(attio_filter(&table, &bad, "filter").is_err(), "{bad}");
        }
        assert_eq!(
            attio_sorts(
                &table,
                &json!([{"field": "size", "direction": "desc"}, {"field": "title"}]),
                "sort"
            )
            .unwrap(),
            [
                json!({"attribute": "size", "direction": "desc"}),
                json!({"attribute": "name", "direction": "asc"})
            ]
        );
        assert!(attio_sorts(&table, &json!([{"field": "size", "direction": "up"}]), "sort").is_err());
    }
}
