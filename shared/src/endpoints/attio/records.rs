//! Attio's records, with `Authorization: Bearer <org key>`: `POST`, `PUT` (assert) and the
//! record routes of `/v2/objects/{object}/records/...`. Their requests are served by
//! `endpoints::common::attio_records`, which a list's entries (`entries.rs`) run too.

use lambda_http::{Body, Request, Response};

use crate::auth::Principal;
use crate::endpoints::common::attio::Kind;
use crate::endpoints::common::attio_records as records;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::records::Merge;

pub use crate::endpoints::common::attio_records::{DeletedRecord, ValueList};

/// `POST /v2/objects/{object}/records`.
pub async fn create(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::create(state, principal, req).await
}

/// `PUT /v2/objects/{object}/records?matching_attribute=<slug>`: Attio's assert.
pub async fn assert(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::assert(state, principal, req).await
}

/// `GET .../records/{record_id}`.
pub async fn get(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::get_of(state, principal, req, Kind::Object).await
}

/// `PATCH .../records/{record_id}`: values sent for multiselect attributes are added.
pub async fn update(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::write_existing(state, principal, req, Kind::Object, Merge::Append).await
}

/// `PUT .../records/{record_id}`: values sent for multiselect attributes replace them.
pub async fn replace(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::write_existing(state, principal, req, Kind::Object, Merge::Overwrite).await
}

/// `DELETE .../records/{record_id}`: 200 `{}` (see `attio_records::delete_of`).
pub async fn delete(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::delete_of(state, principal, req, Kind::Object).await
}

/// `GET .../records/{record_id}/attributes/{attribute}/values`.
pub async fn list_values(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    records::values_of(state, principal, req, Kind::Object).await
}
