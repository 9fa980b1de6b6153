//! Record search (Attio's `POST /v2/objects/records/search`): what a record is found by,
//! and what a search asks. Pure: the store keeps a record's terms in items of their own
//! (`store::search`), and a search checks each record it finds against these same terms,
//! computed from the record as it is now (docs/data-model.md, "Record search").
//!
//! A record is found by a prefix of any of its terms, ignoring case:
//! - its label (`record_text`: its display value) and each later word of it onward, so
//!   "Ada Lovelace" is found by "ada", "ada l" and "love";
//! - on people and companies (Attio: "names, domains, emails, phone numbers ... on people
//!   and companies, and labels on all other objects"), its email addresses, its phone
//!   numbers (E.164, with and without the `+`) and its domains.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::filter::main_property;
use super::record::Record;
use super::table::{FieldDef, FieldType, Table};
use super::Invalid;

/// At most this many terms a record (its label's words past this are not found).
pub const MAX_TERMS: usize = 16;
/// A term's characters past this are not indexed; a query is cut at it too.
pub const MAX_TERM_CHARS: usize = 100;
/// Attio's bound on `query`.
pub const MAX_QUERY_CHARS: usize = 256;
/// Attio's bound on `limit`, and its default.
pub const MAX_LIMIT: usize = 25;
/// At most this many objects one search reads (each costs a query).
pub const MAX_OBJECTS: usize = 20;

/// The objects whose contact values are found, as Attio's standard objects name them.
const CONTACT_OBJECTS: [&str; 2] = ["people", "companies"];

/// Lowercase, whitespace runs as one space, trimmed, without control characters, at most
/// [`MAX_TERM_CHARS`].
pub fn normalize(text: &str) -> String {
    let visible: String = text.chars().filter(|c| c.is_whitespace() || !c.is_control()).collect();
    let joined = visible.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    joined.chars().take(MAX_TERM_CHARS).collect()
}

/// A value as text: its main property, an option by its title now.
pub fn value_text(field: &FieldDef, value: &Map<String, Value>) -> Option<String> {
    if matches!(field.field_type, FieldType::Select | FieldType::Status) {
        let option = value.get(main_property(field.field_type)?)?;
        let id = option.get("id").and_then(Value::as_str);
        let now = id.and_then(|id| field.options.iter().find(|o| o.id == id));
        return now
            .map(|o| o.title.clone())
            .or_else(|| option.get("title").and_then(Value::as_str).map(str::to_string));
    }
    if matches!(field.field_type, FieldType::RecordReference | FieldType::ActorReference) {
        return None;
    }
    match value.get(main_property(field.field_type)?)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A record's label (Attio's `record_text`): its display field's first value as text, or
/// empty.
pub fn record_text(table: &Table, record: &Record) -> String {
    table
        .field_by_id(&table.display_field_id)
        .and_then(|field| record.active(&field.id).find_map(|v| value_text(field, v)))
        .unwrap_or_default()
}

/// The contact values Attio shows with a person or a company: email addresses, phone
/// numbers (E.164) and domains, from the attributes of those slugs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contacts {
    pub email_addresses: Vec<String>,
    pub phone_numbers: Vec<String>,
    pub domains: Vec<String>,
}

/// Whether records of `table` are found by their contact values too.
pub fn has_contacts(table: &Table) -> bool {
    !table.is_list() && CONTACT_OBJECTS.contains(&table.api_slug.as_str())
}

/// The contact values of a person or a company (empty for other objects).
pub fn contacts(table: &Table, record: &Record) -> Contacts {
    if !has_contacts(table) {
        return Contacts::default();
    }
    let of = |field_type: FieldType, property: &str| -> Vec<String> {
        table
            .fields
            .values()
            .filter(|f| f.field_type == field_type && !f.archived)
            .flat_map(|f| record.active(&f.id))
            .filter_map(|v| v.get(property).and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    Contacts {
        email_addresses: of(FieldType::EmailAddress, "email_address"),
        phone_numbers: of(FieldType::PhoneNumber, "normalized_phone_number"),
        domains: of(FieldType::Domain, "domain"),
    }
}

/// The terms a record is found by, in order, without repeats: at most [`MAX_TERMS`], each
/// normalized.
pub fn terms(table: &Table, record: &Record) -> Vec<String> {
    // A list's entries are no search's answer (Attio searches objects).
    if table.is_list() {
        return Vec::new();
    }
    let label = normalize(&record_text(table, record));
    let words: Vec<usize> = label.match_indices(' ').map(|(at, _)| at + 1).collect();
    let mut all = vec![label.clone()];
    all.extend(words.iter().map(|&at| label[at..].to_string()));
    let contacts = contacts(table, record);
    all.extend(contacts.email_addresses.iter().map(|e| normalize(e)));
    for phone in &contacts.phone_numbers {
        all.push(normalize(phone));
        all.push(normalize(phone.trim_start_matches('+')));
    }
    all.extend(contacts.domains.iter().map(|d| normalize(d)));
    let mut kept: Vec<String> = Vec::new();
    for term in all {
        if !term.is_empty() && !kept.contains(&term) && kept.len() < MAX_TERMS {
            kept.push(term);
        }
    }
    kept
}

/// Whether a record with `terms` answers `query` (normalized): some term starts with it.
/// The empty query is answered by every record.
pub fn matches(terms: &[String], query: &str) -> bool {
    terms.iter().any(|t| t.starts_with(query)) || (query.is_empty() && !terms.is_empty())
}

/// The first term of `terms` that `query` matches: the one a search orders by.
pub fn matched_term<'t>(terms: &'t [String], query: &str) -> Option<&'t str> {
    terms.iter().find(|t| t.starts_with(query)).map(String::as_str)
}

/// `request_as` as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestAsInput {
    /// `workspace` or `workspace-member`.
    #[schema(required = true, value_type = String)]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[schema(value_type = String, format = "uuid")]
    pub workspace_member_id: Option<String>,
    #[schema(value_type = String, format = "email")]
    pub email_address: Option<String>,
}

/// The body of `POST /v2/objects/records/search` (Attio's OpenAPI: `query`, `objects` and
/// `request_as` required).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SearchBody {
    #[schema(required = true, value_type = String, max_length = 256)]
    pub query: Option<String>,
    /// 1 to 25; 25 when absent.
    #[schema(value_type = f64, minimum = 1, maximum = 25)]
    pub limit: Option<Value>,
    /// Object slugs or ids, at least one.
    #[schema(required = true, value_type = Vec<String>)]
    pub objects: Option<Vec<String>>,
    #[schema(required = true, value_type = RequestAsInput)]
    #[serde(default, deserialize_with = "super::object")]
    pub request_as: Option<RequestAsInput>,
}

/// Who a search is made for: the workspace, or one member (by id or email address), who
/// sees what the workspace sees here (no record is hidden from a member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestAs {
    Workspace,
    MemberId(String),
    MemberEmail(String),
}

/// A search, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// Normalized: what terms are compared with.
    pub query: String,
    pub limit: usize,
    /// As given, without repeats, in the order given.
    pub objects: Vec<String>,
    pub request_as: RequestAs,
}

impl Search {
    pub fn parse(body: SearchBody) -> Result<Self, Invalid> {
        let query = super::required("query", body.query)?;
        let chars = query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Invalid::value(format!(
                "`query` must be at most {MAX_QUERY_CHARS} characters; it has {chars}"
            )));
        }
        let limit = match body.limit {
            None | Some(Value::Null) => MAX_LIMIT,
            Some(raw) => limit(&raw)?,
        };
        let given = super::required("objects", body.objects)?;
        if given.is_empty() {
            return Err(Invalid::value("`objects` must name at least one object"));
        }
        let mut objects: Vec<String> = Vec::new();
        for object in given {
            if !objects.contains(&object) {
                objects.push(object);
            }
        }
        if objects.len() > MAX_OBJECTS {
            return Err(Invalid::value(format!(
                "`objects` may name at most {MAX_OBJECTS} objects; it names {}",
                objects.len()
            )));
        }
        let request_as = request_as(super::required("request_as", body.request_as)?)?;
        Ok(Self {
            query: normalize(&query),
            limit,
            objects,
            request_as,
        })
    }
}

/// `limit`: a whole number from 1 to 25 (Attio types it a number, so `5.0` is 5).
fn limit(raw: &Value) -> Result<usize, Invalid> {
    let refuse = || Invalid::value(format!("`limit` must be a whole number from 1 to {MAX_LIMIT}"));
    let n = raw.as_f64().ok_or_else(refuse)?;
    if n.fract() != 0.0 || !(1.0..=MAX_LIMIT as f64).contains(&n) {
        return Err(refuse());
    }
    Ok(n as usize)
}

fn request_as(input: RequestAsInput) -> Result<RequestAs, Invalid> {
    match super::required("request_as.type", input.kind)?.as_str() {
        "workspace" => Ok(RequestAs::Workspace),
        "workspace-member" => match (input.workspace_member_id, input.email_address) {
            (Some(id), None) => Ok(RequestAs::MemberId(id)),
            (None, Some(email)) => Ok(RequestAs::MemberEmail(email.trim().to_lowercase())),
            _ => Err(Invalid::value(
                "`request_as` of type `workspace-member` needs one of `workspace_member_id` and `email_address`",
            )),
        },
        other => Err(Invalid::value(format!(
            "`request_as.type` must be `workspace` or `workspace-member`, not \"{other}\""
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::table::SelectOption;
    use serde_json::json;

    fn field(id: &str, key: &str, field_type: FieldType) -> FieldDef {
        let mut f = FieldDef::for_tests(field_type);
        f.id = id.into();
        f.key = key.into();
        f
    }

    fn people() -> Table {
        let mut table = Table::for_tests(vec![
            field("f-name", "name", FieldType::PersonalName),
            field("f-email", "email_addresses", FieldType::EmailAddress),
            field("f-phone", "phone_numbers", FieldType::PhoneNumber),
        ]);
        table.api_slug = "people".into();
        table.display_field_id = "f-name".into();
        table
    }

    fn record(values: &[(&str, Value)]) -> Record {
        let mut record = Record::for_tests("r1", "t1");
        for (field, value) in values {
            record.values.entry(field.to_string()).or_default().push(value.clone());
        }
        record
    }

    #[test]
    fn normalizing_lowercases_collapses_and_cuts() {
        for (raw, want) in [
            ("  Ada \t Lovelace ", "ada lovelace"),
            ("ÉCOLE", "école"),
            ("", ""),
            ("   ", ""),
            ("a\u{1}b\u{7f}", "ab"),
        ] {
            assert_eq!(normalize(raw), want, "{raw:?}");
        }
        assert_eq!(normalize(&"x".repeat(300)).chars().count(), MAX_TERM_CHARS);
        assert_eq!(normalize(&"é".repeat(300)).chars().count(), MAX_TERM_CHARS);
    }

    #[test]
    fn a_person_is_found_by_each_word_of_the_name_and_by_contacts() {
        let person = record(&[
            ("f-name", json!({"full_name": "Ada King Lovelace"})),
            ("f-email", json!({"email_address": "ada@Example.com"})),
            ("f-phone", json!({"normalized_phone_number": "+447700900123"})),
        ]);
        assert_eq!(
            terms(&people(), &person),
            [
                "ada king lovelace",
                "king lovelace",
                "lovelace",
                "ada@example.com",
                "+447700900123",
                "447700900123"
            ]
        );
    }

    #[test]
    fn other_objects_are_found_by_their_label_only() {
        let mut table = people();
        table.api_slug = "deals".into();
        let deal = record(&[
            ("f-name", json!({"full_name": "Big Deal"})),
            ("f-email", json!({"email_address": "x@y.z"})),
        ]);
        assert_eq!(terms(&table, &deal), ["big deal", "deal"]);
        assert_eq!(contacts(&table, &deal), Contacts::default());
    }

    #[test]
    fn an_option_label_is_its_title_now() {
        let mut status = field("f-stage", "stage", FieldType::Status);
        status.options = vec![SelectOption {
            id: "o1".into(),
            title: "Won big".into(),
            archived: false,
            celebration_enabled: false,
            target_time_in_status: None,
        }];
        let mut table = Table::for_tests(vec![status]);
        table.display_field_id = "f-stage".into();
        let deal = record(&[("f-stage", json!({"status": {"id": "o1", "title": "Old title"}}))]);
        assert_eq!(record_text(&table, &deal), "Won big");
    }

    #[test]
    fn ended_values_and_missing_labels_give_no_terms() {
        let ended = record(&[(
            "f-name",
            json!({"full_name": "Gone", "active_until": "2026-01-01T00:00:00Z"}),
        )]);
        assert!(terms(&people(), &ended).is_empty());
        assert!(!matches(&[], ""));
    }

    #[test]
    fn terms_are_at_most_sixteen() {
        let long = (0..40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        let person = record(&[("f-name", json!({ "full_name": long }))]);
        assert_eq!(terms(&people(), &person).len(), MAX_TERMS);
    }

    #[test]
    fn a_query_matches_a_prefix_of_a_term() {
        let terms = vec!["ada lovelace".to_string(), "lovelace".to_string()];
        for (query, want) in [
            ("ada", true),
            ("ada l", true),
            ("love", true),
            ("ovelace", false),
            ("", true),
            ("lovelace ada", false),
        ] {
            assert_eq!(matches(&terms, query), want, "{query:?}");
        }
        assert_eq!(matched_term(&terms, "l"), Some("lovelace"));
    }

    #[test]
    fn bodies_are_parsed_as_attio_documents_them() {
        let parse = |body: Value| {
            serde_json::from_value::<SearchBody>(body)
                .map_err(|e| e.to_string())
                .and_then(|b| Search::parse(b).map_err(|e| e.to_string()))
        };
        let ok = parse(json!({"query": " Ada  L ", "objects": ["people", "people", "deals"],
                              "request_as": {"type": "workspace"}}))
        .unwrap();
        assert_eq!(
            ok,
            Search {
                query: "ada l".into(),
                limit: 25,
                objects: vec!["people".into(), "deals".into()],
                request_as: RequestAs::Workspace
            }
        );
        let member = parse(json!({"query": "", "limit": 5.0, "objects": ["people"],
            "request_as": {"type": "workspace-member", "email_address": "A@B.co"}}))
        .unwrap();
        assert_eq!(member.limit, 5);
        assert_eq!(member.request_as, RequestAs::MemberEmail("a@b.co".into()));
        for (body, says) in [
            (
                json!({"objects": ["people"], "request_as": {"type": "workspace"}}),
                "`query` is required",
            ),
            (
                json!({"query": "x", "request_as": {"type": "workspace"}}),
                "`objects` is required",
            ),
            (
                json!({"query": "x", "objects": [], "request_as": {"type": "workspace"}}),
                "at least one",
            ),
            (json!({"query": "x", "objects": ["people"]}), "`request_as` is required"),
            (
                json!({"query": "x", "objects": ["people"], "request_as": {"type": "robot"}}),
                "robot",
            ),
            (
                json!({"query": "x", "objects": ["people"], "request_as": {"type": "workspace-member"}}),
                "needs one",
            ),
            (
                json!({"query": "x", "limit": 0, "objects": ["people"], "request_as": {"type": "workspace"}}),
                "1 to 25",
            ),
            (
                json!({"query": "x", "limit": 26, "objects": ["people"], "request_as": {"type": "workspace"}}),
                "1 to 25",
            ),
            (
                json!({"query": "x", "limit": 2.5, "objects": ["people"], "request_as": {"type": "workspace"}}),
                "1 to 25",
            ),
            (
                json!({"query": "x", "limit": "5", "objects": ["people"], "request_as": {"type": "workspace"}}),
                "1 to 25",
            ),
            (
                json!({"query": "x".repeat(257), "objects": ["people"], "request_as": {"type": "workspace"}}),
                "at most 256",
            ),
            (
                json!({"query": "x", "objects": (0..21).map(|i| i.to_string()).collect::<Vec<_>>(),
                    "request_as": {"type": "workspace"}}),
                "at most 20",
            ),
        ] {
            let err = parse(body.clone()).unwrap_err();
            assert!(err.contains(says), "{body}: {err}");
        }
    }
}
