//! Attio's record query language: `filter` (attribute conditions combined with `$and` and
//! `$or`) and `sorts`, parsed against a table's fields into a form that is checked once and
//! then evaluated per record.
//!
//! Forms accepted: `{"name": "Acme"}` (equality on the attribute's main property);
//! `{"employees": {"$gt": 10, "$lte": 100}}`; `{"email": {"email_domain": "acme.com"}}`
//! (a property of the value); `{"$and": [...]}`, `{"$or": [...]}`. Operators: `$eq`, `$in`,
//! `$contains`, `$starts_with`, `$ends_with` (text-like), and `$gt`, `$gte`, `$lt`, `$lte`
//! on number, currency, rating, date and timestamp. An attribute with several values
//! matches when any one active value meets every condition given in its attribute object:
//! `{"scores": {"$gt": 0.3, "$lt": 0.6}}` is a value between the two, where
//! `{"$and": [{"scores": {"$gt": 0.3}}, {"scores": {"$lt": 0.6}}]}` may be met by two
//! values. Numbers compare exactly ([`Exact`]); select options and statuses compare by
//! the option (its id) and by the title it has now, not the title a value was written with.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::number::Exact;
use crate::domain::record::Record;
use crate::domain::table::FieldType;
use crate::domain::table::{FieldDef, Table};
use crate::domain::text::caseless_eq;
use crate::domain::Invalid;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    In,
    Contains,
    StartsWith,
    EndsWith,
    Gt,
    Gte,
    Lt,
    Lte,
    /// `$not_empty: true`: the attribute has an active value (with the property named).
    NotEmpty,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    /// `{"$not": filter}`.
    Not(Box<Filter>),
    /// `{"path": [[object, reference], ..., [object, attribute]], "constraints": {...}}`:
    /// the records reached by following the references (`hops`, field ids) match `inner`.
    Path {
        hops: Vec<String>,
        /// The ids of the tables the hops reach, whose records the query must have.
        tables: Vec<String>,
        inner: Box<Filter>,
    },
    /// Some active value of the field meets every condition.
    Value(ValueFilter),
}

/// The conditions of one attribute object, which one value must meet together.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFilter {
    pub field_id: String,
    pub conditions: Vec<Condition>,
    /// A select or status attribute's options, by id: the title each has now.
    titles: Option<Titles>,
}

/// One condition on one property of a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub property: String,
    pub op: Op,
    /// In the form stored values have (see `coerce`); for a select or status on its main
    /// property, the ids of the options named (with `Op::In`).
    pub value: Value,
}

/// Option id to its current title. A stored select or status value keeps the title it was
/// written with; filters and sorts use the title the option has now.
pub type Titles = Arc<BTreeMap<String, String>>;

fn titles(field: &FieldDef) -> Option<Titles> {
    matches!(field.field_type, FieldType::Select | FieldType::Status)
        .then(|| Arc::new(field.options.iter().map(|o| (o.id.clone(), o.title.clone())).collect()))
}

/// A stored option value's title now (its stored one if the option is gone).
fn current_title<'a>(option: &'a Map<String, Value>, titles: Option<&'a Titles>) -> Option<&'a str> {
    let id = option.get("id").and_then(Value::as_str);
    id.and_then(|id| titles?.get(id).map(String::as_str))
        .or_else(|| option.get("title").and_then(Value::as_str))
}

/// The property an attribute is compared by when no property is named.
pub fn main_property(field_type: FieldType) -> Option<&'static str> {
    Some(match field_type {
        FieldType::Text
        | FieldType::Number
        | FieldType::Checkbox
        | FieldType::Date
        | FieldType::Timestamp
        | FieldType::Rating => "value",
        FieldType::Currency => "currency_value",
        FieldType::Select => "option",
        FieldType::Status => "status",
        FieldType::ActorReference => "referenced_actor_id",
        FieldType::RecordReference => "target_record_id",
        FieldType::EmailAddress => "email_address",
        FieldType::PhoneNumber => "normalized_phone_number",
        FieldType::Domain => "domain",
        FieldType::PersonalName => "full_name",
        FieldType::Location | FieldType::Interaction => return None,
    })
}

fn ordered(field_type: FieldType) -> bool {
    matches!(
        field_type,
        FieldType::Number | FieldType::Currency | FieldType::Rating | FieldType::Date | FieldType::Timestamp
    )
}

/// The pseudo-field ids of Attio's system attributes every record has.
const RECORD_ID: &str = "$record_id";
const CREATED_AT: &str = "$created_at";

/// Attio's system attributes `record_id` (text) and `created_at` (timestamp), filtered and
/// sorted like fields; a field of the table with the same slug comes first.
fn system_attribute(key: &str) -> Option<&'static FieldDef> {
    static SYSTEM: std::sync::LazyLock<[FieldDef; 2]> = std::sync::LazyLock::new(|| {
        let system = |id: &str, key: &str, field_type| FieldDef {
            id: id.to_string(),
            key: key.to_string(),
            name: key.to_string(),
            description: None,
            field_type,
            optional: false,
            array: false,
            unique: true,
            indexed: false,
            link: None,
            link_slug: None,
            options: Vec::new(),
            readonly: true,
            created_at: String::new(),
            archived: false,
        };
        [
            system(RECORD_ID, "record_id", FieldType::Text),
            system(CREATED_AT, "created_at", FieldType::Timestamp),
        ]
    });
    SYSTEM.iter().find(|f| f.key == key)
}

/// A record's active value objects for a field id, or its system attribute's one value.
fn record_values<'r>(record: &'r Record, field_id: &str) -> Vec<Cow<'r, Map<String, Value>>> {
    let system = |value: &str| {
        let mut object = Map::new();
        object.insert("value".to_string(), Value::String(value.to_string()));
        vec![Cow::Owned(object)]
    };
    match field_id {
        RECORD_ID => system(&record.id),
        CREATED_AT => system(&record.created_at),
        _ => record.active(field_id).map(Cow::Borrowed).collect(),
    }
}

/// The organization's tables a query's paths may cross, by id or api_slug.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tables<'a>(pub &'a [Table]);

impl<'a> Tables<'a> {
    fn named(self, raw: &str) -> Option<&'a Table> {
        self.0.iter().find(|t| t.id == raw || t.api_slug == raw)
    }
}

/// The records of the tables a query's paths reach, by record id.
pub type Linked = HashMap<String, Record>;

/// Whether a query's filter or sorts hold a `path` (and so need the other tables).
pub fn uses_paths(filter: Option<&Value>, sorts: &[SortInput]) -> bool {
    fn in_filter(value: &Value) -> bool {
        match value {
            Value::Object(o) => o.contains_key("path") || o.values().any(in_filter),
            Value::Array(items) => items.iter().any(in_filter),
            _ => false,
        }
    }
    filter.is_some_and(in_filter) || sorts.iter().any(|s| s.path.is_some())
}

/// A parsed path: the reference field ids to follow, the ids of the tables they reach, and
/// the attribute at the end.
struct Steps<'t> {
    hops: Vec<String>,
    tables: Vec<String>,
    last: &'t FieldDef,
}

/// The steps of a path: `[[object, attribute], ...]`, the first object the one queried,
/// each attribute but the last a record reference to the next step's object.
fn parse_steps<'t>(table: &'t Table, tables: Tables<'t>, raw: &Value, path: &str) -> Result<Steps<'t>, Invalid> {
    let bad = |why: &str| Invalid::filter(format!("`{path}`: {why}"));
    let steps = raw
        .as_array()
        .filter(|s| !s.is_empty() && s.len() <= 4)
        .ok_or_else(|| bad("a path is an array of 1 to 4 [object, attribute] pairs"))?;
    let (mut hops, mut reached) = (Vec::new(), Vec::new());
    let mut current = table;
    for (i, step) in steps.iter().enumerate() {
        let pair = step
            .as_array()
            .filter(|p| p.len() == 2)
            .and_then(|p| Some((p[0].as_str()?, p[1].as_str()?)))
            .ok_or_else(|| bad("each step is an [object, attribute] pair of strings"))?;
        if pair.0 != current.api_slug && pair.0 != current.id {
            return Err(bad(&format!(
                "step {i} names \"{}\" where the path is at \"{}\"",
                pair.0, current.api_slug
            )));
        }
        let field = field(current, pair.1, &format!("{path}[{i}]"))?;
        if i + 1 == steps.len() {
            return Ok(Steps {
                hops,
                tables: reached,
                last: field,
            });
        }
        let next = field
            .link
            .as_deref()
            .and_then(|id| tables.named(id))
            .ok_or_else(|| bad(&format!("\"{}\" is not a record reference to follow", pair.1)))?;
        hops.push(field.id.clone());
        reached.push(next.id.clone());
        current = next;
    }
    unreachable!("a path has at least one step")
}

/// `{"path": [...], "constraints": {...}}`: the constraints are a condition on the last
/// step's attribute, as `{"attribute": constraints}` would be on its object.
fn parse_path_filter(
    table: &Table,
    tables: Tables<'_>,
    object: &Map<String, Value>,
    path: &str,
) -> Result<Filter, Invalid> {
    if object.keys().any(|k| k != "path" && k != "constraints") {
        return Err(Invalid::filter(format!(
            "`{path}`: a path filter has only `path` and `constraints`"
        )));
    }
    let steps = parse_steps(table, tables, &object["path"], &format!("{path}.path"))?;
    let constraints = object
        .get("constraints")
        .ok_or_else(|| Invalid::filter(format!("`{path}.constraints` is required")))?;
    let conditions = parse_attribute(steps.last, constraints, &format!("{path}.constraints"))?;
    Ok(Filter::Path {
        hops: steps.hops,
        tables: steps.tables,
        inner: Box::new(Filter::All(conditions)),
    })
}

/// The records `hops` lead to from `record`, through the linked records.
fn follow<'l>(record: &'l Record, hops: &[String], linked: &'l Linked) -> Vec<&'l Record> {
    let mut at = vec![record];
    for hop in hops {
        at = at
            .iter()
            .flat_map(|r| record_values(r, hop))
            .filter_map(|v| v.get("target_record_id").and_then(Value::as_str).map(str::to_string))
            .filter_map(|id| linked.get(&id))
            .collect();
    }
    at
}

fn field<'a>(table: &'a Table, key: &str, path: &str) -> Result<&'a FieldDef, Invalid> {
    table
        .field_by_key(key)
        .or_else(|| system_attribute(key))
        .ok_or_else(|| {
            Invalid::filter(format!(
                "`{path}`: no attribute with slug \"{key}\" on \"{}\"",
                table.api_slug
            ))
        })
}

/// Parses a filter object against `table`'s attributes; its paths may cross into `tables`.
pub fn parse_filter(table: &Table, tables: Tables<'_>, raw: &Value, path: &str) -> Result<Filter, Invalid> {
    let object = raw
        .as_object()
        .ok_or_else(|| Invalid::filter(format!("`{path}` must be an object")))?;
    if object.contains_key("path") {
        return parse_path_filter(table, tables, object, path);
    }
    let mut all = Vec::new();
    for (key, value) in object {
        let here = format!("{path}.{key}");
        match key.as_str() {
            "$and" | "$or" => {
                let items = value
                    .as_array()
                    .ok_or_else(|| Invalid::filter(format!("`{here}` must be an array of filters")))?;
                let parts = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| parse_filter(table, tables, item, &format!("{here}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                all.push(if key == "$and" {
                    Filter::All(parts)
                } else {
                    Filter::Any(parts)
                });
            }
            "$not" => all.push(Filter::Not(Box::new(parse_filter(table, tables, value, &here)?))),
            k if k.starts_with('$') => {
                return Err(Invalid::filter(format!(
                    "`{here}`: unknown operator; use $and, $or or $not here"
                )))
            }
            _ => {
                let field = field(table, key, &here)?;
                all.extend(parse_attribute(field, value, &here)?);
            }
        }
    }
    Ok(if all.len() == 1 {
        all.pop().expect("one")
    } else {
        Filter::All(all)
    })
}

/// One attribute object: its conditions, met by one value together, and any
/// `$not_empty: false` (no value at all), which no one value can meet.
fn parse_attribute(field: &FieldDef, raw: &Value, path: &str) -> Result<Vec<Filter>, Invalid> {
    let mut conditions = Vec::new();
    let mut empty = Vec::new();
    parse_conditions(field, None, raw, path, &mut conditions, &mut empty)?;
    let titles = titles(field);
    let group = |conditions: Vec<Condition>| {
        Filter::Value(ValueFilter {
            field_id: field.id.clone(),
            conditions,
            titles: titles.clone(),
        })
    };
    let mut filters: Vec<Filter> = empty
        .into_iter()
        .map(|c| Filter::Not(Box::new(group(vec![c]))))
        .collect();
    if !conditions.is_empty() {
        filters.insert(0, group(conditions));
    }
    Ok(filters)
}

fn parse_conditions(
    field: &FieldDef,
    property: Option<&str>,
    raw: &Value,
    path: &str,
    conditions: &mut Vec<Condition>,
    empty: &mut Vec<Condition>,
) -> Result<(), Invalid> {
    let Value::Object(object) = raw else {
        conditions.push(condition(field, property, Op::Eq, raw, path)?);
        return Ok(());
    };
    for (key, value) in object {
        let here = format!("{path}.{key}");
        let op = match key.as_str() {
            "$eq" => Op::Eq,
            "$in" => Op::In,
            "$contains" => Op::Contains,
            "$starts_with" => Op::StartsWith,
            "$ends_with" => Op::EndsWith,
            "$gt" => Op::Gt,
            "$gte" => Op::Gte,
            "$lt" => Op::Lt,
            "$lte" => Op::Lte,
            "$not_empty" => {
                let wanted = value
                    .as_bool()
                    .ok_or_else(|| Invalid::filter(format!("`{here}` takes true or false")))?;
                let not_empty = condition(field, property, Op::NotEmpty, &Value::Null, &here)?;
                if wanted {
                    conditions.push(not_empty);
                } else {
                    empty.push(not_empty);
                }
                continue;
            }
            k if k.starts_with('$') => return Err(Invalid::filter(format!("`{here}`: unknown operator"))),
            property_name if property.is_none() => {
                parse_conditions(field, Some(property_name), value, &here, conditions, empty)?;
                continue;
            }
            _ => return Err(Invalid::filter(format!("`{here}`: a property cannot have properties"))),
        };
        conditions.push(condition(field, property, op, value, &here)?);
    }
    Ok(())
}

fn condition(field: &FieldDef, property: Option<&str>, op: Op, raw: &Value, path: &str) -> Result<Condition, Invalid> {
    let property = match property.or(main_property(field.field_type)) {
        Some(p) => p.to_string(),
        None => {
            return Err(Invalid::filter(format!(
                "`{path}`: name a property of {} attributes, like {{\"locality\": ...}}",
                field.field_type.as_str()
            )))
        }
    };
    let on_main = main_property(field.field_type) == Some(property.as_str());
    // When a value became active (or stopped being), which any attribute's values have:
    // Attio filters select and status attributes on it (`{"stage": {"active_from":
    // {"$gte": "2023-11-20"}}}`).
    let when = matches!(property.as_str(), "active_from" | "active_until");
    if matches!(op, Op::Gt | Op::Gte | Op::Lt | Op::Lte) && !(when || (ordered(field.field_type) && on_main)) {
        return Err(Invalid::filter(format!(
            "`{path}`: $gt, $gte, $lt and $lte apply to number, currency, rating, date and timestamp attributes, and to active_from"
        )));
    }
    let coerce = |v: &Value| {
        if when {
            let form = "a date or timestamp, like 2023-11-20 or 2023-11-20T10:00:00Z";
            let text = v
                .as_str()
                .ok_or_else(|| Invalid::filter(format!("`{path}`: expected {form}")))?;
            let at =
                Timestamp::parse_attio(text).ok_or_else(|| Invalid::filter(format!("`{path}`: expected {form}")))?;
            return Ok(Value::String(at.nanos()));
        }
        coerce(field, on_main, v, path)
    };
    let by_option = on_main && matches!(field.field_type, FieldType::Select | FieldType::Status);
    let (op, value) = match op {
        Op::NotEmpty => (op, Value::Null),
        Op::Eq | Op::In if by_option => (Op::In, option_ids(field, op, raw, path)?),
        Op::In => (
            op,
            Value::Array(
                raw.as_array()
                    .ok_or_else(|| Invalid::filter(format!("`{path}`: $in takes an array")))?
                    .iter()
                    .map(coerce)
                    .collect::<Result<_, _>>()?,
            ),
        ),
        Op::Contains | Op::StartsWith | Op::EndsWith => (
            op,
            Value::String(
                raw.as_str()
                    .ok_or_else(|| Invalid::filter(format!("`{path}` takes a string")))?
                    .to_lowercase(),
            ),
        ),
        _ => (op, coerce(raw)?),
    };
    Ok(Condition { property, op, value })
}

/// The ids of the options (archived ones too) that an `$eq` or `$in` names, by id or by
/// title as it is now (compared as option titles are kept unique). A name no option has
/// names none, so it matches no record.
fn option_ids(field: &FieldDef, op: Op, raw: &Value, path: &str) -> Result<Value, Invalid> {
    let names: Vec<&Value> = match (op, raw) {
        (Op::In, Value::Array(items)) => items.iter().collect(),
        (Op::In, _) => return Err(Invalid::filter(format!("`{path}`: $in takes an array"))),
        (_, one) => vec![one],
    };
    let mut ids = Vec::new();
    for name in names {
        let name = name
            .as_str()
            .ok_or_else(|| Invalid::filter(format!("`{path}`: expected an option title or id")))?;
        for option in &field.options {
            if (option.id == name || caseless_eq(&option.title, name.trim())) && !ids.contains(&option.id) {
                ids.push(option.id.clone());
            }
        }
    }
    Ok(Value::Array(ids.into_iter().map(Value::String).collect()))
}

/// The filter value in the form stored values have, so that comparing is plain.
fn coerce(field: &FieldDef, on_main: bool, raw: &Value, path: &str) -> Result<Value, Invalid> {
    let wrong = |form: &str| Invalid::filter(format!("`{path}`: expected {form}"));
    if !on_main {
        return Ok(raw.clone());
    }
    Ok(match field.field_type {
        // Exactly as given: an integer past 2^53 stays itself.
        FieldType::Number | FieldType::Currency | FieldType::Rating => {
            Value::Number(crate::domain::record::number(raw).ok_or_else(|| wrong("a number"))?)
        }
        FieldType::Checkbox => Value::Bool(raw.as_bool().ok_or_else(|| wrong("true or false"))?),
        FieldType::Timestamp => {
            let form = "an RFC 3339 timestamp in the years 0000 to 9999 in UTC";
            let text = raw.as_str().ok_or_else(|| wrong(form))?;
            Value::String(Timestamp::parse_rfc3339(text).ok_or_else(|| wrong(form))?.nanos())
        }
        FieldType::Date => {
            let text = raw.as_str().ok_or_else(|| wrong("a date YYYY-MM-DD"))?;
            crate::time::parse_date(text).ok_or_else(|| wrong("a date YYYY-MM-DD"))?;
            Value::String(text.to_string())
        }
        FieldType::EmailAddress | FieldType::Domain => {
            Value::String(raw.as_str().ok_or_else(|| wrong("a string"))?.trim().to_lowercase())
        }
        _ => Value::String(raw.as_str().ok_or_else(|| wrong("a string"))?.to_string()),
    })
}

fn compare(actual: &Value, expected: &Value) -> Option<Ordering> {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => Some(Exact::of(a)?.cmp(&Exact::of(b)?)),
        (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn equal(actual: &Value, expected: &Value) -> bool {
    match actual {
        // A select option or status: the filter's names were resolved to option ids.
        Value::Object(option) => option.get("id").is_some_and(|id| id == expected),
        _ => compare(actual, expected) == Some(Ordering::Equal),
    }
}

fn text_of(actual: &Value, titles: Option<&Titles>) -> Option<String> {
    match actual {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Object(option) => current_title(option, titles).map(str::to_lowercase),
        _ => None,
    }
}

impl Condition {
    /// Whether one value (its object) meets this condition.
    fn met_by(&self, value: &Map<String, Value>, titles: Option<&Titles>) -> bool {
        let Some(actual) = value.get(&self.property).filter(|a| !a.is_null()) else {
            return false;
        };
        let expected = &self.value;
        match self.op {
            Op::NotEmpty => true,
            Op::Eq => equal(actual, expected),
            Op::In => expected
                .as_array()
                .is_some_and(|options| options.iter().any(|o| equal(actual, o))),
            Op::Contains | Op::StartsWith | Op::EndsWith => {
                let (Some(text), Some(needle)) = (text_of(actual, titles), expected.as_str()) else {
                    return false;
                };
                match self.op {
                    Op::Contains => text.contains(needle),
                    Op::StartsWith => text.starts_with(needle),
                    _ => text.ends_with(needle),
                }
            }
            Op::Gt => compare(actual, expected) == Some(Ordering::Greater),
            Op::Gte => matches!(compare(actual, expected), Some(Ordering::Greater | Ordering::Equal)),
            Op::Lt => compare(actual, expected) == Some(Ordering::Less),
            Op::Lte => matches!(compare(actual, expected), Some(Ordering::Less | Ordering::Equal)),
        }
    }
}

impl Filter {
    /// Whether `record` matches, its paths followed through `linked`.
    pub fn matches(&self, record: &Record, linked: &Linked) -> bool {
        match self {
            Filter::All(parts) => parts.iter().all(|f| f.matches(record, linked)),
            Filter::Any(parts) => parts.iter().any(|f| f.matches(record, linked)),
            Filter::Not(inner) => !inner.matches(record, linked),
            Filter::Path { hops, inner, .. } => follow(record, hops, linked)
                .into_iter()
                .any(|target| inner.matches(target, linked)),
            Filter::Value(filter) => record_values(record, &filter.field_id)
                .iter()
                .any(|v| filter.conditions.iter().all(|c| c.met_by(v, filter.titles.as_ref()))),
        }
    }
}

impl Filter {
    /// The ids of the tables this filter's paths reach.
    pub fn reached_tables(&self) -> Vec<String> {
        match self {
            Filter::All(parts) | Filter::Any(parts) => parts.iter().flat_map(Filter::reached_tables).collect(),
            Filter::Not(inner) => inner.reached_tables(),
            Filter::Path { tables, inner, .. } => tables.iter().cloned().chain(inner.reached_tables()).collect(),
            Filter::Value(_) => Vec::new(),
        }
    }
}

/// One of a query's `sorts`: `{"attribute": "name", "direction": "asc"}`, optionally with
/// the `field` (property) to sort by; or Attio's `{"path": [[object, reference], ...,
/// [object, attribute]], "direction": ...}`, by an attribute of the referenced record.
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SortInput {
    pub attribute: Option<String>,
    pub direction: Option<String>,
    pub field: Option<String>,
    #[schema(value_type = Option<Vec<Vec<String>>>)]
    pub path: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Sort {
    /// Reference field ids to follow first (a path sort), and the tables they reach.
    hops: Vec<String>,
    tables: Vec<String>,
    field_id: String,
    property: String,
    descending: bool,
    /// A select or status attribute's current titles, which it sorts by.
    titles: Option<Titles>,
}

impl Sort {
    pub fn reached_tables(&self) -> &[String] {
        &self.tables
    }
}

/// Parses sorts against `table`'s attributes; their paths may cross into `tables`.
pub fn parse_sorts(table: &Table, tables: Tables<'_>, sorts: &[SortInput]) -> Result<Vec<Sort>, Invalid> {
    sorts
        .iter()
        .enumerate()
        .map(|(i, sort)| {
            let path = format!("sorts[{i}]");
            let (hops, reached, field) = match (&sort.attribute, &sort.path) {
                (Some(attribute), None) => (Vec::new(), Vec::new(), field(table, attribute, &path)?),
                (None, Some(steps)) => {
                    let steps = parse_steps(table, tables, steps, &format!("{path}.path"))?;
                    (steps.hops, steps.tables, steps.last)
                }
                _ => return Err(Invalid::filter(format!("`{path}` takes an `attribute` or a `path`"))),
            };
            let descending = match sort.direction.as_deref().unwrap_or("asc") {
                "asc" => false,
                "desc" => true,
                _ => return Err(Invalid::filter(format!("`{path}.direction` must be asc or desc"))),
            };
            let property = sort
                .field
                .clone()
                .or(main_property(field.field_type).map(str::to_string))
                .ok_or_else(|| {
                    Invalid::filter(format!(
                        "`{path}.field` is required for {} attributes",
                        field.field_type.as_str()
                    ))
                })?;
            let titles = (main_property(field.field_type) == Some(property.as_str()))
                .then(|| titles(field))
                .flatten();
            Ok(Sort {
                hops,
                tables: reached,
                field_id: field.id.clone(),
                property,
                descending,
                titles,
            })
        })
        .collect()
}

/// Where a record stands in a sort: its key under each sort, and its display number. A
/// cursor holds the last one a page answered, and the next page is what comes after it,
/// so a record inserted or deleted meanwhile moves no other record across pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rank {
    pub keys: Vec<Option<SortKey>>,
    pub number: u64,
}

pub fn rank(record: &Record, sorts: &[Sort], linked: &Linked) -> Rank {
    Rank {
        keys: sorts.iter().map(|sort| sort_key(record, sort, linked)).collect(),
        number: record.number,
    }
}

/// Two records' ranks in the sorts' order (path sorts followed through the linked records
/// [`rank`] read), records without a value last, then by display number in the last sort's
/// direction: so a sort down is the exact reverse of the same sort up (records without a
/// value aside, which come last either way), and an index read backwards gives it. The
/// order is total over any mix of values (see [`SortKey`]), as `sort_by` requires.
pub fn compare_ranks(a: &Rank, b: &Rank, sorts: &[Sort]) -> Ordering {
    for ((sort, x), y) in sorts.iter().zip(&a.keys).zip(&b.keys) {
        let ordering = compare_sort_keys(x.clone(), y.clone(), sort.descending);
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    match sorts.last() {
        Some(sort) if sort.descending => b.number.cmp(&a.number),
        _ => a.number.cmp(&b.number),
    }
}

/// A record's value under one sort: its first active value's property, select options and
/// statuses by their current title, text ignoring case. `None` when it has none (or the
/// property is null).
fn sort_key(record: &Record, sort: &Sort, linked: &Linked) -> Option<SortKey> {
    let target = *follow(record, &sort.hops, linked).first()?;
    let values = record_values(target, &sort.field_id);
    let value = values.first()?.get(&sort.property)?;
    match (value, &sort.titles) {
        (Value::Object(option), Some(titles)) => {
            current_title(option, Some(titles)).map(|title| SortKey::Text(sorted_text(title)))
        }
        _ => SortKey::of(value),
    }
}

/// Two sort keys in the sort's direction; records without a value come last either way.
pub fn compare_sort_keys(a: Option<SortKey>, b: Option<SortKey>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if descending => y.cmp(&x),
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// A value as sorts compare it, in a total order: numbers (exactly), then text, then
/// booleans, then anything else (equal among themselves). A property of mixed kinds
/// across records (a number here, text there) still sorts, never panics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Number(Exact),
    Text(String),
    Bool(bool),
    Other,
}

/// Text sorts by its first this many bytes (lowercased), then by display number: an index
/// key holds no more, and sorting in memory does the same, so every query orders alike.
pub const SORTED_TEXT_BYTES: usize = 400;

/// `text` lowercased, cut to at most [`SORTED_TEXT_BYTES`] on a character boundary.
fn sorted_text(text: &str) -> String {
    let mut lower = text.to_lowercase();
    if lower.len() > SORTED_TEXT_BYTES {
        let cut = (0..=SORTED_TEXT_BYTES)
            .rev()
            .find(|i| lower.is_char_boundary(*i))
            .unwrap_or(0);
        lower.truncate(cut);
    }
    lower
}

impl SortKey {
    pub fn of(value: &Value) -> Option<Self> {
        Some(match value {
            Value::Null => return None,
            Value::Number(n) => Exact::of(n).map_or(Self::Other, Self::Number),
            Value::String(s) => Self::Text(sorted_text(s)),
            Value::Bool(b) => Self::Bool(*b),
            Value::Object(option) => match option.get("title") {
                Some(Value::String(title)) => Self::Text(sorted_text(title)),
                _ => Self::Other,
            },
            Value::Array(_) => Self::Other,
        })
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Number(_) => 0,
            Self::Text(_) => 1,
            Self::Bool(_) => 2,
            Self::Other => 3,
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortKey {}

/// How a query reads its records: which index, and in what order.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Every record in display-number order (the table's GSI1 list), filtered as it streams.
    Numbers,
    /// The index of one field, from `lower` to `upper`.
    Index(IndexScan),
    /// The one record that may hold `value` of a unique attribute (its sentinel).
    Unique { field_id: String, value: Value },
}

/// A read of one field's index (see `store::index`): its entries are ordered by the value's
/// [`SortKey`], then display number.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexScan {
    pub field_id: String,
    /// The least and greatest keys read, each with whether it is itself included.
    pub lower: Option<(SortKey, bool)>,
    pub upper: Option<(SortKey, bool)>,
    pub descending: bool,
    /// The scan's order is the answer's: a sort by the field, or one value (equal keys
    /// come by display number). Otherwise (a range, unsorted) the matches are put in
    /// display-number order once all are read.
    pub in_order: bool,
    /// A sort by the field over every record: the records without a value come after the
    /// index's, in display-number order (the index has no entry for them).
    pub then_without_value: bool,
}

/// The key a value of `field` has in its index (see `store::index`): its main property's
/// [`SortKey`]. (Select and status attributes, whose titles can change, are never indexed.)
pub fn index_key(field: &FieldDef, value: &Map<String, Value>) -> Option<SortKey> {
    SortKey::of(value.get(main_property(field.field_type)?)?)
}

/// The cheapest way to answer a query: a sort by one indexed attribute reads its index in
/// that order; with no sort, an equality on a unique attribute reads the one record its
/// sentinel names, and an equality or range condition on an indexed attribute that
/// every match must meet (the filter itself, or one of its `$and`) reads that part of the
/// index. Anything else reads the table in display-number order. The whole filter is still
/// applied to every record read, so a plan only ever reads more than the answer, never less.
pub fn plan(table: &Table, filter: Option<&Filter>, sorts: &[Sort]) -> Plan {
    let conjuncts: Vec<&Filter> = filter.map(conjuncts).unwrap_or_default();
    let indexed = |field_id: &str| table.fields.values().find(|f| f.id == field_id && f.indexed);
    if let [sort] = sorts {
        let Some(field) = indexed(&sort.field_id).filter(|f| {
            sort.hops.is_empty() && !f.array && main_property(f.field_type) == Some(sort.property.as_str())
        }) else {
            return Plan::Numbers;
        };
        let (lower, upper) = bounds(&conjuncts, field);
        let narrowed = lower.is_some() || upper.is_some();
        return Plan::Index(IndexScan {
            field_id: field.id.clone(),
            lower,
            upper,
            descending: sort.descending,
            in_order: true,
            then_without_value: !narrowed,
        });
    }
    if !sorts.is_empty() {
        return Plan::Numbers;
    }
    if let Some(unique) = unique_plan(table, &conjuncts) {
        return unique;
    }
    let usable = |equal_only: bool| {
        conjuncts.iter().find_map(|c| match c {
            Filter::Value(group) => indexed(&group.field_id).filter(|f| {
                group
                    .conditions
                    .iter()
                    .any(|c| bound_of(f, c).is_some() && (!equal_only || ranged(c.op).is_none()))
            }),
            _ => None,
        })
    };
    let Some(field) = usable(true).or_else(|| usable(false)) else {
        return Plan::Numbers;
    };
    let (lower, upper) = bounds(&conjuncts, field);
    let one_value = matches!((&lower, &upper), (Some((a, true)), Some((b, true))) if a == b);
    Plan::Index(IndexScan {
        field_id: field.id.clone(),
        lower,
        upper,
        descending: false,
        in_order: one_value,
        then_without_value: false,
    })
}

/// An equality on a unique attribute's main property, which its sentinel answers.
fn unique_plan(table: &Table, conjuncts: &[&Filter]) -> Option<Plan> {
    conjuncts.iter().find_map(|c| {
        let Filter::Value(group) = c else { return None };
        let field = table.fields.values().find(|f| f.id == group.field_id && f.unique)?;
        group
            .conditions
            .iter()
            .find(|c| c.op == Op::Eq && main_property(field.field_type) == Some(c.property.as_str()))
            .map(|c| Plan::Unique {
                field_id: field.id.clone(),
                value: c.value.clone(),
            })
    })
}

/// The side of a range a comparison bounds: `Greater` for a lower bound.
fn ranged(op: Op) -> Option<(Ordering, bool)> {
    match op {
        Op::Gt => Some((Ordering::Greater, false)),
        Op::Gte => Some((Ordering::Greater, true)),
        Op::Lt => Some((Ordering::Less, false)),
        Op::Lte => Some((Ordering::Less, true)),
        _ => None,
    }
}

/// The conditions every match must meet: the filter, or the parts of its `$and`s.
fn conjuncts(filter: &Filter) -> Vec<&Filter> {
    match filter {
        Filter::All(parts) => parts.iter().flat_map(conjuncts).collect(),
        other => vec![other],
    }
}

type Bound = Option<(SortKey, bool)>;

/// The bounds one condition puts on `field`'s index keys, if it is on the main property
/// (another property, such as `active_from` or `currency_code`, says nothing of them):
/// `(lower, upper)`. An equality is both; a one-value `$in` is an equality.
fn bound_of(field: &FieldDef, condition: &Condition) -> Option<(Bound, Bound)> {
    if main_property(field.field_type) != Some(condition.property.as_str()) {
        return None;
    }
    let equal_to = |value: &Value| {
        let key = SortKey::of(value)?;
        Some((Some((key.clone(), true)), Some((key, true))))
    };
    match (condition.op, &condition.value) {
        (Op::Eq, value) => equal_to(value),
        (Op::In, Value::Array(values)) if values.len() == 1 => equal_to(&values[0]),
        (op, value) => {
            let (side, inclusive) = ranged(op)?;
            let key = Some((SortKey::of(value)?, inclusive));
            Some(if side == Ordering::Greater {
                (key, None)
            } else {
                (None, key)
            })
        }
    }
}

/// The narrowest key range the conditions on `field`'s main property allow. An equality
/// on text is looked up by its sort key (lowercased), which finds every case of it; the
/// filter then keeps the exact matches. On a multi-value attribute each attribute object
/// may be met by another of its values, so only one of them bounds the read.
fn bounds(conjuncts: &[&Filter], field: &FieldDef) -> (Bound, Bound) {
    let groups = conjuncts.iter().filter_map(|c| match c {
        Filter::Value(group) if group.field_id == field.id => Some(group),
        _ => None,
    });
    let bounding = |group: &&ValueFilter| group.conditions.iter().any(|c| bound_of(field, c).is_some());
    let groups: Vec<&ValueFilter> = if field.array {
        groups.filter(bounding).take(1).collect()
    } else {
        groups.collect()
    };
    let (mut lower, mut upper): (Bound, Bound) = (None, None);
    for (low, high) in groups
        .iter()
        .flat_map(|g| &g.conditions)
        .filter_map(|c| bound_of(field, c))
    {
        lower = tighter(lower, low, Ordering::Greater);
        upper = tighter(upper, high, Ordering::Less);
    }
    (lower, upper)
}

/// Of two bounds, the one further in `direction` (an exclusive one wins a tie).
fn tighter(current: Bound, new: Bound, direction: Ordering) -> Bound {
    match (current, new) {
        (Some(a), Some(b)) => match b.0.cmp(&a.0) {
            o if o == direction => Some(b),
            Ordering::Equal => Some((a.0, a.1 && b.1)),
            _ => Some(a),
        },
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{json, Value};

    use super::{compare_ranks, parse_filter, parse_sorts, rank, Linked, SortInput, Tables};
    use crate::domain::record::Record;
    use crate::domain::table::{FieldDef, FieldType, Table};

    fn table() -> Table {
        let mut employees = FieldDef::for_tests(FieldType::Number);
        employees.id = "f-employees".into();
        employees.key = "employees".into();
        Table::for_tests(vec![employees])
    }

    fn record(number: u64, created_at: &str, employees: Option<i64>) -> Record {
        let value = |n: i64| json!({"value": n, "active_from": created_at, "active_until": null});
        let values = employees
            .map(|n| BTreeMap::from([("f-employees".to_string(), vec![value(n)])]))
            .unwrap_or_default();
        Record {
            id: format!("00000000-0000-4000-8000-00000000000{number}"),
            org_id: 1,
            table_id: "t".into(),
            number,
            created_at: created_at.into(),
            created_by: "k".into(),
            values,
            version: 0,
            ref_count: 0,
        }
    }

    fn records() -> Vec<Record> {
        vec![
            record(1, "2024-01-01T00:00:00.000000000Z", Some(10)),
            record(2, "2025-06-01T00:00:00.000000000Z", None),
            record(3, "2026-01-01T00:00:00.000000000Z", Some(50)),
        ]
    }

    #[test]
    fn filters_select_the_records_attio_documents() {
        let cases: &[(Value, &[u64])] = &[
            (json!({"employees": {"$not_empty": true}}), &[1, 3]),
            (json!({"employees": {"$not_empty": false}}), &[2]),
            (json!({"$not": {"employees": {"$gt": 20}}}), &[1, 2]),
            (json!({"$not": {"$or": [{"employees": 10}, {"employees": 50}]}}), &[2]),
            (json!({"record_id": "00000000-0000-4000-8000-000000000002"}), &[2]),
            (
                json!({"record_id": {"$in": ["00000000-0000-4000-8000-000000000001", "x"]}}),
                &[1],
            ),
            (json!({"created_at": {"$gte": "2025-01-01T00:00:00Z"}}), &[2, 3]),
            (json!({"created_at": {"$lt": "2025-06-01T00:00:00.000000000Z"}}), &[1]),
            (json!({"employees": {"active_from": {"$gte": "2025"}}}), &[3]),
            (
                json!({"path": [["companies", "employees"]], "constraints": {"$gt": 20}}),
                &[3],
            ),
            (
                json!({"$not": {"path": [["companies", "employees"]], "constraints": {"$gt": 20}}}),
                &[1, 2],
            ),
            (
                json!({"employees": {"active_from": {"$lt": "2025-01-01T00:00:00Z"}}}),
                &[1],
            ),
        ];
        let table = table();
        for (raw, expected) in cases {
            let filter =
                parse_filter(&table, Tables::default(), raw, "filter").unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            let matched: Vec<u64> = records()
                .iter()
                .filter(|r| filter.matches(r, &Linked::new()))
                .map(|r| r.number)
                .collect();
            assert_eq!(&matched, expected, "{raw}");
        }
    }

    #[test]
    fn bad_system_attribute_filters_are_filter_errors() {
        let table = table();
        for raw in [
            json!({"created_at": {"$gt": "yesterday"}}),
            json!({"employees": {"$not_empty": "yes"}}),
            json!({"$not": 1}),
            json!({"$nor": []}),
            json!({"path": "companies", "constraints": {}}),
            json!({"path": [], "constraints": {}}),
            json!({"path": [["people", "employees"]], "constraints": {"$gt": 1}}),
            json!({"path": [["companies", "employees"], ["people", "name"]], "constraints": {}}),
            json!({"path": [["companies", "employees"]]}),
            json!({"path": [["companies", "employees"]], "constraints": {}, "extra": 1}),
        ] {
            assert!(
                parse_filter(&table, Tables::default(), &raw, "filter").is_err(),
                "{raw}"
            );
        }
    }

    #[test]
    fn created_at_sorts_like_a_timestamp() {
        let table = table();
        let sorts = parse_sorts(
            &table,
            Tables::default(),
            &[SortInput {
                attribute: Some("created_at".into()),
                direction: Some("desc".into()),
                field: None,
                path: None,
            }],
        )
        .expect("created_at sorts");
        let mut sorted = records();
        let linked = Linked::new();
        sorted.sort_by(|a, b| compare_ranks(&rank(a, &sorts, &linked), &rank(b, &sorts, &linked), &sorts));
        assert_eq!(sorted.iter().map(|r| r.number).collect::<Vec<_>>(), [3, 2, 1]);
    }
}
