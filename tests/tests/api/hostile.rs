//! Hostile inputs against every route of the route table: oversized and malformed bodies,
//! absurd nesting and numbers, odd headers and path segments. Each gets a 4xx with the
//! error body naming what was wrong, and none writes anything.

use api_tests::fixture::fixture;
use api_tests::{assert_error, assert_page_error, assert_to_access, Reply};
use shared::http::MAX_BODY_BYTES;
use shared::routes::{Auth, Route, ROUTES};

/// A 4xx with the error body whose message contains `needle` (case-insensitive).
fn assert_named(reply: &Reply, status: u16, needle: &str, case: &str) {
    assert_error(reply, status);
    let message = reply.body["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(
        message.contains(&needle.to_lowercase()),
        "{case}: the message should name {needle:?}: {:?}",
        reply.body
    );
}

fn route_for(method: &str, path: &str) -> &'static Route {
    match gateway::match_route(method, path).unwrap() {
        gateway::Matched::Route(route, _) => route,
        other => panic!("{method} {path}: {other:?}"),
    }
}

/// Whether the route takes a JSON body (a page's form is no JSON).
fn takes_body(route: &Route) -> bool {
    matches!(route.method, "POST" | "PUT" | "PATCH") && !route.auth.is_page()
}

#[tokio::test]
async fn malformed_bodies_are_refused_on_every_route_and_write_nothing() {
    let f = fixture().await;
    let before = f.api.items().await;
    let oversized = format!("{{\"name\": \"{}\"}}", "x".repeat(MAX_BODY_BYTES));
    let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let deep_arrays = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    for route in ROUTES.iter().filter(|r| takes_body(r)) {
        let path = f.path(route);
        let headers = f.headers(route);
        let case = |what: &str| format!("{} {}: {what}", route.method, route.path);
        let reply = f.send(route, &path, &headers, oversized.clone()).await;
        assert_named(&reply, 413, &MAX_BODY_BYTES.to_string(), &case("over the size limit"));
        let reply = f.send(route, &path, &headers, deep.clone()).await;
        assert_named(&reply, 400, "JSON", &case("objects nested 10,000 deep"));
        let reply = f.send(route, &path, &headers, deep_arrays.clone()).await;
        assert_named(&reply, 400, "JSON", &case("arrays nested 10,000 deep"));
        let reply = f
            .send(route, &path, &headers, b"{\"name\": \"\xff\xfe\"}".to_vec())
            .await;
        assert_named(&reply, 400, "JSON", &case("invalid UTF-8"));
        let reply = f.send(route, &path, &headers, "{\"name\": ").await;
        assert_named(&reply, 400, "JSON", &case("truncated JSON"));
        let reply = f.send(route, &path, &headers, "[1, 2]").await;
        assert_named(&reply, 400, "JSON object", &case("an array body"));
        let reply = f.send(route, &path, &headers, "{} {}").await;
        assert_named(&reply, 400, "after its JSON object", &case("two JSON values"));
        let mut wrong_type = headers.clone();
        wrong_type[0] = ("content-type", "text/plain".into());
        let reply = f.send(route, &path, &wrong_type, "{}").await;
        assert_named(&reply, 400, "Content-Type", &case("text/plain"));
        let without: Vec<_> = headers.iter().skip(1).cloned().collect();
        let reply = f.send(route, &path, &without, "{}").await;
        assert_named(&reply, 400, "Content-Type", &case("no content type"));
    }
    assert_eq!(f.api.items().await, before, "a refused request wrote something");
}

#[tokio::test]
async fn numbers_beyond_i64_and_f64_are_refused() {
    let f = fixture().await;
    let before = f.api.items().await;
    let huge_int = "123456789012345678901234567890";
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "POST",
            "/v2/objects/companies/records".into(),
            r#"{"data": {"values": {"employees": 1e400}}}"#.into(),
            "JSON",
        ),
        (
            "POST",
            "/v2/objects/companies/records".into(),
            r#"{"data": {"values": {"employees": -1e400}}}"#.into(),
            "JSON",
        ),
        (
            "POST",
            "/v2/objects/companies/records".into(),
            format!(r#"{{"data": {{"values": {{"employees": {huge_int}}}}}}}"#),
            "64-bit integer",
        ),
        (
            "POST",
            "/v2/objects/companies/records/query".into(),
            format!(r#"{{"limit": {huge_int}}}"#),
            "64-bit integer",
        ),
        (
            "POST",
            "/v2/objects/companies/records/query".into(),
            r#"{"offset": 1e400}"#.into(),
            "JSON",
        ),
        (
            "POST",
            "/api/v1/users".into(),
            format!(r#"{{"external_id": "x", "email": "x@example.com", "name": "X", "organization_id": {huge_int}}}"#),
            "64-bit integer",
        ),
        (
            "POST",
            "/api/v1/teams/".into(),
            format!(r#"{{"name": "Big", "type": {huge_int}}}"#),
            "64-bit integer",
        ),
    ];
    for (method, path, body, needle) in cases {
        let route = route_for(method, &path);
        let reply = f.send(route, &path, &f.headers(route), body.clone()).await;
        assert_named(&reply, 400, needle, &format!("{method} {path} {body}"));
    }
    assert_eq!(f.api.items().await, before, "a refused request wrote something");
}

#[tokio::test]
async fn duplicate_keys_are_refused_in_every_object_of_a_body() {
    let f = fixture().await;
    let before = f.api.items().await;
    // The documented rule: a key given twice in any object of a body is a 400 naming it by
    // its path, never "last one wins".
    let cases = [
        (
            "/orgs/c/tables",
            r#"{"name": "A", "name": "B", "record_prefix": "DUP"}"#,
            "name",
        ),
        (
            "/v2/objects/companies/records",
            r#"{"data": {"values": {"employees": 1, "employees": 2}}}"#,
            "employees",
        ),
        (
            "/api/v1/users",
            r#"{"external_id": "a", "external_id": "b"}"#,
            "external_id",
        ),
        // Free-form JSON the API keeps as it is, and keys it ignores, follow the same rule.
        (
            "/v2/objects/companies/records/query",
            r#"{"filter": {"employees": 1, "employees": 2}}"#,
            "`filter.employees`",
        ),
        (
            "/v2/objects/companies/records/query",
            r#"{"sorts": [{"attribute": "name", "attribute": "employees", "direction": "asc"}]}"#,
            "`sorts[0].attribute`",
        ),
        (
            "/orgs/c/tables",
            r#"{"name": "A", "record_prefix": "DUP", "extra": {"x": 1, "x": 2}}"#,
            "`extra.x`",
        ),
    ];
    for (path, body, needle) in cases {
        let route = route_for("POST", path);
        let reply = f.send(route, path, &f.headers(route), body).await;
        assert_named(&reply, 400, needle, path);
        assert_named(&reply, 400, "more than once", path);
    }
    assert_eq!(f.api.items().await, before, "a refused request wrote something");
}

#[tokio::test]
async fn hostile_headers_are_refused_on_every_route() {
    let f = fixture().await;
    let before = f.api.items().await;
    let long = format!("Bearer {}", "k".repeat(64 * 1024));
    for route in ROUTES {
        let path = f.path(route);
        let headers = f.headers(route);
        let case = |what: &str| format!("{} {}: {what}", route.method, route.path);
        let body = if takes_body(route) { "{}" } else { "" };
        if route.auth.is_page() {
            if route.auth == Auth::Session {
                // No session, or a 64 KiB cookie: to the access page, nothing shown.
                assert_to_access(&f.send(route, &path, &headers[..1], body).await);
                let cookie = format!("{}={}", shared::session::COOKIE_NAME, "k".repeat(64 * 1024));
                let long = [headers[0].clone(), ("cookie", cookie)];
                assert_to_access(&f.send(route, &path, &long, body).await);
            }
            continue;
        }
        // No credentials at all.
        let reply = f.send(route, &path, &headers[..1], body).await;
        assert_error(&reply, 401);
        // A 64 KiB credential.
        let mut with_long = headers.clone();
        let name = if route.auth == Auth::Admin {
            "x-api-key"
        } else {
            "authorization"
        };
        with_long.retain(|(n, _)| *n != name);
        with_long.push((name, long.clone()));
        let reply = f.send(route, &path, &with_long, body).await;
        if route.auth == Auth::BearerIntrospected {
            // Its answer is whether the key is valid: it is not.
            assert_eq!(reply.status, 200, "{}: {:?}", case("a 64 KiB key"), reply.body);
            assert_eq!(reply.body, serde_json::json!({"active": false}));
        } else {
            assert_error(&reply, 401);
        }
        // The credential header twice.
        let mut twice = headers.clone();
        let first = headers.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        twice.push((name, first));
        let reply = f.send(route, &path, &twice, body).await;
        assert_named(&reply, 400, name, &case("the credential twice"));
        if route.auth == Auth::Token {
            let mut accounts = headers.clone();
            accounts.push(("account-id", "999".into()));
            let reply = f.send(route, &path, &accounts, body).await;
            assert_named(&reply, 400, "account-id", &case("two ACCOUNT-ID headers"));
        }
    }
    assert_eq!(f.api.items().await, before, "a refused request wrote something");
}

#[tokio::test]
async fn odd_path_segments_are_not_found_on_every_route() {
    let f = fixture().await;
    let before = f.api.items().await;
    // Ids longer than any key may hold, in bytes and in characters: past DynamoDB's
    // 1,024-byte sort key once prefixed, and past the 255 characters any id can have.
    let long_ascii = "a".repeat(1020);
    let long_hex = "f".repeat(1100);
    let long_emoji = "%F0%9F%98%80".repeat(256);
    let odd = [
        "%2F",
        "..",
        "%2E%2E",
        "a%2Fb",
        "%C3%A9%E6%BC%A2",
        "%F0%9F%92%A5",
        "x%00y",
        "%20",
        long_ascii.as_str(),
        long_hex.as_str(),
        long_emoji.as_str(),
    ];
    for route in ROUTES.iter().filter(|r| r.path.contains('{')) {
        let headers = f.headers(route);
        let body = if takes_body(route) { "{}" } else { "" };
        for segment in odd {
            // Each parameter in turn, the others real.
            for param in route
                .path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            {
                if param == "org_id" {
                    continue; // `c` or the key's own org id; covered by the tables tests.
                }
                let path = f.path_with(route, |name| {
                    if name == param {
                        segment.to_string()
                    } else {
                        f.param(route, name)
                    }
                });
                let reply = f.send(route, &path, &headers, body).await;
                assert!(
                    matches!(reply.status, 400 | 404),
                    "{} {path}: {} {:?}",
                    route.method,
                    reply.status,
                    reply.body
                );
                if route.auth.is_page() {
                    assert_page_error(&reply, reply.status);
                } else {
                    assert_error(&reply, reply.status);
                }
            }
        }
    }
    // A bad percent escape is the gateway's 400.
    let reply = f.api.admin("GET", "/api/v1/organizations/%ZZ", None).await;
    assert_named(&reply, 400, "percent escape", "a bad escape");
    assert_eq!(f.api.items().await, before, "a refused request wrote something");
}
