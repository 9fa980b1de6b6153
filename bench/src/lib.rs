//! What the bench binaries share: a meter of DynamoDB calls and capacity, and percentiles.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_tests::{dynamodb_endpoint, TestApi};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{json, Value};
use shared::auth::AdminKeyHash;
use shared::state::{sdk_config_loader, AppState};
use shared::store::{schema, Store};

/// Counts DynamoDB requests and the capacity they consume: it asks each item operation
/// for `ReturnConsumedCapacity: TOTAL` and adds up what comes back.
#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<Mutex<Metered>>);

/// What the meter has counted: calls, and the capacity of reads and of writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Metered {
    pub calls: u64,
    pub read_units: f64,
    pub write_units: f64,
}

impl Meter {
    /// Calls and capacity units, reads and writes together.
    pub fn read(&self) -> (u64, f64) {
        let m = self.totals();
        (m.calls, m.read_units + m.write_units)
    }

    pub fn totals(&self) -> Metered {
        *self.0.lock().expect("lock")
    }
}

/// The operations that read (their capacity is read capacity); the rest write.
const READS: [&str; 5] = ["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"];

/// The operation a call is, kept in its config bag from before signing to after its answer
/// (the request is gone by then).
#[derive(Debug, Clone)]
struct Operation(String);

impl aws_smithy_types::config_bag::Storable for Operation {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

fn operation(request: &aws_smithy_runtime_api::http::Request) -> String {
    let target = request.headers().get("x-amz-target").unwrap_or("");
    target.rsplit('.').next().unwrap_or("").to_string()
}

const METERED: [&str; 10] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
];

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "Meter"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let op = operation(request);
        if !METERED.contains(&op.as_str()) {
            return Ok(());
        }
        cfg.interceptor_state().store_put(Operation(op));
        self.0.lock().expect("lock").calls += 1;
        if let Some(Ok(mut body)) = request.body().bytes().map(serde_json::from_slice::<Value>) {
            body["ReturnConsumedCapacity"] = json!("TOTAL");
            let bytes = serde_json::to_vec(&body)?;
            request.headers_mut().insert("content-length", bytes.len().to_string());
            *request.body_mut() = SdkBody::from(bytes);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let reading = cfg.load::<Operation>().is_some_and(|op| READS.contains(&op.0.as_str()));
        let Some(body) = context.response().and_then(|r| r.body().bytes()) else {
            return Ok(());
        };
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return Ok(());
        };
        let units = |c: &Value| c["CapacityUnits"].as_f64().unwrap_or(0.0);
        let total = match &body["ConsumedCapacity"] {
            Value::Array(all) => all.iter().map(units).sum(),
            one @ Value::Object(_) => units(one),
            _ => 0.0,
        };
        let mut metered = self.0.lock().expect("lock");
        if reading {
            metered.read_units += total;
        } else {
            metered.write_units += total;
        }
        Ok(())
    }
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The test API's table behind a second, in-process gateway whose DynamoDB client is
/// metered: that gateway, its meter, and the metered client.
pub async fn metered(api: &TestApi) -> (TestApi, Meter, aws_sdk_dynamodb::Client) {
    metered_with(api, None).await
}

/// [`metered`], counting requests against per-key rate limits.
pub async fn metered_with(
    api: &TestApi,
    rate_limits: Option<shared::rate_limit::RateLimits>,
) -> (TestApi, Meter, aws_sdk_dynamodb::Client) {
    let meter = Meter::default();
    let config = sdk_config_loader()
        .endpoint_url(dynamodb_endpoint())
        .test_credentials()
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(meter.clone())
            .build(),
    );
    let state = Arc::new(AppState {
        store: Store::new(client.clone(), api.table.clone()).with_rate_limits(rate_limits),
        admin_key: AdminKeyHash::of_key(&api.admin_key),
        app_url: shared::state::AppUrl::local(),
        webhooks: shared::state::WebhookSettings::local(),
        pages: shared::html::PageSettings::local(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let metered_url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(gateway::serve(listener, state));
    schema::create_table_if_missing(&client, &api.table)
        .await
        .expect("table");
    (api.with_base_url(&metered_url), meter, client)
}

/// The environment the release binaries run with under the Runtime API harness: the test
/// API's table and admin key, DynamoDB Local, and no rate limits (the runs come faster than
/// SmartSuite's 5 requests a second; the limits have a test of their own).
pub fn function_env(api: &TestApi) -> Vec<(&'static str, String)> {
    vec![
        ("TABLE_NAME", api.table.clone()),
        ("RATE_LIMITS", "off".to_string()),
        ("ADMIN_API_KEY_SHA256", shared::auth::sha256_hex(&api.admin_key)),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_endpoint().to_string()),
        ("AWS_ACCESS_KEY_ID", "local".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_string()),
        ("RUST_LOG", "warn".to_string()),
    ]
}
