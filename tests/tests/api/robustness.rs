//! Inputs that once crashed a container or got a 5xx, and races that once left orphans or
//! refused commuting writes: one test per finding, each a 4xx or a success now.

use api_tests::{assert_error, join_all, text, Org, TestApi};
use serde_json::{json, Value};

async fn record(api: &TestApi, org: &Org, object: &str, values: Value) -> api_tests::Reply {
    let body = json!({"data": {"values": values}});
    api.bearer(&org.key, "POST", &format!("/v2/objects/{object}/records"), Some(&body))
        .await
}

async fn query(api: &TestApi, org: &Org, object: &str, body: Value) -> api_tests::Reply {
    api.bearer(
        &org.key,
        "POST",
        &format!("/v2/objects/{object}/records/query"),
        Some(&body),
    )
    .await
}

fn ids(reply: &api_tests::Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .expect("a list of records")
        .iter()
        .map(|r| r["display_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn sorts_on_sub_fields_with_missing_values_are_total() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Places", "PL", "places").await;
    let loc = json!({"key": "loc", "schema": {"name": "Location", "type": "location"}});
    api.add_field(&org.key, "places", &loc).await;
    let n = json!({"key": "n", "schema": {"name": "N", "type": "text"}});
    api.add_field(&org.key, "places", &n).await;
    for values in [
        json!({"loc": {"country_code": "GB"}}),
        json!({"loc": {"locality": "London"}}),
        json!({"n": "no location"}),
        json!({"loc": {"locality": "Berlin"}}),
        json!({"loc": {"region": "Kent"}}),
    ] {
        assert_eq!(record(&api, &org, "places", values).await.status, 200);
    }
    let ascending = query(
        &api,
        &org,
        "places",
        json!({"sorts": [{"attribute": "loc", "field": "locality"}]}),
    )
    .await;
    assert_eq!(ascending.status, 200, "{:?}", ascending.body);
    assert_eq!(ids(&ascending), ["PL-4", "PL-2", "PL-1", "PL-3", "PL-5"]);
    let descending = query(
        &api,
        &org,
        "places",
        json!({"sorts": [{"attribute": "loc", "field": "locality", "direction": "desc"}, {"attribute": "n", "direction": "asc"}]}),
    )
    .await;
    assert_eq!(descending.status, 200, "{:?}", descending.body);
    assert_eq!(&ids(&descending)[..2], ["PL-2", "PL-4"], "values first, missing last");
    // The API still answers afterwards: nothing crashed.
    assert_eq!(query(&api, &org, "places", json!({})).await.status, 200);
}

#[tokio::test]
async fn numbers_dates_and_timestamps_outside_what_can_be_stored_are_400() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Deals", "DL", "deals").await;
    for field in [
        json!({"key": "amount", "schema": {"name": "Amount", "type": "number"}}),
        json!({"key": "price", "schema": {"name": "Price", "type": "currency"}}),
        json!({"key": "closed", "schema": {"name": "Closed", "type": "timestamp"}}),
        json!({"key": "day", "schema": {"name": "Day", "type": "date"}}),
    ] {
        api.add_field(&org.key, "deals", &field).await;
    }
    let before = api.items_without_counters().await;
    // The body's numbers are sent as written (serde_json would print 1e-200 otherwise).
    let raw_numbers = [
        "1e200",
        "-1e200",
        "1e-200",
        "5e-324",
        "1.7976931348623157e308",
        "\"1e130\"",
    ];
    for raw in raw_numbers {
        for field in ["amount", "price"] {
            let body = format!(r#"{{"data": {{"values": {{"{field}": {raw}}}}}}}"#);
            let reply = api
                .send(
                    "POST",
                    "/v2/objects/deals/records",
                    &[
                        ("content-type", "application/json"),
                        ("authorization", &format!("Bearer {}", org.key)),
                    ],
                    body,
                )
                .await;
            assert_error(&reply, 400);
            assert!(
                reply.body["message"].as_str().unwrap().contains(field),
                "{raw}: {:?}",
                reply.body
            );
        }
    }
    for (field, value) in [
        ("closed", "9999-12-31T23:59:59-01:00"),
        ("closed", "0000-01-01T00:00:00+01:00"),
        ("day", "-0001-01-01"),
        ("day", "+2024-01-01"),
    ] {
        let reply = record(&api, &org, "deals", json!({field: value})).await;
        assert_error(&reply, 400);
    }
    for filter in [
        json!({"closed": {"$gt": "9999-12-31T23:59:59-01:00"}}),
        json!({"closed": "0000-01-01T00:00:00+01:00"}),
        json!({"day": {"$lt": "-0001-01-01"}}),
    ] {
        assert_error(&query(&api, &org, "deals", json!({"filter": filter})).await, 400);
    }
    assert_eq!(
        api.items_without_counters().await,
        before,
        "nothing refused was written"
    );
    // The edges themselves are fine.
    let edges = json!({"amount": 1e125, "price": -1e-130, "closed": "9999-12-31T23:59:59Z", "day": "0000-01-01"});
    let reply = record(&api, &org, "deals", edges).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

#[tokio::test]
async fn a_record_holds_no_more_references_than_its_delete_can_release() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "People", "P", "people").await;
    api.create_table(&org.key, "Groups", "G", "groups").await;
    let link = json!({"key": "members", "schema": {"name": "Members", "type": "record-reference", "link": "people", "array": true}});
    api.add_field(&org.key, "groups", &link).await;
    let mut people = Vec::new();
    for i in 0..=shared::store::records::MAX_REFERENCES_PER_WRITE {
        let reply = record(&api, &org, "people", json!({"name": format!("P{i}")})).await;
        people.push(reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string());
    }
    let refs = |ids: &[String]| -> Value {
        ids.iter()
            .map(|id| json!({"target_object": "people", "target_record_id": id}))
            .collect()
    };
    // The most references a record write can hold (the transaction's 100 items less the
    // record's own, two a reference).
    let max = shared::store::records::MAX_REFERENCES_PER_WRITE;
    let group = record(&api, &org, "groups", json!({"members": refs(&people[..max])})).await;
    assert_eq!(group.status, 200, "{:?}", group.body);
    let id = group.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    let path = format!("/v2/objects/groups/records/{id}");
    let more = json!({"data": {"values": {"members": refs(&people[max..])}}});
    let reply = api.bearer(&org.key, "PATCH", &path, Some(&more)).await;
    assert_error(&reply, 400);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("at most {}", shared::store::records::MAX_CHECKS_PER_WRITE)),
        "{:?}",
        reply.body
    );
    // SmartSuite's soft delete (its copy in the trash in the same transaction) and the
    // restore (the copy taken out) fit as well, then Attio's delete.
    let smartsuite = format!("/api/v1/applications/groups/records/{id}/");
    let reply = api.token(&org.key, org.id, "DELETE", &smartsuite, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = api
        .token(
            &org.key,
            org.id,
            "POST",
            &format!("{smartsuite}restore/"),
            Some(&json!({})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = api.bearer(&org.key, "DELETE", &path, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn concurrent_appends_and_asserts_all_apply() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let options: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
    let tags = json!({"key": "tags", "schema": {"name": "Tags", "type": "select", "array": true, "options": options}});
    api.add_field(&org.key, "companies", &tags).await;
    let domain = json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}});
    api.add_field(&org.key, "companies", &domain).await;
    assert_eq!(
        record(&api, &org, "companies", json!({"name": "Acme"})).await.status,
        200
    );
    let appends = options.iter().map(|tag| {
        let body = json!({"data": {"values": {"tags": [tag]}}});
        let api = &api;
        let key = org.key.clone();
        async move {
            api.bearer(&key, "PATCH", "/v2/objects/companies/records/CO-1", Some(&body))
                .await
        }
    });
    for reply in join_all(appends).await {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let got = api
        .bearer(&org.key, "GET", "/v2/objects/companies/records/CO-1", None)
        .await;
    let mut titles: Vec<String> = got.body["data"]["values"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["option"]["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    let mut expected = options.clone();
    expected.sort();
    assert_eq!(titles, expected, "every append applied");

    let asserts = (0..12).map(|i| {
        let body = json!({"data": {"values": {"domain": "globex.com", "name": format!("Globex {i}")}}});
        let api = &api;
        let key = org.key.clone();
        async move {
            api.bearer(
                &key,
                "PUT",
                "/v2/objects/companies/records?matching_attribute=domain",
                Some(&body),
            )
            .await
        }
    });
    let replies = join_all(asserts).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let globex: Vec<&Value> = replies.iter().map(|r| &r.body["data"]["id"]["record_id"]).collect();
    assert!(globex.windows(2).all(|w| w[0] == w[1]), "one record for one value");
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_definition_too_large_for_one_item_is_413() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Wide", "W", "wide").await;
    let field = |i: usize| {
        let options: Vec<String> = (0..500).map(|o| format!("{o:03}-{}", "x".repeat(120))).collect();
        json!({"key": format!("s{i}"), "schema": {"name": format!("S{i}"), "type": "select", "options": options}})
    };
    let mut refused = None;
    for i in 0..8 {
        let reply = api
            .bearer(&org.key, "POST", "/orgs/c/tables/wide/fields", Some(&field(i)))
            .await;
        if reply.status != 200 {
            refused = Some(reply);
            break;
        }
    }
    let reply = refused.expect("the definition outgrows one item within 8 fields");
    assert_error(&reply, 413);
    assert!(
        reply.body["message"].as_str().unwrap().contains("definition"),
        "{:?}",
        reply.body
    );
    assert_eq!(
        api.bearer(&org.key, "GET", "/orgs/c/tables/wide", None).await.status,
        200
    );
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn an_organization_deleted_under_load_leaves_nothing_behind() {
    let api = TestApi::start().await;
    let org = api.create_org("Doomed", "owner").await;
    let kept = api.create_org("Kept", "kept-owner").await;
    api.create_table(&org.key, "Leads", "L", "leads").await;
    let writers = (0..10).map(|w| {
        let api = &api;
        let org = org.clone();
        async move {
            let mut answers = Vec::new();
            for i in 0..15 {
                let reply = match i % 3 {
                    0 => record(api, &org, "leads", json!({"name": format!("w{w}-{i}")})).await,
                    1 => {
                        let body = json!({"name": format!("T{w}-{i}"), "record_prefix": format!("T{w}X{i}")});
                        api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&body)).await
                    }
                    _ => {
                        let body = json!({"name": format!("team {w}-{i}"), "type": 2});
                        api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&body)).await
                    }
                };
                answers.push(reply.status);
            }
            answers
        }
    });
    let delete = async {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        api.admin("DELETE", &format!("/api/v1/organizations/{}", org.id), None)
            .await
    };
    let (answers, deleted) = tokio::join!(join_all(writers), delete);
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    for status in answers.into_iter().flatten() {
        assert!(
            matches!(status, 200 | 401 | 404),
            "a write during the delete got {status}"
        );
    }
    api.wait_for_purges().await;
    let left: Vec<(String, String)> = api
        .items()
        .await
        .iter()
        .filter(|i| !text(i, "PK").starts_with("IDEMP#") && !text(i, "PK").starts_with("COUNTER#"))
        .filter(|i| text(i, "PK") != format!("ORG#{}", kept.id))
        .filter(|i| !text(i, "PK").starts_with("USER#") && !text(i, "PK").starts_with("APIKEY#"))
        .map(|i| (text(i, "PK"), text(i, "SK")))
        .collect();
    assert_eq!(left, vec![], "the deleted organization left these behind");
    api.assert_audit_clean().await;
}
