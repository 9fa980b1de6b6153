//! Every `events/*.json` through its real compiled binary under the Lambda Runtime API,
//! against DynamoDB Local: the same path `sam local invoke` takes, without Docker. This runs
//! each binary's `main` (configuration, SDK client, runtime loop), not only its handler.

use std::time::Duration;

use api_tests::runtime::invoke;
use api_tests::{dynamodb_endpoint, repo_root, target_dir, TestApi};
use serde_json::{json, Value};
use shared::routes::{Access, ROUTES};

/// The placeholder org key in the events, replaced by the key the first event creates.
const EVENT_KEY: &str =
    "ak_00000000000000000000000000000000_0000000000000000000000000000000000000000000000000000000000000000";
/// The placeholder team id in the team events.
const EVENT_TEAM: &str = "6669c0bb3c4a0cff67a91a4c";
/// The placeholder key id in `events/revoke-api-key.json`.
const EVENT_KEY_ID: &str = "00000000-0000-4000-8000-0000000000aa";
/// The placeholder field id in `events/update-field.json`.
/// The webhook id in the webhook events' paths; the one create-webhook made replaces it.
const EVENT_WEBHOOK: &str = "00000000-0000-4000-8000-0000000000bb";
const EVENT_FIELD: &str = "00000000-0000-4000-8000-000000000000";
/// The record id in `events/restore-application-record.json`; the record
/// delete-application-record deleted replaces it.
const EVENT_DELETED_RECORD: &str = "00000000-0000-4000-8000-0000000000cc";
/// The SmartSuite webhook id in `events/*-smartsuite-webhook*.json`; the one
/// create-smartsuite-webhook makes replaces it.
const EVENT_SMARTSUITE_WEBHOOK: &str = "00000000-0000-4000-8000-0000000000dd";
/// The workspace member id in `events/get-workspace-member.json`; the owner's, once
/// create-organization has made it, replaces it.
const EVENT_MEMBER: &str = "00000000-0000-4000-8000-0000000000ee";
/// The parent record id in `events/create-note.json` and `events/list-notes.json`; the
/// record create-record made replaces it.
const EVENT_RECORD: &str = "00000000-0000-4000-8000-0000000000ff";
/// The note id in `events/get-note.json` and `events/delete-note.json`; the note
/// create-note made replaces it.
const EVENT_NOTE: &str = "00000000-0000-4000-8000-0000000000f1";
/// The task id in `events/{get,update,delete}-task.json`; the task create-task made
/// replaces it.
const EVENT_TASK: &str = "00000000-0000-4000-8000-0000000000f2";
/// The entry id in `events/{get,update,replace,delete}-entry.json` and
/// `events/list-entry-values.json`; the entry create-entry made replaces it.
const EVENT_ENTRY: &str = "00000000-0000-4000-8000-0000000000f3";

/// The workspace id in the page events' paths; organization 1's replaces it.
const EVENT_WORKSPACE: &str = "00000000-0000-4000-8000-0000000000f4";
/// The embed token in `events/open-embed.json`; get-embed-token's replaces it.
const EVENT_EMBED_TOKEN: &str = "embed-token-placeholder";
/// The session cookie's value in the page events; the one open-embed started replaces it.
const EVENT_SESSION: &str = "session-placeholder";
/// The sign-out form's token in `events/sign-out.json`; the session's replaces it.
const EVENT_FORM_TOKEN: &str = "form-token-placeholder";

/// The events in an order where each finds what it needs: the org, then its table and
/// field, its team, its record. Every function appears once.
const ORDER: [(&str, u16); 123] = [
    // The `$default` route's function: what no endpoint takes.
    ("unmatched-route", 404),
    ("create-organization", 201),
    ("get-organization", 200),
    ("get-self", 200),
    ("create-table", 200),
    ("get-table", 200),
    ("create-field", 200),
    ("create-team", 200),
    ("get-team", 200),
    ("list-teams", 200),
    ("list-members", 200),
    ("list-solutions", 200),
    ("get-solution", 200),
    ("create-solution", 200),
    ("list-applications", 200),
    ("get-application", 200),
    ("create-application", 200),
    ("add-field", 200),
    ("bulk-add-fields", 200),
    ("bulk-add-fields-underscored", 200),
    ("change-field", 200),
    ("delete-field", 200),
    ("update-team", 200),
    ("delete-team", 200),
    ("create-record", 200),
    ("get-record", 200),
    ("list-record-values", 200),
    ("query-records", 200),
    ("search-records", 200),
    ("update-record", 200),
    ("replace-record", 200),
    // The pages, as the owner (user_123) signed in by its embed token: the reference, the
    // access page, the token, the embed URL (a redirect that starts the session), the
    // workspace pages with it, a sign-out; then a new token and its invalidation.
    ("api-reference", 200),
    ("access-page", 200),
    ("get-embed-token", 200),
    ("open-embed", 303),
    ("tables-page", 200),
    ("records-page", 200),
    ("record-page", 200),
    ("teams-page", 200),
    ("sign-out", 303),
    ("create-embed-token", 200),
    ("delete-embed-token", 200),
    // A list of companies, and an entry of the record create-record made (delete-record
    // takes that record later), asserted (the same entry), read, written, listed from its
    // record, then deleted.
    ("create-list", 200),
    ("list-lists", 200),
    ("get-list", 200),
    ("update-list", 200),
    ("create-entry", 200),
    ("assert-entry", 200),
    ("query-entries", 200),
    ("get-entry", 200),
    ("update-entry", 200),
    ("replace-entry", 200),
    ("list-entry-values", 200),
    ("list-record-entries", 200),
    ("delete-entry", 200),
    ("create-note", 200),
    ("list-notes", 200),
    ("get-note", 200),
    ("delete-note", 200),
    ("create-task", 200),
    ("list-tasks", 200),
    ("get-task", 200),
    ("update-task", 200),
    ("delete-task", 200),
    ("create-application-record", 200),
    ("get-application-record", 200),
    ("update-application-record", 200),
    ("replace-application-record", 200),
    ("list-application-records", 200),
    ("delete-application-record", 200),
    ("list-deleted-records", 200),
    ("restore-application-record", 200),
    ("create-application-records", 200),
    ("update-application-records", 200),
    ("replace-application-records", 200),
    ("delete-application-records", 200),
    ("assert-record", 200),
    ("delete-record", 200),
    ("import-records", 200),
    ("list-tables", 200),
    ("list-objects", 200),
    ("get-object", 200),
    ("list-attributes", 200),
    ("get-attribute", 200),
    ("create-attribute", 200),
    ("create-attribute-option", 200),
    ("update-attribute-option", 200),
    ("list-attribute-options", 200),
    ("update-attribute", 200),
    // `stage` is a select attribute: it has no statuses.
    ("list-attribute-statuses", 404),
    ("create-attribute-status", 404),
    ("update-attribute-status", 404),
    ("create-object", 200),
    ("update-object", 200),
    // The object create-object made, still empty.
    ("delete-object", 200),
    ("list-workspace-members", 200),
    ("get-workspace-member", 200),
    ("create-webhook", 200),
    ("list-webhooks", 200),
    ("get-webhook", 200),
    ("update-webhook", 200),
    ("list-webhook-deliveries", 200),
    // The event names a delivery the webhook does not have.
    ("redeliver-webhook-delivery", 404),
    ("delete-webhook", 200),
    ("create-smartsuite-webhook", 200),
    ("get-smartsuite-webhook", 200),
    ("get-smartsuite-webhooks", 200),
    ("list-smartsuite-webhooks", 200),
    ("update-smartsuite-webhook", 200),
    ("list-smartsuite-webhook-events", 200),
    ("delete-smartsuite-webhook", 200),
    ("update-table", 200),
    ("update-field", 200),
    ("list-organizations", 200),
    ("update-organization", 200),
    ("create-api-key", 201),
    ("list-api-keys", 200),
    ("revoke-api-key", 200),
    ("create-user", 201),
    ("list-users", 200),
    ("get-user", 200),
    ("update-user", 200),
    ("delete-organization", 200),
];

#[tokio::test]
async fn every_event_runs_through_its_binary() {
    let mut listed: Vec<&str> = ORDER.iter().map(|(f, _)| *f).collect();
    let mut routes: Vec<&str> = ROUTES.iter().map(|r| r.function).collect();
    routes.push("unmatched-route");
    listed.sort();
    routes.sort();
    assert_eq!(listed, routes, "every function has its place in ORDER");

    let api = TestApi::start().await;
    let target = target_dir();
    // Only variables template.yaml declares, as `sam local` passes them (env.json's):
    // no AWS credentials or endpoint, so the binary reaches DynamoDB Local by
    // LOCAL_DYNAMODB_ENDPOINT alone.
    let env = [
        ("TABLE_NAME", api.table.clone()),
        // The runs come faster than SmartSuite's 5 requests a second; the limits have a test
        // of their own (rate_limits.rs).
        ("RATE_LIMITS", "off".to_string()),
        // The events use the admin key `local-admin-key`, as env.json does.
        ("ADMIN_API_KEY_SHA256", shared::auth::sha256_hex("local-admin-key")),
        ("LOCAL_DYNAMODB_ENDPOINT", dynamodb_endpoint().to_string()),
        ("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true".to_string()),
        ("RUST_LOG", "warn".to_string()),
        // env.json's key, for `sam local`, which has no SSM.
        (
            "WEBHOOK_SEALING_KEY",
            shared::state::WebhookSettings::LOCAL_SEALING_KEY.to_string(),
        ),
    ];
    let mut key = EVENT_KEY.to_string();
    let mut team = EVENT_TEAM.to_string();
    let mut field = EVENT_FIELD.to_string();
    let mut key_id = EVENT_KEY_ID.to_string();
    let mut webhook = EVENT_WEBHOOK.to_string();
    let mut deleted_record = EVENT_DELETED_RECORD.to_string();
    let mut smartsuite_webhook = EVENT_SMARTSUITE_WEBHOOK.to_string();
    let mut member = EVENT_MEMBER.to_string();
    let mut record = EVENT_RECORD.to_string();
    let mut note = EVENT_NOTE.to_string();
    let mut task = EVENT_TASK.to_string();
    let mut entry = EVENT_ENTRY.to_string();
    let mut embed_token = EVENT_EMBED_TOKEN.to_string();
    let mut session = EVENT_SESSION.to_string();
    let mut form_token = EVENT_FORM_TOKEN.to_string();
    let workspace = shared::domain::organization::OrgId(1).workspace_id().to_string();
    let local_key = shared::sealing::SealingKey::from_hex(shared::state::WebhookSettings::LOCAL_SEALING_KEY)
        .expect("the local key");
    let session_key = shared::session::session_key(&local_key).await.expect("a session key");
    for (function, status) in ORDER {
        let binary = target.join("debug").join(function);
        assert!(
            binary.exists(),
            "{} is missing: build the functions first (`cargo build --workspace --bins`; `make test` does)",
            binary.display()
        );
        let event =
            std::fs::read_to_string(repo_root().join(format!("events/{function}.json"))).expect("the event exists");
        let event = event
            .replace(EVENT_KEY, &key)
            .replace(EVENT_TEAM, &team)
            .replace(EVENT_FIELD, &field)
            .replace(EVENT_KEY_ID, &key_id)
            .replace(EVENT_WEBHOOK, &webhook)
            .replace(EVENT_DELETED_RECORD, &deleted_record)
            .replace(EVENT_SMARTSUITE_WEBHOOK, &smartsuite_webhook)
            .replace(EVENT_MEMBER, &member)
            .replace(EVENT_RECORD, &record)
            .replace(EVENT_NOTE, &note)
            .replace(EVENT_TASK, &task)
            .replace(EVENT_ENTRY, &entry)
            .replace(EVENT_WORKSPACE, &workspace)
            .replace(EVENT_EMBED_TOKEN, &embed_token)
            .replace(EVENT_SESSION, &session)
            .replace(EVENT_FORM_TOKEN, &form_token);
        let invocation = invoke(&binary, &env, &event, Duration::from_secs(30)).await;
        let response = invocation.response.unwrap_or_else(|e| panic!("{function} failed: {e}"));
        assert_eq!(response["statusCode"], status, "{function}: {response}");
        // A read, again as the deployed API sends it: its stage first in the path, and the
        // path as the client wrote it, with a trailing slash.
        let reads = ROUTES
            .iter()
            .any(|r| r.function == function && r.access == Access::Read);
        if reads {
            let staged = on_stage(&event, "prod", true);
            let again = invoke(&binary, &env, &staged, Duration::from_secs(30)).await;
            let again = again
                .response
                .unwrap_or_else(|e| panic!("{function} on the stage failed: {e}"));
            assert_eq!(again["statusCode"], status, "{function} on the stage: {again}");
        }
        let headers = &response["headers"];
        let text = response["body"].as_str().expect("a text body");
        if ROUTES.iter().any(|r| r.function == function && r.auth.is_page()) {
            assert_eq!(
                headers["content-type"], "text/html; charset=utf-8",
                "{function}: {response}"
            );
            let policy = headers["content-security-policy"].as_str().unwrap_or_default();
            assert!(policy.starts_with("default-src 'none'"), "{function}: {response}");
            match function {
                "api-reference" => assert!(text.contains("create-embed-token"), "{function}"),
                "access-page" => assert!(text.contains("Sign in to see this workspace"), "{function}"),
                "open-embed" => {
                    assert_eq!(headers["location"], format!("/app/{workspace}"), "{response}");
                    let cookie = response["cookies"][0].as_str().expect("a session cookie");
                    assert!(cookie.contains("HttpOnly") && cookie.contains("Secure"), "{cookie}");
                    session = cookie
                        .strip_prefix("workspace_session=")
                        .and_then(|c| c.split(';').next())
                        .expect("the session's value")
                        .to_string();
                    form_token = shared::session::form_token(&session_key, &session);
                }
                "tables-page" => assert!(text.contains("companies"), "{function}: {text}"),
                "records-page" | "record-page" => assert!(text.contains("LEAD-1"), "{function}: {text}"),
                "teams-page" => assert!(text.contains("john@example.com"), "{function}: {text}"),
                "sign-out" => assert!(response["cookies"][0].as_str().is_some_and(|c| c.contains("Max-Age=0"))),
                _ => {}
            }
            continue;
        }
        assert_eq!(headers["content-type"], "application/json", "{function}: {response}");
        let body: Value = serde_json::from_str(text).expect("a JSON body");
        match function {
            "get-embed-token" => embed_token = body["embed_token"].as_str().expect("a token").to_string(),
            "create-embed-token" => assert_ne!(body["embed_token"], embed_token.as_str(), "{body}"),
            "delete-embed-token" => assert_eq!(body["user_id"], "user_123", "{body}"),
            "create-organization" => {
                key = body["api_key"]["secret"].as_str().expect("a key").to_string();
                let (org, owner) = (body["organization"]["id"].as_u64(), body["owner"]["id"].as_u64());
                member = shared::domain::organization::OrgId(org.expect("an org id"))
                    .member_id(owner.expect("an owner id"))
                    .to_string();
                assert_eq!(body["organization"]["id"], 1);
            }
            "get-organization" => assert_eq!(body["users"][0]["external_id"], "user_123"),
            "get-self" => assert_eq!(body["workspace_name"], "Acme Corporation"),
            "create-table" | "get-table" => assert_eq!(body["api_slug"], "companies"),
            "create-field" => {
                assert_eq!(body["key"], "domain");
                field = body["id"].as_str().expect("a field id").to_string();
            }
            "list-tables" => assert_eq!(body[0]["api_slug"], "companies"),
            "update-table" => assert_eq!(body["description"], "Organizations we sell to"),
            "update-field" => assert_eq!(body["key"], "website"),
            "list-organizations" => assert_eq!(body.as_array().map(Vec::len), Some(1)),
            "update-organization" => assert_eq!(body["name"], "Acme Corp"),
            "create-api-key" => key_id = body["id"].as_str().expect("a key id").to_string(),
            "list-api-keys" => assert_eq!(body["api_keys"].as_array().map(Vec::len), Some(2)),
            "revoke-api-key" => assert_eq!(body["revoked"], true),
            "create-user" => assert_eq!(body["user"]["external_id"], "user_456"),
            "get-user" => assert_eq!(body["external_id"], "user_456"),
            "list-users" => assert_eq!(body.as_array().map(Vec::len), Some(2)),
            "update-user" => assert_eq!(body["organizations"][0]["role"], "user"),
            "delete-organization" => assert_eq!(body["deleted"], true),
            "create-team" => team = body["id"].as_str().expect("a team id").to_string(),
            "list-workspace-members" => assert_eq!(body["data"][0]["email_address"], "john@example.com", "{body}"),
            "get-workspace-member" => assert_eq!(body["data"]["access_level"], "admin", "{body}"),
            "create-smartsuite-webhook" => {
                smartsuite_webhook = body["webhook"]["webhook_id"]
                    .as_str()
                    .expect("a webhook id")
                    .to_string();
            }
            "get-smartsuite-webhook" | "get-smartsuite-webhooks" => {
                assert_eq!(body["webhook"]["webhook_id"], smartsuite_webhook.as_str());
            }
            "list-smartsuite-webhooks" => assert_eq!(body["webhooks"][0]["webhook_id"], smartsuite_webhook.as_str()),
            "update-smartsuite-webhook" => assert_eq!(body["webhook"]["notification_status"], json!({"disabled": {}})),
            "list-smartsuite-webhook-events" => assert_eq!(body, json!({"events": [], "next_page_token": "0"})),
            "delete-smartsuite-webhook" => assert_eq!(body, json!({})),
            "get-team" | "delete-team" => assert_eq!(body["id"], team.as_str()),
            "list-teams" => assert_eq!(body["items"][0]["id"], team.as_str()),
            "import-records" => assert_eq!((body["created"].as_u64(), body["failed"].as_u64()), (Some(2), Some(1))),
            "list-members" => assert_eq!(body["items"][0]["teams"][0], team.as_str()),
            "create-application-record" => assert_eq!(
                (&body["title"], &body["autonumber"]),
                (&json!("Suite Co"), &json!(2)),
                "{body}"
            ),
            "get-application-record" => assert_eq!(
                (&body["title"], &body["domain"]),
                (&json!("Customer Incorporated"), &json!(["customer.com"])),
                "{body}"
            ),
            "update-application-record" => assert_eq!(body["title"], "Customer SmartSuite", "{body}"),
            "replace-application-record" => assert_eq!(
                (&body["title"], &body["domain"]),
                (&json!("Suite Co 2"), &json!([])),
                "{body}"
            ),
            "list-application-records" => assert_eq!(
                (&body["total"], &body["items"][0]["title"]),
                (&json!(2), &json!("Customer SmartSuite")),
                "{body}"
            ),
            "delete-application-record" => {
                assert_eq!(body["application_slug"], "companies", "{body}");
                deleted_record = body["id"].as_str().expect("a record id").to_string();
            }
            "list-deleted-records" => assert_eq!(body[0]["title"], "Suite Co 2", "{body}"),
            "restore-application-record" => assert_eq!(
                (&body["title"], &body["autonumber"]),
                (&json!("Suite Co 2"), &json!(2)),
                "{body}"
            ),
            "create-application-records" => assert_eq!(
                (&body[1]["title"], &body[1]["autonumber"]),
                (&json!("Bulk B"), &json!(4)),
                "{body}"
            ),
            "update-application-records" => assert_eq!(body[0]["title"], "Bulk A2", "{body}"),
            "replace-application-records" => assert_eq!(body[0]["title"], "Bulk B2", "{body}"),
            "delete-application-records" => assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}"),
            "list-solutions" => assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}"),
            "get-solution" => assert_eq!(body["status"], "in_development", "{body}"),
            "create-solution" => assert_eq!(
                (&body["name"], &body["logo_color"]),
                (&json!("New App"), &json!("#3A86FF")),
                "{body}"
            ),
            "list-applications" => assert_eq!(body[0]["slug"], "companies", "{body}"),
            "get-application" => assert_eq!(body["structure"][0]["slug"], "name", "{body}"),
            "create-application" => {
                let slugs: Vec<&Value> = body["structure"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| &f["slug"])
                    .collect();
                assert_eq!(slugs, [&json!("name"), &json!("budget"), &json!("client")], "{body}");
            }
            "add-field" => assert_eq!(body["params"]["choices"][1]["label"], "Silver", "{body}"),
            "bulk-add-fields" => assert_eq!(body[1]["field_type"], "emailfield", "{body}"),
            "bulk-add-fields-underscored" => assert_eq!(body[0]["params"]["include_time"], false, "{body}"),
            "change-field" => assert_eq!(
                (&body["label"], &body["params"]["help_text"]),
                (&json!("Account tier"), &json!("Set by sales")),
                "{body}"
            ),
            "delete-field" => assert_eq!(
                (&body["slug"], &body["field_type"]),
                (&json!("renewal"), &json!("datefield")),
                "{body}"
            ),
            "update-team" => assert_eq!(body["name"], "Renamed Team"),
            "create-record" => {
                assert_eq!(body["data"]["display_id"], "LEAD-1");
                record = body["data"]["id"]["record_id"]
                    .as_str()
                    .expect("a record id")
                    .to_string();
            }
            "get-record" => assert_eq!(body["data"]["display_id"], "LEAD-1"),
            "create-note" => {
                assert_eq!(body["data"]["content_plaintext"], "Wants annual billing", "{body}");
                note = body["data"]["id"]["note_id"].as_str().expect("a note id").to_string();
            }
            "list-notes" => assert_eq!(body["data"][0]["id"]["note_id"], note.as_str(), "{body}"),
            "get-note" => assert_eq!(body["data"]["content_markdown"], "Wants **annual** billing", "{body}"),
            "delete-note" => assert_eq!(body, json!({})),
            "create-task" => {
                assert_eq!(
                    body["data"]["linked_records"][0]["target_record_id"],
                    record.as_str(),
                    "{body}"
                );
                task = body["data"]["id"]["task_id"].as_str().expect("a task id").to_string();
            }
            "list-tasks" => assert_eq!(body["data"][0]["id"]["task_id"], task.as_str(), "{body}"),
            "get-task" => assert_eq!(body["data"]["content_plaintext"], "Send the contract", "{body}"),
            "update-task" => assert_eq!(body["data"]["is_completed"], true, "{body}"),
            "delete-task" => assert_eq!(body, json!({})),
            "query-records" => assert_eq!(body["data"][0]["display_id"], "LEAD-1"),
            // No indexer runs here: the search finds nothing, and says so in Attio's shape.
            "search-records" => assert_eq!(body, json!({"data": []}), "{body}"),
            "update-record" => assert_eq!(body["data"]["values"]["name"][0]["value"], "Customer Inc."),
            "replace-record" => assert_eq!(body["data"]["values"]["name"][0]["value"], "Customer Incorporated"),
            "assert-record" => assert_eq!(body["data"]["display_id"], "LEAD-1", "the assert matched LEAD-1"),
            "delete-record" => assert_eq!(body, serde_json::json!({})),
            "list-record-values" => assert_eq!(body["data"][0]["value"], "Customer.com"),
            "list-objects" => assert_eq!(body["data"][0]["api_slug"], "companies"),
            "get-object" => assert_eq!(body["data"]["api_slug"], "companies"),
            "list-attributes" => assert_eq!(body["data"][0]["api_slug"], "name"),
            "get-attribute" => assert_eq!(body["data"]["api_slug"], "domain"),
            "list-attribute-options" => assert_eq!(body["data"][0]["title"], "Qualified"),
            "create-attribute" => assert_eq!(body["data"]["type"], "select"),
            "update-attribute" => assert_eq!(body["data"]["title"], "Sales stage"),
            "create-attribute-option" => assert_eq!(body["data"]["title"], "Lead"),
            "update-attribute-option" => assert_eq!(body["data"]["title"], "Qualified"),
            "create-object" => assert_eq!(body["data"]["api_slug"], "deals"),
            "create-list" => assert_eq!(body["data"]["parent_object"], json!(["companies"])),
            "list-lists" => assert_eq!(body["data"][0]["api_slug"], "pipeline"),
            "get-list" => assert_eq!(body["data"]["api_slug"], "pipeline"),
            "update-list" => assert_eq!(
                (
                    &body["data"]["name"],
                    &body["data"]["workspace_member_access"][0]["workspace_member_id"]
                ),
                (&json!("Sales pipeline"), &json!(member)),
                "{body}"
            ),
            "create-entry" => {
                assert_eq!(body["data"]["parent_record_id"], record.as_str(), "{body}");
                entry = body["data"]["id"]["entry_id"]
                    .as_str()
                    .expect("an entry id")
                    .to_string();
            }
            "assert-entry" | "get-entry" | "update-entry" | "replace-entry" => {
                assert_eq!(body["data"]["id"]["entry_id"], entry.as_str(), "{function}: {body}")
            }
            "query-entries" => assert_eq!(body["data"][0]["id"]["entry_id"], entry.as_str(), "{body}"),
            "list-entry-values" => assert_eq!(body["data"][0]["target_record_id"], record.as_str(), "{body}"),
            "list-record-entries" => assert_eq!(body["data"][0]["entry_id"], entry.as_str(), "{body}"),
            "delete-entry" => assert_eq!(body, json!({})),
            "list-attribute-statuses" | "create-attribute-status" | "update-attribute-status" => {
                assert_eq!(body["code"], "not_found")
            }
            "update-object" => assert_eq!(body["data"]["plural_noun"], "Opportunities"),
            "delete-object" => assert_eq!(body, json!({}), "{body}"),
            "unmatched-route" => assert_eq!(body["code"], "not_found"),
            "create-webhook" => {
                assert_eq!(body["data"]["secret"].as_str().map(str::len), Some(64), "{body}");
                webhook = body["data"]["id"]["webhook_id"].as_str().expect("an id").to_string();
            }
            "list-webhooks" => assert_eq!(body["data"][0]["id"]["webhook_id"], webhook.as_str()),
            "get-webhook" => assert_eq!(body["data"]["target_url"], "https://example.com/hooks/attio"),
            "update-webhook" => assert_eq!(body["data"]["subscriptions"][1]["event_type"], "record.deleted"),
            "delete-webhook" => assert_eq!(body, serde_json::json!({})),
            "list-webhook-deliveries" => assert_eq!(body["data"], serde_json::json!([])),
            "redeliver-webhook-delivery" => assert_eq!(body["code"], "not_found"),
            other => panic!("{other} has no check"),
        }
    }
    // The stream's function, sent the marker delete-organization wrote, as
    // `sam local invoke PurgeOrganizationsFunction -e events/purge-organizations.json` sends
    // it: one step of the purge (the number of steps it ran is its answer).
    let binary = target.join("debug/purge-organizations");
    let event = std::fs::read_to_string(repo_root().join("events/purge-organizations.json")).expect("its event");
    let before = api.items().await.len();
    let invocation = invoke(&binary, &env, &event, Duration::from_secs(30)).await;
    let response = invocation
        .response
        .unwrap_or_else(|e| panic!("purge-organizations failed: {e}"));
    assert_eq!(response, 1, "one marker, one step");
    assert!(
        api.items().await.len() < before,
        "the step deleted the organization's items"
    );
    // The webhook delivery functions, sent their sample events as `sam local invoke` sends
    // them: the event item named is gone with its organization, so no delivery, no record
    // to index; nothing due.
    for function in ["fan-out-events", "retry-deliveries", "index-records"] {
        let binary = target.join("debug").join(function);
        let event = std::fs::read_to_string(repo_root().join(format!("events/{function}.json"))).expect("its event");
        let invocation = invoke(&binary, &env, &event, Duration::from_secs(30)).await;
        let response = invocation.response.unwrap_or_else(|e| panic!("{function} failed: {e}"));
        assert_eq!(response, 0, "{function}: nothing to deliver");
    }
}

/// An event as API Gateway sends it through the named stage `stage`: the stage as the
/// path's first segment (in `rawPath` and `requestContext.http.path`) and in
/// `requestContext.stage`; with `trailing_slash`, the path as a client wrote it with one.
fn on_stage(event: &str, stage: &str, trailing_slash: bool) -> String {
    let mut event: Value = serde_json::from_str(event).expect("an event is JSON");
    let path = event["rawPath"].as_str().expect("a rawPath").to_string();
    let slash = if trailing_slash && !path.ends_with('/') {
        "/"
    } else {
        ""
    };
    let staged = format!("/{stage}{path}{slash}");
    event["rawPath"] = Value::String(staged.clone());
    event["requestContext"]["http"]["path"] = Value::String(staged);
    event["requestContext"]["stage"] = Value::String(stage.to_string());
    event.to_string()
}

/// The `$default` route's function, sent what the deployed API's stage `prod` sends it:
/// 405 with `Allow` for a path that exists with other methods (in either slash form), 404
/// for one that does not; never a 404 for `/prod/...` because of the stage.
#[tokio::test]
async fn the_unmatched_function_answers_for_the_deployed_stage() {
    let target = target_dir();
    let binary = target.join("debug/unmatched-route");
    let template = std::fs::read_to_string(repo_root().join("events/unmatched-route.json")).expect("the event");
    let env = [
        ("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true".to_string()),
        ("RUST_LOG", "warn".to_string()),
        // env.json's key, for `sam local`, which has no SSM.
        (
            "WEBHOOK_SEALING_KEY",
            shared::state::WebhookSettings::LOCAL_SEALING_KEY.to_string(),
        ),
    ];
    let cases = [
        ("DELETE", "/api/v1/organizations", false, 405, Some("POST, GET")),
        (
            "PUT",
            "/api/v1/teams/0123456789abcdef01234567",
            true,
            405,
            Some("GET, PATCH, DELETE"),
        ),
        ("DELETE", "/api/v1/users", true, 405, Some("POST, GET")),
        ("GET", "/nowhere", false, 404, None),
        ("GET", "/api/v1/organizations/1/nothing", true, 404, None),
    ];
    for (method, path, slash, status, allow) in cases {
        let mut event: Value = serde_json::from_str(&template).expect("an event is JSON");
        event["rawPath"] = Value::String(path.to_string());
        event["requestContext"]["http"]["path"] = Value::String(path.to_string());
        event["requestContext"]["http"]["method"] = Value::String(method.to_string());
        let event = on_stage(&event.to_string(), "prod", slash);
        let invocation = invoke(&binary, &env, &event, Duration::from_secs(30)).await;
        let response = invocation.response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(response["statusCode"], status, "{method} /prod{path}: {response}");
        assert_eq!(
            response["headers"]["allow"].as_str(),
            allow,
            "{method} /prod{path}: {response}"
        );
        let body: Value = serde_json::from_str(response["body"].as_str().expect("a body")).expect("JSON");
        assert!(
            !body["message"].as_str().unwrap_or_default().contains("/prod"),
            "{body}"
        );
    }
}
