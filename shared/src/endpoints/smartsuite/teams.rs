//! SmartSuite's teams, with `Authorization: Token <org key>` and `ACCOUNT-ID: <org id>`:
//! `POST /api/v1/teams/` and `GET /api/v1/teams/{id}/`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::list_sort::{parse_sorts, sort_by_keys};
use crate::domain::team::TeamId;
use crate::domain::team::{Color, CreateTeamInput, PatchTeamInput, Team};
use crate::domain::team_filter::{TeamFacts, TeamFilter};
use crate::endpoints::common::smartsuite::list_body;
use crate::error::ApiError;
use crate::http::{json_body, json_response, pagination, path_param};
use crate::state::AppState;
use crate::time::Timestamp;

/// A team's `type`: SmartSuite's PUBLIC, the one type teams have.
const TEAM_TYPE: u8 = 2;

pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let new = json_body::<CreateTeamInput>(&req)?.parse()?;
    let team = state
        .store
        .create_team(principal.org_id, principal.user_id, &new, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, &TeamBody::new(&team)))
}

pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let team = team_in_path(state, &req, principal.org_id).await?;
    Ok(json_response(StatusCode::OK, &TeamBody::new(&team)))
}

/// The team `{id}` names, in the caller's account.
async fn team_in_path(
    state: &AppState,
    req: &Request,
    org: crate::domain::organization::OrgId,
) -> Result<Team, ApiError> {
    let raw = path_param(req, "id")?;
    let not_found = || ApiError::not_found(format!("No team `{raw}`"));
    let id = TeamId::parse(raw).ok_or_else(not_found)?;
    state.store.team(org, id.as_str()).await?.ok_or_else(not_found)
}

/// `PATCH /api/v1/teams/{id}/`: what is sent changes; the name stays unique.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let team = team_in_path(state, &req, principal.org_id).await?;
    let patch = json_body::<PatchTeamInput>(&req)?.parse()?;
    let team = state
        .store
        .update_team(principal.org_id, &team, &patch, principal.user_id, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, &TeamBody::new(&team)))
}

/// `DELETE /api/v1/teams/{id}/`: removes the team and frees its name. Answers with the team
/// as it was, marked deleted.
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let team = team_in_path(state, &req, principal.org_id).await?;
    state.store.delete_team(principal.org_id, &team).await?;
    let mut body = TeamBody::new(&team);
    body.deleted_date = DeletedDateBody {
        date: Some(Timestamp::now().micros()),
        include_time: true,
    };
    body.deleted_by = Some(principal.user_id.to_string());
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /api/v1/teams/list/?offset&limit` with `{sort, filter}`: SmartSuite's list,
/// `{items, total, offset, limit, time}`. `limit` defaults to 100, at most 1000. Without a
/// sort, teams come oldest first. The filter takes SmartSuite's comparisons for each type
/// of a team's fields (`domain::team_filter`); it and the sorts are checked before the read.
pub async fn list(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    let (limit, offset) = pagination(&req, 100, 1000)?;
    let input = list_body(&req)?;
    let now = Timestamp::now();
    let filter = input
        .filter
        .as_ref()
        .map(|f| TeamFilter::parse(f, now.utc_date()))
        .transpose()?;
    let sorts = parse_sorts::<Team>(
        &input.sort,
        &[
            ("name", |t| t.name_key.clone()),
            ("first_created", |t| t.created_on.clone()),
            ("last_updated", |t| t.updated_on.clone()),
            ("status", |t| t.status.to_string()),
        ],
    )?;
    let mut teams = state.store.teams(principal.org_id).await?;
    if let Some(filter) = &filter {
        teams.retain(|team| {
            filter.matches(&TeamFacts {
                name: &team.name,
                status: team.status,
                team_type: TEAM_TYPE,
                owners: &team.owners,
                members: &team.members,
                created_on: &team.created_on,
                updated_on: &team.updated_on,
            })
        });
    }
    sort_by_keys(&mut teams, &sorts);
    let total = teams.len();
    let items: Vec<TeamBody> = teams.iter().skip(offset).take(limit).map(TeamBody::new).collect();
    Ok(json_response(
        StatusCode::OK,
        &TeamList {
            items,
            total,
            offset,
            limit,
            time: now.micros(),
        },
    ))
}

/// SmartSuite's list: a page of teams.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamBody>,
    /// All teams that match, not only this page's.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    /// When the list was made (ISO 8601, UTC), as SmartSuite answers.
    pub time: String,
}

/// SmartSuite's team record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamBody {
    pub name: String,
    pub color: Vec<Color>,
    #[serde(rename = "type")]
    pub team_type: &'static str,
    pub status: StatusBody,
    pub owners: Vec<String>,
    pub members: Vec<String>,
    pub first_created: ByBody,
    pub last_updated: ByBody,
    pub id: String,
    pub application_slug: &'static str,
    pub application_id: String,
    pub title: Option<String>,
    pub comments_count: Option<u64>,
    pub autonumber: Option<u64>,
    pub ranking: RankingBody,
    pub deleted_date: DeletedDateBody,
    pub deleted_by: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusBody {
    pub value: String,
    pub updated_on: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ByBody {
    pub on: String,
    pub by: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankingBody {
    pub default: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedDateBody {
    pub date: Option<String>,
    pub include_time: bool,
}

impl TeamBody {
    pub fn new(team: &Team) -> Self {
        Self {
            name: team.name.clone(),
            color: team.colors.clone(),
            team_type: "2",
            status: StatusBody {
                value: team.status.to_string(),
                updated_on: team.status_updated_on.clone(),
            },
            owners: team.owners.clone(),
            members: team.members.clone(),
            first_created: ByBody {
                on: team.created_on.clone(),
                by: team.created_by.clone(),
            },
            last_updated: ByBody {
                on: team.updated_on.clone(),
                by: team.updated_by.clone(),
            },
            id: team.id.clone(),
            application_slug: "teams",
            // One teams application per account: its id is the account id, as 24 hex digits.
            application_id: format!("{:024x}", team.org_id),
            title: None,
            comments_count: None,
            autonumber: None,
            ranking: RankingBody {
                default: team.ranking.clone(),
            },
            deleted_date: DeletedDateBody {
                date: None,
                include_time: false,
            },
            deleted_by: None,
        }
    }
}
