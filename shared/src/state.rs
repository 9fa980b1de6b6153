//! What every handler needs, built once per Lambda container (or once per local gateway).

use std::time::Duration;

use crate::auth::AdminKeyHash;
pub use crate::delivery::WebhookSettings;
pub use crate::sdk::{sdk_config, sdk_config_loader};
use crate::store::cache::CacheSettings;
use crate::store::Store;

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub admin_key: AdminKeyHash,
    /// Where records' `web_url`s point.
    pub app_url: AppUrl,
    pub webhooks: WebhookSettings,
    /// How pages are sent (the session cookie, who may frame them).
    pub pages: crate::html::PageSettings,
}

/// Where the pages are (`APP_BASE_URL`): a record's Attio `web_url` is
/// `<base>/<workspace_id>/<object>/<record_id>`, the record's page. An http(s) URL, kept
/// without a trailing slash. Unset in a deployed stack, it is the API's own pages, found
/// from each request (`https://<its domain>/<its stage>/app`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUrl(Option<String>);

/// The pages' base URL for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppBase(String);

/// Where the pages are under the API: `<api>/app`.
pub const PAGES_PATH: &str = "/app";

impl AppUrl {
    /// What `make dev` serves, for when `APP_BASE_URL` is unset.
    pub const LOCAL: &'static str = "http://localhost:3000/app";

    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().trim_end_matches('/');
        let rest = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://"))?;
        let host = rest.split('/').next().unwrap_or("");
        let clean = !host.is_empty() && raw.bytes().all(|b| b.is_ascii_graphic()) && !raw.contains(['?', '#']);
        clean.then(|| Self(Some(raw.to_string())))
    }

    pub fn local() -> Self {
        Self(Some(Self::LOCAL.to_string()))
    }

    /// The local gateway on `port`: what `make dev` serves when `PORT` is not 3000.
    pub fn local_on(port: u16) -> Self {
        Self(Some(format!("http://localhost:{port}{PAGES_PATH}")))
    }

    /// The pages of the API that serves each request (a deployed stack's default).
    pub fn of_each_request() -> Self {
        Self(None)
    }

    /// `APP_BASE_URL`, or `unset` when it is unset (or blank).
    pub fn from_env_or(unset: Self) -> Result<Self, ConfigError> {
        match std::env::var("APP_BASE_URL").ok().filter(|v| !v.trim().is_empty()) {
            None => Ok(unset),
            Some(raw) => Self::parse(&raw).ok_or(ConfigError::BadAppUrl),
        }
    }

    /// The base for `req`: the configured one, or the pages of the API `req` reached
    /// (its domain and stage, as API Gateway gives them).
    pub fn of_request(&self, req: &lambda_http::Request) -> AppBase {
        use lambda_http::RequestExt;
        if let Some(base) = &self.0 {
            return AppBase(base.clone());
        }
        let (domain, stage) = match req.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
                (context.domain_name.clone(), context.stage.clone())
            }
            _ => (None, None),
        };
        let host = domain
            .or_else(|| {
                req.headers()
                    .get(lambda_http::http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "localhost".into());
        let stage = stage
            .filter(|s| !s.is_empty() && s != "$default")
            .map(|s| format!("/{s}"))
            .unwrap_or_default();
        AppBase(format!("https://{host}{stage}{PAGES_PATH}"))
    }
}

impl AppBase {
    /// A record's page.
    pub fn record(&self, workspace_id: &uuid::Uuid, object: &str, record_id: &str) -> String {
        format!("{}/{workspace_id}/{object}/{record_id}", self.0)
    }

    /// The base's path (`/app`, `/prod/app`): what links between pages start with.
    pub fn path(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, rest)| rest);
        rest.find('/').map_or("", |slash| &rest[slash..])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("WEBHOOK_SEALING_KEY must be 64 hex digits (32 random bytes)")]
    BadSealingKey,
    #[error("ADMIN_API_KEY_SHA256 must be 64 hex digits (the SHA-256 of the admin key), or two such hashes separated by a comma; ADMIN_KEY_CACHE_SECONDS a whole number")]
    BadAdminKeyHash,
    #[error("{0} must be a whole number of seconds from 0 to 300")]
    BadCacheSeconds(&'static str),
    #[error("APP_BASE_URL must be an http(s) URL without a query or fragment")]
    BadAppUrl,
    #[error("PAGE_FRAME_ANCESTORS must be 'self', 'none' or http(s) origins separated by spaces; SESSION_COOKIE_SECURE true or false")]
    BadPageSettings,
}

fn env(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// A cache TTL from `name` (whole seconds, at most 300), or `default` when unset.
fn cache_seconds(name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
    match std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s <= 300)
            .map(Duration::from_secs)
            .ok_or(ConfigError::BadCacheSeconds(name)),
    }
}

/// The per-container caches' TTLs from `API_KEY_CACHE_SECONDS` and `TABLE_CACHE_SECONDS`
/// (see [`crate::store::cache`]).
pub fn cache_settings_from_env() -> Result<CacheSettings, ConfigError> {
    let defaults = CacheSettings::default();
    Ok(CacheSettings {
        api_keys: cache_seconds("API_KEY_CACHE_SECONDS", defaults.api_keys)?,
        tables: cache_seconds("TABLE_CACHE_SECONDS", defaults.tables)?,
    })
}

/// With `LOCAL_DYNAMODB_ENDPOINT` set (by env.json, for `sam local`: SAM passes a function
/// only the variables its template declares), DynamoDB Local at that URL with placeholder
/// credentials, so a local invoke never reaches the user's real account; otherwise the
/// loader as it is.
pub fn local_or_aws(loader: aws_config::ConfigLoader) -> aws_config::ConfigLoader {
    match std::env::var("LOCAL_DYNAMODB_ENDPOINT")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        None => loader,
        Some(endpoint) => loader
            .endpoint_url(endpoint.trim())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local", "local", None, None, "local",
            )),
    }
}

/// The admin key's hashes: from the SSM parameter `ADMIN_API_KEY_PARAMETER` names (read on
/// the first admin request, kept `ADMIN_KEY_CACHE_SECONDS`, 60 by default), or, without
/// one, `ADMIN_API_KEY_SHA256` (one hash, or two comma-separated).
fn admin_key_from_env() -> Result<AdminKeyHash, ConfigError> {
    let parameter = std::env::var("ADMIN_API_KEY_PARAMETER").unwrap_or_default();
    if !parameter.trim().is_empty() {
        let ttl = std::env::var("ADMIN_KEY_CACHE_SECONDS")
            .ok()
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<u64>().map_err(|_| ConfigError::BadAdminKeyHash))
            .transpose()?
            .unwrap_or(60);
        return Ok(AdminKeyHash::from_parameter(
            parameter.trim(),
            Duration::from_secs(ttl),
            None,
        ));
    }
    AdminKeyHash::from_hex(&env("ADMIN_API_KEY_SHA256")?).ok_or(ConfigError::BadAdminKeyHash)
}

impl AppState {
    /// Reads `TABLE_NAME`, `ADMIN_API_KEY_SHA256`, `APP_BASE_URL` and the cache TTLs, and builds the
    /// DynamoDB client.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = env("TABLE_NAME")?;
        let admin_key = admin_key_from_env()?;
        let caches = cache_settings_from_env()?;
        let client = aws_sdk_dynamodb::Client::new(&local_or_aws(sdk_config_loader()).load().await);
        Ok(Self {
            store: Store::with_caches(client, table, caches)
                .with_rate_limits(crate::rate_limit::RateLimits::from_env()),
            admin_key,
            app_url: AppUrl::from_env_or(AppUrl::of_each_request())?,
            pages: crate::html::PageSettings::from_env().ok_or(ConfigError::BadPageSettings)?,
            webhooks: WebhookSettings::from_env().ok_or(ConfigError::BadSealingKey)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::AppUrl;

    #[test]
    fn app_urls_are_http_urls_kept_without_a_trailing_slash() {
        let table = [
            ("https://app.example.com", Some("https://app.example.com")),
            ("https://app.example.com/", Some("https://app.example.com")),
            ("http://localhost:3000/crm/", Some("http://localhost:3000/crm")),
            ("ftp://example.com", None),
            ("https://", None),
            ("https://exa mple.com", None),
            ("https://example.com/?q=1", None),
            ("example.com", None),
        ];
        for (raw, expected) in table {
            assert_eq!(
                AppUrl::parse(raw).and_then(|u| u.0),
                expected.map(String::from),
                "{raw}"
            );
        }
    }

    fn request(domain: Option<&str>, stage: Option<&str>) -> lambda_http::Request {
        use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
        use lambda_http::request::RequestContext;
        use lambda_http::RequestExt;
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.domain_name = domain.map(String::from);
        context.stage = stage.map(String::from);
        lambda_http::Request::default().with_request_context(RequestContext::ApiGatewayV2(context))
    }

    #[test]
    fn the_pages_base_names_the_local_port_or_the_request_s_api() {
        let workspace = uuid::Uuid::nil();
        let req = request(Some("abc.execute-api.eu-west-1.amazonaws.com"), Some("prod"));
        let table = [
            (AppUrl::local_on(3000), "http://localhost:3000/app"),
            (AppUrl::local_on(8080), "http://localhost:8080/app"),
            (
                AppUrl::of_each_request(),
                "https://abc.execute-api.eu-west-1.amazonaws.com/prod/app",
            ),
            (
                AppUrl::parse("https://crm.example.com").unwrap(),
                "https://crm.example.com",
            ),
        ];
        for (url, expected) in table {
            let base = url.of_request(&req);
            assert_eq!(base.as_str(), expected);
            assert_eq!(
                base.record(&workspace, "people", "r1"),
                format!("{expected}/00000000-0000-0000-0000-000000000000/people/r1")
            );
        }
        assert_eq!(AppUrl::local_on(3000), AppUrl::local());
        let default_stage = AppUrl::of_each_request().of_request(&request(Some("api.example.com"), Some("$default")));
        assert_eq!(default_stage.as_str(), "https://api.example.com/app");
        assert_eq!(default_stage.path(), "/app");
        assert_eq!(
            AppUrl::parse("https://crm.example.com")
                .unwrap()
                .of_request(&req)
                .path(),
            ""
        );
    }
}
