//! The route table: every endpoint, its method and path (as API Gateway declares them in
//! template.yaml), and the Lambda function that serves it. The local gateway routes by this
//! table, each Lambda binary serves one entry, and a test checks it against template.yaml.

use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};
use tracing::Instrument;

use crate::endpoints::{organizations, records, tables, teams, users};
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
    pub endpoint: Endpoint,
    pub access: Access,
}

pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/api/v1/organizations",
        function: "create-organization",
        endpoint: Endpoint::CreateOrganization,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/api/v1/organizations/{id}",
        function: "get-organization",
        endpoint: Endpoint::GetOrganization,
        access: Access::Read,
    },
    Route {
        method: "POST",
        path: "/orgs/{org_id}/tables",
        function: "create-table",
        endpoint: Endpoint::CreateTable,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/orgs/{org_id}/tables/{table_id}",
        function: "get-table",
        endpoint: Endpoint::GetTable,
        access: Access::Read,
    },
    Route {
        method: "POST",
        path: "/orgs/{org_id}/tables/{table_id}/fields",
        function: "create-field",
        endpoint: Endpoint::CreateField,
        access: Access::Write,
    },
    Route {
        method: "POST",
        path: "/api/v1/teams/",
        function: "create-team",
        endpoint: Endpoint::CreateTeam,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/api/v1/teams/{id}/",
        function: "get-team",
        endpoint: Endpoint::GetTeam,
        access: Access::Read,
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/records",
        function: "create-record",
        endpoint: Endpoint::CreateRecord,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "get-record",
        endpoint: Endpoint::GetRecord,
        access: Access::Read,
    },
    Route {
        method: "GET",
        path: "/orgs/{org_id}/tables",
        function: "list-tables",
        endpoint: Endpoint::ListTables,
        access: Access::Read,
    },
    Route {
        method: "PATCH",
        path: "/orgs/{org_id}/tables/{table_id}",
        function: "update-table",
        endpoint: Endpoint::UpdateTable,
        access: Access::Write,
    },
    Route {
        method: "PATCH",
        path: "/orgs/{org_id}/tables/{table_id}/fields/{field_id}",
        function: "update-field",
        endpoint: Endpoint::UpdateField,
        access: Access::Write,
    },
    Route {
        method: "POST",
        path: "/api/v1/teams/list/",
        function: "list-teams",
        endpoint: Endpoint::ListTeams,
        access: Access::Read,
    },
    Route {
        method: "PATCH",
        path: "/api/v1/teams/{id}/",
        function: "update-team",
        endpoint: Endpoint::UpdateTeam,
        access: Access::Write,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/teams/{id}/",
        function: "delete-team",
        endpoint: Endpoint::DeleteTeam,
        access: Access::Write,
    },
    Route {
        method: "POST",
        path: "/v2/objects/{object}/records/query",
        function: "query-records",
        endpoint: Endpoint::QueryRecords,
        access: Access::Read,
    },
    Route {
        method: "PATCH",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "update-record",
        endpoint: Endpoint::UpdateRecord,
        access: Access::Write,
    },
    Route {
        method: "PUT",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "replace-record",
        endpoint: Endpoint::ReplaceRecord,
        access: Access::Write,
    },
    Route {
        method: "PUT",
        path: "/v2/objects/{object}/records",
        function: "assert-record",
        endpoint: Endpoint::AssertRecord,
        access: Access::Write,
    },
    Route {
        method: "DELETE",
        path: "/v2/objects/{object}/records/{record_id}",
        function: "delete-record",
        endpoint: Endpoint::DeleteRecord,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/api/v1/organizations",
        function: "list-organizations",
        endpoint: Endpoint::ListOrganizations,
        access: Access::Read,
    },
    Route {
        method: "PATCH",
        path: "/api/v1/organizations/{id}",
        function: "update-organization",
        endpoint: Endpoint::UpdateOrganization,
        access: Access::Write,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/organizations/{id}",
        function: "delete-organization",
        endpoint: Endpoint::DeleteOrganization,
        access: Access::Write,
    },
    Route {
        method: "POST",
        path: "/api/v1/organizations/{id}/api_keys",
        function: "create-api-key",
        endpoint: Endpoint::CreateApiKey,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/api/v1/organizations/{id}/api_keys",
        function: "list-api-keys",
        endpoint: Endpoint::ListApiKeys,
        access: Access::Read,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/organizations/{id}/api_keys",
        function: "revoke-api-key",
        endpoint: Endpoint::RevokeApiKey,
        access: Access::Write,
    },
    Route {
        method: "POST",
        path: "/api/v1/users",
        function: "create-user",
        endpoint: Endpoint::CreateUser,
        access: Access::Write,
    },
    Route {
        method: "GET",
        path: "/api/v1/users",
        function: "list-users",
        endpoint: Endpoint::ListUsers,
        access: Access::Read,
    },
    Route {
        method: "GET",
        path: "/api/v1/users/{external_id}",
        function: "get-user",
        endpoint: Endpoint::GetUser,
        access: Access::Read,
    },
    Route {
        method: "PATCH",
        path: "/api/v1/users/{external_id}",
        function: "update-user",
        endpoint: Endpoint::UpdateUser,
        access: Access::Write,
    },
];

/// How an endpoint authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The platform admin key in `X-API-KEY`.
    Admin,
    /// An org key as `Authorization: Bearer <key>` (Invent, Attio).
    Bearer,
    /// An org key as `Authorization: Token <key>` with `ACCOUNT-ID: <org id>` (SmartSuite).
    Token,
}

/// A query parameter an endpoint reads. Any other is refused (400), so a misspelt
/// `limt=5` is an error rather than silently ignored.
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

impl Endpoint {
    /// The query parameters the endpoint reads.
    pub fn query_parameters(self) -> &'static [QueryParam] {
        const PAGE: &[QueryParam] = &[LIMIT, OFFSET];
        const TABLES: &[QueryParam] = &[
            param("type", false, false, "Only tables of this type"),
            param("search", false, false, "Only tables whose name contains this"),
            LIMIT,
            OFFSET,
        ];
        const USERS: &[QueryParam] = &[
            param("organization_id", true, true, "The organization whose users to list"),
            LIMIT,
            OFFSET,
        ];
        const KEY: &[QueryParam] = &[param("id", false, false, "The key's id (or `id` in the body)")];
        const MATCHING: &[QueryParam] = &[param(
            "matching_attribute",
            true,
            false,
            "The slug of the unique attribute to match on",
        )];
        match self {
            Endpoint::ListOrganizations | Endpoint::ListTeams => PAGE,
            Endpoint::ListTables => TABLES,
            Endpoint::ListUsers => USERS,
            Endpoint::RevokeApiKey => KEY,
            Endpoint::AssertRecord => MATCHING,
            _ => &[],
        }
    }

    pub fn auth(self) -> Auth {
        use Endpoint::*;
        match self {
            CreateOrganization | GetOrganization | ListOrganizations | UpdateOrganization | DeleteOrganization
            | CreateApiKey | ListApiKeys | RevokeApiKey | CreateUser | ListUsers | GetUser | UpdateUser => Auth::Admin,
            CreateTeam | GetTeam | ListTeams | UpdateTeam | DeleteTeam => Auth::Token,
            CreateTable | GetTable | CreateField | ListTables | UpdateTable | UpdateField | CreateRecord
            | GetRecord | QueryRecords | UpdateRecord | ReplaceRecord | AssertRecord | DeleteRecord => Auth::Bearer,
        }
    }

    pub fn route(self) -> &'static Route {
        ROUTES
            .iter()
            .find(|r| r.endpoint == self)
            .expect("every endpoint has a route")
    }

    async fn call(self, state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
        match self {
            Endpoint::CreateOrganization => organizations::create(state, req).await,
            Endpoint::GetOrganization => organizations::get(state, req).await,
            Endpoint::CreateTable => tables::create(state, req).await,
            Endpoint::GetTable => tables::get(state, req).await,
            Endpoint::CreateField => tables::create_field(state, req).await,
            Endpoint::CreateTeam => teams::create(state, req).await,
            Endpoint::GetTeam => teams::get(state, req).await,
            Endpoint::CreateRecord => records::create(state, req).await,
            Endpoint::GetRecord => records::get(state, req).await,
            Endpoint::ListTables => tables::list(state, req).await,
            Endpoint::UpdateTable => tables::update(state, req).await,
            Endpoint::UpdateField => tables::update_field(state, req).await,
            Endpoint::ListTeams => teams::list(state, req).await,
            Endpoint::UpdateTeam => teams::update(state, req).await,
            Endpoint::DeleteTeam => teams::delete(state, req).await,
            Endpoint::QueryRecords => records::query(state, req).await,
            Endpoint::UpdateRecord => records::update(state, req).await,
            Endpoint::ReplaceRecord => records::replace(state, req).await,
            Endpoint::AssertRecord => records::assert(state, req).await,
            Endpoint::DeleteRecord => records::delete(state, req).await,
            Endpoint::ListOrganizations => organizations::list(state, req).await,
            Endpoint::UpdateOrganization => organizations::update(state, req).await,
            Endpoint::DeleteOrganization => organizations::delete(state, req).await,
            Endpoint::CreateApiKey => organizations::create_api_key(state, req).await,
            Endpoint::ListApiKeys => organizations::list_api_keys(state, req).await,
            Endpoint::RevokeApiKey => organizations::revoke_api_key(state, req).await,
            Endpoint::CreateUser => users::create(state, req).await,
            Endpoint::ListUsers => users::list(state, req).await,
            Endpoint::GetUser => users::get(state, req).await,
            Endpoint::UpdateUser => users::update(state, req).await,
        }
    }
}

impl Route {
    /// Refuses query parameters the endpoint does not read.
    fn check_query(&self, req: &Request) -> Result<(), ApiError> {
        let Some(params) = req.query_string_parameters_ref() else {
            return Ok(());
        };
        let known = self.endpoint.query_parameters();
        for (name, _) in params.iter() {
            if known.iter().all(|p| p.name != name) {
                let names: Vec<&str> = known.iter().map(|p| p.name).collect();
                let takes = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                };
                return Err(ApiError::validation(format!(
                    "Unknown query parameter `{name}`: {} {} takes {takes}",
                    self.method, self.path
                )));
            }
        }
        Ok(())
    }

    /// Calls the endpoint, once per `Idempotency-Key` for a POST that has one.
    async fn call_once(&self, state: &AppState, req: Request) -> Result<Response<Body>, ApiError> {
        self.check_query(&req)?;
        let key = if self.method == "POST" {
            idempotency::idempotency_key(req.headers())?
        } else {
            None
        };
        let Some(key) = key else {
            return self.endpoint.call(state, req).await;
        };
        let claim = match idempotency::begin(&state.store, &req, &key).await? {
            None => return self.endpoint.call(state, req).await,
            Some(idempotency::Begin::Replay(response)) => return Ok(response),
            Some(idempotency::Begin::Run(claim)) => claim,
        };
        // Errors are kept like any response (a 5xx releases the key), then passed on to be
        // logged at the edge.
        match self.endpoint.call(state, req).await {
            Ok(response) => {
                idempotency::finish(&state.store, claim, &response).await?;
                Ok(response)
            }
            Err(error) => {
                idempotency::finish(&state.store, claim, &error_response(&error)).await?;
                Err(error)
            }
        }
    }

    /// Serves one request: the handler's response, or its error as the JSON error body.
    /// Logs one line per request (never keys or bodies), and each error once, here.
    pub async fn handle(&self, state: &AppState, req: Request) -> Response<Body> {
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
            let response = match self.call_once(state, req).await {
                Ok(response) => response,
                Err(error) => {
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
