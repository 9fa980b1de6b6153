//! `list-webhook-deliveries`: the Lambda function of GET /v2/webhooks/{webhook_id}/deliveries, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<shared::routes::handlers::ListWebhookDeliveries>()
}
