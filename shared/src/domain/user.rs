//! Users: people identified across the platform by the caller's `external_id`.

use serde::Deserialize;

use super::org_id::OrgId;
use super::{bounded_text, required};
use crate::domain::Invalid;

/// A workspace member as a request names one: by member id (`OrgId::member_id`, the id
/// Attio's actor references and `/v2/workspace_members` show) or by email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberName {
    Id(uuid::Uuid),
    Email(String),
}

impl MemberName {
    /// The user it names among `members` (user id, email) of `org`: an email in any case.
    pub fn user_among(&self, org: OrgId, members: &[(u64, String)]) -> Option<u64> {
        match self {
            MemberName::Id(id) => org.member_with_id(members.iter().map(|(user, _)| *user), id),
            MemberName::Email(email) => members
                .iter()
                .find(|(_, known)| known.eq_ignore_ascii_case(email.trim()))
                .map(|(user, _)| *user),
        }
    }
}

/// The caller's own id for a user: unique across the platform, 1-255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        bounded_text(field, raw, 1, 255).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address: `local@domain`, at most 254 characters (RFC 5321), a domain of dot
/// separated labels of letters, digits and hyphens, with a dot in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        let invalid = || {
            Invalid::value(format!(
                "`{field}` must be a valid email address, like name@example.com"
            ))
        };
        if text.len() > 254 {
            return Err(Invalid::value(format!("`{field}` must be at most 254 characters")));
        }
        let (local, domain) = text.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name, 1-255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        bounded_text(field, raw, 1, 255).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user as a request describes one: the organization owner of a create, say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub external_id: ExternalId,
    pub email: Email,
    pub name: PersonName,
}

/// The JSON form of [`NewUser`], before its rules are checked.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUserInput {
    #[schema(required = true, value_type = String, min_length = 1)]
    pub external_id: Option<String>,
    #[schema(required = true, value_type = String, format = Email)]
    pub email: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1)]
    pub name: Option<String>,
}

impl NewUserInput {
    /// Parses a user given at the top of a request body (`external_id`, not `owner.external_id`).
    pub fn parse_top(self) -> Result<NewUser, Invalid> {
        self.parse("")
    }

    /// `prefix` is where the object sits in the request (`owner`), for error messages.
    pub fn parse(self, prefix: &str) -> Result<NewUser, Invalid> {
        let field = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let external_id = required(&field("external_id"), self.external_id)?;
        let email = required(&field("email"), self.email)?;
        let name = required(&field("name"), self.name)?;
        Ok(NewUser {
            external_id: ExternalId::parse(&field("external_id"), &external_id)?,
            email: Email::parse(&field("email"), &email)?,
            name: PersonName::parse(&field("name"), &name)?,
        })
    }
}

/// A user's role in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Manager,
    User,
}

/// A user, as the store keeps it and the endpoints read it (`created_at` and `updated_at`
/// in RFC 3339 seconds).
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub external_id: String,
    pub email: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One of an organization's members: a user (by id and external id) and its role there.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Member {
    pub user_id: u64,
    pub external_id: String,
    pub role: Role,
}

/// One of a user's organizations, as the user object lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMembership {
    pub org_id: u64,
    pub name: String,
    pub role: Role,
}

/// A user with every organization it belongs to.
#[derive(Debug, Clone)]
pub struct UserWithOrgs {
    pub user: User,
    pub organizations: Vec<OrgMembership>,
}

/// A valid request to create a user in an organization (`POST /api/v1/users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub user: NewUser,
    pub org_id: OrgId,
    pub role: Role,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUserInput {
    #[schema(required = true, value_type = String, min_length = 1)]
    pub external_id: Option<String>,
    #[schema(required = true, value_type = String, format = Email)]
    pub email: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1)]
    pub name: Option<String>,
    pub organization_id: Option<u64>,
    pub role: Option<Role>,
}

impl CreateUserInput {
    pub fn parse(self) -> Result<NewMember, Invalid> {
        let org_id = OrgId(required("organization_id", self.organization_id)?);
        let role = self.role.unwrap_or(Role::User);
        let user = NewUserInput {
            external_id: self.external_id,
            email: self.email,
            name: self.name,
        }
        .parse_top()?;
        Ok(NewMember { user, org_id, role })
    }
}

/// A valid change to a user (`PATCH /api/v1/users/{external_id}`): its email and name,
/// and (with `organization_id`) a membership added or its role changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub email: Option<Email>,
    pub name: Option<PersonName>,
    pub membership: Option<(OrgId, Option<Role>)>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PatchUserInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub organization_id: Option<u64>,
    pub role: Option<Role>,
    pub external_id: Option<String>,
}

impl PatchUserInput {
    pub fn parse(self) -> Result<UserPatch, Invalid> {
        if self.external_id.is_some() {
            return Err(Invalid::value("`external_id` cannot be changed"));
        }
        if self.role.is_some() && self.organization_id.is_none() {
            return Err(Invalid::value(
                "`role` needs `organization_id`: the organization the role is in",
            ));
        }
        Ok(UserPatch {
            email: self.email.map(|e| Email::parse("email", &e)).transpose()?,
            name: self.name.map(|n| PersonName::parse("name", &n)).transpose()?,
            membership: self.organization_id.map(|id| (OrgId(id), self.role)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("e", " John.Doe+x@Example.COM ").unwrap().as_str(),
            "John.Doe+x@example.com"
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            ".a@b.com",
            "a@b.c om",
        ] {
            let err = Email::parse("owner.email", bad).unwrap_err();
            assert!(err.to_string().contains("owner.email"), "{bad}: {}", err);
        }
    }
}
