//! The pages in a real browser: Debian's Chromium (installed by `scripts/chromium.sh`, as
//! DynamoDB Local is by its script), headless, driven by playwright-core
//! (`tests/browser/pages.mjs`) against the local gateway. It opens the reference, a
//! workspace page without a session, a revoked token and a forged cookie (each on the
//! access page), the embed URL, a table of 1,000 records page by page through the cursor,
//! the filter and order form, a record by its `web_url` and a reference from it, a value
//! that is a script, another organization's workspace, the pages on a phone's width, and
//! the sign-out form. Screenshots: `target/browser-screenshots/` (not committed).

use std::path::PathBuf;

use api_tests::{repo_root, target_dir, TestApi};
use serde_json::{json, Value};

/// `tests/browser`, its pinned playwright-core installed.
async fn installed() -> PathBuf {
    let dir = repo_root().join("tests/browser");
    api_tests::npm_installed(&dir).await;
    dir
}

/// Debian's Chromium, installed by the project's script when missing.
async fn chromium() -> String {
    let output = tokio::process::Command::new(repo_root().join("scripts/chromium.sh"))
        .arg("install")
        .output()
        .await
        .expect("scripts/chromium.sh runs");
    assert!(
        output.status.success(),
        "installing chromium: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

const RECORDS: usize = 1000;

/// What seeded record `n` holds: employees spread over 0..1000, every third one Won.
fn employees(n: usize) -> u64 {
    (n as u64 * 7919) % 1000
}
fn won(n: usize) -> bool {
    n.is_multiple_of(3)
}

#[tokio::test]
async fn the_pages_work_in_a_real_browser() {
    let (dir, browser) = tokio::join!(installed(), chromium());
    let api = TestApi::start().await;
    let org = api.create_org("Browser", "browser-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    for field in [
        json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}}),
        json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Won"]}}),
        json!({"key": "parent", "schema": {"name": "Parent", "type": "record-reference", "link": "companies"}}),
    ] {
        api.add_field(&org.key, "companies", &field).await;
    }
    let seeded = api
        .seed_records(&org, "companies", RECORDS, |n| {
            json!({"name": format!("Seeded {n:04}"), "employees": employees(n),
                "stage": if won(n) { "Won" } else { "Lead" }})
        })
        .await;
    // A record with a reference and a history, and one whose name is a script.
    let made = api
        .create_record(
            &org.key,
            "companies",
            &json!({"name": "Ada Holdings", "employees": 12, "parent": [{"target_object": "companies", "target_record_id": seeded[0].id}]}),
        )
        .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let ada = made.body["data"]["id"]["record_id"]
        .as_str()
        .expect("an id")
        .to_string();
    let renamed = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("/v2/objects/companies/records/{ada}"),
            Some(&json!({"data": {"values": {"name": "Ada Lovelace Holdings"}}})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let record_url = renamed.body["data"]["web_url"].as_str().expect("a web_url").to_string();
    let script = api
        .create_record(&org.key, "companies", &json!({"name": "<script>alert(1)</script>"}))
        .await;
    let script_url = script.body["data"]["web_url"].as_str().expect("a web_url").to_string();
    // Another organization, and a token of this one's owner that was revoked.
    let other = api.create_org("Other", "other-owner").await;
    api.create_table(&other.key, "Companies", "OC", "companies").await;
    api.create_record(&other.key, "companies", &json!({"name": "Secret Other Co"}))
        .await;
    let revoked = api.embed_token("browser-owner", org.id).await;
    let rotated = api
        .admin("DELETE", "/api/v1/users/browser-owner/embed-token", None)
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let token = api.embed_token("browser-owner", org.id).await;
    assert_ne!(token, revoked);

    let workspace = shared::domain::organization::OrgId(org.id).workspace_id();
    let other_workspace = shared::domain::organization::OrgId(other.id).workspace_id();
    let workspace_url = format!("{}/app/{workspace}", api.base_url);
    assert!(
        record_url.starts_with(&format!("{workspace_url}/companies/")),
        "{record_url}"
    );
    let shots = target_dir().join("browser-screenshots");
    std::fs::create_dir_all(&shots).expect("the screenshots folder");
    let env = [
        ("CHROMIUM", browser),
        ("SCREENSHOTS", shots.display().to_string()),
        ("BASE_URL", api.base_url.clone()),
        ("EMBED_URL", format!("{}/dashboard.html?token={token}", api.base_url)),
        (
            "REVOKED_EMBED_URL",
            format!("{}/dashboard.html?token={revoked}", api.base_url),
        ),
        ("WORKSPACE_URL", workspace_url.clone()),
        ("RECORDS_URL", format!("{workspace_url}/companies")),
        ("RECORD_URL", record_url.clone()),
        ("SCRIPT_RECORD_URL", script_url),
        (
            "OTHER_RECORDS_URL",
            format!("{}/app/{other_workspace}/companies", api.base_url),
        ),
    ];
    let output = tokio::process::Command::new("node")
        .arg("--no-warnings")
        .arg("pages.mjs")
        .current_dir(&dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pages.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("one JSON line");
    let text = |pointer: &str| {
        seen.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };

    // The reference: every endpoint, no script, the policy.
    assert_eq!(seen["docs"]["status"], 200);
    assert!(text("/docs/text").contains("API reference"));
    assert_eq!(seen["docs"]["endpoints"], shared::routes::ROUTES.len());
    assert_eq!(seen["docs"]["scripts"], 0);
    assert!(text("/docs/csp").contains("frame-ancestors 'none'"));
    assert_eq!(text("/docs/encoding"), "gzip", "the browser asked for gzip");

    // No session, a revoked token, a forged cookie: the access page, no data.
    for case in ["no_session", "forged"] {
        assert_eq!(text(&format!("/{case}/path")), "/app/access", "{case}");
        assert!(
            text(&format!("/{case}/text")).contains("Sign in to see this workspace"),
            "{case}"
        );
        assert!(!text(&format!("/{case}/text")).contains("Seeded"), "{case}");
    }
    assert_eq!(text("/revoked/path"), "/app/access");
    assert_eq!(seen["revoked"]["cookies"], 0, "a revoked token starts no session");

    // The embed URL: a session, then the tables.
    assert_eq!(text("/embed/path"), format!("/app/{workspace}"));
    assert!(text("/embed/text").contains("Companies"));
    assert_eq!(seen["embed"]["cookie"]["httpOnly"], true);
    assert_eq!(seen["embed"]["cookie"]["sameSite"], "Lax");
    assert!(text("/embed/csp").contains("frame-ancestors 'self'"));

    // 1,002 records, 50 a page, each once, in display-number order.
    let total = RECORDS + 2;
    assert_eq!(seen["paging"]["rows"], total, "{}", seen["paging"]);
    assert_eq!(seen["paging"]["unique"], total);
    assert_eq!(seen["paging"]["pages"], total.div_ceil(50));
    assert_eq!(text("/paging/first"), "CO-1");
    assert_eq!(text("/paging/last"), format!("CO-{total}"));

    // The filter and the order: every Won record, by employees, most first.
    let headers: Vec<String> = serde_json::from_value(seen["filtered"]["headers"].clone()).expect("headers");
    let column = |name: &str| headers.iter().position(|h| h == name).expect("a column");
    let rows: Vec<Vec<String>> = serde_json::from_value(seen["filtered"]["rows"].clone()).expect("rows");
    let mut expected: Vec<u64> = (0..RECORDS).filter(|n| won(*n)).map(employees).collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    let shown: Vec<u64> = rows
        .iter()
        .map(|r| r[column("Employees")].parse().expect("a number"))
        .collect();
    assert_eq!(shown, expected);
    assert!(rows.iter().all(|r| r[column("Stage")] == "Won"));

    // The record by its web_url: values, history, references.
    assert_eq!(seen["record"]["status"], 200);
    let record = text("/record/text");
    for needle in [
        "Ada Lovelace Holdings",
        "12",
        "Referenced by",
        "History",
        "Ada Holdings",
    ] {
        assert!(record.contains(needle), "the record page shows {needle}: {record}");
    }
    assert_eq!(
        text("/followed/path"),
        format!("/app/{workspace}/companies/{}", seeded[0].id)
    );
    assert!(text("/followed/text").contains("Seeded 0000"));
    assert!(
        text("/followed/text").contains("Ada Lovelace Holdings"),
        "referenced by Ada"
    );

    // A script in a value is text.
    assert!(text("/script/text").contains("<script>alert(1)</script>"));
    assert_eq!(seen["script"]["scripts"], 0);
    assert_eq!(seen["script"]["dialogs"], 0);

    // Another organization's workspace: not found, nothing of it.
    assert_eq!(seen["other"]["status"], 404);
    assert!(!text("/other/text").contains("Secret Other Co"));

    // A phone's width.
    assert_eq!(seen["phone"]["record_fits"], true);
    assert_eq!(seen["phone"]["records_fit"], true);

    // Signed out: the access page, the cookie gone, and the pages with it.
    assert_eq!(text("/signed_out/path"), "/app/access");
    assert_eq!(seen["signed_out"]["cookies"], 0);
    assert_eq!(text("/signed_out/then"), "/app/access");

    for shot in ["docs", "no-session", "tables", "records", "record", "record-phone"] {
        assert!(shots.join(format!("{shot}.png")).exists(), "{shot}.png");
    }
}
