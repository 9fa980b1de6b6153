//! `GET /app/{workspace}/{object}/{record_id}`: one record (a record's Attio `web_url`):
//! its values, the values its latest writes replaced (their history), and the records it
//! references and that reference it, as links.

use futures_util::{StreamExt, TryStreamExt};
use lambda_http::{Body, Request, Response};
use maud::{html, Markup};

use crate::auth::Viewer;
use crate::domain::record::Record;
use crate::domain::search::record_text;
use crate::domain::table::{Table, TableRef};
use crate::endpoints::common::pages::{
    shown, table_in_path, value_markup, workspace_in_path, workspace_page, Labels, Links, Shown,
};
use crate::error::ApiError;
use crate::http::path_param;
use crate::state::AppState;
use crate::store::records::RecordRef;
use crate::store::StoreError;

/// The latest writes whose replaced values the page shows.
const HISTORY_WRITES: i32 = 20;
/// The referencing records the page shows.
const REFERRERS: usize = 25;

pub async fn show(state: &AppState, viewer: Viewer, req: Request) -> Result<Response<Body>, ApiError> {
    let links = workspace_in_path(state, &viewer, &req)?;
    let table = table_in_path(state, &viewer, &req).await?;
    let raw_record = path_param(&req, "record_id")?;
    let not_found = || ApiError::not_found(format!("No record `{raw_record}` in `{}` here", table.api_slug));
    let which = RecordRef::parse(raw_record, &table).map_err(|_| not_found())?;
    let record = state
        .store
        .record(viewer.org_id, &table, &which)
        .await?
        .ok_or_else(not_found)?;
    let (history, referrers, labels) = tokio::try_join!(
        state.store.latest_history(&record, HISTORY_WRITES),
        referrers(state, &viewer, &record),
        referenced_labels(state, &viewer, &table, &record)
    )?;
    let label = record_text(&table, &record);
    let title = if label.is_empty() {
        format!("{}-{}", table.record_prefix, record.number)
    } else {
        label
    };
    let content = html! {
        p.crumbs {
            a href=(links.tables()) { "Tables" } " / "
            a href=(links.records(&table)) { (table.name) } " / "
            (table.record_prefix) "-" (record.number)
        }
        h1 { (title) }
        dl {
            @for field in table.ordered_fields() {
                dt { (field.name) }
                dd {
                    @for value in record.active(&field.id) {
                        div { (value_markup(&links, &shown(field, value), &labels)) }
                    }
                }
            }
            dt { "Created" } dd { (record.created_at) }
            dt { "Id" } dd.mono { (record.id) }
        }
        h2 { "Referenced by" }
        @if referrers.is_empty() {
            p.muted { "No record references this one." }
        } @else {
            ul { @for (other_table, other) in &referrers {
                li { a href=(links.record(&other_table.api_slug, &other.id)) { (describe(other_table, other)) } }
            } }
        }
        h2 { "History" }
        (history_markup(&links, &table, &history, &labels))
    };
    workspace_page(state, &viewer, &links, &title, content).await
}

/// The records that reference `record` (at most [`REFERRERS`]), each with its table.
async fn referrers(state: &AppState, viewer: &Viewer, record: &Record) -> Result<Vec<(Table, Record)>, StoreError> {
    let ids = state.store.referrer_ids(&record.id, REFERRERS).await?;
    records_with_tables(state, viewer, ids).await
}

/// The labels of the records `record`'s current values reference (at most [`REFERRERS`]
/// of them), as links show them.
async fn referenced_labels(
    state: &AppState,
    viewer: &Viewer,
    table: &Table,
    record: &Record,
) -> Result<Labels, StoreError> {
    let mut targets: Vec<String> = table
        .ordered_fields()
        .into_iter()
        .flat_map(|field| record.active(&field.id).map(move |value| shown(field, value)))
        .filter_map(|shown| match shown {
            Shown::Record { record_id, .. } => Some(record_id),
            _ => None,
        })
        .collect();
    targets.sort();
    targets.dedup();
    targets.truncate(REFERRERS);
    Ok(records_with_tables(state, viewer, targets)
        .await?
        .iter()
        .map(|(other_table, other)| (other.id.clone(), describe(other_table, other)))
        .collect())
}

/// The organization's records of these ids that exist, each with its table, in order.
async fn records_with_tables(
    state: &AppState,
    viewer: &Viewer,
    ids: Vec<String>,
) -> Result<Vec<(Table, Record)>, StoreError> {
    let found: Vec<Option<Record>> = futures_util::stream::iter(ids)
        .map(|id| async move { state.store.record_in_org(viewer.org_id, &id).await })
        .buffered(8)
        .try_collect()
        .await?;
    let mut shown = Vec::new();
    for other in found.into_iter().flatten() {
        let table_ref = TableRef::Id(other.table_id.clone());
        if let Some((table, _)) = state.store.table_cached(viewer.org_id, &table_ref).await? {
            shown.push((table, other));
        }
    }
    Ok(shown)
}

/// A record as a link's text: its table's name and its label or display id.
fn describe(table: &Table, record: &Record) -> String {
    let label = record_text(table, record);
    if label.is_empty() {
        format!("{}: {}-{}", table.name, table.record_prefix, record.number)
    } else {
        format!("{}: {label}", table.name)
    }
}

/// The values each of the latest writes replaced, newest first.
fn history_markup(
    links: &Links,
    table: &Table,
    history: &[(u64, crate::store::history::EndedValues)],
    labels: &Labels,
) -> Markup {
    html! {
        @if history.is_empty() {
            p.muted { "No value was ever replaced." }
        } @else {
            div.scroll { table {
                thead { tr { th { "Write" } th { "Attribute" } th { "Value replaced" } th { "From" } th { "Until" } } }
                tbody {
                    @for (version, ended) in history {
                        @for (field_id, values) in ended {
                            @if let Some(field) = table.field_by_id(field_id) {
                                @for value in values.iter().filter_map(|v| v.as_object()) {
                                    tr {
                                        td { (version) }
                                        td { (field.name) }
                                        td { (value_markup(links, &shown(field, value), labels)) }
                                        td.mono { (value.get("active_from").and_then(|v| v.as_str()).unwrap_or("")) }
                                        td.mono { (value.get("active_until").and_then(|v| v.as_str()).unwrap_or("")) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}
