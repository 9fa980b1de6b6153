//! Test harness: a real DynamoDB Local (one JVM per test binary, on a free port) and, per
//! test, a fresh table and an in-process local gateway on its own port, reached over HTTP.

pub mod fixture;
pub mod receiver;
pub mod runtime;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use shared::auth::AdminKeyHash;
use shared::state::{sdk_config_loader, AppState};
use shared::store::cache::CacheSettings;
use shared::store::{schema, Store};

pub type Item = HashMap<String, AttributeValue>;

/// Records the DynamoDB action (`GetItem`, ...) of every request a client sends, a
/// transaction as the actions of its items (`PutItem`, `ConditionCheckItem`, ...): installed
/// on the store a test's gateway uses, so a test can see what its requests did to the table,
/// as IAM would judge it.
#[derive(Debug, Clone, Default)]
pub struct OperationLog(Arc<std::sync::Mutex<Vec<String>>>);

impl OperationLog {
    /// The operations recorded since the last call, in order, and forgets them.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("the log's lock"))
    }
}

impl aws_sdk_dynamodb::config::Intercept for OperationLog {
    fn name(&self) -> &'static str {
        "OperationLog"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default().to_string();
        let mut log = self.0.lock().expect("the log's lock");
        // IAM judges a transaction by the action of each of its items.
        if operation == "TransactWriteItems" {
            let body: Value = context
                .request()
                .body()
                .bytes()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            for item in body["TransactItems"].as_array().into_iter().flatten() {
                for (kind, action) in [
                    ("Put", "PutItem"),
                    ("Update", "UpdateItem"),
                    ("Delete", "DeleteItem"),
                    ("ConditionCheck", "ConditionCheckItem"),
                ] {
                    if item.get(kind).is_some() {
                        log.push(action.to_string());
                    }
                }
            }
        } else {
            log.push(operation);
        }
        Ok(())
    }
}

/// A client like `db` whose requests `log` records.
fn logged_client(db: &aws_sdk_dynamodb::Client, log: &OperationLog) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(db.config().to_builder().interceptor(log.clone()).build())
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo")
        .to_path_buf()
}

/// Cargo's target directory, where the function binaries are built: `CARGO_TARGET_DIR`,
/// else the repository's `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target"))
}

/// How many DynamoDB Local JVMs a test binary shares out among its tests. DynamoDB Local
/// answers about one request at a time (its JVM holds one core at 95-99% under the suite
/// while the other idles), so the suite's integration tests were bound by one JVM; two
/// give each of the machine's two cores one.
const SHARED_INSTANCES: usize = 2;

/// The endpoint of the DynamoDB Local this test uses, from this test binary's pool (started
/// on first use): each test thread (libtest runs each test on a thread of its own, and a
/// `#[tokio::test]` on it) is given the pool's instances in turn, and keeps its one, so
/// that everything a test makes (its table, its stream readers, the binaries it runs)
/// is on one instance.
pub fn dynamodb_endpoint() -> &'static str {
    static ENDPOINTS: OnceLock<Vec<String>> = OnceLock::new();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SHARED_INSTANCES;
    }
    let endpoints = ENDPOINTS.get_or_init(|| start_dynamodb_locals(SHARED_INSTANCES));
    &endpoints[MINE.with(|mine| *mine)]
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Spawns DynamoDB Local on `port`. The JVM gets SIGKILL when the thread that spawned it
/// ends (PR_SET_PDEATHSIG), so it never outlives its test.
fn spawn_dynamodb_local(port: u16) -> std::process::Child {
    let dir = repo_root().join(".local/dynamodb");
    let mut command = Command::new("java");
    command
        .arg(format!(
            "-Djava.library.path={}",
            dir.join("DynamoDBLocal_lib").display()
        ))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .args(["-inMemory", "-sharedDb", "-port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn().expect("java starts DynamoDB Local")
}

/// Waits (at most 60 s) until something listens on `port`.
fn wait_listening(port: u16) {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "DynamoDB Local did not listen on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn install_dynamodb_local() {
    let status = Command::new(repo_root().join("scripts/dynamodb-local.sh"))
        .arg("install")
        .stdout(Stdio::null())
        .status()
        .expect("scripts/dynamodb-local.sh runs");
    assert!(status.success(), "installing DynamoDB Local failed");
}

fn start_dynamodb_locals(count: usize) -> Vec<String> {
    install_dynamodb_local();
    let mut ports: Vec<u16> = Vec::with_capacity(count);
    while ports.len() < count {
        let port = free_port();
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    for &port in &ports {
        // PR_SET_PDEATHSIG fires when the *thread* that spawned the child ends, so spawn it
        // from a thread that lives as long as the test process.
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut child = spawn_dynamodb_local(port);
            ready_tx.send(()).expect("the test thread waits");
            // Reaps the JVM should it exit; the process's end kills it otherwise.
            let _ = child.wait();
        });
        ready_rx.recv().expect("the spawner thread reports");
    }
    for &port in &ports {
        wait_listening(port);
    }
    ports.iter().map(|port| format!("http://127.0.0.1:{port}")).collect()
}

/// A DynamoDB Local of one test's own, on its own port, that the test may stop and start
/// again (fault tests). It dies with the test's thread.
pub struct OwnDynamoDb {
    pub port: u16,
    child: Option<std::process::Child>,
}

impl OwnDynamoDb {
    pub fn start() -> Self {
        let mut own = Self {
            port: free_port(),
            child: None,
        };
        own.restart();
        own
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills it: every request to it now fails to connect.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: it keeps its data in memory) and waits
    /// until it listens.
    pub fn restart(&mut self) {
        self.stop();
        install_dynamodb_local();
        self.child = Some(spawn_dynamodb_local(self.port));
        wait_listening(self.port);
    }
}

impl Drop for OwnDynamoDb {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The SDK's configuration for a local service at `endpoint` (DynamoDB Local, moto), with
/// placeholder credentials and the product's timeouts and retries: what the fault tests use.
pub async fn local_sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    local_sdk_config_loader(endpoint).load().await
}

fn local_sdk_config_loader(endpoint: &str) -> aws_config::ConfigLoader {
    sdk_config_loader()
        .endpoint_url(endpoint)
        .test_credentials()
        .region(aws_config::Region::new("us-east-1"))
}

/// The configuration for this test binary's shared DynamoDB Local: the product's retries,
/// longer timeouts. The product's 5 s per attempt is sized for DynamoDB, which answers in
/// milliseconds; a shared DynamoDB Local is a JVM on a shared core serving tests, some of
/// them load tests, and under that load an attempt can take longer. A timeout
/// there would be the machine's noise (a 503 at random), not a finding. The connect timeout
/// is kept, and the fault tests keep the product's timeouts ([`local_sdk_config`]).
async fn shared_sdk_config() -> aws_config::SdkConfig {
    local_sdk_config_loader(dynamodb_endpoint())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        )
        .load()
        .await
}

/// A client for DynamoDB Local at `endpoint`, with the product's timeouts.
pub async fn dynamodb_client_for(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&local_sdk_config(endpoint).await)
}

/// A client for this test binary's shared DynamoDB Local ([`shared_sdk_config`]).
pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&shared_sdk_config().await)
}

/// A DynamoDB Streams client for this test binary's shared DynamoDB Local.
pub async fn streams_client() -> aws_sdk_dynamodbstreams::Client {
    aws_sdk_dynamodbstreams::Client::new(&shared_sdk_config().await)
}

/// A page as a test reads it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub text: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// The session cookie's value a reply sets, if it sets one (an empty one ends it).
pub fn session_of(reply: &Reply) -> Option<String> {
    session_in(&reply.headers)
}

/// The session cookie's value `Set-Cookie` headers set, if they set one.
pub fn session_in(headers: &hyper::HeaderMap) -> Option<String> {
    let prefix = format!("{}=", shared::session::COOKIE_NAME);
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(prefix.as_str()))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
}

/// `dir` (a folder of `tests/` with a package.json and its package-lock.json), its pinned
/// packages installed with `npm ci` (from the npm registry) when missing or older than the
/// lock.
pub async fn npm_installed(dir: &Path) {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let current = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if current(&stamp).is_some() && current(&stamp) >= current(&lock) {
        return;
    }
    let output = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .await
        .expect("npm runs (Node 20 is on the machine)");
    assert!(
        output.status.success(),
        "npm ci in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The pages of the gateway at `base_url` (`<base_url>/app`).
fn pages_of(base_url: &str) -> shared::state::AppUrl {
    shared::state::AppUrl::parse(&format!("{base_url}{}", shared::state::PAGES_PATH)).expect("an http URL")
}

/// One test's API: its own table and its own gateway, on a port of its own.
pub struct TestApi {
    pub base_url: String,
    pub admin_key: String,
    pub db: aws_sdk_dynamodb::Client,
    pub table: String,
    pub state: Arc<AppState>,
    /// Every DynamoDB operation the gateway's store has sent.
    pub operations: OperationLog,
    http: HttpClient<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    server: tokio::task::JoinHandle<()>,
    /// Whether [`TestApi::wait_for_purges`] runs the purge from the stream, as the deployed
    /// trigger does (not for [`TestApi::start_without_purges`], whose test reads the stream
    /// itself).
    purges: bool,
}

impl Drop for TestApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A response: its status and its body as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: hyper::HeaderMap,
}

impl TestApi {
    /// A test API whose deleted organizations are purged in process, from the stream,
    /// when the test waits for it ([`TestApi::wait_for_purges`]).
    pub async fn start() -> Self {
        let mut api = Self::start_without_purges().await;
        api.purges = true;
        api
    }

    /// A test API with no purge running: the test reads the stream itself.
    pub async fn start_without_purges() -> Self {
        // Every server error's log line (its cause, which the 500's body never shows) is
        // printed, so a failure in CI says why; TEST_LOG=1 shows every request's log too.
        static LOGS: std::sync::Once = std::sync::Once::new();
        LOGS.call_once(|| {
            if std::env::var_os("TEST_LOG").is_some() {
                lambda_http::tracing::init_default_subscriber();
            } else {
                lambda_http::tracing::subscriber::fmt()
                    .with_max_level(lambda_http::tracing::Level::ERROR)
                    .without_time()
                    .init();
            }
        });
        let db = dynamodb_client().await;
        let table = format!("t-{}", uuid::Uuid::new_v4().simple());
        schema::create_table_if_missing(&db, &table)
            .await
            .expect("the test table is created");
        let admin_key = format!("admin-{}", uuid::Uuid::new_v4().simple());
        let operations = OperationLog::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base_url = format!("http://{}", listener.local_addr().expect("bound"));
        let state = Arc::new(AppState {
            store: Store::new(logged_client(&db, &operations), table.clone()),
            admin_key: AdminKeyHash::of_key(&admin_key),
            // Records' web_url name this gateway's pages, as make dev's do.
            app_url: pages_of(&base_url),
            webhooks: shared::state::WebhookSettings::local(),
            pages: shared::html::PageSettings::local(),
        });
        let server = tokio::spawn(gateway::serve(listener, state.clone()));
        let http = HttpClient::builder(TokioExecutor::new()).build_http();
        Self {
            base_url,
            admin_key,
            db,
            table,
            state,
            operations,
            http,
            server,
            purges: false,
        }
    }

    /// The same test API, reached through another gateway (the bench puts a metered one in
    /// front of the same table).
    pub fn with_base_url(&self, base_url: &str) -> TestApi {
        TestApi {
            base_url: base_url.to_string(),
            admin_key: self.admin_key.clone(),
            db: self.db.clone(),
            table: self.table.clone(),
            state: self.state.clone(),
            operations: self.operations.clone(),
            http: self.http.clone(),
            server: tokio::spawn(async {}),
            purges: self.purges,
        }
    }

    /// Another "container" in front of the same table: its own gateway and its own store,
    /// so its own caches with these TTLs, as a second Lambda container would have.
    pub async fn another_container(&self, caches: CacheSettings) -> TestApi {
        self.container(|client| Store::with_caches(client, self.table.clone(), caches))
            .await
    }

    /// Another container in front of the same table whose queries may examine at most
    /// `limit` records or index entries.
    pub async fn with_scan_limit(&self, limit: usize) -> TestApi {
        self.container(|client| Store::new(client, self.table.clone()).with_scan_limit(limit))
            .await
    }

    /// Another container in front of the same table that counts requests against `limits`.
    pub async fn with_rate_limits(&self, limits: shared::rate_limit::RateLimits) -> TestApi {
        self.container(|client| Store::new(client, self.table.clone()).with_rate_limits(Some(limits)))
            .await
    }

    /// Another container in front of the same table whose admin key is `admin_key`.
    pub async fn with_admin_key(&self, admin_key: AdminKeyHash) -> TestApi {
        self.container_with(|client| Store::new(client, self.table.clone()), admin_key)
            .await
    }

    /// A gateway of its own in front of the same table, with the store `store` makes from
    /// a client whose DynamoDB calls it logs.
    async fn container(&self, store: impl FnOnce(aws_sdk_dynamodb::Client) -> Store) -> TestApi {
        self.container_with(store, AdminKeyHash::of_key(&self.admin_key)).await
    }

    /// [`TestApi::container`], whose admin key is `admin_key`.
    async fn container_with(
        &self,
        store: impl FnOnce(aws_sdk_dynamodb::Client) -> Store,
        admin_key: AdminKeyHash,
    ) -> TestApi {
        let operations = OperationLog::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base_url = format!("http://{}", listener.local_addr().expect("bound"));
        let state = Arc::new(AppState {
            store: store(logged_client(&self.db, &operations)),
            admin_key,
            app_url: pages_of(&base_url),
            webhooks: shared::state::WebhookSettings::local(),
            pages: shared::html::PageSettings::local(),
        });
        TestApi {
            base_url,
            admin_key: self.admin_key.clone(),
            db: self.db.clone(),
            table: self.table.clone(),
            state: state.clone(),
            operations,
            http: self.http.clone(),
            server: tokio::spawn(gateway::serve(listener, state)),
            purges: self.purges,
        }
    }

    /// Sends a request with the given headers and raw body: its status, its headers and its
    /// body's bytes, whatever they are.
    pub async fn send_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> (u16, hyper::HeaderMap, Bytes) {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base_url, path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).expect("a valid test request");
        let response = self.http.request(request).await.expect("the gateway answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("the body arrives")
            .to_bytes();
        (status, headers, bytes)
    }

    /// Sends a request with the given headers and raw body; a JSON answer as its body.
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        let (status, headers, bytes) = self.send_bytes(method, path, headers, body).await;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body, headers }
    }

    /// Sends a request whose answer is a page (with the session cookie, if given, and a
    /// form as the body): its status, headers and text.
    pub async fn page(&self, method: &str, path: &str, session: Option<&str>, form: &str) -> Page {
        let cookie = session.map(|s| format!("{}={s}", shared::session::COOKIE_NAME));
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        headers.extend(cookie.as_deref().map(|c| ("cookie", c)));
        let (status, headers, bytes) = self.send_bytes(method, path, &headers, form.to_string()).await;
        Page {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Sends JSON with the admin key.
    pub async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(
            method,
            path,
            &[("content-type", "application/json"), ("x-api-key", &self.admin_key)],
            body,
        )
        .await
    }

    /// Every item of the test's table, sorted by key: a snapshot to compare before and
    /// after a request that must write nothing. (A Scan is fine for a test's small table.)
    pub async fn items(&self) -> Vec<Item> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .db
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        items.sort_by_key(|item| (text(item, "PK"), text(item, "SK")));
        items
    }

    /// Runs the invariant audit over the test's table and fails the test on any breach.
    /// Waits until every deleted organization's purge has finished (its marker is gone),
    /// following the table's stream meanwhile as the deployed trigger does (only while
    /// waiting: a hundred tests polling their streams all along would load DynamoDB Local).
    pub async fn wait_for_purges(&self) {
        if self.items_with_pk_prefix("PURGE#").await.is_empty() {
            return;
        }
        assert!(self.purges, "this test API runs no purge: read the stream in the test");
        let follower = self.purge_from_stream().await;
        for _ in 0..1200 {
            if self.items_with_pk_prefix("PURGE#").await.is_empty() {
                follower.abort();
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        follower.abort();
        panic!("a purge did not finish within two minutes");
    }

    /// Follows the table's stream, running each purge step in process as `make dev` does,
    /// until the handle is aborted.
    pub async fn purge_from_stream(&self) -> tokio::task::JoinHandle<()> {
        let streams = streams_client().await;
        tokio::spawn(gateway::stream::purge_in_process(
            self.db.clone(),
            streams,
            self.table.clone(),
            self.state.clone(),
        ))
    }

    /// Follows the table's stream, indexing records for search in process as `make dev`
    /// does, until the handle is aborted.
    pub async fn index_from_stream(&self) -> tokio::task::JoinHandle<()> {
        let streams = streams_client().await;
        tokio::spawn(gateway::stream::index_in_process(
            self.db.clone(),
            streams,
            self.table.clone(),
            self.state.clone(),
        ))
    }

    /// Follows the table's stream, delivering change events to webhooks in process as
    /// `make dev` does (retries swept every `tick`), until the handle is aborted.
    pub async fn deliver_from_stream(
        &self,
        schedule: shared::delivery::Schedule,
        tick: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let streams = streams_client().await;
        tokio::spawn(gateway::stream::deliver_in_process(
            self.db.clone(),
            streams,
            self.table.clone(),
            self.state.clone(),
            schedule,
            tick,
        ))
    }

    /// The audit of the whole table, once every purge in flight has finished.
    pub async fn assert_audit_clean(&self) {
        if self.purges {
            self.wait_for_purges().await;
        }
        let report = self.state.store.audit().await.expect("the audit reads the table");
        assert!(report.is_clean(), "audit breaches: {:#?}", report.breaches);
    }

    /// Every item but the id counters, which a rejected request may advance (ids may skip).
    pub async fn items_without_counters(&self) -> Vec<Item> {
        self.items()
            .await
            .into_iter()
            .filter(|i| !text(i, "PK").starts_with("COUNTER#"))
            .collect()
    }

    /// The items whose partition key starts with `prefix`.
    pub async fn items_with_pk_prefix(&self, prefix: &str) -> Vec<Item> {
        self.items()
            .await
            .into_iter()
            .filter(|i| text(i, "PK").starts_with(prefix))
            .collect()
    }
}

/// A string attribute of an item ("" when absent).
pub fn text(item: &Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(s)) => s.clone(),
        _ => String::new(),
    }
}

/// `secret` with its last character changed: the same length and prefix (so the same key
/// id), never the secret itself (a fixed replacement would be, whenever the secret already
/// ends in it).
pub fn forged(secret: &str) -> String {
    let (head, last) = secret.split_at(secret.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

/// Asserts `reply` is an error page: the status, HTML, and the pages' security headers.
pub fn assert_page_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "unexpected page: {:?}", reply.headers);
    assert_eq!(reply.headers["content-type"], "text/html; charset=utf-8");
    let policy = reply.headers["content-security-policy"].to_str().unwrap_or_default();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
}

/// Asserts `reply` sends a page's visitor without a session to the access page, and
/// starts no session.
pub fn assert_to_access(reply: &Reply) {
    assert_eq!(reply.status, 303, "not redirected: {:?}", reply.headers);
    assert_eq!(reply.headers["location"], "/app/access");
    assert!(session_of(reply).is_none(), "a session was started");
}

/// Asserts `reply` is an error with the Attio error body and the given status.
pub fn assert_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "unexpected reply: {:?}", reply.body);
    let body = reply
        .body
        .as_object()
        .unwrap_or_else(|| panic!("error body is not a JSON object: {reply:?}"));
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["code", "message", "status_code", "type"],
        "error body keys: {body:?}"
    );
    assert_eq!(body["status_code"], status);
    assert!(body["type"].is_string() && body["code"].is_string() && body["message"].is_string());
    assert!(!body["message"].as_str().unwrap_or("").is_empty());
}

/// The sorted keys of a JSON object.
pub fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("a JSON object").keys().cloned().collect();
    keys.sort();
    keys
}

/// Asserts a timestamp is RFC 3339 in UTC with whole seconds: `2024-01-15T10:30:00Z`.
pub fn assert_seconds_timestamp(value: &Value) {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("timestamp is not a string: {value}"));
    let b = s.as_bytes();
    assert!(
        s.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z',
        "not an RFC 3339 UTC timestamp: {s}"
    );
}

/// An organization made for a test: its id, its owner's user id and the owner's org key.
#[derive(Debug, Clone)]
pub struct Org {
    pub id: u64,
    pub user_id: u64,
    pub key: String,
}

impl TestApi {
    /// Creates an organization whose owner is `external_id`.
    pub async fn create_org(&self, name: &str, external_id: &str) -> Org {
        let body = serde_json::json!({
            "name": name,
            "owner": {"external_id": external_id, "email": format!("{external_id}@example.com"), "name": external_id}
        });
        let reply = self.admin("POST", "/api/v1/organizations", Some(&body)).await;
        assert_eq!(reply.status, 201, "creating an org: {:?}", reply.body);
        Org {
            id: reply.body["organization"]["id"].as_u64().expect("org id"),
            user_id: reply.body["owner"]["id"].as_u64().expect("user id"),
            key: reply.body["api_key"]["secret"].as_str().expect("key").to_string(),
        }
    }

    /// The embed token of user `external_id` in organization `org_id`.
    pub async fn embed_token(&self, external_id: &str, org_id: u64) -> String {
        let path = format!("/api/v1/users/{external_id}/embed-token?organization_id={org_id}");
        let reply = self.admin("GET", &path, None).await;
        assert_eq!(reply.status, 200, "an embed token: {:?}", reply.body);
        reply.body["embed_token"].as_str().expect("a token").to_string()
    }

    /// Opens the embed URL of `token`: the session cookie's value it started.
    pub async fn sign_in(&self, token: &str) -> String {
        let reply = self
            .send("GET", &format!("/dashboard.html?token={token}"), &[], Vec::new())
            .await;
        assert_eq!(reply.status, 303, "the embed URL redirects");
        session_of(&reply).expect("the embed URL starts a session")
    }

    /// The token the forms of `session`'s pages carry (what its sign-out form sends).
    pub async fn form_token(&self, session: &str) -> String {
        let key = shared::session::session_key(&self.state.webhooks.sealing_key)
            .await
            .expect("the local server key");
        shared::session::form_token(&key, session)
    }

    /// Seeds `count` records of `table` (its id or api_slug) straight into DynamoDB
    /// (`Store::seed_records`: every item a create writes, without its transaction), each
    /// holding the values `values(n)` gives (an object by field key, in Attio's input
    /// forms): for large fixtures where the write path is not what a test is about.
    pub async fn seed_records(
        &self,
        org: &Org,
        table: &str,
        count: usize,
        values: impl Fn(usize) -> Value,
    ) -> Vec<shared::domain::record::Record> {
        use shared::domain::organization::OrgId;
        use shared::domain::record::parse_values;
        use shared::domain::table::TableRef;
        let table_ref = TableRef::parse(table).expect("a table id or slug");
        let table = self
            .state
            .store
            .table(OrgId(org.id), &table_ref)
            .await
            .expect("the table is read")
            .expect("the table exists");
        let key_id = org.key_id();
        let mut seeded = Vec::with_capacity(count);
        for start in (0..count).step_by(1000) {
            let rows: Vec<Value> = (start..(start + 1000).min(count)).map(&values).collect();
            let parsed: Vec<shared::store::records::RecordValues<'_>> = rows
                .iter()
                .map(|row| {
                    row.as_object()
                        .expect("values are an object")
                        .iter()
                        .map(|(key, raw)| {
                            let field = table.fields.get(key).unwrap_or_else(|| panic!("no field {key}"));
                            (field, parse_values(field, raw, key).expect("a valid value"))
                        })
                        .collect()
                })
                .collect();
            let actor = shared::store::records::Actor::now(&key_id);
            let records = self
                .state
                .store
                .seed_records(OrgId(org.id), &table, &parsed, actor)
                .await
                .expect("the records are seeded");
            seeded.extend(records);
        }
        seeded
    }

    /// Creates a table in the org whose key is `key` (200 expected): the response body.
    pub async fn create_table(&self, key: &str, name: &str, prefix: &str, slug: &str) -> Value {
        let body = serde_json::json!({"name": name, "record_prefix": prefix, "api_slug": slug});
        let reply = self.bearer(key, "POST", "/orgs/c/tables", Some(&body)).await;
        assert_eq!(reply.status, 200, "creating a table: {:?}", reply.body);
        reply.body
    }

    /// Adds a field to `table` (its id or api_slug; 200 expected): the response body.
    pub async fn add_field(&self, key: &str, table: &str, field: &Value) -> Value {
        let path = format!("/orgs/c/tables/{table}/fields");
        let reply = self.bearer(key, "POST", &path, Some(field)).await;
        assert_eq!(reply.status, 200, "adding the field {field}: {:?}", reply.body);
        reply.body
    }

    /// Attio's create record: `values` in `{"data": {"values": ...}}` to `object`'s records,
    /// with the org key `key`. The reply, whatever its status.
    pub async fn create_record(&self, key: &str, object: &str, values: &Value) -> Reply {
        let body = serde_json::json!({"data": {"values": values}});
        self.bearer(key, "POST", &format!("/v2/objects/{object}/records"), Some(&body))
            .await
    }

    /// Creates a record named `name` through Attio's route (200 expected): its id.
    pub async fn named_record(&self, key: &str, object: &str, name: &str) -> String {
        let reply = self
            .create_record(key, object, &serde_json::json!({"name": name}))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["data"]["id"]["record_id"]
            .as_str()
            .expect("a record id")
            .to_string()
    }

    /// Sends JSON with `Authorization: Bearer <key>` (Invent, Attio).
    pub async fn bearer(&self, key: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let auth = format!("Bearer {key}");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(
            method,
            path,
            &[("content-type", "application/json"), ("authorization", &auth)],
            body,
        )
        .await
    }

    /// The `name` of each record of `object`, in the query's default order (display number).
    pub async fn record_names(&self, key: &str, object: &str) -> Vec<String> {
        let path = format!("/v2/objects/{object}/records/query");
        let reply = self.bearer(key, "POST", &path, Some(&serde_json::json!({}))).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["data"]
            .as_array()
            .expect("a list of records")
            .iter()
            .map(|r| r["values"]["name"][0]["value"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Sends JSON with `Authorization: Token <key>` and `ACCOUNT-ID` (SmartSuite).
    pub async fn token(&self, key: &str, account: u64, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let auth = format!("Token {key}");
        let account = account.to_string();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let headers = [
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
            ("account-id", &account),
        ];
        self.send(method, path, &headers, body).await
    }

    /// Every item in an organization's partition: what another tenant must never change.
    pub async fn org_partition(&self, org: u64) -> Vec<Item> {
        let pk = format!("ORG#{org}");
        self.items().await.into_iter().filter(|i| text(i, "PK") == pk).collect()
    }

    /// Every change event the organization's log holds, oldest first.
    pub async fn change_events(&self, org: u64) -> Vec<Value> {
        let mut items: Vec<_> = self
            .org_partition(org)
            .await
            .into_iter()
            .filter(|item| text(item, "SK").starts_with("EVT#"))
            .collect();
        items.sort_by_key(|item| text(item, "SK"));
        items
            .iter()
            .flat_map(|item| {
                let list: Vec<Value> = serde_json::from_str(&text(item, "events")).expect("events are JSON");
                list
            })
            .collect()
    }
}

/// The turn of a test that follows the table's stream (deliveries, SmartSuite's webhook
/// queues): such tests take turns across the whole test binary, since DynamoDB Local's
/// streams slow each other down, and a follower that falls behind under another's load is
/// the machine's noise, not a finding (a loss would still show: every count is exact).
pub static STREAM_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs futures concurrently on the current task and returns their outputs in order.
pub async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = Vec::new();
    outputs.resize_with(futures.len(), || None);
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *output = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}

impl Org {
    /// The key's id, as records show it in `created_by_actor`.
    pub fn key_id(&self) -> String {
        let id = self
            .key
            .strip_prefix("ak_")
            .and_then(|r| r.split('_').next())
            .expect("a key token");
        uuid::Uuid::try_parse(id).expect("a uuid").hyphenated().to_string()
    }
}

/// The display number of a record in a reply (`DEALS-42`: 42).
pub fn display_number(record: &Value) -> u64 {
    let id = record["display_id"].as_str().expect("a display_id");
    id.rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("a display id <PREFIX>-<n>, not {id}"))
}

/// The display numbers of a records answer's `data`, in its order (200 expected).
pub fn display_numbers(reply: &Reply) -> Vec<u64> {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .expect("data is an array")
        .iter()
        .map(display_number)
        .collect()
}
