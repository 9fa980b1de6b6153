//! `GET /docs`: the API reference, one page rendered on the server from the OpenAPI
//! document `docs/openapi.json` (compiled in; `make generate` writes it from the route
//! table and `make test` checks it is current), with the pages' layout and policy: no
//! script, no CDN, nothing to load but the page itself.
//!
//! Rendered here rather than by a vendored renderer (Redoc, Scalar, Swagger UI): their
//! standalone bundles are megabytes of JavaScript (Redoc 3.0.1's is 2.3 MB) that need
//! inline styles and workers, which the pages' Content-Security-Policy forbids, and a
//! reference needs none of it: every endpoint with its vendor (its tag), auth scheme,
//! parameters, bodies and errors is a table. Built once per container, then served from
//! memory.

use std::sync::OnceLock;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use maud::{html, Markup};
use serde_json::{Map, Value};

use crate::auth::Visitor;
use crate::error::ApiError;
use crate::html::{document, page_text, Framing};
use crate::state::AppState;

/// The OpenAPI document the reference shows.
const DOCUMENT: &str = include_str!("../../../../docs/openapi.json");

pub async fn show(state: &AppState, _visitor: Visitor, _req: Request) -> Result<Response<Body>, ApiError> {
    static REFERENCE: OnceLock<String> = OnceLock::new();
    let body = REFERENCE.get_or_init(|| reference(DOCUMENT).into_string());
    Ok(page_text(StatusCode::OK, body.clone(), &state.pages, Framing::Never))
}

/// Every operation of the document, in its order: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    if let Some(Value::Object(paths)) = doc.get("paths") {
        for (path, item) in paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                all.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
    }
    all
}

/// An operation's tag: the vendor whose API it follows.
fn tag(operation: &Value) -> String {
    operation
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .unwrap_or("Other")
        .to_string()
}

/// How an operation authenticates: its schemes' descriptions, or none.
fn auth_text(schemes: Option<&Map<String, Value>>, operation: &Value) -> String {
    let named: Vec<String> = operation
        .pointer("/security/0")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|requirement| requirement.keys())
        .map(|name| {
            let scheme = schemes.and_then(|s| s.get(name));
            let text = |key: &str| scheme.and_then(|s| s.get(key)).and_then(Value::as_str);
            let place = match (text("type"), text("in"), text("name"), text("scheme")) {
                (Some("http"), _, _, Some(kind)) => format!("Authorization: {} <key>", capitalized(kind)),
                (_, Some(place), Some(header), _) => format!("{header} ({place})"),
                _ => name.clone(),
            };
            match text("description") {
                Some(description) => format!("{place}: {description}"),
                None => place,
            }
        })
        .collect();
    if named.is_empty() {
        "None".into()
    } else {
        named.join("; with ")
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The whole reference page, from the document's text.
fn reference(text: &str) -> Markup {
    let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let operations = operations(&doc);
    let mut tags: Vec<String> = Vec::new();
    for (_, _, operation) in &operations {
        let tag = tag(operation);
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let schemes = doc.pointer("/components/securitySchemes").and_then(Value::as_object);
    let content = html! {
        h1 { "API reference" }
        p { (operations.len()) " endpoints, by the vendor whose API each follows. Every error has one JSON body ("
            a href="#schema-Error" { "Error" } "); pages answer theirs as pages. The same document as JSON: "
            code { "docs/openapi.json" } "." }
        @for vendor in &tags {
            h2 { (vendor) }
            ul { @for (method, path, operation) in operations.iter().filter(|(_, _, o)| tag(o) == *vendor) {
                li { a href={ "#" (operation_id(operation)) } { span.method { (method) } " " code { (path) } } }
            } }
        }
        h2 { "Endpoints" }
        @for (method, path, operation) in &operations {
            (endpoint(schemes, method, path, operation))
        }
        h2 { "Schemas" }
        @if let Some(Value::Object(schemas)) = doc.pointer("/components/schemas") {
            @for (name, schema) in schemas {
                details id={ "schema-" (name) } {
                    summary { code { (name) } }
                    (schema_markup(schema))
                }
            }
        }
    };
    document("API reference", html! { a href="#" { "Reference" } }, content)
}

fn operation_id(operation: &Value) -> String {
    operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// One endpoint's section.
fn endpoint(schemes: Option<&Map<String, Value>>, method: &str, path: &str, operation: &Value) -> Markup {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let responses = operation
        .get("responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    html! {
        details.op id=(operation_id(operation)) {
            summary { span.method { (method) } " " code { (path) } " — " (text(operation, "summary")) }
            dl {
                dt { "Vendor" } dd { (tag(operation)) }
                dt { "Auth" } dd { (auth_text(schemes, operation)) }
                dt { "Function" } dd.mono { (operation_id(operation)) }
            }
            @if !parameters.is_empty() {
                div.scroll { table {
                    thead { tr { th { "Parameter" } th { "In" } th { "Type" } th { "Description" } } }
                    tbody { @for p in &parameters {
                        tr {
                            td.mono { (text(p, "name")) @if p.get("required") == Some(&Value::Bool(true)) { " *" } }
                            td { (text(p, "in")) }
                            td { (type_markup(p.get("schema").unwrap_or(&Value::Null))) }
                            td { (text(p, "description")) }
                        }
                    } }
                } }
            }
            @if let Some(body) = operation.get("requestBody") {
                p { "Body"
                    @if body.get("required") == Some(&Value::Bool(true)) { " (required)" }
                    ": " (content_type_markup(body)) }
            }
            div.scroll { table {
                thead { tr { th { "Status" } th { "Answer" } th { "When" } } }
                tbody { @for (status, response) in &responses {
                    tr {
                        td.mono { (status) }
                        td { (content_type_markup(response)) }
                        td { (text(response, "description")) }
                    }
                } }
            } }
        }
    }
}

/// A body's or response's media type and schema.
fn content_type_markup(with_content: &Value) -> Markup {
    let Some(Value::Object(content)) = with_content.get("content") else {
        return html! { "nothing" };
    };
    html! {
        @for (media, media_type) in content {
            code { (media) } " " (type_markup(media_type.get("schema").unwrap_or(&Value::Null)))
        }
    }
}

/// A schema's type in a line: a named schema as a link to it.
fn type_markup(schema: &Value) -> Markup {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return html! { a href={ "#schema-" (name) } { (name) } };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(options)) = schema.get(key) {
            return html! {
                @for (i, option) in options.iter().enumerate() {
                    @if i > 0 { " | " }
                    (type_markup(option))
                }
            };
        }
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let shown: Vec<String> = values.iter().map(Value::to_string).collect();
        return html! { "one of " code { (shown.join(", ")) } };
    }
    let kinds: Vec<&str> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    html! {
        @for (i, kind) in kinds.iter().enumerate() {
            @if i > 0 { " or " }
            @if *kind == "array" {
                "array of " (type_markup(schema.get("items").unwrap_or(&Value::Null)))
            } @else {
                (kind)
            }
        }
        @if kinds.is_empty() { "any" }
        @if let Some(format) = schema.get("format").and_then(Value::as_str) { " (" (format) ")" }
    }
}

/// A named schema: its description and, for an object, its properties.
fn schema_markup(schema: &Value) -> Markup {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    html! {
        @if let Some(description) = schema.get("description").and_then(Value::as_str) { p { (description) } }
        @match schema.get("properties") {
            Some(Value::Object(properties)) => {
                div.scroll { table {
                    thead { tr { th { "Property" } th { "Type" } th { "Description" } } }
                    tbody { @for (name, property) in properties {
                        tr {
                            td.mono { (name) @if required.contains(&name.as_str()) { " *" } }
                            td { (type_markup(property)) }
                            td { (property.get("description").and_then(Value::as_str).unwrap_or("")) }
                        }
                    } }
                } }
            }
            _ => { p { (type_markup(schema)) } }
        }
    }
}
