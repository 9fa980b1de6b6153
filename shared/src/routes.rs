//! The route table: one entry per endpoint, saying everything about it: its method and path
//! (as API Gateway declares them in template.yaml), the Lambda function that serves it, how
//! it authenticates, whether it writes, the query parameters it reads, and (through
//! [`Endpoint`]) its handler; `openapi::contract` gives its OpenAPI contract by the same
//! endpoint. [`Route::handle`] enforces the entry: it ignores unknown query parameters (logged),
//! authenticates by the declared scheme, makes a write POST idempotent, and only then hands
//! the handler its authenticated [`Caller`]. The local gateway routes by this table, each
//! Lambda binary serves one entry, and tests check it against template.yaml.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};
use tracing::Instrument;

/// How an endpoint authenticates its caller (defined with the authentication itself).
pub use crate::auth::Auth;
use crate::auth::{authenticate, Caller};
use crate::endpoints::answering_agent::{organizations, users};
use crate::endpoints::attio::{objects, record_query, records};
use crate::endpoints::invent::tables;
use crate::endpoints::smartsuite::{members, teams};
use crate::error::ApiError;
use crate::http::error_response;
use crate::idempotency;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    CreateOrganization,
    GetOrganization,
    CreateTable,
    GetTable,
    CreateField,
    CreateTeam,
    GetTeam,
    CreateRecord,
    GetRecord,
    ListTables,
    UpdateTable,
    UpdateField,
    ListTeams,
    UpdateTeam,
    DeleteTeam,
    QueryRecords,
    UpdateRecord,
    ReplaceRecord,
    AssertRecord,
    DeleteRecord,
    ListOrganizations,
    UpdateOrganization,
    DeleteOrganization,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
    CreateUser,
    ListUsers,
    GetUser,
    UpdateUser,
    ListObjects,
    GetObject,
    ListAttributes,
    GetAttribute,
    ListAttributeOptions,
    ListRecordValues,
    CreateObject,
    UpdateObject,
    CreateAttribute,
    UpdateAttribute,
    CreateAttributeOption,
    UpdateAttributeOption,
    ListAttributeStatuses,
    CreateAttributeStatus,
    UpdateAttributeStatus,
    ListMembers,
    ImportRecords,
}

/// What a function may do to the table; template.yaml gives read-only functions a read-only role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// API Gateway's path template: `{name}` marks a path parameter.
    pub path: &'static str,
    /// The function's package and binary name under `functions/`.
    pub function: &'static str,
    /// The endpoint, which names its handler.
    pub endpoint: Endpoint,
    /// How the caller authenticates; enforced before the handler runs.
    pub auth: Auth,
    /// The query parameters it reads; any other is ignored (and logged at debug level).
    pub query: &'static [QueryParam],
    /// Whether it writes. Only writes are idempotent, and template.yaml gives a read-only
    /// function a role that cannot write.
    pub access: Access,
    /// The `code` an error of a status carries here, where the vendor documents one per
    /// status (Attio's OpenAPI does, for each endpoint): `[(400, "filter_error")]`.
    pub error_codes: &'static [(u16, &'static str)],
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

const fn param(name: &'static str, required: bool, integer: bool, description: &'static str) -> QueryParam {
    QueryParam {
        name,
        required,
        integer,
        description,
    }
}

const LIMIT: QueryParam = param("limit", false, true, "How many to return");
const OFFSET: QueryParam = param("offset", false, true, "How many to skip");
const NONE: &[QueryParam] = &[];
const PAGE: &[QueryParam] = &[LIMIT, OFFSET];
const TABLES: &[QueryParam] = &[
    param("type", false, false, "Only tables of this type"),
    param("search", false, false, "Only tables whose name contains this"),
    param("page", false, true, "Invent's page number, from 1"),
    param("take", false, true, "Invent's page size, at most 100 (default 100)"),
    LIMIT,
    OFFSET,
];
const USERS: &[QueryParam] = &[
    param("organization_id", false, true, "Only this organization's users"),
    LIMIT,
    OFFSET,
];
/// Answering Agent puts `organization_id` in the query of a user create or update, or in
/// the body.
const USER_ORG: &[QueryParam] = &[param(
    "organization_id",
    false,
    true,
    "The organization to add the user to (or `organization_id` in the body)",
)];
const KEY: &[QueryParam] = &[param("id", false, false, "The key's id (or `id` in the body)")];
const SHOW_ARCHIVED: QueryParam = param(
    "show_archived",
    false,
    false,
    "true or false; nothing is archived here, so both give the same list",
);
const ATTRIBUTES: &[QueryParam] = &[LIMIT, OFFSET, SHOW_ARCHIVED];
const OPTIONS: &[QueryParam] = &[SHOW_ARCHIVED];
const VALUES: &[QueryParam] = &[
    param(
        "show_historic",
        false,
        false,
        "true: replaced values too, with their active_until",
    ),
    LIMIT,
    OFFSET,
];
const MATCHING: &[QueryParam] = &[param(
    "matching_attribute",
    true,
    false,
    "The slug of the unique attribute to match on",
)];

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/api/v1/organizations",
        function: "create-organization",
        endpoint: Endpoint::CreateOrganization,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/organizations/{id}",
        function: "get-organization",
        endpoint: Endpoint::GetOrganization,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/orgs/{org_id}/tables",
        function: "create-table",
        endpoint: Endpoint::CreateTable,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/orgs/{org_id}/tables/{table_id}",
        function: "get-table",
        endpoint: Endpoint::GetTable,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/orgs/{org_id}/tables/{table_id}/fields",
        function: "create-field",
        endpoint: Endpoint::CreateField,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/teams",
        function: "create-team",
        endpoint: Endpoint::CreateTeam,
        auth: Auth::Token,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/teams/{id}",
        function: "get-team",
        endpoint: Endpoint::GetTeam,
        auth: Auth::Token,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/records",
        function: "create-record",
        endpoint: Endpoint::CreateRecord,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "value_not_found")],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "get-record",
        endpoint: Endpoint::GetRecord,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/orgs/{org_id}/tables",
        function: "list-tables",
        endpoint: Endpoint::ListTables,
        auth: Auth::Bearer,
        query: TABLES,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "PATCH",
        path: "/orgs/{org_id}/tables/{table_id}",
        function: "update-table",
        endpoint: Endpoint::UpdateTable,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "PATCH",
        path: "/orgs/{org_id}/tables/{table_id}/fields/{field_id}",
        function: "update-field",
        endpoint: Endpoint::UpdateField,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/teams/list",
        function: "list-teams",
        endpoint: Endpoint::ListTeams,
        auth: Auth::Token,
        query: PAGE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "PATCH",
        path: "/api/v1/teams/{id}",
        function: "update-team",
        endpoint: Endpoint::UpdateTeam,
        auth: Auth::Token,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "DELETE",
        path: "/api/v1/teams/{id}",
        function: "delete-team",
        endpoint: Endpoint::DeleteTeam,
        auth: Auth::Token,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/records/query",
        function: "query-records",
        endpoint: Endpoint::QueryRecords,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Read,
        error_codes: &[(400, "filter_error")],
    },
    Route {
        method: "PATCH",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "update-record",
        endpoint: Endpoint::UpdateRecord,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "missing_value")],
    },
    Route {
        method: "PUT",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "replace-record",
        endpoint: Endpoint::ReplaceRecord,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "missing_value")],
    },
    Route {
        method: "PUT",
        path: "/v2/objects/{object}/records",
        function: "assert-record",
        endpoint: Endpoint::AssertRecord,
        auth: Auth::Bearer,
        query: MATCHING,
        access: Access::Write,
        error_codes: &[(400, "value_not_found")],
    },
    Route {
        method: "DELETE",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "delete-record",
        endpoint: Endpoint::DeleteRecord,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/organizations",
        function: "list-organizations",
        endpoint: Endpoint::ListOrganizations,
        auth: Auth::Admin,
        query: PAGE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "PATCH",
        path: "/api/v1/organizations/{id}",
        function: "update-organization",
        endpoint: Endpoint::UpdateOrganization,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "DELETE",
        path: "/api/v1/organizations/{id}",
        function: "delete-organization",
        endpoint: Endpoint::DeleteOrganization,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/organizations/{id}/api_keys",
        function: "create-api-key",
        endpoint: Endpoint::CreateApiKey,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/organizations/{id}/api_keys",
        function: "list-api-keys",
        endpoint: Endpoint::ListApiKeys,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "DELETE",
        path: "/api/v1/organizations/{id}/api_keys",
        function: "revoke-api-key",
        endpoint: Endpoint::RevokeApiKey,
        auth: Auth::Admin,
        query: KEY,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/api/v1/users",
        function: "create-user",
        endpoint: Endpoint::CreateUser,
        auth: Auth::Admin,
        query: USER_ORG,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/users",
        function: "list-users",
        endpoint: Endpoint::ListUsers,
        auth: Auth::Admin,
        query: USERS,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/api/v1/users/{external_id}",
        function: "get-user",
        endpoint: Endpoint::GetUser,
        auth: Auth::Admin,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "PATCH",
        path: "/api/v1/users/{external_id}",
        function: "update-user",
        endpoint: Endpoint::UpdateUser,
        auth: Auth::Admin,
        query: USER_ORG,
        access: Access::Write,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/v2/objects",
        function: "list-objects",
        endpoint: Endpoint::ListObjects,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}",
        function: "get-object",
        endpoint: Endpoint::GetObject,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/attributes",
        function: "list-attributes",
        endpoint: Endpoint::ListAttributes,
        auth: Auth::Bearer,
        query: ATTRIBUTES,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/attributes/{attribute}",
        function: "get-attribute",
        endpoint: Endpoint::GetAttribute,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/attributes/{attribute}/options",
        function: "list-attribute-options",
        endpoint: Endpoint::ListAttributeOptions,
        auth: Auth::Bearer,
        query: OPTIONS,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/records/{record_id}/attributes/{attribute}/values",
        function: "list-record-values",
        endpoint: Endpoint::ListRecordValues,
        auth: Auth::Bearer,
        query: VALUES,
        access: Access::Read,
        error_codes: &[(400, "validation_type")],
    },
    Route {
        method: "POST",
        path: "/v2/objects",
        function: "create-object",
        endpoint: Endpoint::CreateObject,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "validation_type"), (409, "slug_conflict")],
    },
    Route {
        method: "PATCH",
        path: "/v2/objects/{object}",
        function: "update-object",
        endpoint: Endpoint::UpdateObject,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "validation_type"), (409, "slug_conflict")],
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/attributes",
        function: "create-attribute",
        endpoint: Endpoint::CreateAttribute,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "validation_type"), (409, "slug_conflict")],
    },
    Route {
        method: "PATCH",
        path: "/v2/objects/{object}/attributes/{attribute}",
        function: "update-attribute",
        endpoint: Endpoint::UpdateAttribute,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "system_edit_unauthorized")],
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/attributes/{attribute}/options",
        function: "create-attribute-option",
        endpoint: Endpoint::CreateAttributeOption,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "validation_type"), (409, "slug_conflict")],
    },
    Route {
        method: "PATCH",
        path: "/v2/objects/{object}/attributes/{attribute}/options/{option}",
        function: "update-attribute-option",
        endpoint: Endpoint::UpdateAttributeOption,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "value_not_found"), (409, "slug_conflict")],
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/attributes/{attribute}/statuses",
        function: "list-attribute-statuses",
        endpoint: Endpoint::ListAttributeStatuses,
        auth: Auth::Bearer,
        query: OPTIONS,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/attributes/{attribute}/statuses",
        function: "create-attribute-status",
        endpoint: Endpoint::CreateAttributeStatus,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "validation_type"), (409, "slug_conflict")],
    },
    Route {
        method: "PATCH",
        path: "/v2/objects/{object}/attributes/{attribute}/statuses/{status}",
        function: "update-attribute-status",
        endpoint: Endpoint::UpdateAttributeStatus,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[(400, "value_not_found"), (409, "slug_conflict")],
    },
    Route {
        method: "POST",
        path: "/api/v1/members/list",
        function: "list-members",
        endpoint: Endpoint::ListMembers,
        auth: Auth::Token,
        query: PAGE,
        access: Access::Read,
        error_codes: &[],
    },
    Route {
        method: "POST",
        path: "/orgs/{org_id}/tables/{table_id}/records/import",
        function: "import-records",
        endpoint: Endpoint::ImportRecords,
        auth: Auth::Bearer,
        query: NONE,
        access: Access::Write,
        error_codes: &[],
    },
];

impl Endpoint {
    pub fn route(self) -> &'static Route {
        ROUTES
            .iter()
            .find(|r| r.endpoint == self)
            .expect("every endpoint has a route")
    }

    /// The endpoint's handler. The local gateway dispatches through this; a Lambda binary
    /// names its one handler itself (`handlers::create_record`), so it links no other.
    pub fn handler(self) -> Handler {
        match self {
            Endpoint::CreateOrganization => handlers::create_organization,
            Endpoint::GetOrganization => handlers::get_organization,
            Endpoint::ListOrganizations => handlers::list_organizations,
            Endpoint::UpdateOrganization => handlers::update_organization,
            Endpoint::DeleteOrganization => handlers::delete_organization,
            Endpoint::CreateApiKey => handlers::create_api_key,
            Endpoint::ListApiKeys => handlers::list_api_keys,
            Endpoint::RevokeApiKey => handlers::revoke_api_key,
            Endpoint::CreateUser => handlers::create_user,
            Endpoint::ListUsers => handlers::list_users,
            Endpoint::GetUser => handlers::get_user,
            Endpoint::UpdateUser => handlers::update_user,
            Endpoint::CreateTable => handlers::create_table,
            Endpoint::GetTable => handlers::get_table,
            Endpoint::ListTables => handlers::list_tables,
            Endpoint::UpdateTable => handlers::update_table,
            Endpoint::CreateField => handlers::create_field,
            Endpoint::UpdateField => handlers::update_field,
            Endpoint::CreateTeam => handlers::create_team,
            Endpoint::GetTeam => handlers::get_team,
            Endpoint::ListTeams => handlers::list_teams,
            Endpoint::UpdateTeam => handlers::update_team,
            Endpoint::DeleteTeam => handlers::delete_team,
            Endpoint::CreateRecord => handlers::create_record,
            Endpoint::GetRecord => handlers::get_record,
            Endpoint::QueryRecords => handlers::query_records,
            Endpoint::UpdateRecord => handlers::update_record,
            Endpoint::ReplaceRecord => handlers::replace_record,
            Endpoint::AssertRecord => handlers::assert_record,
            Endpoint::DeleteRecord => handlers::delete_record,
            Endpoint::ListObjects => handlers::list_objects,
            Endpoint::GetObject => handlers::get_object,
            Endpoint::ListAttributes => handlers::list_attributes,
            Endpoint::GetAttribute => handlers::get_attribute,
            Endpoint::ListAttributeOptions => handlers::list_attribute_options,
            Endpoint::ListRecordValues => handlers::list_record_values,
            Endpoint::CreateObject => handlers::create_object,
            Endpoint::UpdateObject => handlers::update_object,
            Endpoint::CreateAttribute => handlers::create_attribute,
            Endpoint::UpdateAttribute => handlers::update_attribute,
            Endpoint::CreateAttributeOption => handlers::create_attribute_option,
            Endpoint::UpdateAttributeOption => handlers::update_attribute_option,
            Endpoint::ListAttributeStatuses => handlers::list_attribute_statuses,
            Endpoint::CreateAttributeStatus => handlers::create_attribute_status,
            Endpoint::UpdateAttributeStatus => handlers::update_attribute_status,
            Endpoint::ListMembers => handlers::list_members,
            Endpoint::ImportRecords => handlers::import_records,
        }
    }
}

/// A handler as the route layer calls it: with the authenticated caller.
pub type Handler = for<'a> fn(
    &'a AppState,
    Caller,
    Request,
) -> Pin<Box<dyn Future<Output = Result<Response<Body>, ApiError>> + Send + 'a>>;

/// Each endpoint's handler, taking the caller its route's scheme authenticates: an admin
/// handler an [`crate::auth::Admin`], an org handler the key's [`crate::auth::Principal`].
pub mod handlers {
    use super::*;

    /// Handlers for callers of one kind (`Admin` or `Org`), each passing its handler what
    /// that kind of caller holds.
    macro_rules! handlers {
        ($kind:ident; $($name:ident => $handler:path,)*) => {$(
            pub fn $name<'a>(
                state: &'a AppState,
                caller: Caller,
                req: Request,
            ) -> Pin<Box<dyn Future<Output = Result<Response<Body>, ApiError>> + Send + 'a>> {
                Box::pin(async move {
                    match caller {
                        Caller::$kind(who) => $handler(state, who, req).await,
                        _ => Err(wrong_scheme(stringify!($name))),
                    }
                })
            }
        )*};
    }

    handlers! { Admin;
        create_organization => organizations::create,
        get_organization => organizations::get,
        list_organizations => organizations::list,
        update_organization => organizations::update,
        delete_organization => organizations::delete,
        create_api_key => organizations::create_api_key,
        list_api_keys => organizations::list_api_keys,
        revoke_api_key => organizations::revoke_api_key,
        create_user => users::create,
        list_users => users::list,
        get_user => users::get,
        update_user => users::update,
    }

    handlers! { Org;
        create_table => tables::create,
        get_table => tables::get,
        list_tables => tables::list,
        update_table => tables::update,
        create_field => tables::create_field,
        update_field => tables::update_field,
        create_team => teams::create,
        get_team => teams::get,
        list_teams => teams::list,
        update_team => teams::update,
        delete_team => teams::delete,
        create_record => records::create,
        get_record => records::get,
        query_records => record_query::query,
        update_record => records::update,
        replace_record => records::replace,
        assert_record => records::assert,
        delete_record => records::delete,
        list_objects => objects::list,
        get_object => objects::get,
        list_attributes => objects::list_attributes,
        get_attribute => objects::get_attribute,
        list_attribute_options => objects::list_options,
        list_record_values => records::list_values,
        create_object => objects::create,
        update_object => objects::update,
        create_attribute => objects::create_attribute,
        update_attribute => objects::update_attribute,
        create_attribute_option => objects::create_option,
        update_attribute_option => objects::update_option,
        list_attribute_statuses => objects::list_statuses,
        create_attribute_status => objects::create_status,
        update_attribute_status => objects::update_status,
        list_members => members::list,
        import_records => tables::import_records,
    }
}

/// Runs a request's future, turning a panic in it into a 500 (logged once, with the panic's
/// message, at the edge) so that the process serves the next request: a Lambda container
/// outlives a bug in one handler.
pub async fn catch_panic<F>(future: F) -> Result<Response<Body>, ApiError>
where
    F: std::future::Future<Output = Result<Response<Body>, ApiError>>,
{
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(future).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(ApiError::internal().with_detail(format!("the handler panicked: {message}")))
        }
    }
}

/// The longest path parameter that can name anything: an external id of 255 characters.
/// A longer one names nothing (404), whatever its kind, and never reaches a key.
pub const MAX_PATH_PARAMETER_CHARS: usize = 255;

fn check_path_parameters(req: &Request) -> Result<(), ApiError> {
    let Some(params) = req.path_parameters_ref() else {
        return Ok(());
    };
    for (name, value) in params.iter() {
        if value.chars().count() > MAX_PATH_PARAMETER_CHARS {
            let shown: String = value.chars().take(40).collect();
            return Err(ApiError::not_found(format!(
                "No {name} `{shown}…`: a {name} is at most {MAX_PATH_PARAMETER_CHARS} characters"
            )));
        }
    }
    Ok(())
}

/// A route whose declared scheme does not give the caller its handler takes: a bug in the
/// route table (the hostile-input tests call every route with its declared credentials).
fn wrong_scheme(handler: &str) -> ApiError {
    ApiError::internal().with_detail(format!("{handler} is declared with a scheme its handler does not take"))
}

impl Route {
    /// Query parameters the endpoint does not read are ignored, as the vendors' APIs
    /// ignore them (SmartSuite's own example sends `?offet=0`), and logged at debug level
    /// by name (never by value) so that a misspelt one can be found.
    fn note_unknown_query(&self, req: &Request) {
        let Some(params) = req.query_string_parameters_ref() else {
            return;
        };
        for (name, _) in params.iter() {
            if self.query.iter().all(|p| p.name != name) {
                tracing::debug!(parameter = name, "unknown query parameter ignored");
            }
        }
    }

    /// Checks the request against the entry, authenticates it, and calls the handler: once
    /// per `Idempotency-Key` for a POST that writes. Nothing is written before the caller
    /// is authenticated.
    async fn call_once(&self, state: &AppState, req: Request, handler: Handler) -> Result<Response<Body>, ApiError> {
        self.note_unknown_query(&req);
        let (caller, credential) = authenticate(&state.admin_key, &state.store, self.auth, req.headers()).await?;
        crate::rate_limit::check(&state.store, self, &caller).await?;
        check_path_parameters(&req)?;
        let key = if self.is_idempotent() {
            idempotency::idempotency_key(req.headers())?
        } else {
            None
        };
        let Some(key) = key else {
            return handler(state, caller, req).await;
        };
        let request = idempotency::IdempotentRequest::new(&caller, &credential, &key, &req);
        let claim = match idempotency::begin(&state.store, &request).await? {
            idempotency::Begin::Replay(response) => return Ok(response),
            idempotency::Begin::Run(claim) => claim,
        };
        // Errors are kept like any response (a 5xx releases the key), then passed on to be
        // logged at the edge.
        match handler(state, caller, req).await {
            Ok(response) => {
                idempotency::finish(&state.store, claim, &response).await?;
                Ok(response)
            }
            Err(error) => {
                let error = self.documented(error);
                idempotency::finish(&state.store, claim, &error_response(&error)).await?;
                Err(error)
            }
        }
    }

    /// The error with the `code` this route documents for its status, if it lists one.
    fn documented(&self, error: ApiError) -> ApiError {
        let status = error.status.as_u16();
        match self.error_codes.iter().find(|(s, _)| *s == status) {
            Some((_, code)) => error.with_code(code),
            None => error,
        }
    }

    /// Whether an `Idempotency-Key` makes this route's requests happen once: POSTs that
    /// write. A read (records query, teams list) is safe to repeat and writes nothing, so
    /// the header is ignored there.
    pub fn is_idempotent(&self) -> bool {
        self.method == "POST" && self.access == Access::Write
    }

    /// Serves one request: the handler's response, or its error as the JSON error body.
    /// Logs one line per request (never keys or bodies), and each error once, here.
    pub async fn handle(&self, state: &AppState, req: Request) -> Response<Body> {
        self.handle_with(state, req, self.endpoint.handler()).await
    }

    /// [`Route::handle`] with the handler given: a Lambda binary passes its own, so that
    /// it links no other endpoint's code.
    pub async fn handle_with(&self, state: &AppState, req: Request, handler: Handler) -> Response<Body> {
        let started = Instant::now();
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "request",
            function = self.function,
            route = %format_args!("{} {}", self.method, self.path),
            request_id = %request_id,
            org_id = tracing::field::Empty,
        );
        async move {
            let response = match catch_panic(self.call_once(state, req, handler)).await {
                Ok(response) => response,
                Err(error) => {
                    let error = self.documented(error);
                    if error.status.is_server_error() {
                        let detail = error.detail.as_deref().unwrap_or("");
                        tracing::error!(code = error.code, detail, "request failed");
                    }
                    error_response(&error)
                }
            };
            tracing::info!(
                status = response.status().as_u16(),
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request served"
            );
            response
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod panic_tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_a_500_and_the_next_request_is_served() {
        let panicking = async {
            let values: Vec<u8> = Vec::new();
            // An out-of-bounds index, as a bug would do it.
            let _ = values[values.len()];
            Ok(crate::http::json_response(lambda_http::http::StatusCode::OK, &"never"))
        };
        let error = catch_panic(panicking).await.expect_err("a panic is an error");
        assert_eq!(error.status, 500);
        assert_eq!(error.code, "internal_error");
        assert!(error.detail.unwrap_or_default().contains("index out of bounds"));
        let fine = catch_panic(async { Ok(crate::http::json_response(lambda_http::http::StatusCode::OK, &1)) }).await;
        assert_eq!(fine.expect("served").status(), 200);
    }
}
