//! The change-event log (the outbox): every acknowledged write that changed something has
//! exactly its events, written in its own transaction; a refused write has none.

use api_tests::{join_all, text, Org, TestApi};
use serde_json::{json, Value};

/// Every event the organization's log holds, oldest first.
async fn events(api: &TestApi, org: &Org) -> Vec<Value> {
    let mut items: Vec<_> = api
        .org_partition(org.id)
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

fn kinds(events: &[Value]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["id"]["attribute_id"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test]
async fn record_writes_log_their_events_and_refused_writes_none() {
    let api = TestApi::start().await;
    let org = api.create_org("Events", "events-owner").await;
    let table = api.create_table(&org.key, "Companies", "CO", "companies").await;
    let domain = json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}});
    let domain = api.add_field(&org.key, "companies", &domain).await;
    let name_id = table["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["key"] == "name"))
        .map(|f| f["id"].clone())
        .unwrap_or(Value::Null);
    let me = api.bearer(&org.key, "GET", "/v2/self", None).await;
    let workspace = me.body["workspace_id"].clone();
    let key_id = me.body["client_id"].clone();

    let created = api
        .create_record(&org.key, "companies", &json!({"name": "Acme", "domain": "acme.com"}))
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let record_id = created.body["data"]["id"]["record_id"].clone();
    let path = format!("/v2/objects/companies/records/{}", record_id.as_str().unwrap());
    let log = events(&api, &org).await;
    assert_eq!(kinds(&log), [("record.created".to_string(), None)]);
    assert_eq!(log[0]["id"]["workspace_id"], workspace);
    assert_eq!(log[0]["id"]["object_id"], table["id"]);
    assert_eq!(log[0]["id"]["record_id"], record_id);
    assert_eq!(log[0]["actor"], json!({"type": "api-token", "id": key_id}));
    assert_eq!(log[0]["record_version"], 0);

    // Refused writes: a taken unique value, a bad value, a missing record. No event.
    let other = api
        .create_record(&org.key, "companies", &json!({"name": "Copy", "domain": "acme.com"}))
        .await;
    assert_eq!(other.status, 400, "{:?}", other.body);
    let bad = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"values": {"domain": 12}}})),
        )
        .await;
    assert_eq!(bad.status, 400, "{:?}", bad.body);
    assert_eq!(events(&api, &org).await.len(), 1, "refused writes log nothing");

    // The same value again changes nothing: no event. A changed one: one per attribute.
    let same = api
        .bearer(
            &org.key,
            "PUT",
            &path,
            Some(&json!({"data": {"values": {"name": "Acme"}}})),
        )
        .await;
    assert_eq!(same.status, 200, "{:?}", same.body);
    assert_eq!(events(&api, &org).await.len(), 1, "an unchanged write logs nothing");
    let changed = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"values": {"name": "Acme Inc", "domain": "acme.io"}}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    let log = events(&api, &org).await;
    let mut updated: Vec<(String, Option<String>)> = kinds(&log[1..]);
    updated.sort();
    let mut expected = vec![
        ("record.updated".to_string(), domain["id"].as_str().map(str::to_string)),
        ("record.updated".to_string(), name_id.as_str().map(str::to_string)),
    ];
    expected.sort();
    assert_eq!(updated, expected);
    assert!(log[1..].iter().all(|e| e["record_version"] == 2), "{log:?}");

    let deleted = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!(deleted.status, 200);
    let log = events(&api, &org).await;
    assert_eq!(kinds(&log[3..]), [("record.deleted".to_string(), None)]);
    assert_eq!(log[3]["id"]["record_id"], record_id);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn concurrent_writes_each_log_exactly_their_events() {
    let api = TestApi::start().await;
    let org = api.create_org("Busy", "busy-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let unique = json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}});
    api.add_field(&org.key, "companies", &unique).await;
    // 16 clients, 20 writes each: creates, some with a domain another client also takes
    // (one of them is refused), then updates of what each made.
    let clients = (0..16).map(|client| {
        let api = &api;
        let key = org.key.clone();
        async move {
            let mut acknowledged = Vec::new();
            for n in 0..10 {
                let domain = format!("d{}.example.com", (client * 10 + n) % 120);
                let body = json!({"data": {"values": {"name": format!("c{client}-{n}"), "domain": domain}}});
                let reply = api
                    .bearer(&key, "POST", "/v2/objects/companies/records", Some(&body))
                    .await;
                if reply.status == 200 {
                    let id = reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
                    acknowledged.push(("record.created", id.clone()));
                    let path = format!("/v2/objects/companies/records/{id}");
                    let update = json!({"data": {"values": {"name": format!("c{client}-{n}!")}}});
                    let reply = api.bearer(&key, "PATCH", &path, Some(&update)).await;
                    if reply.status == 200 {
                        acknowledged.push(("record.updated", id));
                    }
                } else {
                    assert_eq!(reply.status, 400, "{:?}", reply.body);
                }
            }
            acknowledged
        }
    });
    let mut acknowledged: Vec<(String, String)> = join_all(clients)
        .await
        .into_iter()
        .flatten()
        .map(|(t, id)| (t.to_string(), id))
        .collect();
    let mut logged: Vec<(String, String)> = events(&api, &org)
        .await
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["id"]["record_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    acknowledged.sort();
    logged.sort();
    assert!(
        acknowledged.len() > 100,
        "most writes went through: {}",
        acknowledged.len()
    );
    assert_eq!(logged, acknowledged, "every acknowledged write's event, exactly once");
    api.assert_audit_clean().await;
}
