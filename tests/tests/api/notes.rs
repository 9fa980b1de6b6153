//! Attio's notes: made on a record in plain text or Markdown and shown in both, listed by
//! record and by workspace in the order they were made, refused whole when bad, invisible
//! to other workspaces, logged as `note.*` events, and gone with their record.

use api_tests::{assert_error, Org, TestApi};
use serde_json::{json, Value};

fn note(object: &str, record_id: &str, title: &str, format: &str, content: &str) -> Value {
    json!({"data": {"parent_object": object, "parent_record_id": record_id, "title": title,
        "format": format, "content": content}})
}

async fn create(api: &TestApi, org: &Org, body: &Value) -> Value {
    let reply = api.bearer(&org.key, "POST", "/v2/notes", Some(body)).await;
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    reply.body["data"].clone()
}

fn ids(reply: &api_tests::Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"]["note_id"].as_str().unwrap().to_string())
        .collect()
}

/// The `note.*` events of the organization's log: type, note id, parent record id.
async fn note_events(api: &TestApi, org: &Org) -> Vec<(String, String, String)> {
    api.change_events(org.id)
        .await
        .into_iter()
        .filter(|e| e["event_type"].as_str().unwrap().starts_with("note."))
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["id"]["note_id"].as_str().unwrap().to_string(),
                e["parent_record_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn notes_are_made_read_listed_and_deleted_in_attios_shapes() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let acme = api.named_record(&org.key, "companies", "Acme").await;
    let globex = api.named_record(&org.key, "companies", "Globex").await;

    let plain = create(
        &api,
        &org,
        &note("companies", &acme, "Call", "plaintext", "2 * 3 = 6\nsee [x]"),
    )
    .await;
    assert_eq!(plain["parent_object"], "companies");
    assert_eq!(plain["parent_record_id"], acme.as_str());
    assert_eq!(plain["title"], "Call");
    assert_eq!(plain["content_plaintext"], "2 * 3 = 6\nsee [x]");
    assert_eq!(plain["content_markdown"], "2 \\* 3 \\= 6\nsee \\[x\\]");
    assert_eq!(plain["meeting_id"], Value::Null);
    assert_eq!(plain["tags"], json!([]));
    assert_eq!(plain["created_by_actor"]["type"], "api-token");
    assert_eq!(plain["id"]["workspace_id"].as_str().unwrap().len(), 36);
    // The object by id works as by slug; Markdown shows as text without its syntax.
    let table_id = api.bearer(&org.key, "GET", "/v2/objects/companies", None).await.body["data"]["id"]["object_id"]
        .as_str()
        .unwrap()
        .to_string();
    let marked = create(
        &api,
        &org,
        &note(
            &table_id,
            &acme,
            "Plan",
            "markdown",
            "# Next\n\n- **call** back\n- send [deck](https://x.io)",
        ),
    )
    .await;
    assert_eq!(marked["parent_object"], "companies");
    assert_eq!(marked["content_plaintext"], "Next\n- call back\n- send deck");
    // Backdated, as a migration does.
    let mut old = note("companies", &globex, "Old", "plaintext", "From 2020");
    old["data"]["created_at"] = json!("2020-05-01T10:00:00+02:00");
    let old = create(&api, &org, &old).await;
    assert_eq!(old["created_at"], "2020-05-01T08:00:00.000000000Z");

    let id = |n: &Value| n["id"]["note_id"].as_str().unwrap().to_string();
    let got = api
        .bearer(&org.key, "GET", &format!("/v2/notes/{}", id(&marked)), None)
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["data"], marked);

    // Lists: the workspace's in the order made, one record's, and pages of them.
    let all = api.bearer(&org.key, "GET", "/v2/notes", None).await;
    assert_eq!(ids(&all), [id(&plain), id(&marked), id(&old)]);
    let of_acme = format!("/v2/notes?parent_object=companies&parent_record_id={acme}");
    assert_eq!(
        ids(&api.bearer(&org.key, "GET", &of_acme, None).await),
        [id(&plain), id(&marked)]
    );
    let paged = format!("{of_acme}&limit=1&offset=1");
    assert_eq!(ids(&api.bearer(&org.key, "GET", &paged, None).await), [id(&marked)]);
    let page = api.bearer(&org.key, "GET", "/v2/notes?limit=2&offset=1", None).await;
    assert_eq!(ids(&page), [id(&marked), id(&old)]);

    // Deleted: gone from the get and the lists; a second delete is a 404.
    let path = format!("/v2/notes/{}", id(&plain));
    let deleted = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!((deleted.status, &deleted.body), (200, &json!({})));
    assert_error(&api.bearer(&org.key, "GET", &path, None).await, 404);
    assert_error(&api.bearer(&org.key, "DELETE", &path, None).await, 404);
    assert_eq!(ids(&api.bearer(&org.key, "GET", &of_acme, None).await), [id(&marked)]);

    // Every change is logged, with the record it belongs to.
    assert_eq!(
        note_events(&api, &org).await,
        [
            ("note.created".to_string(), id(&plain), acme.clone()),
            ("note.created".to_string(), id(&marked), acme.clone()),
            ("note.created".to_string(), id(&old), globex.clone()),
            ("note.deleted".to_string(), id(&plain), acme.clone()),
        ]
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_notes_are_refused_whole_and_other_workspaces_see_none() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Other", "other-owner").await;
    for o in [&org, &other] {
        api.create_table(&o.key, "Companies", "CO", "companies").await;
        api.create_table(&o.key, "People", "PE", "people").await;
    }
    let acme = api.named_record(&org.key, "companies", "Acme").await;
    let theirs = api.named_record(&other.key, "companies", "Theirs").await;
    let kept = create(&api, &org, &note("companies", &acme, "Kept", "plaintext", "Kept")).await;
    let kept_id = kept["id"]["note_id"].as_str().unwrap().to_string();
    let before = api.items().await;

    let good = note("companies", &acme, "T", "plaintext", "C");
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body["data"][field] = value;
        body
    };
    for (body, status) in [
        (json!({}), 400),
        (json!({"data": []}), 400),
        (with("title", Value::Null), 400),
        (with("format", json!("html")), 400),
        (with("content", json!(7)), 400),
        (with("content", json!("x".repeat(100_001))), 400),
        (with("created_at", json!("2999-01-01T00:00:00Z")), 400),
        (with("created_at", json!("1969-12-31T23:59:59Z")), 400),
        (with("parent_object", json!("nope")), 404),
        (with("parent_record_id", json!("not-an-id")), 404),
        (with("parent_record_id", json!(uuid::Uuid::new_v4().to_string())), 404),
        // A record of another object, and another workspace's record.
        (with("parent_object", json!("people")), 404),
        (with("parent_record_id", json!(theirs)), 404),
        (with("meeting_id", json!(uuid::Uuid::new_v4().to_string())), 404),
    ] {
        let reply = api.bearer(&org.key, "POST", "/v2/notes", Some(&body)).await;
        assert_error(&reply, status);
    }
    for bad in [
        "/v2/notes?parent_object=companies",
        "/v2/notes?parent_record_id=x",
        "/v2/notes?limit=51",
        "/v2/notes?offset=-1",
    ] {
        assert_error(&api.bearer(&org.key, "GET", bad, None).await, 400);
    }
    assert_eq!(api.items().await, before, "nothing refused was written");

    // The other workspace: no note of ours by id, in its list, or by our record.
    let path = format!("/v2/notes/{kept_id}");
    assert_error(&api.bearer(&other.key, "GET", &path, None).await, 404);
    assert_error(&api.bearer(&other.key, "DELETE", &path, None).await, 404);
    assert_eq!(
        ids(&api.bearer(&other.key, "GET", "/v2/notes", None).await),
        Vec::<String>::new()
    );
    let ours = format!("/v2/notes?parent_object=companies&parent_record_id={acme}");
    assert_eq!(
        ids(&api.bearer(&other.key, "GET", &ours, None).await),
        Vec::<String>::new()
    );
    assert_error(&api.bearer(&org.key, "GET", "/v2/notes/not-an-id", None).await, 404);
    api.assert_audit_clean().await;
}

/// A record's delete takes its notes (and their pointers) after it, through Attio's
/// delete and SmartSuite's soft delete alike.
#[tokio::test]
async fn a_records_notes_go_with_it() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let attio = api.named_record(&org.key, "companies", "Gone by Attio").await;
    let smartsuite = api.named_record(&org.key, "companies", "Gone by SmartSuite").await;
    let kept = api.named_record(&org.key, "companies", "Kept").await;
    let mut doomed = Vec::new();
    for parent in [&attio, &attio, &smartsuite] {
        let made = create(&api, &org, &note("companies", parent, "N", "plaintext", "n")).await;
        doomed.push(made["id"]["note_id"].as_str().unwrap().to_string());
    }
    let survivor = create(&api, &org, &note("companies", &kept, "K", "plaintext", "k")).await;

    let path = format!("/v2/objects/companies/records/{attio}");
    assert_eq!(api.bearer(&org.key, "DELETE", &path, None).await.status, 200);
    let path = format!("/api/v1/applications/companies/records/{smartsuite}/");
    assert_eq!(api.token(&org.key, org.id, "DELETE", &path, None).await.status, 200);
    for id in &doomed {
        assert_error(
            &api.bearer(&org.key, "GET", &format!("/v2/notes/{id}"), None).await,
            404,
        );
    }
    let all = api.bearer(&org.key, "GET", "/v2/notes", None).await;
    assert_eq!(ids(&all), [survivor["id"]["note_id"].as_str().unwrap()]);
    // No note can be made on a deleted record.
    let late = note("companies", &attio, "Late", "plaintext", "late");
    assert_error(&api.bearer(&org.key, "POST", "/v2/notes", Some(&late)).await, 404);
    api.assert_audit_clean().await;
}
