//! What makes a table Attio's list, as the table keeps it: its parent object and who may
//! see it (`domain::list` parses the requests that set them).

use serde::{Deserialize, Serialize};

use super::Invalid;

/// Attio's access levels, for the workspace and for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    FullAccess,
    ReadAndWrite,
    ReadOnly,
}

impl AccessLevel {
    pub(crate) fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        match raw {
            "full-access" => Ok(Self::FullAccess),
            "read-and-write" => Ok(Self::ReadAndWrite),
            "read-only" => Ok(Self::ReadOnly),
            other => Err(Invalid::value(format!(
                "`{field}` must be \"full-access\", \"read-and-write\" or \"read-only\", not \"{other}\""
            ))),
        }
    }
}

/// One member's access to a list, by workspace member id (`OrgId::member_id`'s form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberAccess {
    pub workspace_member_id: String,
    pub level: AccessLevel,
}

/// Who may see a list: the whole workspace at one level (`None`: the list is private), and
/// each member named at theirs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAccess {
    #[serde(default)]
    pub workspace_access: Option<AccessLevel>,
    #[serde(default)]
    pub workspace_member_access: Vec<MemberAccess>,
}

impl ListAccess {
    /// Attio's rule for a list's access: someone keeps full access to it, the workspace or
    /// a member named.
    pub(crate) fn check_someone_has_full_access(&self) -> Result<(), Invalid> {
        let full = self.workspace_access == Some(AccessLevel::FullAccess)
            || self
                .workspace_member_access
                .iter()
                .any(|m| m.level == AccessLevel::FullAccess);
        if full {
            Ok(())
        } else {
            Err(Invalid::value(
                "A list must give `full-access` to the workspace (`workspace_access`) or to at least one member (`workspace_member_access`)",
            ))
        }
    }
}

/// What makes a table a list: the object its entries' parent records are of, and who may
/// see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDef {
    pub parent_table_id: String,
    /// The parent's api_slug, which an object keeps for good (Attio's `parent_object`).
    pub parent_api_slug: String,
    #[serde(default)]
    pub access: ListAccess,
    /// The API key that made it (Attio's `created_by_actor`, an `api-token`).
    #[serde(default)]
    pub created_by: String,
}
