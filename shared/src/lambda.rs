//! The Lambda entry point every `functions/*` binary calls: a plain `fn main` that calls
//! one function here, which starts the tokio runtime and serves. Nothing async is written in
//! a function's own crate: an `async` main under `#[tokio::main]` had every binary compile
//! the whole serving future again (2.9 s a function against 0.6 s now, each time `shared`
//! changes; docs/performance.md, "The build and the release profile").

use std::convert::Infallible;

use lambda_http::{service_fn, Request, RequestExt};

use crate::routes::Serve;
use crate::state::AppState;

/// Logs as `lambda_http::tracing::init_default_subscriber` does (Lambda's advanced logging
/// controls: `AWS_LAMBDA_LOG_FORMAT=JSON` for JSON lines; the level from
/// `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO), but with one level for every target
/// instead of `EnvFilter`'s directives, whose regex engine every bundle would link
/// (docs/performance.md, "The build and the release profile").
pub fn init_logging() {
    use lambda_http::tracing::subscriber::filter::LevelFilter;
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let logs = lambda_http::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(level);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
}

/// Builds the app state once per container (SDK client, config), then serves `E`'s
/// requests with its handler (named by the binary, `run::<handlers::GetRecord>()`: static
/// dispatch, so the binary links no other endpoint's code) from the Lambda Runtime API
/// until the container ends.
pub fn run<E: Serve>() -> Result<(), lambda_http::Error> {
    serve_endpoint(E::ENDPOINT.route(), E::call)
}

/// [`run`]'s work, not generic, so compiled once, here.
#[inline(never)]
fn serve_endpoint(
    route: &'static crate::route_spec::Route,
    handler: crate::routes::Handler,
) -> Result<(), lambda_http::Error> {
    on_runtime(serve(route, handler))
}

/// Runs `serving` on a multi-threaded tokio runtime, as `#[tokio::main]` would.
fn on_runtime(
    serving: impl std::future::Future<Output = Result<(), lambda_http::Error>>,
) -> Result<(), lambda_http::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serving)
}

async fn serve(
    route: &'static crate::route_spec::Route,
    handler: crate::routes::Handler,
) -> Result<(), lambda_http::Error> {
    init_logging();
    let state = AppState::from_env().await?;
    let state = &state;
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(route.handle_with(state, req, handler).await)
    }))
    .await
}

/// Serves the `$default` route: every request no endpoint takes gets
/// [`crate::router::unmatched`]'s answer. It reads nothing, so it builds no SDK client.
pub fn run_unmatched() -> Result<(), lambda_http::Error> {
    on_runtime(serve_unmatched())
}

async fn serve_unmatched() -> Result<(), lambda_http::Error> {
    init_logging();
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
pub fn run_purges() -> Result<(), lambda_http::Error> {
    on_runtime(serve_purges())
}

async fn serve_purges() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{service_fn, LambdaEvent};
    init_logging();
    let state = AppState::from_env().await?;
    let store = &state.store;
    let max_items = crate::purge::step_items_from_env();
    lambda_http::lambda_runtime::run(service_fn(
        move |event: LambdaEvent<crate::purge::StreamEvent>| async move {
            crate::purge::handle(store, &event.payload, max_items)
                .await
                .map(|steps| steps.len())
                .map_err(|e| -> lambda_http::Error { Box::new(e) })
        },
    ))
    .await
}

/// Serves the index-records function: stream events of change-event items, each record
/// they name indexed for search as it is now ([`crate::search_index`]). A failure fails
/// the batch, which Lambda retries.
pub fn run_search_index() -> Result<(), lambda_http::Error> {
    on_runtime(serve_search_index())
}

async fn serve_search_index() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{service_fn, LambdaEvent};
    init_logging();
    let state = AppState::from_env().await?;
    let store = &state.store;
    lambda_http::lambda_runtime::run(service_fn(
        move |event: LambdaEvent<crate::purge::StreamEvent>| async move {
            crate::search_index::handle_stream(store, &event.payload)
                .await
                .map_err(|e| -> lambda_http::Error { Box::new(e) })
        },
    ))
    .await
}

/// Serves the fan-out-events function: stream events of change-event items, each fanned
/// out to its webhooks with a first delivery attempt ([`crate::delivery`]).
pub fn run_fan_out() -> Result<(), lambda_http::Error> {
    on_runtime(serve_fan_out())
}

async fn serve_fan_out() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{service_fn, LambdaEvent};
    init_logging();
    let state = AppState::from_env().await?;
    let schedule = crate::delivery::Schedule::from_env();
    let (state, schedule) = (&state, &schedule);
    lambda_http::lambda_runtime::run(service_fn(
        move |event: LambdaEvent<crate::purge::StreamEvent>| async move {
            let deps = crate::delivery::Deps {
                store: &state.store,
                webhooks: &state.webhooks,
            };
            crate::delivery::handle_stream(&deps, &event.payload, schedule)
                .await
                .map_err(|e| -> lambda_http::Error { Box::new(e) })
        },
    ))
    .await
}

/// Serves the retry-deliveries function, which a schedule invokes every minute: the
/// pending deliveries that are due, attempted again ([`crate::delivery::sweep`]).
pub fn run_retries() -> Result<(), lambda_http::Error> {
    on_runtime(serve_retries())
}

async fn serve_retries() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{service_fn, LambdaEvent};
    init_logging();
    let state = AppState::from_env().await?;
    let schedule = crate::delivery::Schedule::from_env();
    let (state, schedule) = (&state, &schedule);
    lambda_http::lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        let deps = crate::delivery::Deps {
            store: &state.store,
            webhooks: &state.webhooks,
        };
        // Within the minute until the next invocation, with room for the last attempts.
        crate::delivery::sweep_for(&deps, schedule, std::time::Duration::from_secs(40))
            .await
            .map_err(|e| -> lambda_http::Error { Box::new(e) })
    }))
    .await
}
