//! `POST /v2/objects/{object}/records/query`: Attio's records query. Its engine (the
//! planner's reads, cursors and bounds) is `endpoints::common::record_query`, which
//! SmartSuite's record list runs too.

use lambda_http::{Body, Request, Response};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

pub use crate::endpoints::common::record_query::{QueryInput, RecordList};

pub async fn query(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    crate::endpoints::common::record_query::query(state, principal, req).await
}
