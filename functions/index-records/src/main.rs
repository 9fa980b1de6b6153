//! `index-records`: the table's stream (change-event items only) invokes it; it indexes
//! each record a `record.*` event names for search, as the record is now. All logic lives
//! in the `shared` crate (`shared::search_index`).

fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run_search_index()
}
