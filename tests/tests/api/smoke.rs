//! scripts/smoke.sh, which a user runs against a deployed API after `sam deploy`, run here
//! against the local gateway: the four seed requests and a read of each must pass.

use api_tests::{repo_root, TestApi};

#[tokio::test]
async fn the_smoke_script_passes_against_the_local_gateway() {
    let api = TestApi::start().await;
    let output = tokio::process::Command::new("bash")
        .arg(repo_root().join("scripts/smoke.sh"))
        .arg(&api.base_url)
        .arg(&api.admin_key)
        .output()
        .await
        .expect("bash runs scripts/smoke.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "smoke.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("16 passed, 0 failed"), "{stdout}");
    api.assert_audit_clean().await;
}
