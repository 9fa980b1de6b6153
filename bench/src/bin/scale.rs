//! `make bench` (its second part): records queries as a table grows to 1,000, 10,000 and
//! 100,000 records, through the in-process gateway (release build) against DynamoDB Local.
//!
//! Per size, per query: p50 of 20 requests, DynamoDB calls and read capacity per request
//! (the meter asks every call for its consumed capacity), and the ratio to a GET of one
//! record in the same run. Then the query function's peak RSS at the largest size (the
//! release `query-records` binary under the Runtime API harness, one process per query),
//! and the capacity of a record create with and without indexed and unique values; a bulk
//! create beside single creates, a referenced record's delete beside a plain one, and
//! Attio's list entries (at most 10,000) beside a GET of one, and Attio's record search (every
//! record indexed by the backfill) beside a GET of one.
//! Writes bench/scale.md. `SCALE_SIZES=1000,10000` runs fewer sizes.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use api_tests::runtime::run;
use api_tests::{repo_root, Org, Reply, TestApi};
use bench::{ms, percentile, Meter};
use serde_json::{json, Value};

const SAMPLES: usize = 20;
const STAGES: [&str; 4] = ["Won", "Lost", "Open", "New"];

/// One measured request: its method, path and body.
struct Request {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// SmartSuite's route (`Token` and `ACCOUNT-ID`), not Attio's (`Bearer`).
    smartsuite: bool,
}

struct Measure {
    name: &'static str,
    status: u16,
    p50: Duration,
    calls: f64,
    units: f64,
}

fn query(name: &'static str, body: Value) -> Request {
    Request {
        name,
        method: "POST",
        path: "/v2/objects/deals/records/query".into(),
        body: Some(body),
        smartsuite: false,
    }
}

/// The GET of one record every table of figures is measured beside.
fn get_one_record() -> Request {
    Request {
        name: "GET one record",
        method: "GET",
        path: "/v2/objects/deals/records/D-500".into(),
        body: None,
        smartsuite: false,
    }
}

/// SmartSuite's records list of the same table (`POST .../records/list/`).
fn smartsuite_list(name: &'static str, body: Value) -> Request {
    Request {
        name,
        method: "POST",
        path: "/api/v1/applications/deals/records/list/?limit=10".into(),
        body: Some(body),
        smartsuite: true,
    }
}

/// The queries the issue names, at one size (the cursor of page 50 read first).
async fn requests(api: &TestApi, org: &Org) -> Vec<Request> {
    let sort = json!({"sorts": [{"attribute": "amount", "direction": "desc"}], "limit": 10});
    let mut cursor = Value::Null;
    for _ in 0..49 {
        let mut page = sort.clone();
        if !cursor.is_null() {
            page["cursor"] = cursor.clone();
        }
        let reply = api
            .bearer(&org.key, "POST", "/v2/objects/deals/records/query", Some(&page))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        cursor = reply.body["pagination"]["next_cursor"].clone();
    }
    let mut page_50 = sort.clone();
    page_50["cursor"] = cursor;
    vec![
        get_one_record(),
        query("`{limit: 10}`", json!({"limit": 10})),
        query(
            "equality on an indexed attribute",
            json!({"filter": {"stage": "Open"}, "limit": 10}),
        ),
        query("sort by an indexed attribute", sort),
        query("page 50 by cursor (that sort)", page_50),
        query(
            "equality on a unique attribute",
            json!({"filter": {"code": "C777"}, "limit": 10}),
        ),
        query(
            "unindexed filter, matching nothing (reads to its bound)",
            json!({"filter": {"note": {"$ends_with": "-none"}}, "limit": 10}),
        ),
        smartsuite_list(
            "SmartSuite list, `limit=10` (its `total` is the kept record count)",
            json!({}),
        ),
        smartsuite_list(
            "SmartSuite list, `is` on an indexed field",
            json!({"filter": {"operator": "and", "fields": [{"field": "stage", "comparison": "is", "value": "Open"}]}}),
        ),
    ]
}

async fn measure(api: &TestApi, meter: &Meter, org: &Org, request: &Request) -> Measure {
    let send = || async {
        if request.smartsuite {
            api.token(&org.key, org.id, request.method, &request.path, request.body.as_ref())
                .await
        } else {
            api.bearer(&org.key, request.method, &request.path, request.body.as_ref())
                .await
        }
    };
    let mut status = 0;
    for _ in 0..3 {
        status = send().await.status;
    }
    let (calls_before, units_before) = meter.read();
    let mut took = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let reply: Reply = send().await;
        took.push(started.elapsed());
        assert_eq!(reply.status, status, "{}: {:?}", request.name, reply.body);
    }
    let (calls_after, units_after) = meter.read();
    Measure {
        name: request.name,
        status,
        p50: percentile(&mut took, 0.5),
        calls: (calls_after - calls_before) as f64 / SAMPLES as f64,
        units: (units_after - units_before) / SAMPLES as f64,
    }
}

fn deal_values(n: usize) -> Value {
    json!({
        "name": format!("Deal {n}"),
        "amount": (n * 37 % 1000) as f64,
        "stage": STAGES[n % 4],
        "note": format!("note-{n}"),
        "code": format!("C{n}"),
    })
}

async fn create(api: &TestApi, org: &Org, object: &str, values: Value) {
    let body = json!({"data": {"values": values}});
    let reply = api
        .bearer(&org.key, "POST", &format!("/v2/objects/{object}/records"), Some(&body))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

/// Capacity units per record create (50 creates, metered).
async fn create_units(metered: &TestApi, meter: &Meter, org: &Org, object: &str, first: usize) -> f64 {
    let (_, before) = meter.read();
    for n in first..first + 50 {
        let mut values = deal_values(n);
        if object == "plain" {
            values = json!({"name": format!("Plain {n}")});
        }
        create(metered, org, object, values).await;
    }
    (meter.read().1 - before) / 50.0
}

/// SmartSuite's bulk create of 25 records (one call) beside 25 single creates one after
/// another, into the plain table: p50 of each over `SAMPLES` rounds, and capacity units a
/// record.
async fn bulk_create(metered: &TestApi, meter: &Meter, org: &Org) -> String {
    let (mut bulk, mut singles) = (Vec::new(), Vec::new());
    let (mut bulk_units, mut single_units) = (0.0, 0.0);
    for round in 0..SAMPLES {
        let items: Vec<Value> = (0..25).map(|n| json!({"title": format!("Bulk {round}-{n}")})).collect();
        let (_, before) = meter.read();
        let started = Instant::now();
        let reply = metered
            .token(
                &org.key,
                org.id,
                "POST",
                "/api/v1/applications/plain/records/bulk/",
                Some(&json!({"items": items})),
            )
            .await;
        bulk.push(started.elapsed());
        bulk_units += meter.read().1 - before;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let (_, before) = meter.read();
        let started = Instant::now();
        for n in 0..25 {
            create(metered, org, "plain", json!({"name": format!("Single {round}-{n}")})).await;
        }
        singles.push(started.elapsed());
        single_units += meter.read().1 - before;
    }
    let (bulk, singles) = (percentile(&mut bulk, 0.5), percentile(&mut singles, 0.5));
    let records = (SAMPLES * 25) as f64;
    format!(
        "\nSmartSuite's bulk create of 25 records (`POST .../records/bulk/`, one call), beside 25 single creates one after another (same run, {SAMPLES} rounds, p50): bulk {:.1} ms ({:.2} ms and {:.1} capacity units a record), singles {:.1} ms ({:.2} ms and {:.1} units a record), {:.1}x.\n",
        ms(bulk),
        ms(bulk) / 25.0,
        bulk_units / records,
        ms(singles),
        ms(singles) / 25.0,
        single_units / records,
        ms(singles) / ms(bulk),
    )
}

/// Attio's list entries at `count` entries (a list of deals, one entry per deal seeded, with
/// an indexed text attribute): a GET of one entry beside the entries query and a record's
/// entries, as the records tables above measure them.
async fn entries(api: &TestApi, metered: &TestApi, meter: &Meter, org: &Org, deals: &[String]) -> String {
    let list = json!({"data": {"name": "Pipeline", "api_slug": "pipeline", "parent_object": "deals",
        "workspace_access": "full-access", "workspace_member_access": []}});
    let reply = metered.bearer(&org.key, "POST", "/v2/lists", Some(&list)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let phase = json!({"data": {"title": "Phase", "api_slug": "phase", "type": "text", "description": null,
        "is_required": false, "is_unique": false, "is_multiselect": false, "is_indexed": true, "config": {}}});
    let reply = metered
        .bearer(&org.key, "POST", "/v2/lists/pipeline/attributes", Some(&phase))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let seeded = api
        .seed_records(org, "pipeline", deals.len(), |i| {
            json!({"parent_record": [{"target_object": "deals", "target_record_id": deals[i]}],
                "phase": STAGES[i % 4]})
        })
        .await;
    let middle = &seeded[seeded.len() / 2];
    let parent = &deals[seeded.len() / 2];
    let entries_query = |name, body| Request {
        name,
        method: "POST",
        path: "/v2/lists/pipeline/entries/query".into(),
        body: Some(body),
        smartsuite: false,
    };
    let requests = [
        Request {
            name: "GET one entry",
            method: "GET",
            path: format!("/v2/lists/pipeline/entries/{}", middle.id),
            body: None,
            smartsuite: false,
        },
        entries_query("entries query `{limit: 10}`", json!({"limit": 10})),
        entries_query(
            "entries query, equality on an indexed list attribute",
            json!({"filter": {"phase": "Open"}, "limit": 10}),
        ),
        entries_query(
            "entries query, sort by that attribute",
            json!({"sorts": [{"attribute": "phase", "direction": "asc"}], "limit": 10}),
        ),
        Request {
            name: "a record's entries (`GET .../records/{id}/entries`)",
            method: "GET",
            path: format!("/v2/objects/deals/records/{parent}/entries"),
            body: None,
            smartsuite: false,
        },
    ];
    let mut rows = Vec::new();
    for request in &requests {
        rows.push(measure(metered, meter, org, request).await);
    }
    format!(
        "\n**Attio's list entries: {} entries (one per deal)**\n{}",
        seeded.len(),
        measures_table(&rows)
    )
}

/// Attio's record search over every deal: the index built by `make backfill`'s pass (timed),
/// then searches beside a GET of one record, as the records tables above measure them.
async fn search(api: &TestApi, metered: &TestApi, meter: &Meter, org: &Org) -> String {
    let started = Instant::now();
    let indexed = api.state.store.backfill_search().await.expect("the backfill runs");
    let took = started.elapsed();
    let search = |name, query: &str, objects: Value| Request {
        name,
        method: "POST",
        path: "/v2/objects/records/search".into(),
        body: Some(json!({"query": query, "objects": objects, "limit": 25, "request_as": {"type": "workspace"}})),
        smartsuite: false,
    };
    let requests = [
        get_one_record(),
        search(
            "search, a prefix thousands share (`deal 5`: 25 answered)",
            "deal 5",
            json!(["deals"]),
        ),
        search(
            "search, one record's whole name (`deal 7777`)",
            "deal 7777",
            json!(["deals"]),
        ),
        search("search, a later word (`7777`)", "7777", json!(["deals"])),
        search("search matching nothing (`zebra`)", "zebra", json!(["deals"])),
        search(
            "search of two objects (`deal 5`, deals and plain)",
            "deal 5",
            json!(["deals", "plain"]),
        ),
    ];
    let mut rows = Vec::new();
    for request in &requests {
        rows.push(measure(metered, meter, org, request).await);
    }
    format!(
        "\n**Attio's record search: {} records indexed by `make backfill`'s pass in {:.1} s ({:.0} records a second), then searched**\n{}",
        indexed.written,
        took.as_secs_f64(),
        indexed.written as f64 / took.as_secs_f64(),
        measures_table(&rows)
    )
}

/// Measured requests as a table, each beside the first (a GET of one).
fn measures_table(rows: &[Measure]) -> String {
    let get = rows[0].p50;
    let mut table = String::from(
        "\n| request | status | p50 ms | / GET | DynamoDB calls | read capacity units |\n|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let _ = writeln!(
            table,
            "| {} | {} | {:.2} | {:.1}x | {:.1} | {:.1} |",
            row.name,
            row.status,
            ms(row.p50),
            ms(row.p50) / ms(get),
            row.calls,
            row.units
        );
    }
    table
}

/// Attio's delete of a record referenced by 150 records (each written without the
/// reference before it goes), beside the delete of a record nothing references, one after
/// the other in each of `ROUNDS` rounds: p50, DynamoDB calls and capacity units of each.
async fn referenced_delete(api: &TestApi, metered: &TestApi, meter: &Meter, org: &Org) -> String {
    const ROUNDS: usize = 5;
    const REFERRERS: usize = 150;
    let body = json!({"name": "Targets", "record_prefix": "T", "api_slug": "targets"});
    let reply = metered.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let referrers = json!({"name": "Referrers", "record_prefix": "R", "api_slug": "referrers"});
    let reply = metered
        .bearer(&org.key, "POST", "/orgs/c/tables", Some(&referrers))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let link = json!({"key": "target", "schema": {"name": "Target", "type": "record-reference", "link": "targets"}});
    let reply = metered
        .bearer(&org.key, "POST", "/orgs/c/tables/referrers/fields", Some(&link))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let (mut referenced, mut plain) = (Vec::new(), Vec::new());
    let (mut referenced_cost, mut plain_cost) = ((0, 0.0), (0, 0.0));
    for round in 0..ROUNDS {
        let mut targets = Vec::new();
        for which in ["referenced", "plain"] {
            let path = "/v2/objects/targets/records";
            let values = json!({"data": {"values": {"name": format!("{which} {round}")}}});
            let reply = metered.bearer(&org.key, "POST", path, Some(&values)).await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            targets.push(
                reply.body["data"]["id"]["record_id"]
                    .as_str()
                    .expect("an id")
                    .to_string(),
            );
        }
        let target = targets[0].clone();
        api.seed_records(org, "referrers", REFERRERS, |n| {
            json!({"name": format!("r{round}-{n}"), "target": [{"target_object": "targets", "target_record_id": target}]})
        })
        .await;
        for (id, times, cost) in [
            (&targets[0], &mut referenced, &mut referenced_cost),
            (&targets[1], &mut plain, &mut plain_cost),
        ] {
            let (calls, units) = meter.read();
            let started = Instant::now();
            let path = format!("/v2/objects/targets/records/{id}");
            let reply = metered.bearer(&org.key, "DELETE", &path, None).await;
            times.push(started.elapsed());
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            let (calls_after, units_after) = meter.read();
            cost.0 += calls_after - calls;
            cost.1 += units_after - units;
        }
    }
    let (referenced, plain) = (percentile(&mut referenced, 0.5), percentile(&mut plain, 0.5));
    let rounds = ROUNDS as f64;
    format!(
        "\nAttio's delete of a record referenced by {REFERRERS} records (each written without the reference first), beside the delete of a record nothing references (same run, {ROUNDS} rounds, p50): referenced {:.1} ms ({:.0} DynamoDB calls, {:.0} capacity units), unreferenced {:.1} ms ({:.0} calls, {:.1} units), {:.1}x.\n",
        ms(referenced),
        referenced_cost.0 as f64 / rounds,
        referenced_cost.1 / rounds,
        ms(plain),
        plain_cost.0 as f64 / rounds,
        plain_cost.1 / rounds,
        ms(referenced) / ms(plain),
    )
}

/// The query function's peak RSS (MiB) answering `body`, in a process of its own.
async fn peak_rss(api: &TestApi, org: &Org, body: &Value) -> (u64, f64) {
    let root = repo_root();
    let target = api_tests::target_dir();
    let binary = target.join("release/query-records");
    assert!(
        binary.exists(),
        "build the release query-records first (`make bench` does)"
    );
    let text = std::fs::read_to_string(root.join("events/query-records.json")).expect("event");
    let mut event: Value = serde_json::from_str(&text.replace("companies", "deals")).expect("event JSON");
    event["body"] = json!(body.to_string());
    let placeholder =
        "ak_00000000000000000000000000000000_0000000000000000000000000000000000000000000000000000000000000000";
    let event = event.to_string().replace(placeholder, &org.key);
    let env = bench::function_env(api);
    let result = run(&[binary.as_path()], &env, &[event], Duration::from_secs(60)).await;
    let status = result.invocations[0]
        .0
        .as_ref()
        .map(|a| a["statusCode"].as_u64().unwrap_or(0))
        .unwrap_or(0);
    (status, result.peak_rss_kib.unwrap_or(0) as f64 / 1024.0)
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("SCALE_SIZES")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("SCALE_SIZES: numbers"))
        .collect();
    let api = TestApi::start().await;
    let (metered, meter, _) = bench::metered(&api).await;
    let org = metered.create_org("Scale", "scale-owner").await;
    for (name, prefix, slug) in [("Deals", "D", "deals"), ("Plain", "P", "plain")] {
        let body = json!({"name": name, "record_prefix": prefix, "api_slug": slug});
        let reply = metered.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    for field in [
        json!({"key": "amount", "indexed": true, "schema": {"name": "Amount", "type": "number"}}),
        json!({"key": "stage", "indexed": true, "schema": {"name": "Stage", "type": "text"}}),
        json!({"key": "note", "schema": {"name": "Note", "type": "text"}}),
        json!({"key": "code", "unique": true, "schema": {"name": "Code", "type": "text"}}),
    ] {
        let reply = metered
            .bearer(&org.key, "POST", "/orgs/c/tables/deals/fields", Some(&field))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let plain_units = create_units(&metered, &meter, &org, "plain", 0).await;
    let deal_units = create_units(&metered, &meter, &org, "deals", 0).await;
    let mut seeded = 50;
    let mut deal_ids: Vec<String> = Vec::new();
    let mut report = String::new();
    let mut rss = Vec::new();
    for &size in &sizes {
        let started = Instant::now();
        // Straight into the table, every item a create writes (the creates are measured
        // apart: `create_units`, and the bulk create below).
        if seeded < size {
            let first = seeded;
            let records = api
                .seed_records(&org, "deals", size - first, |i| deal_values(first + i))
                .await;
            deal_ids.extend(records.into_iter().map(|r| r.id));
            seeded = size;
        }
        eprintln!(
            "scale: {size} records seeded in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        let requests = requests(&metered, &org).await;
        let mut rows = Vec::new();
        for request in &requests {
            rows.push(measure(&metered, &meter, &org, request).await);
        }
        let _ = write!(report, "\n**{size} records**\n{}", measures_table(&rows));
        if Some(&size) == sizes.last() {
            for request in requests.iter().skip(1).filter(|r| !r.smartsuite) {
                let (status, mib) = peak_rss(&api, &org, request.body.as_ref().expect("a query")).await;
                rss.push((request.name, status, mib));
            }
            let sort_note = json!({"sorts": [{"attribute": "note", "direction": "asc"}], "limit": 500});
            let (status, mib) = peak_rss(&api, &org, &sort_note).await;
            rss.push(("unindexed sort, limit 500", status, mib));
        }
    }
    // Entries at up to 10,000 (one per seeded deal).
    let entries_at = deal_ids.len().min(10_000);
    report.push_str(&entries(&api, &metered, &meter, &org, &deal_ids[..entries_at]).await);
    report.push_str(&search(&api, &metered, &meter, &org).await);
    report.push_str(&bulk_create(&metered, &meter, &org).await);
    report.push_str(&referenced_delete(&api, &metered, &meter, &org).await);
    let largest = sizes.last().copied().unwrap_or(0);
    let _ = writeln!(
        report,
        "\nPeak RSS of the release query-records function at {largest} records (one process per query):\n\n| query | status | peak RSS MiB |\n|---|---|---|"
    );
    for (name, status, mib) in &rss {
        let _ = writeln!(report, "| {name} | {status} | {mib:.1} |");
    }
    let _ = writeln!(
        report,
        "\nCapacity units per record create (50 creates each, same run): {plain_units:.1} with no unique or indexed value (a table of one text field), {deal_units:.1} with one unique value and two indexed values."
    );
    println!("{report}");
    std::fs::write(repo_root().join("bench/scale.md"), &report).expect("write bench/scale.md");
    eprintln!("scale: wrote bench/scale.md");
}
