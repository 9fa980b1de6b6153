//! `import-records`: one Lambda function, one endpoint, and only its handler (static dispatch). All
//! logic lives in the `shared` crate.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run(
        shared::routes::Endpoint::ImportRecords,
        shared::routes::handlers::import_records,
    )
    .await
}
