//! A SmartSuite connector's whole flow, in the order Activepieces' and Pipedream's actions
//! make their calls (solution dropdown, table dropdown, the table's structure, then
//! records), each answer read the way the connector reads it.

use std::time::{Duration, Instant};

use api_tests::receiver::Receiver;
use api_tests::{Org, TestApi};
use serde_json::{json, Value};
use shared::delivery::Schedule;

/// A test schedule: a second's back-off, three attempts, a two-second timeout.
const SCHEDULE: Schedule = Schedule {
    base: Duration::from_secs(1),
    max_wait: Duration::from_secs(2),
    max_attempts: 3,
    timeout: Duration::from_secs(2),
};

const WEBHOOKS: &str = "/smartsuite.webhooks.engine.Webhooks";

/// Pulls a webhook's events as Activepieces does: pages of `"50"` from the token kept,
/// until a page comes back empty; again until `want` have come or a minute has passed.
/// Returns them and the token to keep.
async fn pull(api: &TestApi, org: &Org, webhook: &str, token: &str, want: usize) -> (Vec<Value>, String) {
    let (mut events, mut token) = (Vec::new(), token.to_string());
    // A hang guard, not a timing: under the whole suite's load the stream has taken over a
    // minute to bring 77 events (66 of them in one minute once).
    let until = Instant::now() + Duration::from_secs(180);
    loop {
        let page = call(
            api,
            org,
            "POST",
            &format!("{WEBHOOKS}/ListEvents"),
            Some(&json!({"webhook_id": webhook, "page_size": "50", "page_token": token})),
        )
        .await;
        token = page["next_page_token"]
            .as_str()
            .expect("a token on every page")
            .to_string();
        let items = page["events"].as_array().expect("events").clone();
        let empty = items.is_empty();
        events.extend(items);
        if empty && events.len() >= want {
            return (events, token);
        }
        // The guard bounds the events' arrival: once all `want` are in, the pages that
        // confirm nothing more follows are read even past it.
        assert!(
            events.len() >= want || Instant::now() < until,
            "{} of {want} events in three minutes",
            events.len()
        );
        if empty {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn kinds(events: &[Value]) -> [usize; 3] {
    let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count();
    [
        count("RECORD_CREATED"),
        count("RECORD_UPDATED"),
        count("RECORD_DELETED"),
    ]
}

async fn call(api: &TestApi, org: &Org, method: &str, path: &str, body: Option<&Value>) -> Value {
    let reply = api.token(&org.key, org.id, method, path, body).await;
    assert_eq!(reply.status, 200, "{method} {path}: {:?}", reply.body);
    reply.body
}

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_connector_lists_picks_writes_lists_deletes_restores_and_bulk_writes() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;

    // Dropdowns: the solutions, then the solution's tables, paged as Activepieces asks.
    let solutions = call(&api, &org, "GET", "/api/v1/solutions?limit=100&offset=0", None).await;
    let solution = solutions["results"][0]["id"].as_str().expect("a solution").to_string();
    // A webhook on the whole solution, every kind, pinging a receiver (Pipedream's create,
    // with all three kinds); the fan-out follows the table's stream as `make dev`'s does.
    let receiver = Receiver::default();
    let base = receiver.start().await;
    let follower = api.deliver_from_stream(SCHEDULE, Duration::from_millis(200)).await;
    let hook = call(
        &api,
        &org,
        "POST",
        &format!("{WEBHOOKS}/CreateWebhook"),
        Some(&json!({"webhook": {
            "filter": {"solution": {}},
            "kinds": ["RECORD_CREATED", "RECORD_UPDATED", "RECORD_DELETED"],
            "locator": {"account_id": org.id.to_string(), "solution_id": solution},
            "notification_status": {"enabled": {"url": format!("{base}/ok")}}
        }})),
    )
    .await;
    let hook = hook["webhook"]["webhook_id"]
        .as_str()
        .expect("webhook.webhook_id")
        .to_string();
    let made = call(
        &api,
        &org,
        "POST",
        "/api/v1/applications/",
        Some(&json!({"name": "Deals", "solution": solution, "structure": [
            {"slug": "amount", "label": "Amount", "field_type": "numberfield"},
            {"slug": "stage", "label": "Stage", "field_type": "singleselectfield",
             "params": {"choices": [{"label": "Open"}, {"label": "Won"}]}}
        ]})),
    )
    .await;
    let tables = call(
        &api,
        &org,
        "GET",
        &format!("/api/v1/applications?solution={solution}&limit=100&offset=0"),
        None,
    )
    .await;
    let table = tables["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Deals")
        .expect("the new table is listed");
    let id = table["id"].as_str().unwrap().to_string();
    assert_eq!(table["id"], made["id"]);

    // The structure: every field with its params, the primary one marked.
    let structure = call(&api, &org, "GET", &format!("/api/v1/applications/{id}"), None).await;
    let fields = structure["structure"].as_array().unwrap();
    assert_eq!(fields.iter().filter(|f| f["params"]["primary"] == true).count(), 1);
    let won = fields
        .iter()
        .find(|f| f["slug"] == "stage")
        .and_then(|f| f["params"]["choices"].as_array())
        .and_then(|c| c.iter().find(|c| c["label"] == "Won"))
        .map(|c| c["value"].clone())
        .expect("Won");

    // Create (Activepieces sends what was typed: numbers as strings), then list with a
    // filter and a sort.
    let records = format!("/api/v1/applications/{id}/records");
    for (title, amount, stage) in [
        ("Alpha", "300", "Open"),
        ("Beta", "100", "Won"),
        ("Gamma", "200", "Won"),
    ] {
        call(
            &api,
            &org,
            "POST",
            &format!("{records}/"),
            Some(&json!({"title": title, "amount": amount, "stage": stage})),
        )
        .await;
    }
    let won_by_amount = json!({
        "filter": {"operator": "and", "fields": [{"field": "stage", "comparison": "is", "value": won}]},
        "sort": [{"field": "amount", "direction": "asc"}]
    });
    let list = call(
        &api,
        &org,
        "POST",
        &format!("{records}/list/?offset=0&limit=100"),
        Some(&won_by_amount),
    )
    .await;
    assert_eq!(list["total"], 2);
    assert_eq!(titles(&list), ["Beta", "Gamma"]);

    // Update, delete (soft) and restore one record.
    let beta = list["items"][0]["id"].as_str().unwrap().to_string();
    let updated = call(
        &api,
        &org,
        "PATCH",
        &format!("{records}/{beta}/"),
        Some(&json!({"amount": 500})),
    )
    .await;
    assert_eq!(updated["amount"], "500");
    // The webhook's events so far: three creates, then the update with what it replaced.
    let (seen, token) = pull(&api, &org, &hook, "", 4).await;
    assert_eq!(kinds(&seen), [3, 1, 0]);
    let update = seen.iter().find(|e| e["kind"] == "RECORD_UPDATED").unwrap();
    assert_eq!(update["record_event_data"]["record_id"], json!(beta));
    assert_eq!(update["record_event_data"]["data"]["amount"], "500", "{update}");
    assert_eq!(
        update["record_event_data"]["previous"],
        json!({"amount": "100"}),
        "{update}"
    );
    assert_eq!(update["record_event_data"]["locator"]["application_id"], json!(id));
    call(&api, &org, "DELETE", &format!("{records}/{beta}/"), None).await;
    let list = call(&api, &org, "POST", &format!("{records}/list/"), Some(&won_by_amount)).await;
    assert_eq!(titles(&list), ["Gamma"]);
    let trash = call(
        &api,
        &org,
        "POST",
        "/api/v1/deleted-records/?preview=true",
        Some(&json!({"solution_id": solution})),
    )
    .await;
    assert_eq!(trash[0]["id"], json!(beta));
    call(
        &api,
        &org,
        "POST",
        &format!("{records}/{beta}/restore/"),
        Some(&json!({})),
    )
    .await;
    let list = call(&api, &org, "POST", &format!("{records}/list/"), Some(&won_by_amount)).await;
    assert_eq!(titles(&list), ["Gamma", "Beta"], "restored with its amount, 500");

    // Bulk: create, update and delete 25.
    let items: Vec<Value> = (0..25)
        .map(|n| json!({"title": format!("Bulk {n:02}"), "amount": n, "stage": "Open"}))
        .collect();
    let created = call(
        &api,
        &org,
        "POST",
        &format!("{records}/bulk/"),
        Some(&json!({"items": items})),
    )
    .await;
    let ids: Vec<String> = created
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 25);
    let changes: Vec<Value> = ids.iter().map(|id| json!({"id": id, "stage": won})).collect();
    let changed = call(
        &api,
        &org,
        "PATCH",
        &format!("{records}/bulk/"),
        Some(&json!({"items": changes})),
    )
    .await;
    assert!(changed.as_array().unwrap().iter().all(|r| r["stage"] == won));
    let list = call(
        &api,
        &org,
        "POST",
        &format!("{records}/list/?limit=1"),
        Some(&won_by_amount),
    )
    .await;
    assert_eq!(list["total"], 27);
    let deleted = call(
        &api,
        &org,
        "PATCH",
        &format!("{records}/bulk_delete/"),
        Some(&json!({"items": ids})),
    )
    .await;
    assert_eq!(deleted.as_array().unwrap().len(), 25);
    let list = call(&api, &org, "POST", &format!("{records}/list/"), Some(&json!({}))).await;
    assert_eq!(titles(&list), ["Alpha", "Beta", "Gamma"]);

    // The rest of what was written, from the token kept: Beta's delete and restore, then
    // 25 bulk creates, updates and deletes; numbered on from the first pull, none twice.
    let (rest, token) = pull(&api, &org, &hook, &token, 77).await;
    assert_eq!(kinds(&rest), [26, 25, 26]);
    let numbers: Vec<String> = seen
        .iter()
        .chain(&rest)
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (1..=81).map(|n| format!("{hook}.{n}")).collect();
    assert_eq!(numbers, expected);
    let deleted = rest
        .iter()
        .find(|e| e["kind"] == "RECORD_DELETED" && e["record_event_data"]["record_id"] == json!(beta))
        .unwrap();
    assert_eq!(
        (&deleted["kind"], &deleted["record_event_data"]["data"]["title"]),
        (&json!("RECORD_DELETED"), &json!("Beta")),
        "the record as it was deleted: {deleted}"
    );
    assert_eq!(token, "81");
    // Nothing more: an empty page keeps the reader's place.
    let page = call(
        &api,
        &org,
        "POST",
        &format!("{WEBHOOKS}/ListEvents"),
        Some(&json!({"webhook_id": hook, "page_token": token})),
    )
    .await;
    assert_eq!(page, json!({"events": [], "next_page_token": "81"}));
    // The pings: SmartSuite's thin notification, camelCase, unsigned.
    let pings = receiver.at("/ok");
    assert!(!pings.is_empty());
    for ping in &pings {
        let body: Value = serde_json::from_str(&ping.body).unwrap();
        assert_eq!(
            body,
            json!({"webhookId": hook, "locator": {"accountId": org.id.to_string(), "solutionId": solution}})
        );
        assert_eq!(ping.signature, "");
    }
    follower.abort();
    api.assert_audit_clean().await;
}
