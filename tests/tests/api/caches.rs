//! The per-container caches of API keys and table definitions: what a second container
//! (its own gateway and store over the same table) sees after the first changes things.

use std::time::Duration;

use api_tests::{assert_error, TestApi};
use serde_json::json;
use shared::store::cache::CacheSettings;

#[tokio::test]
async fn a_revoked_key_fails_here_at_once_and_in_other_containers_once_their_entry_expires() {
    let api = TestApi::start().await;
    let ttl = Duration::from_secs(1);
    let other = api
        .another_container(CacheSettings {
            api_keys: ttl,
            tables: ttl,
        })
        .await;
    let org = api.create_org("Acme", "owner").await;
    let path = format!("/api/v1/organizations/{}/api_keys", org.id);
    let created = api.admin("POST", &path, None).await;
    let secret = created.body["secret"].as_str().unwrap().to_string();
    // Both containers have read the key.
    assert_eq!(api.bearer(&secret, "GET", "/orgs/c/tables", None).await.status, 200);
    assert_eq!(other.bearer(&secret, "GET", "/orgs/c/tables", None).await.status, 200);
    // A cached key is still checked against its hash: a wrong secret with its id fails.
    let forged = api_tests::forged(&secret);
    assert_error(&other.bearer(&forged, "GET", "/orgs/c/tables", None).await, 401);

    let key_id = created.body["id"].as_str().unwrap();
    let revoked = api.admin("DELETE", &format!("{path}?id={key_id}"), None).await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert_error(&api.bearer(&secret, "GET", "/orgs/c/tables", None).await, 401);
    // The other container may accept it until its entry expires, and not after.
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert_error(&other.bearer(&secret, "GET", "/orgs/c/tables", None).await, 401);

    // Deleting the organization forgets its keys in the container that deleted it.
    assert_eq!(api.bearer(&org.key, "GET", "/orgs/c/tables", None).await.status, 200);
    let deleted = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", org.id), None)
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_error(&api.bearer(&org.key, "GET", "/orgs/c/tables", None).await, 401);
}

#[tokio::test]
async fn a_stale_table_definition_never_decides_a_record_write() {
    let api = TestApi::start().await;
    // A container that would keep table definitions for five minutes.
    let stale = api
        .another_container(CacheSettings {
            api_keys: Duration::from_secs(300),
            tables: Duration::from_secs(300),
        })
        .await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Companies", "COMP", "companies").await;
    let field = json!({"key": "domain", "schema": {"name": "Domain", "type": "domain"}});
    let added = api.add_field(&org.key, "companies", &field).await;
    let field_id = added["id"].as_str().unwrap().to_string();
    let create = |values: serde_json::Value| json!({"data": {"values": values}});
    let first = stale
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/companies/records",
            Some(&create(json!({"name": "A"}))),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);

    // The first container makes `domain` required and renames it; the stale one still has
    // the old definition cached.
    let patch = json!({"key": "website", "schema": {"optional": false}});
    let path = format!("/orgs/c/tables/companies/fields/{field_id}");
    let patched = api.bearer(&org.key, "PATCH", &path, Some(&patch)).await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);

    // Invalid by the stale definition (an unknown slug), valid by the current one: written.
    let written = stale
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/companies/records",
            Some(&create(json!({"name": "C", "website": "example.com"}))),
        )
        .await;
    assert_eq!(written.status, 200, "{:?}", written.body);
    assert_eq!(written.body["data"]["values"]["website"][0]["domain"], "example.com");
    let record_id = written.body["data"]["id"]["record_id"].as_str().unwrap().to_string();

    // The first container adds a required field. Valid by the stale definition, invalid by
    // the current one: refused by the write's revision check, then by the fresh definition;
    // nothing is written.
    let required = json!({"key": "employees", "schema": {"name": "Employees", "type": "number", "optional": false}});
    api.add_field(&org.key, "companies", &required).await;
    // Display numbers may skip (the stale try took one), so `record_seq` is left out.
    let snapshot = || async {
        let mut items = api.items_without_counters().await;
        items.iter_mut().for_each(|item| drop(item.remove("record_seq")));
        items
    };
    let before = snapshot().await;
    let refused = stale
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/companies/records",
            Some(&create(json!({"name": "B", "website": "b.example"}))),
        )
        .await;
    assert_error(&refused, 400);
    assert!(
        refused.body["message"].as_str().unwrap().contains("employees"),
        "{:?}",
        refused.body
    );
    assert_eq!(snapshot().await, before);

    // Reads through the refreshed copy show the current slugs.
    let read = stale
        .bearer(
            &org.key,
            "GET",
            &format!("/v2/objects/companies/records/{record_id}"),
            None,
        )
        .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.body["data"]["values"]["website"][0]["domain"], "example.com");
    assert!(read.body["data"]["values"].get("employees").is_some());
    api.assert_audit_clean().await;
}
