//! Invent's API (`/orgs/{org_id}/…`, `Authorization: Bearer`): tables, their fields, and
//! the CSV import. An Invent table is an Attio object. docs/compat-invent.md.

pub mod tables;
