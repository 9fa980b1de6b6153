//! Attio's lists: `GET`/`POST /v2/lists` and `GET /v2/lists/{list}`. A list is a table with
//! a parent object (docs/data-model.md, "Attio's lists and entries"): it is no object to
//! any dialect, and its slug is taken from objects as theirs are from it.

use api_tests::{assert_error, Org, TestApi};
use serde_json::{json, Value};

fn list_body(slug: &str, parent: &str, access: Value, members: Value) -> Value {
    json!({"data": {"name": format!("List {slug}"), "api_slug": slug, "parent_object": parent,
        "workspace_access": access, "workspace_member_access": members}})
}

async fn create(api: &TestApi, org: &Org, body: &Value) -> api_tests::Reply {
    api.bearer(&org.key, "POST", "/v2/lists", Some(body)).await
}

#[tokio::test]
async fn a_list_is_made_of_a_parent_object_and_read_back_as_attio_shows_it() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let people = api.create_table(&org.key, "People", "P", "people").await;
    let people_id = people["id"].as_str().unwrap_or_default().to_string();
    let member = shared::domain::organization::OrgId(org.id)
        .member_id(org.user_id)
        .to_string();
    let made = create(
        &api,
        &org,
        &list_body(
            "hiring",
            "people",
            Value::Null,
            json!([{"workspace_member_id": member, "level": "full-access"}]),
        ),
    )
    .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let list = &made.body["data"];
    assert_eq!(list["api_slug"], "hiring");
    assert_eq!(list["name"], "List hiring");
    assert_eq!(list["parent_object"], json!(["people"]));
    assert_eq!(list["workspace_access"], Value::Null);
    assert_eq!(list["workspace_member_access"][0]["level"], "full-access");
    assert_eq!(list["created_by_actor"]["type"], "api-token");
    let list_id = list["id"]["list_id"].as_str().unwrap().to_string();
    assert!(list["id"]["workspace_id"].is_string());
    // A parent named by id works as by slug; someone must keep full access.
    let no_full = list_body("sales", &people_id, json!("read-and-write"), json!([]));
    assert_error(&create(&api, &org, &no_full).await, 400);
    let by_id = create(
        &api,
        &org,
        &list_body("sales", &people_id, json!("full-access"), json!([])),
    )
    .await;
    assert_eq!(by_id.status, 200, "{:?}", by_id.body);

    let listed = api.bearer(&org.key, "GET", "/v2/lists", None).await;
    let slugs: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["api_slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["hiring", "sales"]);
    for which in ["hiring", list_id.as_str()] {
        let got = api.bearer(&org.key, "GET", &format!("/v2/lists/{which}"), None).await;
        assert_eq!(got.status, 200, "{:?}", got.body);
        assert_eq!(got.body["data"]["id"]["list_id"], list_id.as_str());
    }
    // A list is no object to any dialect, and an object no list.
    let objects = api.bearer(&org.key, "GET", "/v2/objects", None).await;
    assert!(objects.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["api_slug"] != "hiring"));
    assert_error(&api.bearer(&org.key, "GET", "/v2/objects/hiring", None).await, 404);
    assert_error(
        &api.bearer(&org.key, "GET", "/v2/objects/hiring/attributes", None).await,
        404,
    );
    assert_error(&api.create_record(&org.key, "hiring", &json!({})).await, 404);
    assert_error(&api.bearer(&org.key, "GET", "/orgs/c/tables/hiring", None).await, 404);
    let tables = api.bearer(&org.key, "GET", "/orgs/c/tables", None).await;
    assert!(!tables.body.to_string().contains("\"hiring\""), "{:?}", tables.body);
    assert_error(
        &api.token(&org.key, org.id, "GET", "/api/v1/applications/hiring/", None)
            .await,
        404,
    );
    let applications = api.token(&org.key, org.id, "GET", "/api/v1/applications/", None).await;
    assert!(
        !applications.body.to_string().contains("\"hiring\""),
        "{:?}",
        applications.body
    );
    let not_found = api.bearer(&org.key, "GET", "/v2/lists/people", None).await;
    assert_error(&not_found, 404);
    assert_eq!(not_found.body["code"], "not_found");
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_lists_are_refused_and_nothing_is_written() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "People", "P", "people").await;
    let full = json!("full-access");
    let cases = [
        (
            list_body("hiring", "nowhere", full.clone(), json!([])),
            404,
            "not_found",
        ),
        (
            list_body("Hiring!", "people", full.clone(), json!([])),
            400,
            "validation_type",
        ),
        (
            list_body("hiring", "people", json!("everyone"), json!([])),
            400,
            "validation_type",
        ),
        (
            list_body("hiring", "people", json!("read-only"), json!([])),
            400,
            "validation_type",
        ),
        (
            json!({"data": {"name": "x", "api_slug": "x", "parent_object": "people", "workspace_access": "full-access"}}),
            400,
            "validation_type",
        ),
        (json!({"data": []}), 400, "validation_type"),
        // An object's slug is taken for a list.
        (
            list_body("people", "people", full.clone(), json!([])),
            409,
            "slug_conflict",
        ),
    ];
    let before = api.items_without_counters().await;
    for (body, status, code) in cases {
        let reply = create(&api, &org, &body).await;
        assert_error(&reply, status);
        assert_eq!(reply.body["code"], code, "{body}: {:?}", reply.body);
    }
    assert_eq!(api.items_without_counters().await.len(), before.len());
    // A list's slug is taken for an object and for another list.
    assert_eq!(
        create(&api, &org, &list_body("hiring", "people", full.clone(), json!([])))
            .await
            .status,
        200
    );
    let again = create(&api, &org, &list_body("hiring", "people", full, json!([]))).await;
    assert_error(&again, 409);
    let object = json!({"data": {"api_slug": "hiring", "singular_noun": "Hire", "plural_noun": "Hires"}});
    assert_error(&api.bearer(&org.key, "POST", "/v2/objects", Some(&object)).await, 409);
    // Another workspace sees none of it.
    let other = api.create_org("Other", "other-owner").await;
    assert_error(&api.bearer(&other.key, "GET", "/v2/lists/hiring", None).await, 404);
    let theirs = api.bearer(&other.key, "GET", "/v2/lists", None).await;
    assert_eq!(theirs.body["data"], json!([]));
    api.assert_audit_clean().await;
}

/// A list has attributes of its own, served by the object attribute routes under
/// `/v2/lists/{list}/...` (Attio's `/v2/{target}/{identifier}/attributes`): its entries'
/// values, apart from its parent object's attributes. Its parent record is a system
/// attribute that no definition change touches.
#[tokio::test]
async fn a_list_has_attributes_options_and_statuses_of_its_own() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "People", "P", "people").await;
    let full = json!("full-access");
    let made = create(&api, &org, &list_body("hiring", "people", full, json!([]))).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let list_id = made.body["data"]["id"]["list_id"].as_str().unwrap().to_string();

    let attributes = api.bearer(&org.key, "GET", "/v2/lists/hiring/attributes", None).await;
    assert_eq!(attributes.status, 200, "{:?}", attributes.body);
    let parent = &attributes.body["data"][0];
    assert_eq!(parent["api_slug"], "parent_record");
    assert_eq!(parent["type"], "record-reference");
    assert_eq!(parent["is_system_attribute"], true);
    assert_eq!(parent["is_writable"], false);
    assert_eq!(parent["id"]["object_id"], list_id.as_str());

    let stage = json!({"data": {"title": "Stage", "api_slug": "stage", "type": "status",
        "is_required": false, "is_unique": false, "is_multiselect": false, "description": null, "config": {}}});
    for target in [
        format!("/v2/lists/{list_id}/attributes"),
        "/v2/lists/hiring/attributes".into(),
    ] {
        let added = api.bearer(&org.key, "POST", &target, Some(&stage)).await;
        if target.contains(&list_id) {
            assert_eq!(added.status, 200, "{:?}", added.body);
            assert_eq!(added.body["data"]["id"]["object_id"], list_id.as_str());
            assert_eq!(added.body["data"]["is_system_attribute"], false);
        } else {
            assert_error(&added, 409);
        }
    }
    let status = json!({"data": {"title": "Interviewing"}});
    let path = "/v2/lists/hiring/attributes/stage/statuses";
    let added = api.bearer(&org.key, "POST", path, Some(&status)).await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    let renamed = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("{path}/Interviewing"),
            Some(&json!({"data": {"title": "Onsite"}})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let statuses = api.bearer(&org.key, "GET", path, None).await;
    assert_eq!(statuses.body["data"][0]["title"], "Onsite", "{:?}", statuses.body);
    let got = api
        .bearer(&org.key, "GET", "/v2/lists/hiring/attributes/stage", None)
        .await;
    assert_eq!(got.body["data"]["type"], "status", "{:?}", got.body);
    // The parent object has none of them; an object's path finds no list, a list's no
    // object, and a target is `objects` or `lists`.
    let people = api.bearer(&org.key, "GET", "/v2/objects/people/attributes", None).await;
    assert!(!people.body.to_string().contains("\"stage\""), "{:?}", people.body);
    for path in [
        "/v2/objects/hiring/attributes/stage",
        "/v2/lists/people/attributes",
        "/v2/widgets/hiring/attributes",
    ] {
        assert_error(&api.bearer(&org.key, "GET", path, None).await, 404);
    }

    // The parent record stays as it is: its title, requiredness, slug and archiving.
    let before = api.items_without_counters().await;
    for change in [
        json!({"data": {"title": "Candidate"}}),
        json!({"data": {"is_required": false}}),
        json!({"data": {"api_slug": "candidate"}}),
        json!({"data": {"is_archived": true}}),
    ] {
        let reply = api
            .bearer(
                &org.key,
                "PATCH",
                "/v2/lists/hiring/attributes/parent_record",
                Some(&change),
            )
            .await;
        assert_error(&reply, 400);
        assert_eq!(
            reply.body["code"], "system_edit_unauthorized",
            "{change}: {:?}",
            reply.body
        );
    }
    assert_eq!(api.items_without_counters().await, before);
    // A list's attributes have events of their own: list-attribute.*, by list_id (its
    // parent_record, with the list; stage, made; stage again, its statuses changed twice).
    let events = api.change_events(org.id).await;
    let of_list: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["id"]["list_id"] == list_id.as_str() || e["id"]["object_id"] == list_id.as_str())
        .map(|e| {
            assert!(e["id"]["object_id"].is_null(), "{e}");
            (
                e["event_type"].as_str().unwrap(),
                e["id"]["attribute_id"].as_str().unwrap(),
            )
        })
        .collect();
    let parent_id = parent["id"]["attribute_id"].as_str().unwrap();
    let stage_id = got.body["data"]["id"]["attribute_id"].as_str().unwrap();
    assert_eq!(
        of_list,
        [
            ("list-attribute.created", parent_id),
            ("list-attribute.created", stage_id),
            ("list-attribute.updated", stage_id),
            ("list-attribute.updated", stage_id),
        ]
    );
    // Another workspace finds neither the list nor its attributes.
    let other = api.create_org("Other", "other-owner").await;
    let theirs = api.bearer(&other.key, "GET", "/v2/lists/hiring/attributes", None).await;
    assert_error(&theirs, 404);
    api.assert_audit_clean().await;
}

/// `PATCH /v2/lists/{list}`: a name, a slug (the old one then names nothing and is free
/// again; one an object or a list holds is a 409), who may see it (someone keeps full
/// access; members are the organization's); never its parent object. Refusals write
/// nothing; another workspace finds nothing.
#[tokio::test]
async fn a_list_is_renamed_moved_to_a_new_slug_and_shared_differently() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "People", "P", "people").await;
    let person = api.create_record(&org.key, "people", &json!({"name": "Ada"})).await;
    let person = person.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    let full = json!("full-access");
    let made = create(&api, &org, &list_body("hiring", "people", full, json!([]))).await;
    let list_id = made.body["data"]["id"]["list_id"].as_str().unwrap().to_string();
    let entry = json!({"data": {"parent_record_id": person, "parent_object": "people", "entry_values": {}}});
    let entry = api
        .bearer(&org.key, "POST", "/v2/lists/hiring/entries", Some(&entry))
        .await;
    assert_eq!(entry.status, 200, "{:?}", entry.body);
    let entry_id = entry.body["data"]["id"]["entry_id"].as_str().unwrap().to_string();
    let member = shared::domain::organization::OrgId(org.id)
        .member_id(org.user_id)
        .to_string();
    let patch = |path: String, body: Value| {
        let api = &api;
        let key = org.key.clone();
        async move { api.bearer(&key, "PATCH", &path, Some(&body)).await }
    };

    let before = api.items_without_counters().await;
    let refusals = [
        (json!({"data": {"workspace_access": "read-only"}}), 400),
        (json!({"data": {"workspace_access": null}}), 400),
        (
            json!({"data": {"workspace_member_access": [{"workspace_member_id": "7f0c6c1e-54a4-4b7e-9d3e-2a4c8a3c1b11", "level": "full-access"}]}}),
            400,
        ),
        (json!({"data": {"parent_object": "people"}}), 400),
        (json!({"data": {"api_slug": "Hiring!"}}), 400),
        (json!({"data": {"api_slug": "people"}}), 409),
        (json!({"data": []}), 400),
    ];
    for (body, status) in refusals {
        let reply = patch("/v2/lists/hiring".into(), body.clone()).await;
        assert_error(&reply, status);
        assert_eq!(reply.status, status, "{body}: {:?}", reply.body);
    }
    assert_eq!(api.items_without_counters().await, before);

    let renamed = patch(
        "/v2/lists/hiring".into(),
        json!({"data": {"name": "Recruiting", "api_slug": "recruiting", "workspace_access": null,
            "workspace_member_access": [{"workspace_member_id": member, "level": "full-access"}]}}),
    )
    .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let list = &renamed.body["data"];
    assert_eq!(
        (&list["name"], &list["api_slug"]),
        (&json!("Recruiting"), &json!("recruiting"))
    );
    assert_eq!(list["workspace_access"], Value::Null);
    assert_eq!(
        list["workspace_member_access"][0]["workspace_member_id"],
        member.as_str()
    );
    assert_eq!(list["id"]["list_id"], list_id.as_str());
    // The new slug finds the list and its entries; the old one nothing, and is free.
    let got = api
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/lists/recruiting/entries/{entry_id}"),
            None,
        )
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_error(&api.bearer(&org.key, "GET", "/v2/lists/hiring", None).await, 404);
    let object = json!({"data": {"api_slug": "hiring", "singular_noun": "Hire", "plural_noun": "Hires"}});
    assert_eq!(
        api.bearer(&org.key, "POST", "/v2/objects", Some(&object)).await.status,
        200
    );
    // Access alone, by id; the same slug again is no move.
    let by_id = patch(
        format!("/v2/lists/{list_id}"),
        json!({"data": {"workspace_access": "read-and-write", "api_slug": "recruiting"}}),
    )
    .await;
    assert_eq!(by_id.status, 200, "{:?}", by_id.body);
    assert_eq!(by_id.body["data"]["workspace_access"], "read-and-write");
    assert_eq!(by_id.body["data"]["name"], "Recruiting");
    let other = api.create_org("Other", "other-owner").await;
    let theirs = api
        .bearer(
            &other.key,
            "PATCH",
            "/v2/lists/recruiting",
            Some(&json!({"data": {"name": "Mine"}})),
        )
        .await;
    assert_error(&theirs, 404);
    api.assert_audit_clean().await;
}
