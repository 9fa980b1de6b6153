//! What one endpoint's declaration says, as data: its route, how it authenticates, the
//! query parameters it reads, the error codes it documents and the DynamoDB actions its
//! function is granted. The declarations themselves are in [`crate::catalog`]; the route
//! layer ([`crate::routes`]) enforces them, and `make generate` derives each function's
//! crate and its template.yaml resource from them.
//!
//! This sits below the endpoints and the pipeline, so that the services that act on a
//! route (the rate limit, the OpenAPI document) read it without importing the route layer.

/// How an endpoint authenticates its caller (defined with the authentication itself).
pub use crate::auth::Auth;

/// What a function may do to the table, derived from its grants: a function granted no
/// write action is a read, and template.yaml gives it a role that cannot write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A DynamoDB action a function's role grants on the table and its index. IAM has no
/// action for a transaction itself: a `TransactWriteItems` needs the action of each of its
/// parts (`PutItem`, `UpdateItem`, `DeleteItem`, `ConditionCheckItem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    GetItem,
    BatchGetItem,
    Query,
    PutItem,
    UpdateItem,
    DeleteItem,
    ConditionCheckItem,
    BatchWriteItem,
}

impl Grant {
    /// The action's name in a policy, without the `dynamodb:` prefix.
    pub const fn name(self) -> &'static str {
        match self {
            Grant::GetItem => "GetItem",
            Grant::BatchGetItem => "BatchGetItem",
            Grant::Query => "Query",
            Grant::PutItem => "PutItem",
            Grant::UpdateItem => "UpdateItem",
            Grant::DeleteItem => "DeleteItem",
            Grant::ConditionCheckItem => "ConditionCheckItem",
            Grant::BatchWriteItem => "BatchWriteItem",
        }
    }

    /// Whether the action changes the table.
    pub const fn writes(self) -> bool {
        matches!(
            self,
            Grant::PutItem | Grant::UpdateItem | Grant::DeleteItem | Grant::BatchWriteItem
        )
    }
}

impl Access {
    /// A function's access: `Write` if any of its grants writes.
    pub const fn of(grants: &[Grant]) -> Access {
        let mut i = 0;
        while i < grants.len() {
            if grants[i].writes() {
                return Access::Write;
            }
            i += 1;
        }
        Access::Read
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// API Gateway's path template: `{name}` marks a path parameter.
    pub path: &'static str,
    /// The function's package and binary name under `functions/`.
    pub function: &'static str,
    /// Its handler's path under `crate::endpoints` (`attio::records::get`), as declared.
    pub handler: &'static str,
    /// How the caller authenticates; enforced before the handler runs.
    pub auth: Auth,
    /// The query parameters it reads; any other is ignored (and logged at debug level).
    pub query: &'static [QueryParam],
    /// Whether it writes (from its grants). Only writes are idempotent.
    pub access: Access,
    /// The `code` an error of a status carries here, where the vendor documents one per
    /// status (Attio's OpenAPI does, for each endpoint): `[(400, "filter_error")]`.
    pub error_codes: &'static [(u16, &'static str)],
    /// The DynamoDB actions its function's role grants: exactly what its handler does
    /// (the test `every_function_is_granted_exactly_what_it_does` holds it to that).
    pub grants: &'static [Grant],
    /// The server-side secrets its function reads (each an SSM parameter its role may get).
    pub secrets: &'static [Secret],
}

/// A secret the server keeps outside the table, read by the functions that need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The key that seals webhook signing secrets (`crate::sealing`).
    WebhookSealingKey,
}

impl Secret {
    /// The template parameter that names its SSM parameter.
    pub const fn template_parameter(self) -> &'static str {
        match self {
            Secret::WebhookSealingKey => "WebhookSealingKeyParameter",
        }
    }
}

impl Route {
    /// Whether an `Idempotency-Key` makes this route's requests happen once: POSTs that
    /// write. A read (records query, teams list) is safe to repeat and writes nothing, so
    /// the header is ignored there.
    pub fn is_idempotent(&self) -> bool {
        self.method == "POST" && self.access == Access::Write
    }

    /// The names of its path parameters, in order: `["object", "record_id"]`.
    pub fn path_parameters(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    }
}

/// A query parameter an endpoint reads. Any other is ignored, as the vendors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryParam {
    pub name: &'static str,
    pub required: bool,
    /// A whole number (else text).
    pub integer: bool,
    pub description: &'static str,
}

pub const fn param(name: &'static str, required: bool, integer: bool, description: &'static str) -> QueryParam {
    QueryParam {
        name,
        required,
        integer,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_a_write_if_any_grant_writes() {
        let cases: &[(&[Grant], Access)] = &[
            (&[], Access::Read),
            (&[Grant::GetItem, Grant::Query, Grant::BatchGetItem], Access::Read),
            (&[Grant::GetItem, Grant::ConditionCheckItem], Access::Read),
            (&[Grant::GetItem, Grant::UpdateItem], Access::Write),
            (&[Grant::DeleteItem], Access::Write),
            (&[Grant::Query, Grant::BatchWriteItem], Access::Write),
            (&[Grant::PutItem], Access::Write),
        ];
        for (grants, access) in cases {
            assert_eq!(Access::of(grants), *access, "{grants:?}");
        }
    }
}
