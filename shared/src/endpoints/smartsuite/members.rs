//! SmartSuite's members, with `Authorization: Token <org key>` and `ACCOUNT-ID`:
//! `POST /api/v1/members/list/?offset&limit` with `{sort, filter}`, over the organization's
//! users. A member's id is the user's id (as teams' owners and members name them).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::list_sort::{parse_sorts, sort_by_keys};
use crate::domain::team_filter::{MemberFacts, MemberFilter};
use crate::domain::user::{Member, Role, User};
use crate::endpoints::common::smartsuite::list_body;
use crate::error::ApiError;
use crate::http::{json_response, pagination};
use crate::state::AppState;
use crate::time::Timestamp;

/// SmartSuite's member role code for a role here: owner ADMIN (1), manager
/// SOLUTION_MANAGER (2), user GENERAL (3).
fn role_code(role: Role) -> u8 {
    match role {
        Role::Owner => 1,
        Role::Manager => 2,
        Role::User => 3,
    }
}

/// `POST /api/v1/members/list/`: `{items, total, offset, limit, time}`, by user id unless
/// sorted (by `full_name`, `email` or `role`); filtered by `full_name`, `email`, `role` or
/// `teams` with SmartSuite's comparisons, the filter parsed before any read.
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 100, 1000)?;
    let input = list_body(&req)?;
    let filter = input.filter.as_ref().map(MemberFilter::parse).transpose()?;
    let sorts = parse_sorts::<MemberBody>(
        &input.sort,
        &[
            ("full_name", |m| m.full_name.sys_root.to_lowercase()),
            ("email", |m| m.email.first().cloned().unwrap_or_default()),
            ("role", |m| m.role.clone()),
        ],
    )?;
    let now = Timestamp::now();
    let teams = state.store.teams(principal.org_id).await?;
    let mut members: Vec<MemberBody> = state
        .store
        .members_with_users(principal.org_id)
        .await?
        .iter()
        .map(|(member, user)| {
            let id = user.id.to_string();
            let teams: Vec<String> = teams
                .iter()
                .filter(|t| t.members.contains(&id) || t.owners.contains(&id))
                .map(|t| t.id.clone())
                .collect();
            MemberBody::new(principal.org_id.0, member, user, teams)
        })
        .filter(|m| {
            filter.as_ref().is_none_or(|f| {
                f.matches(&MemberFacts {
                    full_name: &m.full_name.sys_root,
                    email: m.email.first().map_or("", String::as_str),
                    role: m.role.parse().unwrap_or(0),
                    teams: &m.teams,
                })
            })
        })
        .collect();
    sort_by_keys(&mut members, &sorts);
    let total = members.len();
    let items: Vec<MemberBody> = members.into_iter().skip(offset).take(limit).collect();
    Ok(json_response(
        StatusCode::OK,
        &MemberList {
            items,
            total,
            offset,
            limit,
            time: now.micros(),
        },
    ))
}

/// SmartSuite's member list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberBody>,
    /// All members that match, not only this page's.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    /// When the list was made (ISO 8601, UTC).
    pub time: String,
}

/// SmartSuite's member object, the fields a user has here (codes as strings, as its
/// examples show them).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberBody {
    pub id: String,
    pub application_slug: &'static str,
    pub application_id: String,
    pub full_name: FullName,
    pub email: Vec<String>,
    /// EMPLOYEE.
    #[serde(rename = "type")]
    pub member_type: &'static str,
    /// ADMIN 1 (owner), SOLUTION_MANAGER 2 (manager), GENERAL 3 (user).
    pub role: String,
    pub status: MemberStatus,
    /// The ids of the teams the member owns or is in.
    pub teams: Vec<String>,
    pub first_created: By,
    pub last_updated: By,
    pub deleted_date: DeletedDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FullName {
    pub title: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub sys_root: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberStatus {
    /// ACTIVE.
    pub value: &'static str,
    pub updated_on: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct By {
    pub on: String,
    pub by: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedDate {
    pub date: Option<String>,
}

impl MemberBody {
    fn new(org: u64, member: &Member, user: &User, teams: Vec<String>) -> Self {
        let (first, last) = user.name.split_once(' ').unwrap_or((&user.name, ""));
        Self {
            id: user.id.to_string(),
            application_slug: "members",
            application_id: format!("{org:024x}"),
            full_name: FullName {
                title: String::new(),
                first_name: first.to_string(),
                middle_name: String::new(),
                last_name: last.trim().to_string(),
                sys_root: user.name.clone(),
            },
            email: vec![user.email.clone()],
            member_type: "1",
            role: role_code(member.role).to_string(),
            status: MemberStatus {
                value: "1",
                updated_on: user.updated_at.clone(),
            },
            teams,
            first_created: By {
                on: user.created_at.clone(),
                by: user.id.to_string(),
            },
            last_updated: By {
                on: user.updated_at.clone(),
                by: user.id.to_string(),
            },
            deleted_date: DeletedDate { date: None },
        }
    }
}
