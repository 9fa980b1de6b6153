//! Answering Agent's platform API (`/api/v1/…`, the admin's `X-API-KEY`): organizations,
//! their API keys, users, and users' embed tokens. docs/compat-answering-agent.md.

pub mod embed;
pub mod organizations;
pub mod users;
