//! Organizations (Answering Agent's), the tenants of the platform.

use serde::Deserialize;

pub use super::org_id::OrgId;
use super::user::{NewUser, NewUserInput, UserWithOrgs};
use super::{bounded_text, required};
use crate::domain::Invalid;

/// An organization's name: 1-255 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        bounded_text(field, raw, 1, 255).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organization's description: at most 1000 characters (or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgDescription(String);

impl OrgDescription {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        let len = text.chars().count();
        if len > 1000 {
            return Err(Invalid::value(format!(
                "`{field}` must be at most 1000 characters; it has {len}"
            )));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organization, as the store keeps it and the endpoints read it (`created_at` and
/// `updated_at` in RFC 3339 seconds).
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Organization {
    pub id: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub owner_user_id: u64,
    pub owner_external_id: String,
    /// How many API keys the organization has: at most the store's `MAX_API_KEYS`, so that
    /// deleting the organization removes every key in one transaction.
    #[serde(default)]
    pub api_key_count: u64,
    /// How many webhooks it has: at most the store's `MAX_WEBHOOKS`.
    #[serde(default)]
    pub webhook_count: u64,
    /// How many SmartSuite solutions were made (`POST /solutions/`; the default one is not
    /// counted): at most the store's `MAX_SOLUTIONS`, so that listing them reads a bounded
    /// partition range.
    #[serde(default)]
    pub solution_count: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// An organization with its users (the first the store shows, by user id) and its owner.
#[derive(Debug, Clone)]
pub struct OrganizationView {
    pub organization: Organization,
    pub users: Vec<UserWithOrgs>,
    pub owner: UserWithOrgs,
}

/// A valid request to create an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub name: OrgName,
    pub description: Option<OrgDescription>,
    pub owner: NewUser,
}

/// The JSON body of `POST /api/v1/organizations`, before its rules are checked.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateOrganizationInput {
    #[schema(required = true, value_type = String, min_length = 1)]
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(required = true, value_type = NewUserInput)]
    #[serde(default, deserialize_with = "super::object")]
    pub owner: Option<NewUserInput>,
}

impl CreateOrganizationInput {
    pub fn parse(self) -> Result<NewOrganization, Invalid> {
        let name = OrgName::parse("name", &required("name", self.name)?)?;
        let description = self
            .description
            .map(|d| OrgDescription::parse("description", &d))
            .transpose()?;
        let owner = required("owner", self.owner)?.parse("owner")?;
        Ok(NewOrganization {
            name,
            description,
            owner,
        })
    }
}

/// A valid change to an organization (`PATCH /api/v1/organizations/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPatch {
    pub name: Option<OrgName>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<OrgDescription>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchOrganizationInput {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub description: Option<Option<String>>,
}

impl PatchOrganizationInput {
    pub fn parse(self) -> Result<OrgPatch, Invalid> {
        Ok(OrgPatch {
            name: self.name.map(|n| OrgName::parse("name", &n)).transpose()?,
            description: self
                .description
                .map(|d| d.map(|d| OrgDescription::parse("description", &d)).transpose())
                .transpose()?,
        })
    }
}
