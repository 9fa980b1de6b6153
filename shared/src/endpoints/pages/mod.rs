//! Pages a person opens in a browser (HTML, server-rendered with maud; no script): the
//! access page, the embed URL that signs a person in, and an organization's workspace
//! behind the session it starts (its tables, a table's records, one record, the teams).
//! What they share is in `endpoints::common::pages`; the route layer answers a workspace
//! page without a session with a redirect to the access page. docs/pages.md.

pub mod access;
pub mod open_embed;
pub mod record;
pub mod records;
pub mod reference;
pub mod sign_out;
pub mod tables;
pub mod teams;

pub use crate::endpoints::common::pages::access_path;
