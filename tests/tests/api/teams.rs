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
    api.assert_audit_clean().await;
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

async fn make_team(api: &TestApi, org: &api_tests::Org, name: &str, members: &[u64]) -> Value {
    let mut body = seed_team(&[org.user_id]);
    body["name"] = json!(name);
    body["members"] = json!(members.iter().map(u64::to_string).collect::<Vec<_>>());
    let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

#[tokio::test]
async fn list_sorts_filters_and_pages() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    for name in ["Sales", "Support", "Engineering", "Sales Ops"] {
        make_team(&api, &a, name, &[]).await;
    }
    make_team(&api, &b, "B team", &[]).await;
    let list = |body: Value, query: &'static str| {
        let api = &api;
        let a = a.clone();
        async move {
            api.token(
                &a.key,
                a.id,
                "POST",
                &format!("/api/v1/teams/list/{query}"),
                Some(&body),
            )
            .await
        }
    };
    let names = |reply: &api_tests::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let all = list(json!({}), "").await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(keys_of(&all.body), ["items", "limit", "offset", "time", "total"]);
    assert_seconds_or_micros(&all.body["time"]);
    assert_eq!(
        names(&all),
        ["Sales", "Support", "Engineering", "Sales Ops"],
        "oldest first, only A's"
    );
    assert_eq!(
        (all.body["total"].as_u64(), all.body["limit"].as_u64()),
        (Some(4), Some(100))
    );
    let sorted = list(
        json!({"sort": [{"field": "name", "direction": "desc"}]}),
        "?offset=1&limit=2",
    )
    .await;
    assert_eq!(names(&sorted), ["Sales Ops", "Sales"]);
    assert_eq!(sorted.body["total"], 4);
    let filtered = list(
        json!({"filter": {"operator": "and", "fields": [{"field": "name", "comparison": "contains", "value": "sales"}]}}),
        "",
    )
    .await;
    assert_eq!(names(&filtered), ["Sales", "Sales Ops"]);
    assert_eq!(filtered.body["total"], 2);
    let either = list(
        json!({"filter": {"operator": "or", "fields": [
            {"field": "name", "comparison": "is", "value": "Support"},
            {"field": "name", "comparison": "is", "value": "Engineering"}
        ]}}),
        "",
    )
    .await;
    assert_eq!(names(&either), ["Support", "Engineering"]);
    for (body, query) in [
        (json!({"sort": [{"field": "color"}]}), ""),
        (json!({"sort": [{"field": "name", "direction": "up"}]}), ""),
        (json!({"filter": {"operator": "xor", "fields": []}}), ""),
        (
            json!({"filter": {"fields": [{"field": "name", "comparison": "matches", "value": "x"}]}}),
            "",
        ),
        (json!({}), "?limit=1001"),
        (json!({}), "?offset=-1"),
    ] {
        assert_error(&list(body, query).await, 400);
    }
    assert_error(
        &api.token(&b.key, a.id, "POST", "/api/v1/teams/list/", Some(&json!({})))
            .await,
        403,
    );
    // A bad filter is refused before the read, also for an account with no teams.
    let empty = api.create_org("Empty", "owner-empty").await;
    let bad = json!({"filter": {"operator": "and", "fields": [{"field": "name", "comparison": "has_any_of", "value": ["x"]}]}});
    let reply = api
        .token(&empty.key, empty.id, "POST", "/api/v1/teams/list/", Some(&bad))
        .await;
    assert_error(&reply, 400);
    let not_empty = json!({"filter": {"operator": "and", "fields": [{"field": "members", "comparison": "is_not_empty", "value": ""}]}});
    let reply = list(not_empty, "").await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

/// SmartSuite's `time`: an ISO 8601 timestamp in UTC.
fn assert_seconds_or_micros(value: &serde_json::Value) {
    let text = value.as_str().expect("time is a string");
    assert!(
        shared::time::Timestamp::parse_rfc3339(text).is_some() && text.ends_with('Z'),
        "{text}"
    );
}

#[tokio::test]
async fn patch_keeps_names_unique_and_frees_the_old_one() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    let sales = make_team(&api, &a, "Sales", &[]).await;
    make_team(&api, &a, "Support", &[]).await;
    let id = sales["id"].as_str().unwrap();
    let path = format!("/api/v1/teams/{id}/");
    let reply = api
        .token(
            &a.key,
            a.id,
            "PATCH",
            &path,
            Some(&json!({"name": "Revenue", "status": {"value": "2"}})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["name"], "Revenue");
    assert_eq!(reply.body["status"]["value"], "2");
    assert_eq!(reply.body["owners"], sales["owners"], "what is not sent stays");
    assert_eq!(reply.body["first_created"], sales["first_created"]);
    assert_ne!(reply.body["last_updated"]["on"], sales["last_updated"]["on"]);
    // The old name is free again, and the sentinel moved in the same transaction.
    make_team(&api, &a, "Sales", &[]).await;
    let mut names: Vec<String> = api
        .org_partition(a.id)
        .await
        .iter()
        .filter(|i| text(i, "SK").starts_with("TEAMNAME#"))
        .map(|i| text(i, "SK"))
        .collect();
    names.sort();
    let mut expected: Vec<String> = ["revenue", "sales", "support"]
        .iter()
        .map(|n| shared::store::keys::team_name_sk(n))
        .collect();
    expected.sort();
    assert_eq!(names, expected);

    let before = api.items().await;
    let cases: Vec<(Value, u16)> = vec![
        (json!({"name": "support"}), 409),
        (json!({"name": ""}), 400),
        (json!({"status": {"value": 5}}), 400),
        (json!({"owners": ["999"]}), 400),
        (json!({"members": [b.user_id.to_string()]}), 400),
        (json!({"color": [{"value": "red"}]}), 400),
        (json!({"type": 1}), 400),
    ];
    for (body, status) in cases {
        assert_error(&api.token(&a.key, a.id, "PATCH", &path, Some(&body)).await, status);
    }
    assert_error(
        &api.token(&b.key, b.id, "PATCH", &path, Some(&json!({"name": "x"})))
            .await,
        404,
    );
    assert_error(
        &api.token(
            &a.key,
            a.id,
            "PATCH",
            "/api/v1/teams/000000000000000000000000/",
            Some(&json!({"name": "x"})),
        )
        .await,
        404,
    );
    assert_eq!(api.items().await, before);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn delete_frees_the_name() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    let team = make_team(&api, &a, "Sales", &[]).await;
    let path = format!("/api/v1/teams/{}/", team["id"].as_str().unwrap());
    let before = api.items().await;
    assert_error(&api.token(&b.key, b.id, "DELETE", &path, None).await, 404);
    assert_error(&api.token(&b.key, a.id, "DELETE", &path, None).await, 403);
    assert_eq!(api.items().await, before);
    let reply = api.token(&a.key, a.id, "DELETE", &path, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["id"], team["id"]);
    assert_eq!(reply.body["deleted_by"], a.user_id.to_string());
    assert_error(&api.token(&a.key, a.id, "GET", &path, None).await, 404);
    assert_error(&api.token(&a.key, a.id, "DELETE", &path, None).await, 404);
    assert!(api
        .org_partition(a.id)
        .await
        .iter()
        .all(|i| !text(i, "SK").starts_with("TEAM")));
    make_team(&api, &a, "sales", &[]).await;
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn team_names_of_any_length_are_unique_by_full_case_folding() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    // Names whose normalised form is far over DynamoDB's 1,024-byte sort key.
    let long = ["😀".repeat(255), "\u{10348}".repeat(255), "\u{FDFA}".repeat(40)];
    for name in &long {
        make_team(&api, &org, name, &[]).await;
    }
    let renamed = make_team(&api, &org, "Short", &[]).await;
    let path = format!("/api/v1/teams/{}/", renamed["id"].as_str().unwrap());
    let long_rename = "🙂".repeat(255);
    let reply = api
        .token(&org.key, org.id, "PATCH", &path, Some(&json!({"name": long_rename})))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // The same names again, and look-alikes, are taken.
    make_team(&api, &org, "STRASSE", &[]).await;
    make_team(&api, &org, "ΟΔΟΣ", &[]).await;
    make_team(&api, &org, "Ops", &[]).await;
    let before = api.items().await;
    let taken = [
        long[0].clone(),
        long[2].clone(),
        long_rename.clone(),
        "straße".to_string(),
        "Strasse".to_string(),
        "οδοσ".to_string(),
        "οδος".to_string(),
        "O\u{200B}ps".to_string(),
        "\u{FEFF}OPS".to_string(),
    ];
    for name in taken {
        let mut body = seed_team(&[org.user_id]);
        body["name"] = json!(name);
        let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await;
        assert_error(&reply, 409);
        if name == long_rename {
            continue; // the renamed team's own name
        }
        let reply = api
            .token(&org.key, org.id, "PATCH", &path, Some(&json!({"name": name})))
            .await;
        assert_error(&reply, 409);
    }
    // A name that displays as nothing is no name.
    for invisible in ["\u{200B}\u{200B}", "\u{FEFF}", " \u{2060} "] {
        let mut body = seed_team(&[org.user_id]);
        body["name"] = json!(invisible);
        let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await;
        assert_error(&reply, 400);
    }
    assert_eq!(api.items().await, before, "nothing refused was written");
    api.assert_audit_clean().await;
}
