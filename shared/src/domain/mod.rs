//! Domain types. Each constructor enforces its rules, so a value of the type is valid by
//! construction and invalid data cannot reach storage ("parse, don't validate").

pub mod filter;
pub mod object;
pub mod organization;
pub mod phone;
#[cfg(test)]
mod properties;
pub mod record;
pub mod table;
pub mod team;
pub mod user;

/// Why an input was refused: the domain's one error type. `error.rs` maps each variant to
/// the API's error body; nothing branches on the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// A value breaks a rule; the message names the field (`owner.email`) and the rule.
    #[error("{0}")]
    Value(String),
    /// A query's filter or sort is not valid (Attio's `filter_error`).
    #[error("{0}")]
    Filter(String),
    /// A path segment that cannot name anything: there is no such resource.
    #[error("{0}")]
    NotFound(String),
}

impl Invalid {
    pub fn value(message: impl Into<String>) -> Self {
        Self::Value(message.into())
    }

    pub fn filter(message: impl Into<String>) -> Self {
        Self::Filter(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }
}

/// Trims `raw` and checks its length in characters and that it has no control characters.
/// `field` is the request path of the value, used in the error message.
pub(crate) fn bounded_text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    let len = text.chars().count();
    if len < min {
        return Err(if min == 1 {
            Invalid::value(format!("`{field}` must not be empty"))
        } else {
            Invalid::value(format!("`{field}` must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(Invalid::value(format!(
            "`{field}` must be at most {max} characters; it has {len}"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid::value(format!("`{field}` must not contain control characters")));
    }
    Ok(text.to_string())
}

/// A value that must be present: `None` (absent or null) is an error naming the field.
pub(crate) fn required<T>(field: &str, value: Option<T>) -> Result<T, Invalid> {
    value.ok_or_else(|| Invalid::value(format!("`{field}` is required")))
}

/// For PATCH bodies: tells an absent key (`None`) from an explicit `null` (`Some(None)`).
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_trims_and_counts_characters() {
        assert_eq!(bounded_text("f", "  ab ", 1, 2).unwrap(), "ab");
        assert_eq!(bounded_text("f", "éé", 1, 2).unwrap(), "éé");
        assert!(bounded_text("f", "   ", 1, 2)
            .unwrap_err()
            .to_string()
            .contains("`f` must not be empty"));
        assert!(bounded_text("f", "abc", 1, 2)
            .unwrap_err()
            .to_string()
            .contains("at most 2"));
        assert!(bounded_text("f", "a\u{0}b", 1, 9)
            .unwrap_err()
            .to_string()
            .contains("control"));
    }
}
