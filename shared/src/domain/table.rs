//! Tables (Invent's tables, Attio's objects) and their fields (Attio's attributes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::text::caseless_eq;
use super::{bounded_text, required};
use crate::domain::Invalid;

/// Checks `^[first][rest]{0,max-1}$` over ASCII, the form of every identifier here.
fn identifier(text: &str, max: usize, first: fn(u8) -> bool, rest: fn(u8) -> bool) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty() && bytes.len() <= max && first(bytes[0]) && bytes[1..].iter().all(|b| rest(*b))
}

fn lower_snake(text: &str, max: usize) -> bool {
    identifier(
        text,
        max,
        |b| b.is_ascii_lowercase(),
        |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_',
    )
}

/// A table's name: 1-128 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName(String);

impl TableName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        bounded_text(field, raw, 1, 128).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A table's description: at most 512 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDescription(String);

impl TableDescription {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        bounded_text(field, raw, 0, 512).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The prefix of a table's record display ids (`LEAD` in `LEAD-42`): `^[A-Z][A-Z0-9]{0,15}$`,
/// unique per organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPrefix(String);

impl RecordPrefix {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let upper_or_digit = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
        if identifier(raw, 16, |b| b.is_ascii_uppercase(), upper_or_digit) {
            Ok(Self(raw.to_string()))
        } else {
            Err(Invalid::value(format!(
                "`{field}` must be 1-16 uppercase letters and digits starting with a letter (^[A-Z][A-Z0-9]{{0,15}}$), like LEAD"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This prefix with `n` at its end, cut to keep within 16 characters: `LEADS` and 2
    /// give `LEADS2`, `CUSTOMERACCOUNTS` and 2 give `CUSTOMERACCOUNT2`.
    fn numbered(&self, n: u32) -> Self {
        let digits = n.to_string();
        let keep = self.0.len().min(16 - digits.len());
        Self(format!("{}{digits}", &self.0[..keep]))
    }
}

/// Where a new table's record_prefix comes from, which decides what a taken one means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixChoice {
    /// The caller chose it (Invent's `record_prefix`): taken, it is a conflict.
    Given(RecordPrefix),
    /// Derived from the api_slug (Attio's objects have no prefix to give): taken, the
    /// next of [`PrefixChoice::candidates`] is tried, so a free slug is never refused for a
    /// prefix the caller did not choose.
    Derived(RecordPrefix),
}

/// How many prefixes a derived choice tries: the derived one, then it numbered 2 to 9.
pub const DERIVED_PREFIX_TRIES: u32 = 9;

impl PrefixChoice {
    /// The prefixes to try, in order.
    pub fn candidates(&self) -> Vec<RecordPrefix> {
        match self {
            Self::Given(prefix) => vec![prefix.clone()],
            Self::Derived(prefix) => std::iter::once(prefix.clone())
                .chain((2..=DERIVED_PREFIX_TRIES).map(|n| prefix.numbered(n)))
                .collect(),
        }
    }
}

/// The slug by which Attio-style record endpoints address a table: `^[a-z][a-z0-9_]{0,63}$`,
/// unique per organization, fixed once the table exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiSlug(String);

impl ApiSlug {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        if lower_snake(raw, 64) {
            Ok(Self(raw.to_string()))
        } else {
            Err(Invalid::value(format!(
                "`{field}` must be 1-64 lowercase letters, digits and underscores starting with a letter (^[a-z][a-z0-9_]{{0,63}}$)"
            )))
        }
    }

    /// The default slug for a table name: "Companies" becomes `companies`, "Sales Leads
    /// 2024" becomes `sales_leads_2024`. A name with no ASCII letter to start from is an
    /// error asking for an explicit `api_slug`.
    pub fn from_name(name: &TableName) -> Result<Self, Invalid> {
        let mut slug = String::new();
        for c in name.as_str().chars() {
            if c.is_ascii_alphanumeric() {
                if slug.is_empty() && !c.is_ascii_alphabetic() {
                    continue;
                }
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('_') {
                slug.push('_');
            }
        }
        let slug = slug.trim_end_matches('_');
        let slug = &slug[..slug.len().min(64)];
        let slug = slug.trim_end_matches('_');
        if slug.is_empty() {
            return Err(Invalid::value(
                "`api_slug` cannot be derived from `name`; give an `api_slug` (^[a-z][a-z0-9_]{0,63}$)",
            ));
        }
        Ok(Self(slug.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a path names a table: by id (a UUID) or by api_slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TableRef {
    Id(String),
    Slug(ApiSlug),
}

impl TableRef {
    /// Anything that is neither form cannot name a table: "not found".
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if let Ok(id) = uuid::Uuid::try_parse(raw) {
            return Ok(Self::Id(id.hyphenated().to_string()));
        }
        ApiSlug::parse("table", raw)
            .map(Self::Slug)
            .map_err(|_| Invalid::not_found(format!("No table `{raw}`")))
    }
}

/// A valid request to create a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTable {
    pub name: TableName,
    /// Attio's `singular_noun` (the name is its `plural_noun`).
    pub singular_name: Option<TableName>,
    pub description: Option<TableDescription>,
    pub record_prefix: PrefixChoice,
    pub api_slug: ApiSlug,
    /// The SmartSuite solution it joins (`domain::solution`); `None`: the organization's
    /// default solution.
    pub solution_id: Option<String>,
    /// Attio's list (`domain::list`); `None`: an object.
    pub list: Option<super::list_def::ListDef>,
}

/// The JSON body of `POST /orgs/{org_id}/tables`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateTableInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 128)]
    pub name: Option<String>,
    #[schema(required = true, value_type = String, pattern = "^[A-Z][A-Z0-9]{0,15}$")]
    pub record_prefix: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub api_slug: Option<String>,
}

impl CreateTableInput {
    pub fn parse(self) -> Result<NewTable, Invalid> {
        let name = TableName::parse("name", &required("name", self.name)?)?;
        let record_prefix = RecordPrefix::parse("record_prefix", &required("record_prefix", self.record_prefix)?)?;
        let description = self
            .description
            .map(|d| TableDescription::parse("description", &d))
            .transpose()?;
        let api_slug = match self.api_slug {
            Some(slug) => ApiSlug::parse("api_slug", &slug)?,
            None => ApiSlug::from_name(&name)?,
        };
        Ok(NewTable {
            name,
            singular_name: None,
            description,
            record_prefix: PrefixChoice::Given(record_prefix),
            api_slug,
            solution_id: None,
            list: None,
        })
    }
}

/// A field's key (Attio's attribute slug): `^[a-z][a-z0-9_]{0,63}$`, unique per table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldKey(String);

impl FieldKey {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        if lower_snake(raw, 64) {
            Ok(Self(raw.to_string()))
        } else {
            Err(Invalid::value(format!(
                "`{field}` must be 1-64 lowercase letters, digits and underscores starting with a letter (^[a-z][a-z0-9_]{{0,63}}$)"
            )))
        }
    }
    /// A SmartSuite field slug: a key that may also start with a digit, as SmartSuite's
    /// "random 10 digit alphanumeric" slugs do (`123asd456z`, its docs' example).
    pub fn parse_slug(field: &str, raw: &str) -> Result<Self, Invalid> {
        let first = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let rest = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
        if identifier(raw, 64, first, rest) {
            Ok(Self(raw.to_string()))
        } else {
            Err(Invalid::value(format!(
                "`{field}` must be 1-64 lowercase letters, digits and underscores starting with a letter or digit (^[a-z0-9][a-z0-9_]{{0,63}}$)"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The key of every table's default display field.
    pub fn name() -> Self {
        Self("name".to_string())
    }
}

/// Attio's attribute types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FieldType {
    Text,
    Number,
    Checkbox,
    Currency,
    Date,
    Timestamp,
    Select,
    RecordReference,
    EmailAddress,
    PhoneNumber,
    Domain,
    Rating,
    PersonalName,
    Location,
    /// Attio's status: one of the attribute's statuses (options with Attio's status
    /// settings), never several.
    Status,
    /// Attio's interaction: written only by the system, so always empty here.
    Interaction,
    /// Attio's actor reference: a workspace member (a user of the organization).
    ActorReference,
}

impl FieldType {
    pub const ALL: [FieldType; 17] = [
        Self::Text,
        Self::Number,
        Self::Checkbox,
        Self::Currency,
        Self::Date,
        Self::Timestamp,
        Self::Select,
        Self::RecordReference,
        Self::EmailAddress,
        Self::PhoneNumber,
        Self::Domain,
        Self::Rating,
        Self::PersonalName,
        Self::Location,
        Self::Status,
        Self::Interaction,
        Self::ActorReference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Checkbox => "checkbox",
            Self::Currency => "currency",
            Self::Date => "date",
            Self::Timestamp => "timestamp",
            Self::Select => "select",
            Self::RecordReference => "record-reference",
            Self::EmailAddress => "email-address",
            Self::PhoneNumber => "phone-number",
            Self::Domain => "domain",
            Self::Rating => "rating",
            Self::PersonalName => "personal-name",
            Self::Location => "location",
            Self::Status => "status",
            Self::Interaction => "interaction",
            Self::ActorReference => "actor-reference",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
            Invalid::value(format!("`{field}` must be one of {}", names.join(", ")))
        })
    }

    /// Invent's field type names, mapped onto these types: `string` is text, `boolean` a
    /// checkbox, `datetime` a timestamp, `enum` a select, `record` a record reference.
    /// Invent's types for its own objects (file, contact, user, chat, segment, assistant)
    /// have no counterpart here.
    const INVENT: [(&'static str, FieldType); 7] = [
        ("string", Self::Text),
        ("number", Self::Number),
        ("boolean", Self::Checkbox),
        ("date", Self::Date),
        ("datetime", Self::Timestamp),
        ("enum", Self::Select),
        ("record", Self::RecordReference),
    ];

    /// A field type by Attio's name or Invent's.
    pub fn parse_any(field: &str, raw: &str) -> Result<Self, Invalid> {
        if let Some((_, t)) = Self::INVENT.iter().find(|(name, _)| *name == raw) {
            return Ok(*t);
        }
        Self::parse(field, raw).map_err(|_| {
            let attio: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
            let invent: Vec<&str> = Self::INVENT.iter().map(|(n, _)| *n).collect();
            Invalid::value(format!(
                "`{field}` must be one of Invent's {} or Attio's {}",
                invent.join(", "),
                attio.join(", ")
            ))
        })
    }

    /// The name Invent gives this type (its top-level field `type`): the nearest of its
    /// names for the types it has no name of.
    pub fn invent_name(self) -> &'static str {
        match self {
            Self::Text | Self::EmailAddress | Self::PhoneNumber | Self::Domain | Self::PersonalName => "string",
            Self::Location | Self::Interaction => "string",
            Self::Number | Self::Currency | Self::Rating => "number",
            Self::Checkbox => "boolean",
            Self::Date => "date",
            Self::Timestamp => "datetime",
            Self::Select | Self::Status => "enum",
            Self::RecordReference => "record",
            Self::ActorReference => "user",
        }
    }

    /// Whether a field of this type may hold several values (Attio's multiselect).
    pub fn allows_array(self) -> bool {
        !matches!(
            self,
            Self::Checkbox
                | Self::Rating
                | Self::PersonalName
                | Self::Location
                | Self::Currency
                | Self::Status
                | Self::Interaction
        )
    }

    /// Whether the type's values are chosen from the attribute's options (select) or
    /// statuses (status).
    pub fn has_options(self) -> bool {
        matches!(self, Self::Select | Self::Status)
    }

    /// Whether an index can order and find records by values of this type: those whose
    /// values sort as one number, text or boolean (see `filter::SortKey`). A select
    /// option sorts by its title, which a rename changes, so it is not indexable.
    pub fn allows_index(self) -> bool {
        matches!(
            self,
            Self::Text
                | Self::Number
                | Self::Currency
                | Self::Rating
                | Self::Date
                | Self::Timestamp
                | Self::Checkbox
                | Self::EmailAddress
                | Self::PhoneNumber
                | Self::Domain
        )
    }

    /// Whether values of this type can be declared unique per table.
    pub fn allows_unique(self) -> bool {
        matches!(
            self,
            Self::Text | Self::Number | Self::EmailAddress | Self::PhoneNumber | Self::Domain
        )
    }
}

/// The most options (or statuses) a field may have; each title 1-128 characters, unique
/// within the field.
pub const MAX_OPTIONS: usize = 500;

/// Refuses a change that takes a field's options from `before` to `after` past
/// [`MAX_OPTIONS`]. A list already past it (written before the cap held on every path)
/// may still be edited, never grown.
pub fn check_option_count(field_key: &str, before: usize, after: usize) -> Result<(), Invalid> {
    if after > MAX_OPTIONS && after > before {
        return Err(Invalid::value(format!(
            "The attribute \"{field_key}\" has {before} options; it may have at most {MAX_OPTIONS}"
        )));
    }
    Ok(())
}

/// A valid field definition, before the link is resolved to a table id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewField {
    pub key: FieldKey,
    pub unique: bool,
    pub indexed: bool,
    pub name: String,
    pub description: Option<String>,
    pub field_type: FieldType,
    pub optional: bool,
    pub array: bool,
    pub link: Option<TableRef>,
    pub options: Vec<String>,
}

/// The JSON body of `POST /orgs/{org_id}/tables/{table_id}/fields`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateFieldInput {
    #[schema(required = true, value_type = String, pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub key: Option<String>,
    pub unique: Option<bool>,
    /// Keep an index of the field's values, so queries sort by it and filter on it
    /// (equality, and ranges on ordered types) reading a page, not the table. Set when the
    /// field is created; each value costs one more item per write.
    pub indexed: Option<bool>,
    #[schema(required = true, value_type = FieldSchemaInput)]
    #[serde(default, deserialize_with = "super::object")]
    pub schema: Option<FieldSchemaInput>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FieldSchemaInput {
    #[schema(required = true, value_type = String, min_length = 1)]
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    #[schema(required = true, value_type = FieldType)]
    pub field_type: Option<String>,
    pub optional: Option<bool>,
    pub array: Option<bool>,
    pub link: Option<String>,
    pub options: Option<Vec<OptionInput>>,
}

/// A select option: a title, or Attio's `{"title": ...}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OptionInput {
    Title(String),
    Object(OptionTitle),
}

/// Attio's `{"title": ...}` for an option (from an object only; see [`super::ObjectOnly`]).
#[derive(Debug, utoipa::ToSchema)]
pub struct OptionTitle {
    pub title: String,
}

impl<'de> Deserialize<'de> for OptionTitle {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            title: String,
        }
        let fields: super::ObjectOnly<Fields> = Deserialize::deserialize(deserializer)?;
        Ok(Self { title: fields.0.title })
    }
}

impl CreateFieldInput {
    pub fn parse(self) -> Result<NewField, Invalid> {
        let key = FieldKey::parse("key", &required("key", self.key)?)?;
        let schema = required("schema", self.schema)?;
        let name = bounded_text("schema.name", &required("schema.name", schema.name)?, 1, 128)?;
        let description = schema
            .description
            .map(|d| bounded_text("schema.description", &d, 0, 512))
            .transpose()?;
        let field_type = FieldType::parse_any("schema.type", &required("schema.type", schema.field_type)?)?;
        let optional = schema.optional.unwrap_or(true);
        let array = schema.array.unwrap_or(false);
        let unique = self.unique.unwrap_or(false);
        let indexed = self.indexed.unwrap_or(false);
        if indexed && !field_type.allows_index() {
            return Err(Invalid::value(format!(
                "`indexed` is allowed only on text, number, currency, rating, date, timestamp, checkbox, email-address, phone-number and domain fields, not on a {}",
                field_type.as_str()
            )));
        }
        if array && !field_type.allows_array() {
            return Err(Invalid::value(format!(
                "`schema.array` cannot be true for a {} field",
                field_type.as_str()
            )));
        }
        // An array field may be unique too (Attio's `domains`): each of its values is
        // claimed, so no two records share any one of them.
        if unique && !field_type.allows_unique() {
            return Err(Invalid::value(format!(
                "`unique` is allowed only on text, number, email-address, phone-number and domain fields, not on a {}",
                field_type.as_str()
            )));
        }
        let link = match (field_type, schema.link) {
            (FieldType::RecordReference, Some(link)) => Some(
                TableRef::parse(&link).map_err(|_| Invalid::value("`schema.link` must be a table id or api_slug"))?,
            ),
            (FieldType::RecordReference, None) => {
                return Err(Invalid::value("`schema.link` is required for a record-reference field"))
            }
            (_, Some(_)) => return Err(Invalid::value("`schema.link` is only for record-reference fields")),
            (_, None) => None,
        };
        let options = match (field_type, schema.options) {
            (t, Some(options)) if t.has_options() => parse_options(options)?,
            (t, None) if t.has_options() => {
                return Err(Invalid::value(format!(
                    "`schema.options` is required for a {} field",
                    t.as_str()
                )))
            }
            (_, Some(_)) => return Err(Invalid::value("`schema.options` is only for select and status fields")),
            (_, None) => Vec::new(),
        };
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
            options,
        })
    }
}

fn parse_options(options: Vec<OptionInput>) -> Result<Vec<String>, Invalid> {
    if options.is_empty() || options.len() > MAX_OPTIONS {
        return Err(Invalid::value(format!(
            "`schema.options` must hold 1 to {MAX_OPTIONS} options"
        )));
    }
    let mut titles: Vec<String> = Vec::with_capacity(options.len());
    for (i, option) in options.into_iter().enumerate() {
        let raw = match option {
            OptionInput::Title(t) | OptionInput::Object(OptionTitle { title: t }) => t,
        };
        let title = bounded_text(&format!("schema.options[{i}]"), &raw, 1, 128)?;
        if titles.iter().any(|t| caseless_eq(t, &title)) {
            return Err(Invalid::value(format!(
                "`schema.options[{i}]` repeats the option `{title}`"
            )));
        }
        titles.push(title);
    }
    Ok(titles)
}

/// A valid change to a table (`PATCH /orgs/{org_id}/tables/{table_id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TablePatch {
    pub name: Option<TableName>,
    /// Attio's `singular_noun`.
    pub singular_name: Option<TableName>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<TableDescription>>,
    pub archived: Option<bool>,
    pub display_field_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchTableInput {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub description: Option<Option<String>>,
    pub archived: Option<bool>,
    #[schema(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub display_field_id: Option<String>,
    /// Fixed once the table exists: refused if given.
    #[schema(value_type = (), deprecated, required = false)]
    pub record_prefix: Option<serde_json::Value>,
    /// Fixed once the table exists: refused if given.
    #[schema(value_type = (), deprecated, required = false)]
    pub api_slug: Option<serde_json::Value>,
}

impl PatchTableInput {
    pub fn parse(self) -> Result<TablePatch, Invalid> {
        for (name, given) in [("record_prefix", &self.record_prefix), ("api_slug", &self.api_slug)] {
            if given.is_some() {
                return Err(Invalid::value(format!(
                    "`{name}` cannot be changed once the table exists"
                )));
            }
        }
        Ok(TablePatch {
            name: self.name.map(|n| TableName::parse("name", &n)).transpose()?,
            description: self
                .description
                .map(|d| d.map(|d| TableDescription::parse("description", &d)).transpose())
                .transpose()?,
            archived: self.archived,
            display_field_id: self.display_field_id,
            singular_name: None,
        })
    }
}

/// A valid change to a field (`PATCH .../fields/{field_id}`): its key may be renamed, its
/// name, description and optionality changed; its type, never.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPatch {
    pub key: Option<FieldKey>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub optional: Option<bool>,
    /// The type the client believes the field has; a different one is refused.
    pub field_type: Option<FieldType>,
    /// A select or status field's whole list of options as it is to be, made from the
    /// definition as read: written only if the table is still at that revision.
    pub options: Option<Vec<SelectOption>>,
    /// Archive the field (`true`) or bring it back (`false`); see [`FieldDef::archived`].
    pub archived: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchFieldInput {
    pub key: Option<String>,
    pub unique: Option<serde_json::Value>,
    pub indexed: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "super::object")]
    pub schema: Option<PatchFieldSchemaInput>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchFieldSchemaInput {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub description: Option<Option<String>>,
    pub optional: Option<bool>,
    #[serde(rename = "type")]
    pub field_type: Option<String>,
    pub array: Option<serde_json::Value>,
    pub link: Option<serde_json::Value>,
    pub options: Option<serde_json::Value>,
}

impl PatchFieldInput {
    pub fn parse(self) -> Result<FieldPatch, Invalid> {
        if self.unique.is_some() {
            return Err(Invalid::value("`unique` cannot be changed once the field exists"));
        }
        if self.indexed.is_some() {
            return Err(Invalid::value(
                "`indexed` cannot be changed once the field exists: it is set when the field is created",
            ));
        }
        let mut patch = FieldPatch {
            key: self.key.map(|k| FieldKey::parse("key", &k)).transpose()?,
            ..Default::default()
        };
        if let Some(schema) = self.schema {
            for (name, given) in [
                ("array", &schema.array),
                ("link", &schema.link),
                ("options", &schema.options),
            ] {
                if given.is_some() {
                    return Err(Invalid::value(format!(
                        "`schema.{name}` cannot be changed once the field exists"
                    )));
                }
            }
            patch.name = schema
                .name
                .map(|n| bounded_text("schema.name", &n, 1, 128))
                .transpose()?;
            patch.description = schema
                .description
                .map(|d| d.map(|d| bounded_text("schema.description", &d, 0, 512)).transpose())
                .transpose()?;
            patch.optional = schema.optional;
            patch.field_type = schema
                .field_type
                .map(|t| FieldType::parse_any("schema.type", &t))
                .transpose()?;
        }
        Ok(patch)
    }
}

/// A select option of a select field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SelectOption {
    pub id: String,
    pub title: String,
    /// An archived option stays on the values that hold it but takes no new ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// A status's settings (Attio's): whether reaching it is celebrated, and how long a
    /// record should stay in it (an ISO 8601 duration).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub celebration_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_time_in_status: Option<String>,
}

/// One field (Attio: attribute) of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub id: String,
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub optional: bool,
    pub array: bool,
    pub unique: bool,
    /// Whether the store keeps an index item per value (see `store::index`).
    #[serde(default)]
    pub indexed: bool,
    /// The linked table's id, for record-reference fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The linked table's api_slug (fixed once the table exists), so references can be
    /// checked and shown without reading the linked table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_slug: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<SelectOption>,
    pub readonly: bool,
    /// Nanosecond timestamp: fields are ordered by creation.
    pub created_at: String,
    /// Archived (Attio's `is_archived`; SmartSuite's delete_field): no route reads, writes,
    /// filters or sorts it, and it is no longer required, but the store keeps its values,
    /// their unique claims, references and index entries as for any field, so unarchiving
    /// it brings everything back as it was. Its key stays taken.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

/// A table (Attio: object): its attributes and its field definitions, as the store keeps
/// them and every endpoint reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub id: String,
    pub org_id: u64,
    #[serde(rename = "type")]
    pub table_type: String,
    pub name: String,
    /// Attio's `singular_noun`, when it was given apart from the name (its `plural_noun`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singular_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub record_prefix: String,
    pub api_slug: String,
    pub display_field_id: String,
    pub archived: bool,
    /// The SmartSuite solution it is in (`domain::solution`), set when it is made; `None`:
    /// the organization's default solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution_id: Option<String>,
    /// Attio's list: its records are the list's entries (`domain::list`); `None`: an
    /// object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<super::list_def::ListDef>,
    pub fields: BTreeMap<String, FieldDef>,
    /// Bumped by every change to the definition, with the head's (the store's `TableHead`): record
    /// writes are conditional on the revision they were checked against, so a definition
    /// cached by a container can never let a stale write through.
    #[serde(default)]
    pub revision: u64,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
impl Table {
    /// The `companies` table of org 1 for parser tests, with `fields` by key (the first
    /// is its display field).
    pub(crate) fn for_tests(fields: Vec<FieldDef>) -> Self {
        Self {
            id: "t".into(),
            org_id: 1,
            table_type: "custom".into(),
            name: "Companies".into(),
            singular_name: None,
            description: None,
            record_prefix: "CO".into(),
            api_slug: "companies".into(),
            display_field_id: fields.first().map(|f| f.id.clone()).unwrap_or_default(),
            archived: false,
            solution_id: None,
            list: None,
            fields: fields.into_iter().map(|f| (f.key.clone(), f)).collect(),
            revision: 0,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

#[cfg(test)]
impl FieldDef {
    /// A field of `field_type` for parser tests: linked to `companies`, with one option.
    pub(crate) fn for_tests(field_type: FieldType) -> Self {
        Self {
            id: "f".into(),
            key: "k".into(),
            name: "K".into(),
            description: None,
            field_type,
            optional: true,
            array: false,
            unique: false,
            indexed: false,
            link: Some("2b4e1d2a-8d1c-4f5b-9d7e-1a2b3c4d5e6f".into()),
            link_slug: Some("companies".into()),
            options: vec![SelectOption {
                id: "opt-1".into(),
                title: "Lead".into(),
                archived: false,
                celebration_enabled: false,
                target_time_in_status: None,
            }],
            readonly: false,
            created_at: String::new(),
            archived: false,
        }
    }
}

impl Table {
    /// Whether the table is Attio's list (its records entries), not an object.
    pub fn is_list(&self) -> bool {
        self.list.is_some()
    }

    /// The fields a client reads and writes, in creation order (the `order` the API shows
    /// is the position, from 1): archived ones are left out.
    pub fn ordered_fields(&self) -> Vec<&FieldDef> {
        let mut fields = self.ordered_fields_with_archived();
        fields.retain(|f| !f.archived);
        fields
    }

    /// Every field in creation order, archived ones too (Attio's `show_archived`).
    pub fn ordered_fields_with_archived(&self) -> Vec<&FieldDef> {
        let mut fields: Vec<&FieldDef> = self.fields.values().collect();
        fields.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        fields
    }

    /// The field a slug names, unless it is archived.
    pub fn field_by_key(&self, key: &str) -> Option<&FieldDef> {
        self.fields.get(key).filter(|f| !f.archived)
    }

    /// The field with this id, unless it is archived.
    pub fn field_by_id(&self, id: &str) -> Option<&FieldDef> {
        self.fields.values().find(|f| f.id == id && !f.archived)
    }

    /// The field a slug or an id names (the vendors take either), unless it is archived.
    pub fn field_named(&self, slug_or_id: &str) -> Option<&FieldDef> {
        self.field_by_key(slug_or_id).or_else(|| self.field_by_id(slug_or_id))
    }

    /// [`Table::field_named`], archived fields included: the one lookup that may find one,
    /// for the routes that show and unarchive them.
    pub fn field_named_with_archived(&self, slug_or_id: &str) -> Option<&FieldDef> {
        self.fields
            .get(slug_or_id)
            .or_else(|| self.fields.values().find(|f| f.id == slug_or_id))
    }

    /// SmartSuite's lookup: a slug or an id, and `title` the display field when no field
    /// has that slug (SmartSuite's primary field is always `title`).
    pub fn field_or_title(&self, name: &str) -> Option<&FieldDef> {
        self.field_named(name).or_else(|| {
            (name == "title")
                .then(|| self.field_by_id(&self.display_field_id))
                .flatten()
        })
    }

    /// The id of the SmartSuite solution it is in: the one it was made in, or its
    /// organization's default solution.
    pub fn solution(&self) -> String {
        self.solution_id
            .clone()
            .unwrap_or_else(|| super::org_id::OrgId(self.org_id).solution_id())
    }

    /// The slugs of the fields a client can name, in order, for an error that lists them.
    pub fn field_keys(&self) -> String {
        let keys: Vec<&str> = self.ordered_fields().iter().map(|f| f.key.as_str()).collect();
        keys.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_prefixes() {
        for good in ["LEAD", "A", "A1B2", "ABCDEFGHIJKLMNOP"] {
            assert!(RecordPrefix::parse("record_prefix", good).is_ok(), "{good}");
        }
        for bad in ["", "lead", "1A", "A-B", "ABCDEFGHIJKLMNOPQ", "LEÄD", " LEAD"] {
            assert!(RecordPrefix::parse("record_prefix", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefix_candidates_table() {
        let prefix = |p: &str| RecordPrefix::parse("record_prefix", p).unwrap();
        let cases: [(PrefixChoice, &[&str]); 4] = [
            (PrefixChoice::Given(prefix("LEAD")), &["LEAD"]),
            (
                PrefixChoice::Derived(prefix("ABC")),
                &["ABC", "ABC2", "ABC3", "ABC4", "ABC5", "ABC6", "ABC7", "ABC8", "ABC9"],
            ),
            (PrefixChoice::Given(prefix("CUSTOMERACCOUNTS")), &["CUSTOMERACCOUNTS"]),
            (
                PrefixChoice::Derived(prefix("CUSTOMERACCOUNTS")),
                &[
                    "CUSTOMERACCOUNTS",
                    "CUSTOMERACCOUNT2",
                    "CUSTOMERACCOUNT3",
                    "CUSTOMERACCOUNT4",
                    "CUSTOMERACCOUNT5",
                    "CUSTOMERACCOUNT6",
                    "CUSTOMERACCOUNT7",
                    "CUSTOMERACCOUNT8",
                    "CUSTOMERACCOUNT9",
                ],
            ),
        ];
        for (choice, expected) in cases {
            let got: Vec<String> = choice.candidates().iter().map(|p| p.as_str().to_string()).collect();
            assert_eq!(got, expected, "{choice:?}");
            for candidate in choice.candidates() {
                assert!(RecordPrefix::parse("p", candidate.as_str()).is_ok(), "{candidate:?}");
            }
        }
        assert_eq!(prefix("AB").numbered(10).as_str(), "AB10");
        assert_eq!(prefix("ABCDEFGHIJKLMNOP").numbered(10).as_str(), "ABCDEFGHIJKLMN10");
    }

    #[test]
    fn slugs_from_names() {
        let slug = |n: &str| ApiSlug::from_name(&TableName::parse("name", n).unwrap()).map(|s| s.0);
        assert_eq!(slug("Companies").unwrap(), "companies");
        assert_eq!(slug("Sales Leads 2024").unwrap(), "sales_leads_2024");
        assert_eq!(slug("2024 Deals!").unwrap(), "deals");
        assert_eq!(slug("Café & Co").unwrap(), "caf_co");
        assert!(slug("2024").is_err());
        assert_eq!(slug(&"a".repeat(100)).unwrap().len(), 64);
    }

    /// Option titles are unique by the caseless match team names use, and at most
    /// MAX_OPTIONS of them: `None` accepted, `Some(word)` refused with a message saying it.
    #[test]
    fn option_titles_table() {
        let titles = |list: &[String]| list.iter().map(|t| OptionInput::Title(t.clone())).collect::<Vec<_>>();
        let list = |titles: &[&str]| titles.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let many = |n: usize| (0..n).map(|i| format!("o{i}")).collect::<Vec<_>>();
        let cases: Vec<(Vec<String>, Option<&str>)> = vec![
            (list(&["Lead", "Won"]), None),
            (list(&["Lead", "lead"]), Some("repeats")),
            (list(&["Émigré", "émigré"]), Some("repeats")),
            (list(&["ÄRGER", "ärger"]), Some("repeats")),
            (list(&["Straße", "STRASSE"]), Some("repeats")),
            (list(&["Émigré", "Emigre"]), None),
            (vec![], Some("1 to 500")),
            (many(MAX_OPTIONS), None),
            (many(MAX_OPTIONS + 1), Some("1 to 500")),
        ];
        for (list, refused) in cases {
            match (parse_options(titles(&list)), refused) {
                (Ok(parsed), None) => assert_eq!(parsed.len(), list.len()),
                (Err(e), Some(word)) => assert!(e.to_string().contains(word), "{list:?}: {e}"),
                (got, want) => panic!("{list:?}: got {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn option_count_table() {
        let cases = [
            (0, 1, true),
            (499, 500, true),
            (500, 501, false),
            (500, 500, true),
            (600, 600, true),
            (600, 599, true),
            (600, 601, false),
        ];
        for (before, after, ok) in cases {
            assert_eq!(
                check_option_count("k", before, after).is_ok(),
                ok,
                "{before} -> {after}"
            );
        }
    }

    #[test]
    fn table_refs() {
        let id = uuid::Uuid::new_v4().to_string();
        assert_eq!(TableRef::parse(&id).unwrap(), TableRef::Id(id.clone()));
        assert!(matches!(TableRef::parse("companies").unwrap(), TableRef::Slug(_)));
        assert!(matches!(TableRef::parse("Bad Slug"), Err(Invalid::NotFound(_))));
    }
}
