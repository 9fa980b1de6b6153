//! `delete-field`: the Lambda function of POST /api/v1/applications/{application_id}/delete_field, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::DeleteField>()
}
