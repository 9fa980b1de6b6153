//! The route layer: the endpoints [`crate::catalog`] declares, made into the [`Endpoint`]
//! enum, the [`ROUTES`] table, one handler per endpoint ([`handlers`]) and each endpoint's
//! OpenAPI contract ([`Endpoint::contract`]). [`Route::handle`] enforces an entry: it
//! ignores unknown query parameters (logged), authenticates by the declared scheme, counts
//! the vendor's rate limit, makes a write POST idempotent, and only then hands the handler
//! its authenticated caller. The local gateway routes by this table, each Lambda binary
//! serves one entry, and tests check it against template.yaml and functions/.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};
use tracing::Instrument;

use crate::auth::{authenticate, Admin, Authenticated, Caller, InactiveKey, Principal, Viewer, Visitor};
#[allow(unused_imports)] // the catalog's query parameter slices, named by its entries
use crate::catalog::*;
use crate::domain;
use crate::endpoints::{answering_agent, attio, common, invent, pages, smartsuite};
use crate::error::ApiError;
use crate::http::error_response;
use crate::idempotency;
pub use crate::route_spec::{Access, Auth, Grant, QueryParam, Route, Secret};
use crate::state::AppState;

crate::catalog::catalog!(define_routes);

/// Expands the catalog's entries into the route layer's items (see [`crate::catalog`] for
/// what each field means).
macro_rules! define_routes {
    ($(
        $variant:ident {
            method: $method:ident,
            path: $path:literal,
            function: $function:literal,
            handler: $handler:path,
            auth: $auth:ident,
            grants: [$($grant:ident),* $(,)?],
            $(secrets: [$($secret:ident),* $(,)?],)?
            query: $query:ident,
            errors: [$(($status:literal, $code:literal)),* $(,)?],
            summary: $summary:literal,
            request: ($($request:tt)*),
            response: ($success:literal, $($response:tt)+),
        },
    )*) => {
        /// One variant per endpoint, in the catalog's order: `ROUTES[endpoint as usize]` is
        /// its route.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Endpoint {
            $($variant,)*
        }

        /// Every route, in the catalog's order.
        pub const ROUTES: &[Route] = &[$(
            Route {
                method: stringify!($method),
                path: $path,
                function: $function,
                handler: stringify!($handler),
                auth: Auth::$auth,
                query: $query,
                access: Access::of(&[$(Grant::$grant),*]),
                error_codes: &[$(($status, $code)),*],
                grants: &[$(Grant::$grant),*],
                secrets: &[$($(Secret::$secret),*)?],
            },
        )*];

        impl Endpoint {
            /// Every endpoint, in the catalog's order.
            pub const ALL: &[Endpoint] = &[$(Endpoint::$variant,)*];

            /// The endpoint's name as the catalog declares it (`GetRecord`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Endpoint::$variant => stringify!($variant),)*
                }
            }

            /// The endpoint's handler. The local gateway dispatches through this; a Lambda
            /// binary names its one endpoint's [`Serve`] type itself, so it links no other.
            pub fn handler(self) -> Handler {
                match self {
                    $(Endpoint::$variant => <handlers::$variant as Serve>::call,)*
                }
            }

            /// What the endpoint takes and gives, its schemas made by `schemas`.
            pub fn contract<S: SchemaSink>(self, schemas: &mut S) -> Contract<S::Schema> {
                match self {
                    $(Endpoint::$variant => Contract {
                        summary: $summary,
                        request: request_schema!(schemas; $($request)*),
                        status: $success,
                        response: response_schema!(schemas; $($response)+),
                    },)*
                }
            }
        }

        /// One type per endpoint, named as its variant, serving it with its handler.
        pub mod handlers {
            use super::*;
            $(
                #[doc = concat!("Serves `", $function, "` (", stringify!($method), " ", $path, ").")]
                pub struct $variant;

                impl Serve for $variant {
                    const ENDPOINT: Endpoint = Endpoint::$variant;

                    fn call<'a>(state: &'a AppState, caller: Caller, req: Request) -> HandlerFuture<'a> {
                        Box::pin(async move {
                            match FromCaller::from_caller(caller) {
                                Some(who) => $handler(state, who, req).await,
                                None => Err(wrong_scheme(stringify!($variant))),
                            }
                        })
                    }
                }
            )*
        }
    };
}
use define_routes;

macro_rules! request_schema {
    ($schemas:ident;) => {
        None
    };
    ($schemas:ident; required $type:ty) => {
        Some(($schemas.of::<$type>(), true))
    };
    ($schemas:ident; optional $type:ty) => {
        Some(($schemas.of::<$type>(), false))
    };
}
use request_schema;

macro_rules! response_schema {
    ($schemas:ident; [$type:ty]) => {
        $schemas.array_of::<$type>()
    };
    ($schemas:ident; $type:ty) => {
        $schemas.of::<$type>()
    };
}
use response_schema;

/// Makes the schemas an endpoint's contract names (the OpenAPI document's components).
pub trait SchemaSink {
    type Schema;
    fn of<T: utoipa::ToSchema>(&mut self) -> Self::Schema;
    fn array_of<T: utoipa::ToSchema>(&mut self) -> Self::Schema;
}

/// What one endpoint takes and gives, beyond its route.
pub struct Contract<S> {
    pub summary: &'static str,
    /// The body's schema, and whether a body is required.
    pub request: Option<(S, bool)>,
    /// The success status.
    pub status: u16,
    pub response: S,
}

/// The future a handler returns.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<Response<Body>, ApiError>> + Send + 'a>>;

/// A handler as the route layer calls it: with the authenticated caller.
pub type Handler = for<'a> fn(&'a AppState, Caller, Request) -> HandlerFuture<'a>;

/// An endpoint served by one handler: what a Lambda binary names
/// (`shared::lambda::run::<handlers::GetRecord>()`), so that it links that handler alone.
pub trait Serve {
    const ENDPOINT: Endpoint;
    fn call<'a>(state: &'a AppState, caller: Caller, req: Request) -> HandlerFuture<'a>;
}

/// What a handler takes from the authenticated caller: an admin handler an [`Admin`], an
/// org handler the key's [`Principal`]. `None` if the route's scheme gave the other kind.
pub trait FromCaller: Sized {
    fn from_caller(caller: Caller) -> Option<Self>;
}

impl FromCaller for Admin {
    fn from_caller(caller: Caller) -> Option<Self> {
        match caller {
            Caller::Admin(admin) => Some(admin),
            _ => None,
        }
    }
}

impl FromCaller for Principal {
    fn from_caller(caller: Caller) -> Option<Self> {
        match caller {
            Caller::Org(principal) => Some(principal),
            _ => None,
        }
    }
}

impl FromCaller for Visitor {
    fn from_caller(caller: Caller) -> Option<Self> {
        match caller {
            Caller::Visitor(visitor) => Some(visitor),
            _ => None,
        }
    }
}

impl FromCaller for Viewer {
    fn from_caller(caller: Caller) -> Option<Self> {
        match caller {
            Caller::Viewer(viewer) => Some(viewer),
            _ => None,
        }
    }
}

impl Endpoint {
    pub fn route(self) -> &'static Route {
        &ROUTES[self as usize]
    }
}

/// Runs a request's future, turning a panic in it into a 500 (logged once, with the panic's
/// message, at the edge) so that the process serves the next request: a Lambda container
/// outlives a bug in one handler.
pub async fn catch_panic<F>(future: F) -> Result<Response<Body>, ApiError>
where
    F: std::future::Future<Output = Result<Response<Body>, ApiError>>,
{
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(future).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(ApiError::internal().with_detail(format!("the handler panicked: {message}")))
        }
    }
}

/// The longest path parameter that can name anything: an external id of 255 characters.
/// A longer one names nothing (404), whatever its kind, and never reaches a key.
pub const MAX_PATH_PARAMETER_CHARS: usize = 255;

fn check_path_parameters(req: &Request) -> Result<(), ApiError> {
    let Some(params) = req.path_parameters_ref() else {
        return Ok(());
    };
    for (name, value) in params.iter() {
        if value.chars().count() > MAX_PATH_PARAMETER_CHARS {
            let shown: String = value.chars().take(40).collect();
            return Err(ApiError::not_found(format!(
                "No {name} `{shown}…`: a {name} is at most {MAX_PATH_PARAMETER_CHARS} characters"
            )));
        }
    }
    Ok(())
}

/// A route whose declared scheme does not give the caller its handler takes: a bug in the
/// route table (the hostile-input tests call every route with its declared credentials).
fn wrong_scheme(handler: &str) -> ApiError {
    ApiError::internal().with_detail(format!("{handler} is declared with a scheme its handler does not take"))
}

impl Route {
    /// The endpoint this route is the route of.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::ALL
            .iter()
            .copied()
            .find(|e| e.route() == self)
            .expect("every route is an endpoint's")
    }

    /// Query parameters the endpoint does not read are ignored, as the vendors' APIs
    /// ignore them (SmartSuite's own example sends `?offet=0`), and logged at debug level
    /// by name (never by value) so that a misspelt one can be found.
    fn note_unknown_query(&self, req: &Request) {
        let Some(params) = req.query_string_parameters_ref() else {
            return;
        };
        for (name, _) in params.iter() {
            if self.query.iter().all(|p| p.name != name) {
                tracing::debug!(parameter = name, "unknown query parameter ignored");
            }
        }
    }

    /// Checks the request against the entry, authenticates it, and calls the handler: once
    /// per `Idempotency-Key` for a POST that writes. Nothing is written before the caller
    /// is authenticated.
    async fn call_once(&self, state: &AppState, req: Request, handler: Handler) -> Result<Response<Body>, ApiError> {
        self.note_unknown_query(&req);
        let server_key = &state.webhooks.sealing_key;
        let authenticated = authenticate(&state.admin_key, server_key, &state.store, self.auth, req.headers()).await?;
        let (caller, credential) = match authenticated {
            Authenticated::Caller(caller, credential) => (caller, credential),
            Authenticated::InactiveKey => return Ok(InactiveKey::response()),
        };
        crate::rate_limit::check(&state.store, self, &caller).await?;
        check_path_parameters(&req)?;
        let key = if self.is_idempotent() {
            idempotency::idempotency_key(req.headers())?
        } else {
            None
        };
        let Some(key) = key else {
            return handler(state, caller, req).await;
        };
        let request = idempotency::IdempotentRequest::new(&caller, &credential, &key, &req);
        let claim = match idempotency::begin(&state.store, &request).await? {
            idempotency::Begin::Replay(response) => return Ok(response),
            idempotency::Begin::Run(claim) => claim,
        };
        // Errors are kept like any response (a 5xx releases the key), then passed on to be
        // logged at the edge.
        match handler(state, caller, req).await {
            Ok(response) => {
                idempotency::finish(&state.store, claim, &response).await?;
                Ok(response)
            }
            Err(error) => {
                let error = self.documented(error);
                idempotency::finish(&state.store, claim, &error_response(&error)).await?;
                Err(error)
            }
        }
    }

    /// The error with the `code` this route documents for its status, if it lists one.
    fn documented(&self, error: ApiError) -> ApiError {
        let status = error.status.as_u16();
        match self.error_codes.iter().find(|(s, _)| *s == status) {
            Some((_, code)) => error.with_code(code),
            None => error,
        }
    }

    /// A page's error: without a session (or with an embed token that opens none), a
    /// redirect to the page that says how to get one, never data; otherwise the error as
    /// a page.
    fn page_error(&self, state: &AppState, base: &crate::state::AppBase, error: &ApiError) -> Response<Body> {
        if error.status == lambda_http::http::StatusCode::UNAUTHORIZED {
            let access = crate::endpoints::pages::access_path(base);
            return crate::html::redirect(&access, None, &state.pages);
        }
        crate::html::error_page(error, &state.pages)
    }

    /// Serves one request: the handler's response, or its error as the JSON error body.
    /// Logs one line per request (never keys or bodies), and each error once, here.
    pub async fn handle(&self, state: &AppState, req: Request) -> Response<Body> {
        self.handle_with(state, req, self.endpoint().handler()).await
    }

    /// [`Route::handle`] with the handler given: a Lambda binary passes its own, so that
    /// it links no other endpoint's code.
    pub async fn handle_with(&self, state: &AppState, req: Request, handler: Handler) -> Response<Body> {
        let started = Instant::now();
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "request",
            function = self.function,
            route = %format_args!("{} {}", self.method, self.path),
            request_id = %request_id,
            org_id = tracing::field::Empty,
        );
        async move {
            let app_base = self.auth.is_page().then(|| state.app_url.of_request(&req));
            let gzip = app_base.is_some() && crate::html::accepts_gzip(req.headers());
            let response = match catch_panic(self.call_once(state, req, handler)).await {
                Ok(response) => response,
                Err(error) => {
                    let error = self.documented(error);
                    if error.status.is_server_error() {
                        let detail = error.detail.as_deref().unwrap_or("");
                        tracing::error!(code = error.code, detail, "request failed");
                    }
                    match app_base {
                        Some(base) => self.page_error(state, &base, &error),
                        None => error_response(&error),
                    }
                }
            };
            let response = if gzip { crate::html::gzipped(response) } else { response };
            tracing::info!(
                status = response.status().as_u16(),
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request served"
            );
            response
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod panic_tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_a_500_and_the_next_request_is_served() {
        let panicking = async {
            let values: Vec<u8> = Vec::new();
            // An out-of-bounds index, as a bug would do it.
            let _ = values[values.len()];
            Ok(crate::http::json_response(lambda_http::http::StatusCode::OK, &"never"))
        };
        let error = catch_panic(panicking).await.expect_err("a panic is an error");
        assert_eq!(error.status, 500);
        assert_eq!(error.code, "internal_error");
        assert!(error.detail.unwrap_or_default().contains("index out of bounds"));
        let fine = catch_panic(async { Ok(crate::http::json_response(lambda_http::http::StatusCode::OK, &1)) }).await;
        assert_eq!(fine.expect("served").status(), 200);
    }
}
