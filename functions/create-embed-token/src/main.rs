//! `create-embed-token`: the Lambda function of POST /api/v1/users/{external_id}/embed-token, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::CreateEmbedToken>()
}
