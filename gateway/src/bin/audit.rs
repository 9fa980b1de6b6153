//! `make audit`: checks every invariant of a table (see `shared::audit`) and exits non-zero
//! on a breach. Reads `TABLE_NAME` (workspace-local) and the SDK's environment
//! (`AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).

use shared::state::sdk_config;
use shared::store::Store;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "workspace-local".to_string());
    let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk_config().await), table.clone());
    let report = match store.audit().await {
        Ok(report) => report,
        Err(e) => {
            eprintln!(
                "audit: could not read table {table}: {}",
                shared::store::error::with_sources(&e)
            );
            return std::process::ExitCode::from(2);
        }
    };
    println!("audit of table {table}:");
    for (kind, count) in &report.counts {
        println!("  {count:>8}  {kind}");
    }
    if report.is_clean() {
        println!("clean: every invariant holds");
        std::process::ExitCode::SUCCESS
    } else {
        println!("{} breaches:", report.breaches.len());
        for breach in &report.breaches {
            println!("  - {breach}");
        }
        std::process::ExitCode::FAILURE
    }
}
