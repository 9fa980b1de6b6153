//! Attio's list entries: `/v2/lists/{list}/entries...` and a record's entries. An entry is
//! a record of the list's table whose parent record is the record it is about
//! (docs/data-model.md, "Attio's lists and entries"), so its values, history, query and
//! events are a record's, shown in Attio's entry shape.

use api_tests::{assert_error, Org, Reply, TestApi};
use serde_json::{json, Value};

/// An organization with `people` (Ada, Grace, Linus), a list `hiring` of people with a
/// status attribute `stage` (Applied, Onsite, Hired) and a multiselect text `tags`.
async fn hiring(api: &TestApi) -> (Org, Vec<String>) {
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "People", "P", "people").await;
    let mut people = Vec::new();
    for name in ["Ada", "Grace", "Linus"] {
        let made = api.create_record(&org.key, "people", &json!({"name": name})).await;
        assert_eq!(made.status, 200, "{:?}", made.body);
        people.push(made.body["data"]["id"]["record_id"].as_str().unwrap().to_string());
    }
    let list = json!({"data": {"name": "Hiring", "api_slug": "hiring", "parent_object": "people",
        "workspace_access": "full-access", "workspace_member_access": []}});
    let made = api.bearer(&org.key, "POST", "/v2/lists", Some(&list)).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    for (slug, kind, multi) in [("stage", "status", false), ("tags", "text", true)] {
        let attribute = json!({"data": {"title": slug, "api_slug": slug, "type": kind, "description": null,
            "is_required": false, "is_unique": false, "is_multiselect": multi, "config": {}}});
        let added = api
            .bearer(&org.key, "POST", "/v2/lists/hiring/attributes", Some(&attribute))
            .await;
        assert_eq!(added.status, 200, "{:?}", added.body);
    }
    for title in ["Applied", "Onsite", "Hired"] {
        let status = json!({"data": {"title": title}});
        let added = api
            .bearer(
                &org.key,
                "POST",
                "/v2/lists/hiring/attributes/stage/statuses",
                Some(&status),
            )
            .await;
        assert_eq!(added.status, 200, "{:?}", added.body);
    }
    (org, people)
}

fn entry_body(parent: &str, values: Value) -> Value {
    json!({"data": {"parent_record_id": parent, "parent_object": "people", "entry_values": values}})
}

async fn add(api: &TestApi, org: &Org, parent: &str, values: Value) -> Reply {
    api.bearer(
        &org.key,
        "POST",
        "/v2/lists/hiring/entries",
        Some(&entry_body(parent, values)),
    )
    .await
}

fn entry_id(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]["id"]["entry_id"].as_str().unwrap().to_string()
}

fn stage(entry: &Value) -> &str {
    entry["entry_values"]["stage"][0]["status"]["title"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn entries_are_made_read_written_and_deleted_as_attio_shows_them() {
    let api = TestApi::start().await;
    let (org, people) = hiring(&api).await;
    let made = add(&api, &org, &people[0], json!({"stage": "Applied", "tags": ["rust"]})).await;
    let id = entry_id(&made);
    let entry = &made.body["data"];
    assert_eq!(entry["parent_record_id"], people[0].as_str());
    assert_eq!(entry["parent_object"], "people");
    assert!(entry["id"]["list_id"].is_string() && entry["id"]["workspace_id"].is_string());
    assert_eq!(stage(entry), "Applied");
    // The parent record is the entry's `parent_record_id`, never among its values.
    assert!(entry["entry_values"].get("parent_record").is_none(), "{entry}");
    let path = format!("/v2/lists/hiring/entries/{id}");

    // PATCH appends to a multiselect attribute, PUT overwrites it; both keep the parent.
    let patched = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"entry_values": {"tags": ["go"], "stage": "Onsite"}}})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let tags = |body: &Value| -> Vec<String> {
        body["data"]["entry_values"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(tags(&patched.body), ["go", "rust"]);
    assert_eq!(stage(&patched.body["data"]), "Onsite");
    let put = api
        .bearer(
            &org.key,
            "PUT",
            &path,
            Some(&json!({"data": {"entry_values": {"tags": ["c"]}}})),
        )
        .await;
    assert_eq!(tags(&put.body), ["c"]);
    assert_eq!(put.body["data"]["parent_record_id"], people[0].as_str());
    let got = api.bearer(&org.key, "GET", &path, None).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["data"]["id"]["entry_id"], id.as_str());
    assert_eq!(stage(&got.body["data"]), "Onsite");
    // An attribute's values with their history, oldest first.
    let history = api
        .bearer(
            &org.key,
            "GET",
            &format!("{path}/attributes/stage/values?show_historic=true"),
            None,
        )
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    let titles: Vec<&str> = history.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Applied", "Onsite"]);

    // A record's entries, in every list; a record may be in a list more than once.
    let again = entry_id(&add(&api, &org, &people[0], json!({})).await);
    let listed = api
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/objects/people/records/{}/entries", people[0]),
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let ids: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["list_api_slug"], "hiring");
            e["entry_id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids, [id.as_str(), again.as_str()]);
    let none = api
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/objects/people/records/{}/entries", people[1]),
            None,
        )
        .await;
    assert_eq!(none.body["data"], json!([]));

    // A delete takes the entry, not its parent record.
    let deleted = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!((deleted.status, &deleted.body), (200, &json!({})));
    assert_error(&api.bearer(&org.key, "GET", &path, None).await, 404);
    let parent = api
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/objects/people/records/{}", people[0]),
            None,
        )
        .await;
    assert_eq!(parent.status, 200);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn the_entries_query_filters_sorts_and_pages_through_the_records_planner() {
    let api = TestApi::start().await;
    let (org, people) = hiring(&api).await;
    let stages = ["Applied", "Onsite", "Hired", "Onsite", "Applied", "Onsite"];
    let mut made = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        made.push(entry_id(&add(&api, &org, &people[i % 3], json!({"stage": s})).await));
    }
    let query = |body: Value| {
        let api = &api;
        let key = org.key.clone();
        async move {
            let reply = api
                .bearer(&key, "POST", "/v2/lists/hiring/entries/query", Some(&body))
                .await;
            assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
            reply.body
        }
    };
    let ids = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"]["entry_id"].as_str().unwrap().to_string())
            .collect()
    };
    // Without a sort, in the order they were made; a filter by status title and by parent.
    assert_eq!(ids(&query(json!({})).await), made);
    let onsite = query(json!({"filter": {"stage": "Onsite"}})).await;
    assert_eq!(ids(&onsite), [made[1].clone(), made[3].clone(), made[5].clone()]);
    let of_grace = query(json!({"filter": {"parent_record": {"target_record_id": people[1]}}})).await;
    assert_eq!(ids(&of_grace), [made[1].clone(), made[4].clone()]);
    // A sort, and its pages by cursor: every entry exactly once.
    let sorted = query(json!({"sorts": [{"attribute": "stage", "direction": "asc"}]})).await;
    let titles: Vec<&str> = sorted["data"].as_array().unwrap().iter().map(stage).collect();
    assert_eq!(titles, ["Applied", "Applied", "Hired", "Onsite", "Onsite", "Onsite"]);
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({"sorts": [{"attribute": "stage", "direction": "asc"}], "limit": 4});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let page = query(body).await;
        paged.extend(ids(&page));
        match page["pagination"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, ids(&sorted));
    // A bad filter is Attio's 400; an object's records query finds no list, and a list's
    // entries query no object.
    let bad = api
        .bearer(
            &org.key,
            "POST",
            "/v2/lists/hiring/entries/query",
            Some(&json!({"filter": {"nowhere": 1}})),
        )
        .await;
    assert_error(&bad, 400);
    let crossed = ["/v2/objects/hiring/records/query", "/v2/lists/people/entries/query"];
    for path in crossed {
        assert_error(&api.bearer(&org.key, "POST", path, Some(&json!({}))).await, 404);
    }
}

#[tokio::test]
async fn an_assert_by_parent_updates_the_one_entry_makes_it_or_refuses_several() {
    let api = TestApi::start().await;
    let (org, people) = hiring(&api).await;
    let assert = |parent: String, values: Value| {
        let api = &api;
        let key = org.key.clone();
        async move {
            api.bearer(
                &key,
                "PUT",
                "/v2/lists/hiring/entries",
                Some(&entry_body(&parent, values)),
            )
            .await
        }
    };
    // None yet: made. One: updated, multiselect values overwritten.
    let made = assert(people[0].clone(), json!({"stage": "Applied", "tags": ["a", "b"]})).await;
    let id = entry_id(&made);
    let updated = assert(people[0].clone(), json!({"stage": "Hired", "tags": ["c"]})).await;
    assert_eq!(entry_id(&updated), id);
    assert_eq!(stage(&updated.body["data"]), "Hired");
    assert_eq!(updated.body["data"]["entry_values"]["tags"][0]["value"], "c");
    assert_eq!(
        updated.body["data"]["entry_values"]["tags"].as_array().unwrap().len(),
        1
    );
    // An entry of another list, or a record's other reference from this list, is not its
    // entry here: a second list of people, and the same record in it.
    let other = json!({"data": {"name": "Alumni", "api_slug": "alumni", "parent_object": "people",
        "workspace_access": "full-access", "workspace_member_access": []}});
    assert_eq!(
        api.bearer(&org.key, "POST", "/v2/lists", Some(&other)).await.status,
        200
    );
    let elsewhere = api
        .bearer(
            &org.key,
            "POST",
            "/v2/lists/alumni/entries",
            Some(&entry_body(&people[1], json!({}))),
        )
        .await;
    entry_id(&elsewhere);
    let fresh = assert(people[1].clone(), json!({"stage": "Applied"})).await;
    assert_ne!(
        entry_id(&fresh),
        elsewhere.body["data"]["id"]["entry_id"].as_str().unwrap()
    );
    // Two entries of one parent: Attio's 400 `multiple_match_results`, nothing written.
    entry_id(&add(&api, &org, &people[0], json!({})).await);
    let before = api.items_without_counters().await;
    let several = assert(people[0].clone(), json!({"stage": "Onsite"})).await;
    assert_error(&several, 400);
    assert_eq!(several.body["code"], "multiple_match_results", "{:?}", several.body);
    assert_eq!(api.items_without_counters().await, before);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_entries_are_refused_and_nothing_is_written() {
    let api = TestApi::start().await;
    let (org, people) = hiring(&api).await;
    let other = api.create_org("Other", "other-owner").await;
    api.create_table(&other.key, "People", "P", "people").await;
    let theirs = api
        .create_record(&other.key, "people", &json!({"name": "Theirs"}))
        .await;
    let their_person = theirs.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    api.create_table(&org.key, "Companies", "C", "companies").await;
    let company = api.create_record(&org.key, "companies", &json!({"name": "Co"})).await;
    let company = company.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    let ada = people[0].as_str();
    let cases = [
        // Another workspace's record, no record, a record of another object: 404.
        (entry_body(&their_person, json!({})), 404),
        (entry_body("7f0c6c1e-54a4-4b7e-9d3e-2a4c8a3c1b11", json!({})), 404),
        (
            json!({"data": {"parent_record_id": company, "parent_object": "people", "entry_values": {}}}),
            404,
        ),
        (
            json!({"data": {"parent_record_id": company, "parent_object": "companies", "entry_values": {}}}),
            400,
        ),
        (entry_body("P-1", json!({})), 400),
        (
            entry_body(
                ada,
                json!({"parent_record": [{"target_object": "people", "target_record_id": ada}]}),
            ),
            400,
        ),
        (entry_body(ada, json!({"stage": "Nowhere"})), 400),
        (entry_body(ada, json!({"nowhere": "x"})), 400),
        (
            json!({"data": {"parent_record_id": ada, "parent_object": "people"}}),
            400,
        ),
        (json!({"data": []}), 400),
    ];
    let before = api.items_without_counters().await;
    for (body, status) in cases {
        for method in ["POST", "PUT"] {
            let reply = api
                .bearer(&org.key, method, "/v2/lists/hiring/entries", Some(&body))
                .await;
            assert_error(&reply, status);
            assert_eq!(reply.status, status, "{method} {body}: {:?}", reply.body);
        }
    }
    assert_eq!(api.items_without_counters().await, before);
    // Another workspace finds neither the list nor its entries; an entry's id under another
    // list is not found.
    let id = entry_id(&add(&api, &org, ada, json!({})).await);
    let alumni = json!({"data": {"name": "Alumni", "api_slug": "alumni", "parent_object": "people",
        "workspace_access": "full-access", "workspace_member_access": []}});
    assert_eq!(
        api.bearer(&org.key, "POST", "/v2/lists", Some(&alumni)).await.status,
        200
    );
    for (key, path) in [
        (&other.key, format!("/v2/lists/hiring/entries/{id}")),
        (&org.key, format!("/v2/lists/alumni/entries/{id}")),
        (&org.key, format!("/v2/lists/people/entries/{id}")),
    ] {
        for method in ["GET", "DELETE"] {
            assert_error(&api.bearer(key, method, &path, None).await, 404);
        }
    }
    let their_query = api
        .bearer(&other.key, "POST", "/v2/lists/hiring/entries/query", Some(&json!({})))
        .await;
    assert_error(&their_query, 404);
    let their_view = api
        .bearer(
            &other.key,
            "GET",
            &format!("/v2/objects/people/records/{ada}/entries"),
            None,
        )
        .await;
    assert_error(&their_view, 404);
    api.assert_audit_clean().await;
}

/// Deleting a record deletes its entries (an entry without its parent is no entry), each
/// with a `list-entry.deleted` event; entries' writes are `list-entry.*` events with their
/// parent record, never `record.*` ones.
#[tokio::test]
async fn a_parent_records_delete_takes_its_entries_and_entries_have_events_of_their_own() {
    let api = TestApi::start().await;
    let (org, people) = hiring(&api).await;
    let first = entry_id(&add(&api, &org, &people[0], json!({"stage": "Applied"})).await);
    let second = entry_id(&add(&api, &org, &people[0], json!({})).await);
    let kept = entry_id(&add(&api, &org, &people[1], json!({})).await);
    let patched = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("/v2/lists/hiring/entries/{first}"),
            Some(&json!({"data": {"entry_values": {"stage": "Hired"}}})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let gone = api
        .bearer(
            &org.key,
            "DELETE",
            &format!("/v2/objects/people/records/{}", people[0]),
            None,
        )
        .await;
    assert_eq!(gone.status, 200, "{:?}", gone.body);
    for id in [&first, &second] {
        let path = format!("/v2/lists/hiring/entries/{id}");
        assert_error(&api.bearer(&org.key, "GET", &path, None).await, 404);
    }
    let left = api
        .bearer(&org.key, "POST", "/v2/lists/hiring/entries/query", Some(&json!({})))
        .await;
    assert_eq!(left.body["data"].as_array().unwrap().len(), 1, "{:?}", left.body);
    assert_eq!(left.body["data"][0]["id"]["entry_id"], kept.as_str());

    let events = api.change_events(org.id).await;
    let of_entries: Vec<(String, String, Option<String>)> = events
        .iter()
        .filter(|e| e["event_type"].as_str().unwrap().starts_with("list-entry."))
        .map(|e| {
            assert!(e["parent_object_id"].is_string(), "{e}");
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["id"]["entry_id"].as_str().unwrap().to_string(),
                e["parent_record_id"].as_str().map(str::to_string),
            )
        })
        .collect();
    let expected = |t: &str, id: &String, parent: &String| (t.to_string(), id.clone(), Some(parent.clone()));
    let mut want = vec![
        expected("list-entry.created", &first, &people[0]),
        expected("list-entry.created", &second, &people[0]),
        expected("list-entry.created", &kept, &people[1]),
        expected("list-entry.updated", &first, &people[0]),
        expected("list-entry.deleted", &first, &people[0]),
        expected("list-entry.deleted", &second, &people[0]),
    ];
    let mut got = of_entries.clone();
    // The two deletes run concurrently: their order is not the test's.
    want[4..].sort();
    got[4..].sort();
    assert_eq!(got, want);
    let record_events_of_entries = events.iter().filter(|e| {
        e["event_type"].as_str().unwrap().starts_with("record.")
            && [&first, &second, &kept]
                .iter()
                .any(|id| e["id"]["record_id"] == json!(id))
    });
    assert_eq!(record_events_of_entries.count(), 0);
    api.assert_audit_clean().await;
}
