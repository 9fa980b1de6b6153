//! `make bench` (its events part): how long a change event takes from its write's
//! acknowledgement to a webhook's receiver, locally, and what events cost a record create.
//!
//! The path measured is the local one end to end: the in-process gateway (release build),
//! DynamoDB Local's stream followed as `make dev` follows it (`gateway::stream`), the
//! fan-out, and the signed POST to a receiver on loopback. In AWS the stream is read by
//! Lambda's poller instead (about four reads a second a shard), so the figure there is that
//! poll's wait plus the same fan-out; the local follower's own wait when idle grows to a
//! second, so the writes here come steadily, one every `GAP`.
//!
//! Beside it, in the same run: the record create's latency and capacity with no webhook
//! and nothing following the stream, then with a webhook subscribed and the fan-out
//! running. Every create writes its outbox item either way, so the capacity is the same;
//! what the fan-out costs a create is the latency difference. Writes bench/events.md.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use api_tests::receiver::Receiver;
use api_tests::{repo_root, Org, TestApi};
use bench::{metered, ms, percentile, Meter};
use serde_json::{json, Value};
use shared::delivery::Schedule;

/// Creates measured in each phase (after as many again to warm up).
const WRITES: usize = 300;
/// The wait between two creates while deliveries are measured.
const GAP: Duration = Duration::from_millis(20);

/// One phase's creates: each one's latency, and the capacity they consumed.
struct Creates {
    latencies: Vec<Duration>,
    write_units: f64,
    acknowledged: HashMap<String, Instant>,
}

/// `WRITES` creates, one at a time, `gap` apart, through the metered gateway.
async fn creates(api: &TestApi, meter: &Meter, org: &Org, gap: Duration, label: &str) -> Creates {
    // Warm: the table's definition cached, connections open.
    for i in 0..20 {
        let reply = api
            .create_record(&org.key, "companies", &json!({"name": format!("warm {label} {i}")}))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let before = meter.totals();
    let mut latencies = Vec::with_capacity(WRITES);
    let mut acknowledged = HashMap::new();
    for i in 0..WRITES {
        let started = Instant::now();
        let reply = api
            .create_record(&org.key, "companies", &json!({"name": format!("{label} {i}")}))
            .await;
        let done = Instant::now();
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        latencies.push(done - started);
        let id = reply.body["data"]["id"]["record_id"].as_str().expect("a record id");
        acknowledged.insert(id.to_string(), done);
        tokio::time::sleep(gap).await;
    }
    let after = meter.totals();
    Creates {
        latencies,
        write_units: (after.write_units - before.write_units) / WRITES as f64,
        acknowledged,
    }
}

#[tokio::main]
async fn main() {
    let api = TestApi::start().await;
    let (through, meter, _) = metered(&api).await;
    let org = api.create_org("Events bench", "events-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;

    // 1. No webhook, nothing following the stream.
    let quiet = creates(&through, &meter, &org, GAP, "quiet").await;

    // 2. A webhook for every create, delivered from the stream as it comes.
    let receiver = Receiver::default();
    let base = receiver.start().await;
    let follower = api.deliver_from_stream(Schedule::DEFAULT, Duration::from_secs(1)).await;
    let body = json!({"data": {"target_url": format!("{base}/ok"),
        "subscriptions": [{"event_type": "record.created", "filter": null}]}});
    let hook = api.bearer(&org.key, "POST", "/v2/webhooks", Some(&body)).await;
    assert_eq!(hook.status, 200, "{:?}", hook.body);
    let hooked = creates(&through, &meter, &org, GAP, "hooked").await;
    let until = Instant::now() + Duration::from_secs(120);
    let arrivals = loop {
        let arrivals: HashMap<String, Instant> = receiver
            .at("/ok")
            .into_iter()
            .filter_map(|r| {
                let body: Value = serde_json::from_str(&r.body).ok()?;
                let id = body["events"][0]["id"]["record_id"].as_str()?.to_string();
                Some((id, r.at))
            })
            .collect();
        if hooked.acknowledged.keys().all(|id| arrivals.contains_key(id)) {
            break arrivals;
        }
        assert!(
            Instant::now() < until,
            "every measured create was delivered within 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    follower.abort();
    let delivery: Vec<Duration> = hooked
        .acknowledged
        .iter()
        .map(|(id, acked)| arrivals[id].saturating_duration_since(*acked))
        .collect();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Change events, measured in one run: {WRITES} record creates in each phase, one every {} ms, \
         through the in-process gateway (release build) against DynamoDB Local, after 20 to warm up. \
         Delivery: from the create's acknowledgement to the receiver's arrival, through DynamoDB Local's \
         stream as `make dev` follows it (in AWS, Lambda's stream poller instead). `cargo run --release -p bench --bin events`.\n",
        GAP.as_millis()
    );
    let _ = writeln!(out, "| | p50 ms | p99 ms | max ms |");
    let _ = writeln!(out, "|---|---|---|---|");
    let row = |out: &mut String, name: &str, values: &[Duration]| {
        let mut values = values.to_vec();
        let max = values.iter().max().copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "| {name} | {:.1} | {:.1} | {:.1} |",
            ms(percentile(&mut values, 0.50)),
            ms(percentile(&mut values, 0.99)),
            ms(max)
        );
    };
    row(&mut out, "create, no webhook", &quiet.latencies);
    row(&mut out, "create, a webhook and the fan-out running", &hooked.latencies);
    row(&mut out, "**event delivery**, acknowledgement to receiver", &delivery);
    let _ = writeln!(
        out,
        "\nCapacity per create, as DynamoDB Local reports it: {:.1} write units with no webhook, \
         {:.1} with one (the same outbox item either way; the fan-out's reads and delivery \
         writes are the delivery functions', not the create's).",
        quiet.write_units, hooked.write_units
    );
    print!("{out}");
    std::fs::write(repo_root().join("bench/events.md"), out).expect("bench/events.md is written");
}
