//! Records queries at scale: indexed attributes answer sorts and equality and range
//! filters from their index, cursors walk every order, and a query no index can answer is
//! bounded. Every answer is checked against the order computed here from what was created.

use std::cmp::Ordering;

use api_tests::{assert_error, Org, Reply, TestApi};
use serde_json::{json, Value};

const RECORDS: u64 = 300;

/// What one created record holds, by display number.
#[derive(Debug, Clone)]
struct Deal {
    number: u64,
    amount: Option<f64>,
    stage: String,
    note: String,
    code: String,
}

async fn setup(api: &TestApi, org: &Org) -> Vec<Deal> {
    let body = json!({"name": "Deals", "record_prefix": "D", "api_slug": "deals"});
    let reply = api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    for field in [
        json!({"key": "amount", "indexed": true, "schema": {"name": "Amount", "type": "number"}}),
        json!({"key": "stage", "indexed": true, "schema": {"name": "Stage", "type": "text"}}),
        json!({"key": "note", "schema": {"name": "Note", "type": "text"}}),
        json!({"key": "code", "unique": true, "schema": {"name": "Code", "type": "text"}}),
    ] {
        let reply = api
            .bearer(&org.key, "POST", "/orgs/c/tables/deals/fields", Some(&field))
            .await;
        assert_eq!(reply.status, 200, "{field}: {:?}", reply.body);
    }
    // Straight into the table (the queries, not the creates, are what these tests are
    // about): record n is D-(n + 1).
    let values = |n: usize| {
        let n = n as u64;
        let stage = ["Won", "won", "Lost", "Open"][(n % 4) as usize];
        let note = format!("{}-{n}", ["beta", "Alpha", "gamma"][(n % 3) as usize]);
        let mut values = json!({"stage": stage, "note": note, "code": format!("C{n}")});
        if n % 10 != 3 {
            values["amount"] = json!((n * 37 % 100) as f64 / 2.0 - 10.0);
        }
        values
    };
    let seeded = api.seed_records(org, "deals", RECORDS as usize, values).await;
    (0..RECORDS as usize)
        .zip(&seeded)
        .map(|(n, record)| {
            let values = values(n);
            Deal {
                number: record.number,
                amount: values["amount"].as_f64(),
                stage: values["stage"].as_str().unwrap().to_string(),
                note: values["note"].as_str().unwrap().to_string(),
                code: values["code"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn deal(record: &Value) -> Deal {
    Deal {
        number: record["display_id"].as_str().unwrap()[2..].parse().unwrap(),
        amount: record["values"]["amount"][0]["value"].as_f64(),
        stage: record["values"]["stage"][0]["value"].as_str().unwrap().to_string(),
        note: record["values"]["note"][0]["value"].as_str().unwrap().to_string(),
        code: record["values"]["code"][0]["value"].as_str().unwrap().to_string(),
    }
}

fn numbers(reply: &Reply) -> Vec<u64> {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| deal(r).number)
        .collect()
}

async fn query(api: &TestApi, org: &Org, body: &Value) -> Reply {
    api.bearer(&org.key, "POST", "/v2/objects/deals/records/query", Some(body))
        .await
}

/// Every page of `body` by cursor, `limit` at a time.
async fn walk(api: &TestApi, org: &Org, body: &Value, limit: u64) -> Vec<u64> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..=RECORDS {
        let mut page = body.clone();
        page["limit"] = json!(limit);
        if let Some(c) = &cursor {
            page["cursor"] = json!(c);
        }
        let reply = query(api, org, &page).await;
        all.extend(numbers(&reply));
        match reply.body["pagination"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return all,
        }
    }
    panic!("the cursor never ended: {body}");
}

/// Records by amount (up or down), ties and the records without one (which come last) by
/// display number in the same direction.
fn by_amount(deals: &[Deal], descending: bool) -> Vec<u64> {
    let mut sorted = deals.to_vec();
    sorted.sort_by(|a, b| {
        let order = match (a.amount, b.amount) {
            (Some(x), Some(y)) if descending => y.total_cmp(&x),
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let by_number = if descending {
            b.number.cmp(&a.number)
        } else {
            a.number.cmp(&b.number)
        };
        order.then(by_number)
    });
    sorted.iter().map(|d| d.number).collect()
}

fn only(deals: &[Deal], keep: impl Fn(&Deal) -> bool) -> Vec<Deal> {
    deals.iter().filter(|d| keep(d)).cloned().collect()
}

fn numbers_of(deals: &[Deal]) -> Vec<u64> {
    deals.iter().map(|d| d.number).collect()
}

#[tokio::test]
async fn indexed_queries_agree_with_the_order_and_cursors_walk_every_one() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let deals = setup(&api, &org).await;
    let in_range = |d: &Deal| d.amount.is_some_and(|a| (20.0..30.0).contains(&a));
    let cases: Vec<(Value, Vec<u64>)> = vec![
        (json!({}), numbers_of(&deals)),
        (
            json!({"sorts": [{"attribute": "amount", "direction": "asc"}]}),
            by_amount(&deals, false),
        ),
        (
            json!({"sorts": [{"attribute": "amount", "direction": "desc"}]}),
            by_amount(&deals, true),
        ),
        (
            json!({"filter": {"amount": 12}}),
            numbers_of(&only(&deals, |d| d.amount == Some(12.0))),
        ),
        (
            json!({"filter": {"amount": {"$gte": 20, "$lt": 30}}}),
            numbers_of(&only(&deals, in_range)),
        ),
        (
            json!({"filter": {"stage": "Won"}, "sorts": [{"attribute": "amount", "direction": "desc"}]}),
            by_amount(&only(&deals, |d| d.stage == "Won"), true),
        ),
        (
            json!({"filter": {"$and": [{"amount": {"$gt": 0}}, {"note": {"$contains": "alpha"}}]}, "sorts": [{"attribute": "amount", "direction": "asc"}]}),
            by_amount(
                &only(&deals, |d| {
                    d.amount.is_some_and(|a| a > 0.0) && d.note.starts_with("Alpha")
                }),
                false,
            ),
        ),
        (
            json!({"filter": {"code": "C17"}}),
            numbers_of(&only(&deals, |d| d.code == "C17")),
        ),
        (
            json!({"filter": {"$and": [{"code": "C18"}, {"stage": "Lost"}]}}),
            numbers_of(&only(&deals, |d| d.code == "C18" && d.stage == "Lost")),
        ),
        (
            json!({"filter": {"stage": "won"}}),
            numbers_of(&only(&deals, |d| d.stage == "won")),
        ),
        (json!({"sorts": [{"attribute": "note", "direction": "desc"}]}), {
            let mut sorted = deals.clone();
            sorted.sort_by(|a, b| {
                b.note
                    .to_lowercase()
                    .cmp(&a.note.to_lowercase())
                    .then(a.number.cmp(&b.number))
            });
            numbers_of(&sorted)
        }),
    ];
    for (body, expected) in &cases {
        assert!(!expected.is_empty(), "{body} matches something");
        let mut whole = body.clone();
        whole["limit"] = json!(1000);
        assert_eq!(&numbers(&query(&api, &org, &whole).await), expected, "{body}");
        let mut slice = body.clone();
        slice["limit"] = json!(9);
        slice["offset"] = json!(5);
        let end = expected.len().min(14);
        assert_eq!(
            numbers(&query(&api, &org, &slice).await),
            expected[5.min(end)..end],
            "{body} offset 5"
        );
        assert_eq!(&walk(&api, &org, body, 7).await, expected, "{body} by cursor");
    }
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn indexed_queries_read_a_page_and_the_others_are_bounded() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let deals = setup(&api, &org).await;
    // The same table through a container whose queries may examine 150 records or index
    // entries: half the table.
    let bounded = api.with_scan_limit(150).await;
    let first = |body: Value| {
        let (bounded, org) = (&bounded, &org);
        async move {
            let mut body = body;
            body["limit"] = json!(10);
            query(bounded, org, &body).await
        }
    };
    for body in [
        json!({}),
        json!({"sorts": [{"attribute": "amount", "direction": "asc"}]}),
        json!({"sorts": [{"attribute": "amount", "direction": "desc"}]}),
        json!({"filter": {"amount": 12}}),
        json!({"filter": {"amount": {"$gte": 20, "$lt": 30}}}),
        json!({"filter": {"stage": "Open"}}),
        json!({"filter": {"code": "C299"}}),
    ] {
        let reply = first(body.clone()).await;
        assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    }
    // The last page of a sort, by cursor: each page reads about a page.
    let sort = json!({"sorts": [{"attribute": "amount", "direction": "desc"}]});
    assert_eq!(walk(&bounded, &org, &sort, 25).await, by_amount(&deals, true));
    // No index answers these: past the bound they are refused, naming what to do.
    for body in [
        json!({"sorts": [{"attribute": "note", "direction": "asc"}]}),
        json!({"filter": {"note": {"$ends_with": "-299"}}}),
        json!({"offset": 200}),
    ] {
        let reply = first(body.clone()).await;
        assert_error(&reply, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("indexed") && message.contains("150"),
            "{body}: {message}"
        );
    }
}

#[tokio::test]
async fn a_cursor_is_bound_to_its_query_object_and_key() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let body = json!({"filter": {"stage": "Open"}, "limit": 5});
    let reply = query(&api, &org, &body).await;
    let cursor = reply.body["pagination"]["next_cursor"].as_str().unwrap().to_string();
    let with = |mut body: Value, cursor: &str| {
        body["cursor"] = json!(cursor);
        body
    };
    let next = query(&api, &org, &with(body.clone(), &cursor)).await;
    assert_eq!(next.status, 200, "{:?}", next.body);
    let (payload, tag) = cursor.split_once('.').unwrap();
    let mut flipped = payload.as_bytes().to_vec();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{}.{tag}", String::from_utf8(flipped).unwrap());
    let mut offset = with(body.clone(), &cursor);
    offset["offset"] = json!(5);
    for refused in [
        with(body.clone(), &tampered),
        with(json!({"filter": {"stage": "Won"}, "limit": 5}), &cursor),
        with(body.clone(), "not-a-cursor"),
        with(body.clone(), ""),
        offset,
    ] {
        assert_error(&query(&api, &org, &refused).await, 400);
    }
    // Another organization's key, on its own object of the same slug.
    let other = api.create_org("Other", "other-owner").await;
    let table = json!({"name": "Deals", "record_prefix": "D", "api_slug": "deals"});
    assert_eq!(
        api.bearer(&other.key, "POST", "/orgs/c/tables", Some(&table))
            .await
            .status,
        200
    );
    assert_error(&query(&api, &other, &with(body.clone(), &cursor)).await, 400);
}

/// An index holds an entry for every record from the table's first: an indexed field is
/// refused on a table that has had records (it would leave those without entries), and the
/// refusal changes nothing.
#[tokio::test]
async fn an_indexed_field_is_made_before_the_first_record() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let body = json!({"name": "Deals", "record_prefix": "D", "api_slug": "deals"});
    assert_eq!(
        api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await.status,
        200
    );
    let record = json!({"data": {"values": {"name": "First"}}});
    let reply = api
        .bearer(&org.key, "POST", "/v2/objects/deals/records", Some(&record))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let before = api.items().await;
    let indexed = json!({"key": "amount", "indexed": true, "schema": {"name": "Amount", "type": "number"}});
    let reply = api
        .bearer(&org.key, "POST", "/orgs/c/tables/deals/fields", Some(&indexed))
        .await;
    assert_error(&reply, 400);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("before its first record"),
        "{:?}",
        reply.body
    );
    let attribute = json!({"data": {"title": "Amount", "api_slug": "amount", "type": "number",
        "is_required": false, "is_unique": false, "is_multiselect": false, "is_indexed": true}});
    let reply = api
        .bearer(&org.key, "POST", "/v2/objects/deals/attributes", Some(&attribute))
        .await;
    assert_error(&reply, 400);
    assert_eq!(api.items().await, before, "nothing changed");
    let plain = json!({"key": "amount", "schema": {"name": "Amount", "type": "number"}});
    assert_eq!(
        api.bearer(&org.key, "POST", "/orgs/c/tables/deals/fields", Some(&plain))
            .await
            .status,
        200
    );
    api.assert_audit_clean().await;
}
