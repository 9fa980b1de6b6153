//! Attio's records, with `Authorization: Bearer <org key>`: `POST`, `PUT` (assert) and the
//! record routes of `/v2/objects/{object}/records/...`. Their requests are served by
//! `endpoints::common::attio_records`, which a list's entries (`entries.rs`) run too.

pub use crate::endpoints::common::attio_records::{
    assert, create, delete, get, list_values, replace, update, DeletedRecord, ValueList,
};
