//! Data a client sends in ordinary forms must neither be lost nor refused for no reason:
//! a CSV with a byte order mark, a mapping that gives a header twice, option titles in
//! another case, the option cap, and object slugs whose derived prefixes collide.

use api_tests::{assert_error, Org, TestApi};
use serde_json::{json, Value};

const IMPORT: &str = "/orgs/c/tables/companies/records/import";

/// A `companies` table with a text field `code`.
async fn companies(api: &TestApi) -> Org {
    let org = api.create_org("A", "owner").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    let code = json!({"key": "code", "schema": {"name": "Code", "type": "text"}});
    api.add_field(&org.key, "companies", &code).await;
    org
}

/// Each record's `code`, in display number order.
async fn codes(api: &TestApi, org: &Org) -> Vec<String> {
    let reply = api
        .bearer(
            &org.key,
            "POST",
            "/v2/objects/companies/records/query",
            Some(&json!({})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["values"]["code"][0]["value"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Spreadsheet exports start with a byte order mark and end lines with CRLF: the first
/// column is still the `name` field, quoted cells keep their commas and line breaks, and
/// a blank last line is no row.
#[tokio::test]
async fn import_reads_a_spreadsheet_export_whole() {
    let api = TestApi::start().await;
    let org = companies(&api).await;
    let cases = [
        ("\u{feff}name,code\nAlice,bom1\n", "Alice", "bom1"),
        ("\u{feff}name,code\r\nBob,crlf1\r\n\r\n", "Bob", "crlf1"),
        (
            "name,code\r\n\"Carol, Ltd.\",\"two\r\nlines\"\r\n",
            "Carol, Ltd.",
            "two\r\nlines",
        ),
    ];
    for (file, name, code) in cases {
        let reply = api.bearer(&org.key, "POST", IMPORT, Some(&json!({"file": file}))).await;
        assert_eq!(reply.status, 200, "{file:?}: {:?}", reply.body);
        assert_eq!(
            (&reply.body["created"], &reply.body["failed"]),
            (&json!(1), &json!(0)),
            "{file:?}"
        );
        assert_eq!(api.record_names(&org.key, "companies").await.last().unwrap(), name);
        assert_eq!(codes(&api, &org).await.last().unwrap(), code);
    }
    api.assert_audit_clean().await;
}

/// A header mapped twice, two columns filling one field, and a stray quote are refused
/// whole (400, the line named for the quote), writing nothing.
#[tokio::test]
async fn import_refuses_what_it_would_have_to_guess() {
    let api = TestApi::start().await;
    let org = companies(&api).await;
    let before = api.items_without_counters().await;
    let cases = [
        (
            json!({"file": "a,b\nX,1\n", "mapping": r#"{"a": "name", "a": "code"}"#}),
            "duplicate field `a`",
        ),
        (json!({"file": "name,name\nX,Y\n"}), "both fill the field \"name\""),
        (
            json!({"file": "a,name\nX,Y\n", "mapping": r#"{"a": "name"}"#}),
            "both fill the field \"name\"",
        ),
        (json!({"file": "name,code\nX,1\nY,2\"\n"}), "`file` line 3:"),
    ];
    for (body, words) in cases {
        let reply = api.bearer(&org.key, "POST", IMPORT, Some(&body)).await;
        assert_error(&reply, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
    }
    assert_eq!(api.items_without_counters().await, before);
}

/// `root_domain` and `email_root_domain` are the registrable domain by the Public Suffix
/// List, private suffixes such as `github.io` included.
#[tokio::test]
async fn root_domains_follow_the_public_suffix_list() {
    let api = TestApi::start().await;
    let org = companies(&api).await;
    let site = json!({"key": "site", "schema": {"name": "Site", "type": "domain"}});
    api.add_field(&org.key, "companies", &site).await;
    let email = json!({"key": "email", "schema": {"name": "Email", "type": "email-address"}});
    api.add_field(&org.key, "companies", &email).await;
    let cases = [
        ("shop.example.github.io", "example.github.io"),
        ("a.example.co.jp", "example.co.jp"),
        ("x.example.com.br", "example.com.br"),
        ("www.example.com", "example.com"),
    ];
    for (host, root) in cases {
        let values = json!({"name": host, "site": host, "email": format!("ann@{host}")});
        let reply = api.create_record(&org.key, "companies", &values).await;
        assert_eq!(reply.status, 200, "{host}: {:?}", reply.body);
        let values = &reply.body["data"]["values"];
        assert_eq!(values["site"][0]["root_domain"], root, "{host}");
        assert_eq!(values["email"][0]["email_root_domain"], root, "{host}");
    }
}

/// A select attribute `stage` on `companies` with `titles`.
async fn stage(api: &TestApi, org: &Org, kind: &str, titles: &[String]) -> api_tests::Reply {
    let field = json!({"key": "stage", "schema": {"name": "Stage", "type": kind, "options": titles}});
    api.bearer(&org.key, "POST", "/orgs/c/tables/companies/fields", Some(&field))
        .await
}

/// Option titles are unique by the caseless match team names use (not by ASCII case
/// only), on every path that adds one, and a value given by title in another case finds
/// its option.
#[tokio::test]
async fn option_titles_are_one_title_in_any_case() {
    let api = TestApi::start().await;
    let org = companies(&api).await;
    let twice = ["Émigré".to_string(), "émigré".to_string()];
    assert_error(&stage(&api, &org, "select", &twice).await, 400);
    let reply = stage(&api, &org, "select", &["Émigré".to_string()]).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let options = "/v2/objects/companies/attributes/stage/options";
    let add = |title: &str| json!({"data": {"title": title}});
    assert_eq!(
        api.bearer(&org.key, "POST", options, Some(&add("ÄRGER"))).await.status,
        200
    );
    for title in ["ärger", "ÉMIGRÉ"] {
        let reply = api.bearer(&org.key, "POST", options, Some(&add(title))).await;
        assert_error(&reply, 409);
        assert_eq!(reply.body["code"], "slug_conflict", "{title}");
    }
    // The option named by its title in another case (`ärger`, percent-encoded).
    let rename = api
        .bearer(
            &org.key,
            "PATCH",
            &format!("{options}/%C3%A4rger"),
            Some(&json!({"data": {"title": "émigré"}})),
        )
        .await;
    assert_error(&rename, 409);
    let values = json!({"name": "Ann", "stage": "émigré"});
    let reply = api.create_record(&org.key, "companies", &values).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["data"]["values"]["stage"][0]["option"]["title"], "Émigré");
    let query = json!({"filter": {"stage": "ÉMIGRÉ"}});
    let reply = api
        .bearer(&org.key, "POST", "/v2/objects/companies/records/query", Some(&query))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["data"].as_array().unwrap().len(), 1, "{:?}", reply.body);
}

/// MAX_OPTIONS (500) holds on every path that adds an option or a status: the 501st is a
/// 400 and writes nothing.
#[tokio::test]
async fn a_501st_option_is_refused() {
    let api = TestApi::start().await;
    let org = companies(&api).await;
    let titles = |n: usize| (1..=n).map(|i| format!("o{i}")).collect::<Vec<_>>();
    assert_error(&stage(&api, &org, "select", &titles(501)).await, 400);
    let reply = stage(&api, &org, "select", &titles(500)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let pipeline = json!({"key": "pipeline", "schema": {"name": "Pipeline", "type": "status", "options": titles(500)}});
    api.add_field(&org.key, "companies", &pipeline).await;
    let before = api.items_without_counters().await;
    for path in [
        "/v2/objects/companies/attributes/stage/options",
        "/v2/objects/companies/attributes/pipeline/statuses",
    ] {
        let reply = api
            .bearer(&org.key, "POST", path, Some(&json!({"data": {"title": "o501"}})))
            .await;
        assert_error(&reply, 400);
        assert!(
            reply.body["message"].as_str().unwrap().contains("at most 500"),
            "{:?}",
            reply.body
        );
    }
    assert_eq!(api.items_without_counters().await, before);
    let listed = api
        .bearer(&org.key, "GET", "/v2/objects/companies/attributes/stage/options", None)
        .await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 500);
    // At the cap, an option may still be renamed.
    let rename = json!({"data": {"title": "renamed"}});
    let path = "/v2/objects/companies/attributes/stage/options/o1";
    assert_eq!(api.bearer(&org.key, "PATCH", path, Some(&rename)).await.status, 200);
}

async fn create_object(api: &TestApi, org: &Org, slug: &str) -> api_tests::Reply {
    let body = json!({"data": {"api_slug": slug, "singular_noun": slug, "plural_noun": slug}});
    api.bearer(&org.key, "POST", "/v2/objects", Some(&body)).await
}

fn prefix_of(table: &Value) -> &str {
    table["record_prefix"].as_str().unwrap()
}

/// An object's record_prefix is derived from its slug; two free slugs that derive one
/// prefix are both accepted, the second numbered, and its records have display ids of
/// their own. A taken slug is still a 409, and so is a prefix the caller chose.
#[tokio::test]
async fn free_object_slugs_whose_prefixes_collide_are_accepted() {
    let api = TestApi::start().await;
    let org = api.create_org("A", "owner").await;
    let cases = [
        ("customer_accounts_europe", "CUSTOMERACCOUNTS"),
        ("customer_accounts_asia", "CUSTOMERACCOUNT2"),
        ("customer_accounts_africa", "CUSTOMERACCOUNT3"),
        ("ab_c", "ABC"),
        ("a_bc", "ABC2"),
    ];
    for (slug, prefix) in cases {
        let reply = create_object(&api, &org, slug).await;
        assert_eq!(reply.status, 200, "{slug}: {:?}", reply.body);
        let table = api
            .bearer(&org.key, "GET", &format!("/orgs/c/tables/{slug}"), None)
            .await;
        assert_eq!(prefix_of(&table.body), prefix, "{slug}");
    }
    let record = json!({"data": {"values": {"name": "First"}}});
    let path = "/v2/objects/customer_accounts_asia/records";
    assert_eq!(api.bearer(&org.key, "POST", path, Some(&record)).await.status, 200);
    let reply = api
        .bearer(&org.key, "GET", &format!("{path}/CUSTOMERACCOUNT2-1"), None)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);

    let before = api.items_without_counters().await;
    let reply = create_object(&api, &org, "a_bc").await;
    assert_error(&reply, 409);
    assert!(
        reply.body["message"].as_str().unwrap().contains("api_slug \"a_bc\""),
        "{:?}",
        reply.body
    );
    let chosen = json!({"name": "Chosen", "record_prefix": "ABC2", "api_slug": "chosen"});
    let reply = api.bearer(&org.key, "POST", "/orgs/c/tables", Some(&chosen)).await;
    assert_error(&reply, 409);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("record_prefix \"ABC2\""),
        "{:?}",
        reply.body
    );
    assert_eq!(api.items_without_counters().await, before);
    api.assert_audit_clean().await;
}
