//! Attio's workspace members (docs.attio.com, rest-api/endpoint-reference/workspace-members):
//! the organization's users, each with the `workspace_member_id` that actor-reference
//! values name (`OrgId::member_id`), so an integration can list them to pick an assignee
//! or an owner. `GET /v2/workspace_members` and `GET /v2/workspace_members/{id}`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::organization::OrgId;
use crate::domain::user::{Member, Role, User};
use crate::error::ApiError;
use crate::http::{json_response, path_param};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceMemberId {
    pub workspace_id: String,
    pub workspace_member_id: String,
}

/// A workspace member in Attio's shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceMemberBody {
    pub id: WorkspaceMemberId,
    /// The user's name up to its first space (the whole name if it has none).
    pub first_name: String,
    /// The rest of the user's name (`""` if none).
    pub last_name: String,
    /// Always null: users have no avatar here.
    pub avatar_url: Option<String>,
    pub email_address: String,
    /// When the user was made.
    pub created_at: String,
    /// `admin` for the organization's owner and managers, `member` for its users.
    pub access_level: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceMemberList {
    pub data: Vec<WorkspaceMemberBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceMemberResponse {
    pub data: WorkspaceMemberBody,
}

/// A name as Attio's first and last names: split at the first whitespace.
fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.split_once(char::is_whitespace) {
        Some((first, last)) => (first.to_string(), last.trim().to_string()),
        None => (name.to_string(), String::new()),
    }
}

fn access_level(role: Role) -> &'static str {
    match role {
        Role::Owner | Role::Manager => "admin",
        Role::User => "member",
    }
}

fn body(org: OrgId, member: &Member, user: &User) -> WorkspaceMemberBody {
    let (first_name, last_name) = split_name(&user.name);
    WorkspaceMemberBody {
        id: WorkspaceMemberId {
            workspace_id: org.workspace_id().to_string(),
            workspace_member_id: org.member_id(member.user_id).to_string(),
        },
        first_name,
        last_name,
        avatar_url: None,
        email_address: user.email.clone(),
        created_at: user.created_at.clone(),
        access_level: access_level(member.role),
    }
}

/// `GET /v2/workspace_members`: every member, oldest user first (Attio pages nothing here).
pub async fn list(state: &AppState, principal: Principal, _req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let mut members = state.store.members_with_users(org).await?;
    members.sort_by_key(|(member, _)| member.user_id);
    let data = members.iter().map(|(m, u)| body(org, m, u)).collect();
    Ok(json_response(StatusCode::OK, &WorkspaceMemberList { data }))
}

/// `GET /v2/workspace_members/{workspace_member_id}`: one member; another workspace's (or
/// an unknown id) is 404.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let org = principal.org_id;
    let raw = path_param(&req, "workspace_member_id")?;
    let not_found = || ApiError::not_found(format!("Workspace member with ID \"{raw}\" not found"));
    let wanted = uuid::Uuid::try_parse(raw).map_err(|_| not_found())?;
    let members = state.store.members_with_users(org).await?;
    let (member, user) = members
        .iter()
        .find(|(m, _)| org.member_id(m.user_id) == wanted)
        .ok_or_else(not_found)?;
    Ok(json_response(
        StatusCode::OK,
        &WorkspaceMemberResponse {
            data: body(org, member, user),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_space() {
        for (name, first, last) in [
            ("Jane Doe", "Jane", "Doe"),
            ("Jane  van der Berg", "Jane", "van der Berg"),
            ("Cher", "Cher", ""),
            ("  Ada Lovelace ", "Ada", "Lovelace"),
        ] {
            assert_eq!(split_name(name), (first.to_string(), last.to_string()), "{name}");
        }
    }

    #[test]
    fn owners_and_managers_are_admins() {
        assert_eq!(access_level(Role::Owner), "admin");
        assert_eq!(access_level(Role::Manager), "admin");
        assert_eq!(access_level(Role::User), "member");
    }
}
