//! `delete-application-record`: the Lambda function of DELETE /api/v1/applications/{application_id}/records/{record_id}, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::DeleteApplicationRecord>()
}
