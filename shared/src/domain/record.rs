//! Record values (Attio's): each attribute type's accepted input forms, coerced into the
//! value object Attio returns. A value that cannot be coerced is a 400 naming the field and
//! the expected form.

use serde::de::{Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Number, Value};

use super::user::Email;
use crate::domain::table::FieldDef;
use crate::domain::table::FieldType;
use crate::domain::text::caseless_eq;
use crate::domain::Invalid;
use crate::time::Timestamp;

/// The longest text value accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// The JSON body of a record create: `{"data": {"values": {...}}}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    #[schema(required = true, value_type = RecordDataInput)]
    #[serde(default, deserialize_with = "super::object")]
    pub data: Option<RecordDataInput>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RecordDataInput {
    /// Values by attribute slug: each a value, a value object, or an array of them.
    #[schema(required = true, value_type = Object)]
    pub values: Option<StrictMap>,
}

/// A JSON object whose keys must be distinct: a key given twice is an error, never "last
/// one wins".
#[derive(Debug, Default)]
pub struct StrictMap(pub Vec<(String, Value)>);

impl<'de> Deserialize<'de> for StrictMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrictVisitor;
        impl<'de> Visitor<'de> for StrictVisitor {
            type Value = StrictMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictMap, A::Error> {
                let mut entries: Vec<(String, Value)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    entries.push((key, value));
                }
                Ok(StrictMap(entries))
            }
        }
        deserializer.deserialize_map(StrictVisitor)
    }
}

/// One coerced value: the type's own fields of Attio's value object (`value`,
/// `email_address`, ...). What the store enforces (unique keys, references) is derived from
/// these fields by [`unique_key`] and [`reference_target`], for new and stored values alike.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedValue {
    pub fields: Map<String, Value>,
}

/// The normalised form two equal values of a unique-capable type share: text as given,
/// numbers canonical, email addresses lowercased, phone numbers in E.164, domains lowercased.
pub fn unique_key(field_type: FieldType, fields: &Map<String, Value>) -> Option<String> {
    let property = match field_type {
        FieldType::Text | FieldType::Number => "value",
        FieldType::EmailAddress => "email_address",
        FieldType::PhoneNumber => "normalized_phone_number",
        FieldType::Domain => "domain",
        _ => return None,
    };
    match fields.get(property)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(canonical_number(n)),
        _ => None,
    }
}

/// One spelling per number: `1`, `1.0` and `1e0` are all `1`; an integer past 2^53 (or
/// past i64, up to u64) as its exact digits; `-0.0` is `0`.
fn canonical_number(n: &Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (None, Some(u), _) => u.to_string(),
        (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => (f as i64).to_string(),
        (None, None, Some(f)) => f.to_string(),
        _ => n.to_string(),
    }
}

/// The record a record-reference value points at.
pub fn reference_target(fields: &Map<String, Value>) -> Option<&str> {
    fields.get("target_record_id").and_then(Value::as_str)
}

fn expected(field: &str, form: &str) -> Invalid {
    Invalid::value(format!("Invalid value for `{field}`: expected {form}"))
}

/// A value given as itself or wrapped as `{"<key>": value}` (Attio accepts both).
fn unwrap_object<'a>(raw: &'a Value, key: &str) -> &'a Value {
    match raw {
        Value::Object(object) if object.len() == 1 && object.contains_key(key) => &object[key],
        other => other,
    }
}

fn object(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Coerces one value of `def`'s type. `path` names it in errors (`values.email`).
pub fn parse_value(def: &FieldDef, raw: &Value, path: &str) -> Result<ParsedValue, Invalid> {
    let fields = match def.field_type {
        FieldType::Text => text_value(raw, path)?,
        FieldType::Number => number_value(raw, path)?,
        FieldType::Checkbox => checkbox_value(raw, path)?,
        FieldType::Currency => currency_value(raw, path)?,
        FieldType::Date => date_value(raw, path)?,
        FieldType::Timestamp => timestamp_value(raw, path)?,
        FieldType::Select => option_value(def, raw, path, "option")?,
        FieldType::Status => option_value(def, raw, path, "status")?,
        FieldType::ActorReference => actor_value(raw, path)?,
        FieldType::Interaction => {
            return Err(Invalid::value(format!(
                "`{path}` is an interaction attribute, which only the system writes"
            )))
        }
        FieldType::RecordReference => reference_value(def, raw, path)?,
        FieldType::EmailAddress => email_value(raw, path)?,
        FieldType::PhoneNumber => phone_value(raw, path)?,
        FieldType::Domain => domain_value(raw, path)?,
        FieldType::Rating => rating_value(raw, path)?,
        FieldType::PersonalName => personal_name(raw, path)?,
        FieldType::Location => location(raw, path)?,
    };
    Ok(ParsedValue { fields })
}

fn text_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a string, or {\"value\": string}";
    let text = unwrap_object(raw, "value")
        .as_str()
        .ok_or_else(|| expected(path, form))?;
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Invalid::value(format!(
            "`{path}` must be at most {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(object(vec![("value", json!(text))]))
}

fn number_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let number =
        number(unwrap_object(raw, "value")).ok_or_else(|| expected(path, "a finite number, or {\"value\": number}"))?;
    Ok(object(vec![("value", Value::Number(in_store_range(number, path)?))]))
}

fn checkbox_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let value = match unwrap_object(raw, "value") {
        Value::Bool(b) => *b,
        Value::String(s) if s == "true" => true,
        Value::String(s) if s == "false" => false,
        _ => return Err(expected(path, "true or false (a boolean, or \"true\"/\"false\")")),
    };
    Ok(object(vec![("value", json!(value))]))
}

fn currency_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a number, or {\"currency_value\": number, \"currency_code\": \"USD\"}";
    let (value, code) = match raw {
        Value::Object(o) => {
            if o.keys().any(|k| k != "currency_value" && k != "currency_code") {
                return Err(expected(path, form));
            }
            let value = o
                .get("currency_value")
                .and_then(number)
                .ok_or_else(|| expected(path, form))?;
            let code = match o.get("currency_code") {
                None | Some(Value::Null) => "USD".to_string(),
                Some(Value::String(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    c.to_ascii_uppercase()
                }
                Some(_) => return Err(expected(path, "a currency_code of three letters (ISO 4217), like USD")),
            };
            (value, code)
        }
        other => (number(other).ok_or_else(|| expected(path, form))?, "USD".to_string()),
    };
    Ok(object(vec![
        ("currency_value", Value::Number(in_store_range(value, path)?)),
        ("currency_code", json!(code)),
    ]))
}

fn date_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a date as \"YYYY-MM-DD\", \"YYYY-MM\" or \"YYYY\", or a timestamp (its date in UTC), in the years 0000 to 9999, or {\"value\": date}";
    let text = unwrap_object(raw, "value")
        .as_str()
        .ok_or_else(|| expected(path, form))?;
    let date = crate::time::parse_attio_date(text).ok_or_else(|| expected(path, form))?;
    Ok(object(vec![("value", json!(date.to_string()))]))
}

fn timestamp_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "an ISO 8601 timestamp like \"2023-01-01T15:00:00Z\" (without a zone it is UTC; \"2023\", \"2023-01\" and \"2023-01-01\" are the start of that period), in the years 0000 to 9999 in UTC";
    let text = unwrap_object(raw, "value")
        .as_str()
        .ok_or_else(|| expected(path, form))?;
    let utc = Timestamp::parse_attio(text).ok_or_else(|| expected(path, form))?;
    Ok(object(vec![("value", json!(utc.nanos()))]))
}

/// A select option or a status, by title or id, under `key` (`option` or `status`).
fn option_value(def: &FieldDef, raw: &Value, path: &str, key: &str) -> Result<Map<String, Value>, Invalid> {
    let form = format!("a {key} title or id, or {{\"{key}\": title}}");
    let given = unwrap_object(raw, key).as_str().ok_or_else(|| expected(path, &form))?;
    let option = def
        .options
        .iter()
        .filter(|o| !o.archived)
        .find(|o| o.id == given || caseless_eq(&o.title, given.trim()))
        .ok_or_else(|| {
            let titles: Vec<&str> = def
                .options
                .iter()
                .filter(|o| !o.archived)
                .map(|o| o.title.as_str())
                .collect();
            Invalid::value(format!(
                "Invalid value for `{path}`: \"{given}\" is not a {key}; expected one of: {}",
                titles.join(", ")
            ))
        })?;
    Ok(object(vec![(key, json!({"id": option.id, "title": option.title}))]))
}

/// An actor reference as the handler leaves it once it has found the member (by email or
/// by id): `{"referenced_actor_type": "workspace-member", "referenced_actor_id": uuid}`.
fn actor_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a workspace member's email address, {\"workspace_member_email_address\": email}, or {\"referenced_actor_type\": \"workspace-member\", \"referenced_actor_id\": uuid}";
    let o = raw
        .as_object()
        .filter(|o| o.len() == 2)
        .ok_or_else(|| expected(path, form))?;
    if o.get("referenced_actor_type").and_then(Value::as_str) != Some("workspace-member") {
        return Err(expected(path, form));
    }
    let id = o
        .get("referenced_actor_id")
        .and_then(Value::as_str)
        .and_then(|id| uuid::Uuid::try_parse(id).ok())
        .ok_or_else(|| expected(path, form))?;
    Ok(object(vec![
        ("referenced_actor_type", json!("workspace-member")),
        ("referenced_actor_id", json!(id.hyphenated().to_string())),
    ]))
}

fn reference_value(def: &FieldDef, raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "{\"target_object\": <table api_slug or id>, \"target_record_id\": <record uuid>}";
    let o = raw.as_object().ok_or_else(|| expected(path, form))?;
    let target_object = o
        .get("target_object")
        .and_then(Value::as_str)
        .ok_or_else(|| expected(path, form))?;
    let target_id = o
        .get("target_record_id")
        .and_then(Value::as_str)
        .ok_or_else(|| expected(path, form))?;
    if o.len() != 2 {
        return Err(expected(path, form));
    }
    let linked = [def.link.as_deref(), def.link_slug.as_deref()];
    if !linked.contains(&Some(target_object)) {
        return Err(Invalid::value(format!(
            "Invalid value for `{path}`: target_object must be \"{}\", the table this attribute links to",
            def.link_slug.as_deref().unwrap_or_default()
        )));
    }
    let id = uuid::Uuid::try_parse(target_id)
        .map_err(|_| expected(path, "a target_record_id that is a record uuid"))?
        .hyphenated()
        .to_string();
    Ok(object(vec![
        ("target_object", json!(def.link_slug.as_deref().unwrap_or_default())),
        ("target_record_id", json!(id)),
    ]))
}

fn email_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "an email address, or {\"email_address\": string}";
    let text = unwrap_object(raw, "email_address")
        .as_str()
        .ok_or_else(|| expected(path, form))?;
    let email = Email::parse(path, text)?;
    let (local, domain) = email.as_str().rsplit_once('@').expect("a parsed email has an @");
    let normalized = format!("{}@{domain}", local.to_lowercase());
    Ok(object(vec![
        ("original_email_address", json!(text)),
        ("email_address", json!(normalized)),
        ("email_domain", json!(domain)),
        ("email_root_domain", json!(root_domain(domain))),
        ("email_local_specifier", json!(local.split('+').next().unwrap_or(local))),
    ]))
}

fn phone_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a phone number in E.164 form like \"+15558675309\", or {\"original_phone_number\": string, \"country_code\": \"GB\"} (a national number like \"07234172834\" needs its country_code)";
    let (text, country) = match raw {
        Value::Object(o) => {
            if o.keys().any(|k| k != "original_phone_number" && k != "country_code") {
                return Err(expected(path, form));
            }
            let text = o
                .get("original_phone_number")
                .and_then(Value::as_str)
                .ok_or_else(|| expected(path, form))?;
            let country = match o.get("country_code") {
                None | Some(Value::Null) => None,
                Some(Value::String(c)) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    Some(c.to_ascii_uppercase())
                }
                Some(_) => return Err(expected(path, "a country_code of two letters (ISO 3166-1), like US")),
            };
            (text, country)
        }
        Value::String(s) => (s.as_str(), None),
        _ => return Err(expected(path, form)),
    };
    let normalized = super::phone::e164(text, country.as_deref()).map_err(|refused| match refused {
        super::phone::Refused::Form => expected(path, form),
        refused => Invalid::value(format!("Invalid value for `{path}`: {refused}")),
    })?;
    let country = country.or_else(|| super::phone::country_of(&normalized).map(str::to_string));
    Ok(object(vec![
        ("original_phone_number", json!(text)),
        ("country_code", json!(country)),
        ("phone_number", json!(normalized)),
        ("normalized_phone_number", json!(normalized)),
    ]))
}

fn domain_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a domain like \"example.com\" (or a URL), or {\"domain\": string}";
    let text = unwrap_object(raw, "domain")
        .as_str()
        .ok_or_else(|| expected(path, form))?;
    let domain = domain_of(text).ok_or_else(|| expected(path, form))?;
    Ok(object(vec![
        ("domain", json!(domain)),
        ("root_domain", json!(root_domain(&domain))),
    ]))
}

fn rating_value(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a whole number from 0 to 5, or {\"value\": number}";
    let value = match unwrap_object(raw, "value") {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    }
    .filter(|v| *v <= 5)
    .ok_or_else(|| expected(path, form))?;
    Ok(object(vec![("value", json!(value))]))
}

/// A finite JSON number, or a string holding one, as exactly as JSON holds it: an
/// integer that fits in i64 stays one. Negative zero is zero: DynamoDB stores it as `0`, so a
/// `-0.0` kept here would not be the value read back (and its index key would be wrong).
pub fn number(raw: &Value) -> Option<Number> {
    let parsed = match raw {
        Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => n.clone(),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                i.into()
            } else {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .and_then(Number::from_f64)?
            }
        }
        _ => return None,
    };
    Some(match parsed.as_f64() {
        Some(f) if f == 0.0 && f.is_sign_negative() => Number::from_f64(0.0).expect("zero is finite"),
        _ => parsed,
    })
}

/// The magnitudes DynamoDB can store in a number: 1E-130 to 9.9999999999999999999999999999999999999E+125,
/// and zero.
/// <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html>
const STORE_MIN_MAGNITUDE: f64 = 1e-130;
const STORE_MAX_MAGNITUDE: f64 = 9.999_999_999_999_998e125;

/// `number` if DynamoDB can store it, else a 400 naming the range.
fn in_store_range(number: Number, path: &str) -> Result<Number, Invalid> {
    if number.is_i64() || number.is_u64() {
        return Ok(number);
    }
    let magnitude = number.as_f64().map_or(f64::INFINITY, f64::abs);
    if magnitude == 0.0 || (STORE_MIN_MAGNITUDE..=STORE_MAX_MAGNITUDE).contains(&magnitude) {
        Ok(number)
    } else {
        Err(Invalid::value(format!(
            "Invalid value for `{path}`: {number} is outside the range numbers can have here (zero, or a magnitude from 1e-130 to 9.99e125)"
        )))
    }
}

/// The host of a domain or URL, lowercased, without `www.`-like prefixes left alone.
fn domain_of(text: &str) -> Option<String> {
    let text = text.trim();
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.trim_end_matches('.').to_ascii_lowercase();
    let valid = host.contains('.')
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    valid.then_some(host)
}

/// The registrable domain of a lowercase host, by the Public Suffix List (the `psl`
/// crate's compiled-in copy, private suffixes included): `www.example.co.uk` gives
/// `example.co.uk`, `shop.example.github.io` gives `example.github.io`. A TLD the list does
/// not know is one label (the list's `*` rule: `a.b.internal` gives `b.internal`). A host
/// with no label before its public suffix (`co.uk`, `github.io`) and an IPv4 address (the
/// domain parsers take one) have no registrable part: each is its own root.
pub fn root_domain(host: &str) -> String {
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return host.to_string();
    }
    psl::domain_str(host).unwrap_or(host).to_string()
}

fn personal_name(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = "a full name string, or {\"first_name\", \"last_name\", \"full_name\"}";
    let part = |o: &Map<String, Value>, key: &str| -> Result<String, Invalid> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) if s.chars().count() <= 255 => Ok(s.trim().to_string()),
            Some(_) => Err(expected(
                path,
                "first_name, last_name and full_name as strings of at most 255 characters",
            )),
        }
    };
    let (first, last, full) = match raw {
        Value::String(s) => {
            let full = s.trim().to_string();
            if full.chars().count() > 255 {
                return Err(expected(path, "a name of at most 255 characters"));
            }
            match full.split_once(',') {
                // "Last, First", as Attio reads a name with a comma.
                Some((last, first)) => {
                    let (first, last) = (first.trim().to_string(), last.trim().to_string());
                    let full = format!("{first} {last}").trim().to_string();
                    (first, last, full)
                }
                None => {
                    let (first, last) = full.split_once(' ').unwrap_or((&full, ""));
                    (first.to_string(), last.trim().to_string(), full.clone())
                }
            }
        }
        Value::Object(o) => {
            if o.keys()
                .any(|k| !matches!(k.as_str(), "first_name" | "last_name" | "full_name"))
            {
                return Err(expected(path, form));
            }
            let (first, last, full) = (part(o, "first_name")?, part(o, "last_name")?, part(o, "full_name")?);
            let full = if full.is_empty() {
                format!("{first} {last}").trim().to_string()
            } else {
                full
            };
            (first, last, full)
        }
        _ => return Err(expected(path, form)),
    };
    if full.is_empty() {
        return Err(expected(path, "a name that is not empty"));
    }
    Ok(object(vec![
        ("first_name", json!(first)),
        ("last_name", json!(last)),
        ("full_name", json!(full)),
    ]))
}

const LOCATION_KEYS: [&str; 10] = [
    "line_1",
    "line_2",
    "line_3",
    "line_4",
    "locality",
    "region",
    "postcode",
    "country_code",
    "latitude",
    "longitude",
];

/// A location written as one string, as Attio parses it: comma-separated parts, read from
/// the end: a two-letter country code, a postcode (a part with a digit, or the last word of
/// `CA 95014`), then region and locality, and the first parts as the address lines:
/// `"1 Infinite Loop, Cupertino, CA, 95014, US"`.
fn location_from_text(text: &str) -> Map<String, Value> {
    let mut parts: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let mut found: Vec<(&str, String)> = Vec::new();
    let is_country = |p: &String| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic());
    if parts.len() > 1 && parts.last().is_some_and(is_country) {
        found.push(("country_code", parts.pop().expect("a last part")));
    }
    if parts.len() > 1 {
        let last = parts.last().expect("a last part").clone();
        let has_digit = |t: &str| t.bytes().any(|b| b.is_ascii_digit());
        // A postcode is short and each of its words has a digit (`95014`, `SW1A 2AA`).
        if last.len() <= 10 && last.split(' ').all(has_digit) {
            found.push(("postcode", last));
            parts.pop();
        } else if let Some((region, code)) = last.rsplit_once(' ').filter(|(_, c)| has_digit(c)) {
            found.push(("postcode", code.to_string()));
            *parts.last_mut().expect("a last part") = region.trim().to_string();
        }
    }
    if parts.len() >= 3 {
        found.push(("region", parts.pop().expect("a region")));
    }
    if parts.len() >= 2 {
        found.push(("locality", parts.pop().expect("a locality")));
    }
    match parts.len() {
        0 => {}
        1 if !found.iter().any(|(k, _)| *k == "locality") => found.push(("locality", parts.remove(0))),
        _ => {
            found.push(("line_1", parts.remove(0)));
            if !parts.is_empty() {
                found.push(("line_2", parts.join(", ")));
            }
        }
    }
    found
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::String(v)))
        .collect()
}

fn location(raw: &Value, path: &str) -> Result<Map<String, Value>, Invalid> {
    let form = format!(
        "a location as one string (\"1 Infinite Loop, Cupertino, CA, 95014, US\"), or an object with any of {}",
        LOCATION_KEYS.join(", ")
    );
    let parsed;
    let o = match raw {
        Value::String(text) if text.chars().count() <= 1024 => {
            parsed = location_from_text(text);
            &parsed
        }
        other => other.as_object().ok_or_else(|| expected(path, &form))?,
    };
    if let Some(unknown) = o.keys().find(|k| !LOCATION_KEYS.contains(&k.as_str())) {
        return Err(Invalid::value(format!(
            "Invalid value for `{path}`: unknown key `{unknown}`; expected {form}"
        )));
    }
    let mut out = Map::new();
    for key in LOCATION_KEYS {
        let value = match (key, o.get(key)) {
            (_, None | Some(Value::Null)) => Value::Null,
            ("latitude" | "longitude", Some(v)) => {
                let limit = if key == "latitude" { 90.0 } else { 180.0 };
                let n = number(v)
                    .and_then(|n| n.as_f64())
                    .filter(|f| f.abs() <= limit)
                    .ok_or_else(|| expected(&format!("{path}.{key}"), &format!("a number from -{limit} to {limit}")))?;
                json!(n.to_string())
            }
            ("country_code", Some(Value::String(c))) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                json!(c.to_ascii_uppercase())
            }
            ("country_code", Some(_)) => {
                return Err(expected(
                    &format!("{path}.country_code"),
                    "two letters (ISO 3166-1), like GB",
                ))
            }
            (_, Some(Value::String(s))) if s.chars().count() <= 255 => json!(s.trim()),
            (_, Some(_)) => return Err(expected(&format!("{path}.{key}"), "a string of at most 255 characters")),
        };
        out.insert(key.to_string(), value);
    }
    if out.values().all(Value::is_null) {
        return Err(expected(path, "a location with at least one key set"));
    }
    Ok(out)
}

/// The values given for one attribute: `null` or `[]` (none), one value, or an array.
/// A single-value attribute takes at most one.
pub fn parse_values(def: &FieldDef, raw: &Value, path: &str) -> Result<Vec<ParsedValue>, Invalid> {
    let items: Vec<&Value> = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    if !def.array && items.len() > 1 {
        return Err(Invalid::value(format!(
            "`{path}` takes a single value; {} were given",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item_path = if matches!(raw, Value::Array(_)) {
                format!("{path}[{i}]")
            } else {
                path.to_string()
            };
            parse_value(def, item, &item_path)
        })
        .collect()
}

/// A record of a table, with its values and their history, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub org_id: u64,
    pub table_id: String,
    /// The n of the record's display id `<PREFIX>-<n>`.
    pub number: u64,
    pub created_at: String,
    /// The API key that created the record.
    pub created_by: String,
    /// Value objects by field id (ids survive key renames), as the API shows them, with
    /// their history: a replaced value keeps its place with `active_until` set.
    pub values: BTreeMap<String, Vec<Value>>,
    /// Bumped by every update; updates and deletes are conditional on it.
    #[serde(default)]
    pub version: u64,
    /// How many records reference this one. Kept by other records' writes, never by this
    /// record's own, so a concurrent update cannot overwrite it.
    #[serde(default, skip_serializing)]
    pub ref_count: i64,
}

impl Record {
    /// The active value objects of one field.
    pub fn active(&self, field_id: &str) -> impl Iterator<Item = &Map<String, Value>> {
        self.values
            .get(field_id)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .filter(|v| v.get("active_until").is_none_or(Value::is_null))
    }
}

#[cfg(test)]
impl Record {
    /// An empty record of `table_id` at version 1, for tests.
    pub(crate) fn for_tests(id: &str, table_id: &str) -> Self {
        Self {
            id: id.to_string(),
            org_id: 1,
            table_id: table_id.to_string(),
            number: 1,
            created_at: "2026-12-05T00:00:00Z".into(),
            created_by: "k".into(),
            values: BTreeMap::new(),
            version: 1,
            ref_count: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(field_type: FieldType) -> FieldDef {
        FieldDef::for_tests(field_type)
    }

    fn ok(t: FieldType, raw: Value) -> Map<String, Value> {
        parse_value(&def(t), &raw, "values.k")
            .unwrap_or_else(|e| panic!("{raw}: {}", e))
            .fields
    }

    #[test]
    fn coerces_each_type() {
        assert_eq!(ok(FieldType::Text, json!({"value": "s"}))["value"], "s");
        assert_eq!(ok(FieldType::Number, json!("42"))["value"], 42);
        assert_eq!(ok(FieldType::Checkbox, json!("false"))["value"], false);
        assert_eq!(ok(FieldType::Currency, json!(9.5))["currency_code"], "USD");
        assert_eq!(ok(FieldType::Date, json!("2024-02-29"))["value"], "2024-02-29");
        assert_eq!(
            ok(FieldType::Timestamp, json!("2023-01-01T16:00:00+01:00"))["value"],
            "2023-01-01T15:00:00.000000000Z"
        );
        assert_eq!(ok(FieldType::Select, json!("lead"))["option"]["id"], "opt-1");
        let email = ok(FieldType::EmailAddress, json!("John+x@Mail.Example.co.uk"));
        assert_eq!(email["email_address"], "john+x@mail.example.co.uk");
        assert_eq!(email["email_root_domain"], "example.co.uk");
        assert_eq!(email["email_local_specifier"], "John");
        assert_eq!(
            ok(FieldType::PhoneNumber, json!("+1 (555) 867-5309"))["normalized_phone_number"],
            "+15558675309"
        );
        let domain = ok(FieldType::Domain, json!("https://www.Example.com/about"));
        assert_eq!(
            (domain["domain"].as_str(), domain["root_domain"].as_str()),
            (Some("www.example.com"), Some("example.com"))
        );
        assert_eq!(ok(FieldType::Rating, json!(5))["value"], 5);
        assert_eq!(
            ok(FieldType::PersonalName, json!("Ada King Lovelace"))["last_name"],
            "King Lovelace"
        );
        let location = ok(FieldType::Location, json!({"locality": "London", "latitude": 51.5}));
        assert_eq!(location.len(), 10);
        assert_eq!(location["latitude"], "51.5");
    }

    /// Each type's accepted forms and its refusals, by the parser of that type: the value
    /// stored under `key` (as JSON text), or `None` for a 400 naming the path.
    #[test]
    fn each_type_table() {
        use FieldType::*;
        let cases: Vec<(FieldType, Value, &str, Option<&str>)> = vec![
            (Text, json!("s"), "value", Some("\"s\"")),
            (Text, json!({"value": "s"}), "value", Some("\"s\"")),
            (Text, json!("x".repeat(MAX_TEXT_CHARS + 1)), "value", None),
            (Text, json!(null), "value", None),
            (Number, json!(42), "value", Some("42")),
            (Number, json!("-7.5"), "value", Some("-7.5")),
            (Number, json!(i64::MIN), "value", Some("-9223372036854775808")),
            (Number, json!(1e125), "value", Some("1e+125")),
            (Number, json!(-1e-130), "value", Some("-1e-130")),
            (Number, json!(0.0), "value", Some("0.0")),
            (Number, json!(-0.0), "value", Some("0.0")),
            (Number, json!("-0.0"), "value", Some("0.0")),
            (Number, json!(9007199254740993u64), "value", Some("9007199254740993")),
            (Currency, json!(-0.0), "currency_value", Some("0.0")),
            (Number, json!(1e200), "value", None),
            (Number, json!(-1e200), "value", None),
            (Number, json!(1e-200), "value", None),
            (Number, json!(5e-324), "value", None),
            (Number, json!(1.797_693_134_862_315_7e308), "value", None),
            (Number, json!("1e130"), "value", None),
            (Number, json!("NaN"), "value", None),
            (Number, json!("inf"), "value", None),
            (Currency, json!(1e200), "currency_value", None),
            (Currency, json!({"currency_value": "1e-200"}), "currency_value", None),
            (
                Currency,
                json!({"currency_value": 3, "currency_code": "eur"}),
                "currency_code",
                Some("\"EUR\""),
            ),
            (Checkbox, json!(true), "value", Some("true")),
            (Checkbox, json!(1), "value", None),
            (Date, json!("0000-01-01"), "value", Some("\"0000-01-01\"")),
            (Date, json!("9999-12-31"), "value", Some("\"9999-12-31\"")),
            (Date, json!("-0001-01-01"), "value", None),
            (Date, json!("+2023-01-01"), "value", None),
            (
                Timestamp,
                json!("2023-01-01T15:00:00Z"),
                "value",
                Some("\"2023-01-01T15:00:00.000000000Z\""),
            ),
            (Timestamp, json!("9999-12-31T23:59:59-01:00"), "value", None),
            (Timestamp, json!("0000-01-01T00:00:00+01:00"), "value", None),
            (Rating, json!("3"), "value", Some("3")),
            (Rating, json!(-1), "value", None),
            (Domain, json!({"domain": "Acme.COM"}), "domain", Some("\"acme.com\"")),
            (Domain, json!("not a domain"), "domain", None),
            (
                EmailAddress,
                json!({"email_address": "A@b.co"}),
                "email_address",
                Some("\"a@b.co\""),
            ),
            (
                PhoneNumber,
                json!({"original_phone_number": "+44 20 7946 0958", "country_code": "gb"}),
                "country_code",
                Some("\"GB\""),
            ),
            (
                Select,
                json!({"option": "opt-1"}),
                "option",
                Some(r#"{"id":"opt-1","title":"Lead"}"#),
            ),
            (Location, json!({"country_code": "gb"}), "country_code", Some("\"GB\"")),
            (Location, json!({}), "locality", None),
            (
                Location,
                json!("1 Infinite Loop, Cupertino, CA, 95014, US"),
                "line_1",
                Some("\"1 Infinite Loop\""),
            ),
            (
                Location,
                json!("1 Infinite Loop, Cupertino, CA, 95014, US"),
                "locality",
                Some("\"Cupertino\""),
            ),
            (
                Location,
                json!("1 Infinite Loop, Cupertino, CA, 95014, US"),
                "region",
                Some("\"CA\""),
            ),
            (
                Location,
                json!("1 Infinite Loop, Cupertino, CA, 95014, US"),
                "postcode",
                Some("\"95014\""),
            ),
            (
                Location,
                json!("1 Infinite Loop, Cupertino, CA 95014, US"),
                "postcode",
                Some("\"95014\""),
            ),
            (
                Location,
                json!("1 Infinite Loop, Cupertino, CA 95014, US"),
                "region",
                Some("\"CA\""),
            ),
            (
                Location,
                json!("10 Downing St, London, SW1A 2AA, GB"),
                "country_code",
                Some("\"GB\""),
            ),
            (Location, json!("Berlin"), "locality", Some("\"Berlin\"")),
            (Location, json!(""), "locality", None),
            (
                PhoneNumber,
                json!({"original_phone_number": "07234172834", "country_code": "GB"}),
                "phone_number",
                Some("\"+447234172834\""),
            ),
            (PhoneNumber, json!("+447234172834"), "country_code", Some("\"GB\"")),
            (PhoneNumber, json!("07234172834"), "phone_number", None),
            (PersonalName, json!({"first_name": "Ada"}), "full_name", Some("\"Ada\"")),
            (PersonalName, json!(""), "full_name", None),
            (PersonalName, json!("Smith, John"), "first_name", Some("\"John\"")),
            (PersonalName, json!("Smith, John"), "last_name", Some("\"Smith\"")),
            (PersonalName, json!("Smith, John"), "full_name", Some("\"John Smith\"")),
            (Date, json!("2023"), "value", Some("\"2023-01-01\"")),
            (Date, json!("2023-04"), "value", Some("\"2023-04-01\"")),
            (
                Date,
                json!("2023-01-02T23:00:00-10:00"),
                "value",
                Some("\"2023-01-03\""),
            ),
            (Date, json!("2023-02-30"), "value", None),
            (
                Timestamp,
                json!("2023-01-02T13:00"),
                "value",
                Some("\"2023-01-02T13:00:00.000000000Z\""),
            ),
            (
                Timestamp,
                json!({"value": "2023"}),
                "value",
                Some("\"2023-01-01T00:00:00.000000000Z\""),
            ),
        ];
        for (t, raw, key, expected) in cases {
            match (parse_value(&def(t), &raw, "values.k"), expected) {
                (Ok(parsed), Some(want)) => assert_eq!(parsed.fields[key].to_string(), want, "{t:?} {raw}"),
                (Err(e), None) => assert!(e.to_string().contains("values.k"), "{t:?} {raw}: {e}"),
                (got, want) => panic!("{t:?} {raw}: got {got:?}, expected {want:?}"),
            }
        }
    }

    /// A select value given by title finds its option by the caseless match titles are
    /// unique under, not by ASCII case only.
    #[test]
    fn options_are_found_by_caseless_title() {
        let mut select = def(FieldType::Select);
        select.options = ["Émigré", "ÄRGER", "Straße", "Lead"]
            .iter()
            .map(|t| crate::domain::table::SelectOption {
                id: format!("id-{t}"),
                title: t.to_string(),
                archived: false,
                celebration_enabled: false,
                target_time_in_status: None,
            })
            .collect();
        let cases = [
            ("émigré", Some("Émigré")),
            ("ÉMIGRÉ", Some("Émigré")),
            ("ärger", Some("ÄRGER")),
            ("STRASSE", Some("Straße")),
            (" lead ", Some("Lead")),
            ("id-Lead", Some("Lead")),
            ("Emigre", None),
            ("arger", None),
        ];
        for (given, title) in cases {
            let found = parse_value(&select, &json!(given), "values.k").ok();
            let found = found.as_ref().and_then(|p| p.fields["option"]["title"].as_str());
            assert_eq!(found, title, "{given:?}");
        }
    }

    #[test]
    fn root_domains_by_the_public_suffix_list() {
        let cases = [
            ("example.com", "example.com"),
            ("www.example.com", "example.com"),
            ("a.b.c.example.org", "example.org"),
            ("mail.example.co.uk", "example.co.uk"),
            ("a.example.co.jp", "example.co.jp"),
            ("x.example.com.br", "example.com.br"),
            ("shop.example.github.io", "example.github.io"),
            ("me.blogspot.com", "me.blogspot.com"),
            ("www.example.xn--p1ai", "example.xn--p1ai"),
            // A public suffix alone has no registrable part: it is its own root.
            ("co.uk", "co.uk"),
            ("github.io", "github.io"),
            // A TLD the list does not know is one label.
            ("a.b.internal", "b.internal"),
            // An address is no domain name.
            ("192.168.1.10", "192.168.1.10"),
        ];
        for (host, root) in cases {
            assert_eq!(root_domain(host), root, "{host}");
        }
        let email = ok(FieldType::EmailAddress, json!("ann@shop.example.github.io"));
        assert_eq!(email["email_root_domain"], "example.github.io");
        let domain = ok(FieldType::Domain, json!("https://shop.example.github.io/x"));
        assert_eq!(domain["root_domain"], "example.github.io");
    }

    #[test]
    fn rejects_what_cannot_be_coerced() {
        let bad: [(FieldType, Value); 16] = [
            (FieldType::Text, json!(5)),
            (FieldType::Number, json!("five")),
            (FieldType::Checkbox, json!("yes")),
            (
                FieldType::Currency,
                json!({"currency_value": 1, "currency_code": "DOLLARS"}),
            ),
            (FieldType::Date, json!("2023-02-30")),
            (FieldType::Timestamp, json!("2023-01-01 15:00")),
            (FieldType::Select, json!("Won")),
            (
                FieldType::RecordReference,
                json!({"target_object": "people", "target_record_id": "2b4e1d2a-8d1c-4f5b-9d7e-1a2b3c4d5e6f"}),
            ),
            (FieldType::EmailAddress, json!("nope")),
            (FieldType::PhoneNumber, json!("5558675309")),
            (FieldType::PhoneNumber, json!("+1 555 0000")),
            (
                FieldType::PhoneNumber,
                json!({"original_phone_number": "07700 900123", "country_code": "ZZ"}),
            ),
            (FieldType::Domain, json!("localhost")),
            (FieldType::Rating, json!(6)),
            (FieldType::PersonalName, json!({"nickname": "x"})),
            (FieldType::Location, json!({"latitude": 91})),
        ];
        for (t, raw) in bad {
            let err = parse_value(&def(t), &raw, "values.k").expect_err(&format!("{t:?} {raw}"));
            assert!(err.to_string().contains("values.k"), "{}", err);
        }
    }
}
