//! A SmartSuite connector's whole flow, in the order Activepieces' and Pipedream's actions
//! make their calls (solution dropdown, table dropdown, the table's structure, then
//! records), each answer read the way the connector reads it.

use api_tests::{Org, TestApi};
use serde_json::{json, Value};

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
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;

    // Dropdowns: the solutions, then the solution's tables, paged as Activepieces asks.
    let solutions = call(&api, &org, "GET", "/api/v1/solutions?limit=100&offset=0", None).await;
    let solution = solutions["results"][0]["id"].as_str().expect("a solution").to_string();
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
    api.assert_audit_clean().await;
}
