//! The change-event log (the outbox): every acknowledged write that changed something has
//! exactly its events, written in its own transaction; a refused write has none.

use api_tests::{join_all, Org, TestApi};
use serde_json::{json, Value};

/// Every event the organization's log holds, oldest first.
async fn events(api: &TestApi, org: &Org) -> Vec<Value> {
    api.change_events(org.id).await
}

/// The `record.*` events among `events`.
fn record_events(events: Vec<Value>) -> Vec<Value> {
    events
        .into_iter()
        .filter(|e| e["event_type"].as_str().is_some_and(|t| t.starts_with("record.")))
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
    let log = record_events(events(&api, &org).await);
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
    assert_eq!(
        record_events(events(&api, &org).await).len(),
        1,
        "refused writes log nothing"
    );

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
    assert_eq!(
        record_events(events(&api, &org).await).len(),
        1,
        "an unchanged write logs nothing"
    );
    let changed = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"values": {"name": "Acme Inc", "domain": "acme.io"}}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    let log = record_events(events(&api, &org).await);
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
    let log = record_events(events(&api, &org).await);
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
    let mut logged: Vec<(String, String)> = record_events(events(&api, &org).await)
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

/// Schema changes and members joining log Attio's events too, from every dialect's
/// endpoints, in the change's own transaction; a refused change logs none.
#[tokio::test]
async fn attribute_and_member_changes_log_their_events() {
    let api = TestApi::start().await;
    let org = api.create_org("Schema", "schema-owner").await;
    let me = api.bearer(&org.key, "GET", "/v2/self", None).await;
    let workspace = me.body["workspace_id"].clone();
    let token = json!({"type": "api-token", "id": me.body["client_id"]});
    let attribute_events = |log: &[Value]| -> Vec<(String, String, String)> {
        log.iter()
            .filter(|e| e["event_type"].as_str().unwrap().starts_with("object-attribute."))
            .map(|e| {
                assert_eq!(e["id"]["workspace_id"], workspace);
                assert_eq!(e["actor"], token);
                assert_eq!(e.get("record_version"), None, "{e}");
                (
                    e["event_type"].as_str().unwrap().to_string(),
                    e["id"]["object_id"].as_str().unwrap().to_string(),
                    e["id"]["attribute_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let created = |object: &Value, attribute: &Value| {
        (
            "object-attribute.created".to_string(),
            object.as_str().unwrap().to_string(),
            attribute.as_str().unwrap().to_string(),
        )
    };

    // A new object (Invent's table) logs a created event for each attribute it starts with.
    let table = api.create_table(&org.key, "Companies", "CO", "companies").await;
    let object = table["id"].clone();
    let mut expected: Vec<_> = table["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| created(&object, &f["id"]))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(attribute_events(&events(&api, &org).await), expected);

    // An attribute added through Attio's endpoint; then the same slug again is refused.
    let attribute = json!({"data": {"title": "Stage", "api_slug": "stage", "type": "select",
        "is_required": false, "is_unique": false, "is_multiselect": false, "description": null, "config": {}}});
    let added = api
        .bearer(&org.key, "POST", "/v2/objects/companies/attributes", Some(&attribute))
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    let stage = added.body["data"]["id"]["attribute_id"].clone();
    expected.push(created(&object, &stage));
    let again = api
        .bearer(&org.key, "POST", "/v2/objects/companies/attributes", Some(&attribute))
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(attribute_events(&events(&api, &org).await), expected);

    // A change to the attribute, and an option added to it: an updated event each.
    let path = "/v2/objects/companies/attributes/stage";
    let renamed = api
        .bearer(
            &org.key,
            "PATCH",
            path,
            Some(&json!({"data": {"title": "Pipeline stage"}})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let option = api
        .bearer(
            &org.key,
            "POST",
            &format!("{path}/options"),
            Some(&json!({"data": {"title": "Won"}})),
        )
        .await;
    assert_eq!(option.status, 200, "{:?}", option.body);
    let updated = (
        "object-attribute.updated".to_string(),
        object.as_str().unwrap().to_string(),
        stage.as_str().unwrap().to_string(),
    );
    expected.extend([updated.clone(), updated]);
    assert_eq!(attribute_events(&events(&api, &org).await), expected);

    // A user created in the organization, and one joining it, through the admin API
    // (`system`); a changed role is no new member.
    let members = |log: &[Value]| -> Vec<Value> {
        log.iter()
            .filter(|e| e["event_type"] == "workspace-member.created")
            .map(|e| {
                assert_eq!(e["actor"], json!({"type": "system", "id": null}));
                e["id"].clone()
            })
            .collect()
    };
    let other = api.create_org("Other", "other-owner").await;
    let user = json!({"external_id": "jane", "email": "jane@example.com", "name": "Jane", "organization_id": org.id});
    let jane = api.admin("POST", "/api/v1/users", Some(&user)).await;
    assert_eq!(jane.status, 201, "{:?}", jane.body);
    let jane_id = jane.body["user"]["id"].as_u64().expect("a user id");
    let member = |org: &Org| {
        json!({
            "workspace_id": shared::domain::organization::OrgId(org.id).workspace_id().to_string(),
            "workspace_member_id": shared::domain::organization::OrgId(org.id).member_id(jane_id).to_string(),
        })
    };
    assert_eq!(members(&events(&api, &org).await), [member(&org)]);
    assert_eq!(members(&events(&api, &other).await), Vec::<Value>::new());
    // She joins the other organization, then changes her role there and here.
    for patch in [
        json!({"organization_id": other.id, "role": "user"}),
        json!({"organization_id": other.id, "role": "manager"}),
        json!({"organization_id": org.id, "role": "manager"}),
    ] {
        let reply = api.admin("PATCH", "/api/v1/users/jane", Some(&patch)).await;
        assert_eq!(reply.status, 200, "{patch}: {:?}", reply.body);
    }
    assert_eq!(members(&events(&api, &org).await), [member(&org)]);
    assert_eq!(members(&events(&api, &other).await), [member(&other)]);
    api.assert_audit_clean().await;
}
