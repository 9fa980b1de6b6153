//! The account items that stay store rows: the membership's twin in the user's partition
//! and the API key (organizations, users and organization members are domain types,
//! `domain::organization::Organization`, `domain::user::{User, Member}`, stored as they
//! are). Their access patterns: `organizations.rs`, `users.rs`, `api_keys.rs`. Plain types,
//! a leaf of the store, so that the cache holds them without naming those patterns.

use serde::{Deserialize, Serialize};

use crate::domain::user::Role;

/// A membership in the user's partition, the twin of its [`Member`] in the organization's:
/// lists a user's organizations.
///
/// [`Member`]: crate::domain::user::Member
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserMembershipItem {
    pub org_id: u64,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKeyItem {
    pub id: String,
    pub org_id: u64,
    pub user_id: u64,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: String,
    pub prefix: String,
    pub created_at: String,
}
