//! What endpoint files share, below them: lookups of path parameters, request helpers, and
//! bodies that more than one endpoint file answers with, a file per dialect (and
//! `tables.rs` for what Invent's and Attio's share, `record_query.rs` the records query that
//! Attio's query and SmartSuite's list both run, `attio_records.rs` Attio's record requests
//! that its records and its lists' entries both take). Endpoint files name these; these
//! never name an endpoint file. Pure rules go lower, to `crate::domain`.

pub mod answering_agent;
pub mod attio;
pub mod attio_records;
pub mod pages;
pub mod record_query;
pub mod smartsuite;
pub mod tables;
