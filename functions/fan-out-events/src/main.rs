//! `fan-out-events`: the table's stream (change-event items only) invokes it; it delivers
//! each event to the webhooks that subscribe to it, a first attempt at once. All logic lives
//! in the `shared` crate (`shared::delivery`).

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run_fan_out()
}
