//! One handler per endpoint: authenticate, parse the input into domain types, call the
//! store, shape the response. Each returns `Result<Response, ApiError>`; the route layer
//! turns errors into the JSON error body and logs once.

pub mod members;
pub mod objects;
pub mod organizations;
pub mod record_query;
pub mod records;
pub mod tables;
pub mod teams;
pub mod users;
