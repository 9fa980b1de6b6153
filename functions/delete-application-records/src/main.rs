//! `delete-application-records`: the Lambda function of PATCH /api/v1/applications/{application_id}/records/bulk_delete, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::DeleteApplicationRecords>()
}
