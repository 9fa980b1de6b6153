//! Attio's "Meta" endpoint, `GET /v2/self` ("Identify"): the access token, the workspace
//! it belongs to and what it may do. Integrations call it to check a token and to learn
//! the workspace's id and name (docs.attio.com, rest-api/endpoint-reference/meta/identify).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::auth::{InactiveKey, Principal};
use crate::error::ApiError;
use crate::http::json_response;
use crate::state::AppState;
use crate::time::Timestamp;

/// What an API key may do here, in Attio's scope names: everything this API serves of
/// Attio's, read and write (a key is not narrowed to scopes).
pub const SCOPES: &str = "object_configuration:read-write record_permission:read-write webhook:read-write";

/// The issuer, as Attio names itself. Attio's own SDK (attio-ts-sdk) accepts no other
/// value: its schema for this answer has `iss: z.enum(["attio.com"])`, and a client that
/// checks a token through it would reject anything else.
pub const ISSUER: &str = "attio.com";

/// Attio's identify answer: an active key's, or `{"active": false}` for a key sent that is
/// not valid (the route layer answers that one: `Auth::BearerIntrospected`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SelfAnswer {
    Active(Box<SelfResponse>),
    Inactive(InactiveKey),
}

/// Attio's identify answer for an active token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SelfResponse {
    /// Always `true` here.
    #[schema(schema_with = always_true)]
    pub active: bool,
    /// Space-separated Attio scopes.
    pub scope: &'static str,
    /// The key's id (an API key belongs to no OAuth app).
    pub client_id: String,
    pub token_type: &'static str,
    /// Seconds since the epoch when the token expires: never (`null`).
    pub exp: Option<u64>,
    /// Seconds since the epoch when the key was issued.
    pub iat: u64,
    /// The workspace member the key acts as.
    pub sub: String,
    pub aud: String,
    pub iss: &'static str,
    pub authorized_by_workspace_member_id: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub workspace_slug: String,
    pub workspace_logo_url: Option<String>,
}

fn always_true() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .build()
}

pub async fn identify(state: &AppState, principal: Principal, _req: Request) -> Result<Response<Body>, ApiError> {
    let name = state.store.organization(principal.org_id).await?.map(|org| org.name);
    // The key was found a moment ago, so its organization is being deleted: the key is
    // no longer active.
    let Some(name) = name else {
        return Ok(InactiveKey::response());
    };
    let member = principal.org_id.member_id(principal.user_id).to_string();
    let issued = Timestamp::parse_rfc3339(&principal.key_created_at)
        .map(|t| t.unix_seconds())
        .unwrap_or_default();
    let body = SelfResponse {
        active: true,
        scope: SCOPES,
        client_id: principal.key_id.clone(),
        token_type: "Bearer",
        exp: None,
        iat: issued,
        sub: member.clone(),
        aud: principal.key_id,
        iss: ISSUER,
        authorized_by_workspace_member_id: member,
        workspace_id: principal.org_id.workspace_id().to_string(),
        workspace_slug: slug(&name, principal.org_id.0),
        workspace_name: name,
        workspace_logo_url: None,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// A URL slug of the workspace's name (`Acme Corp.` is `acme-corp`), or `workspace-<id>`
/// for a name with no letter or digit.
fn slug(name: &str, org_id: u64) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("workspace-{org_id}")
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_keeps_letters_and_digits() {
        let cases = [
            ("Acme Corp.", "acme-corp"),
            ("  Acme   2 ", "acme-2"),
            ("Müller & Söhne", "müller-söhne"),
            ("***", "workspace-7"),
            ("", "workspace-7"),
        ];
        for (name, expected) in cases {
            assert_eq!(slug(name, 7), expected, "{name:?}");
        }
    }
}
