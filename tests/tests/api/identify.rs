//! Attio's identify, `GET /v2/self`: the key's workspace, as the other Attio answers name it.

use std::time::{SystemTime, UNIX_EPOCH};

use api_tests::{assert_error, keys_of, TestApi};
use serde_json::json;

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[tokio::test]
async fn identify_names_the_keys_workspace_and_no_other() {
    let api = TestApi::start().await;
    let started = now_seconds();
    let org = api.create_org("Identify & Co.", "identify-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let record = api.create_record(&org.key, "companies", &json!({"name": "Acme"})).await;
    assert_eq!(record.status, 200, "{:?}", record.body);

    let me = api.bearer(&org.key, "GET", "/v2/self", None).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    let body = &me.body;
    assert_eq!(
        keys_of(body),
        [
            "active",
            "aud",
            "authorized_by_workspace_member_id",
            "client_id",
            "exp",
            "iat",
            "iss",
            "scope",
            "sub",
            "token_type",
            "workspace_id",
            "workspace_logo_url",
            "workspace_name",
            "workspace_slug"
        ]
    );
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["exp"], json!(null), "keys do not expire");
    assert_eq!(body["workspace_name"], "Identify & Co.");
    assert_eq!(body["workspace_slug"], "identify-co");
    assert_eq!(body["workspace_logo_url"], json!(null));
    // The workspace and the key are the ones a record of this workspace names.
    assert_eq!(body["workspace_id"], record.body["data"]["id"]["workspace_id"]);
    let key_id = record.body["data"]["values"]["name"][0]["created_by_actor"]["id"].clone();
    assert_eq!(body["client_id"], key_id);
    assert_eq!(body["aud"], key_id);
    let iat = body["iat"].as_u64().expect("iat is whole seconds");
    assert!(
        (started.saturating_sub(5)..=now_seconds() + 5).contains(&iat),
        "iat {iat}"
    );
    assert_eq!(body["sub"], body["authorized_by_workspace_member_id"]);
    let scopes: Vec<&str> = body["scope"].as_str().expect("a scope").split(' ').collect();
    assert!(scopes.contains(&"record_permission:read-write"), "{scopes:?}");

    // Another organization's key names its own workspace.
    let theirs = api.bearer(&other.key, "GET", "/v2/self", None).await;
    assert_eq!(theirs.status, 200, "{:?}", theirs.body);
    assert_eq!(theirs.body["workspace_name"], "Other");
    assert_ne!(theirs.body["workspace_id"], body["workspace_id"]);
    assert_ne!(
        theirs.body["authorized_by_workspace_member_id"],
        body["authorized_by_workspace_member_id"]
    );
}

/// As Attio documents, a key that is sent but not valid (forged, of no form, revoked, of a
/// deleted organization) is answered 200 `{"active": false}`, and nothing else: not its
/// organization, not whether it ever existed. No key at all, or no Bearer scheme, is 401.
#[tokio::test]
async fn identify_answers_inactive_for_a_wrong_or_revoked_key_and_401_without_one() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let inactive = |reply: api_tests::Reply| {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body, serde_json::json!({"active": false}));
    };
    assert_error(&api.send("GET", "/v2/self", &[], "").await, 401);
    let basic = [("authorization", "Basic dXNlcjpwYXNz")];
    assert_error(&api.send("GET", "/v2/self", &basic, "").await, 401);
    inactive(api.bearer(&api_tests::forged(&org.key), "GET", "/v2/self", None).await);
    inactive(api.bearer("not-a-key", "GET", "/v2/self", None).await);
    let path = format!("/api/v1/organizations/{}/api_keys", org.id);
    let created = api.admin("POST", &path, None).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let secret = created.body["secret"].as_str().expect("a secret").to_string();
    let active = api.bearer(&secret, "GET", "/v2/self", None).await;
    assert_eq!(active.status, 200, "{:?}", active.body);
    assert_eq!(active.body["active"], true);
    let key_id = created.body["id"].as_str().expect("a key id");
    let revoked = api.admin("DELETE", &format!("{path}?id={key_id}"), None).await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    inactive(api.bearer(&secret, "GET", "/v2/self", None).await);
    // The organization deleted: its keys are inactive at once.
    let doomed = api.create_org("Doomed", "doomed-owner").await;
    let deleted = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", doomed.id), None)
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    inactive(api.bearer(&doomed.key, "GET", "/v2/self", None).await);
    // Only GET: the route exists, so another method is a 405.
    assert_error(&api.bearer(&org.key, "POST", "/v2/self", None).await, 405);
}

#[tokio::test]
async fn workspace_members_are_the_organizations_users_by_the_ids_actor_references_take() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let user = json!({"external_id": "jane", "email": "jane@example.com", "name": "Jane van der Berg", "organization_id": org.id, "role": "user"});
    let made = api.admin("POST", "/api/v1/users", Some(&user)).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let listed = api.bearer(&org.key, "GET", "/v2/workspace_members", None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let members = listed.body["data"].as_array().unwrap();
    let shown: Vec<(&str, &str, &str, &str)> = members
        .iter()
        .map(|m| {
            (
                m["first_name"].as_str().unwrap(),
                m["last_name"].as_str().unwrap(),
                m["email_address"].as_str().unwrap(),
                m["access_level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("acme-owner", "", "acme-owner@example.com", "admin"),
            ("Jane", "van der Berg", "jane@example.com", "member"),
        ]
    );
    let me = api.bearer(&org.key, "GET", "/v2/self", None).await;
    assert_eq!(
        members[0]["id"]["workspace_member_id"],
        me.body["authorized_by_workspace_member_id"]
    );
    assert_eq!(members[0]["id"]["workspace_id"], me.body["workspace_id"]);
    // One by id; an actor reference takes the same id.
    let jane = members[1]["id"]["workspace_member_id"].as_str().unwrap();
    let got = api
        .bearer(&org.key, "GET", &format!("/v2/workspace_members/{jane}"), None)
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["data"], members[1]);
    // Another workspace's member, and what is no member id, are not found.
    let theirs = api.bearer(&other.key, "GET", "/v2/workspace_members", None).await;
    let theirs = theirs.body["data"][0]["id"]["workspace_member_id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [theirs.as_str(), "not-a-uuid", "00000000-0000-4000-8000-000000000000"] {
        let reply = api
            .bearer(&org.key, "GET", &format!("/v2/workspace_members/{id}"), None)
            .await;
        assert_error(&reply, 404);
    }
    let listed_by_other = api.bearer(&other.key, "GET", "/v2/workspace_members", None).await;
    assert_eq!(listed_by_other.body["data"].as_array().unwrap().len(), 1);
}
