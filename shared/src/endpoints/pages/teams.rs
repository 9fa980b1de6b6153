//! `GET /app/{workspace}/_teams`: the organization's teams, and its members.

use lambda_http::{Body, Request, Response};
use maud::html;

use crate::auth::Viewer;
use crate::endpoints::common::pages::{workspace_in_path, workspace_page};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn show(state: &AppState, viewer: Viewer, req: Request) -> Result<Response<Body>, ApiError> {
    let links = workspace_in_path(state, &viewer, &req)?;
    let (teams, members) = tokio::try_join!(
        state.store.teams(viewer.org_id),
        state.store.members_with_users(viewer.org_id)
    )?;
    let name_of = |user_id: &str| {
        members
            .iter()
            .find(|(m, _)| m.user_id.to_string() == user_id)
            .map(|(_, u)| u.name.clone())
            .unwrap_or_else(|| format!("user {user_id}"))
    };
    let content = html! {
        h1 { "Teams" }
        @if teams.is_empty() {
            p.muted { "No teams yet." }
        } @else {
            div.scroll { table {
                thead { tr { th { "Team" } th { "Status" } th { "Owners" } th { "Members" } } }
                tbody {
                    @for team in &teams {
                        tr {
                            td { (team.name) }
                            td { (team.status) }
                            td { @for owner in &team.owners { span.chip { (name_of(owner)) } } }
                            td { @for member in &team.members { span.chip { (name_of(member)) } } }
                        }
                    }
                }
            } }
        }
        h2 { "Members" }
        div.scroll { table {
            thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "External id" } } }
            tbody {
                @for (member, user) in &members {
                    tr {
                        td { (user.name) }
                        td { (user.email) }
                        td { (format!("{:?}", member.role).to_lowercase()) }
                        td.mono { (user.external_id) }
                    }
                }
            }
        } }
    };
    workspace_page(state, &viewer, &links, "Teams", content).await
}
