//! One handler per endpoint, grouped by the wire dialect it speaks: four dialects over the
//! one domain (`crate::domain`) and the one store. Each handler parses the input into
//! domain types, calls the store, and shapes the vendor's response; it returns
//! `Result<Response, ApiError>`, and the route layer turns errors into the JSON error body
//! and logs once. Endpoint files never name each other: what two share lives below them,
//! in `common` (request helpers, shared bodies) or the domain (pure rules).

pub mod answering_agent;
pub mod attio;
pub mod common;
pub mod invent;
pub mod pages;
pub mod smartsuite;
