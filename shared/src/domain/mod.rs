//! Domain types. Each constructor enforces its rules, so a value of the type is valid by
//! construction and invalid data cannot reach storage ("parse, don't validate").

pub mod filter;
pub mod organization;
pub mod record;
pub mod table;
pub mod team;
pub mod user;

use crate::error::ApiError;

/// Trims `raw` and checks its length in characters and that it has no control characters.
/// `field` is the request path of the value, used in the error message.
pub(crate) fn bounded_text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    let len = text.chars().count();
    if len < min {
        return Err(if min == 1 {
            ApiError::validation(format!("`{field}` must not be empty"))
        } else {
            ApiError::validation(format!("`{field}` must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(ApiError::validation(format!(
            "`{field}` must be at most {max} characters; it has {len}"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::validation(format!(
            "`{field}` must not contain control characters"
        )));
    }
    Ok(text.to_string())
}

/// A value that must be present: `None` (absent or null) is an error naming the field.
pub(crate) fn required<T>(field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::validation(format!("`{field}` is required")))
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
            .message
            .contains("`f` must not be empty"));
        assert!(bounded_text("f", "abc", 1, 2)
            .unwrap_err()
            .message
            .contains("at most 2"));
        assert!(bounded_text("f", "a\u{0}b", 1, 9)
            .unwrap_err()
            .message
            .contains("control"));
    }
}
