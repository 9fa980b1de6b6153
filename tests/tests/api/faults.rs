//! DynamoDB faults: with DynamoDB Local stopped mid-run every request gets a quick 503 and
//! nothing panics; once it is back, writes succeed again without restarting the gateway.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api_tests::{assert_error, dynamodb_client_for, OwnDynamoDb, TestApi};
use serde_json::json;
use shared::auth::AdminKeyHash;
use shared::state::AppState;
use shared::store::{schema, Store};

#[tokio::test]
async fn a_stopped_dynamodb_gets_503_and_recovery_needs_no_restart() {
    let mut dynamodb = OwnDynamoDb::start();
    let client = dynamodb_client_for(&dynamodb.endpoint()).await;
    let table = "faults";
    schema::create_table_if_missing(&client, table).await.expect("table");
    // The shared harness gives the HTTP client; this gateway talks to our own DynamoDB.
    let api = TestApi::start().await;
    let admin_key = api.admin_key.clone();
    let state = Arc::new(AppState {
        store: Store::new(client.clone(), table),
        admin_key: AdminKeyHash::of_key(&admin_key),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let gateway = tokio::spawn(gateway::serve(listener, state));
    let api = api.with_base_url(&url);

    let org = api.create_org("Before", "before-owner").await;
    dynamodb.stop();
    let body = json!({"name": "During", "owner": {"external_id": "during", "email": "d@example.com", "name": "D"}});
    let requests = [
        ("POST", "/api/v1/organizations".to_string(), Some(body.clone()), true),
        ("GET", format!("/api/v1/organizations/{}", org.id), None, true),
        ("GET", "/orgs/c/tables".to_string(), None, false),
    ];
    for (method, path, body, admin) in &requests {
        let started = Instant::now();
        let reply = if *admin {
            api.admin(method, path, body.as_ref()).await
        } else {
            api.bearer(&org.key, method, path, body.as_ref()).await
        };
        let took = started.elapsed();
        assert_error(&reply, 503);
        assert_eq!(reply.body["code"], "service_unavailable");
        assert!(
            took < Duration::from_secs(25),
            "{method} {path} took {took:?}, past API Gateway's limit"
        );
    }
    assert!(!gateway.is_finished(), "the gateway is still serving");

    dynamodb.restart();
    // DynamoDB Local keeps its data in memory: the table is new, the gateway is not.
    schema::create_table_if_missing(&client, table)
        .await
        .expect("table again");
    let reply = api.admin("POST", "/api/v1/organizations", Some(&body)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        api.admin(
            "GET",
            &format!("/api/v1/organizations/{}", reply.body["organization"]["id"]),
            None
        )
        .await
        .status,
        200
    );
}
