//! What SmartSuite's endpoint files share: its list body.

use lambda_http::Request;

use crate::domain::team::ListTeamsInput;
use crate::error::ApiError;
use crate::http::json_body;

/// SmartSuite's list body, `{sort, filter}`; an empty body is neither (teams and members).
pub(crate) fn list_body(req: &Request) -> Result<ListTeamsInput, ApiError> {
    if req.body().is_empty() {
        Ok(ListTeamsInput::default())
    } else {
        json_body::<ListTeamsInput>(req)
    }
}
