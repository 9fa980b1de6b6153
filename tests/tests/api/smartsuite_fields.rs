//! SmartSuite's table and field writes over the one domain: a table made with its
//! structure, fields added one at a time or in bulk, and a changed field, each read back as
//! Attio's object and attributes; a refused write (a bad field, a taken slug, a type this
//! API does not store) leaves the table as it was.

use api_tests::{assert_error, Org, TestApi};
use serde_json::{json, Value};

async fn solution_id(api: &TestApi, org: &Org) -> String {
    let list = api.token(&org.key, org.id, "GET", "/api/v1/solutions/", None).await;
    list.body[0]["id"]
        .as_str()
        .expect("the workspace's solution")
        .to_string()
}

fn field<'a>(table: &'a Value, slug: &str) -> &'a Value {
    table["structure"]
        .as_array()
        .expect("a structure")
        .iter()
        .find(|f| f["slug"] == slug)
        .unwrap_or_else(|| panic!("no field {slug} in {table}"))
}

fn slugs(table: &Value) -> Vec<String> {
    table["structure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["slug"].as_str().unwrap().to_string())
        .collect()
}

async fn application(api: &TestApi, org: &Org, slug: &str) -> Value {
    let reply = api
        .token(&org.key, org.id, "GET", &format!("/api/v1/applications/{slug}/"), None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_table_made_with_its_structure_is_every_dialects_table() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let people = api.create_table(&org.key, "People", "PE", "people").await;
    let solution = solution_id(&api, &org).await;
    let body = json!({
        "name": "Sales Deals",
        "solution": solution,
        "structure": [
            {"slug": "title", "label": "Title", "field_type": "recordtitlefield"},
            {"slug": "code", "label": "Code", "field_type": "textfield", "params": {"unique": true, "required": true}},
            {"slug": "amount", "label": "Amount", "field_type": "currencyfield", "params": {"help_text": "In dollars"}},
            {"slug": "stage", "label": "Stage", "field_type": "singleselectfield",
             "params": {"choices": [{"label": "Lead", "value": "x1"}, {"label": "Won", "value": "x2"}]}},
            {"slug": "closes", "label": "Closes", "field_type": "datefield", "params": {"include_time": true}},
            {"slug": "contacts", "label": "Contacts", "field_type": "linkedrecordfield",
             "params": {"linked_application": people["id"], "entries_allowed": "multiple"}},
            {"label": "Notes", "field_type": "textfield", "is_new": true}
        ]
    });
    let made = api
        .token(&org.key, org.id, "POST", "/api/v1/applications/", Some(&body))
        .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let table = made.body;
    assert_eq!(table["name"], "Sales Deals");
    assert_eq!(table["slug"], "sales_deals");
    assert_eq!(table["solution"], json!(solution));
    let shown = slugs(&table);
    // The table's own title field first, the recordtitlefield skipped, the rest in order;
    // a field sent without a slug got one as SmartSuite makes them.
    assert_eq!(&shown[..6], ["name", "code", "amount", "stage", "closes", "contacts"]);
    assert!(shown[6].len() == 10 && shown[6].starts_with('s'), "{shown:?}");
    assert_eq!(
        field(&table, "name")["label"],
        "Title",
        "the recordtitlefield names the title field"
    );
    assert_eq!(field(&table, "name")["params"]["primary"], true);
    assert_eq!(field(&table, "code")["params"]["unique"], true);
    assert_eq!(field(&table, "code")["params"]["required"], true);
    assert_eq!(field(&table, "amount")["params"]["help_text"], "In dollars");
    assert_eq!(field(&table, "closes")["params"]["include_time"], true);
    assert_eq!(field(&table, "contacts")["params"]["linked_application"], people["id"]);
    let labels: Vec<&Value> = field(&table, "stage")["params"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["label"])
        .collect();
    assert_eq!(labels, [&json!("Lead"), &json!("Won")]);
    assert_eq!(application(&api, &org, "sales_deals").await, table);

    // Attio sees the object and its attributes; a record written through SmartSuite's
    // route reads back through Attio's.
    let attributes = api
        .bearer(&org.key, "GET", "/v2/objects/sales_deals/attributes", None)
        .await;
    assert_eq!(attributes.status, 200, "{:?}", attributes.body);
    let types: Vec<(String, String)> = attributes.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["api_slug"].as_str().unwrap().into(),
                a["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    for expected in [
        ("code", "text"),
        ("amount", "currency"),
        ("stage", "select"),
        ("closes", "timestamp"),
    ] {
        assert!(
            types.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {types:?}"
        );
    }
    let record = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{}/records/", table["id"].as_str().unwrap()),
            Some(&json!({"title": "Big deal", "code": "D1", "amount": "1200", "stage": "Won"})),
        )
        .await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    let attio = api
        .bearer(
            &org.key,
            "GET",
            &format!(
                "/v2/objects/sales_deals/records/{}",
                record.body["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(attio.status, 200, "{:?}", attio.body);
    assert_eq!(attio.body["data"]["values"]["code"][0]["value"], "D1");
    assert_eq!(attio.body["data"]["values"]["stage"][0]["option"]["title"], "Won");

    // Refused, each before anything is written: the workspace keeps its two tables.
    let refused = [
        (
            json!({"name": "X", "solution": "000000000000000000000000", "structure": []}),
            400,
            "solution",
        ),
        (
            json!({"name": "X", "solution": solution, "structure": [{"slug": "a", "label": "A", "field_type": "formulafield"}]}),
            400,
            "formulafield",
        ),
        (
            json!({"name": "X", "solution": solution, "structure": [{"slug": "name", "label": "A", "field_type": "numberfield"}]}),
            400,
            "structure[0].slug",
        ),
        (
            json!({"name": "X", "solution": solution, "structure": [{"slug": "Bad", "label": "A", "field_type": "textfield"}]}),
            400,
            "structure[0].slug",
        ),
        (
            json!({"name": "X", "solution": solution, "structure": [{"slug": "a", "label": "A", "field_type": "textfield"}, {"slug": "a", "label": "B", "field_type": "numberfield"}]}),
            400,
            "structure[1].slug",
        ),
        (
            json!({"name": "X", "solution": solution, "structure": [{"slug": "l", "label": "L", "field_type": "linkedrecordfield", "params": {"linked_application": "nowhere"}}]}),
            400,
            "structure[0].params.linked_application",
        ),
        (json!({"solution": solution}), 400, "name"),
        (json!({"name": "Sales Deals", "solution": solution}), 409, ""),
    ];
    for (body, status, says) in refused {
        let reply = api
            .token(&org.key, org.id, "POST", "/api/v1/applications/", Some(&body))
            .await;
        assert_error(&reply, status);
        let message = reply.body.to_string();
        assert!(message.contains(says), "{says}: {message}");
    }
    let list = api.token(&org.key, org.id, "GET", "/api/v1/applications/", None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2, "{:?}", list.body);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn fields_added_one_at_a_time_or_in_bulk_are_attio_attributes() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let table = api.create_table(&org.key, "Deals", "DE", "deals").await;
    let id = table["id"].as_str().unwrap().to_string();

    // One field, as the docs' example sends it (`Field_Position` capitalised).
    let body = json!({
        "field": {"slug": "priority", "label": "Priority", "field_type": "singleselectfield",
                  "params": {"choices": [{"label": "High", "value": "c1", "value_color": "#FF5757"}]}, "is_new": true},
        "Field_Position": {"prev_sibling_slug": "name"},
        "auto_fill_structure_layout": true
    });
    let added = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{id}/add_field/"),
            Some(&body),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    assert_eq!(added.body["slug"], "priority");
    assert_eq!(added.body["field_type"], "singleselectfield");
    assert_eq!(added.body["params"]["choices"][0]["label"], "High");
    let attribute = api
        .bearer(&org.key, "GET", "/v2/objects/deals/attributes/priority", None)
        .await;
    assert_eq!(attribute.status, 200, "{:?}", attribute.body);
    assert_eq!(attribute.body["data"]["type"], "select");
    assert_eq!(attribute.body["data"]["title"], "Priority");

    // In bulk, by either spelling of the route; a bulk add is all or none.
    let bulk = |fields: Value| json!({"fields": fields, "set_as_visible_fields_in_reports": []});
    let reply = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{id}/bulk-add-fields/"),
            Some(&bulk(json!([
                {"slug": "amount", "label": "Amount", "field_type": "numberfield"},
                {"slug": "emails", "label": "Emails", "field_type": "emailfield"}
            ]))),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let added: Vec<&Value> = reply.body.as_array().unwrap().iter().map(|f| &f["slug"]).collect();
    assert_eq!(added, [&json!("amount"), &json!("emails")]);
    let reply = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{id}/bulk_add_fields/"),
            Some(&bulk(
                json!([{"slug": "rating", "label": "Rating", "field_type": "ratingfield"}]),
            )),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let before = application(&api, &org, "deals").await;
    assert_eq!(slugs(&before), ["name", "priority", "amount", "emails", "rating"]);
    for (fields, status, says) in [
        (
            json!([{"slug": "fresh", "label": "F", "field_type": "textfield"}, {"slug": "amount", "label": "A", "field_type": "numberfield"}]),
            409,
            "amount",
        ),
        (
            json!([{"slug": "fresh", "label": "F", "field_type": "textfield"}, {"slug": "bad", "label": "B", "field_type": "votefield"}]),
            400,
            "fields[1].field_type",
        ),
        (json!([]), 400, "fields"),
    ] {
        let reply = api
            .token(
                &org.key,
                org.id,
                "POST",
                &format!("/api/v1/applications/{id}/bulk-add-fields/"),
                Some(&bulk(fields)),
            )
            .await;
        assert_error(&reply, status);
        assert!(reply.body.to_string().contains(says), "{says}: {:?}", reply.body);
    }
    assert_eq!(
        application(&api, &org, "deals").await,
        before,
        "a refused bulk add adds nothing"
    );

    // A record uses the new fields through SmartSuite's route and reads back through Attio's.
    let record = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{id}/records/"),
            Some(&json!({"title": "D", "amount": 5, "emails": ["a@example.com"], "rating": 3, "priority": "High"})),
        )
        .await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    let attio = api
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/objects/deals/records/{}", record.body["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(attio.body["data"]["values"]["amount"][0]["value"], 5);
    assert_eq!(
        attio.body["data"]["values"]["emails"][0]["email_address"],
        "a@example.com"
    );

    // Another workspace cannot reach the table.
    let theirs = api
        .token(
            &other.key,
            other.id,
            "POST",
            &format!("/api/v1/applications/{id}/add_field/"),
            Some(&json!({"field": {"slug": "x", "label": "X", "field_type": "textfield"}})),
        )
        .await;
    assert_error(&theirs, 404);
    assert_eq!(application(&api, &org, "deals").await["structure"], before["structure"]);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_changed_field_keeps_its_values_and_archives_the_choices_it_drops() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let table = api.create_table(&org.key, "Deals", "DE", "deals").await;
    let id = table["id"].as_str().unwrap().to_string();
    let add = json!({"field": {"slug": "stage", "label": "Stage", "field_type": "singleselectfield",
        "params": {"choices": [{"label": "Lead"}, {"label": "Won"}]}}});
    let added = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{id}/add_field/"),
            Some(&add),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    let choices = added.body["params"]["choices"].as_array().unwrap().clone();
    let (lead, won) = (choices[0]["value"].clone(), choices[1]["value"].clone());
    let record = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("/api/v1/applications/{id}/records/"),
            Some(&json!({"title": "D", "stage": won})),
        )
        .await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    let record_id = record.body["id"].as_str().unwrap().to_string();

    // As SmartSuite's clients send it: the field read, changed, and sent back whole.
    let mut changed = added.body.clone();
    changed["label"] = json!("Phase");
    changed["params"]["help_text"] = json!("Where the deal is");
    changed["params"]["choices"] = json!([{"label": "Prospect", "value": lead}, {"label": "Paused"}]);
    let reply = api
        .token(
            &org.key,
            org.id,
            "PUT",
            &format!("/api/v1/applications/{id}/change_field/"),
            Some(&changed),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["label"], "Phase");
    assert_eq!(reply.body["params"]["help_text"], "Where the deal is");
    let labels: Vec<&Value> = reply.body["params"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["label"])
        .collect();
    assert_eq!(labels, [&json!("Prospect"), &json!("Paused")]);
    assert_eq!(
        reply.body["params"]["choices"][0]["value"], lead,
        "a renamed choice keeps its value"
    );

    // The record keeps the dropped choice, which Attio shows archived.
    let read = api
        .token(
            &org.key,
            org.id,
            "GET",
            &format!("/api/v1/applications/{id}/records/{record_id}/"),
            None,
        )
        .await;
    assert_eq!(read.body["stage"], won, "{:?}", read.body);
    let options = api
        .bearer(
            &org.key,
            "GET",
            "/v2/objects/deals/attributes/stage/options?show_archived=true",
            None,
        )
        .await;
    let archived: Vec<(&Value, &Value)> = options.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (&o["title"], &o["is_archived"]))
        .collect();
    assert!(archived.contains(&(&json!("Won"), &json!(true))), "{archived:?}");

    // Refused, changing nothing: another type, another uniqueness, a field that is not there.
    let before = application(&api, &org, "deals").await;
    for (body, status) in [
        (json!({"slug": "stage", "label": "S", "field_type": "textfield"}), 400),
        (json!({"slug": "stage", "params": {"unique": true}}), 400),
        (json!({"slug": "stage", "params": {"choices": [{"label": "Won"}]}}), 400),
        (json!({"slug": "nowhere", "label": "N"}), 404),
        (json!({"label": "no slug"}), 400),
    ] {
        let reply = api
            .token(
                &org.key,
                org.id,
                "PUT",
                &format!("/api/v1/applications/{id}/change_field/"),
                Some(&body),
            )
            .await;
        assert_error(&reply, status);
    }
    assert_eq!(application(&api, &org, "deals").await, before);
    api.assert_audit_clean().await;
}

/// The values of `slug` in each record of an Attio query's answer, in order.
fn attio_values(reply: &api_tests::Reply, slug: &str) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["values"][slug][0]["value"].clone())
        .collect()
}

/// SmartSuite's delete_field archives the field (Attio's `is_archived`): no dialect shows,
/// takes, filters or sorts it, and it is no longer required, but its values, unique claims
/// and index entries are kept through later writes, so Attio's `is_archived: false`
/// brings it back whole. The primary field cannot be deleted, and a deleted field's slug
/// stays taken.
#[tokio::test]
async fn a_deleted_field_is_gone_from_every_dialect_and_comes_back_whole() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let table = api.create_table(&org.key, "Deals", "DE", "deals").await;
    let id = table["id"].as_str().unwrap().to_string();
    let code = json!({"key": "code", "unique": true, "schema": {"name": "Code", "type": "text", "optional": false}});
    api.add_field(&org.key, "deals", &code).await;
    let size = json!({"key": "size", "indexed": true, "schema": {"name": "Size", "type": "number"}});
    api.add_field(&org.key, "deals", &size).await;
    for (name, code, size) in [("B", "b-1", 20), ("A", "a-1", 10), ("C", "c-1", 30)] {
        let made = api
            .create_record(&org.key, "deals", &json!({"name": name, "code": code, "size": size}))
            .await;
        assert_eq!(made.status, 200, "{:?}", made.body);
    }
    let smartsuite = |method: &'static str, path: String, body: Option<Value>| {
        let (api, org) = (&api, &org);
        async move { api.token(&org.key, org.id, method, &path, body.as_ref()).await }
    };
    let delete_field = |slug: &'static str| {
        smartsuite(
            "POST",
            format!("/api/v1/applications/{id}/delete_field/"),
            Some(json!({"slug": slug})),
        )
    };

    for slug in ["code", "size"] {
        let deleted = delete_field(slug).await;
        assert_eq!(deleted.status, 200, "{:?}", deleted.body);
        assert_eq!(deleted.body["slug"], slug, "the deleted field is the answer");
    }
    assert_error(&delete_field("code").await, 404);
    assert_error(&delete_field("nothing").await, 404);
    let primary = delete_field("name").await;
    assert_error(&primary, 400);
    assert!(
        primary.body["message"].as_str().unwrap().contains("primary"),
        "{:?}",
        primary.body
    );

    // Gone from every dialect's structure and records.
    assert_eq!(slugs(&application(&api, &org, "deals").await), ["name"]);
    let attributes = api.bearer(&org.key, "GET", "/v2/objects/deals/attributes", None).await;
    let shown: Vec<&Value> = attributes.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["api_slug"])
        .collect();
    assert_eq!(shown, [&json!("name")]);
    let with_archived = api
        .bearer(&org.key, "GET", "/v2/objects/deals/attributes?show_archived=true", None)
        .await;
    let archived: Vec<(&Value, &Value)> = with_archived.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (&a["api_slug"], &a["is_archived"]))
        .collect();
    assert_eq!(
        archived,
        [
            (&json!("name"), &json!(false)),
            (&json!("code"), &json!(true)),
            (&json!("size"), &json!(true))
        ]
    );
    let invent = api
        .bearer(&org.key, "GET", &format!("/orgs/{}/tables/{id}", org.id), None)
        .await;
    let invent_keys: Vec<&Value> = invent.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["key"])
        .collect();
    assert_eq!(invent_keys, [&json!("name")], "{:?}", invent.body);
    let listed = api
        .bearer(&org.key, "POST", "/v2/objects/deals/records/query", Some(&json!({})))
        .await;
    let record_id = listed.body["data"][0]["id"]["record_id"].as_str().unwrap().to_string();
    assert!(
        listed.body["data"][0]["values"].get("code").is_none(),
        "{:?}",
        listed.body
    );
    let read = smartsuite("GET", format!("/api/v1/applications/{id}/records/{record_id}/"), None).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert!(
        read.body.get("code").is_none() && read.body.get("size").is_none(),
        "{:?}",
        read.body
    );

    // Not taken, filtered or sorted by; no longer required; its slug stays taken.
    let with_code = api
        .create_record(&org.key, "deals", &json!({"name": "D", "code": "d-1"}))
        .await;
    assert_error(&with_code, 400);
    let with_size = smartsuite(
        "POST",
        format!("/api/v1/applications/{id}/records/"),
        Some(json!({"title": "D", "size": 5})),
    )
    .await;
    assert_error(&with_size, 400);
    for query in [
        json!({"filter": {"code": "a-1"}}),
        json!({"sorts": [{"attribute": "size", "direction": "asc"}]}),
    ] {
        assert_error(
            &api.bearer(&org.key, "POST", "/v2/objects/deals/records/query", Some(&query))
                .await,
            400,
        );
    }
    let list = json!({"sort": [{"field": "size", "direction": "asc"}]});
    assert_error(
        &smartsuite("POST", format!("/api/v1/applications/{id}/records/list/"), Some(list)).await,
        400,
    );
    let without_code = api.create_record(&org.key, "deals", &json!({"name": "D"})).await;
    assert_eq!(
        without_code.status, 200,
        "the archived required field is not required: {:?}",
        without_code.body
    );
    let again = json!({"field": {"slug": "code", "label": "Code", "field_type": "textfield"}});
    assert_error(
        &smartsuite("POST", format!("/api/v1/applications/{id}/add_field/"), Some(again)).await,
        409,
    );
    // A replace (SmartSuite's PUT writes every field it shows) keeps the hidden values.
    let replaced = smartsuite(
        "PUT",
        format!("/api/v1/applications/{id}/records/{record_id}/"),
        Some(json!({"title": "Renamed"})),
    )
    .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    api.assert_audit_clean().await;

    // Restored through Attio: the values, their uniqueness and the index are as they were.
    for slug in ["code", "size"] {
        let restore = json!({"data": {"is_archived": false}});
        let restored = api
            .bearer(
                &org.key,
                "PATCH",
                &format!("/v2/objects/deals/attributes/{slug}"),
                Some(&restore),
            )
            .await;
        assert_eq!(restored.status, 200, "{:?}", restored.body);
        assert_eq!(restored.body["data"]["is_archived"], false);
    }
    let sorted = json!({"sorts": [{"attribute": "size", "direction": "asc"}]});
    let sorted = api
        .bearer(&org.key, "POST", "/v2/objects/deals/records/query", Some(&sorted))
        .await;
    assert_eq!(
        attio_values(&sorted, "size"),
        [json!(10), json!(20), json!(30), Value::Null]
    );
    assert_eq!(
        attio_values(&sorted, "code"),
        [json!("a-1"), json!("b-1"), json!("c-1"), Value::Null],
        "the values written before the delete are back, the replaced record's too"
    );
    let taken = api
        .create_record(&org.key, "deals", &json!({"name": "E", "code": "b-1"}))
        .await;
    assert_error(&taken, 400);
    assert!(
        taken.body["message"].as_str().unwrap().contains("already used"),
        "{:?}",
        taken.body
    );
    let filtered = api
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/deals/records/query",
            Some(&json!({"filter": {"code": "c-1"}})),
        )
        .await;
    assert_eq!(attio_values(&filtered, "size"), [json!(30)]);
    api.assert_audit_clean().await;
}
