//! The OpenAPI 3.1 document, built from the route table and the request and response types
//! themselves (their `utoipa::ToSchema` derives), so it cannot drift from what the code
//! parses and sends. The local gateway serves it at `/openapi.json`; a test checks that it
//! has exactly the route table's operations.

use std::collections::BTreeMap;

use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr, Required, ResponseBuilder,
    ResponsesBuilder,
};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::http::MAX_BODY_BYTES;
use crate::routes::{Auth, Contract, Route, SchemaSink, ROUTES};

const ADMIN_SCHEME: &str = "AdminKey";
const BEARER_SCHEME: &str = "Bearer";
const TOKEN_SCHEME: &str = "Token";
const ACCOUNT_SCHEME: &str = "AccountId";
const SESSION_SCHEME: &str = "Session";
const ERROR_SCHEMA: &str = "Error";

/// The schemas the document's operations refer to, collected as they are used.
#[derive(Default)]
struct Schemas(BTreeMap<String, RefOr<Schema>>);

impl Schemas {
    /// Adds a named schema. Two different types of one name (two `StatusBody`s in two
    /// modules) would make one of them describe the other's responses: refused.
    fn add(&mut self, name: String, schema: RefOr<Schema>) {
        if let Some(known) = self.0.get(&name) {
            assert!(*known == schema, "two different schemas are named {name}; rename one");
        }
        self.0.insert(name, schema);
    }
}

impl SchemaSink for Schemas {
    type Schema = RefOr<Schema>;

    /// A reference to `T`'s schema, adding it and the schemas it uses to the components.
    fn of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut used = Vec::new();
        T::schemas(&mut used);
        for (name, schema) in used {
            self.add(name.to_string(), schema);
        }
        self.add(T::name().into_owned(), T::schema());
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
    }

    fn array_of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        RefOr::T(Schema::Array(ArrayBuilder::new().items(self.of::<T>()).build()))
    }
}

/// The error statuses a page may answer with, each as a page (or a redirect).
fn page_error_statuses(route: &Route, contract: &Contract<RefOr<Schema>>) -> Vec<(u16, &'static str)> {
    let mut statuses = vec![(400, "The query is not valid; the page says why")];
    if contract.status != 303 && route.auth == Auth::Session {
        statuses.push((303, "No session (or an ended one): to the access page"));
    }
    if route.auth == Auth::Session && route.method == "POST" {
        statuses.push((403, "The form's token is missing or not this session's"));
    }
    if route.path_parameters().next().is_some() {
        statuses.push((404, "Not found, or not this session's organization"));
    }
    statuses.push((
        429,
        "DynamoDB throttled past the retries; retry after `Retry-After` seconds",
    ));
    statuses.push((503, "DynamoDB or the server key is unavailable; retry"));
    statuses
}

/// The error statuses an operation may answer with, each with the one error body.
fn error_statuses(route: &Route, contract: &Contract<RefOr<Schema>>) -> Vec<(u16, &'static str)> {
    if route.auth.is_page() {
        return page_error_statuses(route, contract);
    }
    let mut statuses = vec![
        (
            400,
            "The request is malformed or invalid; `message` names what was wrong",
        ),
        (401, "The credentials are missing or not valid"),
    ];
    if route.auth == Auth::Token {
        statuses.push((403, "The key does not belong to the account in ACCOUNT-ID"));
    }
    statuses.push((404, "Not found (or another organization's)"));
    if route.method != "GET" {
        statuses.push((409, "A uniqueness or concurrency conflict"));
    }
    if contract.request.is_some() {
        statuses.push((413, "The body or the record is over its size limit"));
    }
    if route.is_idempotent() {
        statuses.push((422, "The Idempotency-Key was used with a different request"));
    }
    statuses.push((
        429,
        "DynamoDB throttled past the retries; retry after `Retry-After` seconds",
    ));
    statuses.push((503, "DynamoDB is unavailable or timed out; retry"));
    statuses
}

fn operation(route: &Route, contract: &Contract<RefOr<Schema>>) -> Operation {
    let json = |schema: RefOr<Schema>| ContentBuilder::new().schema(Some(schema)).build();
    let media = if route.auth.is_page() {
        "text/html"
    } else {
        "application/json"
    };
    let mut responses = ResponsesBuilder::new().response(
        contract.status.to_string(),
        ResponseBuilder::new()
            .description(if contract.status == 303 {
                "Redirected"
            } else {
                "Success"
            })
            .content(media, json(contract.response.clone())),
    );
    for (status, description) in error_statuses(route, contract) {
        let error = if route.auth.is_page() {
            contract.response.clone()
        } else {
            RefOr::Ref(utoipa::openapi::Ref::from_schema_name(ERROR_SCHEMA))
        };
        responses = responses.response(
            status.to_string(),
            ResponseBuilder::new()
                .description(description)
                .content(media, json(error)),
        );
    }
    let mut parameters = Vec::new();
    for name in route.path_parameters() {
        parameters.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)))),
        );
    }
    for query in route.query {
        let schema = if query.integer {
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))
        } else {
            ObjectBuilder::new().schema_type(Type::String)
        };
        parameters.push(
            ParameterBuilder::new()
                .name(query.name)
                .parameter_in(ParameterIn::Query)
                .required(if query.required {
                    Required::True
                } else {
                    Required::False
                })
                .description(Some(query.description))
                .schema(Some(schema)),
        );
    }
    if route.is_idempotent() {
        parameters.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retried POST safe: the same key and body within 24 hours replays the first answer",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some("^[!-~]{1,255}$"))
                        .max_length(Some(255)),
                )),
        );
    }
    let security = match route.auth {
        Auth::Admin => Some(SecurityRequirement::new(ADMIN_SCHEME, Vec::<String>::new())),
        Auth::Bearer | Auth::BearerIntrospected => Some(SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new())),
        Auth::Token => {
            Some(SecurityRequirement::new(TOKEN_SCHEME, Vec::<String>::new()).add(ACCOUNT_SCHEME, Vec::<String>::new()))
        }
        Auth::Session => Some(SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new())),
        Auth::Public => None,
    };
    let mut operation = OperationBuilder::new()
        .operation_id(Some(route.function))
        .summary(Some(contract.summary))
        .tag(vendor(route))
        .parameters(Some(parameters))
        .responses(responses.build());
    if let Some(security) = security {
        operation = operation.security(security);
    }
    if let Some((schema, required)) = &contract.request {
        operation = operation.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(if *required { Required::True } else { Required::False }))
                .description(Some(format!("JSON, at most {MAX_BODY_BYTES} bytes")))
                .content("application/json", json(schema.clone()))
                .build(),
        ));
    }
    operation.build()
}

/// The vendor whose API an endpoint follows (its tag), from its handler's dialect folder.
pub fn vendor(route: &Route) -> &'static str {
    match route.handler.split("::").next().unwrap_or_default() {
        "attio" => "Attio",
        "smartsuite" => "SmartSuite",
        "invent" => "Invent",
        "answering_agent" => "Answering Agent",
        _ => "Pages",
    }
}

fn method(name: &str) -> HttpMethod {
    match name {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        other => unreachable!("the route table has no {other} route"),
    }
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut schemas = Schemas::default();
    schemas.of::<ErrorBody<'static>>();
    let mut paths = Paths::new();
    for route in ROUTES {
        let contract = route.endpoint().contract(&mut schemas);
        paths.add_path_operation(route.path, vec![method(route.method)], operation(route, &contract));
    }
    let mut errors = schemas
        .0
        .remove(&ErrorBody::name().into_owned())
        .expect("the error schema was added");
    if let RefOr::T(Schema::Object(object)) = &mut errors {
        object.description = Some("Every error: Attio's body. `message` says what was wrong.".into());
    }
    schemas.0.insert(ERROR_SCHEMA.to_string(), errors);
    let api_key = |header: &str, description: &str| {
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(header, description)))
    };
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.description = Some("An organization's API key (Invent and Attio style)".into());
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas.0)
        .security_scheme(ADMIN_SCHEME, api_key("X-API-KEY", "The platform admin key"))
        .security_scheme(BEARER_SCHEME, SecurityScheme::Http(bearer))
        .security_scheme(
            TOKEN_SCHEME,
            api_key(
                "Authorization",
                "`Token <api key>`: an organization's API key (SmartSuite style), with ACCOUNT-ID",
            ),
        )
        .security_scheme(
            ACCOUNT_SCHEME,
            api_key("ACCOUNT-ID", "The id of the organization the Token key belongs to"),
        )
        .security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::COOKIE_NAME,
                "The session an embed URL (/dashboard.html?token=) starts: an hour, HttpOnly",
            ))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Workspace API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Organizations, users, tables with typed fields, records and teams. Errors use one body: see the Error schema.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The document as committed in `docs/openapi.json` (`make generate` writes it), for
/// readers without a running gateway.
pub fn document_pretty_json() -> String {
    format!("{}\n", document().to_pretty_json().expect("the document serializes"))
}

/// The document as JSON, as the gateway serves it.
pub fn document_json() -> String {
    document().to_json().expect("the document serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_exactly_the_route_tables_operations() {
        let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
        let mut routes: Vec<(String, String)> = ROUTES
            .iter()
            .map(|r| (r.method.to_string(), r.path.to_string()))
            .collect();
        documented.sort();
        routes.sort();
        assert_eq!(documented, routes);
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.to_lowercase()];
            assert_eq!(op["operationId"], route.function);
            // Every route but a public page names its scheme.
            assert_eq!(
                op["security"].as_array().is_some_and(|s| !s.is_empty()),
                route.auth != Auth::Public,
                "{}",
                route.function
            );
            let media = if route.auth.is_page() {
                "text/html"
            } else {
                "application/json"
            };
            let success = &op["responses"][route.endpoint().contract(&mut Schemas::default()).status.to_string()];
            assert!(success["content"][media].is_object(), "{}", route.function);
            assert!(op["responses"]["400"].is_object(), "{}", route.function);
        }
    }

    #[test]
    fn every_reference_resolves() {
        let text = document_json();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"$ref\":\"").skip(1) {
            let name = reference.split('"').next().unwrap();
            let name = name.strip_prefix("#/components/schemas/").expect("a schema reference");
            assert!(schemas.contains_key(name), "{name} is referenced but not defined");
        }
    }
}
