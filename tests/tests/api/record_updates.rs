//! Records after create: query, PATCH, PUT, assert and DELETE.

use std::collections::BTreeSet;

use api_tests::{assert_error, display_numbers, text, Org, Reply, TestApi};
use serde_json::{json, Value};

async fn setup(api: &TestApi, org: &Org) {
    let tables = [("Companies", "CO", "companies"), ("People", "P", "people")];
    for (name, prefix, slug) in tables {
        let body = json!({"name": name, "record_prefix": prefix, "api_slug": slug});
        assert_eq!(
            api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await.status,
            200
        );
    }
    let fields = [
        json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}}),
        json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}}),
        json!({"key": "revenue", "schema": {"name": "Revenue", "type": "currency"}}),
        json!({"key": "founded", "schema": {"name": "Founded", "type": "date"}}),
        json!({"key": "seen", "schema": {"name": "Seen", "type": "timestamp"}}),
        json!({"key": "tags", "schema": {"name": "Tags", "type": "select", "array": true, "options": ["a", "b", "c"]}}),
        json!({"key": "people", "schema": {"name": "People", "type": "record-reference", "link": "people", "array": true}}),
    ];
    for body in fields {
        let reply = api
            .bearer(&org.key, "POST", "/orgs/c/tables/companies/fields", Some(&body))
            .await;
        assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    }
}

async fn create(api: &TestApi, org: &Org, object: &str, values: Value) -> Reply {
    let reply = api.create_record(&org.key, object, &values).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply
}

async fn query(api: &TestApi, org: &Org, body: Value) -> Reply {
    api.bearer(&org.key, "POST", "/v2/objects/companies/records/query", Some(&body))
        .await
}

fn names(reply: &Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", reply.body))
        .iter()
        .map(|r| r["values"]["name"][0]["value"].as_str().unwrap_or("").to_string())
        .collect()
}

fn id(reply: &Reply) -> String {
    reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_query_over_a_thousand_records_pages_through_each_once() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    // Straight into the table: the paging, not the create, is what this test is about.
    api.seed_records(&org, "companies", 1000, |n| json!({"name": format!("c{n}")}))
        .await;
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    for offset in (0..1100).step_by(100) {
        let page = query(&api, &org, json!({"limit": 100, "offset": offset})).await;
        assert_eq!(page.status, 200);
        for record in page.body["data"].as_array().unwrap() {
            assert!(
                seen.insert(record["display_id"].as_str().unwrap().to_string()),
                "a record came twice"
            );
        }
        pages += 1;
    }
    assert_eq!(seen.len(), 1000);
    assert_eq!(pages, 11);
    let default = query(&api, &org, json!({})).await;
    assert_eq!(
        default.body["data"].as_array().unwrap().len(),
        500,
        "limit defaults to 500"
    );
    assert_eq!(default.body["data"][0]["display_id"], "CO-1", "by display number");
    // Filtered in display-number order, the index is read until the page is full: the
    // page after an offset is the same records as the offset's part of a longer page.
    let filter = json!({"name": {"$ends_with": "7"}});
    let long = query(&api, &org, json!({"filter": filter, "limit": 100})).await;
    let long = display_numbers(&long);
    assert_eq!(long.len(), 100, "c7, c17, ... c997");
    assert!(long.windows(2).all(|w| w[0] < w[1]), "by display number");
    let page = query(&api, &org, json!({"filter": filter, "limit": 5, "offset": 3})).await;
    assert_eq!(display_numbers(&page), long[3..8]);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn filters_and_sorts() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let rows = [
        ("Alpha", 10, 100.0, "2001-01-01", "2024-01-01T00:00:00Z", json!(["a"])),
        (
            "Beta",
            50,
            250.5,
            "2010-06-15",
            "2024-06-01T12:00:00Z",
            json!(["a", "b"]),
        ),
        (
            "Gamma",
            200,
            1000.0,
            "2020-12-31",
            "2025-01-01T00:00:00+02:00",
            json!(["c"]),
        ),
        ("Delta", 75, 75.0, "1999-03-03", "2023-03-03T03:03:03Z", json!([])),
    ];
    for (name, employees, revenue, founded, seen, tags) in rows {
        create(&api, &org, "companies", json!({"name": name, "employees": employees, "revenue": revenue, "founded": founded, "seen": seen, "tags": tags})).await;
    }
    let cases = [
        (json!({"name": "Beta"}), vec!["Beta"]),
        (json!({"name": {"$eq": "Gamma"}}), vec!["Gamma"]),
        (json!({"name": {"$contains": "ta"}}), vec!["Beta", "Delta"]),
        (json!({"employees": {"$gt": 50}}), vec!["Gamma", "Delta"]),
        (json!({"employees": {"$gte": 50, "$lt": 200}}), vec!["Beta", "Delta"]),
        (json!({"revenue": {"$lte": 100}}), vec!["Alpha", "Delta"]),
        (json!({"founded": {"$lt": "2005-01-01"}}), vec!["Alpha", "Delta"]),
        (json!({"seen": {"$gte": "2024-06-01T12:00:00Z"}}), vec!["Beta", "Gamma"]),
        (json!({"tags": "a"}), vec!["Alpha", "Beta"]),
        (
            json!({"$or": [{"name": "Alpha"}, {"employees": {"$gt": 100}}]}),
            vec!["Alpha", "Gamma"],
        ),
        (
            json!({"$and": [{"tags": "a"}, {"employees": {"$gt": 20}}]}),
            vec!["Beta"],
        ),
        (
            json!({"revenue": {"currency_code": "USD"}}),
            vec!["Alpha", "Beta", "Gamma", "Delta"],
        ),
    ];
    for (filter, expected) in cases {
        let reply = query(&api, &org, json!({"filter": filter})).await;
        assert_eq!(reply.status, 200, "{filter}: {:?}", reply.body);
        assert_eq!(names(&reply), expected, "{filter}");
    }
    let sorted = query(
        &api,
        &org,
        json!({"sorts": [{"attribute": "employees", "direction": "desc"}]}),
    )
    .await;
    assert_eq!(names(&sorted), ["Gamma", "Delta", "Beta", "Alpha"]);
    let sorted = query(
        &api,
        &org,
        json!({"sorts": [{"attribute": "name", "direction": "asc"}], "limit": 2, "offset": 1}),
    )
    .await;
    assert_eq!(names(&sorted), ["Beta", "Delta"]);

    for bad in [
        json!({"filter": {"nope": 1}}),
        json!({"filter": {"$xor": []}}),
        json!({"filter": {"name": {"$gt": "A"}}}),
        json!({"filter": {"employees": {"$gt": "many"}}}),
        json!({"filter": {"employees": {"$between": [1, 2]}}}),
        json!({"filter": {"$and": {"name": "x"}}}),
        json!({"filter": "name = x"}),
        json!({"filter": {"founded": {"$lt": "yesterday"}}}),
        json!({"sorts": [{"attribute": "nope"}]}),
        json!({"sorts": [{"attribute": "name", "direction": "sideways"}]}),
    ] {
        let reply = query(&api, &org, bad.clone()).await;
        assert_error(&reply, 400);
        assert_eq!(reply.body["code"], "filter_error", "{bad}");
    }
    for bad in [json!({"limit": 0}), json!({"limit": 1001}), json!({"offset": -1})] {
        assert_error(&query(&api, &org, bad).await, 400);
    }
}

#[tokio::test]
async fn patch_appends_put_overwrites_and_history_is_kept() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let created = create(
        &api,
        &org,
        "companies",
        json!({"name": "Acme", "tags": ["a"], "employees": 5}),
    )
    .await;
    let path = format!("/v2/objects/companies/records/{}", id(&created));
    let patch = json!({"data": {"values": {"tags": ["b"], "employees": 6}}});
    let reply = api.bearer(&org.key, "PATCH", &path, Some(&patch)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let titles = |r: &Reply| -> Vec<String> {
        r.body["data"]["values"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["option"]["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        titles(&reply),
        ["b", "a"],
        "PATCH prepends to multiselect, as Attio does"
    );
    assert_eq!(reply.body["data"]["values"]["employees"].as_array().unwrap().len(), 1);
    assert_eq!(reply.body["data"]["values"]["employees"][0]["value"], 6);
    assert_eq!(
        reply.body["data"]["values"]["name"][0]["value"], "Acme",
        "unsent attributes stay"
    );
    let put = json!({"data": {"values": {"tags": ["c"]}}});
    let reply = api.bearer(&org.key, "PUT", &path, Some(&put)).await;
    assert_eq!(titles(&reply), ["c"], "PUT overwrites multiselect");
    // GET by display id agrees.
    let got = api
        .bearer(&org.key, "GET", "/v2/objects/companies/records/CO-1", None)
        .await;
    assert_eq!(got.body, reply.body);

    // The history is in the store, beside the record: one item per write that ended
    // values, each value with its active_until; the record's item holds current values.
    let stored = api.items_with_pk_prefix(&format!("REC#{}", id(&created))).await;
    let (histories, records): (Vec<_>, Vec<_>) = stored.iter().partition(|i| text(i, "SK").starts_with("HIST#"));
    assert_eq!(
        (histories.len(), records.len()),
        (2, 1),
        "a PATCH and a PUT ended values"
    );
    let ended: usize = histories
        .iter()
        .map(|h| {
            format!("{:?}", h.get("values").unwrap())
                .matches("active_until\": S(")
                .count()
        })
        .sum();
    assert_eq!(ended, 3, "employees 5, tags a and b were replaced: {histories:?}");
    let current = format!("{:?}", records[0].get("values").unwrap());
    assert!(!current.contains("active_until\": S("), "{current}");
    let historic = api
        .bearer(
            &org.key,
            "GET",
            &format!("{path}/attributes/tags/values?show_historic=true"),
            None,
        )
        .await;
    let shown: Vec<(&str, bool)> = historic.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["option"]["title"].as_str().unwrap(), v["active_until"].is_null()))
        .collect();
    assert_eq!(shown, [("a", false), ("b", false), ("c", true)], "oldest first");

    let before = api.items().await;
    for body in [
        json!({"data": {"values": {"employees": "many"}}}),
        json!({"data": {"values": {"nope": 1}}}),
        json!({"data": {}}),
        json!({"data": {"values": {"people": [{"target_object": "people", "target_record_id": id(&created)}]}}}),
    ] {
        assert_error(&api.bearer(&org.key, "PATCH", &path, Some(&body)).await, 400);
    }
    assert_eq!(api.items().await, before);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn unique_values_move_with_updates_and_deletes() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let first = create(&api, &org, "companies", json!({"domain": "acme.com"})).await;
    let path = format!("/v2/objects/companies/records/{}", id(&first));
    // Taken while the first record holds it.
    let reply = api
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/companies/records",
            Some(&json!({"data": {"values": {"domain": "acme.com"}}})),
        )
        .await;
    assert_error(&reply, 400);
    // Attio's OpenAPI lists one 400 code for a create: value_not_found.
    assert_eq!(reply.body["code"], "value_not_found");
    // Renaming frees the old value in the same transaction.
    let reply = api
        .bearer(
            &org.key,
            "PATCH",
            &path,
            Some(&json!({"data": {"values": {"domain": "acme.io"}}})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let second = create(&api, &org, "companies", json!({"domain": "acme.com"})).await;
    assert_eq!(api.items_with_pk_prefix("UNIQUE#").await.len(), 2);
    // Deleting frees it too.
    let reply = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({}));
    create(&api, &org, "companies", json!({"domain": "acme.io"})).await;
    assert_error(&api.bearer(&org.key, "GET", &path, None).await, 404);
    assert_error(&api.bearer(&org.key, "DELETE", &path, None).await, 404);
    assert_error(
        &api.bearer(&org.key, "PATCH", &path, Some(&json!({"data": {"values": {}}})))
            .await,
        404,
    );
    let _ = second;
    api.assert_audit_clean().await;
}

/// References to people records, as Attio takes them.
fn people_refs(ids: &[&str]) -> Value {
    ids.iter()
        .map(|id| json!({"target_object": "people", "target_record_id": id}))
        .collect()
}

/// The `people` references of a company, as their target ids.
async fn people_of(api: &TestApi, org: &Org, company: &str) -> Vec<String> {
    let path = format!("/v2/objects/companies/records/{company}");
    let reply = api.bearer(&org.key, "GET", &path, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]["values"]["people"]
        .as_array()
        .map(|refs| {
            refs.iter()
                .map(|r| r["target_record_id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn deleting_a_referenced_record_takes_the_references_to_it_away() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let ada = id(&create(&api, &org, "people", json!({"name": "Ada"})).await);
    let bob = id(&create(&api, &org, "people", json!({"name": "Bob"})).await);
    let acme = id(&create(
        &api,
        &org,
        "companies",
        json!({"name": "Acme", "people": people_refs(&[&ada, &bob])}),
    )
    .await);
    let beta = id(&create(
        &api,
        &org,
        "companies",
        json!({"name": "Beta", "people": people_refs(&[&ada])}),
    )
    .await);
    let ada_path = format!("/v2/objects/people/records/{ada}");
    let reply = api.bearer(&org.key, "DELETE", &ada_path, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(api.bearer(&org.key, "GET", &ada_path, None).await.status, 404);
    assert_eq!(people_of(&api, &org, &acme).await, vec![bob.clone()]);
    assert_eq!(people_of(&api, &org, &beta).await, Vec::<String>::new());
    // Each referencing record was written anew: the reference ended, as an update ends it.
    let historic = format!("/v2/objects/companies/records/{beta}/attributes/people/values?show_historic=true");
    let reply = api.bearer(&org.key, "GET", &historic, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let values = reply.body["data"].as_array().unwrap();
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(values[0]["target_record_id"], ada.as_str());
    assert!(values[0]["active_until"].is_string(), "{values:?}");
    // A reference to the deleted record is refused.
    let company_path = format!("/v2/objects/companies/records/{acme}");
    let again = json!({"data": {"values": {"people": people_refs(&[&ada])}}});
    let reply = api.bearer(&org.key, "PATCH", &company_path, Some(&again)).await;
    assert_error(&reply, 400);
    // Attio's OpenAPI lists one 400 code for a record update: missing_value.
    assert_eq!(reply.body["code"], "missing_value");
    // SmartSuite's soft delete takes references away as well.
    let smartsuite = format!("/api/v1/applications/people/records/{bob}/");
    let reply = api.token(&org.key, org.id, "DELETE", &smartsuite, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(people_of(&api, &org, &acme).await, Vec::<String>::new());
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_record_referenced_by_150_records_is_deleted_with_every_reference() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let ada = id(&create(&api, &org, "people", json!({"name": "Ada"})).await);
    let bob = id(&create(&api, &org, "people", json!({"name": "Bob"})).await);
    let seeded = api
        .seed_records(&org, "companies", 150, |n| {
            let people = if n.is_multiple_of(2) {
                people_refs(&[&ada, &bob])
            } else {
                people_refs(&[&ada])
            };
            json!({"name": format!("c{n}"), "people": people})
        })
        .await;
    api.assert_audit_clean().await;
    let reply = api
        .bearer(&org.key, "DELETE", &format!("/v2/objects/people/records/{ada}"), None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let page = query(&api, &org, json!({"limit": 500})).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let companies = page.body["data"].as_array().unwrap();
    assert_eq!(companies.len(), 150);
    for company in companies {
        let name = company["values"]["name"][0]["value"].as_str().unwrap();
        let n: usize = name[1..].parse().unwrap();
        let people: Vec<&str> = company["values"]["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["target_record_id"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = if n.is_multiple_of(2) {
            vec![bob.as_str()]
        } else {
            vec![]
        };
        assert_eq!(people, expected, "company {name}");
    }
    // Every one of them is a new version of itself, its history holding the reference.
    let store = &api.state.store;
    for record in &seeded {
        let now = store
            .record_in_org(shared::domain::organization::OrgId(org.id), &record.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now.version, record.version + 1, "{}", record.id);
    }
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn references_made_before_referrer_items_are_found_and_taken_away() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let ada = id(&create(&api, &org, "people", json!({"name": "Ada"})).await);
    let reference = people_refs(&[&ada]);
    let mut companies = Vec::new();
    for name in ["Acme", "Beta", "Gamma"] {
        companies.push(id(&create(
            &api,
            &org,
            "companies",
            json!({"name": name, "people": reference}),
        )
        .await));
    }
    // As a table written before referrer items holds it: the count, no items. The audit
    // reports each; the backfill writes them; the delete finds them without it too.
    let store = &api.state.store;
    let drop_items = || async {
        for company in &companies[..2] {
            let key = std::collections::HashMap::from([
                (
                    "PK".to_string(),
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("REC#{ada}")),
                ),
                (
                    "SK".to_string(),
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("REFBY#{company}")),
                ),
            ]);
            let out = store
                .client()
                .delete_item()
                .table_name(store.table_name())
                .set_key(Some(key))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
                .send()
                .await
                .unwrap();
            assert!(out.attributes().is_some(), "the referrer item was there");
        }
    };
    drop_items().await;
    let report = store.audit().await.unwrap();
    assert_eq!(report.breaches.len(), 2, "{:?}", report.breaches);
    assert!(report.breaches[0].contains("no referrer item"), "{:?}", report.breaches);
    let backfill = store.backfill_referrers().await.unwrap();
    assert_eq!((backfill.written, backfill.present), (2, 1), "{backfill:?}");
    api.assert_audit_clean().await;
    let again = store.backfill_referrers().await.unwrap();
    assert_eq!((again.written, again.present), (0, 3), "{again:?}");
    drop_items().await;
    let reply = api
        .bearer(&org.key, "DELETE", &format!("/v2/objects/people/records/{ada}"), None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    for company in &companies {
        assert_eq!(people_of(&api, &org, company).await, Vec::<String>::new());
    }
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_record_whose_delete_is_unlinking_it_takes_no_new_reference() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let ada = id(&create(&api, &org, "people", json!({"name": "Ada"})).await);
    let store = &api.state.store;
    let lease = |until: u64| {
        store
            .client()
            .update_item()
            .table_name(store.table_name())
            .key("PK", AttributeValue::S(format!("REC#{ada}")))
            .key("SK", AttributeValue::S("REC".into()))
            .update_expression("SET unlinking_until = :until")
            .expression_attribute_values(":until", AttributeValue::N(until.to_string()))
            .send()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let reference = people_refs(&[&ada]);
    lease(now + 60).await.unwrap();
    let reply = api
        .create_record(&org.key, "companies", &json!({"name": "Acme", "people": reference}))
        .await;
    assert_error(&reply, 400);
    assert_eq!(reply.body["code"], "value_not_found");
    // A lease that ran out (its delete was cut short) keeps nothing from it.
    lease(now - 1).await.unwrap();
    create(&api, &org, "companies", json!({"name": "Acme", "people": reference})).await;
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn assert_upserts_on_a_unique_attribute() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let path = "/v2/objects/companies/records?matching_attribute=domain";
    let first = api
        .bearer(
            &org.key,
            "PUT",
            path,
            Some(&json!({"data": {"values": {"domain": "acme.com", "name": "Acme", "tags": ["a"]}}})),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let second = api
        .bearer(
            &org.key,
            "PUT",
            path,
            Some(&json!({"data": {"values": {"domain": "ACME.com", "name": "Acme Inc", "tags": ["b"]}}})),
        )
        .await;
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(id(&first), id(&second), "the same record is updated");
    assert_eq!(second.body["data"]["values"]["name"][0]["value"], "Acme Inc");
    assert_eq!(
        second.body["data"]["values"]["tags"].as_array().unwrap().len(),
        1,
        "multiselect overwritten"
    );
    let records = api.items_with_pk_prefix("REC#").await;
    assert_eq!(records.iter().filter(|i| text(i, "SK") == "REC").count(), 1);

    let before = api.items().await;
    let reply = api
        .bearer(
            &org.key,
            "PUT",
            "/v2/objects/companies/records?matching_attribute=name",
            Some(&json!({"data": {"values": {"name": "x"}}})),
        )
        .await;
    assert_error(&reply, 400);
    // Attio's OpenAPI lists one 400 code for an assert: value_not_found.
    assert_eq!(reply.body["code"], "value_not_found");
    assert!(reply.body["message"].as_str().unwrap().contains("not unique"));
    for (query, values) in [
        ("", json!({"domain": "x.com"})),
        ("?matching_attribute=nope", json!({"domain": "x.com"})),
        ("?matching_attribute=domain", json!({"name": "no domain"})),
    ] {
        let reply = api
            .bearer(
                &org.key,
                "PUT",
                &format!("/v2/objects/companies/records{query}"),
                Some(&json!({"data": {"values": values}})),
            )
            .await;
        assert_error(&reply, 400);
    }
    assert_eq!(api.items().await, before);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn another_org_cannot_touch_records() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "owner-a").await;
    let b = api.create_org("B", "owner-b").await;
    setup(&api, &a).await;
    setup(&api, &b).await;
    let record = create(&api, &a, "companies", json!({"name": "A's", "domain": "a.com"})).await;
    let object = record.body["data"]["id"]["object_id"].as_str().unwrap().to_string();
    let before = api.items().await;
    let body = json!({"data": {"values": {"name": "B was here"}}});
    for path in [
        format!("/v2/objects/{object}/records/{}", id(&record)),
        format!("/v2/objects/companies/records/{}", id(&record)),
    ] {
        for method in ["PATCH", "PUT", "DELETE"] {
            assert_error(&api.bearer(&b.key, method, &path, Some(&body)).await, 404);
        }
    }
    assert_error(
        &api.bearer(
            &b.key,
            "POST",
            &format!("/v2/objects/{object}/records/query"),
            Some(&json!({})),
        )
        .await,
        404,
    );
    // B's own query sees none of A's records; B's assert on the same domain makes B's own.
    let reply = api
        .bearer(&b.key, "POST", "/v2/objects/companies/records/query", Some(&json!({})))
        .await;
    assert_eq!(reply.body["data"], json!([]));
    assert_eq!(api.items().await, before);
    let reply = api
        .bearer(
            &b.key,
            "PUT",
            "/v2/objects/companies/records?matching_attribute=domain",
            Some(&json!({"data": {"values": {"domain": "a.com"}}})),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_ne!(id(&reply), id(&record));
    assert!(
        api.items_with_pk_prefix("REC#")
            .await
            .iter()
            .filter(|r| text(r, "id") == id(&record))
            .count()
            == 1
    );
    api.assert_audit_clean().await;
}

/// A record's item holds its current values only: the values its writes end go to items of
/// their own, so however often it changes, it stays writable, and its history stays readable.
#[tokio::test]
async fn a_record_survives_ten_thousand_value_changes() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let options: Vec<String> = (0..100).map(|i| format!("t{i}")).collect();
    let field =
        json!({"key": "labels", "schema": {"name": "Labels", "type": "select", "array": true, "options": options}});
    let reply = api
        .bearer(&org.key, "POST", "/orgs/c/tables/companies/fields", Some(&field))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // 8.7 KB of current values, as in the report of records that stopped taking writes.
    let notes = "n".repeat(8_700);
    let created = create(&api, &org, "companies", json!({"name": notes, "labels": options[..50]})).await;
    let path = format!("/v2/objects/companies/records/{}", id(&created));
    // Each PUT swaps the 50 labels for the other 50: 50 values end, 50 begin.
    for write in 0..200 {
        let half = if write % 2 == 0 { &options[50..] } else { &options[..50] };
        let put = json!({"data": {"values": {"labels": half}}});
        let reply = api.bearer(&org.key, "PUT", &path, Some(&put)).await;
        assert_eq!(reply.status, 200, "write {write}: {:?}", reply.body);
    }
    let patch = json!({"data": {"values": {"employees": 7}}});
    let reply = api.bearer(&org.key, "PATCH", &path, Some(&patch)).await;
    assert_eq!(reply.status, 200, "still writable: {:?}", reply.body);
    assert_eq!(reply.body["data"]["values"]["labels"].as_array().unwrap().len(), 50);
    let values = |query: &'static str| {
        let (api, org, path) = (&api, &org, &path);
        async move {
            let reply = api
                .bearer(
                    &org.key,
                    "GET",
                    &format!("{path}/attributes/labels/values{query}"),
                    None,
                )
                .await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            reply.body["data"].as_array().unwrap().clone()
        }
    };
    let all = values("?show_historic=true").await;
    assert_eq!(all.len(), 10_050, "10,000 ended values and the 50 current ones");
    assert_eq!(all.iter().filter(|v| v["active_until"].is_null()).count(), 50);
    assert_eq!(values("").await.len(), 50);
    let page = values("?show_historic=true&limit=10&offset=10000").await;
    assert_eq!(page.len(), 10);
    let stored = api.items_with_pk_prefix(&format!("REC#{}", id(&created))).await;
    let record = stored.iter().find(|i| text(i, "SK") == "REC").unwrap();
    let bytes = format!("{:?}", record.get("values").unwrap()).len();
    assert!(bytes < 40_000, "the item is its current values: {bytes} bytes");
    // A delete takes the history with it.
    let reply = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert!(api
        .items_with_pk_prefix(&format!("REC#{}", id(&created)))
        .await
        .is_empty());
    api.assert_audit_clean().await;
}

/// The values of `attribute` of the record at `path`, through `api`, with `query`.
async fn values_of(api: &TestApi, org: &Org, path: &str, attribute: &str, query: &str) -> Reply {
    let path = format!("{path}/attributes/{attribute}/values{query}");
    api.bearer(&org.key, "GET", &path, None).await
}

/// A page of history reads the history items it needs, not the whole history: through a
/// container whose reads may examine at most 12 items, the first pages of a 60-write
/// history answer, in the order the whole history has, and a page deep in it is refused.
#[tokio::test]
async fn a_page_of_history_reads_only_the_items_it_needs() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    setup(&api, &org).await;
    let created = create(
        &api,
        &org,
        "companies",
        json!({"name": "Acme", "employees": 0, "tags": ["a"]}),
    )
    .await;
    let path = format!("/v2/objects/companies/records/{}", id(&created));
    // `employees` changes at every write; tag `a` stays current while `b` and `c` alternate.
    for n in 1..=60 {
        let tags = if n % 2 == 0 { ["a", "b"] } else { ["a", "c"] };
        let put = json!({"data": {"values": {"employees": n, "tags": tags}}});
        let reply = api.bearer(&org.key, "PUT", &path, Some(&put)).await;
        assert_eq!(reply.status, 200, "write {n}: {:?}", reply.body);
    }
    let data = |reply: Reply| {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["data"].as_array().unwrap().clone()
    };
    let all = data(values_of(&api, &org, &path, "employees", "?show_historic=true").await);
    assert_eq!(all.len(), 61);
    let bounded = api.with_scan_limit(12).await;
    for offset in [0, 5] {
        let query = format!("?show_historic=true&limit=5&offset={offset}");
        let page = data(values_of(&bounded, &org, &path, "employees", &query).await);
        assert_eq!(page, all[offset..offset + 5], "offset {offset}");
    }
    let deep = values_of(
        &bounded,
        &org,
        &path,
        "employees",
        "?show_historic=true&limit=5&offset=40",
    )
    .await;
    assert_error(&deep, 400);
    assert_eq!(deep.body["code"], "validation_type");
    // Tag `a` is current since the create and began before every value that ended: no
    // page is settled before the last item, so a page needs the whole history.
    let first = values_of(&bounded, &org, &path, "tags", "?show_historic=true&limit=5").await;
    assert_error(&first, 400);
    let tags = data(values_of(&api, &org, &path, "tags", "?show_historic=true").await);
    assert_eq!(tags.len(), 61, "a, and b and c 30 times each");
    assert!(tags[0]["active_until"].is_null(), "a, current and oldest: {}", tags[0]);
    for offset in (0..tags.len()).step_by(7) {
        let query = format!("?show_historic=true&limit=7&offset={offset}");
        let page = data(values_of(&api, &org, &path, "tags", &query).await);
        assert_eq!(page, tags[offset..(offset + 7).min(tags.len())], "offset {offset}");
    }
}
