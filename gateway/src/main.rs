//! `gateway`: the local development server. Creates the table in DynamoDB Local if it is
//! missing, then serves every endpoint on its real route.
//!
//! Environment: `PORT` (3000; records' `web_url` name it unless `APP_BASE_URL` is set),
//! `TABLE_NAME` (workspace-local), `ADMIN_API_KEY` or
//! `ADMIN_API_KEY_SHA256`, the cache TTLs
//! (`API_KEY_CACHE_SECONDS`, `TABLE_CACHE_SECONDS`), and the SDK's own (`AWS_ENDPOINT_URL_DYNAMODB`, region, keys).

use std::sync::Arc;

use shared::auth::AdminKeyHash;
use shared::state::{cache_settings_from_env, sdk_config, AppState, AppUrl};
use shared::store::{schema, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    lambda_http::tracing::init_default_subscriber();
    let port: u16 = std::env::var("PORT")
        .ok()
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(3000);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "workspace-local".to_string());
    let admin_key = match (std::env::var("ADMIN_API_KEY_SHA256"), std::env::var("ADMIN_API_KEY")) {
        (Ok(hash), _) => AdminKeyHash::from_hex(&hash).ok_or("ADMIN_API_KEY_SHA256 must be 64 hex digits")?,
        (_, Ok(key)) if !key.is_empty() => AdminKeyHash::of_key(&key),
        _ => return Err("set ADMIN_API_KEY (or ADMIN_API_KEY_SHA256)".into()),
    };
    let config = sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    schema::create_table_if_missing(&client, &table).await?;
    let state = Arc::new(AppState {
        store: Store::with_caches(client.clone(), table.clone(), cache_settings_from_env()?)
            .with_rate_limits(shared::rate_limit::RateLimits::from_env()),
        admin_key,
        // A record's web_url names this gateway, on its own port, unless APP_BASE_URL says.
        app_url: AppUrl::from_env_or(AppUrl::local_on(port))?,
        webhooks: shared::state::WebhookSettings::from_env_or_local()
            .ok_or("WEBHOOK_SEALING_KEY must be 64 hex digits (32 random bytes)")?,
        // Plain http on localhost: the session cookie cannot be Secure (SameSite=Lax).
        pages: shared::html::PageSettings::local(),
    });
    // The organization purge, as the deployed stream trigger runs it (gateway::stream).
    let mut streams = aws_sdk_dynamodbstreams::config::Builder::from(&config);
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
        streams = streams.endpoint_url(endpoint);
    }
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams.build());
    tokio::spawn(gateway::stream::purge_in_process(
        client.clone(),
        streams.clone(),
        table.clone(),
        state.clone(),
    ));
    // Record search's index, as the index-records function keeps it.
    tokio::spawn(gateway::stream::index_in_process(
        client.clone(),
        streams.clone(),
        table.clone(),
        state.clone(),
    ));
    // Webhook deliveries, as the fan-out-events and retry-deliveries functions make them;
    // retries are swept every second instead of every minute.
    tokio::spawn(gateway::stream::deliver_in_process(
        client,
        streams,
        table,
        state.clone(),
        shared::delivery::Schedule::from_env(),
        std::time::Duration::from_secs(1),
    ));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "gateway: serving {} routes on http://127.0.0.1:{port}, the OpenAPI document at {} and as a page at \
         http://localhost:{port}/docs; a user's pages (where records' web_url point) open at http://localhost:{port}/dashboard.html?token=<the \
         embed_token of GET /api/v1/users/{{external_id}}/embed-token>",
        shared::routes::ROUTES.len(),
        gateway::OPENAPI_PATH
    );
    gateway::serve(listener, state).await;
    Ok(())
}
