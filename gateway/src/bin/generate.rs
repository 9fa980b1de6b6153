//! `make generate`: writes what the endpoint catalog (shared/src/catalog.rs) derives (see
//! `gateway::generate`). `--check` writes nothing and exits 1 if anything is not current,
//! saying what; `make test` runs it.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root");
    let check = std::env::args().any(|a| a == "--check");
    let result = if check {
        gateway::generate::check(root)
    } else {
        gateway::generate::write(root)
    };
    match result {
        Ok(lines) if check && !lines.is_empty() => {
            for line in &lines {
                eprintln!("generate: {line}");
            }
            eprintln!("generate: run `make generate` (shared/src/catalog.rs is the one declaration of each endpoint)");
            ExitCode::FAILURE
        }
        Ok(lines) => {
            for line in &lines {
                println!("generate: {line}");
            }
            if !check {
                println!("generate: {} change(s)", lines.len());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("generate: {e}");
            ExitCode::from(2)
        }
    }
}
