//! `records-page`: the Lambda function of GET /app/{workspace}/{object}, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::RecordsPage>()
}
