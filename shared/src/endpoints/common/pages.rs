//! What the workspace pages share: the workspace in the path checked against the session,
//! the links between pages, the header, and values shown as text.
//!
//! The pages are under the app's base (`state::AppUrl`, `/app` by default):
//! `/<workspace_id>` the tables, `/<workspace_id>/<object>` a table's records,
//! `/<workspace_id>/<object>/<record_id>` a record (a record's Attio `web_url`),
//! `/<workspace_id>/_teams` the teams and members (`_teams` is no table's slug: slugs
//! start with a letter), and `/access`, which says how to get access.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use maud::{html, Markup};
use serde_json::{Map, Value};

use crate::auth::Viewer;
use crate::domain::table::{FieldDef, FieldType, Table};
use crate::error::ApiError;
use crate::html::{document, page, Framing};
use crate::http::path_param;
use crate::state::{AppBase, AppState};

/// The page that says how to get access, under the app's base.
pub const ACCESS_PATH: &str = "/access";
/// The teams page's segment after the workspace.
pub const TEAMS_SEGMENT: &str = "_teams";
/// The sign-out form's target, under the app's base.
pub const SIGN_OUT_PATH: &str = "/sign-out";
/// The sign-out form's token field.
pub const FORM_TOKEN_FIELD: &str = "form_token";

/// A page's contract: HTML (the OpenAPI document says `text/html`).
#[derive(Debug)]
pub struct Html;

impl utoipa::PartialSchema for Html {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An HTML page"))
            .into()
    }
}

impl utoipa::ToSchema for Html {}

/// The access page's path under `base`: where a page without a session leads.
pub fn access_path(base: &AppBase) -> String {
    format!("{}{ACCESS_PATH}", base.path())
}

/// The links of one workspace's pages, for one request.
#[derive(Debug, Clone)]
pub struct Links {
    base: String,
    workspace: uuid::Uuid,
}

impl Links {
    pub fn new(base: &AppBase, workspace: uuid::Uuid) -> Self {
        Self {
            base: base.path().to_string(),
            workspace,
        }
    }

    pub fn tables(&self) -> String {
        format!("{}/{}", self.base, self.workspace)
    }

    pub fn records(&self, table: &Table) -> String {
        format!("{}/{}", self.tables(), segment(&table.api_slug))
    }

    pub fn record(&self, object_slug: &str, record_id: &str) -> String {
        format!("{}/{}/{}", self.tables(), segment(object_slug), segment(record_id))
    }

    pub fn teams(&self) -> String {
        format!("{}/{TEAMS_SEGMENT}", self.tables())
    }

    pub fn sign_out(&self) -> String {
        format!("{}{SIGN_OUT_PATH}", self.base)
    }
}

/// What a path segment keeps as it is: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path segment, percent-encoded.
fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}

/// The viewer's workspace, if `{workspace}` names it; 404 otherwise, the same for another
/// organization's workspace as for none, so a page tells nothing of other organizations.
pub fn workspace_in_path(state: &AppState, viewer: &Viewer, req: &Request) -> Result<Links, ApiError> {
    let raw = path_param(req, "workspace")?;
    let own = viewer.org_id.workspace_id();
    if uuid::Uuid::try_parse(raw).ok() != Some(own) {
        return Err(ApiError::not_found("No such workspace here"));
    }
    Ok(Links::new(&state.app_url.of_request(req), own))
}

/// The table `{object}` names (its slug or id) in the viewer's organization; 404 if none.
pub async fn table_in_path(state: &AppState, viewer: &Viewer, req: &Request) -> Result<Table, ApiError> {
    let raw = path_param(req, "object")?;
    let not_found = || ApiError::not_found(format!("No table `{raw}` in this workspace"));
    let (table, _) = super::tables::cached_table(state, viewer.org_id, raw, not_found).await?;
    Ok(table)
}

/// A workspace page's response: the layout with the workspace's navigation and a sign-out
/// form (its token bound to the session), framed as embedding allows.
pub async fn workspace_page(
    state: &AppState,
    viewer: &Viewer,
    links: &Links,
    title: &str,
    content: Markup,
) -> Result<Response<Body>, ApiError> {
    let key = crate::session::session_key(&state.webhooks.sealing_key).await?;
    let token = crate::session::form_token(&key, &viewer.session);
    let nav = html! {
        a href=(links.tables()) { "Tables" }
        a href=(links.teams()) { "Teams" }
        span.muted { (viewer.external_id) }
        form.inline method="post" action=(links.sign_out()) {
            input type="hidden" name=(FORM_TOKEN_FIELD) value=(token);
            button type="submit" { "Sign out" }
        }
    };
    Ok(page(
        StatusCode::OK,
        document(title, nav, content),
        &state.pages,
        Framing::Embeddable,
    ))
}

/// One value as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Text(String),
    /// A reference to another record: its page.
    Record {
        object: String,
        record_id: String,
    },
    /// A workspace member, by id.
    Member(String),
}

/// A stored value as a page shows it: its main property as text (an option by its title
/// now), a reference as its record, anything else as its properties.
pub fn shown(field: &FieldDef, value: &Map<String, Value>) -> Shown {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    match field.field_type {
        FieldType::RecordReference => match (text("target_object"), text("target_record_id")) {
            (Some(object), Some(record_id)) => Shown::Record { object, record_id },
            _ => Shown::Text(String::new()),
        },
        FieldType::ActorReference => Shown::Member(text("referenced_actor_id").unwrap_or_default()),
        FieldType::Currency => {
            let amount = crate::domain::search::value_text(field, value).unwrap_or_default();
            Shown::Text(match text("currency_code") {
                Some(code) => format!("{amount} {code}"),
                None => amount,
            })
        }
        _ => Shown::Text(crate::domain::search::value_text(field, value).unwrap_or_else(|| properties(value))),
    }
}

/// A value's own properties as `name: value` text, without its metadata.
fn properties(value: &Map<String, Value>) -> String {
    const METADATA: [&str; 4] = ["active_from", "active_until", "created_by_actor", "attribute_type"];
    value
        .iter()
        .filter(|(k, v)| !METADATA.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The labels of referenced records a page has read, by record id.
pub type Labels = std::collections::HashMap<String, String>;

/// A value shown: text, or a link to the record it references (by its label when `labels`
/// has it, else its object and short id).
pub fn value_markup(links: &Links, shown: &Shown, labels: &Labels) -> Markup {
    match shown {
        Shown::Text(text) => html! { (text) },
        Shown::Record { object, record_id } => html! {
            a href=(links.record(object, record_id)) {
                @match labels.get(record_id) {
                    Some(label) => { (label) }
                    None => { (object) " " span.mono { (short_id(record_id)) } }
                }
            }
        },
        Shown::Member(id) => html! { span.chip { "member " (short_id(id)) } },
    }
}

/// The first 8 characters of an id: enough to tell records apart on a page.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_under_the_base_and_encoded() {
        let base = crate::state::AppUrl::local().of_request(&Request::default());
        let links = Links::new(&base, uuid::Uuid::nil());
        let ws = "/app/00000000-0000-0000-0000-000000000000";
        assert_eq!(links.tables(), ws);
        assert_eq!(links.teams(), format!("{ws}/_teams"));
        assert_eq!(links.record("people", "a/b c"), format!("{ws}/people/a%2Fb%20c"));
        assert_eq!(links.sign_out(), "/app/sign-out");
    }
}
