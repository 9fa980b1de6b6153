//! SmartSuite's records over the one domain: written in SmartSuite's shapes (and the
//! connectors' looser ones), read back through Attio's routes with the same values, and
//! the reverse; listed with SmartSuite's filter and sort through the records query's
//! planner; refused writes leave nothing behind.

use api_tests::{assert_error, Org, TestApi};
use serde_json::{json, Value};

/// A `companies` table (Invent's route) with a field of each kind SmartSuite maps, and a
/// `people` table to link to.
async fn tables(api: &TestApi, org: &Org) -> Value {
    let people = api.create_table(&org.key, "People", "PE", "people").await;
    let table = api.create_table(&org.key, "Companies", "CO", "companies").await;
    for field in [
        json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}}),
        json!({"key": "size", "schema": {"name": "Size", "type": "number"}}),
        json!({"key": "revenue", "schema": {"name": "Revenue", "type": "currency"}}),
        json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Won"]}}),
        json!({"key": "tags", "schema": {"name": "Tags", "type": "select", "array": true, "options": ["b2b", "eu"]}}),
        json!({"key": "emails", "schema": {"name": "Emails", "type": "email-address", "array": true}}),
        json!({"key": "founded", "schema": {"name": "Founded", "type": "date"}}),
        json!({"key": "active", "schema": {"name": "Active", "type": "checkbox"}}),
        json!({"key": "contact", "schema": {"name": "Contact", "type": "personal-name"}}),
        json!({"key": "office", "schema": {"name": "Office", "type": "location"}}),
        json!({"key": "owner", "schema": {"name": "Owner", "type": "actor-reference"}}),
        json!({"key": "people", "schema": {"name": "People", "type": "record-reference", "array": true, "link": people["id"]}}),
    ] {
        api.add_field(&org.key, "companies", &field).await;
    }
    table
}

fn option_id(table: &Value, field: &str, title: &str) -> String {
    table["structure"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == field)
        .and_then(|f| f["params"]["choices"].as_array())
        .and_then(|c| c.iter().find(|c| c["label"] == title))
        .map(|c| c["value"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no choice {title} in {field}"))
}

#[tokio::test]
async fn records_written_in_smartsuites_shapes_read_back_through_every_dialect() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    tables(&api, &org).await;
    let structure = api
        .token(&org.key, org.id, "GET", "/api/v1/applications/companies/", None)
        .await
        .body;
    let person = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/people/records/",
            Some(&json!({"name": "Ada"})),
        )
        .await;
    assert_eq!(person.status, 200, "{:?}", person.body);
    let person_id = person.body["id"].as_str().unwrap().to_string();
    let me = api.bearer(&org.key, "GET", "/v2/self", None).await;
    let members = api.token(&org.key, org.id, "POST", "/api/v1/members/list/", None).await;
    let owner_id = members.body["items"][0]["id"].as_str().unwrap().to_string();
    let won = option_id(&structure, "stage", "Won");
    let eu = option_id(&structure, "tags", "eu");

    // SmartSuite's documented shapes, and an Activepieces-style number as a string.
    let written = json!({
        "title": "Acme Inc",
        "domain": ["acme.com"],
        "size": "120",
        "revenue": "19.95",
        "stage": won,
        "tags": [eu, "b2b"],
        "emails": ["Sales@Acme.com"],
        "founded": {"date": "2001-02-03", "include_time": false},
        "active": true,
        "contact": {"title": 1, "first_name": "Peter", "middle_name": "", "last_name": "Novosel"},
        "office": {"location_address": "1 Main St", "location_city": "Olathe", "location_state": "Kansas",
                   "location_zip": "66062", "location_country": "US"},
        "owner": [owner_id],
        "people": [person_id],
    });
    let created = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/companies/records/",
            Some(&written),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let record = &created.body;
    assert_eq!(record["title"], "Acme Inc");
    assert_eq!(record["name"], "Acme Inc");
    assert_eq!(record["application_slug"], "companies");
    assert_eq!(record["autonumber"], 1);
    assert_eq!(record["domain"], json!(["acme.com"]));
    assert_eq!(record["size"], "120");
    assert_eq!(record["revenue"], "19.95");
    assert_eq!(record["stage"], json!(won));
    let mut tags: Vec<String> = serde_json::from_value(record["tags"].clone()).unwrap();
    tags.sort();
    let mut expected_tags = vec![eu.clone(), option_id(&structure, "tags", "b2b")];
    expected_tags.sort();
    assert_eq!(tags, expected_tags);
    assert_eq!(record["emails"], json!(["sales@acme.com"]));
    assert_eq!(
        record["founded"],
        json!({"date": "2001-02-03T00:00:00Z", "include_time": false})
    );
    assert_eq!(record["active"], true);
    assert_eq!(
        (&record["contact"]["first_name"], &record["contact"]["last_name"]),
        (&json!("Peter"), &json!("Novosel"))
    );
    assert_eq!(record["office"]["location_city"], "Olathe");
    assert_eq!(record["office"]["location_country"], "US");
    assert_eq!(record["owner"], json!([owner_id]));
    assert_eq!(record["people"], json!([person_id]));

    // The same record through Attio's route: the same values, in Attio's shapes.
    let id = record["id"].as_str().unwrap();
    let attio = api
        .bearer(&org.key, "GET", &format!("/v2/objects/companies/records/{id}"), None)
        .await;
    assert_eq!(attio.status, 200, "{:?}", attio.body);
    let values = &attio.body["data"]["values"];
    assert_eq!(values["name"][0]["value"], "Acme Inc");
    assert_eq!(values["size"][0]["value"], 120);
    assert_eq!(values["revenue"][0]["currency_value"], 19.95);
    assert_eq!(values["stage"][0]["option"]["title"], "Won");
    assert_eq!(values["emails"][0]["email_address"], "sales@acme.com");
    assert_eq!(values["founded"][0]["value"], "2001-02-03");
    assert_eq!(values["office"][0]["postcode"], "66062");
    assert_eq!(values["people"][0]["target_record_id"], json!(person_id));
    assert_eq!(
        values["owner"][0]["referenced_actor_id"],
        me.body["authorized_by_workspace_member_id"]
    );

    // A record made through Attio's route, read through SmartSuite's.
    let from_attio = api
        .create_record(
            &org.key,
            "companies",
            &json!({"name": "Globex", "size": 7, "stage": "Lead", "domain": "globex.com"}),
        )
        .await;
    assert_eq!(from_attio.status, 200, "{:?}", from_attio.body);
    let globex = from_attio.body["data"]["id"]["record_id"].as_str().unwrap();
    let read = api
        .token(
            &org.key,
            org.id,
            "GET",
            &format!("/api/v1/applications/companies/records/{globex}/"),
            None,
        )
        .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.body["title"], "Globex");
    assert_eq!(read.body["size"], "7");
    assert_eq!(read.body["stage"], json!(option_id(&structure, "stage", "Lead")));
    assert_eq!(read.body["tags"], json!([]));
    assert_eq!(read.body["autonumber"], 2);

    // PATCH changes what it sends; PUT clears what it does not send.
    let path = format!("/api/v1/applications/companies/records/{id}/");
    let patched = api
        .token(
            &org.key,
            org.id,
            "PATCH",
            &path,
            Some(&json!({"size": 121, "tags": [eu]})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(
        (&patched.body["size"], &patched.body["tags"]),
        (&json!("121"), &json!([eu]))
    );
    assert_eq!(patched.body["domain"], json!(["acme.com"]), "kept");
    let replaced = api
        .token(
            &org.key,
            org.id,
            "PUT",
            &path,
            Some(&json!({"name": "Acme", "domain": "acme.com"})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["title"], "Acme");
    assert_eq!(replaced.body["size"], Value::Null);
    assert_eq!(replaced.body["people"], json!([]));
    assert_eq!(replaced.body["domain"], json!(["acme.com"]));
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn lists_filter_sort_and_page_as_the_records_query_does() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    tables(&api, &org).await;
    let structure = api
        .token(&org.key, org.id, "GET", "/api/v1/applications/companies/", None)
        .await
        .body;
    let lead = option_id(&structure, "stage", "Lead");
    for (i, (name, size, stage)) in [
        ("Alpha", 5, "Lead"),
        ("Bravo", 50, "Won"),
        ("Charlie", 500, "Lead"),
        ("Delta", 5000, "Won"),
        ("Echo", 50, "Lead"),
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"name": name, "size": size, "stage": stage, "domain": format!("d{i}.com")});
        assert_eq!(api.create_record(&org.key, "companies", &body).await.status, 200);
    }
    let list = |body: Value, query: &'static str| {
        let api = &api;
        let org = &org;
        async move {
            let reply = api
                .token(
                    &org.key,
                    org.id,
                    "POST",
                    &format!("/api/v1/applications/companies/records/list/{query}"),
                    Some(&body),
                )
                .await;
            assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
            let titles: Vec<String> = reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["title"].as_str().unwrap().to_string())
                .collect();
            (reply.body["total"].as_u64().unwrap(), titles)
        }
    };
    // No filter: every record, by display number.
    assert_eq!(
        list(json!({}), "").await,
        (
            5,
            vec![
                "Alpha".into(),
                "Bravo".into(),
                "Charlie".into(),
                "Delta".into(),
                "Echo".into()
            ]
        )
    );
    // A choice by its value, numbers as strings, sorted down, paged.
    let filter = json!({"filter": {"operator": "and", "fields": [
        {"field": "stage", "comparison": "is", "value": lead},
        {"field": "size", "comparison": "is_greater_than", "value": "10"}]},
        "sort": [{"field": "size", "direction": "desc"}]});
    assert_eq!(
        list(filter.clone(), "").await,
        (2, vec!["Charlie".into(), "Echo".into()])
    );
    assert_eq!(list(filter, "?offset=1&limit=1").await, (2, vec!["Echo".into()]));
    // Or, by label, and on the title; ties by display number.
    let or = json!({"filter": {"operator": "or", "fields": [
        {"field": "stage", "comparison": "is", "value": "Won"},
        {"field": "title", "comparison": "contains", "value": "alp"}]},
        "sort": [{"field": "size", "direction": "asc"}, {"field": "title", "direction": "desc"}]});
    assert_eq!(
        list(or, "").await,
        (3, vec!["Alpha".into(), "Bravo".into(), "Delta".into()])
    );
    let empty = json!({"filter": {"operator": "and", "fields": [{"field": "revenue", "comparison": "is_empty", "value": null}]}});
    assert_eq!(list(empty, "?limit=2").await.0, 5);

    // Bad lists are 400s.
    for bad in [
        json!({"filter": {"operator": "xor", "fields": []}}),
        json!({"filter": {"operator": "and", "fields": [{"field": "nope", "comparison": "is", "value": 1}]}}),
        json!({"filter": {"operator": "and", "fields": [{"field": "size", "comparison": "is_like", "value": 1}]}}),
        json!({"sort": [{"field": "size", "direction": "sideways"}]}),
    ] {
        let reply = api
            .token(
                &org.key,
                org.id,
                "POST",
                "/api/v1/applications/companies/records/list/",
                Some(&bad),
            )
            .await;
        assert_error(&reply, 400);
    }
}

#[tokio::test]
async fn bad_writes_are_refused_and_write_nothing_and_other_workspaces_see_nothing() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    tables(&api, &org).await;
    let first = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/companies/records/",
            Some(&json!({"name": "Acme", "domain": "acme.com"})),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let id = first.body["id"].as_str().unwrap().to_string();
    // Display numbers may skip (a create refused by its transaction, for a taken unique
    // value or a missing linked record, drew one), so `record_seq` is left out.
    let items = || async {
        let mut items = api.items_without_counters().await;
        items.iter_mut().for_each(|item| drop(item.remove("record_seq")));
        items
    };
    let before = items().await;
    let post = |body: Value| {
        let api = &api;
        let org = &org;
        async move {
            api.token(
                &org.key,
                org.id,
                "POST",
                "/api/v1/applications/companies/records/",
                Some(&body),
            )
            .await
        }
    };
    for (body, status) in [
        (json!({"name": "X", "nope": 1}), 400),
        (json!({"name": "X", "size": "twelve"}), 400),
        (json!({"name": "X", "stage": "Lost"}), 400),
        (json!({"name": "X", "active": "maybe"}), 400),
        (json!({"name": "X", "owner": ["999999"]}), 400),
        (json!({"name": "X", "office": {"location_planet": "Mars"}}), 400),
        (
            json!({"name": "X", "people": ["00000000-0000-4000-8000-000000000000"]}),
            400,
        ),
        (json!({"name": "X", "domain": "acme.com"}), 400),
        (json!(["not", "an", "object"]), 400),
    ] {
        let reply = post(body.clone()).await;
        assert!(
            reply.status == status || (status == 400 && reply.status == 409),
            "{body}: {} {:?}",
            reply.status,
            reply.body
        );
        assert_error(&reply, reply.status);
    }
    assert_eq!(items().await, before, "refused writes wrote nothing");

    // Another workspace: not its table, not its record.
    let path = format!("/api/v1/applications/companies/records/{id}/");
    assert_error(&api.token(&other.key, other.id, "GET", &path, None).await, 404);
    assert_error(
        &api.token(&other.key, other.id, "PATCH", &path, Some(&json!({"name": "Mine"})))
            .await,
        404,
    );
    assert_error(
        &api.token(
            &other.key,
            other.id,
            "POST",
            "/api/v1/applications/companies/records/list/",
            None,
        )
        .await,
        404,
    );
    assert_error(
        &api.token(
            &org.key,
            org.id,
            "GET",
            "/api/v1/applications/companies/records/nope/",
            None,
        )
        .await,
        404,
    );
    api.assert_audit_clean().await;
}

/// SmartSuite's delete is a soft delete: the record leaves every dialect (its unique value
/// is free), shows in the deleted records, and comes back on restore with its id, number
/// and values, unless its unique value was taken meanwhile.
#[tokio::test]
async fn a_deleted_record_leaves_every_dialect_and_comes_back_on_restore() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    tables(&api, &org).await;
    let base = "/api/v1/applications/companies/records";
    let person = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/people/records/",
            Some(&json!({"name": "Ada"})),
        )
        .await;
    let person_id = person.body["id"].as_str().unwrap().to_string();
    let made = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("{base}/"),
            Some(&json!({"name": "Acme", "domain": "acme.com", "size": 3, "people": [person_id]})),
        )
        .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let id = made.body["id"].as_str().unwrap().to_string();

    let deleted = api
        .token(&org.key, org.id, "DELETE", &format!("{base}/{id}/"), None)
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.body["id"], json!(id));
    assert_eq!(deleted.body["deleted_date"]["include_time"], true);
    assert_error(
        &api.token(&org.key, org.id, "GET", &format!("{base}/{id}/"), None).await,
        404,
    );
    assert_error(
        &api.bearer(&org.key, "GET", &format!("/v2/objects/companies/records/{id}"), None)
            .await,
        404,
    );
    let listed = api
        .token(&org.key, org.id, "POST", &format!("{base}/list/"), Some(&json!({})))
        .await;
    assert_eq!(listed.body["total"], 0);
    let trash = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/deleted-records/?preview=true",
            Some(&json!({})),
        )
        .await;
    assert_eq!(trash.status, 200, "{:?}", trash.body);
    assert_eq!(trash.body.as_array().unwrap().len(), 1);
    assert_eq!(trash.body[0]["id"], json!(id));
    assert_eq!(trash.body[0]["title"], "Acme");
    assert_eq!(trash.body[0]["application_name"], "Companies");
    // Another workspace's trash holds nothing of this one's, and it cannot restore it.
    let theirs = api
        .token(&other.key, other.id, "POST", "/api/v1/deleted-records/", None)
        .await;
    assert_eq!(theirs.body, json!([]));
    assert_error(
        &api.token(
            &other.key,
            other.id,
            "POST",
            &format!("{base}/{id}/restore/"),
            Some(&json!({})),
        )
        .await,
        404,
    );

    // Its unique value is free: another record takes it, and the restore is refused.
    let taker = api
        .create_record(&org.key, "companies", &json!({"name": "Taker", "domain": "acme.com"}))
        .await;
    assert_eq!(taker.status, 200, "{:?}", taker.body);
    let refused = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("{base}/{id}/restore/"),
            Some(&json!({})),
        )
        .await;
    assert_error(&refused, 400);
    let taker_id = taker.body["data"]["id"]["record_id"].as_str().unwrap();
    let gone = api
        .bearer(
            &org.key,
            "DELETE",
            &format!("/v2/objects/companies/records/{taker_id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 200);

    let restored = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("{base}/{id}/restore/"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(restored.status, 200, "{:?}", restored.body);
    for key in ["id", "autonumber", "title", "domain", "size", "people"] {
        assert_eq!(restored.body[key], made.body[key], "{key}");
    }
    let attio = api
        .bearer(&org.key, "GET", &format!("/v2/objects/companies/records/{id}"), None)
        .await;
    assert_eq!(attio.status, 200);
    assert_eq!(attio.body["data"]["values"]["domain"][0]["domain"], "acme.com");
    assert_error(
        &api.token(
            &org.key,
            org.id,
            "POST",
            &format!("{base}/{id}/restore/"),
            Some(&json!({})),
        )
        .await,
        404,
    );
    let trash = api
        .token(&org.key, org.id, "POST", "/api/v1/deleted-records/", None)
        .await;
    assert_eq!(trash.body, json!([]));
    // The person it links to is linked again; deleting the person takes the link away.
    let person_gone = api
        .token(
            &org.key,
            org.id,
            "DELETE",
            &format!("/api/v1/applications/people/records/{person_id}/"),
            None,
        )
        .await;
    assert_eq!(person_gone.status, 200, "{:?}", person_gone.body);
    let unlinked = api.token(&org.key, org.id, "GET", &format!("{base}/{id}/"), None).await;
    assert_eq!(unlinked.status, 200, "{:?}", unlinked.body);
    assert_eq!(unlinked.body["people"], json!([]));
    api.assert_audit_clean().await;
}

/// Bulk writes of up to 25 records are all or nothing: a bad item refuses the call before
/// anything is written, and a refusal by the store undoes what the call wrote before it.
#[tokio::test]
async fn bulk_writes_are_all_or_nothing() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    tables(&api, &org).await;
    let base = "/api/v1/applications/companies/records";
    let send = |method: &'static str, path: String, body: Value| {
        let api = &api;
        let org = &org;
        async move { api.token(&org.key, org.id, method, &path, Some(&body)).await }
    };
    let titles = || async {
        let list = send("POST", format!("{base}/list/"), json!({"sort": [{"field": "title"}]})).await;
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["title"].as_str().unwrap().to_string(), r["domain"].clone()))
            .collect::<Vec<_>>()
    };

    let made = send(
        "POST",
        format!("{base}/bulk/"),
        json!({"items": [{"name": "A", "domain": "a.com"}, {"name": "B", "domain": "b.com"}, {"name": "C"}]}),
    )
    .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    assert_eq!(made.body.as_array().unwrap().len(), 3);
    let ids: Vec<String> = made
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let before = titles().await;
    assert_eq!(before.len(), 3);

    // Refused before anything is written: too many, none, a bad item (named).
    let many: Vec<Value> = (0..26).map(|i| json!({"name": format!("N{i}")})).collect();
    assert_error(
        &send("POST", format!("{base}/bulk/"), json!({"items": many})).await,
        400,
    );
    assert_error(&send("POST", format!("{base}/bulk/"), json!({"items": []})).await, 400);
    let bad = send(
        "POST",
        format!("{base}/bulk/"),
        json!({"items": [{"name": "D"}, {"name": "E", "size": "many"}]}),
    )
    .await;
    assert_error(&bad, 400);
    assert!(
        bad.body["message"].as_str().unwrap().contains("items[1]"),
        "{:?}",
        bad.body
    );
    // Refused by the store at the second item (a taken domain): the first is undone.
    let taken = send(
        "POST",
        format!("{base}/bulk/"),
        json!({"items": [{"name": "D", "domain": "d.com"}, {"name": "E", "domain": "a.com"}]}),
    )
    .await;
    assert_error(&taken, 400);
    assert_eq!(titles().await, before, "nothing of a refused bulk create stays");
    // Two items claiming one unique value, written concurrently: one is refused, and the
    // other is undone.
    let twice = send(
        "POST",
        format!("{base}/bulk/"),
        json!({"items": [{"name": "F", "domain": "f.com"}, {"name": "G", "domain": "f.com"}]}),
    )
    .await;
    assert_error(&twice, 400);
    assert_eq!(
        titles().await,
        before,
        "nothing of a bulk create refusing its own item stays"
    );

    // Updates: both apply, or neither.
    let patched = send(
        "PATCH",
        format!("{base}/bulk/"),
        json!({"items": [{"id": ids[0], "name": "A2"}, {"id": ids[2], "domain": "c.com"}]}),
    )
    .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body[0]["title"], "A2");
    assert_eq!(patched.body[1]["domain"], json!(["c.com"]));
    let before = titles().await;
    let clash = send(
        "PATCH",
        format!("{base}/bulk/"),
        json!({"items": [{"id": ids[0], "name": "A3", "domain": "z.com"}, {"id": ids[1], "domain": "c.com"}]}),
    )
    .await;
    assert_error(&clash, 400);
    assert_eq!(titles().await, before, "the first update was written back");
    let missing = send("PATCH", format!("{base}/bulk/"), json!({"items": [{"name": "no id"}]})).await;
    assert_error(&missing, 400);
    let unknown = send(
        "PUT",
        format!("{base}/bulk/"),
        json!({"items": [{"id": "00000000-0000-4000-8000-000000000000", "name": "X"}]}),
    )
    .await;
    assert_error(&unknown, 404);
    let replaced = send(
        "PUT",
        format!("{base}/bulk/"),
        json!({"items": [{"id": ids[2], "name": "C2"}]}),
    )
    .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(
        replaced.body[0]["domain"],
        json!([]),
        "PUT clears what it does not send"
    );

    // Deletes (soft): both, or neither. A record others link to refuses the call.
    let person = send(
        "POST",
        "/api/v1/applications/people/records/".into(),
        json!({"name": "Ada"}),
    )
    .await;
    let person_id = person.body["id"].as_str().unwrap().to_string();
    let linker = send("PATCH", format!("{base}/{}/", ids[2]), json!({"people": [person_id]})).await;
    assert_eq!(linker.status, 200, "{:?}", linker.body);
    let people = "/api/v1/applications/people/records";
    let other_person = send("POST", format!("{people}/"), json!({"name": "Bob"})).await;
    let other_id = other_person.body["id"].as_str().unwrap().to_string();
    // A reference the delete cannot find (its count says one more record references the
    // person than any record does, as a reference no search reaches would): the person's
    // delete is refused after Bob's, which is undone.
    let count = |delta: i64| {
        let store = &api.state.store;
        store
            .client()
            .update_item()
            .table_name(store.table_name())
            .key(
                "PK",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("REC#{person_id}")),
            )
            .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("REC".into()))
            .update_expression("ADD ref_count :n")
            .expression_attribute_values(":n", aws_sdk_dynamodb::types::AttributeValue::N(delta.to_string()))
            .send()
    };
    count(1).await.unwrap();
    let refused = send(
        "PATCH",
        format!("{people}/bulk_delete/"),
        json!({"items": [other_id, person_id]}),
    )
    .await;
    assert_error(&refused, 409);
    count(-1).await.unwrap();
    let bob = api
        .token(&org.key, org.id, "GET", &format!("{people}/{other_id}/"), None)
        .await;
    assert_eq!(bob.status, 200, "the first delete was restored: {:?}", bob.body);
    let trash = send("POST", "/api/v1/deleted-records/".into(), json!({})).await;
    assert_eq!(trash.body, json!([]));
    let gone = send(
        "PATCH",
        format!("{base}/bulk_delete/"),
        json!({"items": [ids[0], ids[1]]}),
    )
    .await;
    assert_eq!(gone.status, 200, "{:?}", gone.body);
    assert_eq!(gone.body.as_array().unwrap().len(), 2);
    assert_eq!(titles().await.len(), 1);
    let trash = send("POST", "/api/v1/deleted-records/".into(), json!({})).await;
    assert_eq!(trash.body.as_array().unwrap().len(), 2);
    api.assert_audit_clean().await;
}

/// An unfiltered list's `total` is the table's record count, kept by every write that makes
/// or removes a record, so a list of a table past the query's bound pages without reading
/// every record. The count is the brute force's: a filter that matches every record counts
/// them by reading, and the audit counts the items.
#[tokio::test]
async fn a_list_past_the_query_bound_counts_its_records_without_reading_them() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    api.create_table(&org.key, "Deals", "DE", "deals").await;
    let field = json!({"key": "amount", "schema": {"name": "Amount", "type": "number"}});
    api.add_field(&org.key, "deals", &field).await;
    let seeded = api
        .seed_records(
            &org,
            "deals",
            300,
            |n| json!({"name": format!("Deal {n}"), "amount": n}),
        )
        .await;
    let base = "/api/v1/applications/deals/records";
    let send = |method: &'static str, path: String, body: Option<Value>| {
        let (api, org) = (&api, &org);
        async move { api.token(&org.key, org.id, method, &path, body.as_ref()).await }
    };
    // Writes through every path that makes or removes a record: a bulk create, a create
    // through Attio's route, a refused create (a missing field: nothing written), a soft
    // delete and its restore, another soft delete, and Attio's (hard) delete.
    let items: Vec<Value> = (0..25)
        .map(|i| json!({"title": format!("Bulk {i}"), "amount": i}))
        .collect();
    let bulk = send("POST", format!("{base}/bulk/"), Some(json!({"items": items}))).await;
    assert_eq!(bulk.status, 200, "{:?}", bulk.body);
    let made = api
        .create_record(&org.key, "deals", &json!({"name": "Attio", "amount": 1}))
        .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let refused = send("POST", format!("{base}/"), Some(json!({"title": "No", "nope": 1}))).await;
    assert_error(&refused, 400);
    let (first, second, third) = (&seeded[0].id, &seeded[1].id, &seeded[2].id);
    for id in [first, second] {
        let deleted = send("DELETE", format!("{base}/{id}/"), None).await;
        assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    }
    let restored = send("POST", format!("{base}/{first}/restore/"), Some(json!({}))).await;
    assert_eq!(restored.status, 200, "{:?}", restored.body);
    let path = format!("/v2/objects/deals/records/{third}");
    assert_eq!(api.bearer(&org.key, "DELETE", &path, None).await.status, 200);
    let expected = 300 + 25 + 1 - 2;

    // A container whose queries may examine 100 records: the table is past its bound.
    let bounded = api.with_scan_limit(100).await;
    let list = |query: &'static str, body: Value| {
        let (bounded, org) = (&bounded, &org);
        async move {
            let path = format!("/api/v1/applications/deals/records/list/{query}");
            bounded.token(&org.key, org.id, "POST", &path, Some(&body)).await
        }
    };
    let first_page = list("?limit=10", json!({})).await;
    assert_eq!(first_page.status, 200, "{:?}", first_page.body);
    assert_eq!(first_page.body["total"], expected);
    let titles = |reply: &api_tests::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_string())
            .collect()
    };
    // By display number: the two deleted seeds are gone, the restored one is back.
    let mut shown: Vec<String> = vec!["Deal 0".into()];
    shown.extend((3..12).map(|n| format!("Deal {n}")));
    assert_eq!(titles(&first_page), shown);
    let deeper = list("?offset=80&limit=10", json!({})).await;
    assert_eq!(deeper.status, 200, "{:?}", deeper.body);
    assert_eq!(deeper.body["total"], expected);
    assert_eq!(titles(&deeper)[0], "Deal 82");
    // Past the bound: an offset that skips more than it may read, a filter or a sort that
    // no index answers (they read every record), each a 400 that says what to do.
    for (query, body) in [
        ("?offset=200&limit=10", json!({})),
        (
            "",
            json!({"filter": {"operator": "and", "fields": [{"field": "amount", "comparison": "is_greater_than", "value": 0}]}}),
        ),
        ("", json!({"sort": [{"field": "amount", "direction": "desc"}]})),
    ] {
        assert_error(&list(query, body).await, 400);
    }

    // The brute force, unbounded: a filter every record matches counts them by reading.
    let every = json!({"filter": {"operator": "and", "fields": [{"field": "title", "comparison": "is_not_empty", "value": null}]}});
    let path = format!("{base}/list/?limit=1");
    let counted = send("POST", path, Some(every)).await;
    assert_eq!(counted.status, 200, "{:?}", counted.body);
    assert_eq!(counted.body["total"], expected);
    api.assert_audit_clean().await;
}
