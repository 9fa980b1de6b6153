//! Authentication. Keys are never stored: the platform admin key is configured as its
//! SHA-256 hash, and each org API key is stored as the SHA-256 hash of its token.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::digest::hex;
pub use crate::digest::sha256_hex;
use crate::error::ApiError;

/// The platform admin key's SHA-256 hash, or two during a rotation: from configuration
/// (`ADMIN_API_KEY_SHA256`), or read from SSM Parameter Store (`ADMIN_API_KEY_PARAMETER`) on
/// the first admin request and kept for `ADMIN_KEY_CACHE_SECONDS`, so a container that
/// serves only organization routes never calls SSM, and a rotation needs no deploy.
#[derive(Clone)]
pub struct AdminKeyHash(std::sync::Arc<HashSource>);

enum HashSource {
    Fixed(Vec<[u8; 32]>),
    Parameter(Parameter),
}

/// An SSM parameter holding one hash, or two separated by a comma.
struct Parameter {
    name: String,
    ttl: std::time::Duration,
    /// The caller's client (tests), or one made from the environment when first needed.
    client: tokio::sync::OnceCell<aws_sdk_ssm::Client>,
    cached: tokio::sync::Mutex<Option<(std::time::Instant, Vec<[u8; 32]>)>>,
}

impl std::fmt::Debug for AdminKeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKeyHash(..)")
    }
}

/// The SHA-256 hashes in `text`: one, or two separated by a comma (a rotation), each 64 hex
/// digits in either case.
fn parse_hashes(text: &str) -> Option<Vec<[u8; 32]>> {
    let hashes: Vec<[u8; 32]> = text.split(',').map(crate::digest::parse_hex32).collect::<Option<_>>()?;
    (1..=2).contains(&hashes.len()).then_some(hashes)
}

impl AdminKeyHash {
    /// Parses one hash of 64 hex digits (either case), or two separated by a comma.
    pub fn from_hex(text: &str) -> Option<Self> {
        parse_hashes(text).map(|h| Self(std::sync::Arc::new(HashSource::Fixed(h))))
    }

    /// The hash of a plain key, for local development where the key itself is configured.
    pub fn of_key(key: &str) -> Self {
        Self(std::sync::Arc::new(HashSource::Fixed(vec![Sha256::digest(
            key.as_bytes(),
        )
        .into()])))
    }

    /// The hashes the SSM parameter `name` holds, read when first needed and kept for `ttl`;
    /// `client`, if given, is the SSM client to read it with.
    pub fn from_parameter(name: &str, ttl: std::time::Duration, client: Option<aws_sdk_ssm::Client>) -> Self {
        Self(std::sync::Arc::new(HashSource::Parameter(Parameter {
            name: name.to_string(),
            ttl,
            client: tokio::sync::OnceCell::new_with(client),
            cached: tokio::sync::Mutex::new(None),
        })))
    }

    /// The hashes now in force.
    async fn hashes(&self) -> Result<Vec<[u8; 32]>, ApiError> {
        match &*self.0 {
            HashSource::Fixed(hashes) => Ok(hashes.clone()),
            HashSource::Parameter(parameter) => parameter.hashes().await,
        }
    }

    /// Whether `presented` is the admin key (either key during a rotation), compared in
    /// constant time.
    pub async fn matches(&self, presented: &str) -> Result<bool, ApiError> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let hashes = self.hashes().await?;
        let matched = hashes
            .iter()
            .fold(subtle::Choice::from(0), |any, h| any | digest.ct_eq(h));
        Ok(matched.into())
    }

    /// Requires the `X-API-KEY` header to hold the admin key; answers the key.
    async fn require<'h>(&self, headers: &'h lambda_http::http::HeaderMap) -> Result<&'h str, ApiError> {
        match crate::http::single_header(headers, "x-api-key")? {
            None => Err(ApiError::unauthorized("The X-API-KEY header is missing")),
            Some(key) if self.matches(key).await? => Ok(key),
            Some(_) => Err(ApiError::unauthorized("The X-API-KEY header does not hold a valid key")),
        }
    }
}

impl Parameter {
    async fn hashes(&self) -> Result<Vec<[u8; 32]>, ApiError> {
        let mut cached = self.cached.lock().await;
        if let Some((read_at, hashes)) = cached.as_ref() {
            if read_at.elapsed() < self.ttl {
                return Ok(hashes.clone());
            }
        }
        let client = self
            .client
            .get_or_init(|| async { aws_sdk_ssm::Client::new(&crate::sdk::sdk_config().await) })
            .await;
        let unavailable = |detail: String| ApiError::unavailable().with_detail(detail);
        let out = client.get_parameter().name(&self.name).send().await.map_err(|e| {
            unavailable(format!(
                "reading the admin key parameter: {}",
                crate::store::error::with_sources(&e)
            ))
        })?;
        let value = out.parameter().and_then(|p| p.value()).unwrap_or_default();
        let hashes = parse_hashes(value).ok_or_else(|| {
            unavailable("the admin key parameter holds no SHA-256 hash (or two, comma-separated)".into())
        })?;
        *cached = Some((std::time::Instant::now(), hashes.clone()));
        Ok(hashes)
    }
}

/// An org API key just made. Its token is shown once, in the response that creates it.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The key's public id (a UUID), shown in lists and used to revoke it.
    pub id: String,
    /// The whole secret the client sends: `ak_<id without hyphens>_<64 hex digits>`.
    pub token: String,
    /// SHA-256 of `token`: the only form that is stored.
    pub token_hash: String,
    /// The first characters of the token, safe to show in lists.
    pub prefix: String,
}

const TOKEN_PREFIX: &str = "ak_";

impl NewApiKey {
    pub fn generate() -> Self {
        let id = uuid::Uuid::new_v4();
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source is available");
        let token = format!("{TOKEN_PREFIX}{}_{}", id.simple(), hex(&secret));
        Self {
            id: id.to_string(),
            token_hash: sha256_hex(&token),
            prefix: token[..TOKEN_PREFIX.len() + 8].to_string(),
            token,
        }
    }

    /// What the store keeps of it: everything but the token.
    pub fn issued(&self) -> crate::store::organizations::IssuedKey {
        crate::store::organizations::IssuedKey {
            id: self.id.clone(),
            token_hash: self.token_hash.clone(),
            prefix: self.prefix.clone(),
        }
    }
}

/// The key id a token claims, if the token has the right form. The claim is only believed
/// after the stored hash matches.
pub fn token_key_id(token: &str) -> Option<String> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    uuid::Uuid::try_parse(id)
        .ok()
        .filter(|_| id.len() == 32)
        .map(|u| u.to_string())
}

/// Whether `token` hashes to `stored_hash`, compared in constant time.
pub fn token_matches(token: &str, stored_hash: &str) -> bool {
    sha256_hex(token).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// How an endpoint authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The platform admin key in `X-API-KEY`.
    Admin,
    /// An org key as `Authorization: Bearer <key>` (Invent, Attio).
    Bearer,
    /// An org key as `Authorization: Bearer <key>`, on a route whose answer is whether the
    /// key is valid (Attio's identify, `GET /v2/self`): a key that is sent but is no valid
    /// key (unknown, forged, revoked, of a deleted organization) is answered 200
    /// `{"active": false}` by the route layer, as Attio documents, not 401. A missing or
    /// malformed header is still 401: there is no key to answer for.
    BearerIntrospected,
    /// An org key as `Authorization: Token <key>` with `ACCOUNT-ID: <org id>` (SmartSuite).
    Token,
    /// No credential: a page anyone may open (the API reference, the access page, the
    /// embed URL, which carries its own token).
    Public,
    /// A page behind the session cookie an embed token started (`crate::session`). With
    /// no valid session the route layer answers a redirect to the access page, never data.
    Session,
}

impl Auth {
    /// Whether the route is a page (HTML, its errors as pages) rather than JSON.
    pub const fn is_page(self) -> bool {
        matches!(self, Auth::Public | Auth::Session)
    }
}

/// What authentication found.
#[derive(Debug)]
pub enum Authenticated<'h> {
    /// The caller, and the credential it sent.
    Caller(Caller, Credential<'h>),
    /// On an [`Auth::BearerIntrospected`] route: a key was sent, and it is no valid key.
    InactiveKey,
}

/// The answer for an inactive key on an [`Auth::BearerIntrospected`] route, as Attio's
/// identify gives it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InactiveKey {
    /// Always `false`.
    #[schema(schema_with = always_false)]
    pub active: bool,
}

/// `active`'s schema in an inactive key's answer: `false`, so that the answer's two
/// shapes (`oneOf`) never both fit.
fn always_false() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([false]))
        .build()
}

impl InactiveKey {
    pub fn response() -> lambda_http::Response<lambda_http::Body> {
        crate::http::json_response(lambda_http::http::StatusCode::OK, &InactiveKey { active: false })
    }
}

/// Proof that a request carried the platform admin key. Only [`authenticate`] makes one,
/// so an admin handler cannot be reached without it.
#[derive(Debug)]
pub struct Admin(());

/// Who is calling an org endpoint: the key's organization and the user who owns the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub org_id: crate::domain::organization::OrgId,
    pub user_id: u64,
    pub key_id: String,
    /// When the key was issued (RFC 3339), as Attio's identify reports it (`iat`).
    pub key_created_at: String,
}

/// Anyone, on a public page. Only [`authenticate`] makes one.
#[derive(Debug)]
pub struct Visitor(());

/// A person signed in to an organization's pages by a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub org_id: crate::domain::organization::OrgId,
    pub user_id: u64,
    pub external_id: String,
    /// The session cookie's value: what its forms' tokens and its cursors are bound to.
    pub session: String,
}

/// The authenticated caller a handler receives.
#[derive(Debug)]
pub enum Caller {
    Admin(Admin),
    Org(Principal),
    Visitor(Visitor),
    Viewer(Viewer),
}

impl Caller {
    /// A stable, non-secret name for the caller: the principal's ids, never a credential or
    /// a hash of one. Idempotency keys are scoped by it.
    pub fn scope(&self) -> String {
        match self {
            Caller::Admin(_) => "admin".to_string(),
            Caller::Org(p) => format!("org:{}:key:{}", p.org_id.0, p.key_id),
            Caller::Visitor(_) => "visitor".to_string(),
            Caller::Viewer(v) => format!("org:{}:user:{}", v.org_id.0, v.user_id),
        }
    }
}

/// The credential a request was authenticated with, borrowed from its headers for the
/// request's lifetime (idempotent responses are encrypted under a key derived from it).
/// Never printed.
pub struct Credential<'h>(&'h str);

impl Credential<'_> {
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    #[cfg(test)]
    pub(crate) fn for_tests(text: &str) -> Credential<'_> {
        Credential(text)
    }
}

impl std::fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(..)")
    }
}

/// Authenticates a request by its route's scheme: the caller, and the credential it sent.
/// Reads at most the key's item (or its cached copy); writes nothing.
pub async fn authenticate<'h>(
    admin_key: &AdminKeyHash,
    server_key: &crate::sealing::SealingKey,
    store: &crate::store::Store,
    scheme: Auth,
    headers: &'h lambda_http::http::HeaderMap,
) -> Result<Authenticated<'h>, ApiError> {
    let (caller, credential) = match scheme {
        Auth::Admin => {
            let key = admin_key.require(headers).await?;
            (Caller::Admin(Admin(())), Credential(key))
        }
        Auth::Bearer => {
            let token = authorization_token(headers, "Bearer")?;
            let principal = principal_for_token(store, token).await?;
            (Caller::Org(principal), Credential(token))
        }
        Auth::BearerIntrospected => {
            let token = authorization_token(headers, "Bearer")?;
            match key_principal(store, token).await? {
                Some(principal) => (Caller::Org(principal), Credential(token)),
                None => return Ok(Authenticated::InactiveKey),
            }
        }
        Auth::Token => {
            let token = authorization_token(headers, "Token")?;
            let principal = token_with_account(store, token, headers).await?;
            (Caller::Org(principal), Credential(token))
        }
        Auth::Public => (Caller::Visitor(Visitor(())), Credential("")),
        Auth::Session => {
            let value = crate::session::cookie_value(headers)
                .ok_or_else(|| ApiError::unauthorized("No session: open the link your provider gives you"))?;
            let viewer = viewer_of_session(server_key, store, value).await?;
            (Caller::Viewer(viewer), Credential(value))
        }
    };
    Ok(Authenticated::Caller(caller, credential))
}

/// The credential of an `Authorization: Bearer <token>` request (already authenticated by
/// its route): what query cursors are sealed under.
pub fn bearer_credential(headers: &lambda_http::http::HeaderMap) -> Result<Credential<'_>, ApiError> {
    authorization_token(headers, "Bearer").map(Credential)
}

/// The token of an `Authorization: <scheme> <token>` header, scheme compared ignoring case.
fn authorization_token<'a>(headers: &'a lambda_http::http::HeaderMap, scheme: &str) -> Result<&'a str, ApiError> {
    let value = crate::http::single_header(headers, "authorization")?.ok_or_else(|| {
        ApiError::unauthorized(format!(
            "The Authorization header is missing; send `{scheme} <api key>`"
        ))
    })?;
    let (given, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !given.eq_ignore_ascii_case(scheme) || token.trim().is_empty() {
        return Err(ApiError::unauthorized(format!(
            "The Authorization header must be `{scheme} <api key>`"
        )));
    }
    Ok(token.trim())
}

/// The key's principal, or 401 if the token is no valid key.
async fn principal_for_token(store: &crate::store::Store, token: &str) -> Result<Principal, ApiError> {
    key_principal(store, token)
        .await?
        .ok_or_else(|| ApiError::unauthorized("The API key is not valid"))
}

/// Looks the key up by the id its token carries and compares the stored hash: its
/// principal, or `None` if the token is no valid key.
async fn key_principal(store: &crate::store::Store, token: &str) -> Result<Option<Principal>, ApiError> {
    let Some(key_id) = token_key_id(token) else {
        return Ok(None);
    };
    let Some(key) = store.api_key_cached(&key_id).await? else {
        return Ok(None);
    };
    if !token_matches(token, &key.token_hash) {
        return Ok(None);
    }
    tracing::Span::current().record("org_id", key.org_id);
    Ok(Some(Principal {
        org_id: crate::domain::organization::OrgId(key.org_id),
        user_id: key.user_id,
        key_id: key.id,
        key_created_at: key.created_at,
    }))
}

/// The person a session cookie signs in, if its signature holds, it has not expired, and
/// the user is still the same member of the organization with the same generation (a
/// rotation or a removal ends every session at once). 401 otherwise.
async fn viewer_of_session(
    server_key: &crate::sealing::SealingKey,
    store: &crate::store::Store,
    value: &str,
) -> Result<Viewer, ApiError> {
    let ended =
        || ApiError::unauthorized("The session has ended or is not valid: open the link your provider gives you");
    let key = crate::session::session_key(server_key).await?;
    let now = crate::time::Timestamp::now().unix_seconds();
    let sign_in = crate::session::open_session(&key, value, now).ok_or_else(ended)?;
    let external_id =
        crate::domain::user::ExternalId::parse("external_id", &sign_in.external_id).map_err(|_| ended())?;
    let account = store
        .embed_account(sign_in.org, &external_id)
        .await?
        .ok_or_else(ended)?;
    if crate::session::SignIn::of(sign_in.org, account) != sign_in {
        return Err(ended());
    }
    tracing::Span::current().record("org_id", sign_in.org.0);
    Ok(Viewer {
        org_id: sign_in.org,
        user_id: sign_in.user_id,
        external_id: sign_in.external_id,
        session: value.to_string(),
    })
}

/// SmartSuite: `Authorization: Token <org api key>` and `ACCOUNT-ID: <org id>`, which must be
/// the key's own organization (401 when missing, 403 when another).
async fn token_with_account(
    store: &crate::store::Store,
    token: &str,
    headers: &lambda_http::http::HeaderMap,
) -> Result<Principal, ApiError> {
    let account = crate::http::single_header(headers, "account-id")?
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::unauthorized("The ACCOUNT-ID header is missing"))?;
    let principal = principal_for_token(store, token).await?;
    if account != principal.org_id.0.to_string() {
        return Err(ApiError::forbidden(
            "The API key does not belong to the account in ACCOUNT-ID",
        ));
    }
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admin_key_hashes_one_or_two() {
        let hash = AdminKeyHash::from_hex(&sha256_hex("s3cret")).unwrap();
        assert!(hash.matches("s3cret").await.unwrap());
        assert!(!hash.matches("s3cret ").await.unwrap());
        assert!(AdminKeyHash::of_key("s3cret").matches("s3cret").await.unwrap());
        let rotating = AdminKeyHash::from_hex(&format!("{},{}", sha256_hex("new"), sha256_hex("old"))).unwrap();
        for (key, ok) in [("new", true), ("old", true), ("other", false)] {
            assert_eq!(rotating.matches(key).await.unwrap(), ok, "{key}");
        }
        let three = [sha256_hex("a"), sha256_hex("b"), sha256_hex("c")].join(",");
        for bad in [
            "abc",
            &"g".repeat(64),
            "",
            ",",
            &three,
            &format!("{},", sha256_hex("a")),
        ] {
            assert!(AdminKeyHash::from_hex(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn api_key_tokens() {
        let key = NewApiKey::generate();
        assert_eq!(token_key_id(&key.token).as_deref(), Some(key.id.as_str()));
        assert!(token_matches(&key.token, &key.token_hash));
        assert!(!token_matches(&format!("{}0", key.token), &key.token_hash));
        assert!(key.token.starts_with(&key.prefix));
        assert_ne!(key.token_hash, key.token);
        for bad in [
            "",
            "ak_",
            "ak_x_y",
            &key.token.replace("ak_", "bk_"),
            &key.token[..key.token.len() - 1],
        ] {
            assert_eq!(token_key_id(bad), None, "{bad}");
        }
    }
}
