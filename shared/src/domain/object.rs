//! Attio's object and attribute definitions (`POST /v2/objects`, `POST .../attributes`,
//! their PATCHes, and select options), parsed into the table domain's types: an object is a
//! table, an attribute a field. Errors name Attio's paths (`data.api_slug`).

use serde::Deserialize;
use serde_json::Value;

use super::table::{
    ApiSlug, FieldKey, FieldPatch, FieldType, NewField, NewTable, PrefixChoice, RecordPrefix, TableName, TablePatch,
    TableRef,
};
use super::{bounded_text, required, Invalid};

data_input! {
    ObjectData(ObjectInput);
    AttributeData(AttributeInput);
    OptionData(ChoiceInput);
}

/// The body of `POST /v2/objects` and `PATCH /v2/objects/{object}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ObjectInput {
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub api_slug: Option<String>,
    pub singular_noun: Option<String>,
    pub plural_noun: Option<String>,
}

/// The prefix of a new object's display ids, from its slug: its first 16 letters and
/// digits in capitals (`sales_leads` gives `SALESLEADS`). Two slugs may give one prefix
/// (`ab_c` and `a_bc`): the store then numbers it ([`PrefixChoice::candidates`]).
pub fn prefix_for(slug: &ApiSlug) -> Result<RecordPrefix, Invalid> {
    let letters: String = slug
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    RecordPrefix::parse("data.api_slug", &letters.to_ascii_uppercase())
}

impl ObjectInput {
    pub fn parse_new(self) -> Result<NewTable, Invalid> {
        let api_slug = ApiSlug::parse("data.api_slug", &required("data.api_slug", self.api_slug.clone())?)?;
        let singular = TableName::parse(
            "data.singular_noun",
            &required("data.singular_noun", self.singular_noun)?,
        )?;
        let plural = TableName::parse("data.plural_noun", &required("data.plural_noun", self.plural_noun)?)?;
        Ok(NewTable {
            singular_name: (singular != plural).then_some(singular),
            name: plural,
            description: None,
            record_prefix: PrefixChoice::Derived(prefix_for(&api_slug)?),
            api_slug,
            solution_id: None,
            list: None,
        })
    }

    /// A PATCH: `plural_noun` renames the table (its name), `singular_noun` its singular;
    /// the slug is fixed once the object exists (the same slug again is no change).
    pub fn parse_patch(self, current_slug: &str) -> Result<TablePatch, Invalid> {
        if let Some(slug) = &self.api_slug {
            if slug != current_slug {
                return Err(Invalid::value(format!(
                    "`data.api_slug` cannot be changed once the object exists (it is \"{current_slug}\")"
                )));
            }
        }
        Ok(TablePatch {
            name: self
                .plural_noun
                .map(|n| TableName::parse("data.plural_noun", &n))
                .transpose()?,
            singular_name: self
                .singular_noun
                .map(|n| TableName::parse("data.singular_noun", &n))
                .transpose()?,
            ..TablePatch::default()
        })
    }
}

/// The body of `POST .../attributes` (and, with every key optional, of its PATCH).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AttributeInput {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub api_slug: Option<String>,
    #[serde(rename = "type")]
    #[schema(value_type = Option<FieldType>)]
    pub attribute_type: Option<String>,
    pub is_required: Option<bool>,
    pub is_unique: Option<bool>,
    pub is_multiselect: Option<bool>,
    /// An extension of Attio's attribute: keep an index of the attribute's values, so
    /// queries sort by it and filter on it reading a page, not the object. Set on create.
    pub is_indexed: Option<bool>,
    /// Only `null`: default values are not kept.
    #[schema(value_type = Option<Object>)]
    pub default_value: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    pub is_archived: Option<bool>,
}

impl AttributeInput {
    pub fn parse_new(self) -> Result<NewField, Invalid> {
        let key = FieldKey::parse("data.api_slug", &required("data.api_slug", self.api_slug)?)?;
        let name = bounded_text("data.title", &required("data.title", self.title)?, 1, 128)?;
        let description = self
            .description
            .flatten()
            .map(|d| bounded_text("data.description", &d, 0, 512))
            .transpose()?;
        let field_type = FieldType::parse("data.type", &required("data.type", self.attribute_type)?)?;
        if matches!(field_type, FieldType::Interaction | FieldType::PersonalName) {
            return Err(Invalid::value(format!(
                "`data.type`: {} attributes cannot be created through the API",
                field_type.as_str()
            )));
        }
        let array = required("data.is_multiselect", self.is_multiselect)?;
        let unique = required("data.is_unique", self.is_unique)?;
        let optional = !required("data.is_required", self.is_required)?;
        let indexed = self.is_indexed.unwrap_or(false);
        if indexed && !field_type.allows_index() {
            return Err(Invalid::value(format!(
                "`data.is_indexed` cannot be true for a {} attribute",
                field_type.as_str()
            )));
        }
        if array && !field_type.allows_array() {
            return Err(Invalid::value(format!(
                "`data.is_multiselect` cannot be true for a {} attribute",
                field_type.as_str()
            )));
        }
        if unique && !field_type.allows_unique() {
            return Err(Invalid::value(format!(
                "`data.is_unique` cannot be true for a {} attribute",
                field_type.as_str()
            )));
        }
        if self.default_value.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(Invalid::value("`data.default_value` is not supported; send null"));
        }
        let link = allowed_object(field_type, self.config.as_ref())?;
        Ok(NewField {
            key,
            unique,
            indexed,
            name,
            description,
            field_type,
            optional,
            array,
            link,
            // Attio makes a select attribute first and its options after.
            options: Vec::new(),
        })
    }

    /// A PATCH: title, description, slug (a rename), `is_required` and `is_archived`; the
    /// type, the uniqueness and the multiselect flag are fixed once the attribute exists.
    pub fn parse_patch(self) -> Result<FieldPatch, Invalid> {
        for (name, given) in [
            ("type", self.attribute_type.is_some()),
            ("is_unique", self.is_unique.is_some()),
            ("is_multiselect", self.is_multiselect.is_some()),
            ("is_indexed", self.is_indexed.is_some()),
            ("config", self.config.is_some()),
        ] {
            if given {
                return Err(Invalid::value(format!(
                    "`data.{name}` cannot be changed once the attribute exists"
                )));
            }
        }
        Ok(FieldPatch {
            key: self
                .api_slug
                .map(|k| FieldKey::parse("data.api_slug", &k))
                .transpose()?,
            name: self.title.map(|t| bounded_text("data.title", &t, 1, 128)).transpose()?,
            description: self
                .description
                .map(|d| d.map(|d| bounded_text("data.description", &d, 0, 512)).transpose())
                .transpose()?,
            optional: self.is_required.map(|r| !r),
            archived: self.is_archived,
            ..FieldPatch::default()
        })
    }
}

/// A record-reference attribute's one allowed object, from
/// `config.record_reference.allowed_objects` (slugs or ids; exactly one here).
fn allowed_object(field_type: FieldType, config: Option<&Value>) -> Result<Option<TableRef>, Invalid> {
    let allowed = config
        .and_then(|c| c.get("record_reference"))
        .and_then(|r| r.get("allowed_objects").or_else(|| r.get("allowed_object_ids")))
        .filter(|a| !a.is_null());
    match (field_type, allowed) {
        (FieldType::RecordReference, Some(Value::Array(objects))) if objects.len() == 1 => objects[0]
            .as_str()
            .and_then(|o| TableRef::parse(o).ok())
            .map(Some)
            .ok_or_else(|| Invalid::value("`data.config.record_reference.allowed_objects` must name an object")),
        (FieldType::RecordReference, _) => Err(Invalid::value(
            "`data.config.record_reference.allowed_objects` must name exactly one object (its slug or id)",
        )),
        (_, Some(_)) => Err(Invalid::value(
            "`data.config.record_reference` is only for record-reference attributes",
        )),
        (_, None) => Ok(None),
    }
}

/// The body of `POST .../options` and `.../statuses`, and of their PATCHes. The status
/// settings are for statuses only.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChoiceInput {
    pub title: Option<String>,
    pub is_archived: Option<bool>,
    pub celebration_enabled: Option<bool>,
    /// An ISO 8601 duration (`P14D`), or null.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub target_time_in_status: Option<Option<String>>,
}

/// A valid new option or status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChoice {
    pub title: String,
    pub celebration_enabled: Option<bool>,
    pub target_time_in_status: Option<Option<String>>,
}

/// A valid change to an option or a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoicePatch {
    pub title: Option<String>,
    pub archived: Option<bool>,
    pub celebration_enabled: Option<bool>,
    pub target_time_in_status: Option<Option<String>>,
}

impl ChoicePatch {
    /// Sets what the patch gives, but the title (whose uniqueness the caller checks).
    pub fn apply_settings(&self, choice: &mut super::table::SelectOption) {
        if let Some(archived) = self.archived {
            choice.archived = archived;
        }
        if let Some(celebration) = self.celebration_enabled {
            choice.celebration_enabled = celebration;
        }
        if let Some(target) = &self.target_time_in_status {
            choice.target_time_in_status = target.clone();
        }
    }
}

/// An ISO 8601 duration as Attio's statuses take it: `P` then numbers with units
/// (`P14D`, `PT36H`, `P1Y2M3DT4H5M6S`).
fn duration(raw: &str) -> Result<String, Invalid> {
    let rest = raw.strip_prefix('P').unwrap_or("");
    let well_formed = !rest.is_empty()
        && rest.bytes().any(|b| b.is_ascii_digit())
        && rest.bytes().all(|b| b.is_ascii_digit() || b"YMWDTHS.".contains(&b))
        && !rest.ends_with('T')
        && rest.bytes().last().is_some_and(|b| b.is_ascii_alphabetic())
        && rest.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'T');
    if well_formed {
        Ok(raw.to_string())
    } else {
        Err(Invalid::value(format!(
            "`data.target_time_in_status` must be an ISO 8601 duration like P14D, not `{raw}`"
        )))
    }
}

impl ChoiceInput {
    fn settings(&self, status: bool) -> Result<(Option<bool>, Option<Option<String>>), Invalid> {
        if !status && (self.celebration_enabled.is_some() || self.target_time_in_status.is_some()) {
            return Err(Invalid::value(
                "`data.celebration_enabled` and `data.target_time_in_status` are for statuses, not select options",
            ));
        }
        let target = match &self.target_time_in_status {
            Some(Some(raw)) => Some(Some(duration(raw)?)),
            other => other.clone(),
        };
        Ok((self.celebration_enabled, target))
    }

    pub fn parse_new(self, status: bool) -> Result<NewChoice, Invalid> {
        let (celebration_enabled, target_time_in_status) = self.settings(status)?;
        Ok(NewChoice {
            title: bounded_text("data.title", &required("data.title", self.title)?, 1, 128)?,
            celebration_enabled,
            target_time_in_status,
        })
    }

    pub fn parse_patch(self, status: bool) -> Result<ChoicePatch, Invalid> {
        let (celebration_enabled, target_time_in_status) = self.settings(status)?;
        Ok(ChoicePatch {
            title: self.title.map(|t| bounded_text("data.title", &t, 1, 128)).transpose()?,
            archived: self.is_archived,
            celebration_enabled,
            target_time_in_status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_are_iso_8601() {
        for good in ["P14D", "PT36H", "P1Y2M3DT4H5M6S", "P2W", "PT0.5S"] {
            assert!(duration(good).is_ok(), "{good}");
        }
        for bad in ["", "P", "PT", "14D", "P14", "PD", "P1DT", "p14d", "P-1D"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }
}
