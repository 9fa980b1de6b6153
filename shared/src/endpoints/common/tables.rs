//! What Invent's and Attio's endpoint files share about tables (an Invent table is an
//! Attio object).

use crate::domain::organization::OrgId;
use crate::domain::table::{NewField, Table, TableRef};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::tables::Source;

/// The table `raw` (its slug or id) names in the organization, as this container has it
/// cached, and whether it came from the cache; `not_found` if none (anything that is
/// neither a slug nor an id names none).
pub(crate) async fn cached_table(
    state: &AppState,
    org: OrgId,
    raw: &str,
    not_found: impl Fn() -> ApiError,
) -> Result<(Table, Source), ApiError> {
    let table = TableRef::parse(raw).map_err(|_| not_found())?;
    state.store.table_cached(org, &table).await?.ok_or_else(not_found)
}

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
