//! What must hold while and after the table changes: a cursor walk returns every record
//! that existed from its first page to its last exactly once, whatever is inserted,
//! updated and deleted between its pages, on every plan; and after any writes (negative
//! zero and integers past 2^53 among them) every index entry and sentinel matches its
//! record, and a delete or a purge leaves none behind.

use std::collections::{BTreeMap, BTreeSet};

use api_tests::{display_number, display_numbers, join_all, Org, TestApi};
use serde_json::{json, Value};

const RECORDS: u64 = 60;

async fn table(api: &TestApi, org: &Org) {
    api.create_table(&org.key, "Walk", "W", "walk").await;
    for field in [
        json!({"key": "n", "indexed": true, "schema": {"name": "N", "type": "number"}}),
        json!({"key": "m", "schema": {"name": "M", "type": "number"}}),
        json!({"key": "note", "schema": {"name": "Note", "type": "text"}}),
        json!({"key": "tag", "schema": {"name": "Tag", "type": "text"}}),
    ] {
        api.add_field(&org.key, "walk", &field).await;
    }
}

/// Creates a record holding `n` in both number attributes: its display number and id.
async fn create(api: &TestApi, org: &Org, n: i64) -> (u64, String) {
    let note = format!("note {}", n.rem_euclid(3));
    let values = json!({"n": n, "m": n, "note": note, "tag": "new"});
    let reply = api.create_record(&org.key, "walk", &values).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let data = &reply.body["data"];
    (
        display_number(data),
        data["id"]["record_id"].as_str().unwrap().to_string(),
    )
}

/// Walks `body` 5 records a page; between pages, inserts records that sort before and
/// after everything, updates an attribute no query looks at, and deletes one record already
/// returned and one not yet returned. Every record that existed throughout (and matches)
/// must come exactly once.
async fn walk_while_writing(api: &TestApi, org: &Org, body: &Value, matches: impl Fn(i64) -> bool) {
    let mut live: BTreeMap<u64, (String, i64)> = BTreeMap::new();
    for (number, id, n) in all_records(api, org).await {
        live.insert(number, (id, n));
    }
    let at_start: BTreeSet<u64> = live.keys().copied().collect();
    let mut deleted: BTreeSet<u64> = BTreeSet::new();
    let mut seen: Vec<u64> = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0..100i64 {
        let mut page = body.clone();
        page["limit"] = json!(5);
        if let Some(c) = &cursor {
            page["cursor"] = json!(c);
        }
        let reply = api
            .bearer(&org.key, "POST", "/v2/objects/walk/records/query", Some(&page))
            .await;
        seen.extend(display_numbers(&reply));
        let Some(next) = reply.body["pagination"]["next_cursor"].as_str() else {
            break;
        };
        cursor = Some(next.to_string());
        for n in [-1000 - page_number, 1000 + page_number] {
            let (number, id) = create(api, org, n).await;
            live.insert(number, (id, n));
        }
        let returned = seen.iter().rev().find(|n| live.contains_key(n)).copied();
        let unreturned = live.keys().rev().find(|n| !seen.contains(n)).copied();
        for doomed in [returned, unreturned].into_iter().flatten() {
            let id = live[&doomed].0.clone();
            let reply = api
                .bearer(&org.key, "DELETE", &format!("/v2/objects/walk/records/{id}"), None)
                .await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            live.remove(&doomed);
            deleted.insert(doomed);
        }
        if let Some((id, _)) = live.values().nth(page_number as usize % 7) {
            // An attribute no walked query filters or sorts on: a record whose sorted value
            // changes mid-walk may come at its old place or its new one (docs/data-model.md).
            let patch = json!({"data": {"values": {"tag": format!("page {page_number}")}}});
            let path = format!("/v2/objects/walk/records/{id}");
            let reply = api.bearer(&org.key, "PATCH", &path, Some(&patch)).await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
        }
    }
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for n in &seen {
        *counts.entry(*n).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "{body}: records returned more than once: {twice:?}");
    let throughout: Vec<u64> = at_start
        .iter()
        .filter(|n| !deleted.contains(n))
        .filter(|n| matches(value_at_start(&live, **n)))
        .copied()
        .collect();
    let missed: Vec<_> = throughout.iter().filter(|n| !counts.contains_key(n)).collect();
    assert!(
        missed.is_empty(),
        "{body}: records that existed throughout were skipped: {missed:?}"
    );
}

fn value_at_start(live: &BTreeMap<u64, (String, i64)>, number: u64) -> i64 {
    live[&number].1
}

/// Every record of the table now: display number, id, and its `n`.
async fn all_records(api: &TestApi, org: &Org) -> Vec<(u64, String, i64)> {
    let reply = api
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/walk/records/query",
            Some(&json!({"limit": 1000})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                display_number(r),
                r["id"]["record_id"].as_str().unwrap().to_string(),
                r["values"]["n"][0]["value"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Which values of `n` a walked query matches.
type Matches = fn(i64) -> bool;

#[tokio::test]
async fn a_cursor_walk_returns_each_record_that_existed_throughout_exactly_once() {
    let api = TestApi::start().await;
    let org = api.create_org("Walks", "owner").await;
    table(&api, &org).await;
    join_all((0..RECORDS as i64).map(|i| create(&api, &org, (i * 7) % 20))).await;
    let plans: Vec<(Value, Matches)> = vec![
        // Display-number order.
        (json!({}), |_| true),
        // An index in order, both ways, and narrowed.
        (json!({"sorts": [{"attribute": "n", "direction": "asc"}]}), |_| true),
        (json!({"sorts": [{"attribute": "n", "direction": "desc"}]}), |_| true),
        (
            json!({"filter": {"n": {"$gte": 3, "$lt": 15}}, "sorts": [{"attribute": "n", "direction": "desc"}]}),
            |n| (3..15).contains(&n),
        ),
        // An index range, unsorted (display-number order).
        (json!({"filter": {"n": {"$gte": 5}}}), |n| n >= 5),
        // A sort no index gives, both ways, and two sorts.
        (json!({"sorts": [{"attribute": "m", "direction": "asc"}]}), |_| true),
        (json!({"sorts": [{"attribute": "m", "direction": "desc"}]}), |_| true),
        (
            json!({"filter": {"m": {"$lt": 12}}, "sorts": [{"attribute": "note", "direction": "asc"}, {"attribute": "m", "direction": "desc"}]}),
            |n| n < 12,
        ),
    ];
    for (body, matches) in &plans {
        walk_while_writing(&api, &org, body, matches).await;
    }
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn index_entries_and_sentinels_match_their_records_after_any_writes_and_none_outlive_them() {
    let api = TestApi::start().await;
    let org = api.create_org("Exact", "owner").await;
    api.create_table(&org.key, "Exact", "EX", "exact").await;
    for field in [
        json!({"key": "n", "indexed": true, "schema": {"name": "N", "type": "number"}}),
        json!({"key": "ms", "indexed": true, "schema": {"name": "MS", "type": "number", "array": true}}),
        json!({"key": "u", "unique": true, "indexed": true, "schema": {"name": "U", "type": "number"}}),
        json!({"key": "c", "indexed": true, "schema": {"name": "C", "type": "currency"}}),
    ] {
        api.add_field(&org.key, "exact", &field).await;
    }
    let values = [
        json!(-0.0),
        json!(0),
        json!(9007199254740992u64),
        json!(9007199254740993u64),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(1e100),
        json!("-0.0"),
    ];
    let mut ids = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let unique = json!(9007199254740993u64 + 2 * i as u64);
        let values = json!({"n": value, "ms": [value, i], "u": unique, "c": value});
        let reply = api.create_record(&org.key, "exact", &values).await;
        assert_eq!(reply.status, 200, "{values}: {:?}", reply.body);
        ids.push(reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string());
    }
    api.assert_audit_clean().await;
    // Negative zero is zero: both records, by the indexed and the unique attribute.
    let query = |filter: Value| {
        let api = &api;
        let org = &org;
        async move {
            let body = json!({ "filter": filter });
            let reply = api
                .bearer(&org.key, "POST", "/v2/objects/exact/records/query", Some(&body))
                .await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            reply.body["data"].as_array().unwrap().len()
        }
    };
    assert_eq!(query(json!({"n": 0})).await, 3, "0, -0.0 and \"-0.0\" are one value");
    assert_eq!(query(json!({"n": -0.0})).await, 3);
    assert_eq!(query(json!({"n": 9007199254740993u64})).await, 1);
    assert_eq!(query(json!({"u": 9007199254740995u64})).await, 1);
    assert_eq!(
        query(json!({"n": {"$gt": 9007199254740992u64}})).await,
        3,
        "…993, i64::MAX and 1e100"
    );
    // Every record moves its values, some to -0.0; then some are deleted.
    for (i, id) in ids.iter().enumerate() {
        let value = &values[(i + 3) % values.len()];
        let body = json!({"data": {"values": {"n": value, "ms": [value], "c": value}}});
        let path = format!("/v2/objects/exact/records/{id}");
        let reply = api.bearer(&org.key, "PATCH", &path, Some(&body)).await;
        assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    }
    api.assert_audit_clean().await;
    for id in ids.iter().step_by(2) {
        let path = format!("/v2/objects/exact/records/{id}");
        let reply = api.bearer(&org.key, "DELETE", &path, None).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    api.assert_audit_clean().await;
    // The purge leaves no entry and no sentinel of the organization behind.
    let reply = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", org.id), None)
        .await;
    assert!(reply.status < 300, "{:?}", reply.body);
    api.wait_for_purges().await;
    for prefix in ["IDX#", "UNIQUE#", "REC#", "RECNUM#"] {
        let left = api.items_with_pk_prefix(prefix).await;
        assert!(left.is_empty(), "{prefix} items outlive the purge: {left:?}");
    }
    api.assert_audit_clean().await;
}
