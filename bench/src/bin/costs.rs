//! `make bench` (its third part): what a million requests to each endpoint cost, from what
//! one valid request of each consumes through a warm container (the in-process gateway,
//! release build, against DynamoDB Local): API Gateway's HTTP API price, Lambda's request
//! price and its arm64 compute at 128 MB for the measured duration (billed by the
//! millisecond, rounded up), and DynamoDB on-demand for the read and write capacity the
//! requests consumed (DynamoDB Local's figures). Beside it, the per-key rate limit's cost:
//! the same read with the limits on and off. Writes bench/costs.md.

use std::fmt::Write as _;
use std::time::Instant;

use api_tests::fixture::{fixture, valid_body, Fixture};
use api_tests::{repo_root, TestApi};
use bench::{Meter, Metered};
use serde_json::json;
use shared::rate_limit::RateLimits;
use shared::routes::{Access, Route, ROUTES};

/// us-east-1 list prices, as published on the AWS pricing pages on this date.
const PRICES_AS_OF: &str = "2026-11-26";
/// API Gateway HTTP API, first 300 million requests a month, per million.
const API_PER_MILLION: f64 = 1.00;
/// Lambda, per million requests.
const LAMBDA_REQUESTS_PER_MILLION: f64 = 0.20;
/// Lambda arm64, per GB-second (first 7.5 billion GB-seconds a month).
const LAMBDA_ARM_GB_SECOND: f64 = 0.000_013_333_4;
const MEMORY_GB: f64 = 128.0 / 1024.0;
/// DynamoDB on demand, per million read and write request units.
const READ_PER_MILLION: f64 = 0.125;
const WRITE_PER_MILLION: f64 = 0.625;

struct Cost {
    name: String,
    status: u16,
    billed_ms: f64,
    used: Metered,
}

impl Cost {
    fn lambda(&self) -> f64 {
        LAMBDA_REQUESTS_PER_MILLION + MEMORY_GB * self.billed_ms / 1000.0 * LAMBDA_ARM_GB_SECOND * 1e6
    }
    fn dynamodb(&self) -> f64 {
        self.used.read_units * READ_PER_MILLION + self.used.write_units * WRITE_PER_MILLION
    }
    fn total(&self) -> f64 {
        API_PER_MILLION + self.lambda() + self.dynamodb()
    }
}

fn since(before: Metered, meter: &Meter) -> Metered {
    let after = meter.totals();
    Metered {
        calls: after.calls - before.calls,
        read_units: after.read_units - before.read_units,
        write_units: after.write_units - before.write_units,
    }
}

/// Sends `route`'s valid request through `metered`, after a request that warms the
/// container's key and table caches, and measures it: a read five times (the median
/// duration, the mean capacity), a write once (a second would find its name taken).
async fn measure(f: &Fixture, metered: &TestApi, meter: &Meter, route: &Route, path: &str) -> Cost {
    let warm = format!("/v2/objects/companies/records/{}", f.record_id);
    let headers = f.headers(route);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let samples = if route.access == Access::Read { 5 } else { 1 };
    let mut took = Vec::new();
    let mut used = Metered::default();
    let mut status = 0;
    for _ in 0..samples {
        metered.bearer(&f.org.key, "GET", &warm, None).await;
        let before = meter.totals();
        let started = Instant::now();
        status = metered
            .send(route.method, path, &headers, valid_body(route, f))
            .await
            .status;
        took.push(started.elapsed());
        let one = since(before, meter);
        used.calls += one.calls;
        used.read_units += one.read_units;
        used.write_units += one.write_units;
    }
    let n = samples as f64;
    Cost {
        name: route.function.to_string(),
        status,
        billed_ms: (bench::percentile(&mut took, 0.5).as_secs_f64() * 1000.0).ceil(),
        used: Metered {
            calls: used.calls / samples,
            read_units: used.read_units / n,
            write_units: used.write_units / n,
        },
    }
}

/// A records query of one record: a read every vendor class counts.
async fn read(api: &TestApi, key: &str) -> u16 {
    let body = json!({"limit": 1});
    api.bearer(key, "POST", "/v2/objects/companies/records/query", Some(&body))
        .await
        .status
}

#[tokio::main]
async fn main() {
    let f = fixture().await;
    let (metered, meter, _) = bench::metered(&f.api).await;
    let mut routes: Vec<&Route> = ROUTES.iter().collect();
    // Deletes last, the organization's last of all, so the rest find their resources.
    routes.sort_by_key(|r| (r.method == "DELETE", r.function == "delete-organization"));
    let mut costs = Vec::new();
    for route in routes {
        let path = f.request_path(route).await;
        let cost = measure(&f, &metered, &meter, route, &path).await;
        assert!(cost.status < 300, "{}: {}", cost.name, cost.status);
        costs.push(cost);
    }

    // The rate limit: the same read through a container with the limits on and one without.
    let org = f.api.create_org("Limits", "limits-owner").await;
    f.api.create_table(&org.key, "Companies", "CO", "companies").await;
    let (limited, limited_meter, _) = bench::metered_with(&f.api, Some(RateLimits::PUBLISHED)).await;
    let mut limit_costs = Vec::new();
    for (name, api, meter) in [
        ("limits off", &metered, &meter),
        ("limits on", &limited, &limited_meter),
    ] {
        read(api, &org.key).await;
        let before = meter.totals();
        for _ in 0..20 {
            assert_eq!(read(api, &org.key).await, 200);
        }
        let used = since(before, meter);
        limit_costs.push((name, used.calls as f64 / 20.0, used.write_units / 20.0));
    }

    let mut report = String::new();
    let _ = writeln!(
        report,
        "Cost per million requests, us-east-1 list prices as of {PRICES_AS_OF}: API Gateway HTTP API ${API_PER_MILLION:.2}; Lambda ${LAMBDA_REQUESTS_PER_MILLION:.2} and ${LAMBDA_ARM_GB_SECOND} per GB-second (arm64, 128 MB); DynamoDB on demand ${READ_PER_MILLION} per million read and ${WRITE_PER_MILLION} per million write request units. One warm request of each endpoint (the median of five for a read), measured in one run (duration through the in-process gateway, rounded up to the millisecond Lambda bills; capacity as DynamoDB Local reports it).\n"
    );
    let _ = writeln!(
        report,
        "| endpoint | ms billed | DynamoDB calls | read units | write units | API Gateway $ | Lambda $ | DynamoDB $ | total $ per million |\n|---|---|---|---|---|---|---|---|---|"
    );
    for cost in &costs {
        let _ = writeln!(
            report,
            "| {} | {:.0} | {} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} |",
            cost.name,
            cost.billed_ms,
            cost.used.calls,
            cost.used.read_units,
            cost.used.write_units,
            API_PER_MILLION,
            cost.lambda(),
            cost.dynamodb(),
            cost.total()
        );
    }
    let _ = writeln!(report, "\nThe per-key rate limit (a records query, 20 requests each way, same run):\n\n| | DynamoDB calls per request | write units per request |\n|---|---|---|");
    for (name, calls, writes) in &limit_costs {
        let _ = writeln!(report, "| {name} | {calls:.1} | {writes:.1} |");
    }
    println!("{report}");
    std::fs::write(repo_root().join("bench/costs.md"), &report).expect("write bench/costs.md");
    eprintln!("costs: wrote bench/costs.md");
}
