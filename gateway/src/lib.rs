//! The local gateway: serves every route of [`shared::routes::ROUTES`] on one port, doing
//! what API Gateway does before a Lambda function runs (route matching, path and query
//! parameters, a request id, a body size limit) and then calling the same
//! [`shared::routes::Route::handle`] that the Lambda binaries call.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use lambda_http::{Body, RequestExt};
use shared::error::ApiError;
use shared::http::{error_response, MAX_BODY_BYTES};
use shared::routes::{Route, ROUTES};
use shared::state::AppState;

/// What a method and path lead to.
#[derive(Debug, PartialEq, Eq)]
pub enum Matched {
    Route(&'static Route, HashMap<String, String>),
    /// The path exists, but not with this method: these are its methods.
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// Matches a request against the route table. Path segments are percent-decoded after
/// splitting, so `%2F` inside a parameter stays inside it, as with API Gateway.
pub fn match_route(method: &str, path: &str) -> Result<Matched, ApiError> {
    let segments: Vec<&str> = path.split('/').collect();
    // The methods of the most specific path template that matches, for `Allow`.
    let mut allowed: (usize, Vec<&'static str>) = (0, Vec::new());
    // As API Gateway does, a literal segment beats a parameter: `POST /teams/list/` is the
    // list route, not `/teams/{id}/`. So the best match has the most literal segments.
    let mut best: Option<(usize, &'static Route, HashMap<String, String>)> = None;
    for route in ROUTES {
        let pattern: Vec<&str> = route.path.split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut params = HashMap::new();
        let mut literals = 0;
        let mut matches = true;
        for (want, got) in pattern.iter().zip(&segments) {
            if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                if got.is_empty() {
                    matches = false;
                    break;
                }
                params.insert(name.to_string(), percent_decode(got)?);
            } else if want == got {
                literals += 1;
            } else {
                matches = false;
                break;
            }
        }
        if !matches {
            continue;
        }
        if allowed.1.is_empty() || literals > allowed.0 {
            allowed = (literals, Vec::new());
        }
        if literals == allowed.0 && !allowed.1.contains(&route.method) {
            allowed.1.push(route.method);
        }
        if route.method == method && best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
            best = Some((literals, route, params));
        }
    }
    Ok(match best {
        Some((_, route, params)) => Matched::Route(route, params),
        None if !allowed.1.is_empty() => Matched::MethodNotAllowed(allowed.1),
        None => Matched::NotFound,
    })
}

/// Decodes `%XX` escapes (and nothing else); the result must be UTF-8.
pub fn percent_decode(text: &str) -> Result<String, ApiError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
            match byte {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => return Err(ApiError::malformed("The URL has a malformed percent escape")),
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::malformed("The URL does not decode to UTF-8"))
}

fn query_parameters(query: Option<&str>) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut params: HashMap<String, Vec<String>> = HashMap::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode(&s.replace('+', " "));
        params.entry(decode(name)?).or_default().push(decode(value)?);
    }
    Ok(params)
}

/// Where the gateway serves the OpenAPI document.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// The OpenAPI document (built once per process).
fn openapi_response() -> lambda_http::Response<Body> {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let json = DOCUMENT.get_or_init(shared::openapi::document_json);
    lambda_http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::Text(json.clone()))
        .expect("a static response is valid")
}

/// Serves one HTTP request.
pub async fn handle(state: &AppState, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let response = match route_request(state, req).await {
        Ok(response) => response,
        Err(error) => error_response(&error),
    };
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(data) => Bytes::from(data),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

async fn route_request(
    state: &AppState,
    req: hyper::Request<Incoming>,
) -> Result<lambda_http::Response<Body>, ApiError> {
    if req.uri().path() == OPENAPI_PATH && req.method() == hyper::Method::GET {
        return Ok(openapi_response());
    }
    let (route, params) = match match_route(req.method().as_str(), req.uri().path())? {
        Matched::Route(route, params) => (route, params),
        Matched::MethodNotAllowed(allowed) => {
            let error = ApiError::method_not_allowed(format!(
                "{} is not allowed on {}; it takes {}",
                req.method(),
                req.uri().path(),
                allowed.join(", ")
            ));
            let mut response = error_response(&error);
            let allow = allowed
                .join(", ")
                .parse()
                .expect("method names are a valid header value");
            response.headers_mut().insert(hyper::header::ALLOW, allow);
            return Ok(response);
        }
        Matched::NotFound => return Err(ApiError::not_found(format!("No route for {}", req.uri().path()))),
    };
    let query = query_parameters(req.uri().query())?;
    let (parts, body) = req.into_parts();
    // Read at most one byte past the limit, so an oversized body costs no more memory.
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Err(ApiError::payload_too_large(format!(
                "The request body is over the limit of {MAX_BODY_BYTES} bytes"
            )))
        }
    };
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        Body::Binary(bytes.to_vec())
    };
    let mut context = lambda_http::Context::default();
    context.request_id = uuid::Uuid::new_v4().to_string();
    let request = lambda_http::Request::from_parts(parts, body)
        .with_path_parameters(params)
        .with_query_string_parameters(query)
        .with_lambda_context(context);
    Ok(route.handle(state, request).await)
}

/// Accepts connections until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_routes_and_decodes_parameters() {
        match match_route("GET", "/api/v1/organizations/12").unwrap() {
            Matched::Route(route, params) => {
                assert_eq!(route.function, "get-organization");
                assert_eq!(params["id"], "12");
            }
            other => panic!("{other:?}"),
        }
        match match_route("GET", "/api/v1/organizations/a%2Fb").unwrap() {
            Matched::Route(_, params) => assert_eq!(params["id"], "a/b"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            match_route("DELETE", "/api/v1/organizations").unwrap(),
            Matched::MethodNotAllowed(vec!["POST", "GET"])
        );
        assert_eq!(match_route("GET", "/api/v1/nothing").unwrap(), Matched::NotFound);
        assert_eq!(match_route("GET", "/api/v1/organizations/").unwrap(), Matched::NotFound);
        assert!(match_route("GET", "/api/v1/organizations/%ff").is_err());
        assert!(match_route("GET", "/api/v1/organizations/%zz").is_err());
    }

    #[test]
    fn query_strings() {
        let q = query_parameters(Some("a=1&a=2&b=x+y%21&c")).unwrap();
        assert_eq!(q["a"], vec!["1", "2"]);
        assert_eq!(q["b"], vec!["x y!"]);
        assert_eq!(q["c"], vec![""]);
    }
}
