//! Per-key rate limits as the vendors publish them: past its limit in a clock second, a key
//! gets Attio's 429 with `Retry-After`, and nothing of the request runs.

use api_tests::{assert_error, join_all, text, Reply, TestApi};
use serde_json::json;
use shared::rate_limit::RateLimits;

/// The request counts stored for a class: one per clock second that saw requests.
async fn counts(api: &TestApi, class: &str) -> Vec<u64> {
    api.items_with_pk_prefix("RATE#")
        .await
        .iter()
        .filter(|i| text(i, "PK").ends_with(&format!("#{class}")))
        .map(|i| i["n"].as_n().unwrap().parse().unwrap())
        .collect()
}

fn assert_rate_limited(reply: &Reply) {
    assert_error(reply, 429);
    assert_eq!(reply.body["code"], "rate_limit_exceeded");
    assert_eq!(reply.body["type"], "rate_limit_error");
    assert_eq!(reply.headers.get("retry-after").map(|v| v.to_str().unwrap()), Some("1"));
}

#[tokio::test]
async fn a_key_past_its_vendors_limit_is_answered_429_with_retry_after() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let limited = api.with_rate_limits(RateLimits::PUBLISHED).await;

    // SmartSuite: 5 requests a second per key; 30 at once.
    let list = json!({});
    let replies =
        join_all((0..30).map(|_| limited.token(&org.key, org.id, "POST", "/api/v1/teams/list", Some(&list)))).await;
    let passed = replies.iter().filter(|r| r.status == 200).count();
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(passed + refused.len(), 30, "every answer is a 200 or a 429");
    refused.iter().for_each(|r| assert_rate_limited(r));
    let smartsuite = counts(&api, "smartsuite").await;
    assert!(smartsuite.iter().all(|n| *n <= 5), "at most 5 a second: {smartsuite:?}");
    assert_eq!(
        smartsuite.iter().sum::<u64>() as usize,
        passed,
        "what passed is what was counted"
    );
    assert!(!refused.is_empty(), "30 requests in {} seconds", smartsuite.len());

    // Another key has its own count.
    let reply = limited
        .token(&other.key, other.id, "POST", "/api/v1/teams/list", Some(&list))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);

    // Attio: writes (25 a second) are counted apart from reads (100 a second). A refused
    // write writes nothing.
    let table = json!({"name": "Companies", "record_prefix": "CO", "api_slug": "companies"});
    assert_eq!(
        api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&table))
            .await
            .status,
        200
    );
    let creates = join_all((0..60).map(|i| {
        let body = json!({"data": {"values": {"name": format!("c{i}")}}});
        let limited = &limited;
        let key = &org.key;
        async move {
            limited
                .bearer(key, "POST", "/v2/objects/companies/records", Some(&body))
                .await
        }
    }))
    .await;
    let created = creates.iter().filter(|r| r.status == 200).count();
    creates.iter().filter(|r| r.status != 200).for_each(assert_rate_limited);
    let writes = counts(&api, "attio-write").await;
    assert!(writes.iter().all(|n| *n <= 25), "{writes:?}");
    assert_eq!(writes.iter().sum::<u64>() as usize, created);
    assert_eq!(
        api.record_names(&org.key, "companies").await.len(),
        created,
        "a refused create wrote nothing"
    );
    let reply = limited
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/companies/records/query",
            Some(&json!({"limit": 1})),
        )
        .await;
    assert_eq!(reply.status, 200, "reads have their own count: {:?}", reply.body);
    assert_eq!(counts(&api, "attio-read").await.iter().sum::<u64>(), 1);
    api.assert_audit_clean().await;
}
