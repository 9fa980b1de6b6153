//! `GET /dashboard.html?token=<embed_token>`: the embed URL of Answering Agent's docs
//! ("advanced/embed": an iframe whose `src` is it). A valid token starts a session (the
//! cookie `crate::session` describes) and redirects to the organization's tables, so the
//! token leaves the address bar; an invalid, rotated or revoked one redirects to the
//! access page and starts nothing.

use lambda_http::{Body, Request, Response};

use crate::auth::Visitor;
use crate::domain::user::ExternalId;
use crate::endpoints::common::pages::Links;
use crate::error::ApiError;
use crate::http::query_param;
use crate::session::{ClaimedToken, SignIn};
use crate::state::AppState;
use crate::time::Timestamp;

pub async fn open(state: &AppState, _visitor: Visitor, req: Request) -> Result<Response<Body>, ApiError> {
    let refused = || ApiError::unauthorized("The embed token is not valid, or was replaced or revoked");
    let token = query_param(&req, "token")?.ok_or_else(|| ApiError::unauthorized("The embed URL has no token"))?;
    let claim = ClaimedToken::parse(token).ok_or_else(refused)?;
    let external_id = ExternalId::parse("external_id", &claim.external_id).map_err(|_| refused())?;
    let token_key = crate::session::token_key(&state.webhooks.sealing_key).await?;
    let account = state
        .store
        .embed_account(claim.org, &external_id)
        .await?
        .ok_or_else(refused)?;
    let sign_in = SignIn::of(claim.org, account);
    if !claim.signed_for(&token_key, &sign_in) {
        return Err(refused());
    }
    let session_key = crate::session::session_key(&state.webhooks.sealing_key).await?;
    let expires_at = Timestamp::now().unix_seconds() + crate::session::SESSION_SECONDS;
    let value = crate::session::session_value(&session_key, &sign_in, expires_at);
    let tables = Links::new(&state.app_url.of_request(&req), sign_in.org.workspace_id()).tables();
    let cookie = state.pages.cookies.start(&value);
    Ok(crate::html::redirect(&tables, Some(&cookie), &state.pages))
}
