//! `unmatched-route`: the function behind the deployed API's `$default` route. It answers
//! what no endpoint takes (404, or 405 with `Allow`) with the same error body as every
//! endpoint. All logic lives in the `shared` crate.

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run_unmatched()
}
