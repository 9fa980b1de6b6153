//! The pages and what signs a person in to them, over HTTP (the browser test,
//! `browser.rs`, opens them in Chromium): Answering Agent's three embed-token endpoints and
//! the create-user token, the embed URL's session, and the red team's cases: another
//! organization's ids in the URL, a revoked or rotated token, a forged or replayed cookie,
//! a form sent from elsewhere, a script in a value, hostile query strings.

use api_tests::{session_in, Page, TestApi};
use serde_json::json;
use shared::domain::organization::OrgId;

/// `/dashboard.html?token=<token>`: the session it starts, if any.
async fn open(api: &TestApi, token: &str) -> (Page, Option<String>) {
    let page = api
        .page("GET", &format!("/dashboard.html?token={token}"), None, "")
        .await;
    let session = session_in(&page.headers).filter(|s| !s.is_empty());
    (page, session)
}

fn tables_path(org: u64) -> String {
    format!("/app/{}", OrgId(org).workspace_id())
}

/// Whether `session` opens organization `org`'s tables page.
async fn opens(api: &TestApi, org: u64, session: &str) -> bool {
    let page = api.page("GET", &tables_path(org), Some(session), "").await;
    match page.status {
        200 => true,
        303 => {
            assert_eq!(page.header("location"), "/app/access");
            false
        }
        other => panic!("tables page: {other} {}", page.text),
    }
}

#[tokio::test]
async fn embed_tokens_follow_answering_agent_and_are_never_stored() {
    let api = TestApi::start().await;
    let org = api.create_org("Embed", "embed-owner").await;
    // The create-user answer carries a token that signs the new user in.
    let body = json!({"external_id": "embed-user", "email": "e@example.com", "name": "E", "organization_id": org.id});
    let created = api.admin("POST", "/api/v1/users", Some(&body)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let first = created.body["embed_token"].as_str().expect("a token").to_string();
    let (page, session) = open(&api, &first).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), tables_path(org.id));
    let session = session.expect("a session");
    assert!(opens(&api, org.id, &session).await);
    let cookie = page.header("set-cookie").to_string();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    // GET: the same token until it is rotated, in Answering Agent's shape.
    let path = "/api/v1/users/embed-user/embed-token";
    let got = api.admin("GET", path, None).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body, json!({"embed_token": first, "user_id": "embed-user"}));

    // POST: a new token; the old one, and its session, stop working.
    let rotated = api.admin("POST", path, None).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    assert_eq!(rotated.body["message"], "New embed token generated successfully");
    assert_eq!(rotated.body["user_id"], "embed-user");
    let second = rotated.body["embed_token"].as_str().expect("a token").to_string();
    assert_ne!(second, first);
    let (page, none) = open(&api, &first).await;
    assert_eq!((page.status, page.header("location")), (303, "/app/access"));
    assert_eq!(none, None, "a rotated token starts no session");
    assert!(!opens(&api, org.id, &session).await, "a rotation ends the old sessions");
    let (_, session) = open(&api, &second).await;
    let session = session.expect("the new token signs in");
    assert!(opens(&api, org.id, &session).await);
    assert_eq!(api.admin("GET", path, None).await.body["embed_token"], second.as_str());

    // DELETE: no token answered; the one before and its session end; GET gives the next.
    let deleted = api.admin("DELETE", path, None).await;
    assert_eq!(
        deleted.body,
        json!({"user_id": "embed-user", "message": "Embed token invalidated successfully"})
    );
    assert_eq!(open(&api, &second).await.1, None);
    assert!(!opens(&api, org.id, &session).await);
    let third = api.admin("GET", path, None).await.body["embed_token"]
        .as_str()
        .expect("a token")
        .to_string();
    assert!(![first.as_str(), second.as_str()].contains(&third.as_str()));
    let (_, session) = open(&api, &third).await;
    let session = session.expect("the next token signs in");

    // Neither a token nor a session is kept: no item holds one.
    let items = format!("{:?}", api.items().await);
    for secret in [&first, &second, &third, &session] {
        assert!(!items.contains(secret.as_str()), "{secret} is stored");
    }

    // Which organization: the user's one, or the one named; 400 when several and none.
    let other = api.create_org("Second", "second-owner").await;
    let join = json!({"organization_id": other.id});
    let joined = api.admin("PATCH", "/api/v1/users/embed-user", Some(&join)).await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    let several = api.admin("GET", path, None).await;
    assert_eq!(several.status, 400, "{:?}", several.body);
    assert!(several.body["message"].as_str().unwrap().contains("organization_id"));
    let in_second = api.embed_token("embed-user", other.id).await;
    let (_, second_session) = open(&api, &in_second).await;
    let second_session = second_session.expect("a session in the second organization");
    assert!(opens(&api, other.id, &second_session).await);
    // A session is one organization's: the other's pages are not found with it.
    let page = api.page("GET", &tables_path(org.id), Some(&second_session), "").await;
    assert_eq!(page.status, 404);
    for (path, status) in [
        ("/api/v1/users/nobody/embed-token".to_string(), 404),
        (format!("{path}?organization_id=999999"), 404),
        (format!("{path}?organization_id=x"), 400),
    ] {
        let reply = api.admin("GET", &path, None).await;
        assert_eq!(reply.status, status, "{path}: {:?}", reply.body);
        assert_eq!(api.admin("POST", &path, None).await.status, status, "POST {path}");
    }
    // A body, if any, is a JSON object.
    let reply = api
        .send(
            "POST",
            &format!("{path}?organization_id={}", org.id),
            &[("content-type", "application/json"), ("x-api-key", &api.admin_key)],
            "[1]",
        )
        .await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);

    // The audit knows the generations; an organization's delete takes its members'.
    let report = api.state.store.audit().await.expect("the audit reads the table");
    assert!(report.is_clean(), "{:#?}", report.breaches);
    let deleted = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", org.id), None)
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    api.wait_for_purges().await;
    let generation = shared::store::keys::embed_sk(OrgId(org.id));
    let left: Vec<_> = api
        .items()
        .await
        .into_iter()
        .filter(|item| item.get("SK").and_then(|v| v.as_s().ok()) == Some(&generation))
        .collect();
    assert_eq!(left, vec![], "the deleted organization's embed generations are gone");
    assert!(!opens(&api, org.id, &session).await);
    let report = api.state.store.audit().await.expect("the audit reads the table");
    assert!(report.is_clean(), "{:#?}", report.breaches);
}

#[tokio::test]
async fn pages_show_only_the_session_s_organization_and_escape_what_they_show() {
    let api = TestApi::start().await;
    let ours = api.create_org("Ours", "our-owner").await;
    let theirs = api.create_org("Theirs", "their-owner").await;
    for org in [&ours, &theirs] {
        api.create_table(&org.key, "Companies", "CO", "companies").await;
    }
    let script = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let our_record = api
        .create_record(&ours.key, "companies", &json!({"name": script}))
        .await;
    let our_id = our_record.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    let their_record = api
        .create_record(&theirs.key, "companies", &json!({"name": "Their Secret"}))
        .await;
    let their_id = their_record.body["data"]["id"]["record_id"]
        .as_str()
        .unwrap()
        .to_string();
    let their_table = api.bearer(&theirs.key, "GET", "/v2/objects/companies", None).await.body["data"]["id"]
        ["object_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, session) = open(&api, &api.embed_token("our-owner", ours.id).await).await;
    let session = session.expect("a session");
    let ours_ws = tables_path(ours.id);
    let theirs_ws = tables_path(theirs.id);

    // A script in a value stays text, on the records page and the record page.
    for path in [format!("{ours_ws}/companies"), format!("{ours_ws}/companies/{our_id}")] {
        let page = api.page("GET", &path, Some(&session), "").await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert!(
            page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img"),
            "{path}"
        );
        assert!(!page.text.contains("<script") && !page.text.contains("<img"), "{path}");
        let policy = page.header("content-security-policy");
        assert!(policy.starts_with("default-src 'none'") && policy.ends_with("frame-ancestors 'self'"));
        assert!(!policy.contains("script-src") && !policy.contains("unsafe"), "{policy}");
        assert_eq!(page.header("cache-control"), "no-store");
    }

    // Another organization's ids in the URL: not found, nothing of theirs shown.
    for path in [
        theirs_ws.clone(),
        format!("{theirs_ws}/companies"),
        format!("{theirs_ws}/companies/{their_id}"),
        format!("{theirs_ws}/_teams"),
        format!("{ours_ws}/companies/{their_id}"),
        format!("{ours_ws}/{their_table}"),
        format!("{ours_ws}/{their_table}/{their_id}"),
        format!("{ours_ws}/nothing"),
        "/app/not-a-workspace/companies".to_string(),
    ] {
        let page = api.page("GET", &path, Some(&session), "").await;
        assert_eq!(page.status, 404, "{path}: {}", page.text);
        assert!(!page.text.contains("Their Secret"), "{path}");
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    }

    // A forged cookie: another organization's id in our session's payload, a changed
    // signature, junk, an embed token sent as a cookie.
    let (payload, signature) = session.split_once('.').unwrap();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let text = String::from_utf8(engine.decode(payload).unwrap()).unwrap();
    let swapped = text.replace(&format!("|{}|", ours.id), &format!("|{}|", theirs.id));
    assert_ne!(swapped, text);
    let forged = [
        format!("{}.{signature}", engine.encode(swapped)),
        format!("{payload}.{}", api_tests::forged(signature)),
        "junk".to_string(),
        api.embed_token("our-owner", ours.id).await,
    ];
    for cookie in &forged {
        for path in [&ours_ws, &theirs_ws] {
            let page = api.page("GET", path, Some(cookie), "").await;
            assert_eq!((page.status, page.header("location")), (303, "/app/access"), "{cookie}");
            assert!(!page.text.contains("Companies"));
        }
    }

    // The sign-out form: without its token, or with another session's, refused and
    // nothing changes; with it, the cookie is cleared.
    let (_, other_session) = open(&api, &api.embed_token("their-owner", theirs.id).await).await;
    let other_token = api.form_token(&other_session.unwrap()).await;
    for form in [
        String::new(),
        "form_token=x".into(),
        format!("form_token={other_token}"),
    ] {
        let page = api.page("POST", "/app/sign-out", Some(&session), &form).await;
        assert_eq!(page.status, 403, "{form}: {}", page.text);
        assert!(page.header("set-cookie").is_empty());
    }
    let token = api.form_token(&session).await;
    let page = api
        .page("POST", "/app/sign-out", Some(&session), &format!("form_token={token}"))
        .await;
    assert_eq!((page.status, page.header("location")), (303, "/app/access"));
    assert!(page.header("set-cookie").contains("Max-Age=0"));

    // Query strings the records page cannot take are a 400 page, never a 500.
    for query in [
        "sort=nothing",
        "attribute=nothing&value=1",
        "direction=sideways",
        "cursor=forged",
        "cursor=%ZZ",
    ] {
        let page = api
            .page("GET", &format!("{ours_ws}/companies?{query}"), Some(&session), "")
            .await;
        assert_eq!(page.status, 400, "{query}: {}", page.text);
    }

    // The reference is never framed; the access page, where an embed's frame without a
    // session lands, as the workspace pages are.
    for (path, ancestors, deny) in [("/docs", "'none'", "DENY"), ("/app/access", "'self'", "")] {
        let page = api.page("GET", path, None, "").await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.header("x-frame-options"), deny, "{path}");
        let policy = page.header("content-security-policy");
        assert!(
            policy.ends_with(&format!("frame-ancestors {ancestors}")),
            "{path}: {policy}"
        );
    }
}
