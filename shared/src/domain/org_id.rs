//! The platform's id of an organization, and the ids Attio derives from it. Its own module
//! so that users and organizations can both name it without naming each other.

use crate::domain::Invalid;

/// The platform's integer id of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgId(pub u64);

impl OrgId {
    /// Parses an id from a path segment: a positive integer without sign or leading zeros.
    /// Anything else cannot name an organization, so it is "not found" rather than invalid.
    pub fn parse_path(raw: &str) -> Result<Self, Invalid> {
        let not_found = || Invalid::not_found(format!("No organization with id `{raw}`"));
        if raw.is_empty() || raw.len() > 19 || raw.starts_with('0') || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_found());
        }
        raw.parse().map(Self).map_err(|_| not_found())
    }

    /// Attio's `workspace_id`: a UUID that is the organization's for good, derived from its
    /// id (a version-8 UUID over SHA-256), so that no item has to hold it and no request
    /// has to read it.
    pub fn workspace_id(self) -> uuid::Uuid {
        derived_uuid(&format!("workspace:{}", self.0))
    }

    /// Attio's workspace member id of one of the organization's users, derived likewise.
    pub fn member_id(self, user_id: u64) -> uuid::Uuid {
        derived_uuid(&format!("member:{}:{user_id}", self.0))
    }

    /// SmartSuite's id of the organization's one solution: 24 hex digits, as SmartSuite's
    /// ids are, derived likewise (so no item holds it).
    pub fn solution_id(self) -> String {
        derived_uuid(&format!("solution:{}", self.0)).simple().to_string()[..24].to_string()
    }

    /// Whether `id` is one of this organization's member ids among `user_ids`.
    pub fn member_with_id(self, user_ids: impl IntoIterator<Item = u64>, id: &uuid::Uuid) -> Option<u64> {
        user_ids.into_iter().find(|user| self.member_id(*user) == *id)
    }
}

/// A version-8 UUID from the SHA-256 of `name`.
fn derived_uuid(name: &str) -> uuid::Uuid {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solution_ids_are_24_hex_digits_and_the_organizations_own() {
        let id = OrgId(7).solution_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(id, OrgId(7).solution_id());
        assert_ne!(id, OrgId(8).solution_id());
    }

    #[test]
    fn org_ids_in_paths() {
        assert_eq!(OrgId::parse_path("42").unwrap(), OrgId(42));
        for bad in ["", "0", "042", "-1", "1.0", "abc", "99999999999999999999", "1e3"] {
            assert!(
                matches!(OrgId::parse_path(bad), Err(crate::domain::Invalid::NotFound(_))),
                "{bad}"
            );
        }
    }
}
