//! The local gateway: serves every route of [`shared::routes::ROUTES`] on one port, doing
//! what API Gateway does before a Lambda function runs (route matching, path and query
//! parameters, a request id, a body size limit) and then calling the same
//! [`shared::routes::Route::handle`] that the Lambda binaries call.

pub mod generate;
pub mod stream;

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
pub use shared::router::{match_route, percent_decode, unmatched, Matched};
use shared::state::AppState;

/// The query string's parameters, as API Gateway hands them to a function: decoded as a
/// form (`+` is a space), refused when an escape is malformed or not UTF-8.
fn query_parameters(query: Option<&str>) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let query = query.unwrap_or("");
    // The strict check; form_urlencoded alone would decode leniently.
    percent_decode(&query.replace('+', " "))?;
    let mut params: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        params.entry(name.into_owned()).or_default().push(value.into_owned());
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
    let (route, params) = match match_route(req.method().as_str(), req.uri().path()) {
        Ok(Matched::Route(route, params)) => (route, params),
        _ => return Ok(unmatched(req.method().as_str(), req.uri().path())),
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
    fn query_strings() {
        let q = query_parameters(Some("a=1&a=2&b=x+y%21&c")).unwrap();
        assert_eq!(q["a"], vec!["1", "2"]);
        assert_eq!(q["b"], vec!["x y!"]);
        assert_eq!(q["c"], vec![""]);
    }
}
