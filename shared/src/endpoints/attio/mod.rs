//! Attio's REST API (`/v2/…`, `Authorization: Bearer`): objects and their attributes,
//! records and their values, the records query, webhooks, the workspace's members and the
//! token's identity (`/v2/self`). docs/compat-attio.md has what is served.

pub mod entries;
pub mod lists;
pub mod members;
pub mod meta;
pub mod notes;
pub mod objects;
pub mod record_query;
pub mod records;
pub mod search;
pub mod tasks;
pub mod webhooks;
