//! `retry-deliveries`: a schedule invokes it every minute; it attempts again the webhook
//! deliveries that are due. All logic lives in the `shared` crate (`shared::delivery`).

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run_retries()
}
