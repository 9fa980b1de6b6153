//! SmartSuite's API (`/api/v1/…`, `Authorization: Token` and `ACCOUNT-ID`): teams and
//! members (a member is an Answering Agent user), solutions, tables and records, and webhooks
//! (`/smartsuite.webhooks.engine.Webhooks/…`).
//! docs/compat-smartsuite.md.

pub mod bulk;
pub mod members;
pub mod records;
pub mod teams;
pub mod webhooks;
pub mod workspace;
