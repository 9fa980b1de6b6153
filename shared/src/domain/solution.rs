//! SmartSuite's solutions: named groups of an organization's tables
//! (developers.smartsuite.com, "Solution Object", "Create Solution"). Every organization
//! has a default solution, derived from its id (`OrgId::solution_id`) and kept by no item,
//! which holds every table made through Invent's or Attio's routes or without a solution;
//! `POST /solutions/` makes more, each an item of its own, and a table made through
//! SmartSuite's `POST /applications/` joins the one its `solution` names.

use serde::{Deserialize, Serialize};

use super::{bounded_text, required, Invalid};

/// SmartSuite's solution colours, in the order of its "Valid Solution Colors" table.
pub const COLORS: [&str; 20] = [
    "#3A86FF", "#4ECCFD", "#3EAC40", "#FF5757", "#FF9210", "#FFB938", "#883CD0", "#EC506E", "#17C4C4", "#6A849B",
    "#0C41F3", "#00B3FA", "#199A27", "#F1273F", "#FF702E", "#FDA80D", "#673DB6", "#CD286A", "#00B2A8", "#50515B",
];

/// The icon a solution gets when none is given (SmartSuite's own example's).
pub const DEFAULT_ICON: &str = "overline";

/// A solution's id: 24 lowercase hex digits, as SmartSuite's ids are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolutionId(String);

impl SolutionId {
    /// `raw` as a solution id; anything else is no solution (the caller's 400 or 404).
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let hex = raw.len() == 24 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex {
            Ok(Self(raw.to_string()))
        } else {
            Err(Invalid::value(format!(
                "`{field}` must be a solution id (24 lowercase hex digits), not \"{raw}\""
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The body of `POST /api/v1/solutions/`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateSolutionInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 128)]
    pub name: Option<String>,
    /// A Material Design icon's name (`overline` when left out).
    #[schema(value_type = Option<String>, pattern = "^[a-z0-9_-]{1,64}$")]
    pub logo_icon: Option<String>,
    /// One of SmartSuite's 20 solution colours, with or without `#`, in any case
    /// (`#3A86FF` when left out).
    #[schema(value_type = Option<String>)]
    pub logo_color: Option<String>,
}

/// A valid new solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSolution {
    pub name: String,
    pub logo_icon: String,
    pub logo_color: &'static str,
}

impl CreateSolutionInput {
    pub fn parse(self) -> Result<NewSolution, Invalid> {
        let name = bounded_text("name", &required("name", self.name)?, 1, 128)?;
        let logo_icon = match self.logo_icon {
            None => DEFAULT_ICON.to_string(),
            Some(icon) if is_icon_name(&icon) => icon,
            Some(icon) => {
                return Err(Invalid::value(format!(
                    "`logo_icon` must be a Material Design icon's name (1 to 64 lowercase letters, digits, `-` and `_`), not \"{icon}\""
                )))
            }
        };
        let logo_color = match self.logo_color {
            None => COLORS[0],
            Some(color) => solution_color(&color).ok_or_else(|| {
                Invalid::value(format!(
                    "`logo_color` must be one of SmartSuite's solution colours ({}), not \"{color}\"",
                    COLORS.join(", ")
                ))
            })?,
        };
        Ok(NewSolution {
            name,
            logo_icon,
            logo_color,
        })
    }
}

fn is_icon_name(icon: &str) -> bool {
    (1..=64).contains(&icon.len())
        && icon
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The colour `raw` names (`3A86FF`, `#3a86ff`), as SmartSuite writes it.
fn solution_color(raw: &str) -> Option<&'static str> {
    let hex = raw.strip_prefix('#').unwrap_or(raw);
    COLORS.into_iter().find(|c| c[1..].eq_ignore_ascii_case(hex))
}

/// A solution made through `POST /solutions/`, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    pub id: String,
    pub org_id: u64,
    pub name: String,
    pub logo_icon: String,
    pub logo_color: String,
    pub created_at: String,
    /// The user whose API key made it.
    pub created_by: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: serde_json::Value) -> Result<NewSolution, Invalid> {
        serde_json::from_value::<CreateSolutionInput>(body).unwrap().parse()
    }

    #[test]
    fn solution_inputs_table() {
        let cases = [
            (
                json!({"name": "CRM", "logo_icon": "overline", "logo_color": "3A86FF"}),
                Ok(("CRM", "overline", "#3A86FF")),
            ),
            (
                json!({"name": "CRM", "logo_color": "#cd286a"}),
                Ok(("CRM", "overline", "#CD286A")),
            ),
            (json!({"name": "CRM"}), Ok(("CRM", "overline", "#3A86FF"))),
            (
                json!({"name": "CRM", "logo_icon": "view-list_2"}),
                Ok(("CRM", "view-list_2", "#3A86FF")),
            ),
            (json!({}), Err("name")),
            (json!({"name": ""}), Err("name")),
            (json!({"name": "CRM", "logo_color": "#123456"}), Err("logo_color")),
            (json!({"name": "CRM", "logo_color": "3A86FF00"}), Err("logo_color")),
            (json!({"name": "CRM", "logo_icon": "Bad Icon"}), Err("logo_icon")),
            (json!({"name": "CRM", "logo_icon": ""}), Err("logo_icon")),
        ];
        for (body, expected) in cases {
            match (parse(body.clone()), expected) {
                (Ok(got), Ok((name, icon, color))) => {
                    assert_eq!(
                        (got.name.as_str(), got.logo_icon.as_str(), got.logo_color),
                        (name, icon, color)
                    )
                }
                (Err(e), Err(word)) => assert!(e.to_string().contains(word), "{body}: {e}"),
                (got, want) => panic!("{body}: got {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn solution_ids() {
        assert!(SolutionId::parse("s", "0123456789abcdef01234567").is_ok());
        for bad in [
            "",
            "0123456789ABCDEF01234567",
            "0123456789abcdef0123456",
            "0123456789abcdef0123456g",
        ] {
            assert!(SolutionId::parse("s", bad).is_err(), "{bad}");
        }
    }
}
