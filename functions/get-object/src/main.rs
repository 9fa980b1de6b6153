//! `get-object`: one Lambda function, one endpoint, and only its handler (static dispatch). All
//! logic lives in the `shared` crate.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run(
        shared::routes::Endpoint::GetObject,
        shared::routes::handlers::get_object,
    )
    .await
}
