//! The request pipeline: every request is authenticated by its route's scheme before
//! anything is written, and an `Idempotency-Key` is scoped to the authenticated caller.
//! One test per way the pipeline was broken when the key was claimed before authentication.

use api_tests::{assert_error, text, Item, TestApi};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use shared::auth::sha256_hex;
use shared::routes::{Access, Auth, Route, ROUTES};
use shared::store::cache::CacheSettings;

use api_tests::fixture::{fixture, valid_body};
use std::collections::BTreeSet;

fn record(name: &str) -> String {
    json!({"data": {"values": {"name": name}}}).to_string()
}

/// Every string and binary value in an item, keys and nested values included.
fn values_of(item: &Item) -> Vec<Vec<u8>> {
    fn walk(value: &AttributeValue, out: &mut Vec<Vec<u8>>) {
        match value {
            AttributeValue::S(s) => out.push(s.as_bytes().to_vec()),
            AttributeValue::B(b) => out.push(b.as_ref().to_vec()),
            AttributeValue::Ss(all) => out.extend(all.iter().map(|s| s.as_bytes().to_vec())),
            AttributeValue::L(all) => all.iter().for_each(|v| walk(v, out)),
            AttributeValue::M(map) => map.iter().for_each(|(k, v)| {
                out.push(k.as_bytes().to_vec());
                walk(v, out);
            }),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (name, value) in item {
        out.push(name.as_bytes().to_vec());
        walk(value, &mut out);
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The items in which `needle` appears anywhere, as their keys.
async fn items_holding(api: &TestApi, needle: &str) -> Vec<(String, String)> {
    api.items()
        .await
        .into_iter()
        .filter(|item| values_of(item).iter().any(|v| contains(v, needle.as_bytes())))
        .map(|item| (text(&item, "PK"), text(&item, "SK")))
        .collect()
}

/// `POST /v2/objects/companies/records` with a Bearer key, an Idempotency-Key and `extra`
/// headers.
async fn create_record(
    api: &TestApi,
    key: String,
    idempotency_key: &str,
    extra: &[(&str, &str)],
    name: &str,
) -> api_tests::Reply {
    let auth = format!("Bearer {key}");
    let mut headers = vec![
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
        ("idempotency-key", idempotency_key),
    ];
    headers.extend_from_slice(extra);
    api.send("POST", "/v2/objects/companies/records", &headers, record(name))
        .await
}

#[tokio::test]
async fn an_idempotency_key_is_scoped_to_the_caller_not_to_a_header() {
    let api = TestApi::start().await;
    let a = api.create_org("A", "a-owner").await;
    let b = api.create_org("B", "b-owner").await;
    for org in [&a, &b] {
        api.create_table(&org.key, "Companies", "CO", "companies").await;
    }
    // A header of another scheme, once enough to share B's scope with A.
    let send = |key: String, name: &'static str| create_record(&api, key, "K", &[("x-api-key", "anything")], name);
    let from_b = send(b.key.clone(), "Secret of B").await;
    assert_eq!(from_b.status, 200, "{:?}", from_b.body);
    let from_a = send(a.key.clone(), "Secret of B").await;
    assert_eq!(from_a.status, 200, "{:?}", from_a.body);
    assert!(
        from_a.headers.get("idempotent-replayed").is_none(),
        "A is not replayed B's answer"
    );
    assert_ne!(from_a.body["data"]["id"], from_b.body["data"]["id"]);
    assert_eq!(
        from_a.body["data"]["id"]["workspace_id"],
        shared::domain::organization::OrgId(a.id).workspace_id().to_string()
    );
    let in_a = api
        .bearer(&a.key, "POST", "/v2/objects/companies/records/query", Some(&json!({})))
        .await;
    assert_eq!(
        in_a.body["data"].as_array().map(Vec::len),
        Some(1),
        "A's record was made"
    );
    // Two keys of one organization are two callers too.
    let second = api
        .admin(
            "POST",
            &format!("/api/v1/organizations/{}/api_keys", a.id),
            Some(&json!({})),
        )
        .await;
    let second_key = second.body["secret"].as_str().expect("a new key's secret").to_string();
    let again = send(second_key, "Secret of B").await;
    assert!(again.headers.get("idempotent-replayed").is_none());
    assert_ne!(again.body["data"]["id"], from_a.body["data"]["id"]);
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn a_replay_with_a_revoked_or_deleted_key_is_refused() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let doomed = api.create_org("Doomed", "doomed-owner").await;
    for org in [&org, &doomed] {
        api.create_table(&org.key, "Companies", "CO", "companies").await;
    }
    let send = |key: &str| create_record(&api, key.to_string(), "create-1", &[], "Kept");
    assert_eq!(send(&org.key).await.status, 200);
    assert_eq!(send(&org.key).await.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(send(&doomed.key).await.status, 200);

    let revoke = format!("/api/v1/organizations/{}/api_keys?id={}", org.id, org.key_id());
    assert_eq!(api.admin("DELETE", &revoke, None).await.status, 200);
    let replay = send(&org.key).await;
    assert_error(&replay, 401);
    assert!(replay.headers.get("idempotent-replayed").is_none());

    let delete = format!("/api/v1/organizations/{}", doomed.id);
    assert_eq!(api.admin("DELETE", &delete, None).await.status, 200);
    let replay = send(&doomed.key).await;
    assert_error(&replay, 401);
    assert!(
        !replay.body.to_string().contains("Kept"),
        "nothing of the deleted organization comes back"
    );
}

#[tokio::test]
async fn no_secret_is_kept_in_clear_and_a_replay_still_returns_it() {
    let api = TestApi::start().await;
    let headers = |key: &'static str| {
        [
            ("content-type", "application/json"),
            ("x-api-key", api.admin_key.as_str()),
            ("idempotency-key", key),
        ]
    };
    let body = json!({"name": "Acme", "owner": {"external_id": "o", "email": "o@example.com", "name": "O"}});
    let org = api
        .send("POST", "/api/v1/organizations", &headers("org-1"), body.to_string())
        .await;
    assert_eq!(org.status, 201, "{:?}", org.body);
    let path = format!("/api/v1/organizations/{}/api_keys", org.body["organization"]["id"]);
    let key = api.send("POST", &path, &headers("key-1"), "{}").await;
    assert_eq!(key.status, 201, "{:?}", key.body);
    let secrets = [
        org.body["api_key"]["secret"]
            .as_str()
            .expect("the owner's key")
            .to_string(),
        key.body["secret"].as_str().expect("the new key").to_string(),
    ];
    for secret in &secrets {
        assert_eq!(items_holding(&api, secret).await, vec![], "{secret} is stored in clear");
        // Nor its random part alone.
        let random_part = secret.rsplit('_').next().unwrap();
        assert_eq!(items_holding(&api, random_part).await, vec![]);
    }
    let idempotency_records = api.items_with_pk_prefix("IDEMP#").await;
    assert_eq!(idempotency_records.len(), 2);
    for record in &idempotency_records {
        assert!(matches!(record.get("body"), Some(AttributeValue::B(_))), "{record:?}");
    }
    // The caller that made them gets them back, secret and all.
    let before = api.items().await;
    let replayed = api.send("POST", &path, &headers("key-1"), "{}").await;
    assert_eq!(replayed.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.body, key.body);
    let replayed = api
        .send("POST", "/api/v1/organizations", &headers("org-1"), body.to_string())
        .await;
    assert_eq!(replayed.body, org.body);
    assert_eq!(api.items().await, before, "a replay writes nothing");
}

#[tokio::test]
async fn an_unauthenticated_request_writes_nothing_on_any_route() {
    let f = fixture().await;
    let before = f.api.items().await;
    let wrong_key = format!("ak_{}_{}", uuid::Uuid::new_v4().simple(), "0".repeat(64));
    for route in ROUTES {
        let path = f.path(route);
        let credentials: Vec<Vec<(&str, String)>> = match route.auth {
            Auth::Admin => vec![vec![], vec![("x-api-key", "junk".into())]],
            Auth::Bearer | Auth::BearerIntrospected => vec![
                vec![],
                vec![("authorization", "Bearer junk".into())],
                vec![("authorization", format!("Bearer {wrong_key}"))],
                // Another scheme's valid credential is no credential here.
                vec![("x-api-key", f.api.admin_key.clone())],
            ],
            Auth::Token => vec![
                vec![
                    ("authorization", "Token junk".into()),
                    ("account-id", f.org.id.to_string()),
                ],
                vec![
                    ("authorization", format!("Token {wrong_key}")),
                    ("account-id", f.org.id.to_string()),
                ],
                vec![("x-api-key", f.api.admin_key.clone())],
            ],
            // Nothing to refuse: only that nothing is written.
            Auth::Public => vec![vec![]],
            Auth::Session => vec![
                vec![],
                vec![("cookie", format!("{}=junk", shared::session::COOKIE_NAME))],
                // A session's form, signed by no server key of ours.
                vec![("cookie", format!("{}=MTIz.YWJj", shared::session::COOKIE_NAME))],
                vec![("authorization", format!("Bearer {}", f.org.key))],
            ],
        };
        for credential in credentials {
            let mut headers = vec![
                ("content-type", "application/json".to_string()),
                ("idempotency-key", format!("unauthenticated-{}", route.function)),
            ];
            headers.extend(credential.clone());
            let reply = f.send(route, &path, &headers, "{}").await;
            let bearer_sent = credential.iter().any(|(name, _)| *name == "authorization");
            match route.auth {
                // Its answer is whether the key is valid (Attio's identify): it is not.
                Auth::BearerIntrospected if bearer_sent => {
                    assert_eq!(reply.status, 200, "{}: {:?}", route.function, reply.body);
                    assert_eq!(reply.body, serde_json::json!({"active": false}));
                }
                Auth::Public => {}
                // A page without a session leads to the access page, and shows nothing.
                Auth::Session => {
                    assert_eq!(reply.status, 303, "{}", route.function);
                    assert_eq!(reply.headers["location"], "/app/access", "{}", route.function);
                    assert!(api_tests::session_of(&reply).is_none());
                }
                _ => assert_error(&reply, 401),
            }
            assert_eq!(
                f.api.items().await,
                before,
                "{} {} with {credential:?} wrote",
                route.method,
                route.path
            );
        }
    }
}

#[tokio::test]
async fn no_item_holds_a_credential_or_its_hash() {
    let f = fixture().await;
    // An idempotent request of each scheme, so each kind of caller has a record.
    for route in ROUTES.iter().filter(|r| r.is_idempotent()) {
        let mut headers = f.headers(route);
        headers.push(("idempotency-key", format!("scoped-{}", route.function)));
        let path = f.request_path(route).await;
        let reply = f.send(route, &path, &headers, valid_body(route, &f)).await;
        assert!(reply.status < 300, "{}: {:?}", route.function, reply.body);
    }
    let records = f.api.items_with_pk_prefix("IDEMP#").await;
    let scopes: Vec<String> = records.iter().map(|r| text(r, "PK")).collect();
    assert!(
        scopes.contains(&"IDEMP#admin#scoped-create-user".to_string()),
        "{scopes:?}"
    );
    let org_scope = format!("IDEMP#org:{}:key:{}#scoped-create-team", f.org.id, f.org.key_id());
    assert!(scopes.contains(&org_scope), "{scopes:?}");
    let admin_hash = sha256_hex(&f.api.admin_key);
    for needle in [f.api.admin_key.as_str(), admin_hash.as_str()] {
        assert_eq!(items_holding(&f.api, needle).await, vec![], "{needle} is stored");
    }
    // An org key's hash is its API key item's `token_hash`, by design (it is 256 random
    // bits); it is never part of an item's key.
    let key_hash = sha256_hex(&f.org.key);
    for item in f.api.items().await {
        for name in ["PK", "SK", "GSI1PK", "GSI1SK"] {
            assert!(!text(&item, name).contains(&key_hash), "{item:?}");
        }
    }
}

/// Why a record write may read the organization's members: an actor-reference value names
/// one by email or id.
const MEMBER: &str = "finds the workspace member an actor-reference value names";

/// Actions a function needs on paths its one valid request does not take, each with the
/// path: granted beside what the request uses, and nothing else.
/// Why a SmartSuite record route reads the members: a table with a user field shows and
/// takes SmartSuite member ids (user ids), which it maps to and from member ids.
const SMARTSUITE_MEMBER: &str = "reads the organization's members for a user field";

const BEYOND_ONE_REQUEST: &[(&str, &str, &str)] = &[
    (
        "list-users",
        "GetItem",
        "checks that the organization it is filtered to exists",
    ),
    (
        "list-tasks",
        "BatchGetItem",
        "reads the tasks one record links (linked_record_id)",
    ),
    (
        "update-task",
        "ConditionCheckItem",
        "checks each record a change links, and each member it newly assigns",
    ),
    ("update-task", "DeleteItem", "removes the links a change drops"),
    ("update-task", "Query", "finds the members a change assigns"),
    ("update-task", "BatchGetItem", "finds the members a change assigns"),
    (
        "search-records",
        "BatchGetItem",
        "reads the records its index finds (no indexer runs here), and the members request_as may name",
    ),
    (
        "delete-object",
        "BatchWriteItem",
        "deletes the search items of the object's deleted records (the fixture's empty object has none)",
    ),
    ("create-record", "Query", MEMBER),
    ("create-record", "BatchGetItem", MEMBER),
    (
        "list-record-values",
        "Query",
        "reads the history with show_historic=true",
    ),
    ("update-record", "Query", MEMBER),
    ("update-record", "BatchGetItem", MEMBER),
    ("replace-record", "Query", MEMBER),
    ("replace-record", "BatchGetItem", MEMBER),
    ("assert-record", "Query", MEMBER),
    ("assert-record", "BatchGetItem", MEMBER),
    ("create-application-record", "Query", SMARTSUITE_MEMBER),
    ("get-application-record", "Query", SMARTSUITE_MEMBER),
    ("update-application-record", "Query", SMARTSUITE_MEMBER),
    ("update-application-record", "PutItem", "claims a changed unique value"),
    (
        "update-application-record",
        "DeleteItem",
        "frees the unique value it replaced",
    ),
    ("replace-application-record", "Query", SMARTSUITE_MEMBER),
    (
        "list-application-records",
        "BatchGetItem",
        "an indexed filter or sort reads the records it lists by id",
    ),
    ("delete-application-record", "BatchWriteItem", "deletes that history"),
    ("restore-application-record", "Query", SMARTSUITE_MEMBER),
    ("delete-application-records", "BatchWriteItem", "deletes that history"),
    ("create-application-records", "Query", SMARTSUITE_MEMBER),
    ("update-application-records", "Query", SMARTSUITE_MEMBER),
    (
        "update-application-records",
        "DeleteItem",
        "frees the unique value it replaced",
    ),
    ("replace-application-records", "Query", SMARTSUITE_MEMBER),
    (
        "replace-application-records",
        "PutItem",
        "claims a changed unique value",
    ),
    (
        "replace-application-records",
        "DeleteItem",
        "frees the unique value it replaced",
    ),
    ("update-record", "DeleteItem", "frees the unique value it replaced"),
    ("replace-record", "PutItem", "claims a changed unique value"),
    ("replace-record", "DeleteItem", "frees the unique value it replaced"),
    ("assert-record", "DeleteItem", "frees the unique value it replaced"),
    (
        "update-team",
        "ConditionCheckItem",
        "checks that added members belong to the organization",
    ),
    ("update-list", "Query", "checks the members its access names"),
    ("update-list", "BatchGetItem", "checks the members its access names"),
    ("update-list", "PutItem", "moves the list's slug sentinel"),
    ("update-list", "DeleteItem", "moves the list's slug sentinel"),
    ("create-entry", "Query", MEMBER),
    ("create-entry", "BatchGetItem", MEMBER),
    ("assert-entry", "BatchGetItem", MEMBER),
    ("assert-entry", "PutItem", "creates the entry when its parent has none"),
    ("assert-entry", "DeleteItem", "frees the unique value it replaced"),
    ("update-entry", "Query", MEMBER),
    ("update-entry", "BatchGetItem", MEMBER),
    ("update-entry", "PutItem", "keeps a replaced value in its history"),
    ("update-entry", "DeleteItem", "frees the unique value it replaced"),
    ("replace-entry", "Query", MEMBER),
    ("replace-entry", "BatchGetItem", MEMBER),
    ("replace-entry", "PutItem", "keeps a replaced value in its history"),
    ("replace-entry", "DeleteItem", "frees the unique value it replaced"),
    (
        "list-entry-values",
        "Query",
        "reads the history with show_historic=true",
    ),
    ("delete-entry", "BatchWriteItem", "deletes that history"),
];

/// Every route, sent its valid request twice (with an `Idempotency-Key`, which the POSTs
/// that read ignore; the second may be served by the caches or replayed, the first may not),
/// does exactly what template.yaml grants its function, no more (DynamoDB Local enforces no
/// IAM: this is where a write under a read-only grant shows) and no less (a grant no
/// request uses is a grant an attacker could), and a read writes nothing.
#[tokio::test]
async fn every_function_is_granted_exactly_what_it_does() {
    let f = fixture().await;
    // Deletes last, so the rest still find their resources.
    let mut routes: Vec<&Route> = ROUTES.iter().collect();
    routes.sort_by_key(|r| r.method == "DELETE");
    let mut mismatches = Vec::new();
    for route in routes {
        let mut headers = f.headers(route);
        headers.push(("idempotency-key", format!("iam-{}", route.function)));
        let mut path = f.request_path(route).await;
        if route.function == "delete-organization" {
            // An organization with something of each kind to purge.
            let victim = f.api.create_org("Victim", "victim-owner").await;
            let table = f.api.create_table(&victim.key, "Companies", "CO", "companies").await;
            f.api
                .add_field(
                    &victim.key,
                    table["id"].as_str().expect("a table id"),
                    &json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}}),
                )
                .await;
            let record = json!({"data": {"values": {"name": "Acme", "domain": "acme.com"}}});
            f.api
                .bearer(&victim.key, "POST", "/v2/objects/companies/records", Some(&record))
                .await;
            f.api
                .token(
                    &victim.key,
                    victim.id,
                    "POST",
                    "/api/v1/teams",
                    Some(&json!({"name": "Sales"})),
                )
                .await;
            path = format!("/api/v1/organizations/{}", victim.id);
        }
        // A container of its own, as Lambda gives each function: its first request finds
        // every cache cold (the key, the table), its second may find them warm.
        let container = f.api.another_container(CacheSettings::default()).await;
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let before = (route.access == Access::Read).then_some(f.api.items().await);
        for attempt in 0..2 {
            let reply = container
                .send(route.method, &path, &headers, valid_body(route, &f))
                .await;
            // A redirect is a page's success (the embed URL's, the sign-out's).
            let success = if route.auth.is_page() { 400 } else { 300 };
            assert!(
                attempt == 1 || reply.status < success,
                "{}: {} {:?}",
                route.function,
                reply.status,
                reply.body
            );
        }
        if let Some(before) = before {
            assert_eq!(f.api.items().await, before, "{} is a read, and wrote", route.function);
        }
        let used: BTreeSet<String> = container.operations.take().into_iter().collect();
        let mut needed = used.clone();
        // Every write POST may delete: it releases its Idempotency-Key after a 5xx.
        if route.is_idempotent() {
            needed.insert("DeleteItem".to_string());
        }
        for (function, action, why) in BEYOND_ONE_REQUEST {
            if *function == route.function {
                assert!(
                    !used.contains(*action),
                    "{function}: {action} is used; drop it from the list ({why})"
                );
                needed.insert(action.to_string());
            }
        }
        let granted: BTreeSet<String> = route.grants.iter().map(|g| g.name().to_string()).collect();
        if needed != granted {
            mismatches.push(format!("{}: needs {needed:?}, granted {granted:?}", route.function));
        }
    }
    assert!(
        mismatches.is_empty(),
        "grants in shared/src/catalog.rs differ from what the functions do:\n{}",
        mismatches.join("\n")
    );
}
