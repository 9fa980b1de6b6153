//! The Lambda entry point every `functions/*` binary calls.

use std::convert::Infallible;

use lambda_http::{service_fn, Request};

use crate::routes::Endpoint;
use crate::state::AppState;

/// Builds the app state once per container (SDK client, config), then serves `endpoint`'s
/// requests from the Lambda Runtime API until the container ends.
pub async fn run(endpoint: Endpoint) -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = AppState::from_env().await?;
    let route = endpoint.route();
    let state = &state;
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(route.handle(state, req).await)
    }))
    .await
}
