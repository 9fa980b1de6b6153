//! `create-api-key`: one Lambda function, one endpoint. All logic lives in the `shared` crate.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run(shared::routes::Endpoint::CreateApiKey).await
}
