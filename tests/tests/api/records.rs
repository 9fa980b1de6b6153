use std::collections::BTreeSet;

use api_tests::{assert_error, join_all, keys_of, text, Org, TestApi};
use serde_json::{json, Value};

async fn table(api: &TestApi, org: &Org, name: &str, prefix: &str, slug: &str) -> Value {
    let body = json!({"name": name, "record_prefix": prefix, "api_slug": slug});
    let reply = api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

async fn field(api: &TestApi, org: &Org, table: &str, body: Value) {
    let reply = api
        .bearer(&org.key, "POST", &format!("/orgs/c/tables/{table}/fields"), Some(&body))
        .await;
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
}

async fn create(api: &TestApi, org: &Org, object: &str, values: Value) -> api_tests::Reply {
    api.create_record(&org.key, object, &values).await
}

/// The tables of the seed: users, companies, and workspaces referencing both.
async fn seed_tables(api: &TestApi, org: &Org) {
    table(api, org, "Users", "USR", "users").await;
    table(api, org, "Companies", "COMP", "companies").await;
    table(api, org, "Workspaces", "WS", "workspaces").await;
    field(
        api,
        org,
        "workspaces",
        json!({"key": "workspace_id", "unique": true, "schema": {"name": "Workspace ID", "type": "text"}}),
    )
    .await;
    field(
        api,
        org,
        "workspaces",
        json!({"key": "avatar_url", "schema": {"name": "Avatar URL", "type": "text"}}),
    )
    .await;
    field(api, org, "workspaces", json!({"key": "users", "schema": {"name": "Users", "type": "record-reference", "link": "users", "array": true}})).await;
    field(
        api,
        org,
        "workspaces",
        json!({"key": "company", "schema": {"name": "Company", "type": "record-reference", "link": "companies"}}),
    )
    .await;
}

fn record_id(reply: &api_tests::Reply) -> String {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string()
}

fn assert_value_object(value: &Value, attribute_type: &str, own: &[&str], key_id: &str) {
    let mut expected: Vec<&str> = vec!["active_from", "active_until", "attribute_type", "created_by_actor"];
    expected.extend(own);
    expected.sort();
    assert_eq!(keys_of(value), expected, "{value}");
    assert_eq!(value["attribute_type"], attribute_type);
    assert_eq!(value["active_until"], Value::Null);
    assert_eq!(value["created_by_actor"], json!({"type": "api-token", "id": key_id}));
    let from = value["active_from"].as_str().unwrap();
    assert!(
        from.len() == 30 && from.ends_with('Z') && from.as_bytes()[19] == b'.',
        "nanosecond timestamp: {from}"
    );
}

#[tokio::test]
async fn seed_request_gets_the_seed_shape() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let key_id = org.key_id();
    seed_tables(&api, &org).await;
    let user = record_id(&create(&api, &org, "users", json!({"name": "Ada"})).await);
    let company = record_id(&create(&api, &org, "companies", json!({"name": "Fundstack"})).await);

    let seed = json!({
        "workspace_id": "123",
        "name": "Customer.com",
        "avatar_url": "https://example.com/avatar.png",
        "users": [{"target_object": "users", "target_record_id": user}],
        "company": {"target_object": "companies", "target_record_id": company}
    });
    let reply = create(&api, &org, "workspaces", seed).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(keys_of(&reply.body), ["data"]);
    assert_eq!(keys_of(data), ["created_at", "display_id", "id", "values", "web_url"]);
    assert_eq!(
        data["web_url"],
        // The record's page, on this gateway's own address.
        format!(
            "{}/app/{}/workspaces/{}",
            api.base_url,
            data["id"]["workspace_id"].as_str().expect("a workspace id"),
            data["id"]["record_id"].as_str().expect("a record id")
        )
    );
    assert_eq!(keys_of(&data["id"]), ["object_id", "record_id", "workspace_id"]);
    assert!(uuid::Uuid::try_parse(data["id"]["record_id"].as_str().unwrap()).is_ok());
    assert_eq!(data["display_id"], "WS-1");
    let values = &data["values"];
    assert_eq!(
        keys_of(values),
        ["avatar_url", "company", "name", "users", "workspace_id"]
    );
    for key in ["workspace_id", "name", "avatar_url"] {
        assert_eq!(values[key].as_array().unwrap().len(), 1);
        assert_value_object(&values[key][0], "text", &["value"], &key_id);
    }
    assert_eq!(values["workspace_id"][0]["value"], "123");
    assert_eq!(values["name"][0]["value"], "Customer.com");
    assert_value_object(
        &values["users"][0],
        "record-reference",
        &["target_object", "target_record_id"],
        &key_id,
    );
    assert_eq!(values["users"][0]["target_object"], "users");
    assert_eq!(values["users"][0]["target_record_id"], user);
    assert_value_object(
        &values["company"][0],
        "record-reference",
        &["target_object", "target_record_id"],
        &key_id,
    );
    assert_eq!(values["company"][0]["target_record_id"], company);

    let id = data["id"]["record_id"].as_str().unwrap();
    for path in [
        format!("/v2/objects/workspaces/records/{id}"),
        "/v2/objects/workspaces/records/WS-1".to_string(),
    ] {
        let got = api.bearer(&org.key, "GET", &path, None).await;
        assert_eq!(got.status, 200, "{path}: {:?}", got.body);
        assert_eq!(got.body, reply.body, "{path}");
    }
    // By the table's id as well as its slug.
    let object_id = data["id"]["object_id"].as_str().unwrap();
    let got = api
        .bearer(&org.key, "GET", &format!("/v2/objects/{object_id}/records/{id}"), None)
        .await;
    assert_eq!(got.body, reply.body);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn every_attribute_type_round_trips() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let key_id = org.key_id();
    table(&api, &org, "Companies", "CO", "companies").await;
    table(&api, &org, "People", "P", "people").await;
    let person = record_id(&create(&api, &org, "people", json!({})).await);
    let fields = [
        ("notes", json!({"type": "text"})),
        ("employees", json!({"type": "number"})),
        ("active", json!({"type": "checkbox"})),
        ("revenue", json!({"type": "currency"})),
        ("founded", json!({"type": "date"})),
        ("last_contact", json!({"type": "timestamp"})),
        ("stage", json!({"type": "select", "options": ["Lead", "Won"]})),
        (
            "tags",
            json!({"type": "select", "options": ["a", "b", "c"], "array": true}),
        ),
        ("contact", json!({"type": "record-reference", "link": "people"})),
        ("email", json!({"type": "email-address"})),
        ("phone", json!({"type": "phone-number"})),
        ("domain", json!({"type": "domain"})),
        ("score", json!({"type": "rating"})),
        ("ceo", json!({"type": "personal-name"})),
        ("hq", json!({"type": "location"})),
    ];
    for (key, schema) in &fields {
        let mut schema = schema.clone();
        schema["name"] = json!(key);
        field(&api, &org, "companies", json!({"key": key, "schema": schema})).await;
    }
    let reply = create(
        &api,
        &org,
        "companies",
        json!({
            "name": {"value": "Acme"},
            "notes": "Notes",
            "employees": 250,
            "active": "true",
            "revenue": {"currency_value": 1234.5, "currency_code": "eur"},
            "founded": "1999-12-31",
            "last_contact": "2023-01-01T16:00:00.5+01:00",
            "stage": "won",
            "tags": ["a", {"option": "c"}],
            "contact": {"target_object": "people", "target_record_id": person},
            "email": "Jane.Doe@Example.com",
            "phone": {"original_phone_number": "+44 20 7946 0958", "country_code": "gb"},
            "domain": "https://www.acme.co.uk/about",
            "score": 4,
            "ceo": {"first_name": "Jane", "last_name": "Doe"},
            "hq": {"line_1": "1 Main St", "locality": "London", "country_code": "GB", "latitude": "51.5", "longitude": -0.12}
        }),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let v = &reply.body["data"]["values"];
    let expect = |key: &str, attribute_type: &str, own: &[&str]| {
        assert_value_object(&v[key][0], attribute_type, own, &key_id);
    };
    expect("notes", "text", &["value"]);
    expect("employees", "number", &["value"]);
    assert_eq!(v["employees"][0]["value"], 250);
    expect("active", "checkbox", &["value"]);
    assert_eq!(v["active"][0]["value"], true);
    expect("revenue", "currency", &["currency_code", "currency_value"]);
    assert_eq!(v["revenue"][0]["currency_code"], "EUR");
    assert_eq!(v["revenue"][0]["currency_value"], 1234.5);
    expect("founded", "date", &["value"]);
    assert_eq!(v["founded"][0]["value"], "1999-12-31");
    expect("last_contact", "timestamp", &["value"]);
    assert_eq!(v["last_contact"][0]["value"], "2023-01-01T15:00:00.500000000Z");
    expect("stage", "select", &["option"]);
    assert_eq!(v["stage"][0]["option"]["title"], "Won");
    assert_eq!(keys_of(&v["stage"][0]["option"]), ["id", "is_archived", "title"]);
    assert_eq!(
        keys_of(&v["stage"][0]["option"]["id"]),
        ["attribute_id", "object_id", "option_id", "workspace_id"]
    );
    assert_eq!(v["tags"].as_array().unwrap().len(), 2);
    expect("contact", "record-reference", &["target_object", "target_record_id"]);
    expect(
        "email",
        "email-address",
        &[
            "email_address",
            "email_domain",
            "email_local_specifier",
            "email_root_domain",
            "original_email_address",
        ],
    );
    assert_eq!(v["email"][0]["email_address"], "jane.doe@example.com");
    assert_eq!(v["email"][0]["email_domain"], "example.com");
    expect(
        "phone",
        "phone-number",
        &[
            "country_code",
            "normalized_phone_number",
            "original_phone_number",
            "phone_number",
        ],
    );
    assert_eq!(v["phone"][0]["normalized_phone_number"], "+442079460958");
    assert_eq!(v["phone"][0]["country_code"], "GB");
    expect("domain", "domain", &["domain", "root_domain"]);
    assert_eq!(v["domain"][0]["root_domain"], "acme.co.uk");
    expect("score", "rating", &["value"]);
    expect("ceo", "personal-name", &["first_name", "full_name", "last_name"]);
    assert_eq!(v["ceo"][0]["full_name"], "Jane Doe");
    expect(
        "hq",
        "location",
        &[
            "country_code",
            "latitude",
            "line_1",
            "line_2",
            "line_3",
            "line_4",
            "locality",
            "longitude",
            "postcode",
            "region",
        ],
    );
    assert_eq!(v["hq"][0]["line_2"], Value::Null);
    // GET returns exactly what create returned.
    let id = reply.body["data"]["id"]["record_id"].as_str().unwrap();
    let got = api
        .bearer(&org.key, "GET", &format!("/v2/objects/companies/records/{id}"), None)
        .await;
    assert_eq!(got.body, reply.body);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn concurrent_creates_get_display_ids_one_to_a_hundred() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    table(&api, &org, "Leads", "LEAD", "leads").await;
    let creates = (0..100).map(|i| {
        let api = &api;
        let org = org.clone();
        async move { create(api, &org, "leads", json!({"name": format!("Lead {i}")})).await }
    });
    let replies = join_all(creates).await;
    let mut display_ids = BTreeSet::new();
    for reply in &replies {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert!(
            display_ids.insert(reply.body["data"]["display_id"].as_str().unwrap().to_string()),
            "duplicate"
        );
    }
    let expected: BTreeSet<String> = (1..=100).map(|n| format!("LEAD-{n}")).collect();
    assert_eq!(display_ids, expected);
    assert_eq!(api.items_with_pk_prefix("REC#").await.len(), 100);
    // Each display id reads back its own record.
    for reply in replies.iter().take(5) {
        let display_id = reply.body["data"]["display_id"].as_str().unwrap();
        let got = api
            .bearer(
                &org.key,
                "GET",
                &format!("/v2/objects/leads/records/{display_id}"),
                None,
            )
            .await;
        assert_eq!(got.body, reply.body);
    }
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_values_are_rejected_and_write_nothing() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    table(&api, &org, "Things", "T", "things").await;
    let types = [
        ("text", json!({})),
        ("number", json!({})),
        ("checkbox", json!({})),
        ("currency", json!({})),
        ("date", json!({})),
        ("timestamp", json!({})),
        ("select", json!({"options": ["Lead"]})),
        ("multi", json!({"options": ["Lead"], "array": false})),
        ("record-reference", json!({"link": "things"})),
        ("email-address", json!({})),
        ("phone-number", json!({})),
        ("domain", json!({})),
        ("rating", json!({})),
        ("personal-name", json!({})),
        ("location", json!({})),
    ];
    for (t, extra) in &types {
        let key = t.replace('-', "_");
        let mut schema = extra.clone();
        schema["name"] = json!(t);
        schema["type"] = json!(if *t == "multi" { "select" } else { *t });
        field(&api, &org, "things", json!({"key": key, "schema": schema})).await;
    }
    field(
        &api,
        &org,
        "things",
        json!({"key": "required_text", "schema": {"name": "R", "type": "text", "optional": false}}),
    )
    .await;
    let before = api.items().await;
    let cases: Vec<(&str, Value)> = vec![
        ("text", json!(42)),
        ("text", json!({"value": true})),
        ("text", json!(["a", "b"])),
        ("number", json!("forty")),
        ("number", json!({"value": [1]})),
        ("checkbox", json!("yes")),
        ("checkbox", json!(1)),
        ("currency", json!("ten dollars")),
        ("currency", json!({"currency_value": 10, "currency_code": "US"})),
        ("date", json!("2023-13-01")),
        ("date", json!("01/02/2023")),
        ("timestamp", json!("yesterday")),
        ("timestamp", json!("2023-01-01T15:00:00+25:00")),
        ("select", json!("Nope")),
        ("select", json!(1)),
        ("multi", json!(["Lead", "Lead"])),
        ("record_reference", json!("not-an-object")),
        (
            "record_reference",
            json!({"target_object": "things", "target_record_id": "not-a-uuid"}),
        ),
        (
            "record_reference",
            json!({"target_object": "people", "target_record_id": "2b4e1d2a-8d1c-4f5b-9d7e-1a2b3c4d5e6f"}),
        ),
        ("email_address", json!("jane@")),
        ("email_address", json!({"email_address": 5})),
        ("phone_number", json!("555-1234")),
        (
            "phone_number",
            json!({"original_phone_number": "+15558675309", "country_code": "USA"}),
        ),
        ("domain", json!("not a domain")),
        ("domain", json!(12)),
        ("rating", json!(6)),
        ("rating", json!(-1)),
        ("personal_name", json!(7)),
        ("personal_name", json!({"first_name": "", "last_name": ""})),
        ("location", json!(42)),
        ("location", json!({"latitude": 200})),
        ("location", json!({"country_code": "GBR"})),
        ("nonexistent", json!("x")),
    ];
    for (key, value) in cases {
        let mut values = json!({"required_text": "present"});
        values[key] = value.clone();
        let reply = create(&api, &org, "things", values).await;
        assert_error(&reply, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("data.values.{key}")),
            "{key} = {value}: {message}"
        );
    }
    // A required attribute, missing or empty.
    for values in [json!({}), json!({"required_text": []}), json!({"required_text": null})] {
        let reply = create(&api, &org, "things", values).await;
        assert_error(&reply, 400);
        assert!(reply.body["message"].as_str().unwrap().contains("required_text"));
    }
    // Malformed bodies.
    for body in [
        json!({}),
        json!({"data": {}}),
        json!({"data": {"values": []}}),
        json!({"values": {}}),
    ] {
        let reply = api
            .bearer(&org.key, "POST", "/v2/objects/things/records", Some(&body))
            .await;
        assert_error(&reply, 400);
    }
    let duplicate = r#"{"data": {"values": {"required_text": "a", "required_text": "b"}}}"#;
    let auth = format!("Bearer {}", org.key);
    let reply = api
        .send(
            "POST",
            "/v2/objects/things/records",
            &[("content-type", "application/json"), ("authorization", &auth)],
            duplicate,
        )
        .await;
    assert_error(&reply, 400);
    assert!(reply.body["message"].as_str().unwrap().contains("required_text"));
    assert_eq!(api.items().await, before, "a rejected record changed the store");
}

#[tokio::test]
async fn unique_values_and_missing_references_are_refused() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    seed_tables(&api, &org).await;
    field(
        &api,
        &org,
        "users",
        json!({"key": "email", "unique": true, "schema": {"name": "Email", "type": "email-address"}}),
    )
    .await;
    record_id(&create(&api, &org, "users", json!({"email": "ada@example.com"})).await);
    // The same address, differently cased: a uniqueness conflict, a 400 with the one code
    // Attio's OpenAPI lists for a create's 400, value_not_found.
    let reply = create(&api, &org, "users", json!({"email": "ADA@example.com"})).await;
    assert_error(&reply, 400);
    assert_eq!(reply.body["code"], "value_not_found");
    assert!(reply.body["message"].as_str().unwrap().contains("email"));
    assert_eq!(api.items_with_pk_prefix("UNIQUE#").await.len(), 1);

    let missing = "2b4e1d2a-8d1c-4f5b-9d7e-1a2b3c4d5e6f";
    let reply = create(
        &api,
        &org,
        "workspaces",
        json!({"company": {"target_object": "companies", "target_record_id": missing}}),
    )
    .await;
    assert_error(&reply, 400);
    assert_eq!(reply.body["code"], "value_not_found");
    assert!(reply.body["message"].as_str().unwrap().contains(missing));
    // A record of the wrong table is not a valid target either.
    let user = record_id(&create(&api, &org, "users", json!({"name": "Bob"})).await);
    let reply = create(
        &api,
        &org,
        "workspaces",
        json!({"company": {"target_object": "companies", "target_record_id": user}}),
    )
    .await;
    assert_error(&reply, 400);
    assert_eq!(reply.body["code"], "value_not_found");
    assert!(api
        .items_with_pk_prefix("REC#")
        .await
        .iter()
        .all(|r| !text(r, "table_id").is_empty()));
    assert_eq!(
        api.items_with_pk_prefix("REC#").await.len(),
        2,
        "no workspace record was written"
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn another_org_cannot_read_create_in_or_reference_records() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    seed_tables(&api, &a).await;
    seed_tables(&api, &b).await;
    let company = create(&api, &a, "companies", json!({"name": "A's company"})).await;
    let company_id = record_id(&company);
    let a_table = company.body["data"]["id"]["object_id"].as_str().unwrap().to_string();
    let before = api.items().await;

    // B's key, A's table id: not found. B's own "companies" does not hold A's record.
    assert_error(
        &api.bearer(
            &b.key,
            "GET",
            &format!("/v2/objects/{a_table}/records/{company_id}"),
            None,
        )
        .await,
        404,
    );
    assert_error(
        &api.bearer(
            &b.key,
            "GET",
            &format!("/v2/objects/companies/records/{company_id}"),
            None,
        )
        .await,
        404,
    );
    assert_error(
        &api.bearer(&b.key, "GET", "/v2/objects/companies/records/COMP-1", None)
            .await,
        404,
    );
    assert_error(&create(&api, &b, &a_table, json!({"name": "intruder"})).await, 404);
    let before_b = api.items().await;
    assert_eq!(before_b, before);
    // Referencing A's record from B's workspace.
    let reply = create(
        &api,
        &b,
        "workspaces",
        json!({"company": {"target_object": "companies", "target_record_id": company_id}}),
    )
    .await;
    assert_error(&reply, 400);
    assert_eq!(reply.body["code"], "value_not_found");
    assert_eq!(api.items_with_pk_prefix("REC#").await.len(), 1, "B wrote no record");
    assert_eq!(
        api.org_partition(a.id).await.len(),
        before
            .iter()
            .filter(|i| text(i, "PK") == format!("ORG#{}", a.id))
            .count()
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn unknown_objects_and_records_are_404() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    table(&api, &org, "Leads", "LEAD", "leads").await;
    assert_error(&create(&api, &org, "nothing", json!({})).await, 404);
    for id in [
        "LEAD-1",
        "LEAD-0",
        "LEAD-01",
        "OTHER-1",
        "2b4e1d2a-8d1c-4f5b-9d7e-1a2b3c4d5e6f",
        "x",
    ] {
        assert_error(
            &api.bearer(&org.key, "GET", &format!("/v2/objects/leads/records/{id}"), None)
                .await,
            404,
        );
    }
}

#[tokio::test]
async fn oversized_records_get_413() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    table(&api, &org, "Notes", "N", "notes").await;
    for key in ["a", "b", "c", "d", "e"] {
        field(
            &api,
            &org,
            "notes",
            json!({"key": key, "schema": {"name": key, "type": "text"}}),
        )
        .await;
    }
    // 450,000 bytes of values: each within a text value's limit, together over DynamoDB's
    // 400 KB item limit.
    let big = "x".repeat(90_000);
    let before = api.items().await;
    let values = json!({"a": big, "b": big, "c": big, "d": big, "e": big});
    let reply = create(&api, &org, "notes", values).await;
    assert_error(&reply, 413);
    assert_eq!(api.items().await, before);
}

/// A reference may name its target by a unique attribute of the target's (Attio's
/// `{"target_object": "users", "email": "ada@example.com"}`): it finds that record, and is
/// refused, writing nothing, when no record holds the value or the attribute is not unique.
#[tokio::test]
async fn a_reference_by_a_matching_attribute_finds_its_record_or_is_refused() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    seed_tables(&api, &org).await;
    let email = json!({"key": "email", "unique": true, "schema": {"name": "Email", "type": "email-address"}});
    field(&api, &org, "users", email).await;
    let ada = record_id(&create(&api, &org, "users", json!({"name": "Ada", "email": "ada@example.com"})).await);

    let by_email = json!({"users": [{"target_object": "users", "email": "ADA@example.com"}]});
    let reply = create(&api, &org, "workspaces", by_email).await;
    assert_eq!(record_id(&reply).len(), 36);
    assert_eq!(reply.body["data"]["values"]["users"][0]["target_record_id"], ada);

    let records_before = api.items().await.len();
    for (values, needle) in [
        (
            json!({"users": [{"target_object": "users", "email": "bob@example.com"}]}),
            "no record",
        ),
        (
            json!({"users": [{"target_object": "users", "name": "Ada"}]}),
            "not unique",
        ),
        (
            json!({"users": [{"target_object": "companies", "email": "ada@example.com"}]}),
            "target_object",
        ),
        (
            json!({"users": [{"target_object": "users", "nickname": "x"}]}),
            "no attribute",
        ),
    ] {
        let reply = create(&api, &org, "workspaces", values.clone()).await;
        assert_error(&reply, 400);
        assert_eq!(reply.body["code"], "value_not_found", "{values}");
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains(needle), "{values}: {message}");
    }
    assert_eq!(
        api.items().await.len(),
        records_before,
        "a refused create writes nothing"
    );
    api.assert_audit_clean().await;
}

/// An actor reference names one of the organization's members, by email or by the member
/// id the API shows; anyone else (another organization's user included) is refused.
#[tokio::test]
async fn actor_references_name_members_of_the_organization_only() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Other", "stranger").await;
    table(&api, &org, "Deals", "DEAL", "deals").await;
    let owner = json!({"key": "owner", "schema": {"name": "Owner", "type": "actor-reference"}});
    field(&api, &org, "deals", owner).await;
    let reply = create(&api, &org, "deals", json!({"owner": "OWNER@example.com"})).await;
    record_id(&reply);
    let member = reply.body["data"]["values"]["owner"][0]["referenced_actor_id"].clone();
    assert_eq!(
        reply.body["data"]["values"]["owner"][0]["referenced_actor_type"],
        "workspace-member"
    );
    let by_id = json!({"owner": {"referenced_actor_type": "workspace-member", "referenced_actor_id": member}});
    record_id(&create(&api, &org, "deals", by_id).await);

    let stranger_id = shared::domain::organization::OrgId(other.id).member_id(1).to_string();
    for values in [
        json!({"owner": "stranger@example.com"}),
        json!({"owner": {"workspace_member_email_address": "nobody@example.com"}}),
        json!({"owner": {"referenced_actor_type": "workspace-member", "referenced_actor_id": stranger_id}}),
    ] {
        let reply = create(&api, &org, "deals", values.clone()).await;
        assert_error(&reply, 400);
        assert_eq!(reply.body["code"], "value_not_found", "{values}");
    }
    let reply = create(
        &api,
        &org,
        "deals",
        json!({"owner": {"referenced_actor_type": "api-token", "referenced_actor_id": member}}),
    )
    .await;
    assert_error(&reply, 400);
    api.assert_audit_clean().await;
}
