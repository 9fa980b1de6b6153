//! The domain crate: everything the endpoints share. Each `functions/*` binary and the local
//! gateway hand requests to [`routes::Route::handle`].

pub mod audit;
pub mod auth;
pub mod catalog;
pub mod cursor;
pub mod delivery;
pub mod digest;
pub mod domain;
pub mod endpoints;
pub mod error;
pub mod html;
pub mod http;
pub mod idempotency;
pub mod lambda;
pub mod openapi;
pub mod purge;
pub mod rate_limit;
pub mod route_spec;
pub mod router;
pub mod routes;
pub mod sdk;
pub mod sealing;
pub mod search_index;
pub mod session;
pub mod smartsuite_events;
pub mod state;
pub mod store;
pub mod time;
