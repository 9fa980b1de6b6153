//! Idempotency-Key on POSTs: a retry gets the first response without a second write.

use api_tests::{assert_error, join_all, text, TestApi};
use serde_json::json;

fn org_body(name: &str) -> String {
    json!({"name": name, "owner": {"external_id": "idem-owner", "email": "o@example.com", "name": "O"}}).to_string()
}

#[tokio::test]
async fn a_retry_gets_the_first_response_without_a_second_write() {
    let api = TestApi::start().await;
    let headers = [
        ("content-type", "application/json"),
        ("x-api-key", api.admin_key.as_str()),
        ("idempotency-key", "create-acme-1"),
    ];
    let first = api
        .send("POST", "/api/v1/organizations", &headers, org_body("Acme"))
        .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let before = api.items().await;
    let retry = api
        .send("POST", "/api/v1/organizations", &headers, org_body("Acme"))
        .await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body, first.body, "the same body, the same key secret");
    assert_eq!(
        retry.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(api.items().await, before, "the retry wrote nothing");
    // The key is remembered for 24 hours (DynamoDB TTL).
    let record = before
        .iter()
        .find(|i| text(i, "PK").starts_with("IDEMP#"))
        .expect("an idempotency record");
    let expires: u64 = record["expires_at"].as_n().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 86_000..=now + 86_500).contains(&expires), "{expires} vs {now}");

    // The same key with another body is refused, and writes nothing.
    let other = api
        .send("POST", "/api/v1/organizations", &headers, org_body("Globex"))
        .await;
    assert_error(&other, 422);
    assert_eq!(other.body["code"], "idempotency_key_reused");
    assert_eq!(api.items().await, before);
    // A 4xx is kept too: the retry of a bad request gets the same 400.
    let bad_headers = [
        ("content-type", "application/json"),
        ("x-api-key", api.admin_key.as_str()),
        ("idempotency-key", "bad-1"),
    ];
    let bad = api.send("POST", "/api/v1/organizations", &bad_headers, "{}").await;
    assert_error(&bad, 400);
    assert_eq!(
        api.send("POST", "/api/v1/organizations", &bad_headers, "{}").await.body,
        bad.body
    );
    for key in ["", " ", &"k".repeat(256), "tab\tkey"] {
        let headers = [
            ("content-type", "application/json"),
            ("x-api-key", api.admin_key.as_str()),
            ("idempotency-key", key),
        ];
        assert_error(
            &api.send("POST", "/api/v1/organizations", &headers, org_body("X")).await,
            400,
        );
    }
}

#[tokio::test]
async fn parallel_retries_with_one_key_create_one_resource() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let auth = format!("Bearer {}", org.key);
    let body = json!({"name": "Companies", "record_prefix": "CO"}).to_string();
    let attempts = (0..10).map(|_| {
        let (api, auth, body) = (&api, auth.clone(), body.clone());
        async move {
            let headers = [
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
                ("idempotency-key", "table-1"),
            ];
            api.send("POST", "/orgs/c/tables", &headers, body).await
        }
    });
    let replies = join_all(attempts).await;
    let ok: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    assert!(!ok.is_empty());
    for reply in &replies {
        assert!(reply.status == 200 || reply.status == 409, "{:?}", reply.body);
        if reply.status == 409 {
            assert_eq!(reply.body["code"], "idempotency_request_in_progress");
        }
    }
    assert!(
        ok.windows(2).all(|w| w[0].body == w[1].body),
        "every success is the one response"
    );
    let tables = api
        .org_partition(org.id)
        .await
        .iter()
        .filter(|i| text(i, "SK").starts_with("TABLE#"))
        .count();
    assert_eq!(tables, 1, "exactly one table");
    // Once done, a retry gets the response.
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
        ("idempotency-key", "table-1"),
    ];
    assert_eq!(
        api.send("POST", "/orgs/c/tables", &headers, body.clone()).await.body,
        ok[0].body
    );
    // Keys are scoped per credential: another org's key with the same Idempotency-Key is
    // a different request.
    let other = api.create_org("Other", "other-owner").await;
    let other_auth = format!("Bearer {}", other.key);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", other_auth.as_str()),
        ("idempotency-key", "table-1"),
    ];
    let reply = api.send("POST", "/orgs/c/tables", &headers, body).await;
    assert_eq!(reply.status, 200);
    assert_ne!(reply.body["id"], ok[0].body["id"]);
    api.assert_audit_clean().await;
}
