//! `make bench` (its pages part): what a page weighs and costs, measured in one run against
//! DynamoDB Local, a table of 1,000 records seeded straight into it.
//!
//! - Through the in-process gateway (release build), metered: each page's bytes, p50 and
//!   p99 of `SAMPLES` requests, DynamoDB calls and read units per request, beside Attio's
//!   records query of the same 50 records (JSON) and a GET of one record.
//! - The release `records-page` binary under the Runtime API harness (as Lambda runs it):
//!   its cold start, and the p50 of `SAMPLES` warm invocations of a 50-record page.
//!
//! Writes bench/pages.md.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use api_tests::runtime::run;
use api_tests::{repo_root, target_dir, TestApi};
use bench::{metered, ms, percentile, Meter};
use serde_json::json;

const SAMPLES: usize = 50;
const RECORDS: usize = 1000;

struct Measure {
    name: String,
    bytes: usize,
    /// The body's bytes when the request accepts gzip (a page is then gzipped).
    zipped: usize,
    p50: Duration,
    p99: Duration,
    calls: f64,
    units: f64,
}

/// `SAMPLES` requests after 10 to warm, through the metered gateway.
async fn measure(
    api: &TestApi,
    meter: &Meter,
    name: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Measure {
    let mut bytes = 0;
    for _ in 0..10 {
        let reply = raw(api, method, path, headers, body).await;
        assert!(reply.0 < 300, "{name}: {}", reply.0);
    }
    let before = meter.totals();
    let mut latencies = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let (status, size) = raw(api, method, path, headers, body).await;
        latencies.push(started.elapsed());
        assert_eq!(status, 200, "{name}");
        bytes = size;
    }
    let after = meter.totals();
    // What a browser is sent: the same page gzipped, as it asks for it.
    let mut zipped_headers = headers.to_vec();
    zipped_headers.push(("accept-encoding", "gzip"));
    let (_, zipped) = raw(api, method, path, &zipped_headers, body).await;
    Measure {
        name: name.to_string(),
        bytes,
        zipped,
        p50: percentile(&mut latencies, 0.5),
        p99: percentile(&mut latencies, 0.99),
        calls: (after.calls - before.calls) as f64 / SAMPLES as f64,
        units: (after.read_units - before.read_units) / SAMPLES as f64,
    }
}

/// One request: its status and its body's size in bytes.
async fn raw(api: &TestApi, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, usize) {
    let (status, _, bytes) = api.send_bytes(method, path, headers, body.to_string()).await;
    (status, bytes.len())
}

#[tokio::main]
async fn main() {
    let binary = target_dir().join("release/records-page");
    assert!(binary.exists(), "build the release binary first (`make bench` does)");
    let api = TestApi::start().await;
    let (through, meter, _) = metered(&api).await;
    let org = api.create_org("Pages bench", "pages-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    for field in [
        json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}}),
        json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Won"]}}),
        json!({"key": "domain", "schema": {"name": "Domain", "type": "domain"}}),
        json!({"key": "parent", "schema": {"name": "Parent", "type": "record-reference", "link": "companies"}}),
    ] {
        api.add_field(&org.key, "companies", &field).await;
    }
    let seeded = api
        .seed_records(&org, "companies", RECORDS, |n| {
            json!({"name": format!("Company {n:04}"), "employees": (n * 37) % 1000,
                "stage": if n % 3 == 0 { "Won" } else { "Lead" }, "domain": format!("c{n}.example.com")})
        })
        .await;
    // A record with a reference, written 10 times (a history), referenced by 5 others.
    let made = api
        .create_record(
            &org.key,
            "companies",
            &json!({"name": "Ada Holdings", "employees": 1,
                "parent": [{"target_object": "companies", "target_record_id": seeded[0].id}]}),
        )
        .await;
    let ada = made.body["data"]["id"]["record_id"]
        .as_str()
        .expect("an id")
        .to_string();
    for i in 0..10 {
        let patch = json!({"data": {"values": {"employees": i + 2}}});
        let path = format!("/v2/objects/companies/records/{ada}");
        assert_eq!(api.bearer(&org.key, "PATCH", &path, Some(&patch)).await.status, 200);
    }
    for i in 0..5 {
        let values =
            json!({"name": format!("Child {i}"), "parent": [{"target_object": "companies", "target_record_id": ada}]});
        assert_eq!(api.create_record(&org.key, "companies", &values).await.status, 200);
    }
    let token = api.embed_token("pages-owner", org.id).await;
    let session = api.sign_in(&token).await;
    let cookie = format!("{}={session}", shared::session::COOKIE_NAME);
    let workspace = shared::domain::organization::OrgId(org.id).workspace_id();
    let page = [("cookie", cookie.as_str())];
    let bearer = format!("Bearer {}", org.key);
    let json_headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];

    let mut rows = vec![
        measure(
            &through,
            &meter,
            "GET one record (JSON)",
            "GET",
            "/v2/objects/companies/records/CO-500",
            &json_headers,
            "",
        )
        .await,
        measure(
            &through,
            &meter,
            "Attio's records query, 50 records (JSON)",
            "POST",
            "/v2/objects/companies/records/query",
            &json_headers,
            r#"{"limit": 50}"#,
        )
        .await,
    ];
    let records = format!("/app/{workspace}/companies");
    for (name, path) in [
        ("records page, 50 records", records.clone()),
        (
            "records page, 50 records, a filter and an order",
            format!("{records}?attribute=stage&value=Won&sort=name&direction=desc"),
        ),
        (
            "record page (10 writes of history, 5 referrers)",
            format!("{records}/{ada}"),
        ),
        ("tables page", format!("/app/{workspace}")),
        ("teams page", format!("/app/{workspace}/_teams")),
        ("API reference (/docs)", "/docs".to_string()),
    ] {
        rows.push(measure(&through, &meter, name, "GET", &path, &page, "").await);
    }
    // The tenth page, by cursor: the same cost as the first.
    let mut path = records.clone();
    for _ in 0..9 {
        let (_, _, body) = through.send_bytes("GET", &path, &page, String::new()).await;
        let text = String::from_utf8_lossy(&body);
        let next = text
            .split("rel=\"next\" href=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a next page")
            .replace("&amp;", "&");
        path = next;
    }
    rows.push(
        measure(
            &through,
            &meter,
            "records page, the 10th by cursor",
            "GET",
            &path,
            &page,
            "",
        )
        .await,
    );

    // The release binary, as Lambda runs it: one cold start, then warm invocations.
    let event = std::fs::read_to_string(repo_root().join("events/records-page.json")).expect("the event");
    let event = event
        .replace("00000000-0000-4000-8000-0000000000f4", &workspace.to_string())
        .replace("session-placeholder", &session);
    let mut env = bench::function_env(&api);
    env.push((
        "WEBHOOK_SEALING_KEY",
        shared::state::WebhookSettings::LOCAL_SEALING_KEY.to_string(),
    ));
    let events: Vec<String> = (0..=SAMPLES).map(|_| event.clone()).collect();
    let result = run(&[binary.as_path()], &env, &events, Duration::from_secs(120)).await;
    let mut warm: Vec<Duration> = Vec::new();
    let mut page_bytes = 0;
    for (i, (answer, took)) in result.invocations.iter().enumerate() {
        let answer = answer.as_ref().expect("the binary answered");
        assert_eq!(answer["statusCode"], 200, "{answer}");
        page_bytes = answer["body"].as_str().map_or(0, str::len);
        if i > 0 {
            warm.push(*took);
        }
    }
    let first = result.invocations[0].1;

    let base = rows[0].p50;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "The pages, measured in one run (`make bench`, bench/src/bin/pages.rs): a table of {RECORDS} records \
         seeded into DynamoDB Local, {SAMPLES} requests each after 10 to warm, through the in-process gateway \
         (release build) with a metered DynamoDB client; bytes are the HTML (or JSON) body uncompressed, and as sent to a browser that accepts gzip (the pages are \
         gzipped; the JSON routes are sent as they are).\n"
    );
    let _ = writeln!(
        out,
        "| request | bytes | bytes to a browser (gzip) | p50 ms | p99 ms | p50 / GET one record | DynamoDB calls | read units |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.1}x | {:.1} | {:.1} |",
            row.name,
            row.bytes,
            row.zipped,
            ms(row.p50),
            ms(row.p99),
            row.p50.as_secs_f64() / base.as_secs_f64(),
            row.calls,
            row.units
        );
    }
    let _ = writeln!(
        out,
        "\nThe release `records-page` binary under the Runtime API harness (as Lambda runs it), the same \
         50-record page: cold start {:.1} ms (its init), first invocation {:.2} ms, warm p50 {:.2} ms and p99 \
         {:.2} ms over {SAMPLES} invocations; {page_bytes} bytes; peak RSS {:.1} MB.",
        ms(result.init),
        ms(first),
        ms(percentile(&mut warm, 0.5)),
        ms(percentile(&mut warm, 0.99)),
        result.peak_rss_kib.unwrap_or(0) as f64 / 1024.0
    );
    std::fs::write(repo_root().join("bench/pages.md"), &out).expect("bench/pages.md is written");
    print!("{out}");
}
