//! Webhook deliveries end to end: writes through the API, events from the table's stream,
//! deliveries to a receiver inside the test (`api_tests::receiver`, which answers by path)
//! that checks every signature, and counts what arrives against what was written.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use api_tests::receiver::{Received, Receiver};
use api_tests::{join_all, Org, TestApi};
use serde_json::{json, Value};
use shared::delivery::{signature, Schedule};

/// A test schedule: a second's back-off, five attempts, a two-second timeout.
const SCHEDULE: Schedule = Schedule {
    base: Duration::from_secs(1),
    max_wait: Duration::from_secs(2),
    max_attempts: 5,
    timeout: Duration::from_secs(2),
};

async fn webhook(api: &TestApi, org: &Org, target: String, subscriptions: Value) -> (String, String) {
    let body = json!({"data": {"target_url": target, "subscriptions": subscriptions}});
    let reply = api.bearer(&org.key, "POST", "/v2/webhooks", Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    (
        reply.body["data"]["id"]["webhook_id"].as_str().unwrap().to_string(),
        reply.body["data"]["secret"].as_str().unwrap().to_string(),
    )
}

async fn wait_until(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < until, "waited {seconds} s for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn event_types(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .flat_map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_type"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn deliveries_are_signed_filtered_retried_and_isolated() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let receiver = Receiver::default();
    let base = receiver.start().await;
    let follower = api.deliver_from_stream(SCHEDULE, Duration::from_millis(200)).await;
    let org = api.create_org("Hooked", "hooked-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let table = api.create_table(&org.key, "Companies", "CO", "companies").await;
    api.create_table(&other.key, "Companies", "CO", "companies").await;
    let all = json!([
        {"event_type": "record.created", "filter": null},
        {"event_type": "record.updated", "filter": null},
        {"event_type": "record.deleted", "filter": null}
    ]);
    let (ok_id, ok_secret) = webhook(&api, &org, format!("{base}/ok"), all).await;
    let created = json!([{"event_type": "record.created", "filter": null}]);
    let (_, flaky_secret) = webhook(&api, &org, format!("{base}/flaky"), created.clone()).await;
    webhook(&api, &org, format!("{base}/stall"), created.clone()).await;
    let elsewhere = json!([{"event_type": "record.created", "filter": {"$and": [
        {"field": "id.object_id", "operator": "equals", "value": "00000000-0000-4000-8000-000000000000"}
    ]}}]);
    webhook(&api, &org, format!("{base}/filtered"), elsewhere).await;
    let mine = json!([{"event_type": "record.created", "filter": {"$and": [
        {"field": "id.object_id", "operator": "equals", "value": table["id"]}
    ]}}]);
    webhook(&api, &org, format!("{base}/mine"), mine).await;
    webhook(&api, &other, format!("{base}/other"), created).await;

    let written = Instant::now();
    let record = api.create_record(&org.key, "companies", &json!({"name": "Acme"})).await;
    assert_eq!(record.status, 200);
    let path = format!(
        "/v2/objects/companies/records/{}",
        record.body["data"]["id"]["record_id"].as_str().unwrap()
    );
    wait_until("the created event at /ok", 20, || !receiver.at("/ok").is_empty()).await;
    assert!(
        receiver.at("/ok")[0].at.duration_since(written) < Duration::from_secs(2),
        "delivered promptly, while /stall still stalls"
    );
    let renamed = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"values": {"name": "Acme 2"}}})),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(api.bearer(&org.key, "DELETE", &path, None).await.status, 200);
    wait_until("three deliveries at /ok", 20, || receiver.at("/ok").len() == 3).await;
    wait_until("the flaky receiver's third attempt", 30, || {
        receiver.at("/flaky").len() == 3
    })
    .await;

    // Every delivery is signed with its webhook's secret, in both headers.
    let ok = receiver.at("/ok");
    for delivery in &ok {
        assert_eq!(
            delivery.signature,
            signature(ok_secret.as_bytes(), delivery.body.as_bytes())
        );
        assert_eq!(delivery.x_signature, delivery.signature);
        let body: Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(body["webhook_id"], ok_id.as_str());
    }
    // No order is kept between deliveries (docs/compat-attio.md); each write's arrived.
    let mut types = event_types(&ok);
    types.sort();
    assert_eq!(types, ["record.created", "record.deleted", "record.updated"]);
    let keys: BTreeSet<&str> = ok.iter().map(|d| d.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), 3, "one Idempotency-Key per delivery");
    // The flaky receiver: three attempts of one delivery, the same key and body each time.
    let flaky = receiver.at("/flaky");
    assert!(flaky
        .windows(2)
        .all(|w| w[0].idempotency_key == w[1].idempotency_key && w[0].body == w[1].body));
    assert_eq!(
        flaky[0].signature,
        signature(flaky_secret.as_bytes(), flaky[0].body.as_bytes())
    );
    // The delivery log: the flaky delivery took three attempts, the last answered 200.
    let flaky_id = {
        let list = api.bearer(&org.key, "GET", "/v2/webhooks", None).await;
        list.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["target_url"].as_str().unwrap().ends_with("/flaky"))
            .map(|w| w["id"]["webhook_id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let log = api
        .bearer(&org.key, "GET", &format!("/v2/webhooks/{flaky_id}/deliveries"), None)
        .await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let entry = &log.body["data"][0];
    assert_eq!(log.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(entry["state"], "delivered", "{entry}");
    assert_eq!(entry["attempts"], 3);
    assert_eq!(entry["last_status"], 200);
    assert_eq!(entry["event_types"], json!(["record.created"]));
    assert_eq!(entry["id"], flaky[0].idempotency_key.as_str());
    // Redelivery: sent once more, with its body and key.
    let again = api
        .bearer(
            &org.key,
            "POST",
            &format!(
                "/v2/webhooks/{flaky_id}/deliveries/{}/redeliver",
                flaky[0].idempotency_key
            ),
            None,
        )
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    wait_until("the redelivery", 20, || receiver.at("/flaky").len() == 4).await;
    let redelivered = receiver.at("/flaky").pop().unwrap();
    assert_eq!(
        (redelivered.idempotency_key.as_str(), redelivered.body.as_str()),
        (flaky[0].idempotency_key.as_str(), flaky[0].body.as_str())
    );
    let missing = api
        .bearer(
            &org.key,
            "POST",
            &format!("/v2/webhooks/{flaky_id}/deliveries/nope.{flaky_id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    let foreign = api
        .bearer(&other.key, "GET", &format!("/v2/webhooks/{flaky_id}/deliveries"), None)
        .await;
    assert_eq!(foreign.status, 404, "another workspace's webhook is not found");
    // Filters: the other object's filter took nothing, this object's took the create.
    assert!(receiver.at("/filtered").is_empty());
    assert_eq!(event_types(&receiver.at("/mine")), ["record.created"]);
    // Another workspace's webhook saw nothing of this one's events.
    assert!(receiver.at("/other").is_empty());

    // A deleted webhook gets nothing more.
    let deleted = api
        .bearer(&org.key, "DELETE", &format!("/v2/webhooks/{ok_id}"), None)
        .await;
    assert_eq!(deleted.status, 200);
    let again = api
        .create_record(&org.key, "companies", &json!({"name": "Later"}))
        .await;
    assert_eq!(again.status, 200);
    wait_until("the later create at /mine", 20, || receiver.at("/mine").len() == 2).await;
    let other_record = api
        .create_record(&other.key, "companies", &json!({"name": "Theirs"}))
        .await;
    assert_eq!(other_record.status, 200);
    wait_until("the other workspace's create at /other", 20, || {
        receiver.at("/other").len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.at("/ok").len(), 3, "nothing after the webhook's delete");
    assert_eq!(receiver.at("/mine").len(), 2, "nothing of the other workspace's");

    // The stalled receiver's delivery: retried, never answered in time.
    wait_until("the stalled delivery's retries", 30, || {
        receiver.at("/stall").len() >= 2
    })
    .await;
    follower.abort();
}

#[tokio::test]
async fn nothing_is_lost_under_concurrent_writes() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let receiver = Receiver::default();
    let base = receiver.start().await;
    let follower = api.deliver_from_stream(SCHEDULE, Duration::from_millis(200)).await;
    let org = api.create_org("Load", "load-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let all =
        json!([{"event_type": "record.created", "filter": null}, {"event_type": "record.updated", "filter": null}]);
    let (_, secret) = webhook(&api, &org, format!("{base}/sometimes"), all).await;
    // 1,000 writes from 16 clients: creates, then an update of every other one.
    let clients = (0..16).map(|client| {
        let api = &api;
        let key = org.key.clone();
        async move {
            let mut acknowledged = Vec::new();
            for n in 0..42 {
                let body = json!({"data": {"values": {"name": format!("c{client}-{n}")}}});
                let reply = api
                    .bearer(&key, "POST", "/v2/objects/companies/records", Some(&body))
                    .await;
                assert_eq!(reply.status, 200, "{:?}", reply.body);
                let id = reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
                acknowledged.push(("record.created".to_string(), id.clone()));
                if n % 2 == 0 {
                    let path = format!("/v2/objects/companies/records/{id}");
                    let body = json!({"data": {"values": {"name": format!("c{client}-{n}!")}}});
                    let reply = api.bearer(&key, "PATCH", &path, Some(&body)).await;
                    assert_eq!(reply.status, 200, "{:?}", reply.body);
                    acknowledged.push(("record.updated".to_string(), id));
                }
            }
            acknowledged
        }
    });
    let mut acknowledged: Vec<(String, String)> = join_all(clients).await.into_iter().flatten().collect();
    assert!(acknowledged.len() >= 1000, "{}", acknowledged.len());
    acknowledged.sort();
    // One delivery in ten fails once before it is taken: deduplicated by Idempotency-Key,
    // each acknowledged write's event arrives exactly once.
    let delivered = || -> BTreeMap<String, Received> {
        receiver
            .at("/sometimes")
            .into_iter()
            .map(|r| (r.idempotency_key.clone(), r))
            .collect()
    };
    let expected = acknowledged.len();
    wait_until("every delivery taken", 300, || delivered().len() >= expected).await;
    let mut arrived: Vec<(String, String)> = delivered()
        .values()
        .flat_map(|r| {
            assert_eq!(r.signature, signature(secret.as_bytes(), r.body.as_bytes()));
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["event_type"].as_str().unwrap().to_string(),
                        e["id"]["record_id"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    arrived.sort();
    assert_eq!(arrived, acknowledged, "exactly the acknowledged writes' events");
    // Retries: the failed first attempts, each retried once, nothing after a 2xx.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let retried = receiver.at("/sometimes").len() - expected;
    assert!(retried > 0, "some first attempts failed and were retried");
    assert!(retried < expected / 4, "{retried} retries");
    follower.abort();
    api.assert_audit_clean().await;
}

/// A webhook whose deliveries fail for their whole schedule is degraded; a week later it
/// is inactive and gets no new deliveries; a change makes it active again, and so does a
/// delivery that succeeds.
#[tokio::test]
async fn a_failing_webhook_degrades_goes_inactive_and_recovers() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let receiver = Receiver::default();
    let base = receiver.start().await;
    // Two attempts, a second apart.
    let schedule = Schedule {
        max_attempts: 2,
        ..SCHEDULE
    };
    let follower = api.deliver_from_stream(schedule, Duration::from_millis(200)).await;
    let org = api.create_org("Failing", "failing-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let created = json!([{"event_type": "record.created", "filter": null}]);
    let (down, _) = webhook(&api, &org, format!("{base}/down"), created.clone()).await;
    let (flaky, _) = webhook(&api, &org, format!("{base}/flaky"), created.clone()).await;
    webhook(&api, &org, format!("{base}/ok"), created).await;
    let status = |id: &str| {
        let api = &api;
        let path = format!("/v2/webhooks/{id}");
        let key = org.key.clone();
        async move {
            let reply = api.bearer(&key, "GET", &path, None).await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            reply.body["data"]["status"].as_str().unwrap().to_string()
        }
    };
    let record = api.create_record(&org.key, "companies", &json!({"name": "Acme"})).await;
    assert_eq!(record.status, 200);
    wait_until("both attempts at /down and /flaky", 30, || {
        receiver.at("/down").len() == 2 && receiver.at("/flaky").len() == 2
    })
    .await;
    let until = Instant::now() + Duration::from_secs(20);
    while status(&down).await != "degraded" || status(&flaky).await != "degraded" {
        assert!(
            Instant::now() < until,
            "both webhooks degraded after their last attempt"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A redelivery that succeeds makes the flaky webhook active again.
    let log = api
        .bearer(&org.key, "GET", &format!("/v2/webhooks/{flaky}/deliveries"), None)
        .await;
    let delivery = log.body["data"][0]["id"].as_str().unwrap().to_string();
    let again = api
        .bearer(
            &org.key,
            "POST",
            &format!("/v2/webhooks/{flaky}/deliveries/{delivery}/redeliver"),
            None,
        )
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    wait_until("the redelivery", 20, || receiver.at("/flaky").len() == 3).await;
    let until = Instant::now() + Duration::from_secs(20);
    while status(&flaky).await != "active" {
        assert!(Instant::now() < until, "a success makes a degraded webhook active");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A week degraded (its degrade time moved back eight days): inactive.
    let week_ago = shared::time::Timestamp::now().unix_seconds() - 8 * 24 * 3600;
    api.db
        .update_item()
        .table_name(&api.table)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(shared::store::keys::org_pk(
                shared::domain::organization::OrgId(org.id),
            )),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S(shared::store::keys::webhook_sk(&down)),
        )
        .update_expression("SET degraded_at = :then")
        .condition_expression("attribute_exists(degraded_at)")
        .expression_attribute_values(
            ":then",
            aws_sdk_dynamodb::types::AttributeValue::N(week_ago.to_string()),
        )
        .send()
        .await
        .expect("the degraded webhook has its degrade time");
    assert_eq!(status(&down).await, "inactive");
    // An inactive webhook gets no new delivery; the others do.
    let later = api
        .create_record(&org.key, "companies", &json!({"name": "Later"}))
        .await;
    assert_eq!(later.status, 200);
    wait_until("the later create at /ok and /flaky", 20, || {
        receiver.at("/ok").len() == 2 && receiver.at("/flaky").len() == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.at("/down").len(), 2, "nothing new for the inactive webhook");
    let log = api
        .bearer(&org.key, "GET", &format!("/v2/webhooks/{down}/deliveries"), None)
        .await;
    assert_eq!(log.body["data"].as_array().unwrap().len(), 1, "{:?}", log.body);

    // Its owner points it elsewhere: active again, and delivered to.
    let patched = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("/v2/webhooks/{down}"),
            Some(&json!({"data": {"target_url": format!("{base}/fixed")}})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["data"]["status"], "active");
    assert_eq!(status(&down).await, "active");
    let fixed = api
        .create_record(&org.key, "companies", &json!({"name": "Fixed"}))
        .await;
    assert_eq!(fixed.status, 200);
    wait_until("the create at /fixed", 20, || receiver.at("/fixed").len() == 1).await;
    follower.abort();
    api.assert_audit_clean().await;
}
