//! The vendors' own client libraries, unchanged but for the base URL and the key, against
//! the local gateway: our reading of a vendor's docs is not the vendor's client. Each
//! client lives in `tests/vendor-sdks/<vendor>/` with its version pinned in package.json
//! and package-lock.json, installed with `npm ci` (from the npm registry) when missing.

use std::path::{Path, PathBuf};

use api_tests::{repo_root, TestApi};
use serde_json::json;

/// `tests/vendor-sdks/<vendor>`, its pinned packages installed.
async fn installed(vendor: &str) -> PathBuf {
    let dir = repo_root().join("tests/vendor-sdks").join(vendor);
    api_tests::npm_installed(&dir).await;
    dir
}

/// Runs `node <script>` in the vendor's folder with `env`, and returns its output; fails
/// the test, with that output, when the script does.
async fn node(dir: &Path, script: &str, env: &[(&str, &str)]) -> String {
    let output = tokio::process::Command::new("node")
        .arg("--no-warnings")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// attio-ts-sdk, which validates every response with its Zod schemas (Attio's OpenAPI).
#[tokio::test]
async fn attios_typescript_sdk_works_unchanged() {
    let dir = installed("attio").await;
    let api = TestApi::start().await;
    // Record search's index, kept from the stream as the deployed index-records function
    // keeps it.
    let indexer = api.index_from_stream().await;
    let org = api.create_org("Attio SDK", "attio-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    for field in [
        json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}}),
        json!({"key": "domains", "unique": true, "schema": {"name": "Domains", "type": "domain", "array": true}}),
        json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Won"]}}),
    ] {
        api.add_field(&org.key, "companies", &field).await;
    }
    let output = node(
        &dir,
        "contract.mjs",
        &[
            ("ATTIO_BASE_URL", &api.base_url),
            ("ATTIO_API_KEY", &org.key),
            ("ATTIO_MEMBER_EMAIL", "attio-owner@example.com"),
        ],
    )
    .await;
    eprintln!("{output}");
    indexer.abort();
    assert!(output.ends_with("0 failed\n"), "{output}");
    api.assert_audit_clean().await;
}
