//! What Invent's and Attio's endpoint files share about tables (an Invent table is an
//! Attio object).

use crate::domain::organization::OrgId;
use crate::domain::table::NewField;
use crate::error::ApiError;
use crate::state::AppState;

/// A new record-reference field's target table, as (id, api_slug); `path` names the input
/// that gave it, for the error when it names no table of the organization.
pub(crate) async fn resolve_link(
    state: &AppState,
    org: OrgId,
    new: &NewField,
    path: &str,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(target) = &new.link else { return Ok(None) };
    let linked = state
        .store
        .table(org, target)
        .await?
        .ok_or_else(|| ApiError::validation(format!("`{path}` names no object in this organization")))?;
    Ok(Some((linked.id, linked.api_slug)))
}
