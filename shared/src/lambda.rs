//! The Lambda entry point every `functions/*` binary calls.

use std::convert::Infallible;

use lambda_http::{service_fn, Request, RequestExt};

use crate::routes::Serve;
use crate::state::AppState;

/// Builds the app state once per container (SDK client, config), then serves `E`'s
/// requests with its handler (named by the binary, `run::<handlers::GetRecord>()`: static
/// dispatch, so the binary links no other endpoint's code) from the Lambda Runtime API
/// until the container ends.
pub async fn run<E: Serve>() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = AppState::from_env().await?;
    let route = E::ENDPOINT.route();
    let handler: crate::routes::Handler = E::call;
    let state = &state;
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(route.handle_with(state, req, handler).await)
    }))
    .await
}

/// Serves the `$default` route: every request no endpoint takes gets
/// [`crate::router::unmatched`]'s answer. It reads nothing, so it builds no SDK client.
pub async fn run_unmatched() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    lambda_http::run(service_fn(|req: Request| async move {
        let stage = match req.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
            _ => None,
        };
        let path = crate::router::path_without_stage(req.uri().path(), stage.as_deref());
        Ok::<_, Infallible>(crate::router::unmatched(req.method().as_str(), path))
    }))
    .await
}

/// Serves the purge-organizations function: stream events of purge markers, not HTTP
/// requests (see [`crate::purge`]). A failed step fails the batch, which Lambda retries.
pub async fn run_purges() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{service_fn, LambdaEvent};
    lambda_http::tracing::init_default_subscriber();
    let state = AppState::from_env().await?;
    let store = &state.store;
    lambda_http::lambda_runtime::run(service_fn(
        move |event: LambdaEvent<crate::purge::StreamEvent>| async move {
            crate::purge::handle(store, &event.payload)
                .await
                .map(|steps| steps.len())
                .map_err(|e| -> lambda_http::Error { Box::new(e) })
        },
    ))
    .await
}
