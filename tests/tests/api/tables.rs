use api_tests::{assert_error, assert_seconds_timestamp, join_all, keys_of, text, TestApi};
use serde_json::{json, Value};

fn seed_table() -> Value {
    json!({
        "name": "Companies",
        "record_prefix": "LEAD",
        "description": "Companies are organizations that own and manage other organizations."
    })
}

const TABLE_KEYS: [&str; 11] = [
    "api_slug",
    "archived",
    "created_at",
    "description",
    "display_field_id",
    "fields",
    "id",
    "name",
    "record_prefix",
    "type",
    "updated_at",
];

fn assert_field_shape(field: &Value, table_id: &Value) {
    // The seed's keys, and `indexed` (ours: whether queries use an index of the field).
    assert_eq!(
        keys_of(field),
        ["id", "indexed", "key", "readonly", "schema", "table_id", "type", "unique"]
    );
    assert_eq!(&field["table_id"], table_id);
    let invent_types = [
        "string", "number", "boolean", "date", "datetime", "enum", "record", "user",
    ];
    assert!(invent_types.contains(&field["type"].as_str().unwrap()), "{field}");
    assert!(field["id"].is_string());
    let schema = &field["schema"];
    for key in [
        "name",
        "description",
        "type",
        "optional",
        "array",
        "order",
        "link",
        "display_field",
    ] {
        assert!(schema.get(key).is_some(), "schema has no `{key}`: {schema}");
    }
    assert!(schema["order"].is_u64() && schema["optional"].is_boolean() && schema["array"].is_boolean());
}

#[tokio::test]
async fn seed_request_gets_the_seed_shape() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let reply = api
        .bearer(
            &org.key,
            "POST",
            &format!("/orgs/{}/tables", org.id),
            Some(&seed_table()),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let table = &reply.body;
    assert_eq!(keys_of(table), TABLE_KEYS);
    assert_eq!(table["type"], "custom");
    assert_eq!(table["archived"], false);
    assert_eq!(table["name"], "Companies");
    assert_eq!(table["record_prefix"], "LEAD");
    assert_eq!(table["api_slug"], "companies");
    assert_seconds_timestamp(&table["created_at"]);
    let fields = table["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1);
    assert_field_shape(&fields[0], &table["id"]);
    assert_eq!(fields[0]["key"], "name");
    assert_eq!(fields[0]["schema"]["type"], "text");
    assert_eq!(fields[0]["schema"]["display_field"], true);
    assert_eq!(table["display_field_id"], fields[0]["id"]);

    // GET by id and by api_slug, through the org id and through `c`.
    for path in [
        format!("/orgs/{}/tables/{}", org.id, table["id"].as_str().unwrap()),
        format!("/orgs/c/tables/{}", table["id"].as_str().unwrap()),
        "/orgs/c/tables/companies".to_string(),
    ] {
        let got = api.bearer(&org.key, "GET", &path, None).await;
        assert_eq!(got.status, 200, "{path}: {:?}", got.body);
        assert_eq!(&got.body, table, "{path}");
    }
    // `c` also works for create; an explicit slug is kept.
    let other = json!({"name": "Deals 2024", "record_prefix": "DEAL", "api_slug": "deals"});
    let reply = api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&other)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["api_slug"], "deals");
    assert_eq!(reply.body["description"], Value::Null);
}

#[tokio::test]
async fn concurrent_creates_with_one_record_prefix_make_one_table() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let creates = (0..20).map(|i| {
        // Distinct names and slugs: only the prefix collides.
        let body = json!({"name": format!("Table {i}"), "record_prefix": "LEAD"});
        let api = &api;
        let key = org.key.clone();
        async move { api.bearer(&key, "POST", "/orgs/c/tables", Some(&body)).await }
    });
    let replies = join_all(creates).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        ok,
        1,
        "exactly one create succeeds: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|r| r.status != 200) {
        assert_error(reply, 409);
        assert_eq!(reply.body["code"], "uniqueness_conflict");
        assert!(reply.body["message"].as_str().unwrap().contains("LEAD"));
    }
    let partition = api.org_partition(org.id).await;
    assert_eq!(
        partition.iter().filter(|i| text(i, "SK").starts_with("TABLE#")).count(),
        1
    );
    assert_eq!(
        partition
            .iter()
            .filter(|i| text(i, "SK").starts_with("TABLEPREFIX#"))
            .count(),
        1
    );
    assert_eq!(
        partition
            .iter()
            .filter(|i| text(i, "SK").starts_with("TABLESLUG#"))
            .count(),
        1
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn record_prefix_and_slug_are_unique_per_org_only() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    assert_eq!(
        api.bearer(&a.key, "POST", "/orgs/c/tables", Some(&seed_table()))
            .await
            .status,
        200
    );
    // Another org may use the same prefix and slug.
    assert_eq!(
        api.bearer(&b.key, "POST", "/orgs/c/tables", Some(&seed_table()))
            .await
            .status,
        200
    );
    // The same slug with another prefix conflicts within the org.
    let same_slug = json!({"name": "Companies", "record_prefix": "COMP"});
    let reply = api.bearer(&a.key, "POST", "/orgs/c/tables", Some(&same_slug)).await;
    assert_error(&reply, 409);
    assert!(reply.body["message"].as_str().unwrap().contains("api_slug"));
}

#[tokio::test]
async fn another_orgs_key_sees_nothing() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    let table = api
        .bearer(&a.key, "POST", "/orgs/c/tables", Some(&seed_table()))
        .await
        .body;
    let table_id = table["id"].as_str().unwrap();
    let before = api.org_partition(a.id).await;

    let field = json!({"key": "domain", "schema": {"name": "Domain", "type": "domain"}});
    let cases: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            format!("/orgs/{}/tables", a.id),
            Some(json!({"name": "X", "record_prefix": "X"})),
        ),
        ("GET", format!("/orgs/{}/tables/{table_id}", a.id), None),
        ("GET", format!("/orgs/{}/tables/companies", a.id), None),
        ("GET", format!("/orgs/c/tables/{table_id}"), None),
        (
            "POST",
            format!("/orgs/{}/tables/{table_id}/fields", a.id),
            Some(field.clone()),
        ),
        ("POST", format!("/orgs/c/tables/{table_id}/fields"), Some(field.clone())),
        (
            "POST",
            "/orgs/999999/tables".to_string(),
            Some(json!({"name": "X", "record_prefix": "X"})),
        ),
    ];
    for (method, path, body) in &cases {
        let reply = api.bearer(&b.key, method, path, body.as_ref()).await;
        assert_error(&reply, 404);
    }
    // A link to another org's table is not found either.
    api.bearer(
        &b.key,
        "POST",
        "/orgs/c/tables",
        Some(&json!({"name": "Mine", "record_prefix": "MINE"})),
    )
    .await;
    let link = json!({"key": "company", "schema": {"name": "Company", "type": "record-reference", "link": table_id}});
    let reply = api
        .bearer(&b.key, "POST", "/orgs/c/tables/mine/fields", Some(&link))
        .await;
    assert_error(&reply, 400);
    assert!(reply.body["message"].as_str().unwrap().contains("schema.link"));
    assert_eq!(api.org_partition(a.id).await, before, "org B changed org A");
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn org_keys_are_required() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    let body = seed_table().to_string();
    let bad_auth = [
        None,
        Some("Bearer".to_string()),
        Some("Bearer nonsense".to_string()),
        Some(format!("Token {}", org.key)),
        Some(format!("Bearer {}x", org.key)),
        Some(format!("Bearer {}", api.admin_key)),
        Some(format!("Bearer {}", "a".repeat(20_000))),
    ];
    for auth in bad_auth {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("authorization", auth));
        }
        let reply = api.send("POST", "/orgs/c/tables", &headers, body.clone()).await;
        assert_error(&reply, 401);
    }
    // A tampered secret with a real key id is refused too.
    let mut tampered = org.key.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let reply = api
        .bearer(&tampered, "POST", "/orgs/c/tables", Some(&seed_table()))
        .await;
    assert_error(&reply, 401);
    assert!(api
        .org_partition(org.id)
        .await
        .iter()
        .all(|i| !text(i, "SK").starts_with("TABLE")));
}

#[tokio::test]
async fn bad_table_inputs_are_rejected_and_write_nothing() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    assert_eq!(
        api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&seed_table()))
            .await
            .status,
        200
    );
    let before = api.items().await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = seed_table();
        f(&mut body);
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(&|b| drop(b.as_object_mut().unwrap().remove("name"))), "name"),
        (with(&|b| b["name"] = json!("")), "name"),
        (with(&|b| b["name"] = json!("n".repeat(129))), "name"),
        (with(&|b| b["name"] = json!(["Companies"])), "name"),
        (
            with(&|b| drop(b.as_object_mut().unwrap().remove("record_prefix"))),
            "record_prefix",
        ),
        (with(&|b| b["record_prefix"] = json!("lead")), "record_prefix"),
        (with(&|b| b["record_prefix"] = json!("1LEAD")), "record_prefix"),
        (with(&|b| b["record_prefix"] = json!("LEAD-1")), "record_prefix"),
        (
            with(&|b| b["record_prefix"] = json!("ABCDEFGHIJKLMNOPQ")),
            "record_prefix",
        ),
        (with(&|b| b["record_prefix"] = json!("")), "record_prefix"),
        (with(&|b| b["description"] = json!("d".repeat(513))), "description"),
        (with(&|b| b["description"] = json!(12)), "description"),
        (with(&|b| b["api_slug"] = json!("Companies")), "api_slug"),
        (with(&|b| b["api_slug"] = json!("1co")), "api_slug"),
        (with(&|b| b["api_slug"] = json!("a".repeat(65))), "api_slug"),
        (with(&|b| b["name"] = json!("2024")), "api_slug"),
    ];
    for (body, field) in cases {
        let reply = api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await;
        assert_error(&reply, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{body}: message does not name `{field}`: {message}"
        );
    }
    let reply = api.bearer(&org.key, "POST", "/orgs/c/tables", None).await;
    assert_error(&reply, 400);
    assert_eq!(api.items().await, before);
}

#[tokio::test]
async fn unknown_tables_are_404() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    for table in [
        "companies",
        "00000000-0000-0000-0000-000000000000",
        "Not%20A%20Slug",
        "%2F..%2F",
        "caf%C3%A9",
        "..",
    ] {
        let reply = api
            .bearer(&org.key, "GET", &format!("/orgs/c/tables/{table}"), None)
            .await;
        assert_error(&reply, 404);
        let field = json!({"key": "x", "schema": {"name": "X", "type": "text"}});
        let reply = api
            .bearer(
                &org.key,
                "POST",
                &format!("/orgs/c/tables/{table}/fields"),
                Some(&field),
            )
            .await;
        assert_error(&reply, 404);
    }
}

#[tokio::test]
async fn fields_of_every_type() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    let table = api
        .bearer(&org.key, "POST", "/orgs/c/tables", Some(&seed_table()))
        .await
        .body;
    api.bearer(
        &org.key,
        "POST",
        "/orgs/c/tables",
        Some(&json!({"name": "Users", "record_prefix": "USR"})),
    )
    .await;
    let path = format!("/orgs/c/tables/{}/fields", table["id"].as_str().unwrap());
    let schemas = [
        (
            "notes",
            json!({"name": "Notes", "type": "text", "description": "Free text"}),
            false,
        ),
        ("employees", json!({"name": "Employees", "type": "number"}), true),
        ("active", json!({"name": "Active", "type": "checkbox"}), false),
        ("revenue", json!({"name": "Revenue", "type": "currency"}), false),
        ("founded", json!({"name": "Founded", "type": "date"}), false),
        (
            "last_contact",
            json!({"name": "Last contact", "type": "timestamp"}),
            false,
        ),
        (
            "stage",
            json!({"name": "Stage", "type": "select", "options": ["Lead", {"title": "Won"}]}),
            false,
        ),
        (
            "tags",
            json!({"name": "Tags", "type": "select", "array": true, "options": ["a", "b"]}),
            false,
        ),
        (
            "owner",
            json!({"name": "Owner", "type": "record-reference", "link": "users"}),
            false,
        ),
        (
            "members",
            json!({"name": "Members", "type": "record-reference", "link": "users", "array": true}),
            false,
        ),
        ("email", json!({"name": "Email", "type": "email-address"}), true),
        (
            "phone",
            json!({"name": "Phone", "type": "phone-number", "optional": false}),
            false,
        ),
        ("domain", json!({"name": "Domain", "type": "domain"}), true),
        ("score", json!({"name": "Score", "type": "rating"}), false),
        ("contact", json!({"name": "Contact", "type": "personal-name"}), false),
        ("hq", json!({"name": "HQ", "type": "location"}), false),
    ];
    let users_id = api.bearer(&org.key, "GET", "/orgs/c/tables/users", None).await.body["id"].clone();
    for (i, (key, schema, unique)) in schemas.iter().enumerate() {
        let body = json!({"key": key, "unique": unique, "schema": schema});
        let reply = api.bearer(&org.key, "POST", &path, Some(&body)).await;
        assert_eq!(reply.status, 200, "{key}: {:?}", reply.body);
        assert_field_shape(&reply.body, &table["id"]);
        assert_eq!(reply.body["key"], *key);
        assert_eq!(reply.body["unique"], *unique);
        assert_eq!(reply.body["schema"]["type"], schema["type"]);
        assert_eq!(reply.body["schema"]["order"], i + 2, "the name field is first");
        if schema["type"] == "record-reference" {
            assert_eq!(
                reply.body["schema"]["link"], users_id,
                "the link is resolved to the table id"
            );
        }
        if schema["type"] == "select" {
            let options = reply.body["schema"]["options"].as_array().unwrap();
            assert!(options.iter().all(|o| keys_of(o) == ["id", "title"]));
        }
    }
    assert_eq!(
        api.bearer(
            &org.key,
            "POST",
            &path,
            Some(&json!({"key": "phone", "schema": {"name": "P", "type": "text"}}))
        )
        .await
        .status,
        409
    );
    let got = api.bearer(&org.key, "GET", "/orgs/c/tables/companies", None).await;
    let keys: Vec<&str> = got.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    let mut expected = vec!["name"];
    expected.extend(schemas.iter().map(|(k, _, _)| *k));
    assert_eq!(keys, expected, "fields come back in creation order");
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_field_inputs_are_rejected_and_write_nothing() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&seed_table()))
        .await;
    let before = api.items().await;
    let text_schema = json!({"name": "X", "type": "text"});
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"schema": text_schema}), 400, "key"),
        (json!({"key": "Bad", "schema": text_schema}), 400, "key"),
        (json!({"key": "1x", "schema": text_schema}), 400, "key"),
        (json!({"key": "a-b", "schema": text_schema}), 400, "key"),
        (json!({"key": "x".repeat(65), "schema": text_schema}), 400, "key"),
        (json!({"key": "name", "schema": text_schema}), 409, "name"),
        (json!({"key": "x"}), 400, "schema"),
        (json!({"key": "x", "schema": {"type": "text"}}), 400, "schema.name"),
        (json!({"key": "x", "schema": {"name": "X"}}), 400, "schema.type"),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "blob"}}),
            400,
            "schema.type",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "text", "optional": "yes"}}),
            400,
            "schema.optional",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "checkbox", "array": true}}),
            400,
            "schema.array",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "record-reference"}}),
            400,
            "schema.link",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "record-reference", "link": "nope"}}),
            400,
            "schema.link",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "text", "link": "companies"}}),
            400,
            "schema.link",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "select"}}),
            400,
            "schema.options",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "select", "options": []}}),
            400,
            "schema.options",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "select", "options": ["a", "A"]}}),
            400,
            "schema.options[1]",
        ),
        (
            json!({"key": "x", "schema": {"name": "X", "type": "text", "options": ["a"]}}),
            400,
            "schema.options",
        ),
        (
            json!({"key": "x", "unique": true, "schema": {"name": "X", "type": "checkbox"}}),
            400,
            "unique",
        ),
        (
            json!({"key": "x", "unique": true, "schema": {"name": "X", "type": "select", "array": true, "options": ["A"]}}),
            400,
            "unique",
        ),
        (
            json!({"key": "x", "unique": "yes", "schema": text_schema}),
            400,
            "unique",
        ),
    ];
    for (body, status, field) in cases {
        let reply = api
            .bearer(&org.key, "POST", "/orgs/c/tables/companies/fields", Some(&body))
            .await;
        assert_error(&reply, status);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{body}: message does not name `{field}`: {message}"
        );
    }
    assert_eq!(api.items().await, before);
}

#[tokio::test]
async fn list_filters_and_pages_tables() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    for (name, prefix) in [
        ("Companies", "CO"),
        ("Company Notes", "CN"),
        ("People", "PE"),
        ("Deals", "DE"),
    ] {
        let reply = api
            .bearer(
                &a.key,
                "POST",
                "/orgs/c/tables",
                Some(&json!({"name": name, "record_prefix": prefix})),
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    api.bearer(
        &b.key,
        "POST",
        "/orgs/c/tables",
        Some(&json!({"name": "B's", "record_prefix": "BB"})),
    )
    .await;
    let names = |reply: &api_tests::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .expect("a plain array")
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let all = api.bearer(&a.key, "GET", "/orgs/c/tables", None).await;
    assert_eq!(all.status, 200);
    assert_eq!(
        names(&all),
        ["Companies", "Company Notes", "People", "Deals"],
        "oldest first, only A's"
    );
    assert_eq!(keys_of(&all.body[0]), TABLE_KEYS);
    let found = api
        .bearer(&a.key, "GET", &format!("/orgs/{}/tables?search=COMPAN", a.id), None)
        .await;
    assert_eq!(names(&found), ["Companies", "Company Notes"]);
    let page = api
        .bearer(&a.key, "GET", "/orgs/c/tables?type=custom&limit=2&offset=1", None)
        .await;
    assert_eq!(names(&page), ["Company Notes", "People"]);
    let none = api.bearer(&a.key, "GET", "/orgs/c/tables?type=contacts", None).await;
    assert_eq!(none.body, json!([]));
    for bad in ["type=bogus", "limit=-1", "limit=1001", "offset=x", "limit=1&limit=2"] {
        assert_error(
            &api.bearer(&a.key, "GET", &format!("/orgs/c/tables?{bad}"), None).await,
            400,
        );
    }
    assert_error(
        &api.bearer(&b.key, "GET", &format!("/orgs/{}/tables", a.id), None).await,
        404,
    );
    assert_error(&api.send("GET", "/orgs/c/tables", &[], "").await, 401);
}

#[tokio::test]
async fn patch_table() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    let table = api
        .bearer(&a.key, "POST", "/orgs/c/tables", Some(&seed_table()))
        .await
        .body;
    let field = api
        .bearer(
            &a.key,
            "POST",
            "/orgs/c/tables/companies/fields",
            Some(&json!({"key": "domain", "schema": {"name": "Domain", "type": "domain"}})),
        )
        .await
        .body;
    let patch = json!({"name": "Accounts", "description": null, "archived": true, "display_field_id": field["id"]});
    let reply = api
        .bearer(&a.key, "PATCH", "/orgs/c/tables/companies", Some(&patch))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["name"], "Accounts");
    assert_eq!(reply.body["description"], Value::Null);
    assert_eq!(reply.body["archived"], true);
    assert_eq!(reply.body["display_field_id"], field["id"]);
    assert_eq!(reply.body["api_slug"], "companies", "the slug stays");
    let display: Vec<bool> = reply.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["schema"]["display_field"] == true)
        .collect();
    assert_eq!(display, [false, true]);
    let got = api
        .bearer(
            &a.key,
            "GET",
            &format!("/orgs/c/tables/{}", table["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(got.body, reply.body);

    let before = api.items().await;
    let bad: Vec<(Value, &str)> = vec![
        (json!({"name": ""}), "name"),
        (json!({"description": "d".repeat(513)}), "description"),
        (json!({"archived": "yes"}), "archived"),
        (json!({"display_field_id": "nope"}), "display_field_id"),
        (json!({"record_prefix": "NEW"}), "record_prefix"),
        (json!({"api_slug": "new"}), "api_slug"),
    ];
    for (body, field) in bad {
        let reply = api
            .bearer(&a.key, "PATCH", "/orgs/c/tables/companies", Some(&body))
            .await;
        assert_error(&reply, 400);
        assert!(
            reply.body["message"].as_str().unwrap().contains(field),
            "{body}: {}",
            reply.body["message"]
        );
    }
    assert_error(
        &api.bearer(
            &b.key,
            "PATCH",
            &format!("/orgs/{}/tables/companies", a.id),
            Some(&json!({"name": "x"})),
        )
        .await,
        404,
    );
    assert_error(
        &api.bearer(&b.key, "PATCH", "/orgs/c/tables/companies", Some(&json!({"name": "x"})))
            .await,
        404,
    );
    assert_error(
        &api.bearer(&a.key, "PATCH", "/orgs/c/tables/unknown", Some(&json!({"name": "x"})))
            .await,
        404,
    );
    assert_eq!(api.items().await, before);
}

#[tokio::test]
async fn patch_field_renames_keys_but_never_types() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    api.bearer(&a.key, "POST", "/orgs/c/tables", Some(&seed_table())).await;
    let field = api
        .bearer(
            &a.key,
            "POST",
            "/orgs/c/tables/companies/fields",
            Some(&json!({"key": "domain", "schema": {"name": "Domain", "type": "domain"}})),
        )
        .await
        .body;
    let id = field["id"].as_str().unwrap();
    // A record written before the rename keeps its value under the new key.
    let record = api
        .bearer(
            &a.key,
            "POST",
            "/v2/objects/companies/records",
            Some(&json!({"data": {"values": {"domain": "acme.com"}}})),
        )
        .await;
    assert_eq!(record.status, 200);
    let path = format!("/orgs/c/tables/companies/fields/{id}");
    let patch = json!({"key": "website", "schema": {"name": "Website", "description": "Main site", "optional": false, "type": "domain"}});
    let reply = api.bearer(&a.key, "PATCH", &path, Some(&patch)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["id"], id);
    assert_eq!(reply.body["key"], "website");
    assert_eq!(reply.body["schema"]["name"], "Website");
    assert_eq!(reply.body["schema"]["optional"], false);
    assert_eq!(reply.body["schema"]["order"], 2, "a rename keeps the order");
    let got = api
        .bearer(
            &a.key,
            "GET",
            &format!(
                "/v2/objects/companies/records/{}",
                record.body["data"]["id"]["record_id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(got.body["data"]["values"]["website"][0]["domain"], "acme.com");
    assert!(got.body["data"]["values"].get("domain").is_none());

    let before = api.items().await;
    let bad: Vec<(Value, u16, &str)> = vec![
        (json!({"key": "name"}), 409, "name"),
        (json!({"key": "Bad Key"}), 400, "key"),
        (json!({"schema": {"type": "text"}}), 400, "schema.type"),
        (json!({"schema": {"type": "nonsense"}}), 400, "schema.type"),
        (json!({"schema": {"name": ""}}), 400, "schema.name"),
        (json!({"schema": {"optional": 1}}), 400, "schema.optional"),
        (json!({"schema": {"array": true}}), 400, "schema.array"),
        (json!({"unique": true}), 400, "unique"),
    ];
    for (body, status, needle) in bad {
        let reply = api.bearer(&a.key, "PATCH", &path, Some(&body)).await;
        assert_error(&reply, status);
        assert!(
            reply.body["message"].as_str().unwrap().contains(needle),
            "{body}: {}",
            reply.body["message"]
        );
    }
    assert_error(
        &api.bearer(
            &b.key,
            "PATCH",
            &format!("/orgs/{}/tables/companies/fields/{id}", a.id),
            Some(&json!({"key": "x"})),
        )
        .await,
        404,
    );
    assert_error(
        &api.bearer(
            &a.key,
            "PATCH",
            "/orgs/c/tables/companies/fields/unknown-id",
            Some(&json!({"key": "x"})),
        )
        .await,
        404,
    );
    assert_eq!(api.items().await, before);
    api.assert_audit_clean().await;
}

/// Invent's type names are taken for fields and shown as the top-level `type`; its lists
/// page by `page` and `take`, with its `pagination-*` headers.
#[tokio::test]
async fn invent_type_names_and_paging() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    api.create_table(&org.key, "Deals", "DEAL", "deals").await;
    for (key, invent, attio) in [
        ("title", "string", "text"),
        ("amount", "number", "number"),
        ("won", "boolean", "checkbox"),
        ("closes", "date", "date"),
        ("closed_at", "datetime", "timestamp"),
    ] {
        let field = api
            .add_field(
                &org.key,
                "deals",
                &json!({"key": key, "schema": {"name": key, "type": invent}}),
            )
            .await;
        assert_eq!(field["type"], invent, "{key}");
        assert_eq!(field["schema"]["type"], attio, "{key}");
    }
    let stage = json!({"key": "stage", "schema": {"name": "Stage", "type": "enum", "options": ["Open"]}});
    let stage = api.add_field(&org.key, "deals", &stage).await;
    assert_eq!(
        (stage["type"].as_str(), stage["schema"]["type"].as_str()),
        (Some("enum"), Some("select"))
    );
    let reply = api
        .bearer(
            &org.key,
            "POST",
            "/orgs/c/tables/deals/fields",
            Some(&json!({"key": "doc", "schema": {"name": "Doc", "type": "file"}})),
        )
        .await;
    assert_error(&reply, 400);

    for i in 0..2 {
        api.create_table(&org.key, &format!("T{i}"), &format!("T{i}"), &format!("t{i}"))
            .await;
    }
    let page = api.bearer(&org.key, "GET", "/orgs/c/tables?page=2&take=2", None).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let names: Vec<&str> = page
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["T1"]);
    assert_eq!(page.headers["pagination-count"], "3");
    assert_eq!(page.headers["pagination-page"], "2");
    assert_eq!(page.headers["pagination-take"], "2");
    for bad in ["take=101", "page=x", "take=-1", "page=2&limit=null"] {
        assert_error(
            &api.bearer(&org.key, "GET", &format!("/orgs/c/tables?{bad}"), None)
                .await,
            400,
        );
    }
}

/// Invent's import: each CSV row a record or a per-row error; a failed row writes nothing,
/// the rows around it stay created; a bad file or mapping is refused whole.
#[tokio::test]
async fn records_import_reports_each_row() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let domain = json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}});
    api.add_field(&org.key, "companies", &domain).await;
    let employees = json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}});
    api.add_field(&org.key, "companies", &employees).await;
    let file = "Company,domain,employees,ignored\n\
                Acme,acme.com,10,x\n\
                \"Beta, Inc.\",beta.com,,y\n\
                Dup,acme.com,3,z\n\
                Bad,bad.com,many,w\n\
                Short,short.com\n";
    let body = json!({"file": file, "mapping": "{\"Company\": \"name\"}"});
    let reply = api
        .bearer(&org.key, "POST", "/orgs/c/tables/companies/records/import", Some(&body))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["created"], 2);
    assert_eq!(reply.body["failed"], 3);
    let rows: Vec<u64> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4, 5]);
    let names = api.record_names(&org.key, "companies").await;
    assert_eq!(names, ["Acme", "Beta, Inc."]);

    let before = api.items_without_counters().await;
    for bad in [
        json!({}),
        json!({"file": ""}),
        json!({"file": "a\n\"open"}),
        json!({"file": "name\nx\n", "mapping": "not json"}),
        json!({"file": "Company\nx\n", "mapping": "{\"Company\": \"nope\"}"}),
        json!({"file": "nothing,known\n1,2\n"}),
        json!({"file": format!("name\n{}", "r\n".repeat(501))}),
    ] {
        let reply = api
            .bearer(&org.key, "POST", "/orgs/c/tables/companies/records/import", Some(&bad))
            .await;
        assert_error(&reply, 400);
    }
    assert_eq!(api.items_without_counters().await, before);
    api.assert_audit_clean().await;
}

/// Attio's two nouns are kept apart (its SDK's held-out test found "Company" read back as
/// "Companies"); the plural is the table's name, what Invent's routes show.
#[tokio::test]
async fn an_object_keeps_its_singular_and_plural_nouns_apart() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let body = json!({"data": {"api_slug": "companies", "singular_noun": "Company", "plural_noun": "Companies"}});
    let made = api.bearer(&org.key, "POST", "/v2/objects", Some(&body)).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let nouns = |body: &Value| (body["singular_noun"].clone(), body["plural_noun"].clone());
    assert_eq!(nouns(&made.body["data"]), (json!("Company"), json!("Companies")));
    let got = api.bearer(&org.key, "GET", "/v2/objects/companies", None).await;
    assert_eq!(nouns(&got.body["data"]), (json!("Company"), json!("Companies")));
    let invent = api.bearer(&org.key, "GET", "/orgs/c/tables/companies", None).await;
    assert_eq!(invent.body["name"], "Companies");

    // Each noun alone.
    for (patch, expected) in [
        (json!({"singular_noun": "Firm"}), ("Firm", "Companies")),
        (json!({"plural_noun": "Firms"}), ("Firm", "Firms")),
    ] {
        let reply = api
            .bearer(
                &org.key,
                "PATCH",
                "/v2/objects/companies",
                Some(&json!({"data": patch})),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(nouns(&reply.body["data"]), (json!(expected.0), json!(expected.1)));
    }
    let listed = api.bearer(&org.key, "GET", "/v2/objects", None).await;
    assert_eq!(nouns(&listed.body["data"][0]), (json!("Firm"), json!("Firms")));

    // A table made without a singular shows its name as both; a missing noun is a 400.
    api.create_table(&org.key, "People", "PE", "people").await;
    let people = api.bearer(&org.key, "GET", "/v2/objects/people", None).await;
    assert_eq!(nouns(&people.body["data"]), (json!("People"), json!("People")));
    let missing = json!({"data": {"api_slug": "deals", "plural_noun": "Deals"}});
    assert_error(&api.bearer(&org.key, "POST", "/v2/objects", Some(&missing)).await, 400);
}

/// `DELETE /v2/objects/{object}` (ours): an empty object goes at once, its slug and prefix
/// free again; one that holds records, parents a list or is linked to is refused whole
/// (409 `object_in_use`), as is another workspace's (404).
#[tokio::test]
async fn only_an_empty_unreferenced_object_is_deleted() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Globex", "other").await;
    let object = |slug: &str| json!({"data": {"api_slug": slug, "singular_noun": "Thing", "plural_noun": "Things"}});
    let mut ids = Vec::new();
    for slug in ["things", "stuff", "parents"] {
        let made = api.bearer(&org.key, "POST", "/v2/objects", Some(&object(slug))).await;
        assert_eq!(made.status, 200, "{:?}", made.body);
        ids.push(made.body["data"]["id"]["object_id"].as_str().unwrap().to_string());
    }
    // stuff holds a record; parents is a list's parent; things is linked to by stuff.
    let link = json!({"data": {"title": "Thing", "api_slug": "thing", "type": "record-reference",
        "description": null, "is_required": false, "is_unique": false, "is_multiselect": false,
        "config": {"record_reference": {"allowed_objects": ["things"]}}}});
    let linked = api
        .bearer(&org.key, "POST", "/v2/objects/stuff/attributes", Some(&link))
        .await;
    assert_eq!(linked.status, 200, "{:?}", linked.body);
    let record = api.create_record(&org.key, "stuff", &json!({})).await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    let list = json!({"data": {"name": "Pipeline", "api_slug": "pipeline", "parent_object": "parents",
        "workspace_access": "full-access", "workspace_member_access": []}});
    assert_eq!(api.bearer(&org.key, "POST", "/v2/lists", Some(&list)).await.status, 200);

    let before = api.items().await;
    for (slug, says) in [
        ("things", "linked to by the attributes stuff.thing"),
        ("stuff", "holds records"),
        ("parents", "parent of the lists pipeline"),
    ] {
        let reply = api
            .bearer(&org.key, "DELETE", &format!("/v2/objects/{slug}"), None)
            .await;
        assert_error(&reply, 409);
        assert_eq!(reply.body["code"], "object_in_use", "{slug}");
        assert!(
            reply.body["message"].as_str().unwrap().contains(says),
            "{slug}: {:?}",
            reply.body
        );
    }
    // A list is no object; another workspace's object is not found.
    assert_error(&api.bearer(&org.key, "DELETE", "/v2/objects/pipeline", None).await, 404);
    assert_error(&api.bearer(&other.key, "DELETE", "/v2/objects/things", None).await, 404);
    assert_eq!(api.items().await, before, "nothing refused wrote anything");

    // The record gone, stuff (empty now, and linking to things itself) is deleted; then
    // things is no longer linked to, and goes too.
    let record_id = record.body["data"]["id"]["record_id"].as_str().unwrap();
    let path = format!("/v2/objects/stuff/records/{record_id}");
    assert_eq!(api.bearer(&org.key, "DELETE", &path, None).await.status, 200);
    for slug in ["stuff", "things"] {
        let reply = api
            .bearer(&org.key, "DELETE", &format!("/v2/objects/{slug}"), None)
            .await;
        assert_eq!(reply.status, 200, "{slug}: {:?}", reply.body);
        assert_eq!(reply.body, json!({}));
        assert_error(
            &api.bearer(&org.key, "GET", &format!("/v2/objects/{slug}"), None).await,
            404,
        );
    }
    let slugs: Vec<String> = api.bearer(&org.key, "GET", "/v2/objects", None).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["api_slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(slugs, ["parents"]);
    // Its slug and record prefix are free again at once.
    let again = api
        .bearer(&org.key, "POST", "/v2/objects", Some(&object("things")))
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    // No item keyed by a deleted object's id is left (its count, head, search items).
    let left: Vec<(String, String)> = api
        .items()
        .await
        .iter()
        .map(|i| (text(i, "PK"), text(i, "SK")))
        .filter(|(pk, sk)| {
            ids[..2]
                .iter()
                .any(|id| pk.contains(id.as_str()) || sk.contains(id.as_str()))
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
    api.assert_audit_clean().await;
}
