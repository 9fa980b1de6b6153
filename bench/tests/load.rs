//! `make load`, short (`load --short`): a few hundred mixed requests, an organization
//! deleted under load and purged from the stream, then the counts and the audit. `cargo
//! test` runs it, so the documented command cannot break unnoticed; `make load` is the full
//! size.

use std::process::Command;

#[test]
fn a_short_load_passes_its_checks() {
    let out = Command::new(env!("CARGO_BIN_EXE_load"))
        .arg("--short")
        .output()
        .expect("the load binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "`load --short` failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
