//! `make load`: a bounded load test against the local gateway and DynamoDB Local: 10,000
//! mixed creates and reads at concurrency 32, many of them aimed at the same unique names and
//! the same tables. Passes when no request gets a 5xx, every 4xx is one the request could
//! expect, and the invariant audit is clean afterwards with item counts that match the
//! successful creates. Prints throughput and the counts.
//!
//! Meanwhile a second organization is written to by writers of its own (records, tables,
//! teams) and deleted halfway through: the delete must answer 200, the writes after it 401
//! or 404, and nothing of that organization may remain (the audit would list orphans).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api_tests::{Reply, TestApi};
use serde_json::json;

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 32;

#[derive(Debug, Default)]
struct Tally {
    by_kind: BTreeMap<(&'static str, u16), usize>,
    unexpected: Vec<String>,
    latencies: Vec<Duration>,
}

/// A small deterministic mixer, so a run is repeatable.
fn mix(i: usize, salt: u64) -> u64 {
    let mut x = (i as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[tokio::main]
async fn main() {
    let api = Arc::new(TestApi::start().await);
    let org = api.create_org("Load", "load-owner").await;
    let tables = ["alpha", "beta", "gamma"];
    for (i, slug) in tables.iter().enumerate() {
        let body = json!({"name": slug, "record_prefix": format!("R{i}"), "api_slug": slug});
        assert_eq!(
            api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await.status,
            200
        );
        let field = json!({"key": "code", "unique": true, "schema": {"name": "Code", "type": "text"}});
        assert_eq!(
            api.bearer(&org.key, "POST", &format!("/orgs/c/tables/{slug}/fields"), Some(&field))
                .await
                .status,
            200
        );
    }

    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let doomed = api.create_org("Doomed", "doomed-owner").await;
    let body = json!({"name": "Leads", "record_prefix": "L", "api_slug": "leads"});
    assert_eq!(
        api.bearer(&doomed.key, "POST", "/orgs/c/tables", Some(&body))
            .await
            .status,
        200
    );
    let doomed_writes = tokio::spawn(write_to_doomed(api.clone(), doomed.clone(), next.clone()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (api, org, next, tally) = (api.clone(), org.clone(), next.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= REQUESTS {
                    break;
                }
                let roll = mix(i, 1) % 100;
                let pick = mix(i, 2);
                let table = tables[(pick % 3) as usize];
                let sent = Instant::now();
                // (kind, reply, the 4xx statuses this request may expect)
                let (kind, reply, expected): (&'static str, Reply, &[u16]) = match roll {
                    0..=9 => {
                        let owner = format!("owner-{}", pick % 50);
                        let body = json!({"name": format!("Org {i}"), "owner": {"external_id": owner, "email": "o@example.com", "name": "O"}});
                        ("create organization", api.admin("POST", "/api/v1/organizations", Some(&body)).await, &[])
                    }
                    10..=24 => {
                        let body = json!({"name": format!("T{i}"), "record_prefix": format!("P{}", pick % 40)});
                        ("create table", api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await, &[409])
                    }
                    25..=39 => {
                        let body = json!({"name": format!("Team {}", pick % 40), "type": 2, "owners": [org.user_id.to_string()]});
                        ("create team", api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await, &[409])
                    }
                    40..=74 => {
                        let body = json!({"data": {"values": {"name": format!("Record {i}"), "code": format!("C{}", pick % 3000)}}});
                        ("create record", api.bearer(&org.key, "POST", &format!("/v2/objects/{table}/records"), Some(&body)).await, &[400])
                    }
                    75..=89 => {
                        let prefix = ["R0", "R1", "R2"][(pick % 3) as usize];
                        let path = format!("/v2/objects/{table}/records/{prefix}-{}", 1 + pick % 800);
                        ("read record", api.bearer(&org.key, "GET", &path, None).await, &[404])
                    }
                    90..=94 => ("read table", api.bearer(&org.key, "GET", &format!("/orgs/c/tables/{table}"), None).await, &[]),
                    _ => {
                        let body = json!({"filter": {"code": format!("C{}", pick % 3000)}, "limit": 10});
                        ("query records", api.bearer(&org.key, "POST", &format!("/v2/objects/{table}/records/query"), Some(&body)).await, &[])
                    }
                };
                let took = sent.elapsed();
                let mut tally = tally.lock().expect("lock");
                tally.latencies.push(took);
                *tally.by_kind.entry((kind, reply.status)).or_default() += 1;
                let fine = reply.status < 300 || expected.contains(&reply.status);
                let code = reply.body["code"].as_str().unwrap_or("");
                let right_code = match reply.status {
                    400 => code == "uniqueness_conflict",
                    409 => code == "uniqueness_conflict",
                    404 => code == "not_found",
                    _ => true,
                };
                if !fine || !right_code {
                    tally.unexpected.push(format!("{kind}: {} {}", reply.status, reply.body));
                }
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a worker");
    }
    let doomed_answers = doomed_writes.await.expect("the doomed writers");
    let elapsed = started.elapsed();
    let mut tally = Arc::try_unwrap(tally)
        .expect("workers are done")
        .into_inner()
        .expect("lock");
    tally.latencies.sort();
    let p = |q: f64| tally.latencies[((tally.latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;

    println!("load: {REQUESTS} requests at concurrency {CONCURRENCY} in {:.1} s: {:.0} requests/s; latency p50 {:.1} ms, p99 {:.1} ms", elapsed.as_secs_f64(), REQUESTS as f64 / elapsed.as_secs_f64(), p(0.5), p(0.99));
    println!("| request | status | count |\n|---|---|---|");
    for ((kind, status), count) in &tally.by_kind {
        println!("| {kind} | {status} | {count} |");
    }
    let ok = |kind: &str| {
        tally
            .by_kind
            .iter()
            .filter(|((k, s), _)| *k == kind && *s < 300)
            .map(|(_, c)| *c)
            .sum::<usize>()
    };
    println!("\n| write to the organization deleted under load | status | count |\n|---|---|---|");
    for ((when, status), count) in &doomed_answers {
        println!("| {when} | {status} | {count} |");
    }
    let left_of_doomed = api
        .items()
        .await
        .iter()
        .filter(|i| api_tests::text(i, "PK") == format!("ORG#{}", doomed.id))
        .count();
    println!("items left in the deleted organization's partition: {left_of_doomed}");
    let report = api.state.store.audit().await.expect("the audit reads the table");
    let count = |kind: &str| report.counts.get(kind).copied().unwrap_or(0);
    let checks = [
        ("organization", 1 + ok("create organization"), count("organization")),
        ("table", tables.len() + ok("create table"), count("table")),
        ("team", ok("create team"), count("team")),
        ("record", ok("create record"), count("record")),
    ];
    println!("\n| item | successful creates | items in the table |\n|---|---|---|");
    for (kind, expected, found) in checks {
        println!("| {kind} | {expected} | {found} |");
    }
    let mut failed = false;
    let doomed_ok = doomed_answers.iter().all(|((when, status), _)| match *when {
        "delete" => *status == 200,
        _ => matches!(status, 200..=299 | 401 | 404),
    });
    if !doomed_ok || left_of_doomed > 0 {
        failed = true;
        println!("\nthe organization deleted under load: unexpected answers, or items left");
    }
    if !tally.unexpected.is_empty() {
        failed = true;
        println!("\n{} unexpected responses, e.g.:", tally.unexpected.len());
        for line in tally.unexpected.iter().take(10) {
            println!("  {line}");
        }
    }
    if checks.iter().any(|(_, e, f)| e != f) {
        failed = true;
        println!("\nthe item counts do not match the successful creates");
    }
    if report.is_clean() {
        println!("\naudit: clean ({} items)", report.counts.values().sum::<usize>());
    } else {
        failed = true;
        println!("\naudit: {} breaches, e.g.:", report.breaches.len());
        for breach in report.breaches.iter().take(10) {
            println!("  {breach}");
        }
    }
    if failed {
        std::process::exit(1);
    }
}

/// Writers to an organization of its own, which is deleted once half the main load is
/// sent; they write on for a while after. Answers by (before/after the delete, status).
async fn write_to_doomed(
    api: Arc<TestApi>,
    org: api_tests::Org,
    progress: Arc<AtomicUsize>,
) -> BTreeMap<(&'static str, u16), usize> {
    let deleted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(BTreeMap::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (api, org, deleted, answers) = (api.clone(), org.clone(), deleted.clone(), answers.clone());
        writers.push(tokio::spawn(async move {
            let mut after = 0;
            for i in 0.. {
                let was_deleted = deleted.load(Ordering::SeqCst);
                let reply = match i % 3 {
                    0 => {
                        let body = json!({"data": {"values": {"name": format!("Lead {w}-{i}")}}});
                        api.bearer(&org.key, "POST", "/v2/objects/leads/records", Some(&body))
                            .await
                    }
                    1 => {
                        let body = json!({"name": format!("T{w}-{i}"), "record_prefix": format!("D{w}X{i}")});
                        api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await
                    }
                    _ => {
                        let body = json!({"name": format!("Team {w}-{i}"), "type": 2});
                        api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await
                    }
                };
                // A write that started before the delete answered may end either way.
                let when = if was_deleted {
                    "after the delete"
                } else {
                    "around the delete"
                };
                *answers.lock().expect("lock").entry((when, reply.status)).or_insert(0) += 1;
                // Once the organization is gone (its key refused), a few more writes, then stop.
                if was_deleted || reply.status == 401 {
                    after += 1;
                    if after >= 30 {
                        break;
                    }
                }
            }
        }));
    }
    while progress.load(Ordering::Relaxed) < REQUESTS / 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", org.id), None)
        .await;
    deleted.store(true, Ordering::SeqCst);
    answers.lock().expect("lock").insert(("delete", reply.status), 1);
    for writer in writers {
        writer.await.expect("a writer");
    }
    Arc::try_unwrap(answers)
        .expect("writers are done")
        .into_inner()
        .expect("lock")
}
