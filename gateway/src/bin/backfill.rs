//! `make backfill`: writes what items written before a change of the data model lack (see
//! `shared::store::backfill`), then exits non-zero if it could not finish. Safe to run
//! while the API serves, and again. Reads `TABLE_NAME` (workspace-local) and the SDK's
//! environment (`AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).

use shared::state::sdk_config;
use shared::store::Store;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "workspace-local".to_string());
    let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk_config().await), table.clone());
    let referrers = store.backfill_referrers().await.map(|report| {
        println!(
            "backfill of table {table}: {} records read; referrer items: {} written, {} already there",
            report.records, report.written, report.present
        );
    });
    let search = match referrers {
        Ok(()) => store.backfill_search().await.map(|report| {
            println!(
                "backfill of table {table}: search index: {} records and docs read, {} indexed, {} current already",
                report.records, report.written, report.present
            );
        }),
        Err(e) => Err(e),
    };
    match search {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "backfill of table {table} stopped: {} (run it again: it writes only what is missing)",
                shared::store::error::with_sources(&e)
            );
            std::process::ExitCode::FAILURE
        }
    }
}
