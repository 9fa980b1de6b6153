//! SmartSuite's teams, with `Authorization: Token <org key>` and `ACCOUNT-ID: <org id>`:
//! `POST /api/v1/teams/` and `GET /api/v1/teams/{id}/`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::token_with_account;
use crate::domain::team::{Color, CreateTeamInput};
use crate::error::ApiError;
use crate::http::{json_body, json_response, path_param};
use crate::state::AppState;
use crate::store::teams::TeamItem;
use crate::time::Timestamp;

pub async fn create(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = token_with_account(&state.store, req.headers()).await?;
    let new = json_body::<CreateTeamInput>(&req)?.parse()?;
    let team = state
        .store
        .create_team(principal.org_id, principal.user_id, &new, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, &TeamBody::new(&team)))
}

pub async fn get(state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
    let principal = token_with_account(&state.store, req.headers()).await?;
    let id = path_param(&req, "id")?;
    let team = state
        .store
        .team(principal.org_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No team `{id}`")))?;
    Ok(json_response(StatusCode::OK, &TeamBody::new(&team)))
}

/// SmartSuite's team record.
#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct StatusBody {
    pub value: String,
    pub updated_on: String,
}

#[derive(Debug, Serialize)]
pub struct ByBody {
    pub on: String,
    pub by: String,
}

#[derive(Debug, Serialize)]
pub struct RankingBody {
    pub default: String,
}

#[derive(Debug, Serialize)]
pub struct DeletedDateBody {
    pub date: Option<String>,
    pub include_time: bool,
}

impl TeamBody {
    pub fn new(team: &TeamItem) -> Self {
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
