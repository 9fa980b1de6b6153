//! The items of accounts: organizations, users, memberships and API keys, as stored (their
//! access patterns: `organizations.rs`, `users.rs`, `api_keys.rs`). Plain types, a leaf of
//! the store, so that the cache and the purge hold them without naming those patterns.

use serde::{Deserialize, Serialize};

use crate::domain::user::Role;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrganizationItem {
    pub id: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub owner_user_id: u64,
    pub owner_external_id: String,
    /// How many API keys the organization has: at most
    /// [`MAX_API_KEYS`](super::organizations::MAX_API_KEYS), so that deleting
    /// the organization removes every key in one transaction.
    #[serde(default)]
    pub api_key_count: u64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserItem {
    pub id: u64,
    pub external_id: String,
    pub email: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A membership in the organization's partition: lists an organization's users.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgMemberItem {
    pub user_id: u64,
    pub external_id: String,
    pub role: Role,
}

/// The same membership in the user's partition: lists a user's organizations.
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
