//! `GET /app/{workspace}`: the organization's tables (Attio's objects and lists,
//! SmartSuite's and Invent's tables alike), each a link to its records.

use lambda_http::{Body, Request, Response};
use maud::html;

use crate::auth::Viewer;
use crate::endpoints::common::pages::{workspace_in_path, workspace_page};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn show(state: &AppState, viewer: Viewer, req: Request) -> Result<Response<Body>, ApiError> {
    let links = workspace_in_path(state, &viewer, &req)?;
    let mut tables = state.store.tables(viewer.org_id).await?;
    tables.retain(|t| !t.archived);
    tables.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    let content = html! {
        h1 { "Tables" }
        @if tables.is_empty() {
            p.muted { "This workspace has no tables yet." }
        } @else {
            div.scroll { table {
                thead { tr { th { "Name" } th { "Slug" } th { "Kind" } th { "Attributes" } } }
                tbody {
                    @for table in &tables {
                        tr {
                            td { a href=(links.records(table)) { (table.name) } }
                            td.mono { (table.api_slug) }
                            td { @if table.is_list() { "list" } @else { "object" } }
                            td { (table.ordered_fields().len()) }
                        }
                    }
                }
            } }
        }
        p { a href=(links.teams()) { "Teams and members" } }
    };
    workspace_page(state, &viewer, &links, "Tables", content).await
}
