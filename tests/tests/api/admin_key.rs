//! The admin key's hashes in SSM Parameter Store, against moto's server (offline, as
//! DynamoDB Local is for the table): read on the first admin request and kept for the
//! cache's time, never by organization routes; rotated with two hashes and no deploy.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use api_tests::{repo_root, OperationLog, Reply, TestApi};
use shared::auth::{sha256_hex, AdminKeyHash};

/// moto's server on a port of its own, killed with the test.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Self {
        let server = repo_root().join(".venv-moto/bin/moto_server");
        assert!(
            server.exists(),
            "moto's server is missing: `make test` installs it (.venv-moto)"
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..300 {
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn ssm_client(endpoint: &str, log: &OperationLog) -> aws_sdk_ssm::Client {
    let config = api_tests::local_sdk_config(endpoint).await;
    aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&config)
            .interceptor(log.clone())
            .build(),
    )
}

async fn set(ssm: &aws_sdk_ssm::Client, value: &str) {
    ssm.put_parameter()
        .name("/workspace/admin-api-key-sha256")
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .expect("moto takes the parameter");
}

async fn as_admin(api: &TestApi, key: &str) -> Reply {
    api.send("GET", "/api/v1/organizations", &[("x-api-key", key)], "")
        .await
}

#[tokio::test]
async fn the_admin_key_comes_from_ssm_lazily_and_rotates_without_downtime() {
    let moto = Moto::start();
    let log = OperationLog::default();
    let ssm = ssm_client(&moto.endpoint, &log).await;
    set(&ssm, &sha256_hex("old-admin-key")).await;
    log.take();
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let ttl = Duration::from_millis(500);
    let admin_key = AdminKeyHash::from_parameter("/workspace/admin-api-key-sha256", ttl, Some(ssm.clone()));
    let container = api.with_admin_key(admin_key).await;

    // Organization routes never read the parameter: a container that serves only them
    // makes no SSM call, at its start or after.
    assert_eq!(
        container.bearer(&org.key, "GET", "/orgs/c/tables", None).await.status,
        200
    );
    assert!(log.take().is_empty(), "an organization route read SSM");

    // The first admin request reads it; the next ones within the cache's time do not.
    assert_eq!(as_admin(&container, "old-admin-key").await.status, 200);
    assert_eq!(log.take(), ["GetParameter"]);
    assert_eq!(as_admin(&container, "old-admin-key").await.status, 200);
    assert_eq!(as_admin(&container, "new-admin-key").await.status, 401);
    assert!(log.take().is_empty(), "cached");

    // A rotation: both keys work while callers switch, then only the new one.
    set(
        &ssm,
        &format!("{},{}", sha256_hex("new-admin-key"), sha256_hex("old-admin-key")),
    )
    .await;
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    for key in ["new-admin-key", "old-admin-key"] {
        assert_eq!(as_admin(&container, key).await.status, 200, "{key} during the rotation");
    }
    set(&ssm, &sha256_hex("new-admin-key")).await;
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert_eq!(as_admin(&container, "old-admin-key").await.status, 401, "revoked");
    assert_eq!(as_admin(&container, "new-admin-key").await.status, 200);

    // A parameter that holds no hash is a 503 for admin requests, never an open door.
    set(&ssm, "not a hash").await;
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    let reply = as_admin(&container, "new-admin-key").await;
    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert_eq!(
        container.bearer(&org.key, "GET", "/orgs/c/tables", None).await.status,
        200
    );
}
