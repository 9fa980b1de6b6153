//! Answering Agent's platform API (`/api/v1/…`, the admin's `X-API-KEY`): organizations,
//! their API keys, and users. docs/compat-answering-agent.md.

pub mod organizations;
pub mod users;
