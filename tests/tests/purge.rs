//! A test binary of its own: it writes and purges thousands of items, which would slow the
//! other tests sharing one DynamoDB Local; cargo runs test binaries one after another.
//!
//! The asynchronous organization purge, end to end: DELETE stops the organization's keys at
//! once; DynamoDB Local's stream, read as the deployed trigger reads it (filtered to purge
//! markers), invokes the real purge-organizations binary under the Runtime API harness,
//! one bounded step per invocation, until nothing of the organization is left. The steps
//! are bounded at 500 items (`PURGE_STEP_ITEMS`), a tenth of the deployed bound, so that
//! 1,000 records take as many steps as 10,000 would in AWS: the same walk through the
//! organization's partitions, at a tenth of the writes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api_tests::runtime::run;
use api_tests::{dynamodb_endpoint, join_all, streams_client, target_dir, text, Org, TestApi};
use serde_json::json;

const RECORDS: usize = 1_000;
const STEP_ITEMS: usize = 500;

async fn fill(api: &TestApi, org: &Org, records: usize) {
    let table = json!({"name": "Deals", "record_prefix": "D", "api_slug": "deals"});
    assert_eq!(
        api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&table))
            .await
            .status,
        200
    );
    for field in [
        json!({"key": "amount", "indexed": true, "schema": {"name": "Amount", "type": "number"}}),
        json!({"key": "code", "unique": true, "schema": {"name": "Code", "type": "text"}}),
    ] {
        let reply = api
            .bearer(&org.key, "POST", "/orgs/c/tables/deals/fields", Some(&field))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    // The records straight into the table, every item a create writes (the create is
    // not what this test is about); a few through the API.
    let seeded = records.saturating_sub(10);
    api.seed_records(
        org,
        "deals",
        seeded,
        |n| json!({"name": format!("Deal {n}"), "amount": n, "code": format!("C{n}")}),
    )
    .await;
    join_all((seeded..records).map(|n| async move {
        let body = json!({"data": {"values": {"name": format!("Deal {n}"), "amount": n, "code": format!("C{n}")}}});
        let reply = api
            .bearer(&org.key, "POST", "/v2/objects/deals/records", Some(&body))
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }))
    .await;
    // History items too: a few records changed twice.
    for n in 1..=5 {
        for amount in [1, 2] {
            let body = json!({"data": {"values": {"amount": amount}}});
            let path = format!("/v2/objects/deals/records/D-{n}");
            assert_eq!(api.bearer(&org.key, "PATCH", &path, Some(&body)).await.status, 200);
        }
    }
}

#[tokio::test]
async fn an_organization_of_a_thousand_records_is_purged_from_the_stream_in_bounded_steps() {
    let api = TestApi::start_without_purges().await;
    let kept = api.create_org("Kept", "kept-owner").await;
    fill(&api, &kept, 20).await;
    let before = keys(&api).await;
    let doomed = api.create_org("Doomed", "doomed-owner").await;
    fill(&api, &doomed, RECORDS).await;

    let reply = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", doomed.id), None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // At once: the key is refused and the organization is gone; its data is not, yet.
    let refused = api
        .bearer(&doomed.key, "GET", "/v2/objects/deals/records/D-1", None)
        .await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    assert_eq!(api.items_with_pk_prefix("PURGE#").await.len(), 1, "the purge is marked");

    let target = target_dir();
    let binary = target.join("debug/purge-organizations");
    assert!(binary.exists(), "build the functions first (`make test` does)");
    let env = vec![
        ("TABLE_NAME", api.table.clone()),
        ("ADMIN_API_KEY_SHA256", shared::auth::sha256_hex(&api.admin_key)),
        ("LOCAL_DYNAMODB_ENDPOINT", dynamodb_endpoint().to_string()),
        ("RUST_LOG", "warn".to_string()),
        ("PURGE_STEP_ITEMS", STEP_ITEMS.to_string()),
    ];
    let invocations = Arc::new(AtomicUsize::new(0));
    let deliver = {
        let invocations = invocations.clone();
        move |event: String| {
            let (binary, env, invocations) = (binary.clone(), env.clone(), invocations.clone());
            async move {
                let result = run(&[binary.as_path()], &env, &[event], Duration::from_secs(120)).await;
                invocations.fetch_add(1, Ordering::SeqCst);
                match &result.invocations[..] {
                    [(Ok(_), _)] => Ok(()),
                    other => Err(format!("the purge step failed: {other:?}").into()),
                }
            }
        }
    };
    let streams = streams_client().await;
    let follower = tokio::spawn(gateway::stream::follow(
        api.db.clone(),
        streams,
        api.table.clone(),
        gateway::stream::purge_markers,
        deliver,
    ));
    for _ in 0..1200 {
        if api.items_with_pk_prefix("PURGE#").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    follower.abort();
    assert!(
        api.items_with_pk_prefix("PURGE#").await.is_empty(),
        "the purge finished"
    );
    // 1,000 records are at least 4,000 items (record, pointer, sentinel, index entry): at
    // most 500 a step, so at least 8 steps, each its own invocation.
    let steps = invocations.load(Ordering::SeqCst);
    assert!(steps >= 4 * RECORDS / STEP_ITEMS, "{steps} invocations");

    // What is left is what was there before the doomed organization, and its owner, a
    // user (users are platform-wide), and the id counter.
    let mut expected = before;
    expected.insert(("USER#doomed-owner".to_string(), "USER".to_string()));
    assert_eq!(keys(&api).await, expected);
    let kept_records = api
        .bearer(&kept.key, "POST", "/v2/objects/deals/records/query", Some(&json!({})))
        .await;
    assert_eq!(kept_records.body["data"].as_array().unwrap().len(), 20);
    api.assert_audit_clean().await;
}

/// The key of every item of the table.
async fn keys(api: &TestApi) -> std::collections::BTreeSet<(String, String)> {
    api.items()
        .await
        .iter()
        .map(|i| (text(i, "PK"), text(i, "SK")))
        .collect()
}
