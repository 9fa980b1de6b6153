//! `open-embed`: the Lambda function of GET /dashboard.html, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::OpenEmbed>()
}
