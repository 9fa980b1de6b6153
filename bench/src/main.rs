//! `make bench`: measures, side by side in one run, what users pick Rust on Lambda for.
//!
//! 1. Cold start: exec of the release binary to its first Runtime API `next` poll (Lambda's
//!    Init Duration), median of 20, under the same minimal Runtime API the tests use.
//! 2. Warm latency, p50 and p99, of each create through the local gateway against DynamoDB
//!    Local, and as a ratio to a raw single PutItem round trip in the same run (the floor).
//! 3. Peak RSS per invocation (VmHWM of the function process).
//! 4. Binary and zip size: x86_64 here, and arm64 as Lambda runs it (the `bootstrap` that
//!    `cargo lambda build --arm64` makes, which `make bench` runs first; else `sam build`'s).
//! 5. DynamoDB round trips and consumed capacity per operation.
//!
//! Beside them, the create-table endpoint written as most teams would, in Python 3.11 with
//! boto3 (bench/baseline/) and in Node 20 with the AWS SDK v3 (bench/baseline-node/), under
//! the same harness against the same DynamoDB Local.
//! Writes bench/results.md and bench/results.svg.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use api_tests::runtime::run;
use api_tests::{repo_root, Org, TestApi};
use aws_sdk_dynamodb::types::AttributeValue;
use bench::{ms, percentile};
use serde_json::{json, Value};

const COLD_RUNS: usize = 20;
const WARM_REQUESTS: usize = 200;
/// Record creates measured in the table of many fields.
const WIDE_RECORDS: usize = 20;

/// The fields of bench_records: `name`, and the unique `domain` the bench adds.
const RECORD_TABLE_FIELDS: usize = 2;

/// The comparators' rows: create-table as most teams would write it, in Python and in Node.
const PYTHON_ROW: &str = "create-table (Python 3.11 + boto3)";
const NODE_ROW: &str = "create-table (Node 20 + AWS SDK v3)";

const CREATES: [&str; 5] = [
    "create-organization",
    "create-table",
    "create-field",
    "create-team",
    "create-record",
];

/// Calls `call(i)` `warm` times unmeasured, then [`WARM_REQUESTS`] times, timing each.
async fn timed<F, Fut, T, E>(warm: usize, call: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    for i in 0..warm {
        call(i).await.expect("a warm-up call");
    }
    let mut durations = Vec::with_capacity(WARM_REQUESTS);
    for i in 0..WARM_REQUESTS {
        let started = Instant::now();
        call(warm + i).await.expect("a measured call");
        durations.push(started.elapsed());
    }
    durations
}

/// `program` as the shell would find it on PATH.
fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// The size of `binary` zipped as Lambda's `bootstrap`.
fn zip_size(binary: &Path) -> Option<u64> {
    let dir = std::env::temp_dir().join(format!("zip-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::copy(binary, dir.join("bootstrap")).ok()?;
    let status = std::process::Command::new("zip")
        .current_dir(&dir)
        .args(["-q", "-9", "f.zip", "bootstrap"])
        .status()
        .ok()?;
    let size = status.success().then(|| file_size(&dir.join("f.zip"))).flatten();
    let _ = std::fs::remove_dir_all(&dir);
    size
}

/// A create request for one of the benchmarked endpoints, unique by `i`.
fn create_request(function: &str, i: usize, org: &Org) -> (&'static str, String, Value) {
    let tag = format!("{:X}", i + 1000 * std::process::id() as usize % 100_000);
    match function {
        "create-organization" => (
            "POST",
            "/api/v1/organizations".into(),
            json!({"name": format!("Org {i}"), "owner": {"external_id": format!("bench-{tag}-{i}"), "email": "o@example.com", "name": "Owner"}}),
        ),
        "create-table" => (
            "POST",
            "/orgs/c/tables".into(),
            json!({"name": format!("Table {tag}"), "record_prefix": format!("T{tag}")}),
        ),
        // 200 fields fit one table (the limit is 250).
        "create-field" => (
            "POST",
            "/orgs/c/tables/bench_fields/fields".into(),
            json!({"key": format!("f{i}"), "schema": {"name": format!("F{i}"), "type": "text"}}),
        ),
        "create-team" => (
            "POST",
            "/api/v1/teams/".into(),
            json!({"name": format!("Team {tag}"), "type": 2, "owners": [org.user_id.to_string()]}),
        ),
        "create-record" => (
            "POST",
            "/v2/objects/bench_records/records".into(),
            json!({"data": {"values": {"name": format!("Record {i}"), "domain": format!("r{tag}.example.com")}}}),
        ),
        other => panic!("no request for {other}"),
    }
}

async fn send(api: &TestApi, org: &Org, function: &str, i: usize) -> (u16, Duration) {
    let (method, path, body) = create_request(function, i, org);
    let started = Instant::now();
    let reply = match function {
        "create-organization" => api.admin(method, &path, Some(&body)).await,
        "create-team" => api.token(&org.key, org.id, method, &path, Some(&body)).await,
        _ => api.bearer(&org.key, method, &path, Some(&body)).await,
    };
    (reply.status, started.elapsed())
}

/// An API Gateway event for `function` with a fresh body, so each cold start does real work.
fn event(root: &Path, function: &str, i: usize, org: &Org) -> String {
    let text = std::fs::read_to_string(root.join(format!("events/{function}.json"))).expect("event");
    // The events address the `companies` table; the bench has its own tables.
    let slug = if function == "create-field" {
        "bench_fields"
    } else {
        "bench_records"
    };
    let mut event: Value = serde_json::from_str(&text.replace("companies", slug)).expect("event JSON");
    let (_, _, body) = create_request(function, 10_000 + i, org);
    event["body"] = json!(body.to_string());
    let placeholder =
        "ak_00000000000000000000000000000000_0000000000000000000000000000000000000000000000000000000000000000";
    let text = event.to_string().replace(placeholder, &org.key);
    text.replace("\"account-id\":\"1\"", &format!("\"account-id\":\"{}\"", org.id))
}

struct Row {
    name: String,
    cold_ms: f64,
    rss_mb: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    round_trips: Option<f64>,
    capacity: Option<f64>,
    size: Option<u64>,
    zip: Option<u64>,
    arm64: Option<u64>,
    arm64_zip: Option<u64>,
}

#[tokio::main]
async fn main() {
    let root = repo_root();
    let target = api_tests::target_dir();
    let release = target.join("release");
    for function in CREATES {
        assert!(
            release.join(function).exists(),
            "build the release binaries first (`make bench` does)"
        );
    }
    let python = root.join(".venv-baseline/bin/python");
    assert!(python.exists(), "the baseline venv is missing (`make bench` makes it)");
    let node_baseline = root.join("bench/baseline-node");
    assert!(
        node_baseline.join("node_modules/@aws-sdk/client-dynamodb").exists(),
        "the Node baseline's packages are missing (`make bench` runs `npm ci` in bench/baseline-node)"
    );
    let node = which("node").expect("node (Node 20) on PATH, for the Node baseline");

    // One DynamoDB Local, one table, one metered client behind an in-process gateway.
    let api = TestApi::start().await;
    let (metered, meter, client) = bench::metered(&api).await;
    let org = metered.create_org("Bench", "bench-owner").await;
    for (name, prefix, slug) in [
        ("Bench fields", "BF", "bench_fields"),
        ("Bench records", "BR", "bench_records"),
    ] {
        let body = json!({"name": name, "record_prefix": prefix, "api_slug": slug});
        assert_eq!(
            metered
                .bearer(&org.key, "POST", "/orgs/c/tables", Some(&body))
                .await
                .status,
            200
        );
    }
    let unique = json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}});
    assert_eq!(
        metered
            .bearer(&org.key, "POST", "/orgs/c/tables/bench_records/fields", Some(&unique))
            .await
            .status,
        200
    );

    // Warm the JVM and the connections, then the floor: a raw PutItem, same client, same run.
    let put = |i: usize| {
        client
            .put_item()
            .table_name(&api.table)
            .item("PK", AttributeValue::S(format!("FLOOR#{i}")))
            .item("SK", AttributeValue::S("FLOOR".into()))
            .item("n", AttributeValue::N(i.to_string()))
            .send()
    };
    let mut floor = timed(200, put).await;
    let floor_p50 = percentile(&mut floor, 0.5);
    let floor_p99 = percentile(&mut floor, 0.99);
    // A second floor: a raw transaction of four small Puts (what create-table writes: the
    // table, two sentinels, the head), so a one-transaction create can be read against the
    // cost of the transaction itself.
    let transaction = |i: usize| {
        let items = (0..4).map(|k| {
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(&api.table)
                .item("PK", AttributeValue::S(format!("TXFLOOR#{i}#{k}")))
                .item("SK", AttributeValue::S("FLOOR".into()))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .expect("key and table are set");
            aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build()
        });
        client
            .transact_write_items()
            .set_transact_items(Some(items.collect()))
            .send()
    };
    let mut tx_floor = timed(50, transaction).await;
    let tx_floor_p50 = percentile(&mut tx_floor, 0.5);

    let env = bench::function_env(&api);
    // The admin key the events carry is the bench's own.
    let admin_event = |e: String| e.replace("local-admin-key", &api.admin_key);

    let mut rows = Vec::new();
    for (index, function) in CREATES.iter().enumerate() {
        // Warm: through the gateway.
        for i in 0..20 {
            send(&metered, &org, function, 100_000 + i).await;
        }
        let mut latencies = Vec::with_capacity(WARM_REQUESTS);
        let (calls_before, units_before) = meter.read();
        for i in 0..WARM_REQUESTS {
            let (status, took) = send(&metered, &org, function, i).await;
            assert!(status < 300, "{function} answered {status}");
            latencies.push(took);
        }
        let (calls_after, units_after) = meter.read();
        let per = |a: u64, b: u64| (a - b) as f64 / WARM_REQUESTS as f64;
        // Cold: a fresh process per run.
        let binary = release.join(function);
        let mut inits = Vec::with_capacity(COLD_RUNS);
        let mut rss: u64 = 0;
        for i in 0..COLD_RUNS {
            let event = admin_event(event(&root, function, index * 100 + i, &org));
            let result = run(&[binary.as_path()], &env, &[event], Duration::from_secs(30)).await;
            let (answer, _) = &result.invocations[0];
            let status = answer
                .as_ref()
                .map(|a| a["statusCode"].as_u64().unwrap_or(0))
                .unwrap_or(0);
            assert!((200..300).contains(&status), "{function} cold run answered {answer:?}");
            inits.push(result.init);
            rss = rss.max(result.peak_rss_kib.unwrap_or(0));
        }
        let logical: String = function
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect::<String>()
            + "Function";
        let arm64 = [
            target.join("lambda").join(function).join("bootstrap"),
            root.join(".aws-sam/build").join(logical).join("bootstrap"),
        ]
        .into_iter()
        .find(|path| path.exists());
        rows.push(Row {
            name: function.to_string(),
            cold_ms: ms(percentile(&mut inits, 0.5)),
            rss_mb: rss as f64 / 1024.0,
            p50_ms: Some(ms(percentile(&mut latencies, 0.5))),
            p99_ms: Some(ms(percentile(&mut latencies, 0.99))),
            round_trips: Some(per(calls_after, calls_before)),
            capacity: Some((units_after - units_before) / WARM_REQUESTS as f64),
            size: file_size(&binary),
            zip: zip_size(&binary),
            arm64: arm64.as_deref().and_then(file_size),
            arm64_zip: arm64.as_deref().and_then(zip_size),
        });
        eprintln!("bench: {function} done");
    }

    // The release profile's choices (bench/profiles.sh builds create-table under each, in a
    // target directory of its own, and times its rebuild after a change in shared),
    // measured in the same run, cold starts in alternation.
    let variants: Vec<(&str, PathBuf)> = vec![
        ("shipped: no cross-crate LTO, 1 codegen unit, unwind", target.clone()),
        ("panic = \"abort\"", target.join("profile-abort")),
        ("thin LTO", target.join("profile-thin")),
        ("fat LTO", target.join("profile-fat")),
        ("opt-level = \"z\"", target.join("profile-z")),
        ("opt-level = \"z\", panic = \"abort\"", target.join("profile-z-abort")),
    ];
    let mut profile_table = String::new();
    if variants
        .iter()
        .all(|(_, dir)| dir.join("release/create-table").exists())
    {
        let mut inits: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
        for i in 0..COLD_RUNS {
            for (v, (_, dir)) in variants.iter().enumerate() {
                let binary = dir.join("release/create-table");
                let event = admin_event(event(&root, "create-table", 900_000 + 10 * i + v, &org));
                let result = run(&[binary.as_path()], &env, &[event], Duration::from_secs(30)).await;
                inits[v].push(result.init);
            }
        }
        let kib = |size: Option<u64>| size.map_or("?".to_string(), |b| format!("{}", b / 1024));
        profile_table.push_str(&format!(
            "\nRelease profile choices, create-table (x86_64, same run, {COLD_RUNS} cold starts each, alternating; rebuild = recompiling shared and linking after a change in it):\n\n| profile | cold start ms (median) | binary KiB | zip KiB | rebuild s |\n|---|---|---|---|---|\n"
        ));
        for ((name, dir), samples) in variants.iter().zip(inits.iter_mut()) {
            let binary = dir.join("release/create-table");
            let rebuild = std::fs::read_to_string(dir.join("rebuild-seconds")).unwrap_or_else(|_| "?".into());
            profile_table.push_str(&format!(
                "| {name} | {:.1} | {} | {} | {} |\n",
                ms(percentile(samples, 0.5)),
                kib(file_size(&binary)),
                kib(zip_size(&binary)),
                rebuild.trim()
            ));
        }
    }

    // A record create in a table of many fields (bench_fields has one per create-field
    // request above): it touches the table's small head, not its definition, so it should
    // cost what it costs in a small table.
    let wide = metered
        .bearer(&org.key, "GET", "/orgs/c/tables/bench_fields", None)
        .await;
    let wide_fields = wide.body["fields"].as_array().map_or(0, Vec::len);
    let (calls_before, units_before) = meter.read();
    for i in 0..WIDE_RECORDS {
        let body = json!({"data": {"values": {"name": format!("Wide {i}")}}});
        let reply = metered
            .bearer(&org.key, "POST", "/v2/objects/bench_fields/records", Some(&body))
            .await;
        assert_eq!(reply.status, 200, "a record in the wide table: {:?}", reply.body);
    }
    let (calls_after, units_after) = meter.read();
    let wide_line = format!(
        "\ncreate-record in a table of {wide_fields} fields (same run): {:.2} DynamoDB calls and {:.1} capacity units per request, against {:.1} in the table of {} fields above.\n",
        (calls_after - calls_before) as f64 / WIDE_RECORDS as f64,
        (units_after - units_before) / WIDE_RECORDS as f64,
        rows.iter().find(|r| r.name == "create-record").and_then(|r| r.capacity).unwrap_or(0.0),
        RECORD_TABLE_FIELDS,
    );

    // Rust, Python and Node create-table, warm, through the same Runtime API harness.
    let warm_events: Vec<String> = (0..50)
        .map(|i| admin_event(event(&root, "create-table", 5000 + i, &org)))
        .collect();
    let rust_warm = run(
        &[release.join("create-table").as_path()],
        &env,
        &warm_events,
        Duration::from_secs(60),
    )
    .await;
    let python_events: Vec<String> = (0..50)
        .map(|i| admin_event(event(&root, "create-table", 6000 + i, &org)))
        .collect();
    let mut python_env = env.clone();
    python_env.push(("PYTHONPATH", root.join("bench/baseline").display().to_string()));
    python_env.push(("LAMBDA_TASK_ROOT", root.join("bench/baseline").display().to_string()));
    python_env.push(("_HANDLER", "handler.handler".to_string()));
    let python_cmd: Vec<PathBuf> = vec![python.clone(), root.join("bench/baseline/bootstrap.py")];
    let python_cmd: Vec<&Path> = python_cmd.iter().map(PathBuf::as_path).collect();
    let python_warm = run(&python_cmd, &python_env, &python_events, Duration::from_secs(120)).await;
    let node_events: Vec<String> = (0..50)
        .map(|i| admin_event(event(&root, "create-table", 8000 + i, &org)))
        .collect();
    let mut node_env = env.clone();
    node_env.push(("LAMBDA_TASK_ROOT", node_baseline.display().to_string()));
    node_env.push(("_HANDLER", "handler.handler".to_string()));
    // The SDK warns at load, once per process, that releases after January 2027 need Node 22.
    node_env.push(("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true".to_string()));
    let node_cmd: Vec<PathBuf> = vec![node.clone(), node_baseline.join("bootstrap.mjs")];
    let node_cmd: Vec<&Path> = node_cmd.iter().map(PathBuf::as_path).collect();
    let node_warm = run(&node_cmd, &node_env, &node_events, Duration::from_secs(120)).await;
    let durations = |r: &api_tests::runtime::Run| -> Vec<Duration> {
        for (answer, _) in &r.invocations {
            let status = answer
                .as_ref()
                .map(|a| a["statusCode"].as_u64().unwrap_or(0))
                .unwrap_or(0);
            assert_eq!(status, 200, "warm run answered {answer:?}");
        }
        r.invocations.iter().skip(1).map(|(_, d)| *d).collect()
    };
    let (mut rust_durations, mut python_durations, mut node_durations) =
        (durations(&rust_warm), durations(&python_warm), durations(&node_warm));
    // Cold: a fresh process per run, Python and Node in alternation.
    let peers = [
        ("Python", PYTHON_ROW, &python_cmd, &python_env, 7000),
        ("Node", NODE_ROW, &node_cmd, &node_env, 9000),
    ];
    let mut inits: Vec<Vec<Duration>> = vec![Vec::with_capacity(COLD_RUNS); peers.len()];
    let mut peak_rss = vec![0; peers.len()];
    for i in 0..COLD_RUNS {
        for (p, (peer, _, cmd, peer_env, first)) in peers.iter().enumerate() {
            let event = admin_event(event(&root, "create-table", first + i, &org));
            let result = run(cmd, peer_env, &[event], Duration::from_secs(60)).await;
            let status = result.invocations[0]
                .0
                .as_ref()
                .map(|a| a["statusCode"].as_u64().unwrap_or(0))
                .unwrap_or(0);
            assert_eq!(status, 200, "{peer} cold run answered {:?}", result.invocations[0].0);
            inits[p].push(result.init);
            peak_rss[p] = peak_rss[p].max(result.peak_rss_kib.unwrap_or(0));
        }
    }
    for ((_, name, ..), (samples, rss)) in peers.iter().zip(inits.iter_mut().zip(peak_rss)) {
        rows.push(Row {
            name: name.to_string(),
            cold_ms: ms(percentile(samples, 0.5)),
            rss_mb: rss as f64 / 1024.0,
            p50_ms: None,
            p99_ms: None,
            round_trips: None,
            capacity: None,
            size: None,
            zip: None,
            arm64: None,
            arm64_zip: None,
        });
    }

    let mut report = render(
        &rows,
        floor_p50,
        floor_p99,
        &mut rust_durations,
        &mut python_durations,
        &mut node_durations,
    );
    let one_transaction: Vec<String> = rows
        .iter()
        .filter(|r| r.name == "create-table" || r.name == "create-team")
        .filter_map(|r| r.p50_ms.map(|p| format!("{} {:.2}x", r.name, p / ms(tx_floor_p50))))
        .collect();
    report.push_str(&format!(
        "\nRaw transaction floor (TransactWriteItems of four small Puts, same client, same run): p50 {:.2} ms, {:.2}x the PutItem floor. The one-transaction creates against it: {}.\n",
        ms(tx_floor_p50),
        ms(tx_floor_p50) / ms(floor_p50),
        one_transaction.join(", ")
    ));
    report.push_str(&wide_line);
    report.push_str(&profile_table);
    println!("{report}");
    std::fs::write(root.join("bench/results.md"), &report).expect("write results");
    std::fs::write(root.join("bench/results.svg"), chart(&rows)).expect("write chart");
    eprintln!("bench: wrote bench/results.md and bench/results.svg");
}

fn render(
    rows: &[Row],
    floor_p50: Duration,
    floor_p99: Duration,
    rust: &mut [Duration],
    python_warm: &mut [Duration],
    node_warm: &mut [Duration],
) -> String {
    let opt = |v: Option<f64>, digits: usize| v.map_or("–".to_string(), |v| format!("{v:.digits$}"));
    let kib = |v: Option<u64>| v.map_or("–".to_string(), |v| format!("{:.0}", v as f64 / 1024.0));
    let mut out = String::new();
    let _ = writeln!(out, "| function | cold start ms (median of {COLD_RUNS}) | peak RSS MB | warm p50 ms | warm p99 ms | p50 / PutItem floor | DynamoDB calls per request (incl. auth) | capacity units per request | binary KiB (x86_64) | zip KiB | arm64 bootstrap KiB | arm64 zip KiB |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    let floor = ms(floor_p50);
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            row.cold_ms,
            row.rss_mb,
            opt(row.p50_ms, 2),
            opt(row.p99_ms, 2),
            opt(row.p50_ms.map(|p| p / floor), 2),
            opt(row.round_trips, 2),
            opt(row.capacity, 1),
            kib(row.size),
            kib(row.zip),
            kib(row.arm64),
            kib(row.arm64_zip),
        );
    }
    let _ = writeln!(
        out,
        "\nRaw PutItem floor (same client, same DynamoDB Local, same run): p50 {:.2} ms, p99 {:.2} ms.",
        floor,
        ms(floor_p99)
    );
    let rust_table = rows
        .iter()
        .find(|r| r.name == "create-table")
        .expect("create-table row");
    let python = rows.iter().find(|r| r.name == PYTHON_ROW).expect("python row");
    let node = rows.iter().find(|r| r.name == NODE_ROW).expect("node row");
    let (r50, r99) = (ms(percentile(rust, 0.5)), ms(percentile(rust, 0.99)));
    let (p50, p99) = (ms(percentile(python_warm, 0.5)), ms(percentile(python_warm, 0.99)));
    let (n50, n99) = (ms(percentile(node_warm, 0.5)), ms(percentile(node_warm, 0.99)));
    let _ = writeln!(out, "\ncreate-table, Rust against the Python 3.11 + boto3 and Node 20 + AWS SDK v3 baselines, same Runtime API harness, same DynamoDB Local:\n");
    let _ = writeln!(out, "| | Rust | Python | Python / Rust | Node | Node / Rust |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let mut line = |what: &str, rust: f64, python: f64, node: f64, digits: usize| {
        let _ = writeln!(
            out,
            "| {what} | {rust:.digits$} | {python:.digits$} | {:.1}x | {node:.digits$} | {:.1}x |",
            python / rust,
            node / rust
        );
    };
    line(
        "cold start ms (median)",
        rust_table.cold_ms,
        python.cold_ms,
        node.cold_ms,
        1,
    );
    line("warm handler p50 ms (49 invocations)", r50, p50, n50, 2);
    line("warm handler p99 ms", r99, p99, n99, 2);
    line("peak RSS MB", rust_table.rss_mb, python.rss_mb, node.rss_mb, 1);
    out
}

/// A horizontal bar chart of cold starts (log-free, so the gap is plain to see).
fn chart(rows: &[Row]) -> String {
    let max = rows.iter().map(|r| r.cold_ms).fold(1.0, f64::max);
    let (width, bar_height, left) = (760.0, 26.0, 300.0);
    let height = 60.0 + rows.len() as f64 * (bar_height + 10.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">\n<text x=\"10\" y=\"24\" font-size=\"16\">Cold start (Init Duration), median of {COLD_RUNS}, ms</text>\n"
    );
    for (i, row) in rows.iter().enumerate() {
        let y = 44.0 + i as f64 * (bar_height + 10.0);
        let w = (width - left - 80.0) * row.cold_ms / max;
        let color = if row.name == PYTHON_ROW {
            "#d9822b"
        } else if row.name == NODE_ROW {
            "#3c873a"
        } else {
            "#2b6cb0"
        };
        let _ = writeln!(svg, "<text x=\"10\" y=\"{:.0}\">{}</text>", y + 18.0, row.name);
        let _ = writeln!(
            svg,
            "<rect x=\"{left}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"{bar_height}\" fill=\"{color}\"/>",
            w.max(1.0)
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.0}\">{:.1}</text>",
            left + w.max(1.0) + 6.0,
            y + 18.0,
            row.cold_ms
        );
    }
    svg.push_str("</svg>\n");
    svg
}
