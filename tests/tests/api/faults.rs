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
        app_url: shared::state::AppUrl::local(),
        webhooks: shared::state::WebhookSettings::local(),
        pages: shared::html::PageSettings::local(),
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

/// Many transactions on one item at once (each record create counts its reference on the
/// same target record): whatever DynamoDB cancels for a conflict is retried, so every create
/// succeeds and the count is exact.
#[tokio::test]
async fn transactions_cancelled_for_a_conflict_are_retried() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    for (name, prefix) in [("People", "P"), ("Deals", "D")] {
        api.bearer(
            &org.key,
            "POST",
            "/orgs/c/tables",
            Some(&json!({"name": name, "record_prefix": prefix})),
        )
        .await;
    }
    let link = json!({"key": "person", "schema": {"name": "Person", "type": "record-reference", "link": "people"}});
    api.bearer(&org.key, "POST", "/orgs/c/tables/deals/fields", Some(&link))
        .await;
    let person = api
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/people/records",
            Some(&json!({"data": {"values": {}}})),
        )
        .await;
    let target = person.body["data"]["id"]["record_id"].clone();
    let retries_before = shared::store::CONFLICT_RETRIES.load(std::sync::atomic::Ordering::Relaxed);
    let creates = (0..30).map(|_| {
        let body = json!({"data": {"values": {"person": {"target_object": "people", "target_record_id": target}}}});
        let (api, key) = (&api, org.key.clone());
        async move { api.bearer(&key, "POST", "/v2/objects/deals/records", Some(&body)).await }
    });
    for reply in api_tests::join_all(creates).await {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let retries = shared::store::CONFLICT_RETRIES.load(std::sync::atomic::Ordering::Relaxed) - retries_before;
    eprintln!("transaction conflicts retried: {retries}");
    // The person is referenced by all 30 deals: the audit checks that its ref_count is
    // exactly 30, with 30 referrer items. Its delete then writes the 30 deals at once (their
    // count releases on the one person conflicting again), and leaves no reference.
    api.assert_audit_clean().await;
    let path = format!("/v2/objects/people/records/{}", target.as_str().unwrap());
    let reply = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let deals = api
        .bearer(&org.key, "POST", "/v2/objects/deals/records/query", Some(&json!({})))
        .await;
    let deals = deals.body["data"].as_array().unwrap();
    assert_eq!(deals.len(), 30);
    assert!(deals.iter().all(|d| d["values"]["person"] == json!([])), "{deals:?}");
    api.assert_audit_clean().await;
}
