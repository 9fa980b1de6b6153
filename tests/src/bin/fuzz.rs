//! `make fuzz` (part of `make test`): schemathesis against the local gateway, generating
//! requests from the OpenAPI document the gateway serves at `/openapi.json`.
//!
//! It starts DynamoDB Local and a gateway (the test harness's), creates fixtures so that
//! generated requests reach real resources (path parameters are pinned to them; bodies,
//! queries and headers are generated), writes a schemathesis config holding the keys for
//! the three auth schemes, runs `st`, and then runs the invariant audit over the table:
//! whatever the generated requests did, the store must still be consistent.
//!
//! Then a second phase of its own sends the shapes a schema does not lead a generator to,
//! which once crashed a container or got a 5xx: sorts on sub-fields of any attribute, in
//! either direction, over values that lack them; numbers, dates and timestamps at and past
//! what can be stored, in values and in filters; path parameters of hundreds to thousands
//! of characters on every route. Every answer must be below 500.
//!
//! Environment: `FUZZ_EXAMPLES` (cases per operation and phase, default 50),
//! `FUZZ_TIMEOUT_SECONDS` (the whole run, default 900), `FUZZ_SEED` (both phases),
//! `FUZZ_SHAPES` (requests in the second phase, default 600).

use std::process::ExitCode;
use std::time::Duration;

use api_tests::{repo_root, TestApi};
use serde_json::{json, Value};
use shared::routes::Auth;

/// The checks that hold for this API. `positive_data_acceptance` is left out: the schema
/// cannot say every rule a valid request must meet (a slug already taken, a record that
/// references an unknown record, an email's domain), so a schema-valid request may rightly
/// get a 400.
/// `ensure_resource_availability` (ST302) expects a resource the stateful phase just
/// created to be found by the link's id; but every id in a path is pinned to a fixture
/// below (so the other phases reach past the 404), and a pin replaces the link's id, so
/// the check would judge the pinned resource (a deleted one, for the deletes) as if it were
/// the one just created.
const EXCLUDED_CHECKS: &str = "positive_data_acceptance,ensure_resource_availability";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn created(reply: api_tests::Reply, what: &str) -> Value {
    assert!(reply.status < 300, "creating the fuzz fixture {what}: {:?}", reply.body);
    reply.body
}

#[tokio::main]
async fn main() -> ExitCode {
    let root = repo_root();
    let st = root.join(".venv/bin/st");
    if !st.exists() {
        eprintln!("fuzz: {} is missing; `make tools` installs it", st.display());
        return ExitCode::FAILURE;
    }
    let api = TestApi::start().await;
    let org = api.create_org("Fuzz", "fuzz-owner").await;
    // Sacrificial resources for the delete operations, so the rest keep theirs.
    let victim = api.create_org("Fuzz victim", "fuzz-victim").await;

    let table = api.create_table(&org.key, "Companies", "COMP", "companies").await;
    let table_id = table["id"].as_str().expect("a table id").to_string();
    let mut field_id = String::new();
    for field in [
        json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}}),
        json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}}),
        json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Customer"]}}),
        json!({"key": "parent", "schema": {"name": "Parent", "type": "record-reference", "link": "companies"}}),
        json!({"key": "hq", "schema": {"name": "HQ", "type": "location"}}),
        json!({"key": "founded", "schema": {"name": "Founded", "type": "timestamp"}}),
        json!({"key": "revenue", "schema": {"name": "Revenue", "type": "currency"}}),
        json!({"key": "pipeline", "schema": {"name": "Pipeline", "type": "status", "options": ["Open", "Won"]}}),
    ] {
        let added = api.add_field(&org.key, "companies", &field).await;
        field_id = added["id"].as_str().expect("a field id").to_string();
    }
    let record = |name: &str| json!({"data": {"values": {"name": name, "employees": 10, "stage": "Lead"}}});
    let path = "/v2/objects/companies/records";
    let kept = created(
        api.bearer(&org.key, "POST", path, Some(&record("Kept"))).await,
        "record",
    );
    let doomed = created(
        api.bearer(&org.key, "POST", path, Some(&record("Doomed"))).await,
        "record",
    );
    let record_id = kept["data"]["id"]["record_id"]
        .as_str()
        .expect("a record id")
        .to_string();
    let doomed_record_id = doomed["data"]["id"]["record_id"]
        .as_str()
        .expect("a record id")
        .to_string();

    // Notes on the kept record: one kept, one to delete.
    let mut notes = Vec::new();
    for title in ["Kept note", "Doomed note"] {
        let body = json!({"data": {"parent_object": "companies", "parent_record_id": record_id,
            "title": title, "format": "plaintext", "content": title}});
        let reply = api.bearer(&org.key, "POST", "/v2/notes", Some(&body)).await;
        let body = created(reply, "note");
        notes.push(body["data"]["id"]["note_id"].as_str().expect("a note id").to_string());
    }

    // Tasks linked to the kept record: one kept, one to delete.
    let mut tasks = Vec::new();
    for content in ["Kept task", "Doomed task"] {
        let body = json!({"data": {"content": content, "format": "plaintext", "deadline_at": null,
            "is_completed": false, "linked_records": [record_id], "assignees": []}});
        let reply = api.bearer(&org.key, "POST", "/v2/tasks", Some(&body)).await;
        let body = created(reply, "task");
        tasks.push(body["data"]["id"]["task_id"].as_str().expect("a task id").to_string());
    }

    // A list of the companies, for the list routes.
    let list = json!({"data": {"name": "Kept list", "api_slug": "kept_list", "parent_object": "companies",
        "workspace_access": "full-access", "workspace_member_access": []}});
    created(api.bearer(&org.key, "POST", "/v2/lists", Some(&list)).await, "list");
    // A list for PATCH alone: a new slug it is given would leave the others' kept_list
    // unfound.
    let patched = json!({"data": {"name": "Patched list", "api_slug": "patched_list", "parent_object": "companies",
        "workspace_access": "full-access", "workspace_member_access": []}});
    let patched = created(api.bearer(&org.key, "POST", "/v2/lists", Some(&patched)).await, "list");
    let patched_list = patched["data"]["id"]["list_id"]
        .as_str()
        .expect("a list id")
        .to_string();
    // Entries of it: one kept (of the kept record, which the assert finds), one to delete
    // (of a record of its own: the record deletes take the doomed record and its entries).
    let listed = created(
        api.bearer(&org.key, "POST", path, Some(&record("Listed"))).await,
        "record",
    );
    let listed_id = listed["data"]["id"]["record_id"].as_str().expect("a record id");
    let mut entries = Vec::new();
    for parent in [record_id.as_str(), listed_id] {
        let body = json!({"data": {"parent_record_id": parent, "parent_object": "companies", "entry_values": {}}});
        let reply = api
            .bearer(&org.key, "POST", "/v2/lists/kept_list/entries", Some(&body))
            .await;
        let body = created(reply, "entry");
        entries.push(
            body["data"]["id"]["entry_id"]
                .as_str()
                .expect("an entry id")
                .to_string(),
        );
    }

    let account = org.id.to_string();
    let mut teams = Vec::new();
    for name in ["Kept team", "Doomed team"] {
        let team = json!({"name": name, "type": 2, "members": [org.user_id.to_string()]});
        let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&team)).await;
        let body = created(reply, "team");
        teams.push(body["id"].as_str().expect("a team id").to_string());
    }

    // Webhooks: one kept, one to delete, and a delivery of the kept one to redeliver (seeded
    // in the table: no event has been fanned out).
    let mut webhooks = Vec::new();
    for target in ["https://example.com/kept", "https://example.com/doomed"] {
        let body = json!({"data": {"target_url": target, "subscriptions": []}});
        let reply = api.bearer(&org.key, "POST", "/v2/webhooks", Some(&body)).await;
        let body = created(reply, "webhook");
        webhooks.push(
            body["data"]["id"]["webhook_id"]
                .as_str()
                .expect("a webhook id")
                .to_string(),
        );
    }
    let delivery = shared::store::deliveries::DeliveryItem {
        org_id: org.id,
        delivery_id: format!("00000000000000000001-00000000.{}", webhooks[0]),
        webhook_id: webhooks[0].clone(),
        event_id: "00000000000000000001-00000000".into(),
        body: json!({"webhook_id": webhooks[0], "events": []}).to_string(),
        attempts: 1,
        state: "delivered".into(),
        last_status: Some(200),
        last_error: None,
        last_latency_ms: Some(1),
        next_attempt_at: None,
        created_at: "2026-12-05T00:00:00.000000Z".into(),
        expires_at: 4_102_444_800,
        smartsuite: false,
    };
    api.state
        .store
        .create_delivery(&delivery)
        .await
        .expect("the delivery is seeded");

    // A session for the pages (the owner's; the embed-token rotations take another member,
    // so this one lasts the run).
    let member =
        json!({"external_id": "fuzz-rotated", "email": "rotated@example.com", "name": "R", "organization_id": org.id});
    created(api.admin("POST", "/api/v1/users", Some(&member)).await, "member");
    let embed_token = api.embed_token("fuzz-owner", org.id).await;
    let session = api.sign_in(&embed_token).await;

    let dir = std::env::temp_dir().join(format!("fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let config = format!(
        r#"# Written by tests/src/bin/fuzz.rs for one run.
[auth.openapi.AdminKey]
api_key = "{admin}"
[auth.openapi.Bearer]
bearer = "{key}"
[auth.openapi.Token]
api_key = "Token {key}"
[auth.openapi.AccountId]
api_key = "{account}"
[auth.openapi.Session]
api_key = "{session}"

[cache]
enabled = false
[generation]
database = "none"
# Unknown query parameters and body keys are ignored, as the vendors' APIs ignore them (see
# README "Errors"): a request that adds one is not invalid.
allow-extra-parameters = false

[[operations]]
include-path-regex = "^/orgs/"
parameters = {{ "path.org_id" = "c", "path.table_id" = "{table_id}", "path.field_id" = "{field_id}" }}

[[operations]]
include-operation-id-regex = "^(create|get|update|replace|query)-records?$"
parameters = {{ "path.object" = "companies", "path.record_id" = "{record_id}" }}

[[operations]]
include-operation-id = "assert-record"
parameters = {{ "path.object" = "companies", "query.matching_attribute" = "domain" }}

[[operations]]
include-operation-id-regex = "^(list|get|update)-(attributes?|object)$|^list-record-values$"
parameters = {{ "path.object" = "companies", "path.target" = "objects", "path.identifier" = "companies", "path.attribute" = "stage", "path.record_id" = "{record_id}" }}

[[operations]]
include-operation-id-regex = "-attribute-options?$"
parameters = {{ "path.target" = "objects", "path.identifier" = "companies", "path.attribute" = "stage", "path.option" = "Lead" }}

[[operations]]
include-operation-id-regex = "-attribute-status(es)?$"
parameters = {{ "path.target" = "objects", "path.identifier" = "companies", "path.attribute" = "pipeline", "path.status" = "Open" }}

[[operations]]
include-operation-id = "get-list"
parameters = {{ "path.list" = "kept_list" }}

[[operations]]
include-operation-id = "update-list"
parameters = {{ "path.list" = "{patched_list}" }}

[[operations]]
include-operation-id-regex = "^(create|assert|query)-entr(y|ies)$"
parameters = {{ "path.list" = "kept_list" }}

[[operations]]
include-operation-id-regex = "^(get|update|replace)-entry$|^list-entry-values$"
parameters = {{ "path.list" = "kept_list", "path.entry_id" = "{kept_entry}", "path.attribute" = "parent_record" }}

[[operations]]
include-operation-id = "delete-entry"
parameters = {{ "path.list" = "kept_list", "path.entry_id" = "{doomed_entry}" }}

[[operations]]
include-operation-id = "list-record-entries"
parameters = {{ "path.object" = "companies", "path.record_id" = "{record_id}" }}

[[operations]]
include-operation-id = "create-attribute"
parameters = {{ "path.target" = "objects", "path.identifier" = "companies" }}

[[operations]]
include-operation-id = "delete-record"
parameters = {{ "path.object" = "companies", "path.record_id" = "{doomed_record_id}" }}

[[operations]]
include-operation-id-regex = "^(get|update)-team$"
parameters = {{ "path.id" = "{kept_team}" }}

[[operations]]
include-operation-id = "delete-team"
parameters = {{ "path.id" = "{doomed_team}" }}

[[operations]]
include-operation-id = "get-solution"
parameters = {{ "path.solution_id" = "{solution_id}" }}

[[operations]]
include-operation-id-regex = "^(get-application|add-field|bulk-add-fields|bulk-add-fields-underscored|change-field|delete-field)$"
parameters = {{ "path.application_id" = "{table_id}" }}

[[operations]]
include-operation-id-regex = "^(create|get|update|replace|list)-application-records?$"
parameters = {{ "path.application_id" = "companies", "path.record_id" = "{record_id}" }}

[[operations]]
include-operation-id-regex = "^(delete|restore)-application-record$"
parameters = {{ "path.application_id" = "companies", "path.record_id" = "{doomed_record_id}" }}

[[operations]]
include-operation-id-regex = "^(get|update)-organization$|-api-keys?$"
parameters = {{ "path.id" = "{org_id}" }}

[[operations]]
include-operation-id = "delete-organization"
parameters = {{ "path.id" = "{victim_id}" }}

[[operations]]
include-operation-id-regex = "^(get|update)-user$"
parameters = {{ "path.external_id" = "fuzz-owner" }}

[[operations]]
include-operation-id = "list-users"
parameters = {{ "query.organization_id" = "{org_id}" }}

[[operations]]
include-operation-id-regex = "^(get|update)-webhook$|^list-webhook-deliveries$"
parameters = {{ "path.webhook_id" = "{kept_webhook}" }}

# Attio's identify answers whether a key is valid: a key sent but not valid is 200
# `{{"active": false}}` (as Attio documents), which this check would take for ignored auth.
[[operations]]
include-operation-id = "get-self"
checks.ignored_auth.enabled = false

[[operations]]
include-operation-id = "get-workspace-member"
parameters = {{ "path.workspace_member_id" = "{member_id}" }}

[[operations]]
include-operation-id = "delete-webhook"
parameters = {{ "path.webhook_id" = "{doomed_webhook}" }}

[[operations]]
include-operation-id = "get-note"
parameters = {{ "path.note_id" = "{kept_note}" }}

[[operations]]
include-operation-id = "delete-note"
parameters = {{ "path.note_id" = "{doomed_note}" }}

[[operations]]
include-operation-id-regex = "^(get|update)-task$"
parameters = {{ "path.task_id" = "{kept_task}" }}

[[operations]]
include-operation-id = "delete-task"
parameters = {{ "path.task_id" = "{doomed_task}" }}

[[operations]]
include-operation-id = "redeliver-webhook-delivery"
parameters = {{ "path.webhook_id" = "{kept_webhook}", "path.delivery_id" = "{delivery_id}" }}

# The pages: a page without a session answers a redirect to the access page (documented),
# never 401, so the check that wants 401 for a missing credential does not apply, and a
# request without the cookie is refused by that redirect (303) as much as by a 4xx.
[[operations]]
include-operation-id-regex = "^(tables|teams|records|record)-page$|^sign-out$"
parameters = {{ "path.workspace" = "{workspace}", "path.object" = "companies", "path.record_id" = "{record_id}" }}
checks.ignored_auth.enabled = false
checks.negative_data_rejection.expected-statuses = [303, 400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429]

[[operations]]
include-operation-id = "open-embed"
parameters = {{ "query.token" = "{embed_token}" }}

[[operations]]
include-operation-id = "get-embed-token"
parameters = {{ "path.external_id" = "fuzz-owner" }}

[[operations]]
include-operation-id-regex = "^(create|delete)-embed-token$"
parameters = {{ "path.external_id" = "fuzz-rotated" }}
"#,
        admin = api.admin_key,
        key = org.key,
        account = account,
        solution_id = shared::domain::organization::OrgId(org.id).solution_id(),
        table_id = table_id,
        field_id = field_id,
        record_id = record_id,
        doomed_record_id = doomed_record_id,
        kept_team = teams[0],
        doomed_team = teams[1],
        kept_entry = entries[0],
        patched_list = patched_list,
        doomed_entry = entries[1],
        org_id = org.id,
        victim_id = victim.id,
        kept_webhook = webhooks[0],
        doomed_webhook = webhooks[1],
        kept_note = notes[0],
        doomed_note = notes[1],
        kept_task = tasks[0],
        doomed_task = tasks[1],
        delivery_id = delivery.delivery_id,
        member_id = shared::domain::organization::OrgId(org.id).member_id(org.user_id),
        workspace = shared::domain::organization::OrgId(org.id).workspace_id(),
    );
    let config_path = dir.join("schemathesis.toml");
    std::fs::write(&config_path, config).expect("the config is written");

    let examples = env_number("FUZZ_EXAMPLES", 50);
    let timeout = Duration::from_secs(env_number("FUZZ_TIMEOUT_SECONDS", 900));
    let mut command = tokio::process::Command::new(&st);
    command
        .arg("--config-file")
        .arg(&config_path)
        .arg("run")
        .arg(format!("{}/openapi.json", api.base_url))
        .args(["--max-examples", &examples.to_string()])
        .args(["--request-timeout", "10"])
        .args(["--exclude-checks", EXCLUDED_CHECKS])
        // One worker: Hypothesis on Python 3.11 can crash parsing sources in several threads.
        .args(["--workers", "1"])
        .env("HYPOTHESIS_STORAGE_DIRECTORY", dir.join("hypothesis"))
        .env("NO_COLOR", "1")
        .current_dir(&dir)
        .kill_on_drop(true);
    if let Ok(seed) = std::env::var("FUZZ_SEED") {
        command.args(["--seed", &seed]);
    }
    eprintln!(
        "fuzz: schemathesis, {examples} cases per operation and phase, at most {} s",
        timeout.as_secs()
    );
    let mut child = command.spawn().expect("st starts");
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.expect("st runs"),
        Err(_) => {
            eprintln!("fuzz: schemathesis did not finish within {} s", timeout.as_secs());
            let _ = child.kill().await;
            return ExitCode::FAILURE;
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    let shapes = hostile_shapes(&api, &org, &record_id, &session).await;
    // The organizations the run deleted are purged from the stream, as in a deployment.
    api.wait_for_purges().await;
    let report = api.state.store.audit().await.expect("the audit reads the table");
    if !report.is_clean() {
        eprintln!("fuzz: the audit found breaches after the run: {:#?}", report.breaches);
        return ExitCode::FAILURE;
    }
    eprintln!("fuzz: audit clean after the run");
    if !shapes {
        return ExitCode::FAILURE;
    }
    if status.success() {
        ExitCode::SUCCESS
    } else {
        eprintln!("fuzz: schemathesis reported failures ({status})");
        ExitCode::FAILURE
    }
}

/// A small deterministic generator (xorshift64*), so a run can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ATTRIBUTES: [&str; 10] = [
    "name",
    "domain",
    "employees",
    "stage",
    "parent",
    "hq",
    "founded",
    "revenue",
    "nothing",
    "created_at",
];
const SUB_FIELDS: [Option<&str>; 9] = [
    None,
    Some("locality"),
    Some("region"),
    Some("country_code"),
    Some("latitude"),
    Some("value"),
    Some("title"),
    Some("target_record_id"),
    Some("currency_value"),
];
/// Numbers as written in a body: at and past DynamoDB's range (1e-130 to 9.99e125).
const NUMBERS: [&str; 14] = [
    "0",
    "-0.0",
    "1e125",
    "-1e-130",
    "1e126",
    "1e200",
    "-1e200",
    "1e-200",
    "5e-324",
    "1.7976931348623157e308",
    "\"1e130\"",
    "\"-1e-131\"",
    "9223372036854775807",
    "\"NaN\"",
];
const INSTANTS: [&str; 10] = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",
    "0000-01-01T00:00:00Z",
    "0000-01-01T00:00:00+01:00",
    "2024-02-29T12:00:00+14:00",
    "2023-02-30T00:00:00Z",
    "2023-01-01T00:00:00",
    "-0001-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2023-01-01T25:00:00Z",
];

/// One request of a hostile shape: method, path, body and the scheme it authenticates by.
fn shape(rng: &mut Rng, record_id: &str) -> (&'static str, String, String, Auth) {
    let records = "/v2/objects/companies/records";
    match rng.below(5) {
        0 => {
            let sorts: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| {
                    let mut sort = json!({"attribute": rng.pick(&ATTRIBUTES), "direction": rng.pick(&["asc", "desc"])});
                    if let Some(field) = rng.pick(&SUB_FIELDS) {
                        sort["field"] = json!(field);
                    }
                    sort
                })
                .collect();
            (
                "POST",
                format!("{records}/query"),
                json!({"sorts": sorts}).to_string(),
                Auth::Bearer,
            )
        }
        1 => {
            let (number, instant) = (rng.pick(&NUMBERS), rng.pick(&INSTANTS));
            let body = format!(
                r#"{{"data": {{"values": {{"name": "Shape", "employees": {number}, "revenue": {{"currency_value": {number}}}, "founded": "{instant}", "hq": {{"locality": null, "latitude": {number}}}}}}}}}"#
            );
            ("POST", records.to_string(), body, Auth::Bearer)
        }
        2 => {
            let filter = match rng.below(3) {
                0 => format!(r#"{{"employees": {{"$gt": {}}}}}"#, rng.pick(&NUMBERS)),
                1 => format!(r#"{{"founded": {{"$lte": "{}"}}}}"#, rng.pick(&INSTANTS)),
                _ => format!(r#"{{"hq": {{"locality": {{"$eq": {}}}}}}}"#, rng.pick(&NUMBERS)),
            };
            (
                "POST",
                format!("{records}/query"),
                format!(r#"{{"filter": {filter}}}"#),
                Auth::Bearer,
            )
        }
        3 => {
            let body = format!(r#"{{"data": {{"values": {{"employees": {}}}}}}}"#, rng.pick(&NUMBERS));
            ("PATCH", format!("{records}/{record_id}"), body, Auth::Bearer)
        }
        _ => {
            let unit = rng.pick(&["a", "f", "%C3%A9", "%F0%9F%98%80", "%EF%B7%BA", "0"]);
            // 200 to 2,000 characters, each segment at most 6,000 bytes written out, so
            // that a path of three such parameters stays a URI a client can send (64 KiB).
            let chars = (200 + rng.below(1800)).min(6000 / unit.len());
            let long = unit.repeat(chars);
            let route = rng.pick(shared::routes::ROUTES);
            let path = route
                .path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        long.as_str()
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            (route.method, path, "{}".to_string(), route.auth)
        }
    }
}

/// The second phase: hostile shapes, each answered below 500. Returns whether all were.
async fn hostile_shapes(api: &TestApi, org: &api_tests::Org, record_id: &str, session: &str) -> bool {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u128>().ok())
        .map_or_else(|| uuid::Uuid::new_v4().as_u128() as u64, |s| s as u64)
        | 1;
    let count = env_number("FUZZ_SHAPES", 600);
    let mut rng = Rng(seed);
    let bearer = format!("Bearer {}", org.key);
    let token = format!("Token {}", org.key);
    let account = org.id.to_string();
    let cookie = format!("{}={session}", shared::session::COOKIE_NAME);
    let json = ("content-type", "application/json");
    let mut failures = 0;
    for _ in 0..count {
        let (method, path, body, auth) = shape(&mut rng, record_id);
        let headers = match auth {
            Auth::Admin => vec![json, ("x-api-key", api.admin_key.as_str())],
            Auth::Bearer | Auth::BearerIntrospected => vec![json, ("authorization", bearer.as_str())],
            Auth::Token => vec![
                json,
                ("authorization", token.as_str()),
                ("account-id", account.as_str()),
            ],
            Auth::Public => vec![json],
            Auth::Session => vec![json, ("cookie", cookie.as_str())],
        };
        let reply = api.send(method, &path, &headers, body.clone()).await;
        if reply.status >= 500 {
            failures += 1;
            let shown: String = path.chars().take(120).collect();
            eprintln!("fuzz: {method} {shown} {body} -> {} {:?}", reply.status, reply.body);
        }
    }
    eprintln!(
        "fuzz: hostile shapes (seed {seed}): {} passed, {failures} failed",
        count - failures
    );
    failures == 0
}
