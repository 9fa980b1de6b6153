//! `GET /docs`: the API reference, one page rendered on the server from the OpenAPI
//! document (`crate::openapi`, the same one `docs/openapi.json` holds), with the pages'
//! layout and policy: no script, no CDN, nothing to load but the page itself.
//!
//! Rendered here rather than by a vendored renderer (Redoc, Scalar, Swagger UI): their
//! standalone bundles are megabytes of JavaScript (Redoc 3.0.1's is 2.3 MB) that need
//! inline styles and workers, which the pages' Content-Security-Policy forbids, and a
//! reference needs none of it: every endpoint with its vendor, auth scheme, parameters,
//! bodies and errors is a table. Built once per container, then served from memory.

use std::sync::OnceLock;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use maud::{html, Markup};
use serde_json::Value;

use crate::auth::Visitor;
use crate::error::ApiError;
use crate::html::{document, page_text, Framing};
use crate::routes::{Auth, Route, ROUTES};
use crate::state::AppState;

pub async fn show(state: &AppState, _visitor: Visitor, _req: Request) -> Result<Response<Body>, ApiError> {
    static REFERENCE: OnceLock<String> = OnceLock::new();
    let body = REFERENCE.get_or_init(|| reference().into_string());
    Ok(page_text(StatusCode::OK, body.clone(), &state.pages, Framing::Never))
}

/// The vendor whose API an endpoint follows, from its handler's dialect folder.
pub fn vendor(route: &Route) -> &'static str {
    match route.handler.split("::").next().unwrap_or_default() {
        "attio" => "Attio",
        "smartsuite" => "SmartSuite",
        "invent" => "Invent",
        "answering_agent" => "Answering Agent",
        _ => "Pages (ours)",
    }
}

/// How an endpoint authenticates, as a reader needs it.
fn auth_text(auth: Auth) -> &'static str {
    match auth {
        Auth::Admin => "X-API-KEY: the platform admin key",
        Auth::Bearer => "Authorization: Bearer <organization API key>",
        Auth::BearerIntrospected => "Authorization: Bearer <key> (an invalid key answers {\"active\": false})",
        Auth::Token => "Authorization: Token <organization API key>, with ACCOUNT-ID: <organization id>",
        Auth::Public => "None",
        Auth::Session => "The session cookie an embed URL starts (no session: a redirect to the access page)",
    }
}

const VENDORS: [&str; 5] = ["Answering Agent", "Invent", "Attio", "SmartSuite", "Pages (ours)"];

/// The whole reference page.
fn reference() -> Markup {
    let doc: Value = serde_json::from_str(&crate::openapi::document_json()).expect("the document is JSON");
    let content = html! {
        h1 { "API reference" }
        p { (ROUTES.len()) " endpoints, by the vendor whose API each follows. Every error has one JSON body ("
            a href="#schema-Error" { "Error" } "); pages answer theirs as pages. The same document as JSON: "
            code { "docs/openapi.json" } "." }
        @for vendor_name in VENDORS {
            h2 { (vendor_name) }
            ul { @for route in ROUTES.iter().filter(|r| vendor(r) == vendor_name) {
                li { a href={ "#" (route.function) } { span.method { (route.method) } " " code { (route.path) } } }
            } }
        }
        h2 { "Endpoints" }
        @for route in ROUTES {
            (endpoint(&doc, route))
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

/// One endpoint's section.
fn endpoint(doc: &Value, route: &Route) -> Markup {
    let pointer = format!(
        "/paths/{}/{}",
        route.path.replace('~', "~0").replace('/', "~1"),
        route.method.to_lowercase()
    );
    let operation = doc.pointer(&pointer).cloned().unwrap_or(Value::Null);
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
        details id=(route.function) {
            summary { span.method { (route.method) } " " code { (route.path) } " — " (text(&operation, "summary")) }
            dl {
                dt { "Vendor" } dd { (vendor(route)) }
                dt { "Auth" } dd { (auth_text(route.auth)) }
                dt { "Function" } dd.mono { (route.function) }
                @if route.is_idempotent() {
                    dt { "Idempotent" } dd { "With an Idempotency-Key header, a retry within 24 hours replays the first answer" }
                }
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
                        td { (text(response, "description"))
                            @if let Some((_, code)) = route.error_codes.iter().find(|(s, _)| s.to_string() == *status) {
                                " (code " code { (code) } ")"
                            }
                        }
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
