//! The audit itself must catch what it promises to: each corruption below is reported.

use api_tests::{text, TestApi};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

async fn delete(api: &TestApi, pk: &str, sk: &str) {
    api.db
        .delete_item()
        .table_name(&api.table)
        .key("PK", AttributeValue::S(pk.into()))
        .key("SK", AttributeValue::S(sk.into()))
        .send()
        .await
        .expect("delete");
}

#[tokio::test]
async fn the_audit_reports_each_broken_invariant() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.bearer(
        &org.key,
        "POST",
        "/orgs/c/tables",
        Some(&json!({"name": "People", "record_prefix": "P"})),
    )
    .await;
    api.bearer(
        &org.key,
        "POST",
        "/orgs/c/tables",
        Some(&json!({"name": "Companies", "record_prefix": "C"})),
    )
    .await;
    api.bearer(
        &org.key,
        "POST",
        "/orgs/c/tables/people/fields",
        Some(&json!({"key": "email", "unique": true, "schema": {"name": "E", "type": "email-address"}})),
    )
    .await;
    api.bearer(
        &org.key,
        "POST",
        "/orgs/c/tables/companies/fields",
        Some(&json!({"key": "ceo", "schema": {"name": "CEO", "type": "record-reference", "link": "people"}})),
    )
    .await;
    let person = api
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/people/records",
            Some(&json!({"data": {"values": {"email": "a@b.co"}}})),
        )
        .await;
    let person_id = person.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    let second = json!({"data": {"values": {"email": "c@d.co"}}});
    assert_eq!(
        api.bearer(&org.key, "POST", "/v2/objects/people/records", Some(&second))
            .await
            .status,
        200
    );
    let reference = json!({"data": {"values": {"ceo": {"target_object": "people", "target_record_id": person_id}}}});
    assert_eq!(
        api.bearer(&org.key, "POST", "/v2/objects/companies/records", Some(&reference))
            .await
            .status,
        200
    );
    let team = json!({"name": "T", "type": 2, "owners": [org.user_id.to_string()]});
    assert_eq!(
        api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&team))
            .await
            .status,
        200
    );
    api.assert_audit_clean().await;

    // Break one invariant of each kind.
    let items = api.items().await;
    let find = |prefix: &str| {
        items
            .iter()
            .find(|i| text(i, "PK").starts_with(prefix) || text(i, "SK").starts_with(prefix))
            .cloned()
            .expect(prefix)
    };
    for unique in items.iter().filter(|i| text(i, "PK").starts_with("UNIQUE#")) {
        delete(&api, &text(unique, "PK"), "UNIQUE").await;
    }
    let prefix = find("TABLEPREFIX#");
    delete(&api, &text(&prefix, "PK"), &text(&prefix, "SK")).await;
    let team_name = find("TEAMNAME#");
    delete(&api, &text(&team_name, "PK"), &text(&team_name, "SK")).await;
    let membership = find("MEMBERSHIP#");
    delete(&api, &text(&membership, "PK"), &text(&membership, "SK")).await;
    // The referenced person vanishes without its reference going.
    delete(&api, &format!("REC#{person_id}"), "REC").await;
    // One table's head goes; the other's revision moves without its table's.
    let heads: Vec<_> = items
        .iter()
        .filter(|i| text(i, "PK").starts_with("TABLEHEAD#"))
        .collect();
    assert_eq!(heads.len(), 2, "a head per table");
    delete(&api, &text(heads[0], "PK"), "HEAD").await;
    api.db
        .update_item()
        .table_name(&api.table)
        .key("PK", AttributeValue::S(text(heads[1], "PK")))
        .key("SK", AttributeValue::S("HEAD".into()))
        .update_expression("ADD revision :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .expect("the head is updated");

    let report = api.state.store.audit().await.expect("audit");
    let breaches = report.breaches.join("\n");
    for expected in [
        "has no sentinel for its unique value",
        "has no record_prefix sentinel",
        "has no name sentinel",
        "has no matching membership",
        "references missing record",
        "number pointer",
        "has no head",
        "but its head at",
        "beyond its table's counter",
    ] {
        assert!(
            breaches.contains(expected),
            "the audit missed `{expected}`:\n{breaches}"
        );
    }
}
