//! What endpoint files share, below them: lookups of path parameters, request helpers, and
//! bodies that more than one endpoint file answers with, a file per dialect (and
//! `tables.rs` for what Invent's and Attio's share). Endpoint files name these; these
//! never name an endpoint file. Pure rules go lower, to `crate::domain`.

pub mod answering_agent;
pub mod attio;
pub mod smartsuite;
pub mod tables;
