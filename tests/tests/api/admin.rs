//! Admin endpoints after create: organizations list/update/delete, API keys, users.

use api_tests::{assert_error, keys_of, text, TestApi};
use serde_json::{json, Value};

#[tokio::test]
async fn organizations_list_in_pages() {
    let api = TestApi::start().await;
    for i in 0..3 {
        api.create_org(&format!("Org {i}"), &format!("owner-{i}")).await;
    }
    // Answering Agent's list is a plain array; the headers page it.
    let page = api.admin("GET", "/api/v1/organizations?limit=2", None).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.headers["x-total-count"], "3");
    assert_eq!(
        page.headers["link"],
        "</api/v1/organizations?limit=2&offset=2>; rel=\"next\""
    );
    let names: Vec<&str> = page
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Org 0", "Org 1"]);
    assert_eq!(
        keys_of(&page.body[0]),
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
    let rest = api.admin("GET", "/api/v1/organizations?limit=2&offset=2", None).await;
    assert_eq!(rest.body.as_array().unwrap().len(), 1);
    assert!(rest.headers.get("link").is_none(), "the last page links nowhere");
    let all = api.admin("GET", "/api/v1/organizations", None).await;
    assert_eq!(all.body.as_array().unwrap().len(), 3, "without paging, up to 100");
    for bad in ["limit=0x", "limit=101", "offset=-1"] {
        assert_error(
            &api.admin("GET", &format!("/api/v1/organizations?{bad}"), None).await,
            400,
        );
    }
    assert_error(&api.send("GET", "/api/v1/organizations", &[], "").await, 401);
}

#[tokio::test]
async fn organizations_update() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let path = format!("/api/v1/organizations/{}", org.id);
    let reply = api
        .admin(
            "PATCH",
            &path,
            Some(&json!({"name": "Acme Corp", "description": "Widgets"})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // The organization object itself, as Answering Agent documents it.
    assert_eq!(reply.body["name"], "Acme Corp");
    assert_eq!(reply.body["description"], "Widgets");
    assert_eq!(
        reply.body["users"][0]["organizations"][0]["name"], "Acme Corp",
        "memberships show the new name"
    );
    let reply = api.admin("PATCH", &path, Some(&json!({"description": null}))).await;
    assert_eq!(reply.body["description"], Value::Null);
    let before = api.items().await;
    for bad in [
        json!({"name": ""}),
        json!({"name": 5}),
        json!({"description": "d".repeat(1001)}),
    ] {
        assert_error(&api.admin("PATCH", &path, Some(&bad)).await, 400);
    }
    assert_error(
        &api.admin("PATCH", "/api/v1/organizations/999", Some(&json!({"name": "x"})))
            .await,
        404,
    );
    let org_key_as_admin = api
        .send(
            "PATCH",
            &path,
            &[("content-type", "application/json"), ("x-api-key", &org.key)],
            json!({"name": "x"}).to_string(),
        )
        .await;
    assert_error(&org_key_as_admin, 401);
    assert_eq!(api.items().await, before);
}

#[tokio::test]
async fn deleting_an_organization_stops_its_keys_and_purges_its_data() {
    let api = TestApi::start().await;
    let doomed = api.create_org("Doomed", "shared-owner").await;
    let kept = api.create_org("Kept", "shared-owner").await;
    // Data of the doomed org: a table with a unique field, records, a team, a second key.
    api.bearer(
        &doomed.key,
        "POST",
        "/orgs/c/tables",
        Some(&json!({"name": "Leads", "record_prefix": "L"})),
    )
    .await;
    api.bearer(
        &doomed.key,
        "POST",
        "/orgs/c/tables/leads/fields",
        Some(&json!({"key": "email", "unique": true, "schema": {"name": "E", "type": "email-address"}})),
    )
    .await;
    for i in 0..3 {
        let body = json!({"data": {"values": {"email": format!("x{i}@example.com")}}});
        assert_eq!(
            api.bearer(&doomed.key, "POST", "/v2/objects/leads/records", Some(&body))
                .await
                .status,
            200
        );
    }
    let team = json!({"name": "T", "type": 2, "owners": [doomed.user_id.to_string()]});
    assert_eq!(
        api.token(&doomed.key, doomed.id, "POST", "/api/v1/teams/", Some(&team))
            .await
            .status,
        200
    );
    let second = api
        .admin("POST", &format!("/api/v1/organizations/{}/api_keys", doomed.id), None)
        .await;
    let second_key = second.body["secret"].as_str().unwrap().to_string();
    let kept_before = api.org_partition(kept.id).await;

    let reply = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", doomed.id), None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // Both keys stop at once.
    for key in [&doomed.key, &second_key] {
        assert_error(&api.bearer(key, "GET", "/orgs/c/tables", None).await, 401);
    }
    assert_error(
        &api.admin("GET", &format!("/api/v1/organizations/{}", doomed.id), None)
            .await,
        404,
    );
    assert_error(
        &api.admin("DELETE", &format!("/api/v1/organizations/{}", doomed.id), None)
            .await,
        404,
    );
    // The data is purged, from the stream, in the background: nothing of the org's
    // partition, records, sentinels or keys.
    api.wait_for_purges().await;
    let items = api.items().await;
    let leftovers: Vec<String> = items
        .iter()
        .map(|i| format!("{}|{}", text(i, "PK"), text(i, "SK")))
        .filter(|k| {
            k.starts_with(&format!("ORG#{}|", doomed.id))
                || k.starts_with("REC")
                || k.starts_with("UNIQUE#")
                || k.ends_with(&format!("|MEMBERSHIP#{:020}", doomed.id))
        })
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    assert_eq!(
        items.iter().filter(|i| text(i, "PK").starts_with("APIKEY#")).count(),
        1,
        "only the kept org's key"
    );
    // The shared owner stays, with only the kept org; the kept org is untouched.
    let owner = api.admin("GET", "/api/v1/users/shared-owner", None).await;
    assert_eq!(owner.body["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(api.org_partition(kept.id).await, kept_before);
    assert_eq!(api.bearer(&kept.key, "GET", "/orgs/c/tables", None).await.status, 200);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn api_keys_are_shown_once_listed_by_prefix_and_revoked_at_once() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let path = format!("/api/v1/organizations/{}/api_keys", org.id);
    let created = api.admin("POST", &path, None).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        keys_of(&created.body),
        ["created_at", "id", "prefix", "secret", "user_id"]
    );
    let secret = created.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with(created.body["prefix"].as_str().unwrap()));
    assert_eq!(created.body["user_id"], org.user_id);
    assert_eq!(api.bearer(&secret, "GET", "/orgs/c/tables", None).await.status, 200);

    let listed = api.admin("GET", &path, None).await;
    assert_eq!(listed.status, 200);
    let keys = listed.body["api_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "the key from the org's creation and the new one");
    for key in keys {
        assert_eq!(keys_of(key), ["created_at", "id", "prefix", "user_id"]);
    }
    assert!(
        !listed.body.to_string().contains(&secret),
        "a list never shows a secret"
    );

    let key_id = created.body["id"].as_str().unwrap();
    // Another org's path cannot revoke it.
    assert_error(
        &api.admin(
            "DELETE",
            &format!("/api/v1/organizations/{}/api_keys?id={key_id}", other.id),
            None,
        )
        .await,
        404,
    );
    let revoked = api.admin("DELETE", &format!("{path}?id={key_id}"), None).await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert_error(&api.bearer(&secret, "GET", "/orgs/c/tables", None).await, 401);
    assert_error(&api.admin("DELETE", &format!("{path}?id={key_id}"), None).await, 404);
    assert_error(&api.admin("DELETE", &path, None).await, 400);
    assert_error(&api.admin("DELETE", &format!("{path}?id=nonsense"), None).await, 404);
    assert_eq!(
        api.bearer(&org.key, "GET", "/orgs/c/tables", None).await.status,
        200,
        "the other key still works"
    );
    // A body works as well as the query.
    let third = api.admin("POST", &path, Some(&json!({"external_id": "owner"}))).await;
    let by_body = api.admin("DELETE", &path, Some(&json!({"id": third.body["id"]}))).await;
    assert_eq!(by_body.status, 200);
    assert_error(
        &api.admin("POST", &path, Some(&json!({"external_id": "other-owner"})))
            .await,
        400,
    );
    assert_error(
        &api.admin("POST", "/api/v1/organizations/999/api_keys", None).await,
        404,
    );
    assert_error(&api.admin("GET", "/api/v1/organizations/999/api_keys", None).await, 404);

    // At most 50 keys.
    for _ in 0..49 {
        assert_eq!(api.admin("POST", &path, None).await.status, 201);
    }
    let reply = api.admin("POST", &path, None).await;
    assert_error(&reply, 400);
    assert!(reply.body["message"].as_str().unwrap().contains("50"));
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn users_create_list_get_and_update() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let body = json!({"external_id": "jane", "email": "Jane@Example.com", "name": "Jane", "organization_id": org.id, "role": "manager"});
    let reply = api.admin("POST", "/api/v1/users", Some(&body)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    // Answering Agent's create-user answer: a token that signs the user in to the
    // organization's pages (pages.rs follows it); no teams or locations here.
    assert_eq!(keys_of(&reply.body), ["embed_token", "locations", "team", "user"]);
    let token = reply.body["embed_token"].as_str().expect("an embed token");
    assert_eq!(token, api.embed_token("jane", org.id).await);
    assert_eq!(reply.body["team"], Value::Null);
    assert_eq!(reply.body["locations"], json!([]));
    let created = api_tests::Reply {
        body: reply.body["user"].clone(),
        ..reply
    };
    assert_eq!(
        keys_of(&created.body),
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
    assert_eq!(
        created.body["organizations"],
        json!([{"id": org.id, "name": "Acme", "role": "manager"}])
    );
    assert_error(&api.admin("POST", "/api/v1/users", Some(&body)).await, 409);

    // A rejected create may draw a user id from the counter (ids may skip); nothing else.
    let before = api.items_without_counters().await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = body.clone();
        b["external_id"] = json!("new-user");
        f(&mut b);
        b
    };
    let bad: Vec<(Value, &str)> = vec![
        (with(&|b| b["organization_id"] = json!(999)), "organization_id"),
        (
            with(&|b| drop(b.as_object_mut().unwrap().remove("organization_id"))),
            "organization_id",
        ),
        (with(&|b| b["organization_id"] = json!("one")), "organization_id"),
        (with(&|b| b["role"] = json!("boss")), "role"),
        (with(&|b| b["email"] = json!("nope")), "email"),
        (with(&|b| b["external_id"] = json!("")), "external_id"),
        (with(&|b| drop(b.as_object_mut().unwrap().remove("name"))), "name"),
    ];
    for (b, field) in bad {
        let reply = api.admin("POST", "/api/v1/users", Some(&b)).await;
        assert_error(&reply, 400);
        assert!(
            reply.body["message"].as_str().unwrap().contains(field),
            "{b}: {}",
            reply.body["message"]
        );
    }
    assert_eq!(api.items_without_counters().await, before);

    let list = api
        .admin("GET", &format!("/api/v1/users?organization_id={}", org.id), None)
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let ids = |reply: &api_tests::Reply| -> Vec<String> {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["external_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&list), ["owner", "jane"]);
    assert_eq!(list.headers["x-total-count"], "2");
    // Without an organization: every organization's users, once each, paged.
    let everyone = api.admin("GET", "/api/v1/users?limit=2", None).await;
    assert_eq!(ids(&everyone), ["owner", "other-owner"]);
    assert_eq!(everyone.headers["x-total-count"], "3");
    assert_eq!(
        everyone.headers["link"],
        "</api/v1/users?limit=2&offset=2>; rel=\"next\""
    );
    assert_error(&api.admin("GET", "/api/v1/users?organization_id=999", None).await, 404);
    assert_error(&api.admin("GET", "/api/v1/users?organization_id=x", None).await, 404);

    // `organization_id` may be in the query instead of the body; if in both, they agree.
    let by_query = json!({"external_id": "kim", "email": "kim@example.com", "name": "Kim"});
    let reply = api
        .admin(
            "POST",
            &format!("/api/v1/users?organization_id={}", other.id),
            Some(&by_query),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["user"]["organizations"][0]["id"], other.id);
    let both = json!({"external_id": "lee", "email": "lee@example.com", "name": "Lee", "organization_id": org.id});
    let reply = api
        .admin(
            "POST",
            &format!("/api/v1/users?organization_id={}", other.id),
            Some(&both),
        )
        .await;
    assert_error(&reply, 400);

    let got = api.admin("GET", "/api/v1/users/jane", None).await;
    assert_eq!(got.body, created.body);
    assert_error(&api.admin("GET", "/api/v1/users/nobody", None).await, 404);

    // Add Jane to the other org, then change her role there.
    let reply = api
        .admin(
            "PATCH",
            "/api/v1/users/jane",
            Some(&json!({"organization_id": other.id, "role": "user", "name": "Jane Roe"})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["name"], "Jane Roe");
    assert_eq!(reply.body["organizations"].as_array().unwrap().len(), 2);
    let reply = api
        .admin(
            "PATCH",
            "/api/v1/users/jane",
            Some(&json!({"organization_id": other.id, "role": "manager"})),
        )
        .await;
    let roles: Vec<&str> = reply.body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["manager", "manager"]);
    // Now a member, Jane can own a team in the other org.
    let team = json!({"name": "T", "type": 2, "owners": [created.body["id"].to_string()]});
    assert_eq!(
        api.token(&other.key, other.id, "POST", "/api/v1/teams/", Some(&team))
            .await
            .status,
        200
    );

    let before = api.items().await;
    let cases = [
        // The owner of an org keeps the owner role there.
        (
            "/api/v1/users/owner",
            json!({"organization_id": org.id, "role": "user"}),
        ),
        ("/api/v1/users/jane", json!({"role": "user"})),
        ("/api/v1/users/jane", json!({"organization_id": 999})),
        ("/api/v1/users/jane", json!({"email": "bad"})),
        ("/api/v1/users/jane", json!({"external_id": "renamed"})),
    ];
    for (path, b) in cases {
        assert_error(&api.admin("PATCH", path, Some(&b)).await, 400);
    }
    assert_error(
        &api.admin("PATCH", "/api/v1/users/nobody", Some(&json!({"name": "x"})))
            .await,
        404,
    );
    assert_error(
        &api.send("GET", "/api/v1/users/jane", &[("x-api-key", &org.key)], "")
            .await,
        401,
    );
    assert_eq!(api.items().await, before);
    api.assert_audit_clean().await;
}
