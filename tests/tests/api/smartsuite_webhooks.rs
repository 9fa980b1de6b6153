//! SmartSuite's webhooks: the RPC methods (made, shown, replaced, listed, deleted), what
//! each webhook takes (its kinds, tables and fields, from writes through every dialect),
//! each write shown as it left the record even when the record has moved on since, pings
//! that fail for good turning notifications off, and another workspace kept out.

use std::time::{Duration, Instant};

use api_tests::receiver::Receiver;
use api_tests::{Org, Reply, TestApi};
use serde_json::{json, Value};
use shared::delivery::Schedule;

const WEBHOOKS: &str = "/smartsuite.webhooks.engine.Webhooks";

const SCHEDULE: Schedule = Schedule {
    base: Duration::from_secs(1),
    max_wait: Duration::from_secs(1),
    max_attempts: 3,
    timeout: Duration::from_secs(2),
};

async fn rpc(api: &TestApi, org: &Org, method: &str, body: &Value) -> Reply {
    api.token(&org.key, org.id, "POST", &format!("{WEBHOOKS}/{method}"), Some(body))
        .await
}

async fn ok(api: &TestApi, org: &Org, method: &str, body: &Value) -> Value {
    let reply = rpc(api, org, method, body).await;
    assert_eq!(reply.status, 200, "{method} {body}: {:?}", reply.body);
    reply.body
}

/// `CreateWebhook` with `webhook` (200 expected): the answer, and the new webhook's id.
async fn create(api: &TestApi, org: &Org, webhook: Value) -> (Value, String) {
    let made = ok(api, org, "CreateWebhook", &json!({ "webhook": webhook })).await;
    let id = made["webhook"]["webhook_id"]
        .as_str()
        .expect("webhook.webhook_id")
        .to_string();
    (made, id)
}

/// A table made through SmartSuite's route: its id.
async fn table(api: &TestApi, org: &Org, name: &str) -> String {
    let reply = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/",
            Some(
                &json!({"name": name, "solution": locator(org)["solution_id"], "structure": [
                    {"slug": "amount", "label": "Amount", "field_type": "numberfield"},
                    {"slug": "note", "label": "Note", "field_type": "textfield"}
                ]}),
            ),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

async fn record(api: &TestApi, org: &Org, table: &str, body: Value) -> String {
    let reply = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{table}/records/"),
            Some(&body),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

fn locator(org: &Org) -> Value {
    json!({"account_id": org.id.to_string(), "solution_id": shared::domain::organization::OrgId(org.id).solution_id()})
}

async fn events(api: &TestApi, org: &Org, webhook: &str) -> Vec<Value> {
    let page = ok(
        api,
        org,
        "ListEvents",
        &json!({"webhook_id": webhook, "page_size": 500}),
    )
    .await;
    page["events"].as_array().unwrap().clone()
}

async fn wait_for_events(api: &TestApi, org: &Org, webhook: &str, count: usize) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let found = events(api, org, webhook).await;
        if found.len() >= count {
            return found;
        }
        assert!(Instant::now() < until, "{} of {count} events in a minute", found.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn webhooks_are_made_shown_replaced_listed_and_deleted() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let deals = table(&api, &org, "Deals").await;
    // The docs' update sends kinds by number; Activepieces' create names one table.
    let (made, id) = create(
        &api,
        &org,
        json!({
            "filter": {"applications": {"application_ids": [deals]}},
            "kinds": [1, "RECORD_DELETED"],
            "locator": locator(&org),
            "notification_status": {"enabled": {"url": "https://hooks.example.com/smartsuite"}}
        }),
    )
    .await;
    let webhook = &made["webhook"];
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(webhook["locator"], locator(&org));
    assert_eq!(webhook["filter"], json!({"applications": {"application_ids": [deals]}}));
    assert_eq!(webhook["kinds"], json!(["RECORD_CREATED", "RECORD_DELETED"]));
    assert_eq!(
        webhook["notification_status"],
        json!({"enabled": {"url": "https://hooks.example.com/smartsuite"}})
    );
    assert_eq!(webhook["system_status"], json!({"enabled": {}}));
    assert!(webhook["created_at"]["at"].is_string() && webhook["updated_at"]["by"].is_string());
    // Both spellings of Get answer the same.
    for method in ["GetWebhook", "GetWebhooks"] {
        assert_eq!(
            ok(&api, &org, method, &json!({"webhook_id": id})).await,
            made,
            "{method}"
        );
    }
    // Replaced whole: one table's field, updates only, notifications off.
    let replaced = ok(
        &api,
        &org,
        "UpdateWebhook",
        &json!({"webhook": {
            "webhook_id": id,
            "filter": {"application": {"application_id": deals, "field_ids": ["amount"]}},
            "kinds": ["RECORD_UPDATED"],
            "locator": locator(&org),
            "notification_status": {"disabled": {}}
        }}),
    )
    .await;
    assert_eq!(
        replaced["webhook"]["filter"],
        json!({"application": {"application_id": deals, "field_ids": ["amount"]}})
    );
    assert_eq!(replaced["webhook"]["notification_status"], json!({"disabled": {}}));
    assert_eq!(replaced["webhook"]["created_at"], webhook["created_at"]);
    assert_eq!(ok(&api, &org, "GetWebhook", &json!({"webhook_id": id})).await, replaced);
    // Listed a page at a time, oldest first; Attio's webhooks are another list.
    let (_, second) = create(
        &api,
        &org,
        json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}),
    )
    .await;
    let solution = locator(&org)["solution_id"].clone();
    let all = ok(&api, &org, "ListWebhooks", &json!({"solution_id": solution})).await;
    let ids: Vec<&str> = all["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["webhook_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), second.as_str()]);
    assert_eq!(all["next_page_token"], "");
    let first_page = ok(
        &api,
        &org,
        "ListWebhooks",
        &json!({"solution_id": solution, "page_size": "1"}),
    )
    .await;
    assert_eq!(first_page["webhooks"][0]["webhook_id"], json!(id));
    let next = ok(
        &api,
        &org,
        "ListWebhooks",
        &json!({"solution_id": solution, "page_size": 1, "page_token": first_page["next_page_token"]}),
    )
    .await;
    assert_eq!(
        (&next["webhooks"][0]["webhook_id"], &next["next_page_token"]),
        (&json!(second), &json!(""))
    );
    let attio = api.bearer(&org.key, "GET", "/v2/webhooks", None).await;
    assert_eq!(
        attio.body["data"],
        json!([]),
        "Attio's list holds only Attio's webhooks"
    );
    // Deleted: gone from every method.
    assert_eq!(
        ok(&api, &org, "DeleteWebhook", &json!({"webhook_id": id})).await,
        json!({})
    );
    for (method, body) in [
        ("GetWebhook", json!({"webhook_id": id})),
        ("DeleteWebhook", json!({"webhook_id": id})),
        ("ListEvents", json!({"webhook_id": id})),
    ] {
        assert_eq!(rpc(&api, &org, method, &body).await.status, 404, "{method}");
    }
    let left = ok(&api, &org, "ListWebhooks", &json!({})).await;
    assert_eq!(left["webhooks"].as_array().unwrap().len(), 1);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn another_workspace_never_sees_or_touches_a_webhook() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let deals = table(&api, &org, "Deals").await;
    let webhook = json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"], "locator": locator(&org)});
    let (made, id) = create(&api, &org, webhook).await;
    for (method, body) in [
        ("GetWebhook", json!({"webhook_id": id})),
        ("GetWebhooks", json!({"webhook_id": id})),
        ("ListEvents", json!({"webhook_id": id})),
        ("DeleteWebhook", json!({"webhook_id": id})),
        (
            "UpdateWebhook",
            json!({"webhook": {"webhook_id": id, "filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}}),
        ),
    ] {
        let reply = rpc(&api, &other, method, &body).await;
        assert_eq!(reply.status, 404, "{method}: {:?}", reply.body);
    }
    let listed = ok(&api, &other, "ListWebhooks", &json!({})).await;
    assert_eq!(listed["webhooks"], json!([]));
    // Nor can it point a webhook at this workspace's tables or name it in the locator.
    for webhook in [
        json!({"filter": {"applications": {"application_ids": [deals]}}, "kinds": ["RECORD_CREATED"]}),
        json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"], "locator": locator(&org)}),
    ] {
        let reply = rpc(&api, &other, "CreateWebhook", &json!({"webhook": webhook})).await;
        assert_eq!(reply.status, 400, "{webhook}: {:?}", reply.body);
    }
    assert_eq!(ok(&api, &org, "GetWebhook", &json!({"webhook_id": id})).await, made);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_webhook_bodies_are_refused_and_nothing_is_written() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let deals = table(&api, &org, "Deals").await;
    let good = json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]});
    let with = |key: &str, value: Value| {
        let mut webhook = good.clone();
        webhook[key] = value;
        json!({"webhook": webhook})
    };
    for body in [
        json!({}),
        json!({"webhook": "x"}),
        with("kinds", json!([])),
        with("kinds", json!(["RECORD_MOVED"])),
        with("filter", json!({})),
        with("filter", json!({"applications": {"application_ids": ["nope"]}})),
        with(
            "filter",
            json!({"application": {"application_id": deals, "field_ids": ["no_such_field"]}}),
        ),
        with(
            "notification_status",
            json!({"enabled": {"url": "http://10.0.0.1/hook"}}),
        ),
        with("notification_status", json!({"enabled": {}})),
        with("locator", json!({"account_id": "999"})),
    ] {
        let reply = rpc(&api, &org, "CreateWebhook", &body).await;
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert!(reply.body.is_object(), "a JSON error: {:?}", reply.body);
    }
    for (method, body) in [
        ("GetWebhook", json!({})),
        ("GetWebhook", json!({"webhook_id": 7})),
        ("ListEvents", json!({"webhook_id": ""})),
        (
            "UpdateWebhook",
            json!({"webhook": {"filter": {"solution": {}}, "kinds": [1]}}),
        ),
    ] {
        let reply = rpc(&api, &org, method, &body).await;
        assert_eq!(reply.status, 400, "{method} {body}: {:?}", reply.body);
    }
    let (made, id) = create(&api, &org, good).await;
    for page in [
        json!({"webhook_id": id, "page_size": 0}),
        json!({"webhook_id": id, "page_size": "many"}),
        json!({"webhook_id": id, "page_size": 501}),
        json!({"webhook_id": id, "page_token": "abc"}),
        json!({"webhook_id": id, "page_token": -1}),
    ] {
        let reply = rpc(&api, &org, "ListEvents", &page).await;
        assert_eq!(reply.status, 400, "{page}: {:?}", reply.body);
    }
    // A refused update leaves the webhook as it was.
    let refused = rpc(
        &api,
        &org,
        "UpdateWebhook",
        &json!({"webhook": {"webhook_id": id, "filter": {"solution": {}}, "kinds": []}}),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(ok(&api, &org, "GetWebhook", &json!({"webhook_id": id})).await, made);
    let listed = ok(&api, &org, "ListWebhooks", &json!({})).await;
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1, "only the good one");
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_webhook_takes_its_kinds_tables_and_fields_and_shows_each_write_as_it_was() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let (deals, leads) = (table(&api, &org, "Deals").await, table(&api, &org, "Leads").await);
    let (_, amounts) = create(
        &api,
        &org,
        json!({
            "filter": {"application": {"application_id": deals, "field_ids": ["amount"]}},
            "kinds": ["RECORD_UPDATED"]
        }),
    )
    .await;
    let (_, new_leads) = create(
        &api,
        &org,
        json!({"filter": {"applications": {"application_ids": [leads]}}, "kinds": ["RECORD_CREATED"]}),
    )
    .await;
    // Written before the fan-out runs, so that it reads the deal after both updates: the
    // amount's event must still show the note as it was then. One update goes through
    // Attio's route: the events are the one domain's.
    let deal = record(
        &api,
        &org,
        &deals,
        json!({"title": "Big deal", "amount": 100, "note": "first"}),
    )
    .await;
    let patched = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("/v2/objects/{deals}/records/{deal}"),
            Some(&json!({"data": {"values": {"amount": 250}}})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let noted = api
        .token(
            &org.key,
            org.id,
            "PATCH",
            &format!("/api/v1/applications/{deals}/records/{deal}/"),
            Some(&json!({"note": "second"})),
        )
        .await;
    assert_eq!(noted.status, 200, "{:?}", noted.body);
    let lead = record(&api, &org, &leads, json!({"title": "A lead"})).await;
    record(&api, &org, &deals, json!({"title": "Other deal"})).await;

    let follower = api.deliver_from_stream(SCHEDULE, Duration::from_millis(200)).await;
    let taken = wait_for_events(&api, &org, &amounts, 1).await;
    let leads_taken = wait_for_events(&api, &org, &new_leads, 1).await;
    // Everything written has been fanned out once the last write's event is queued.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let taken_after = events(&api, &org, &amounts).await;
    assert_eq!(taken_after.len(), 1, "only the amount's update: {taken_after:?}");
    let update = &taken[0]["record_event_data"];
    assert_eq!(taken[0]["kind"], "RECORD_UPDATED");
    assert_eq!(update["record_id"], json!(deal));
    assert_eq!(
        (&update["data"]["amount"], &update["data"]["note"]),
        (&json!("250"), &json!("first")),
        "the deal as that write left it: {update}"
    );
    assert_eq!(update["previous"], json!({"amount": "100"}));
    let leads_after = events(&api, &org, &new_leads).await;
    assert_eq!(leads_after.len(), 1, "{leads_after:?}");
    assert_eq!(
        (
            &leads_taken[0]["kind"],
            &leads_taken[0]["record_event_data"]["record_id"]
        ),
        (&json!("RECORD_CREATED"), &json!(lead))
    );
    assert_eq!(leads_taken[0]["record_event_data"]["previous"], json!({}));
    follower.abort();
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn pings_that_fail_for_good_turn_notifications_off_and_the_events_stay() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let deals = table(&api, &org, "Deals").await;
    let receiver = Receiver::default();
    let base = receiver.start().await;
    let follower = api.deliver_from_stream(SCHEDULE, Duration::from_millis(200)).await;
    let settings = |url: String| {
        json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"], "locator": locator(&org),
               "notification_status": {"enabled": {"url": url}}})
    };
    let (_, id) = create(&api, &org, settings(format!("{base}/down"))).await;
    record(&api, &org, &deals, json!({"title": "One"})).await;
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let now = ok(&api, &org, "GetWebhook", &json!({"webhook_id": id})).await;
        if now["webhook"]["notification_status"] == json!({"disabled": {}}) {
            break;
        }
        assert!(Instant::now() < until, "notifications still on: {now}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(receiver.at("/down").len(), 3, "every attempt, then no more");
    assert_eq!(events(&api, &org, &id).await.len(), 1, "the event is kept");
    // Turned on again by an update: the next write pings.
    let mut again = settings(format!("{base}/ok"));
    again["webhook_id"] = json!(id);
    ok(&api, &org, "UpdateWebhook", &json!({"webhook": again})).await;
    record(&api, &org, &deals, json!({"title": "Two"})).await;
    let until = Instant::now() + Duration::from_secs(60);
    while receiver.at("/ok").is_empty() {
        assert!(Instant::now() < until, "no ping after notifications were turned on");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(wait_for_events(&api, &org, &id, 2).await.len(), 2);
    follower.abort();
    api.assert_audit_clean().await;
}

/// The stream hands a batch on again when a run fails, and two runs of one item may race:
/// each of an item's events is queued once, numbered on without a gap, whatever runs it.
#[tokio::test]
async fn an_event_item_handed_on_again_is_queued_once() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let (_, id) = create(
        &api,
        &org,
        json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}),
    )
    .await;
    let (store, account) = (&api.state.store, shared::domain::organization::OrgId(org.id));
    // 250 events: three transactions' worth.
    let events: Vec<Value> = (0..250).map(|n| json!({"webhook_id": id, "n": n})).collect();
    let (first, second) = tokio::join!(
        store.queue_smartsuite_events(account, &id, "item-1", events.clone()),
        store.queue_smartsuite_events(account, &id, "item-1", events.clone()),
    );
    first.unwrap();
    second.unwrap();
    store
        .queue_smartsuite_events(account, &id, "item-1", events)
        .await
        .unwrap();
    store
        .queue_smartsuite_events(account, &id, "item-2", vec![json!({"webhook_id": id, "n": 250})])
        .await
        .unwrap();
    let queued = events_of(&api, &org, &id).await;
    let numbers: Vec<u64> = queued.iter().map(|e| e["n"].as_u64().unwrap()).collect();
    assert_eq!(numbers, (0..=250).collect::<Vec<u64>>());
    let ids: Vec<String> = queued
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, (1..=251).map(|n| format!("{id}.{n}")).collect::<Vec<_>>());
    api.assert_audit_clean().await;
}

/// Every queued event of a webhook, a page of 100 at a time from the start.
async fn events_of(api: &TestApi, org: &Org, webhook: &str) -> Vec<Value> {
    let (mut all, mut token) = (Vec::new(), String::new());
    loop {
        let page = ok(
            api,
            org,
            "ListEvents",
            &json!({"webhook_id": webhook, "page_size": 100, "page_token": token}),
        )
        .await;
        let events = page["events"].as_array().unwrap().clone();
        if events.is_empty() {
            return all;
        }
        token = page["next_page_token"].as_str().unwrap().to_string();
        all.extend(events);
    }
}

/// A webhook watches the solution its locator names: `{"solution": {}}` takes that
/// solution's tables only, a filter may name no table of another, an update that names no
/// solution keeps it, and `ListWebhooks` lists one solution's.
#[tokio::test]
async fn a_webhook_watches_the_solution_its_locator_names() {
    let _turn = api_tests::STREAM_TURN.lock().await;
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let made = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/solutions/",
            Some(&json!({"name": "CRM"})),
        )
        .await;
    let crm = made.body["id"].as_str().unwrap().to_string();
    let in_crm = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/",
            Some(&json!({"name": "Deals", "solution": crm})),
        )
        .await;
    let deals = in_crm.body["id"].as_str().unwrap().to_string();
    let leads = table(&api, &org, "Leads").await;
    let crm_locator = json!({"account_id": org.id.to_string(), "solution_id": crm});
    let (crm_made, crm_hook) = create(
        &api,
        &org,
        json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"], "locator": crm_locator}),
    )
    .await;
    assert_eq!(crm_made["webhook"]["locator"], crm_locator);
    let (_, default_hook) = create(
        &api,
        &org,
        json!({"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}),
    )
    .await;
    for refused in [
        json!({"filter": {"applications": {"application_ids": [leads]}}, "kinds": [1], "locator": crm_locator}),
        json!({"filter": {"applications": {"application_ids": [deals]}}, "kinds": [1]}),
        json!({"filter": {"solution": {}}, "kinds": [1], "locator": {"solution_id": "0123456789abcdef01234567"}}),
    ] {
        let reply = rpc(&api, &org, "CreateWebhook", &json!({ "webhook": refused })).await;
        assert_eq!(reply.status, 400, "{refused}: {:?}", reply.body);
    }
    let updated = ok(
        &api,
        &org,
        "UpdateWebhook",
        &json!({"webhook": {"webhook_id": crm_hook, "filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}}),
    )
    .await;
    assert_eq!(
        updated["webhook"]["locator"], crm_locator,
        "an update naming no solution keeps it"
    );
    let listed = |solution: Value| {
        let (api, org) = (&api, &org);
        async move {
            let page = ok(api, org, "ListWebhooks", &json!({"solution_id": solution})).await;
            page["webhooks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["webhook_id"].clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(json!(crm)).await, [json!(crm_hook)]);
    assert_eq!(
        listed(locator(&org)["solution_id"].clone()).await,
        [json!(default_hook)]
    );
    assert_eq!(listed(json!("")).await.len(), 2);

    let deal = record(&api, &org, &deals, json!({"title": "A deal"})).await;
    let lead = record(&api, &org, &leads, json!({"title": "A lead"})).await;
    let follower = api.deliver_from_stream(SCHEDULE, Duration::from_millis(200)).await;
    let crm_events = wait_for_events(&api, &org, &crm_hook, 1).await;
    let default_events = wait_for_events(&api, &org, &default_hook, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (hook, record, first) in [(&crm_hook, &deal, &crm_events), (&default_hook, &lead, &default_events)] {
        let after = events(&api, &org, hook).await;
        assert_eq!(after.len(), 1, "only its solution's record: {after:?}");
        assert_eq!(first[0]["record_event_data"]["record_id"], json!(record));
    }
    assert_eq!(crm_events[0]["locator"]["solution_id"], json!(crm));
    assert_eq!(
        crm_events[0]["record_event_data"]["locator"]["application_id"],
        json!(deals)
    );
    follower.abort();
    api.assert_audit_clean().await;
}
