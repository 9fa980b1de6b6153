//! Attio's tasks: made linked to records and assigned to members, read, changed (a
//! completion stamped once), listed in Attio's orders and filters, deleted; a record's
//! delete takes it out of the tasks that linked it; refused whole when bad; invisible to
//! other workspaces; logged as `task.*` events.

use api_tests::{assert_error, Org, Reply, TestApi};
use serde_json::{json, Value};
use shared::domain::organization::OrgId;

fn task(content: &str, links: Value, assignees: Value) -> Value {
    json!({"data": {"content": content, "format": "plaintext", "deadline_at": null, "is_completed": false,
        "linked_records": links, "assignees": assignees}})
}

async fn create(api: &TestApi, org: &Org, body: &Value) -> Value {
    let reply = api.bearer(&org.key, "POST", "/v2/tasks", Some(body)).await;
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    reply.body["data"].clone()
}

fn ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"]["task_id"].as_str().unwrap().to_string())
        .collect()
}

fn id(task: &Value) -> String {
    task["id"]["task_id"].as_str().unwrap().to_string()
}

/// The linked record ids of a task, sorted.
fn linked(task: &Value) -> Vec<String> {
    let mut ids: Vec<String> = task["linked_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target_record_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn tasks_are_made_read_changed_listed_and_deleted() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let companies = api.create_table(&org.key, "Companies", "CO", "companies").await;
    let (acme, globex) = (
        api.named_record(&org.key, "companies", "Acme").await,
        api.named_record(&org.key, "companies", "Globex").await,
    );
    let member = OrgId(org.id).member_id(org.user_id).to_string();

    // As the SDK sends it: one record in its object, one by id alone; the owner by email.
    let made = create(
        &api,
        &org,
        &json!({"data": {"content": "Call back", "format": "plaintext", "deadline_at": "2026-12-24T17:00:00Z",
            "is_completed": false,
            "linked_records": [{"target_object": "companies", "target_record_id": acme}, globex],
            "assignees": [{"workspace_member_email_address": "OWNER@example.com"}]}}),
    )
    .await;
    assert_eq!(made["content_plaintext"], "Call back");
    assert_eq!(made["deadline_at"], "2026-12-24T17:00:00.000000000Z");
    assert_eq!(
        (&made["is_completed"], &made["completed_at"]),
        (&json!(false), &Value::Null)
    );
    let mut both = vec![acme.clone(), globex.clone()];
    both.sort();
    assert_eq!(linked(&made), both);
    assert_eq!(made["linked_records"][0]["target_object_id"], companies["id"]);
    assert_eq!(
        made["assignees"],
        json!([{"referenced_actor_type": "workspace-member", "referenced_actor_id": member}])
    );
    assert_eq!(made["created_by_actor"]["type"], "api-token");
    let task_id = id(&made);
    let path = format!("/v2/tasks/{task_id}");
    let got = api.bearer(&org.key, "GET", &path, None).await;
    assert_eq!(got.body["data"], made, "a GET shows what the create answered");
    let open = create(&api, &org, &task("Unassigned", json!([]), json!([]))).await;

    // Completed once: the stamp stays through a later change; links replaced whole.
    let done = api
        .bearer(&org.key, "PATCH", &path, Some(&json!({"data": {"is_completed": true}})))
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    let completed_at = done.body["data"]["completed_at"].clone();
    assert!(completed_at.is_string(), "{:?}", done.body);
    let relinked = api
        .bearer(&org.key, "PATCH", &path,
            Some(&json!({"data": {"is_completed": true, "linked_records": [{"target_object": "companies", "target_record_id": globex}]}})))
        .await;
    assert_eq!(relinked.status, 200, "{:?}", relinked.body);
    assert_eq!(relinked.body["data"]["completed_at"], completed_at);
    assert_eq!(linked(&relinked.body["data"]), [globex.as_str()]);
    let content = api
        .bearer(&org.key, "PATCH", &path, Some(&json!({"data": {"content": "Changed"}})))
        .await;
    assert_error(&content, 400);

    // Listed: in the order made, or by completion; by linked record, assignee, completion.
    let list = |query: String| {
        let (api, org) = (&api, &org);
        async move { ids(&api.bearer(&org.key, "GET", &format!("/v2/tasks{query}"), None).await) }
    };
    let (done_id, open_id) = (task_id.clone(), id(&open));
    assert_eq!(list(String::new()).await, [done_id.clone(), open_id.clone()]);
    assert_eq!(
        list("?sort=created_at:desc".into()).await,
        [open_id.clone(), done_id.clone()]
    );
    assert_eq!(
        list("?sort=completed_at:asc".into()).await,
        [open_id.clone(), done_id.clone()]
    );
    assert_eq!(
        list("?sort=completed_at:desc".into()).await,
        [done_id.clone(), open_id.clone()]
    );
    assert_eq!(
        list(format!("?linked_object=companies&linked_record_id={globex}")).await,
        [done_id.as_str()]
    );
    assert_eq!(
        list(format!("?linked_object=companies&linked_record_id={acme}")).await,
        Vec::<String>::new()
    );
    assert_eq!(list(format!("?assignee={member}")).await, [done_id.as_str()]);
    assert_eq!(list("?assignee=owner@example.com".into()).await, [done_id.as_str()]);
    assert_eq!(list("?assignee=null".into()).await, [open_id.as_str()]);
    assert_eq!(list("?is_completed=false".into()).await, [open_id.as_str()]);
    assert_eq!(list("?limit=1&offset=1".into()).await, [open_id.as_str()]);
    for bad in [
        "?sort=name",
        "?is_completed=maybe",
        "?linked_object=companies",
        "?limit=501",
    ] {
        assert_error(
            &api.bearer(&org.key, "GET", &format!("/v2/tasks{bad}"), None).await,
            400,
        );
    }
    api.assert_audit_clean().await;

    // Deleted: gone, and its links with it; the events tell each write.
    let deleted = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!((deleted.status, &deleted.body), (200, &json!({})));
    assert_error(&api.bearer(&org.key, "GET", &path, None).await, 404);
    assert_error(&api.bearer(&org.key, "DELETE", &path, None).await, 404);
    let events: Vec<(String, String)> = api
        .change_events(org.id)
        .await
        .into_iter()
        .filter(|e| e["event_type"].as_str().unwrap().starts_with("task."))
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["id"]["task_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("task.created", &done_id),
        ("task.created", &open_id),
        ("task.updated", &done_id),
        ("task.updated", &done_id),
        ("task.deleted", &done_id),
    ]
    .into_iter()
    .map(|(t, id)| (t.to_string(), id.clone()))
    .collect();
    assert_eq!(events, expected);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_deleted_record_leaves_the_tasks_that_linked_it() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let (acme, globex) = (
        api.named_record(&org.key, "companies", "Acme").await,
        api.named_record(&org.key, "companies", "Globex").await,
    );
    let links = json!([acme, globex]);
    let first = create(&api, &org, &task("One", links.clone(), json!([]))).await;
    let second = create(&api, &org, &task("Two", links, json!([]))).await;
    let gone = api
        .bearer(
            &org.key,
            "DELETE",
            &format!("/v2/objects/companies/records/{acme}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 200, "{:?}", gone.body);
    for made in [&first, &second] {
        let got = api
            .bearer(&org.key, "GET", &format!("/v2/tasks/{}", id(made)), None)
            .await;
        assert_eq!(linked(&got.body["data"]), [globex.as_str()], "{:?}", got.body);
    }
    let still = api
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/tasks?linked_object=companies&linked_record_id={acme}"),
            None,
        )
        .await;
    assert_eq!(ids(&still), Vec::<String>::new());
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_tasks_are_refused_whole_and_other_workspaces_see_none() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Other", "other-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    api.create_table(&other.key, "Companies", "CO", "companies").await;
    let mine = api.named_record(&org.key, "companies", "Mine").await;
    let theirs = api.named_record(&other.key, "companies", "Theirs").await;
    let other_member = OrgId(other.id).member_id(other.user_id).to_string();
    let stranger = uuid::Uuid::new_v4().to_string();
    for (body, status) in [
        (task("x", json!([theirs]), json!([])), 404),
        (
            task(
                "x",
                json!([{"target_object": "companies", "target_record_id": theirs}]),
                json!([]),
            ),
            404,
        ),
        (
            task(
                "x",
                json!([{"target_object": "nothing", "target_record_id": mine}]),
                json!([]),
            ),
            404,
        ),
        (task("x", json!([stranger]), json!([])), 404),
        (
            task(
                "x",
                json!([mine]),
                json!([{"workspace_member_email_address": "other-owner@example.com"}]),
            ),
            404,
        ),
        (
            task(
                "x",
                json!([mine]),
                json!([{"referenced_actor_type": "workspace-member", "referenced_actor_id": other_member}]),
            ),
            404,
        ),
        (task("x", json!("mine"), json!([])), 400),
        (json!({"data": {"content": "x"}}), 400),
        (json!({}), 400),
    ] {
        let reply = api.bearer(&org.key, "POST", "/v2/tasks", Some(&body)).await;
        assert_error(&reply, status);
    }
    let mine_task = create(&api, &org, &task("Mine", json!([mine]), json!([]))).await;
    // A change naming another workspace's record is refused, and the task is as it was.
    let path = format!("/v2/tasks/{}", id(&mine_task));
    let refused = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"linked_records": [theirs]}})),
        )
        .await;
    assert_error(&refused, 404);
    assert_eq!(api.bearer(&org.key, "GET", &path, None).await.body["data"], mine_task);
    // Another workspace cannot see, change or delete it, and lists none of it.
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"data": {"is_completed": true}}))),
        ("DELETE", None),
    ] {
        assert_error(&api.bearer(&other.key, method, &path, body.as_ref()).await, 404);
    }
    assert_eq!(
        ids(&api.bearer(&other.key, "GET", "/v2/tasks", None).await),
        Vec::<String>::new()
    );
    let linked_there = api
        .bearer(
            &other.key,
            "GET",
            &format!("/v2/tasks?linked_object=companies&linked_record_id={mine}"),
            None,
        )
        .await;
    assert_eq!(ids(&linked_there), Vec::<String>::new());
    assert_eq!(
        ids(&api.bearer(&org.key, "GET", "/v2/tasks", None).await),
        [id(&mine_task)]
    );
    api.assert_audit_clean().await;
}
