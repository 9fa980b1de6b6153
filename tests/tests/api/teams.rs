use api_tests::{assert_error, join_all, keys_of, text, TestApi};
use serde_json::{json, Value};

fn seed_team(owners: &[u64]) -> Value {
    json!({
        "id": null,
        "name": "My New Team",
        "type": "2",
        "status": {"value": "1", "updated_on": null},
        "color": [{"value": "#0C41F3", "name": ""}],
        "owners": owners.iter().map(u64::to_string).collect::<Vec<_>>(),
        "members": [],
        "first_created": null,
        "last_updated": null,
        "comments_count": 0,
        "followed_by": []
    })
}

fn assert_micros_timestamp(value: &Value) {
    let s = value.as_str().unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(
        s.len() == 27 && s.ends_with('Z') && s.as_bytes()[19] == b'.',
        "not a microsecond timestamp: {s}"
    );
}

#[tokio::test]
async fn seed_request_gets_the_seed_shape() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let reply = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/teams/",
            Some(&seed_team(&[org.user_id])),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let team = &reply.body;
    assert_eq!(
        keys_of(team),
        [
            "application_id",
            "application_slug",
            "autonumber",
            "color",
            "comments_count",
            "deleted_by",
            "deleted_date",
            "first_created",
            "id",
            "last_updated",
            "members",
            "name",
            "owners",
            "ranking",
            "status",
            "title",
            "type"
        ]
    );
    assert_eq!(team["name"], "My New Team");
    assert_eq!(team["color"], json!([{"value": "#0C41F3"}]));
    assert_eq!(team["type"], "2");
    assert_eq!(team["status"]["value"], "1");
    assert_micros_timestamp(&team["status"]["updated_on"]);
    assert_eq!(team["owners"], json!([org.user_id.to_string()]));
    assert_eq!(team["members"], json!([]));
    assert_eq!(team["first_created"]["by"], org.user_id.to_string());
    assert_eq!(team["last_updated"]["by"], org.user_id.to_string());
    assert_micros_timestamp(&team["first_created"]["on"]);
    let id = team["id"].as_str().unwrap();
    assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(team["application_slug"], "teams");
    assert_eq!(team["deleted_date"], json!({"date": null, "include_time": false}));
    assert!(team["ranking"]["default"].is_string());
    for null in ["title", "comments_count", "autonumber", "deleted_by"] {
        assert_eq!(team[null], Value::Null, "{null}");
    }

    let got = api
        .token(&org.key, org.id, "GET", &format!("/api/v1/teams/{id}/"), None)
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(&got.body, team);
}

#[tokio::test]
async fn members_of_the_org_can_be_owners_and_members() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    // A second org with the same owner, and a third with another owner.
    let other = api.create_org("Other", "someone-else").await;
    let mut body = seed_team(&[org.user_id]);
    body["members"] = json!([org.user_id.to_string()]);
    body["type"] = json!(2);
    body["status"] = json!({"value": 2});
    let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["status"]["value"], "2");

    // Users of another org, and ids of nobody, are named in the error; nothing is written.
    let before = api.items().await;
    let mut body = seed_team(&[org.user_id, other.user_id]);
    body["name"] = json!("Second");
    body["members"] = json!(["999999", "63a1f65723aaf6bcb564b1f1"]);
    let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await;
    assert_error(&reply, 400);
    let message = reply.body["message"].as_str().unwrap();
    for id in [
        other.user_id.to_string(),
        "999999".to_string(),
        "63a1f65723aaf6bcb564b1f1".to_string(),
    ] {
        assert!(message.contains(&format!("\"{id}\"")), "{message} does not name {id}");
    }
    assert!(!message.contains(&format!("\"{}\"", org.user_id)), "{message}");
    assert_eq!(api.items().await, before);
}

#[tokio::test]
async fn concurrent_creates_with_one_name_make_one_team() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    // The same name in forms that normalise alike.
    let names = ["Sales", "sales", "SALES", "Ｓales", " Sales "];
    let creates = (0..20).map(|i| {
        let mut body = seed_team(&[org.user_id]);
        body["name"] = json!(names[i % names.len()]);
        let api = &api;
        let org = org.clone();
        async move { api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await }
    });
    let replies = join_all(creates).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    for reply in replies.iter().filter(|r| r.status != 200) {
        assert_error(reply, 409);
        assert_eq!(reply.body["code"], "uniqueness_conflict");
    }
    let partition = api.org_partition(org.id).await;
    assert_eq!(
        partition.iter().filter(|i| text(i, "SK").starts_with("TEAM#")).count(),
        1
    );
    assert_eq!(
        partition
            .iter()
            .filter(|i| text(i, "SK").starts_with("TEAMNAME#"))
            .count(),
        1
    );
}

#[tokio::test]
async fn account_and_token_are_required() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    let body = seed_team(&[a.user_id]).to_string();
    let account = a.id.to_string();
    let token = format!("Token {}", a.key);
    let bearer = format!("Bearer {}", a.key);
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (vec![("account-id", &account)], 401),
        (vec![("authorization", &token)], 401),
        (vec![("authorization", &bearer), ("account-id", &account)], 401),
        (vec![("authorization", "Token nope"), ("account-id", &account)], 401),
        (vec![("authorization", &token), ("account-id", "")], 401),
        (
            vec![
                ("authorization", &token),
                ("account-id", &account),
                ("account-id", &account),
            ],
            400,
        ),
    ];
    for (mut headers, status) in cases {
        headers.push(("content-type", "application/json"));
        let reply = api.send("POST", "/api/v1/teams/", &headers, body.clone()).await;
        assert_error(&reply, status);
    }
    // A's key with B's account, and B's key with A's account: 403.
    assert_error(
        &api.token(&a.key, b.id, "POST", "/api/v1/teams/", Some(&seed_team(&[a.user_id])))
            .await,
        403,
    );
    assert_error(
        &api.token(&b.key, a.id, "POST", "/api/v1/teams/", Some(&seed_team(&[a.user_id])))
            .await,
        403,
    );
    assert!(api.items().await.iter().all(|i| !text(i, "SK").starts_with("TEAM")));
}

#[tokio::test]
async fn another_orgs_key_sees_nothing() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    let team = api
        .token(&a.key, a.id, "POST", "/api/v1/teams/", Some(&seed_team(&[a.user_id])))
        .await
        .body;
    let id = team["id"].as_str().unwrap();
    let before = api.org_partition(a.id).await;
    assert_error(
        &api.token(&b.key, b.id, "GET", &format!("/api/v1/teams/{id}/"), None)
            .await,
        404,
    );
    assert_error(
        &api.token(&b.key, a.id, "GET", &format!("/api/v1/teams/{id}/"), None)
            .await,
        403,
    );
    // B may reuse A's team name in its own account, but not name A's users.
    let reply = api
        .token(&b.key, b.id, "POST", "/api/v1/teams/", Some(&seed_team(&[a.user_id])))
        .await;
    assert_error(&reply, 400);
    let reply = api
        .token(&b.key, b.id, "POST", "/api/v1/teams/", Some(&seed_team(&[b.user_id])))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(api.org_partition(a.id).await, before, "org B changed org A");
}

#[tokio::test]
async fn unknown_teams_are_404() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    for id in ["6669c0bb3c4a0cff67a91a4c", "x", "..", "%2F"] {
        assert_error(
            &api.token(&org.key, org.id, "GET", &format!("/api/v1/teams/{id}/"), None)
                .await,
            404,
        );
    }
}

#[tokio::test]
async fn bad_team_inputs_are_rejected_and_write_nothing() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    assert_eq!(
        api.token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/teams/",
            Some(&seed_team(&[org.user_id]))
        )
        .await
        .status,
        200
    );
    let before = api.items().await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = seed_team(&[org.user_id]);
        body["name"] = json!("Another");
        f(&mut body);
        body
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (with(&|b| b["name"] = json!("my new team")), 409, "my new team"),
        (with(&|b| drop(b.as_object_mut().unwrap().remove("name"))), 400, "name"),
        (with(&|b| b["name"] = json!("  ")), 400, "name"),
        (with(&|b| b["name"] = json!("n".repeat(256))), 400, "name"),
        (with(&|b| b["id"] = json!("abc")), 400, "id"),
        (with(&|b| b["type"] = json!("1")), 400, "type"),
        (with(&|b| b["type"] = json!(3)), 400, "type"),
        (with(&|b| drop(b.as_object_mut().unwrap().remove("type"))), 400, "type"),
        (with(&|b| b["status"]["value"] = json!("3")), 400, "status.value"),
        (with(&|b| b["status"]["value"] = json!(0)), 400, "status.value"),
        (with(&|b| b["status"] = json!("1")), 400, "status"),
        (
            with(&|b| b["color"] = json!([{"value": "blue"}])),
            400,
            "color[0].value",
        ),
        (
            with(&|b| b["color"] = json!([{"value": "#0C41F"}])),
            400,
            "color[0].value",
        ),
        (
            with(&|b| b["color"] = json!([{"value": "#0C41F3"}, {"value": "#GGGGGG"}])),
            400,
            "color[1].value",
        ),
        (with(&|b| b["color"] = json!({"value": "#0C41F3"})), 400, "color"),
        (with(&|b| b["owners"] = json!("1")), 400, "owners"),
        (with(&|b| b["owners"] = json!([1])), 400, "owners[0]"),
        (with(&|b| b["members"] = json!([""])), 400, "members[0]"),
        (with(&|b| b["owners"] = json!(["424242"])), 400, "424242"),
        (
            with(&|b| b["members"] = json!((0..96).map(|i| i.to_string()).collect::<Vec<_>>())),
            400,
            "owners",
        ),
    ];
    for (body, status, needle) in cases {
        let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await;
        assert_error(&reply, status);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains(needle),
            "{body}: message does not name `{needle}`: {message}"
        );
    }
    assert_eq!(api.items().await, before);
}
