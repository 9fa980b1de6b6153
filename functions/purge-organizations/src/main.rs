//! `purge-organizations`: the table's stream (purge markers only) invokes it; it removes, a
//! bounded step at a time, what a deleted organization left. All logic lives in the
//! `shared` crate (`shared::purge`).

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run_purges()
}
