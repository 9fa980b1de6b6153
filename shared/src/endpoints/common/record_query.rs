//! `POST /v2/objects/{object}/records/query`: Attio's query, `{filter, sorts, limit (500),
//! offset}`, answering `{"data": [records]}`, and, beyond Attio, `cursor` in and
//! `pagination.next_cursor` out. Without sorts, records come by display number.
//!
//! A query costs the page it answers, not the table, whenever an index can give its order
//! (see [`crate::domain::filter::plan`]): display numbers (GSI1), or an indexed attribute.
//! Otherwise its reads are bounded: at most [`crate::store::index::MAX_EXAMINED`] records or index entries are
//! examined, and past that the query is refused with a 400 that says what to index. Memory
//! stays at the page: a sort without an index keeps only the best `offset + limit` records
//! as it reads. A cursor is a keyset position (see [`crate::cursor::Position`]): the next
//! page is what comes after the last record answered, so writes between pages move no
//! record that was there throughout across pages.

use std::cmp::Ordering;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{bearer_credential, Principal};
use crate::cursor::{CursorKey, Position};
use crate::domain::filter::{
    compare_ranks, parse_filter, parse_sorts, plan, rank, uses_paths, Filter, IndexScan, Linked, Plan, Rank, Sort,
    SortInput, Tables,
};
use crate::domain::organization::OrgId;
use crate::domain::record::{parse_value, Record};
use crate::domain::table::Table;
use crate::domain::Invalid;
use crate::endpoints::common::attio::{against_table, EntryBody, Kind, RecordBody, RecordFailure, RecordResponse};
use crate::error::ApiError;
use crate::http::{json_body, json_response};
use crate::state::AppState;
use crate::store::index::{Entry, IndexRange, ScanBudget, NO_VALUE};
use crate::store::StoreError;

/// The body of `POST .../records/query`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct QueryInput {
    filter: Option<Value>,
    #[serde(default, deserialize_with = "crate::domain::objects")]
    sorts: Vec<SortInput>,
    /// A whole number; Attio's OpenAPI types it as a number, and its SDK sends `10.0`.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(value_type = Option<f64>)]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(value_type = Option<f64>)]
    offset: Option<u64>,
    /// Ours, not Attio's: the `pagination.next_cursor` of the previous page of the same
    /// query (not with `offset`). A page by cursor costs the same wherever it is.
    cursor: Option<String>,
}

/// A count sent as any JSON number with no fraction (`10`, `10.0`, `1e1`); `null` is none.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(n) = number.as_u64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 9.0e15 => Ok(Some(f as u64)),
        _ => Err(serde::de::Error::custom(format_args!(
            "expected a whole number of at least 0, not {number}"
        ))),
    }
}

/// Attio's query answer: `{"data": [records]}`, with where the next page starts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordList {
    pub data: Vec<RecordBody>,
    pub pagination: QueryPagination,
}

/// Attio's entries query answer: `{"data": [entries]}`, with where the next page starts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryList {
    pub data: Vec<EntryBody>,
    pub pagination: QueryPagination,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueryPagination {
    /// Send it as `cursor` for the next page; `null` after a page that is not full (a full
    /// last page has one, whose page is empty).
    pub next_cursor: Option<String>,
}

pub async fn query(state: &AppState, principal: Principal, req: Request) -> Result<Response<Body>, ApiError> {
    query_of(state, principal, req, Kind::Object).await
}

/// The query of an object's records, or of a list's entries (`kind`): one planner.
pub(crate) async fn query_of(
    state: &AppState,
    principal: Principal,
    req: Request,
    kind: Kind,
) -> Result<Response<Body>, ApiError> {
    let req = &req;
    against_table(state, req, principal.org_id, kind, |table| query_in(state, req, table)).await
}

/// A query as parsed against its object, before anything is read.
struct Query<'q> {
    filter: Option<Filter>,
    sorts: Vec<Sort>,
    linked: Linked,
    table: &'q Table,
}

impl Query<'_> {
    fn matches(&self, record: &Record) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(record, &self.linked))
    }
}

async fn query_in(state: &AppState, req: &Request, table: Table) -> Result<Response<Body>, RecordFailure> {
    let input = if req.body().is_empty() {
        QueryInput {
            filter: None,
            sorts: Vec::new(),
            limit: None,
            offset: None,
            cursor: None,
        }
    } else {
        json_body::<QueryInput>(req)?
    };
    let limit = input.limit.unwrap_or(500) as usize;
    if limit == 0 || limit > 1000 {
        return Err(ApiError::validation("`limit` must be from 1 to 1000").into());
    }
    if input.cursor.is_some() && input.offset.is_some() {
        return Err(ApiError::validation("Send `cursor` or `offset`, not both").into());
    }
    let key = CursorKey::for_credential(bearer_credential(req.headers())?.expose());
    let offset = input.offset.unwrap_or(0) as usize;
    let (page, next_cursor) = page_of(
        state,
        &table,
        input.filter.as_ref(),
        &input.sorts,
        (input.cursor.as_deref(), offset),
        limit,
        &key,
    )
    .await?;
    let pagination = QueryPagination { next_cursor };
    let records = page.iter();
    let app_base = state.app_url.of_request(req);
    Ok(match Kind::of(&table) {
        Kind::Object => json_response(
            StatusCode::OK,
            &RecordList {
                data: records
                    .map(|r| RecordResponse::new(&app_base, &table, r).data)
                    .collect(),
                pagination,
            },
        ),
        Kind::List => json_response(
            StatusCode::OK,
            &EntryList {
                data: records.map(|r| EntryBody::new(&table, r)).collect(),
                pagination,
            },
        ),
    })
}

/// The records of `table` that `filter` (the records query's JSON) matches, in `sorts`'
/// order, the first `want` of them: another dialect's list (SmartSuite's) run through the
/// same planner, indexes and bounds as Attio's query.
pub(crate) async fn matching(
    state: &AppState,
    table: &Table,
    filter: Option<&Value>,
    sorts: &[SortInput],
    want: usize,
) -> Result<Vec<Record>, RecordFailure> {
    let mut budget = state.store.scan_budget();
    let query = parsed(state, table, filter, sorts, &mut budget).await?;
    let found = read(state, &query, None, want, &mut budget).await?;
    Ok(found.into_iter().map(|(record, _)| record).collect())
}

/// A query parsed against `table`, with the records its paths reach: what is read before
/// the table's own records. A path crosses into the organization's other tables: they
/// (and the records of those it reaches) are read only when one is used.
async fn parsed<'q>(
    state: &AppState,
    table: &'q Table,
    filter: Option<&Value>,
    sorts: &[SortInput],
    budget: &mut ScanBudget,
) -> Result<Query<'q>, RecordFailure> {
    let others = if uses_paths(filter, sorts) {
        state.store.tables(OrgId(table.org_id)).await?
    } else {
        Vec::new()
    };
    let tables = Tables(&others);
    let filter = filter.map(|f| parse_filter(table, tables, f, "filter")).transpose()?;
    let sorts = parse_sorts(table, tables, sorts)?;
    let linked = linked_records(state, &others, filter.as_ref(), &sorts, budget).await?;
    Ok(Query {
        filter,
        sorts,
        linked,
        table,
    })
}

/// What a cursor is bound to besides the org and object: the query's filter and sorts, as
/// sent (the limit may change from page to page).
fn fingerprint(filter: Option<&Value>, sorts: &[SortInput]) -> String {
    let parts = serde_json::json!([filter, sorts]);
    crate::digest::sha256_hex(&parts.to_string())
}

/// One page of `table`'s records that `filter` matches, in `sorts`' order: after `cursor`
/// (a `next_cursor` of the same filter and sorts, sealed under `key`), or else after
/// `offset` answers; with the next page's cursor when the page is full (whose page may
/// be empty, as DynamoDB's own paging does: telling a last full page from the others
/// would cost one more record read on every page). Attio's query and the records page
/// both answer through it.
pub(crate) async fn page_of(
    state: &AppState,
    table: &Table,
    filter: Option<&Value>,
    sorts: &[SortInput],
    (cursor, offset): (Option<&str>, usize),
    limit: usize,
    key: &CursorKey,
) -> Result<(Vec<Record>, Option<String>), RecordFailure> {
    let fingerprint = fingerprint(filter, sorts);
    let start = cursor
        .map(|c| key.open(c, table.org_id, &table.id, &fingerprint))
        .transpose()?;
    let mut budget = state.store.scan_budget();
    let query = parsed(state, table, filter, sorts, &mut budget).await?;
    let skip = if start.is_some() { 0 } else { offset };
    let found = read(state, &query, start, skip.saturating_add(limit), &mut budget).await?;
    let page: Vec<(Record, Position)> = found.into_iter().skip(skip).take(limit).collect();
    let next_cursor = page
        .last()
        .filter(|_| page.len() == limit)
        .map(|(_, position)| key.seal(table.org_id, &table.id, &fingerprint, position.clone()));
    tracing::debug!(examined = budget.examined(), answered = page.len(), "records query");
    Ok((page.into_iter().map(|(record, _)| record).collect(), next_cursor))
}

/// A cursor whose position this query cannot have made (the object changed under it).
fn stale() -> StoreError {
    StoreError::Invalid(Invalid::value(
        "`cursor` no longer fits this query: the object changed; start again without it",
    ))
}

/// Up to `want` matches after `start`, in the query's order, each with the position just
/// after it.
async fn read(
    state: &AppState,
    query: &Query<'_>,
    start: Option<Position>,
    want: usize,
    budget: &mut ScanBudget,
) -> Result<Vec<(Record, Position)>, StoreError> {
    match plan(query.table, query.filter.as_ref(), &query.sorts) {
        Plan::Numbers if query.sorts.is_empty() => by_number(state, query, after_number(start)?, want, budget).await,
        Plan::Numbers => {
            let after = match start {
                None => None,
                Some(Position::AfterRank(rank)) if rank.keys.len() == query.sorts.len() => Some(rank),
                Some(_) => return Err(stale()),
            };
            sorted_in_memory(state, query, after, want, budget).await
        }
        Plan::Index(scan) if scan.in_order => by_index(state, query, &scan, start, want, budget).await,
        Plan::Index(scan) => range_by_number(state, query, &scan, after_number(start)?, want, budget).await,
        Plan::Unique { field_id, value } => {
            let after = after_number(start)?;
            let record = holder(state, query.table, &field_id, &value).await?;
            Ok(record
                .filter(|r| after.is_none_or(|n| r.number > n) && query.matches(r))
                .map(|r| {
                    let position = Position::AfterNumber(r.number);
                    (r, position)
                })
                .into_iter()
                .collect())
        }
    }
}

/// The record holding `value` of unique field `field_id`, by its sentinel. A value the
/// field could not hold (it does not parse as one) is held by none.
async fn holder(state: &AppState, table: &Table, field_id: &str, value: &Value) -> Result<Option<Record>, StoreError> {
    let Some(field) = table.fields.values().find(|f| f.id == field_id) else {
        return Ok(None);
    };
    let Ok(parsed) = parse_value(field, value, "filter") else {
        return Ok(None);
    };
    state
        .store
        .record_by_unique_value(OrgId(table.org_id), table, field, &parsed)
        .await
}

/// The display number a page in display-number order starts after.
fn after_number(start: Option<Position>) -> Result<Option<u64>, StoreError> {
    match start {
        None => Ok(None),
        Some(Position::AfterNumber(n)) => Ok(Some(n)),
        Some(_) => Err(stale()),
    }
}

/// In display-number order: GSI1 from `after`, until `want` match.
async fn by_number(
    state: &AppState,
    query: &Query<'_>,
    after: Option<u64>,
    want: usize,
    budget: &mut ScanBudget,
) -> Result<Vec<(Record, Position)>, StoreError> {
    let mut found = Vec::new();
    state
        .store
        .visit_records(query.table, after, budget, want, |record| {
            if query.matches(&record) {
                let position = Position::AfterNumber(record.number);
                found.push((record, position));
            }
            found.len() < want
        })
        .await?;
    Ok(found)
}

/// A sort no index gives: every match is read (within the budget), and only the first
/// `want` that sort after `after` are kept while reading.
async fn sorted_in_memory(
    state: &AppState,
    query: &Query<'_>,
    after: Option<Rank>,
    want: usize,
    budget: &mut ScanBudget,
) -> Result<Vec<(Record, Position)>, StoreError> {
    let sorts = &query.sorts;
    let order = |a: &(Rank, Record), b: &(Rank, Record)| compare_ranks(&a.0, &b.0, sorts);
    let mut best = Best::new(want, order);
    state
        .store
        .visit_records(query.table, None, budget, 1000, |record| {
            if query.matches(&record) {
                let place = rank(&record, sorts, &query.linked);
                if after.as_ref().is_none_or(|a| compare_ranks(&place, a, sorts).is_gt()) {
                    best.push((place, record));
                }
            }
            true
        })
        .await?;
    Ok(best
        .into_sorted()
        .into_iter()
        .map(|(place, record)| (record, Position::AfterRank(place)))
        .collect())
}

/// A range of an index, unsorted: its matches after display number `after`, in
/// display-number order.
async fn range_by_number(
    state: &AppState,
    query: &Query<'_>,
    scan: &IndexScan,
    after: Option<u64>,
    want: usize,
    budget: &mut ScanBudget,
) -> Result<Vec<(Record, Position)>, StoreError> {
    let mut best = Best::new(want, |a: &Record, b: &Record| a.number.cmp(&b.number));
    let range = IndexRange::of(scan);
    state
        .store
        .visit_index(query.table, &range, budget, 1000, |_, record| {
            if after.is_none_or(|n| record.number > n) && query.matches(&record) {
                best.push(record);
            }
            true
        })
        .await?;
    Ok(best
        .into_sorted()
        .into_iter()
        .map(|r| {
            let position = Position::AfterNumber(r.number);
            (r, position)
        })
        .collect())
}

/// In an index's order: its values from `start`, then (a sort over every record) the
/// records without a value, in display-number order in the sort's direction.
async fn by_index(
    state: &AppState,
    query: &Query<'_>,
    scan: &IndexScan,
    start: Option<Position>,
    want: usize,
    budget: &mut ScanBudget,
) -> Result<Vec<(Record, Position)>, StoreError> {
    let values = IndexRange::of(scan);
    let without = IndexRange::without_value(&scan.field_id, scan.descending);
    let (values, without) = match start {
        None => (Some(values), without),
        Some(Position::AfterEntry { value, number }) if value == NO_VALUE && scan.then_without_value => {
            (None, without.after(&value, number))
        }
        Some(Position::AfterEntry { value, number }) => (Some(values.after(&value, number)), without),
        Some(_) => return Err(stale()),
    };
    let mut found = Vec::new();
    let mut collect = |entry: Entry, record: Record| {
        if query.matches(&record) {
            let position = Position::AfterEntry {
                value: entry.value,
                number: entry.number,
            };
            found.push((record, position));
        }
        found.len() < want
    };
    let mut more = true;
    if let Some(values) = values {
        more = state
            .store
            .visit_index(query.table, &values, budget, want, &mut collect)
            .await?;
    }
    if scan.then_without_value && more {
        state
            .store
            .visit_index(query.table, &without, budget, want, &mut collect)
            .await?;
    }
    Ok(found)
}

/// The first `capacity` of what is pushed, in `order`, holding at most twice that at once.
struct Best<T, F> {
    capacity: usize,
    order: F,
    kept: Vec<T>,
}

impl<T, F: Fn(&T, &T) -> Ordering> Best<T, F> {
    fn new(capacity: usize, order: F) -> Self {
        Self {
            capacity,
            order,
            kept: Vec::new(),
        }
    }

    fn push(&mut self, item: T) {
        self.kept.push(item);
        if self.kept.len() >= self.capacity.saturating_mul(2).max(64) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.kept.sort_by(&self.order);
        self.kept.truncate(self.capacity);
    }

    fn into_sorted(mut self) -> Vec<T> {
        self.trim();
        self.kept
    }
}

/// The records of every table the query's paths reach, by id, within the query's budget.
async fn linked_records(
    state: &AppState,
    tables: &[Table],
    filter: Option<&Filter>,
    sorts: &[Sort],
    budget: &mut ScanBudget,
) -> Result<Linked, StoreError> {
    let mut reached: Vec<String> = filter.map(Filter::reached_tables).unwrap_or_default();
    reached.extend(sorts.iter().flat_map(|s| s.reached_tables().iter().cloned()));
    reached.sort();
    reached.dedup();
    let mut linked = Linked::new();
    for table in tables.iter().filter(|t| reached.contains(&t.id)) {
        state
            .store
            .visit_records(table, None, budget, 1000, |record| {
                linked.insert(record.id.clone(), record);
                true
            })
            .await?;
    }
    Ok(linked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(number: u64) -> Record {
        Record {
            id: number.to_string(),
            org_id: 1,
            table_id: "t".into(),
            number,
            created_at: String::new(),
            created_by: String::new(),
            values: Default::default(),
            version: 0,
            ref_count: 0,
        }
    }

    #[test]
    fn best_keeps_the_first_of_any_number() {
        for (pushed, capacity) in [(0u64, 5usize), (3, 5), (1000, 5), (1000, 1), (200, 64)] {
            let mut best = Best::new(capacity, |a: &Record, b: &Record| b.number.cmp(&a.number));
            for n in 0..pushed {
                best.push(record((n * 7919) % pushed.max(1)));
            }
            let kept: Vec<u64> = best.into_sorted().iter().map(|r| r.number).collect();
            let expected: Vec<u64> = (0..pushed).rev().take(capacity).collect();
            assert_eq!(kept, expected, "{pushed} {capacity}");
        }
    }
}
