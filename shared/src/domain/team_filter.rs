//! SmartSuite's record filter over teams, parsed before any read: `{"operator": "and" |
//! "or", "fields": [{"field", "comparison", "value"}]}`, with the comparisons SmartSuite
//! documents for each field type of a team (developers.smartsuite.com, "Sort & filter"):
//!
//! | field | type | comparisons |
//! |---|---|---|
//! | `name` | text | is, is_not, is_empty, is_not_empty, contains, not_contains |
//! | `status`, `type` | single select | is, is_not, is_any_of, is_none_of, is_empty, is_not_empty |
//! | `owners`, `members` | assigned to | has_any_of, has_all_of, is_exactly, has_none_of, is_empty, is_not_empty |
//! | `first_created`, `last_updated` | date | is, is_not, is_before, is_on_or_before, is_on_or_after, is_empty, is_not_empty |
//!
//! Text compares ignoring case. A date is a date value object, `{"date_mode":
//! "exact_date", "date_mode_value": "2023-02-01"}` or a relative mode (`today`,
//! `one_week_ago`, ...), compared by calendar date in UTC.

use serde_json::Value;
use time::{Date, Duration};

use super::team::FilterInput;
use super::Invalid;

/// What a filter sees of a team.
#[derive(Debug, Clone, Copy)]
pub struct TeamFacts<'a> {
    pub name: &'a str,
    pub status: u8,
    pub team_type: u8,
    pub owners: &'a [String],
    pub members: &'a [String],
    /// RFC 3339 timestamps.
    pub created_on: &'a str,
    pub updated_on: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamFilter {
    any: bool,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Name(TextOp),
    Status(ChoiceOp),
    Type(ChoiceOp),
    Owners(PeopleOp),
    Members(PeopleOp),
    Created(DateOp),
    Updated(DateOp),
}

#[derive(Debug, Clone, PartialEq)]
enum TextOp {
    Is(String),
    IsNot(String),
    Contains(String),
    NotContains(String),
    Empty(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum ChoiceOp {
    AnyOf(Vec<u8>),
    NoneOf(Vec<u8>),
    Empty(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum PeopleOp {
    AnyOf(Vec<String>),
    AllOf(Vec<String>),
    Exactly(Vec<String>),
    NoneOf(Vec<String>),
    Empty(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum DateOp {
    Is(Date),
    IsNot(Date),
    Before(Date),
    OnOrBefore(Date),
    OnOrAfter(Date),
    Empty(bool),
}

impl TeamFilter {
    /// Parses SmartSuite's filter; `today` is the date relative modes count from.
    pub fn parse(input: &FilterInput, today: Date) -> Result<Self, Invalid> {
        let any = any_of(input)?;
        let conditions = input
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| condition(&f.field, &f.comparison, &f.value, today, &format!("filter.fields[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok(Self { any, conditions })
    }

    pub fn matches(&self, team: &TeamFacts) -> bool {
        combine(self.any, self.conditions.iter().map(|c| c.matches(team)))
    }
}

/// Whether the filter's `operator` is `or` (any condition) rather than `and` (all).
fn any_of(input: &FilterInput) -> Result<bool, Invalid> {
    match input.operator.as_str() {
        "and" => Ok(false),
        "or" => Ok(true),
        other => Err(Invalid::value(format!(
            "`filter.operator` must be and or or, not `{other}`"
        ))),
    }
}

/// The conditions' results under `and` or `or`; no condition at all matches everything.
fn combine(any: bool, results: impl Iterator<Item = bool>) -> bool {
    let mut results = results.peekable();
    if results.peek().is_none() {
        return true;
    }
    if any {
        results.any(|r| r)
    } else {
        results.all(|r| r)
    }
}

fn condition(field: &str, comparison: &str, value: &Value, today: Date, path: &str) -> Result<Condition, Invalid> {
    let refused = |kinds: &str| {
        Invalid::value(format!(
            "`{path}`: `{field}` cannot be compared by `{comparison}`; it takes {kinds}"
        ))
    };
    Ok(match field {
        "name" => Condition::Name(text_op(comparison, value, path).ok_or_else(|| {
            refused("is, is_not, is_empty, is_not_empty, contains, not_contains")
        })??),
        "status" | "type" => {
            let op = choice_op(comparison, value, path, if field == "status" { &[1, 2] } else { &[2] })
                .ok_or_else(|| refused("is, is_not, is_any_of, is_none_of, is_empty, is_not_empty"))??;
            if field == "status" {
                Condition::Status(op)
            } else {
                Condition::Type(op)
            }
        }
        "owners" | "members" => {
            let op = people_op(comparison, value, path)
                .ok_or_else(|| refused("has_any_of, has_all_of, is_exactly, has_none_of, is_empty, is_not_empty"))??;
            if field == "owners" {
                Condition::Owners(op)
            } else {
                Condition::Members(op)
            }
        }
        "first_created" | "last_updated" => {
            let op = date_op(comparison, value, today, path).ok_or_else(|| {
                refused("is, is_not, is_before, is_on_or_before, is_on_or_after, is_empty, is_not_empty")
            })??;
            if field == "first_created" {
                Condition::Created(op)
            } else {
                Condition::Updated(op)
            }
        }
        other => {
            return Err(Invalid::value(format!(
                "`{path}.field`: teams are filtered by name, status, type, owners, members, first_created or last_updated, not `{other}`"
            )))
        }
    })
}

/// `None` when the comparison is not one of the type's; `Some(Err)` when its value is bad.
type Parsed<T> = Option<Result<T, Invalid>>;

fn text_op(comparison: &str, value: &Value, path: &str) -> Parsed<TextOp> {
    let text = || {
        value
            .as_str()
            .map(str::to_lowercase)
            .ok_or_else(|| Invalid::value(format!("`{path}.value` must be a string")))
    };
    Some(match comparison {
        "is" => text().map(TextOp::Is),
        "is_not" => text().map(TextOp::IsNot),
        "contains" => text().map(TextOp::Contains),
        "not_contains" => text().map(TextOp::NotContains),
        "is_empty" => Ok(TextOp::Empty(true)),
        "is_not_empty" => Ok(TextOp::Empty(false)),
        _ => return None,
    })
}

/// A select's value: one code (a number or a numeric string), or a list of them.
fn codes(value: &Value, allowed: &[u8], path: &str) -> Result<Vec<u8>, Invalid> {
    let one = |v: &Value| {
        let code = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        code.and_then(|c| u8::try_from(c).ok())
            .filter(|c| allowed.contains(c))
            .ok_or_else(|| Invalid::value(format!("`{path}.value` must be one of {allowed:?}")))
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        single => one(single).map(|c| vec![c]),
    }
}

fn choice_op(comparison: &str, value: &Value, path: &str, allowed: &[u8]) -> Parsed<ChoiceOp> {
    Some(match comparison {
        "is" | "is_any_of" => codes(value, allowed, path).map(ChoiceOp::AnyOf),
        "is_not" | "is_none_of" => codes(value, allowed, path).map(ChoiceOp::NoneOf),
        "is_empty" => Ok(ChoiceOp::Empty(true)),
        "is_not_empty" => Ok(ChoiceOp::Empty(false)),
        _ => return None,
    })
}

fn people_op(comparison: &str, value: &Value, path: &str) -> Parsed<PeopleOp> {
    let ids = || -> Result<Vec<String>, Invalid> {
        let bad = || Invalid::value(format!("`{path}.value` must be a user id or a list of them"));
        match value {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Number(n) => Ok(vec![n.to_string()]),
            Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(bad()),
                })
                .collect(),
            _ => Err(bad()),
        }
    };
    Some(match comparison {
        "has_any_of" => ids().map(PeopleOp::AnyOf),
        "has_all_of" => ids().map(PeopleOp::AllOf),
        "is_exactly" => ids().map(PeopleOp::Exactly),
        "has_none_of" => ids().map(PeopleOp::NoneOf),
        "is_empty" => Ok(PeopleOp::Empty(true)),
        "is_not_empty" => Ok(PeopleOp::Empty(false)),
        _ => return None,
    })
}

/// A date value object: `{"date_mode": "exact_date", "date_mode_value": "2023-02-01"}`, or
/// a mode relative to today.
fn date_value(value: &Value, today: Date, path: &str) -> Result<Date, Invalid> {
    let bad = |why: &str| Invalid::value(format!("`{path}.value`: {why}"));
    let mode = value
        .get("date_mode")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("a date value object {\"date_mode\", \"date_mode_value\"}"))?;
    let days = |n: i64| today.checked_add(Duration::days(n)).ok_or_else(|| bad("out of range"));
    match mode {
        "exact_date" => value
            .get("date_mode_value")
            .and_then(Value::as_str)
            .and_then(|d| crate::time::parse_date(d.get(..10).unwrap_or(d)))
            .ok_or_else(|| bad("exact_date takes date_mode_value as YYYY-MM-DD")),
        "today" => Ok(today),
        "yesterday" => days(-1),
        "one_week_ago" => days(-7),
        "one_week_from_now" => days(7),
        "one_month_ago" => days(-30),
        "one_month_from_now" => days(30),
        "one_year_ago" => days(-365),
        "one_year_from_now" => days(365),
        other => Err(bad(&format!(
            "date_mode `{other}` is not supported here; use exact_date, today, yesterday, one_week_ago, one_week_from_now, one_month_ago, one_month_from_now, one_year_ago or one_year_from_now"
        ))),
    }
}

fn date_op(comparison: &str, value: &Value, today: Date, path: &str) -> Parsed<DateOp> {
    let date = || date_value(value, today, path);
    Some(match comparison {
        "is" => date().map(DateOp::Is),
        "is_not" => date().map(DateOp::IsNot),
        "is_before" => date().map(DateOp::Before),
        "is_on_or_before" => date().map(DateOp::OnOrBefore),
        "is_on_or_after" => date().map(DateOp::OnOrAfter),
        "is_empty" => Ok(DateOp::Empty(true)),
        "is_not_empty" => Ok(DateOp::Empty(false)),
        _ => return None,
    })
}

impl Condition {
    fn matches(&self, team: &TeamFacts) -> bool {
        match self {
            Condition::Name(op) => op.matches(team.name),
            Condition::Status(op) => op.matches(team.status),
            Condition::Type(op) => op.matches(team.team_type),
            Condition::Owners(op) => op.matches(team.owners),
            Condition::Members(op) => op.matches(team.members),
            Condition::Created(op) => op.matches(team.created_on),
            Condition::Updated(op) => op.matches(team.updated_on),
        }
    }
}

impl TextOp {
    fn matches(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        match self {
            TextOp::Is(v) => text == *v,
            TextOp::IsNot(v) => text != *v,
            TextOp::Contains(v) => text.contains(v.as_str()),
            TextOp::NotContains(v) => !text.contains(v.as_str()),
            TextOp::Empty(empty) => text.is_empty() == *empty,
        }
    }
}

impl ChoiceOp {
    fn matches(&self, code: u8) -> bool {
        match self {
            ChoiceOp::AnyOf(codes) => codes.contains(&code),
            ChoiceOp::NoneOf(codes) => !codes.contains(&code),
            // A team always has a status and a type.
            ChoiceOp::Empty(empty) => !*empty,
        }
    }
}

impl PeopleOp {
    fn matches(&self, people: &[String]) -> bool {
        match self {
            PeopleOp::AnyOf(ids) => ids.iter().any(|id| people.contains(id)),
            PeopleOp::AllOf(ids) => ids.iter().all(|id| people.contains(id)),
            PeopleOp::Exactly(ids) => {
                ids.iter().all(|id| people.contains(id)) && people.iter().all(|p| ids.contains(p))
            }
            PeopleOp::NoneOf(ids) => !ids.iter().any(|id| people.contains(id)),
            PeopleOp::Empty(empty) => people.is_empty() == *empty,
        }
    }
}

impl DateOp {
    fn matches(&self, timestamp: &str) -> bool {
        let date = crate::time::Timestamp::parse_rfc3339(timestamp).map(|t| t.utc_date());
        match (self, date) {
            (DateOp::Empty(empty), date) => date.is_none() == *empty,
            (_, None) => false,
            (DateOp::Is(d), Some(date)) => date == *d,
            (DateOp::IsNot(d), Some(date)) => date != *d,
            (DateOp::Before(d), Some(date)) => date < *d,
            (DateOp::OnOrBefore(d), Some(date)) => date <= *d,
            (DateOp::OnOrAfter(d), Some(date)) => date >= *d,
        }
    }
}

/// What a filter sees of a member (SmartSuite's member object, over an organization's
/// users): `full_name` and `email` are text, `role` a select (ADMIN 1, SOLUTION_MANAGER 2,
/// GENERAL 3), `teams` an assigned-to list of team ids.
#[derive(Debug, Clone, Copy)]
pub struct MemberFacts<'a> {
    pub full_name: &'a str,
    pub email: &'a str,
    pub role: u8,
    pub teams: &'a [String],
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberFilter {
    any: bool,
    conditions: Vec<MemberCondition>,
}

#[derive(Debug, Clone, PartialEq)]
enum MemberCondition {
    FullName(TextOp),
    Email(TextOp),
    Role(ChoiceOp),
    Teams(PeopleOp),
}

impl MemberFilter {
    pub fn parse(input: &FilterInput) -> Result<Self, Invalid> {
        let any = any_of(input)?;
        let mut conditions = Vec::with_capacity(input.fields.len());
        for (i, f) in input.fields.iter().enumerate() {
            let path = format!("filter.fields[{i}]");
            let refused = |kinds: &str| {
                Invalid::value(format!(
                    "`{path}`: `{}` cannot be compared by `{}`; it takes {kinds}",
                    f.field, f.comparison
                ))
            };
            let text = "is, is_not, is_empty, is_not_empty, contains, not_contains";
            conditions.push(match f.field.as_str() {
                "full_name" => {
                    MemberCondition::FullName(text_op(&f.comparison, &f.value, &path).ok_or_else(|| refused(text))??)
                }
                "email" => {
                    MemberCondition::Email(text_op(&f.comparison, &f.value, &path).ok_or_else(|| refused(text))??)
                }
                "role" => MemberCondition::Role(
                    choice_op(&f.comparison, &f.value, &path, &[1, 2, 3, 4, 5])
                        .ok_or_else(|| refused("is, is_not, is_any_of, is_none_of, is_empty, is_not_empty"))??,
                ),
                "teams" => MemberCondition::Teams(people_op(&f.comparison, &f.value, &path).ok_or_else(|| {
                    refused("has_any_of, has_all_of, is_exactly, has_none_of, is_empty, is_not_empty")
                })??),
                other => {
                    return Err(Invalid::value(format!(
                        "`{path}.field`: members are filtered by full_name, email, role or teams, not `{other}`"
                    )))
                }
            });
        }
        Ok(Self { any, conditions })
    }

    pub fn matches(&self, member: &MemberFacts) -> bool {
        let results = self.conditions.iter().map(|c| match c {
            MemberCondition::FullName(op) => op.matches(member.full_name),
            MemberCondition::Email(op) => op.matches(member.email),
            MemberCondition::Role(op) => op.matches(member.role),
            MemberCondition::Teams(op) => op.matches(member.teams),
        });
        combine(self.any, results)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::date;

    use super::{TeamFacts, TeamFilter};
    use crate::domain::team::FilterInput;

    fn filter(raw: serde_json::Value) -> Result<TeamFilter, String> {
        let input: FilterInput = serde_json::from_value(raw).map_err(|e| e.to_string())?;
        TeamFilter::parse(&input, date!(2026 - 11 - 26)).map_err(|e| e.to_string())
    }

    #[test]
    fn every_documented_comparison_selects_what_it_says() {
        let owners = vec!["1".to_string()];
        let members = vec!["1".to_string(), "2".to_string()];
        let team = TeamFacts {
            name: "Sales Team",
            status: 1,
            team_type: 2,
            owners: &owners,
            members: &members,
            created_on: "2026-11-20T10:00:00Z",
            updated_on: "2026-11-26T10:00:00Z",
        };
        let exact = |d: &str| json!({"date_mode": "exact_date", "date_mode_value": d});
        let cases = [
            ("name", "is", json!("sales team"), true),
            ("name", "is_not", json!("Sales Team"), false),
            ("name", "contains", json!("SALES"), true),
            ("name", "not_contains", json!("ops"), true),
            ("name", "is_empty", json!(""), false),
            ("name", "is_not_empty", json!(""), true),
            ("status", "is", json!(1), true),
            ("status", "is_not", json!("1"), false),
            ("status", "is_any_of", json!(["2", 1]), true),
            ("status", "is_none_of", json!([2]), true),
            ("status", "is_empty", json!(null), false),
            ("type", "is", json!("2"), true),
            ("owners", "has_any_of", json!(["1", "9"]), true),
            ("members", "has_all_of", json!(["1", "2"]), true),
            ("members", "is_exactly", json!(["2", "1"]), true),
            ("members", "is_exactly", json!(["1"]), false),
            ("members", "has_none_of", json!(["9"]), true),
            ("owners", "is_empty", json!([]), false),
            ("first_created", "is", exact("2026-11-20"), true),
            ("first_created", "is_before", exact("2026-11-20"), false),
            ("first_created", "is_on_or_before", exact("2026-11-20"), true),
            ("last_updated", "is", json!({"date_mode": "today"}), true),
            (
                "first_created",
                "is_on_or_after",
                json!({"date_mode": "one_week_ago"}),
                true,
            ),
            ("last_updated", "is_not_empty", json!(null), true),
        ];
        for (field, comparison, value, expected) in cases {
            let raw =
                json!({"operator": "and", "fields": [{"field": field, "comparison": comparison, "value": value}]});
            let parsed = filter(raw).unwrap_or_else(|e| panic!("{field} {comparison}: {e}"));
            assert_eq!(parsed.matches(&team), expected, "{field} {comparison} {value}");
        }
    }

    #[test]
    fn bad_filters_are_refused_before_any_team_is_read() {
        let exact = json!({"date_mode": "exact_date", "date_mode_value": "26/11/2026"});
        for raw in [
            json!({"operator": "xor", "fields": []}),
            json!({"operator": "and", "fields": [{"field": "color", "comparison": "is", "value": "x"}]}),
            json!({"operator": "and", "fields": [{"field": "name", "comparison": "has_any_of", "value": ["x"]}]}),
            json!({"operator": "and", "fields": [{"field": "name", "comparison": "is", "value": 5}]}),
            json!({"operator": "and", "fields": [{"field": "status", "comparison": "is", "value": 3}]}),
            json!({"operator": "and", "fields": [{"field": "owners", "comparison": "is", "value": "1"}]}),
            json!({"operator": "and", "fields": [{"field": "members", "comparison": "has_any_of", "value": {}}]}),
            json!({"operator": "and", "fields": [{"field": "first_created", "comparison": "is", "value": exact}]}),
            json!({"operator": "and", "fields": [{"field": "first_created", "comparison": "is", "value": "2026-11-26"}]}),
            json!({"operator": "and", "fields": [{"field": "last_updated", "comparison": "contains", "value": "x"}]}),
        ] {
            assert!(filter(raw.clone()).is_err(), "{raw}");
        }
    }
}
