use api_tests::{assert_error, assert_seconds_timestamp, join_all, keys_of, text, TestApi};
use serde_json::{json, Value};

fn seed_body() -> Value {
    json!({
        "name": "Acme Corporation",
        "owner": {"external_id": "user_123", "email": "john.doe@example.com", "name": "John Doe"},
        "description": "A technology company specializing in innovative solutions"
    })
}

fn assert_user_shape(user: &Value) {
    assert_eq!(
        keys_of(user),
        [
            "created_at",
            "email",
            "external_id",
            "id",
            "name",
            "organizations",
            "updated_at"
        ]
    );
    assert!(user["id"].is_u64(), "user ids are integers: {user}");
    assert_seconds_timestamp(&user["created_at"]);
    assert_seconds_timestamp(&user["updated_at"]);
    for org in user["organizations"].as_array().expect("organizations is an array") {
        assert_eq!(keys_of(org), ["id", "name", "role"]);
        assert!(org["id"].is_u64());
    }
}

#[tokio::test]
async fn seed_request_gets_the_seed_shape() {
    let api = TestApi::start().await;
    let reply = api.admin("POST", "/api/v1/organizations", Some(&seed_body())).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(keys_of(body), ["api_key", "organization", "owner"]);

    let org = &body["organization"];
    assert_eq!(
        keys_of(org),
        [
            "created_at",
            "description",
            "id",
            "name",
            "phone_numbers",
            "updated_at",
            "users"
        ]
    );
    assert!(org["id"].is_u64());
    assert_eq!(org["name"], "Acme Corporation");
    assert_eq!(
        org["description"],
        "A technology company specializing in innovative solutions"
    );
    assert_eq!(org["phone_numbers"], json!([]));
    assert_seconds_timestamp(&org["created_at"]);

    let users = org["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_user_shape(&users[0]);
    assert_eq!(users[0], body["owner"]);

    let owner = &body["owner"];
    assert_user_shape(owner);
    assert_eq!(owner["external_id"], "user_123");
    assert_eq!(owner["email"], "john.doe@example.com");
    assert_eq!(owner["name"], "John Doe");
    assert_eq!(
        owner["organizations"],
        json!([{"id": org["id"], "name": "Acme Corporation", "role": "owner"}])
    );

    let key = &body["api_key"];
    assert_eq!(keys_of(key), ["created_at", "id", "secret"]);
    assert!(key["secret"].as_str().unwrap().starts_with("ak_"));

    // GET returns the organization object itself, as Answering Agent documents it.
    let got = api
        .admin("GET", &format!("/api/v1/organizations/{}", org["id"]), None)
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body, body["organization"]);
}

#[tokio::test]
async fn the_key_secret_is_stored_only_as_a_hash() {
    let api = TestApi::start().await;
    let reply = api.admin("POST", "/api/v1/organizations", Some(&seed_body())).await;
    assert_eq!(reply.status, 201);
    let secret = reply.body["api_key"]["secret"].as_str().unwrap().to_string();
    let stored = format!("{:?}", api.items().await);
    assert!(!stored.contains(&secret), "the secret itself is stored");
    assert!(
        stored.contains(&shared::auth::sha256_hex(&secret)),
        "the secret's hash is not stored"
    );
    assert!(!stored.contains(&api.admin_key), "the admin key is stored");
}

#[tokio::test]
async fn a_second_organization_reuses_its_owner() {
    let api = TestApi::start().await;
    let first = api.admin("POST", "/api/v1/organizations", Some(&seed_body())).await;
    assert_eq!(first.status, 201);
    let mut second_body = seed_body();
    second_body["name"] = json!("Globex");
    second_body["owner"]["email"] = json!("john@globex.example");
    second_body.as_object_mut().unwrap().remove("description");
    let second = api.admin("POST", "/api/v1/organizations", Some(&second_body)).await;
    assert_eq!(second.status, 201, "{:?}", second.body);

    let owner = &second.body["owner"];
    assert_eq!(owner["id"], first.body["owner"]["id"], "the user is reused");
    assert_eq!(owner["email"], "john@globex.example", "the upsert updates the email");
    assert_eq!(second.body["organization"]["description"], Value::Null);
    let orgs: Vec<(&Value, &str)> = owner["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (&o["id"], o["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        orgs,
        [
            (&first.body["organization"]["id"], "Acme Corporation"),
            (&second.body["organization"]["id"], "Globex")
        ]
    );
    assert_eq!(
        api.items_with_pk_prefix("USER#")
            .await
            .iter()
            .filter(|i| text(i, "SK") == "USER")
            .count(),
        1
    );

    // Reading the first organization now shows its owner in both.
    let got = api
        .admin(
            "GET",
            &format!("/api/v1/organizations/{}", first.body["organization"]["id"]),
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["users"][0]["organizations"].as_array().unwrap().len(), 2);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn concurrent_creates_with_one_new_owner_make_one_user() {
    let api = TestApi::start().await;
    let creates = (0..12).map(|i| {
        let mut body = seed_body();
        body["name"] = json!(format!("Org {i}"));
        let api = &api;
        async move { api.admin("POST", "/api/v1/organizations", Some(&body)).await }
    });
    let replies = join_all(creates).await;
    for reply in &replies {
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    }
    let user_ids: std::collections::BTreeSet<String> =
        replies.iter().map(|r| r.body["owner"]["id"].to_string()).collect();
    assert_eq!(user_ids.len(), 1, "every organization has the same owner");
    let org_ids: std::collections::BTreeSet<String> = replies
        .iter()
        .map(|r| r.body["organization"]["id"].to_string())
        .collect();
    assert_eq!(org_ids.len(), 12, "organization ids are distinct");

    let user_partition = api.items_with_pk_prefix("USER#user_123").await;
    assert_eq!(user_partition.iter().filter(|i| text(i, "SK") == "USER").count(), 1);
    assert_eq!(
        user_partition
            .iter()
            .filter(|i| text(i, "SK").starts_with("MEMBERSHIP#"))
            .count(),
        12
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn admin_key_is_required() {
    let api = TestApi::start().await;
    let body = seed_body().to_string();
    let cases: [&[(&str, &str)]; 4] = [
        &[("content-type", "application/json")],
        &[("content-type", "application/json"), ("x-api-key", "wrong")],
        &[("content-type", "application/json"), ("x-api-key", "")],
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer whatever"),
        ],
    ];
    for headers in cases {
        let reply = api.send("POST", "/api/v1/organizations", headers, body.clone()).await;
        assert_error(&reply, 401);
        let reply = api.send("GET", "/api/v1/organizations/1", headers, "").await;
        assert_error(&reply, 401);
    }
    // An org key is not the admin key.
    let created = api.admin("POST", "/api/v1/organizations", Some(&seed_body())).await;
    let org_key = created.body["api_key"]["secret"].as_str().unwrap().to_string();
    let reply = api
        .send(
            "POST",
            "/api/v1/organizations",
            &[("content-type", "application/json"), ("x-api-key", &org_key)],
            body,
        )
        .await;
    assert_error(&reply, 401);
    assert_eq!(
        api.items_with_pk_prefix("ORG#")
            .await
            .iter()
            .filter(|i| text(i, "SK") == "ORG")
            .count(),
        1
    );
}

#[tokio::test]
async fn unknown_organizations_are_404() {
    let api = TestApi::start().await;
    for id in ["1", "999999", "abc", "0", "-1", "1.5", "%2F", "99999999999999999999999"] {
        let reply = api.admin("GET", &format!("/api/v1/organizations/{id}"), None).await;
        assert_error(&reply, 404);
        assert_eq!(reply.body["code"], "not_found");
    }
}

/// Each bad input gets a 4xx Attio error naming the field, and the store is unchanged.
#[tokio::test]
async fn bad_inputs_are_rejected_and_write_nothing() {
    let api = TestApi::start().await;
    // One good create first, so "unchanged" covers a store with data (and the counter).
    assert_eq!(
        api.admin("POST", "/api/v1/organizations", Some(&seed_body()))
            .await
            .status,
        201
    );
    let before = api.items().await;

    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = seed_body();
        f(&mut body);
        body.to_string()
    };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let long = "x".repeat(256);
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "missing name",
            with(&|b| drop(b.as_object_mut().unwrap().remove("name"))),
            400,
            "name",
        ),
        ("null name", with(&|b| b["name"] = Value::Null), 400, "name"),
        ("blank name", with(&|b| b["name"] = json!("   ")), 400, "name"),
        ("long name", with(&|b| b["name"] = json!(long)), 400, "name"),
        ("numeric name", with(&|b| b["name"] = json!(5)), 400, "name"),
        (
            "control char in name",
            with(&|b| b["name"] = json!("a\u{7}b")),
            400,
            "name",
        ),
        (
            "long description",
            with(&|b| b["description"] = json!("d".repeat(1001))),
            400,
            "description",
        ),
        (
            "array description",
            with(&|b| b["description"] = json!([])),
            400,
            "description",
        ),
        (
            "missing owner",
            with(&|b| drop(b.as_object_mut().unwrap().remove("owner"))),
            400,
            "owner",
        ),
        (
            "owner not an object",
            with(&|b| b["owner"] = json!("user_123")),
            400,
            "owner",
        ),
        (
            "missing external_id",
            with(&|b| drop(b["owner"].as_object_mut().unwrap().remove("external_id"))),
            400,
            "owner.external_id",
        ),
        (
            "empty external_id",
            with(&|b| b["owner"]["external_id"] = json!("")),
            400,
            "owner.external_id",
        ),
        (
            "long external_id",
            with(&|b| b["owner"]["external_id"] = json!(long)),
            400,
            "owner.external_id",
        ),
        (
            "numeric external_id",
            with(&|b| b["owner"]["external_id"] = json!(123)),
            400,
            "owner.external_id",
        ),
        (
            "missing email",
            with(&|b| drop(b["owner"].as_object_mut().unwrap().remove("email"))),
            400,
            "owner.email",
        ),
        (
            "bad email",
            with(&|b| b["owner"]["email"] = json!("not-an-email")),
            400,
            "owner.email",
        ),
        (
            "email without domain dot",
            with(&|b| b["owner"]["email"] = json!("a@localhost")),
            400,
            "owner.email",
        ),
        (
            "missing owner name",
            with(&|b| drop(b["owner"].as_object_mut().unwrap().remove("name"))),
            400,
            "owner.name",
        ),
        ("malformed JSON", "{\"name\": ".to_string(), 400, "JSON"),
        ("empty body", String::new(), 400, "empty"),
        ("array body", "[]".to_string(), 400, "object"),
        ("string body", "\"hello\"".to_string(), 400, "object"),
        ("absurd nesting", deep, 400, "JSON"),
        (
            "nesting inside a field",
            with(&|b| b["description"] = json!({"a": {"b": {"c": 1}}})),
            400,
            "description",
        ),
        (
            "duplicate key",
            r#"{"name":"A","name":"B","owner":{"external_id":"x","email":"a@b.co","name":"N"}}"#.to_string(),
            400,
            "name",
        ),
    ];
    for (label, body, status, field) in cases {
        let reply = api
            .send(
                "POST",
                "/api/v1/organizations",
                &[("content-type", "application/json"), ("x-api-key", &api.admin_key)],
                body,
            )
            .await;
        assert_error(&reply, status);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{label}: the message does not name `{field}`: {message}"
        );
    }

    // Content type and size.
    let good = seed_body().to_string();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut headers = vec![("x-api-key", api.admin_key.as_str())];
        headers.extend(content_type.map(|c| ("content-type", c)));
        let reply = api.send("POST", "/api/v1/organizations", &headers, good.clone()).await;
        assert_error(&reply, 400);
        assert!(reply.body["message"].as_str().unwrap().contains("Content-Type"));
    }
    let invalid_utf8 = b"{\"name\": \"\xff\xfe\"}".to_vec();
    let reply = api
        .send(
            "POST",
            "/api/v1/organizations",
            &[("content-type", "application/json"), ("x-api-key", &api.admin_key)],
            invalid_utf8,
        )
        .await;
    assert_error(&reply, 400);
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let reply = api
        .send(
            "POST",
            "/api/v1/organizations",
            &[("content-type", "application/json"), ("x-api-key", &api.admin_key)],
            huge,
        )
        .await;
    assert_error(&reply, 413);

    assert_eq!(api.items().await, before, "a rejected request changed the store");
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let api = TestApi::start().await;
    assert_error(&api.admin("GET", "/nope", None).await, 404);
    assert_error(&api.admin("DELETE", "/api/v1/organizations", None).await, 405);
}
