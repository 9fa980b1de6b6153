//! `POST /app/sign-out`: ends the session in this browser (the cookie is cleared) and
//! shows the access page. The form carries a token bound to the session
//! (`crate::session::form_token`), so another site cannot sign a person out: a request
//! without it is refused (403), and nothing changes.

use lambda_http::{Body, Request, Response};

use crate::auth::Viewer;
use crate::endpoints::common::pages::{access_path, FORM_TOKEN_FIELD};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn sign_out(state: &AppState, viewer: Viewer, req: Request) -> Result<Response<Body>, ApiError> {
    let body = std::str::from_utf8(req.body().as_ref()).unwrap_or_default();
    let given = form_urlencoded::parse(body.as_bytes())
        .find(|(name, _)| name == FORM_TOKEN_FIELD)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let key = crate::session::session_key(&state.webhooks.sealing_key).await?;
    if !crate::session::form_token_matches(&key, &viewer.session, &given) {
        return Err(ApiError::forbidden(
            "This form was not sent from its page: sign out from the page itself",
        ));
    }
    let access = access_path(&state.app_url.of_request(&req));
    Ok(crate::html::redirect(
        &access,
        Some(&state.pages.cookies.end()),
        &state.pages,
    ))
}
