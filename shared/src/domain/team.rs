//! Teams (SmartSuite's): a named group of an organization's users, with owners and members.

use serde::Deserialize;
use serde_json::Value;

use super::text::{caseless_key, is_default_ignorable};
use super::{bounded_text, required};
use crate::domain::Invalid;

/// A team's name: 1-255 characters, unique per organization by its [`TeamName::unique_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamName(String);

impl TeamName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let name = bounded_text(field, raw, 1, 255)?;
        if !name.chars().any(|c| !c.is_whitespace() && !is_default_ignorable(c)) {
            return Err(Invalid::value(format!("`{field}` must have a visible character")));
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The form two names are compared in: [`caseless_key`], so "Sales" and "ｓALES" are
    /// one name.
    pub fn unique_key(&self) -> String {
        caseless_key(&self.0)
    }
}

/// A team's id, as SmartSuite makes them: 24 hex digits. Anything else names no team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamId(String);

impl TeamId {
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 24 && raw.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A team color: `#RRGGBB` with an optional name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize, utoipa::ToSchema)]
pub struct Color {
    pub value: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// A team's status: 1 (active) or 2 (inactive), sent as a number or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamStatus(pub u8);

/// A team of an organization, as the store keeps it and the endpoints read it. Owners and
/// members are users of the organization, named by their platform ids; times are RFC 3339
/// with microseconds, as SmartSuite shows them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub org_id: u64,
    pub name: String,
    /// The normalised name ([`TeamName::unique_key`]), unique per organization.
    pub name_key: String,
    pub status: u8,
    pub status_updated_on: String,
    pub colors: Vec<Color>,
    pub owners: Vec<String>,
    pub members: Vec<String>,
    pub created_on: String,
    pub created_by: String,
    pub updated_on: String,
    pub updated_by: String,
    pub ranking: String,
}

/// A valid request to create a team. Users are named by their platform ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    pub name: TeamName,
    pub status: TeamStatus,
    pub colors: Vec<Color>,
    pub owners: Vec<String>,
    pub members: Vec<String>,
}

/// The most distinct users (owners and members together) one request may name: each is a
/// membership check inside the create transaction, which holds at most 100 items.
pub const MAX_TEAM_USERS: usize = 95;

/// The JSON body of `POST /api/v1/teams/`, SmartSuite's shape.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateTeamInput {
    pub id: Option<Value>,
    #[schema(required = true, value_type = String, min_length = 1)]
    pub name: Option<String>,
    /// SmartSuite: always 2 (public); the number or its string.
    #[serde(rename = "type")]
    #[schema(required = true, value_type = u8, minimum = 2, maximum = 2)]
    pub team_type: Option<Value>,
    #[serde(default, deserialize_with = "super::object")]
    pub status: Option<StatusInput>,
    #[serde(default, deserialize_with = "super::optional_objects")]
    pub color: Option<Vec<ColorInput>>,
    pub owners: Option<Vec<String>>,
    pub members: Option<Vec<String>>,
    pub followed_by: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StatusInput {
    pub value: Option<Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ColorInput {
    pub value: Option<String>,
    pub name: Option<String>,
}

/// A number or numeric string among `allowed`, as SmartSuite accepts both.
fn small_code(field: &str, value: &Value, allowed: &[u8]) -> Result<u8, Invalid> {
    let code = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    };
    let list: Vec<String> = allowed.iter().map(u8::to_string).collect();
    code.and_then(|c| u8::try_from(c).ok())
        .filter(|c| allowed.contains(c))
        .ok_or_else(|| {
            Invalid::value(format!(
                "`{field}` must be {} (a number or a string)",
                list.join(" or ")
            ))
        })
}

fn is_hex_color(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 7 && bytes[0] == b'#' && bytes[1..].iter().all(u8::is_ascii_hexdigit)
}

impl CreateTeamInput {
    pub fn parse(self) -> Result<NewTeam, Invalid> {
        if !matches!(self.id, None | Some(Value::Null)) {
            return Err(Invalid::value("`id` must be null when adding a team"));
        }
        let name = TeamName::parse("name", &required("name", self.name)?)?;
        // SmartSuite: "Always set this value to 2 (PUBLIC)".
        small_code("type", &required("type", self.team_type)?, &[2])?;
        let status = self.status.map(parse_status).transpose()?.unwrap_or(TeamStatus(1));
        let colors = parse_colors(self.color.unwrap_or_default())?;
        let owners = user_ids("owners", self.owners.unwrap_or_default())?;
        let members = user_ids("members", self.members.unwrap_or_default())?;
        user_ids("followed_by", self.followed_by.unwrap_or_default())?;
        check_team_size(&owners, &members)?;
        Ok(NewTeam {
            name,
            status,
            colors,
            owners,
            members,
        })
    }
}

fn parse_status(status: StatusInput) -> Result<TeamStatus, Invalid> {
    let value = required("status.value", status.value)?;
    Ok(TeamStatus(small_code("status.value", &value, &[1, 2])?))
}

fn parse_colors(colors: Vec<ColorInput>) -> Result<Vec<Color>, Invalid> {
    colors
        .into_iter()
        .enumerate()
        .map(|(i, color)| {
            let value = required(&format!("color[{i}].value"), color.value)?;
            if !is_hex_color(&value) {
                return Err(Invalid::value(format!(
                    "`color[{i}].value` must be a hex color like #0C41F3"
                )));
            }
            let name = bounded_text(&format!("color[{i}].name"), &color.name.unwrap_or_default(), 0, 64)?;
            Ok(Color {
                value: value.to_ascii_uppercase(),
                name,
            })
        })
        .collect()
}

fn check_team_size(owners: &[String], members: &[String]) -> Result<(), Invalid> {
    let mut distinct: Vec<&String> = owners.iter().chain(members).collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() > MAX_TEAM_USERS {
        return Err(Invalid::value(format!(
            "`owners` and `members` together may name at most {MAX_TEAM_USERS} distinct users"
        )));
    }
    Ok(())
}

/// A valid change to a team (`PATCH /api/v1/teams/{id}/`): any of name, status, color,
/// owners and members; what is not sent stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamPatch {
    pub name: Option<TeamName>,
    pub status: Option<TeamStatus>,
    pub colors: Option<Vec<Color>>,
    pub owners: Option<Vec<String>>,
    pub members: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchTeamInput {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub team_type: Option<Value>,
    #[serde(default, deserialize_with = "super::object")]
    pub status: Option<StatusInput>,
    #[serde(default, deserialize_with = "super::optional_objects")]
    pub color: Option<Vec<ColorInput>>,
    pub owners: Option<Vec<String>>,
    pub members: Option<Vec<String>>,
}

impl PatchTeamInput {
    pub fn parse(self) -> Result<TeamPatch, Invalid> {
        if let Some(t) = &self.team_type {
            small_code("type", t, &[2])?;
        }
        let patch = TeamPatch {
            name: self.name.map(|n| TeamName::parse("name", &n)).transpose()?,
            status: self.status.map(parse_status).transpose()?,
            colors: self.color.map(parse_colors).transpose()?,
            owners: self.owners.map(|o| user_ids("owners", o)).transpose()?,
            members: self.members.map(|m| user_ids("members", m)).transpose()?,
        };
        check_team_size(
            patch.owners.as_deref().unwrap_or(&[]),
            patch.members.as_deref().unwrap_or(&[]),
        )?;
        Ok(patch)
    }
}

/// The body of `POST /api/v1/teams/list/`: SmartSuite's `sort` and `filter`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ListTeamsInput {
    #[serde(default, deserialize_with = "super::objects")]
    pub sort: Vec<TeamSortInput>,
    #[serde(default, deserialize_with = "super::object")]
    pub filter: Option<FilterInput>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TeamSortInput {
    pub field: String,
    #[serde(default = "ascending")]
    pub direction: String,
}

fn ascending() -> String {
    "asc".to_string()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FilterInput {
    #[serde(default = "and")]
    pub operator: String,
    #[serde(default, deserialize_with = "super::objects")]
    pub fields: Vec<FilterFieldInput>,
}

fn and() -> String {
    "and".to_string()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FilterFieldInput {
    pub field: String,
    pub comparison: String,
    #[serde(default)]
    pub value: Value,
}

/// User ids as given, without repeats, in first-seen order.
fn user_ids(field: &str, ids: Vec<String>) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for (i, id) in ids.into_iter().enumerate() {
        let id = bounded_text(&format!("{field}[{i}]"), &id, 1, 64)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_compare_after_normalisation() {
        let key = |s: &str| TeamName::parse("name", s).unwrap().unique_key();
        assert_eq!(key("Sales"), key("sALES"));
        assert_eq!(key("Ｓales"), key("sales"));
        assert_eq!(key("Cafe\u{301}"), key("café"));
        assert_eq!(key("  Sales "), key("sales"));
        assert_ne!(key("Sales"), key("Sale"));
    }

    #[test]
    fn codes_accept_numbers_and_strings() {
        assert_eq!(small_code("type", &Value::from(2), &[2]).unwrap(), 2);
        assert_eq!(small_code("type", &Value::from("2"), &[2]).unwrap(), 2);
        for bad in [
            Value::from(1),
            Value::from("two"),
            Value::Null,
            Value::from(2.5),
            Value::from(-2),
        ] {
            assert!(small_code("type", &bad, &[2]).is_err(), "{bad}");
        }
    }
}
