//! Attio's webhooks API: create (the secret shown once, sealed at rest), list, get, update
//! and delete; targets that may not be reached; another workspace's webhooks.

use api_tests::{assert_error, keys_of, text, TestApi};
use serde_json::{json, Value};

fn webhook(target: &str, subscriptions: Value) -> Value {
    json!({"data": {"target_url": target, "subscriptions": subscriptions}})
}

fn on_companies() -> Value {
    json!([
        {"event_type": "record.created", "filter": {"$and": [
            {"field": "id.object_id", "operator": "equals", "value": "97052eb9-e65e-443f-a297-f2d9a4a7f795"}
        ]}},
        {"event_type": "record.deleted", "filter": null}
    ])
}

#[tokio::test]
async fn a_webhook_is_created_shown_changed_and_deleted_with_its_secret_shown_once() {
    let api = TestApi::start().await;
    let org = api.create_org("Hooks Inc", "hooks-owner").await;

    let created = api
        .bearer(
            &org.key,
            "POST",
            "/v2/webhooks",
            Some(&webhook("https://example.com/hook", on_companies())),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let data = &created.body["data"];
    assert_eq!(
        keys_of(data),
        ["created_at", "id", "secret", "status", "subscriptions", "target_url"]
    );
    assert_eq!(data["target_url"], "https://example.com/hook");
    assert_eq!(data["status"], "active");
    assert_eq!(data["subscriptions"], on_companies());
    let secret = data["secret"].as_str().expect("a secret").to_string();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    let id = data["id"]["webhook_id"].as_str().expect("an id").to_string();
    uuid::Uuid::parse_str(&id).expect("a uuid");
    let me = api.bearer(&org.key, "GET", "/v2/self", None).await;
    assert_eq!(data["id"]["workspace_id"], me.body["workspace_id"]);

    // The secret is nowhere in the table in clear, in any encoding of it.
    let stored = format!("{:?}", api.items().await);
    assert!(!stored.contains(&secret), "the secret is stored sealed");
    assert!(!stored.contains(&secret.to_uppercase()));

    let path = format!("/v2/webhooks/{id}");
    let got = api.bearer(&org.key, "GET", &path, None).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["data"]["id"]["webhook_id"], id.as_str());
    assert!(got.body["data"].get("secret").is_none(), "shown only when created");
    let listed = api.bearer(&org.key, "GET", "/v2/webhooks", None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));
    assert!(listed.body["data"][0].get("secret").is_none());

    // PATCH replaces what it names and keeps the rest.
    let moved = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"target_url": "https://hooks.example.org/in"}})),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(moved.body["data"]["target_url"], "https://hooks.example.org/in");
    assert_eq!(moved.body["data"]["subscriptions"], on_companies());
    let resubscribed = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"subscriptions": [{"event_type": "record.updated", "filter": null}]}})),
        )
        .await;
    assert_eq!(resubscribed.status, 200);
    assert_eq!(
        resubscribed.body["data"]["subscriptions"],
        json!([{"event_type": "record.updated", "filter": null}])
    );
    assert_eq!(resubscribed.body["data"]["target_url"], "https://hooks.example.org/in");
    assert_eq!(
        api.bearer(&org.key, "GET", &path, None).await.body["data"]["subscriptions"],
        resubscribed.body["data"]["subscriptions"]
    );

    let deleted = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, json!({}));
    assert_error(&api.bearer(&org.key, "GET", &path, None).await, 404);
    assert_error(&api.bearer(&org.key, "DELETE", &path, None).await, 404);
    assert_eq!(
        api.bearer(&org.key, "GET", "/v2/webhooks", None).await.body["data"],
        json!([])
    );
    // Its count went back down with it.
    let org_item = api
        .org_partition(org.id)
        .await
        .into_iter()
        .find(|item| text(item, "SK") == "ORG")
        .expect("the organization");
    assert_eq!(
        org_item
            .get("webhook_count")
            .and_then(|v| v.as_n().ok())
            .map(String::as_str),
        Some("0")
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn another_workspace_never_sees_or_touches_a_webhook() {
    let api = TestApi::start().await;
    let owner = api.create_org("Owner", "owner-1").await;
    let other = api.create_org("Other", "other-1").await;
    let created = api
        .bearer(
            &owner.key,
            "POST",
            "/v2/webhooks",
            Some(&webhook("https://example.com/a", json!([]))),
        )
        .await;
    let id = created.body["data"]["id"]["webhook_id"]
        .as_str()
        .expect("an id")
        .to_string();
    let path = format!("/v2/webhooks/{id}");
    for (method, body) in [
        ("GET", None),
        (
            "PATCH",
            Some(json!({"data": {"target_url": "https://evil.example.com/"}})),
        ),
        ("DELETE", None),
    ] {
        let reply = api.bearer(&other.key, method, &path, body.as_ref()).await;
        assert_error(&reply, 404);
        assert_eq!(reply.body["code"], "not_found");
    }
    assert_eq!(
        api.bearer(&other.key, "GET", "/v2/webhooks", None).await.body["data"],
        json!([])
    );
    let still = api.bearer(&owner.key, "GET", &path, None).await;
    assert_eq!(still.body["data"]["target_url"], "https://example.com/a");
}

#[tokio::test]
async fn bad_webhooks_are_refused_and_nothing_is_written() {
    let api = TestApi::start().await;
    let org = api.create_org("Strict", "strict-owner").await;
    let before = api.items_without_counters().await.len();
    let cases = [
        json!({}),
        json!({"data": {}}),
        json!({"data": {"subscriptions": []}}),
        json!({"data": {"target_url": "https://example.com/h"}}),
        webhook("http://example.com/h", json!([])),
        webhook("https://169.254.169.254/latest/meta-data", json!([])),
        webhook("https://10.0.0.8/h", json!([])),
        webhook("https://[fd00::1]/h", json!([])),
        webhook("https://user:pass@example.com/h", json!([])),
        webhook("not a url", json!([])),
        webhook("https://example.com/h", json!([{"event_type": "record.exploded"}])),
        webhook(
            "https://example.com/h",
            json!([{"event_type": "record.created", "filter": {"$xor": []}}]),
        ),
        webhook(
            "https://example.com/h",
            json!([{"event_type": "record.created", "filter": {"$and": [{"field": "id", "operator": "gte", "value": "1"}]}}]),
        ),
        webhook("https://example.com/h", json!({"event_type": "record.created"})),
        webhook(
            "https://example.com/h",
            Value::Array(vec![json!({"event_type": "record.created"}); 51]),
        ),
    ];
    for body in &cases {
        let reply = api.bearer(&org.key, "POST", "/v2/webhooks", Some(body)).await;
        assert_error(&reply, 400);
        assert_eq!(reply.body["code"], "validation_type", "{body}: {:?}", reply.body);
    }
    assert_eq!(api.items_without_counters().await.len(), before, "nothing written");

    let created = api
        .bearer(
            &org.key,
            "POST",
            "/v2/webhooks",
            Some(&webhook("https://example.com/h", json!([]))),
        )
        .await;
    let id = created.body["data"]["id"]["webhook_id"]
        .as_str()
        .expect("an id")
        .to_string();
    let refused = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("/v2/webhooks/{id}"),
            Some(&json!({"data": {"target_url": "https://192.168.0.10/"}})),
        )
        .await;
    assert_error(&refused, 400);
    assert_eq!(
        api.bearer(&org.key, "GET", &format!("/v2/webhooks/{id}"), None)
            .await
            .body["data"]["target_url"],
        "https://example.com/h"
    );
    assert_error(&api.bearer(&org.key, "GET", "/v2/webhooks/not-a-uuid", None).await, 404);
    assert_error(&api.bearer(&org.key, "GET", "/v2/webhooks?limit=101", None).await, 400);
}

#[tokio::test]
async fn webhooks_list_in_pages_oldest_first() {
    let api = TestApi::start().await;
    let org = api.create_org("Pages", "pages-owner").await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let target = format!("https://example.com/{n}");
        let created = api
            .bearer(&org.key, "POST", "/v2/webhooks", Some(&webhook(&target, json!([]))))
            .await;
        assert_eq!(created.status, 200, "{:?}", created.body);
        ids.push(created.body["data"]["id"]["webhook_id"].clone());
    }
    let first = api.bearer(&org.key, "GET", "/v2/webhooks", None).await;
    let ids_of = |reply: &api_tests::Reply| -> Vec<Value> {
        reply.body["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|w| w["id"]["webhook_id"].clone())
            .collect()
    };
    assert_eq!(ids_of(&first), ids[..10], "10 by default, oldest first");
    let rest = api
        .bearer(&org.key, "GET", "/v2/webhooks?limit=5&offset=10", None)
        .await;
    assert_eq!(ids_of(&rest), ids[10..]);
}
