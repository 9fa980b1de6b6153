//! Domain types. Each constructor enforces its rules, so a value of the type is valid by
//! construction and invalid data cannot reach storage ("parse, don't validate").

/// `{"data": {...}}`, the envelope of every Attio write body: one type per content, so
/// that each has its own OpenAPI schema, and `data()` its content or Attio's 400 when it is
/// missing.
macro_rules! data_input {
    ($($(#[$meta:meta])* $name:ident($inner:ty);)*) => {$(
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
        pub struct $name {
            #[schema(required = true, value_type = $inner)]
            #[serde(default, deserialize_with = "crate::domain::object")]
            pub data: Option<$inner>,
        }

        impl $name {
            pub fn data(self) -> Result<$inner, crate::domain::Invalid> {
                crate::domain::required("data", self.data)
            }
        }
    )*};
}

pub mod entry;
pub mod event;
pub mod filter;
pub mod import;
pub mod list;
pub mod list_def;
pub mod list_sort;
pub mod note;
pub mod number;
pub mod object;
pub mod org_id;
pub mod organization;
pub mod phone;
mod phone_metadata;
#[cfg(test)]
mod properties;
pub mod record;
pub mod search;
pub mod smartsuite;
pub mod smartsuite_field;
pub mod smartsuite_webhook;
pub mod solution;
pub mod table;
pub mod task;
pub mod team;
pub mod team_filter;
pub mod text;
pub mod user;
pub mod webhook;

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

/// A struct read from a JSON object only. serde fills a struct from an array of its fields
/// in order too (`{"data": [{}]}` would read as `{"data": {"values": {}}}`), which no
/// client means: every nested struct of a body is read through this.
pub struct ObjectOnly<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Only<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Only<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(Only(std::marker::PhantomData))
            .map(ObjectOnly)
    }
}

/// For an optional nested struct: `#[serde(default, deserialize_with = "object")]`.
pub fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let read: Option<ObjectOnly<T>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(read.map(|o| o.0))
}

/// For a list of nested structs: `#[serde(default, deserialize_with = "objects")]`.
pub fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let read: Vec<ObjectOnly<T>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(read.into_iter().map(|o| o.0).collect())
}

/// For an optional list of nested structs.
pub fn optional_objects<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let read: Option<Vec<ObjectOnly<T>>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(read.map(|list| list.into_iter().map(|o| o.0).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_structs_are_read_from_objects_only() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Inner {
            a: Option<u8>,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Outer {
            #[serde(default, deserialize_with = "object")]
            one: Option<Inner>,
            #[serde(default, deserialize_with = "objects")]
            many: Vec<Inner>,
        }
        let read = |text: &str| serde_json::from_str::<Outer>(text).map_err(|e| e.to_string());
        assert_eq!(
            read(r#"{"one": {"a": 1}, "many": [{"a": 2}]}"#),
            Ok(Outer {
                one: Some(Inner { a: Some(1) }),
                many: vec![Inner { a: Some(2) }]
            })
        );
        assert_eq!(
            read(r#"{"one": null}"#),
            Ok(Outer {
                one: None,
                many: vec![]
            })
        );
        for bad in [
            r#"{"one": [1]}"#,
            r#"{"one": []}"#,
            r#"{"many": [[2]]}"#,
            r#"{"one": 1}"#,
        ] {
            assert!(read(bad).unwrap_err().contains("an object"), "{bad}");
        }
    }

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
