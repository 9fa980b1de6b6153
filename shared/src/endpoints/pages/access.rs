//! `GET /app/access`: the plain page a person without a session is sent to. It says how to
//! get access, and shows no data.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use maud::html;

use crate::auth::Visitor;
use crate::error::ApiError;
use crate::html::{document, page, Framing};
use crate::state::AppState;

pub async fn show(state: &AppState, _visitor: Visitor, _req: Request) -> Result<Response<Body>, ApiError> {
    let content = html! {
        h1 { "Sign in to see this workspace" }
        p { "These pages open through a link from the service that gave you access: it signs you in for an hour." }
        p { "If you followed such a link and see this page, the link has expired or was replaced, or your session ended. Open it again from that service, or ask its administrator for a new one." }
        p.muted { "Administrators: a user's link is " code { "<api>/dashboard.html?token=<embed_token>" } ", the token from " code { "GET /api/v1/users/{external_id}/embed-token" } "." }
    };
    Ok(page(
        StatusCode::OK,
        document("Sign in", html! {}, content),
        &state.pages,
        // Where a frame without a session lands: it shows no data.
        Framing::Embeddable,
    ))
}
