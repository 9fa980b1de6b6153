//! `GET /app/{workspace}/{object}`: a table's records, [`PAGE_SIZE`] a page, paged by
//! cursor, in an order (`sort`, `direction`) and with a simple filter (`attribute` equal to
//! `value`): the records query's planner, indexes and bounds (`common::record_query`), so a
//! page costs what the same query costs through the API. The cursor is sealed under the
//! session, bound to the filter and the order.

use lambda_http::{Body, Request, Response};
use maud::{html, Markup};
use serde_json::Value;

use crate::auth::Viewer;
use crate::cursor::CursorKey;
use crate::domain::filter::SortInput;
use crate::domain::record::Record;
use crate::domain::table::{FieldDef, FieldType, Table};
use crate::endpoints::common::pages::{
    shown, table_in_path, value_markup, workspace_in_path, workspace_page, Labels, Links,
};
use crate::endpoints::common::record_query::page_of;
use crate::error::ApiError;
use crate::http::query_param;
use crate::state::AppState;

/// Records a page shows.
pub const PAGE_SIZE: usize = 50;
/// Attributes a page shows as columns (the display attribute first); the record's page
/// shows them all.
const COLUMNS: usize = 6;

/// What the page was asked for, from its query string.
struct Asked<'r> {
    sort: Option<&'r FieldDef>,
    descending: bool,
    filter: Option<(&'r FieldDef, String)>,
    cursor: Option<String>,
}

pub async fn show(state: &AppState, viewer: Viewer, req: Request) -> Result<Response<Body>, ApiError> {
    let links = workspace_in_path(state, &viewer, &req)?;
    let table = table_in_path(state, &viewer, &req).await?;
    let asked = asked(&req, &table)?;
    let filter = asked
        .filter
        .as_ref()
        .map(|(field, value)| serde_json::json!({ field.key.clone(): typed(field, value) }));
    let sorts: Vec<SortInput> = asked
        .sort
        .map(|field| SortInput {
            attribute: Some(field.key.clone()),
            direction: Some(if asked.descending { "desc" } else { "asc" }.into()),
            field: None,
            path: None,
        })
        .into_iter()
        .collect();
    let key = CursorKey::for_credential(viewer.session.as_bytes());
    let (records, next) = page_of(
        state,
        &table,
        filter.as_ref(),
        &sorts,
        (asked.cursor.as_deref(), 0),
        PAGE_SIZE,
        &key,
    )
    .await?;
    let content = html! {
        p.crumbs { a href=(links.tables()) { "Tables" } " / " (table.name) }
        h1 { (table.name) }
        (controls(&table, &asked))
        (records_table(&links, &table, &records))
        div.pager {
            @if asked.cursor.is_some() {
                a href=(page_link(&links, &table, &asked, None)) { "First page" }
            }
            @if let Some(next) = &next {
                a rel="next" href=(page_link(&links, &table, &asked, Some(next))) { "Next page" }
            }
        }
    };
    workspace_page(state, &viewer, &links, &table.name, content).await
}

/// The query string read against the table: unknown attributes are a 400, not ignored.
fn asked<'t>(req: &Request, table: &'t Table) -> Result<Asked<'t>, ApiError> {
    let field = |name: &str| -> Result<Option<&'t FieldDef>, ApiError> {
        match query_param(req, name)?.filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(key) => table
                .field_by_key(key)
                .filter(|f| !f.archived)
                .map(Some)
                .ok_or_else(|| ApiError::validation(format!("`{name}`: this table has no attribute `{key}`"))),
        }
    };
    let descending = match query_param(req, "direction")? {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "`direction` is asc or desc, not `{other}`"
            )))
        }
    };
    let value = query_param(req, "value")?.unwrap_or_default().to_string();
    Ok(Asked {
        sort: field("sort")?,
        descending,
        filter: field("attribute")?.map(|f| (f, value)),
        cursor: query_param(req, "cursor")?
            .filter(|c| !c.is_empty())
            .map(str::to_string),
    })
}

/// A filter value as the attribute's type takes it: a number, true or false, or text.
fn typed(field: &FieldDef, value: &str) -> Value {
    let numeric = matches!(
        field.field_type,
        FieldType::Number | FieldType::Rating | FieldType::Currency
    );
    match field.field_type {
        _ if numeric => value
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(value.to_string()), Value::Number),
        FieldType::Checkbox => match value.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_string()),
        },
        _ => Value::String(value.to_string()),
    }
}

/// The filter and order form (a GET: it changes nothing).
fn controls(table: &Table, asked: &Asked) -> Markup {
    let fields = table.ordered_fields();
    let is = |f: &FieldDef, chosen: Option<&FieldDef>| chosen.is_some_and(|c| c.id == f.id);
    html! {
        form.filter method="get" {
            label { "Attribute"
                select name="attribute" {
                    option value="" { "(any)" }
                    @for f in &fields {
                        option value=(f.key) selected[is(f, asked.filter.as_ref().map(|(f, _)| *f))] { (f.name) }
                    }
                }
            }
            label { "equals"
                input type="text" name="value" value=(asked.filter.as_ref().map(|(_, v)| v.as_str()).unwrap_or(""));
            }
            label { "Sort by"
                select name="sort" {
                    option value="" { "(number)" }
                    @for f in &fields {
                        option value=(f.key) selected[is(f, asked.sort)] { (f.name) }
                    }
                }
            }
            label { "Order"
                select name="direction" {
                    option value="asc" selected[!asked.descending] { "ascending" }
                    option value="desc" selected[asked.descending] { "descending" }
                }
            }
            button type="submit" { "Apply" }
        }
    }
}

fn records_table(links: &Links, table: &Table, records: &[Record]) -> Markup {
    let mut columns: Vec<&FieldDef> = table.ordered_fields();
    columns.sort_by_key(|f| f.id != table.display_field_id);
    columns.truncate(COLUMNS);
    html! {
        @if records.is_empty() {
            p.muted { "No records." }
        } @else {
            div.scroll { table {
                thead { tr {
                    th { "Record" }
                    @for field in &columns { th { (field.name) } }
                } }
                tbody {
                    @for record in records {
                        tr {
                            td { a href=(links.record(&table.api_slug, &record.id)) {
                                (table.record_prefix) "-" (record.number)
                            } }
                            @for field in &columns {
                                td { @for value in record.active(&field.id) {
                                    div { (value_markup(links, &shown(field, value), &Labels::new())) }
                                } }
                            }
                        }
                    }
                }
            } }
            p.muted { (records.len()) " records on this page" }
        }
    }
}

/// This page's link with another cursor (or none: the first page).
fn page_link(links: &Links, table: &Table, asked: &Asked, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some((field, value)) = &asked.filter {
        query.append_pair("attribute", &field.key).append_pair("value", value);
    }
    if let Some(field) = asked.sort {
        query
            .append_pair("sort", &field.key)
            .append_pair("direction", if asked.descending { "desc" } else { "asc" });
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    let query = query.finish();
    if query.is_empty() {
        links.records(table)
    } else {
        format!("{}?{query}", links.records(table))
    }
}
