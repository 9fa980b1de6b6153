//! The vendors' documented cURL examples, run with curl against the local gateway as a
//! user would paste them: `tests/vendor-curl/<vendor>.txt` holds each verbatim, with the
//! placeholders the docs leave (host, keys, ids) filled here, and the status and shape
//! the vendor documents for its answer.

use std::collections::BTreeSet;

use api_tests::{repo_root, TestApi};
use serde_json::{json, Value};

/// One documented example: its name, the status and shape it answers with, the command.
struct Example {
    name: String,
    status: u16,
    shape: String,
    command: String,
}

fn examples(vendor: &str) -> Vec<Example> {
    let text = std::fs::read_to_string(repo_root().join(format!("tests/vendor-curl/{vendor}.txt")))
        .expect("the vendor's examples");
    let mut out: Vec<Example> = Vec::new();
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("## ") {
            let parts: Vec<&str> = header.split('|').map(str::trim).collect();
            out.push(Example {
                name: parts[0].to_string(),
                status: parts[1].parse().expect("a status"),
                shape: parts[2].to_string(),
                command: String::new(),
            });
        } else if let Some(example) = out.last_mut() {
            if !line.starts_with('#') {
                example.command.push_str(line);
                example.command.push('\n');
            }
        }
    }
    out
}

/// The keys each documented shape has (at least).
fn keys(shape: &str) -> &'static [&'static str] {
    match shape {
        "organization" => &["id", "name", "created_at", "updated_at", "users", "phone_numbers"],
        "user" => &[
            "id",
            "external_id",
            "email",
            "name",
            "created_at",
            "updated_at",
            "organizations",
        ],
        "created user" => &["embed_token", "user", "team", "locations"],
        "embed token" => &["embed_token", "user_id"],
        "new embed token" => &["embed_token", "user_id", "message"],
        "invalidated embed token" => &["user_id", "message"],
        "team list" | "member list" => &["items", "total", "offset", "limit", "time"],
        "import result" => &["created", "failed", "errors"],
        "error" => &["status_code", "type", "code", "message"],
        "solution" => &["id", "name", "slug", "status", "application_ids"],
        "table" => &["id", "name", "solution", "slug", "structure", "primary_field"],
        "field" => &["slug", "label", "field_type", "params"],
        "record" => &["id", "application_id", "title", "first_created", "last_updated"],
        "record list" => &["total", "offset", "limit", "items"],
        "deleted record" => &["id", "application_id", "deleted_date"],
        "deleted record preview" => &["id", "title", "deleted_date", "application_name", "solution_id"],
        "webhook envelope" => &["webhook"],
        "webhook list" => &["webhooks", "next_page_token"],
        "event page" => &["events", "next_page_token"],
        "empty" => &[],
        other => panic!("no shape {other}"),
    }
}

fn assert_shape(name: &str, shape: &str, body: &Value) {
    let (item_shape, items): (&str, Vec<&Value>) = match shape.strip_prefix("array of ") {
        Some(item) => (
            item,
            body.as_array()
                .unwrap_or_else(|| panic!("{name}: an array: {body}"))
                .iter()
                .collect(),
        ),
        None => (shape, vec![body]),
    };
    for item in items {
        let has: BTreeSet<&str> = item
            .as_object()
            .unwrap_or_else(|| panic!("{name}: an object: {item}"))
            .keys()
            .map(String::as_str)
            .collect();
        for key in keys(item_shape) {
            assert!(has.contains(key), "{name}: no `{key}` in {item}");
        }
    }
}

/// Runs each example with the substitutions, in order, and checks status and shape.
async fn run(vendor: &str, substitutions: &[(&str, String)]) {
    for example in examples(vendor) {
        let mut command = example.command.trim_end().to_string();
        for (from, to) in substitutions {
            command = command.replace(from, to);
        }
        // The status after the body, on a line of its own; no progress meter.
        command.push_str(" -s -w '\\n%{http_code}'");
        let output = tokio::process::Command::new("bash")
            .args(["-c", &command])
            .output()
            .await
            .expect("bash runs curl");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let (body, status) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
        let status: u16 = status.trim().parse().unwrap_or(0);
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        assert_eq!(
            status,
            example.status,
            "{vendor} {}: {body}\n{command}\n{}",
            example.name,
            String::from_utf8_lossy(&output.stderr)
        );
        assert_shape(&example.name, &example.shape, &body);
    }
}

#[tokio::test]
async fn answering_agents_documented_examples() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    run(
        "answeringagent",
        &[
            ("https://playground.answeringagent.com", api.base_url.clone()),
            ("<api-key>", api.admin_key.clone()),
            ("{organization_id}", org.id.to_string()),
            ("{external_id}", "curl-user".to_string()),
            ("<string>", "curl-user".to_string()),
            ("[email protected]", "curl-user@example.com".to_string()),
            ("\"organization_id\": 123", format!("\"organization_id\": {}", org.id)),
        ],
    )
    .await;
    let user = api.admin("GET", "/api/v1/users/curl-user", None).await;
    assert_eq!(user.body["organizations"][0]["name"], "Updated Acme Corporation");
}

#[tokio::test]
async fn smartsuites_documented_examples() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let team = json!({"name": "Sales", "type": 2, "members": [org.user_id.to_string()]});
    let reply = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&team)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // The examples' table and record: one table (the docs name it by two example ids), one
    // record the examples read, change, delete, list among the deleted, and restore.
    let table = api.create_table(&org.key, "Projects", "PR", "projects").await;
    let table_id = table["id"].as_str().expect("a table id").to_string();
    let due_date = json!({"key": "due_date", "schema": {"name": "Due date", "type": "date"}});
    api.add_field(&org.key, "projects", &due_date).await;
    let record = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/projects/records/",
            Some(&json!({"title": "Record 0"})),
        )
        .await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    let record_id = record.body["id"].as_str().expect("a record id").to_string();
    let solutions = api.token(&org.key, org.id, "GET", "/api/v1/solutions/", None).await;
    let solution_id = solutions.body[0]["id"].as_str().expect("a solution id").to_string();
    // The webhook the examples read, change, list the events of and delete.
    let webhook = json!({"webhook": {"filter": {"solution": {}}, "kinds": ["RECORD_UPDATED"]}});
    let webhook = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/smartsuite.webhooks.engine.Webhooks/CreateWebhook",
            Some(&webhook),
        )
        .await;
    assert_eq!(webhook.status, 200, "{:?}", webhook.body);
    let webhook_id = webhook.body["webhook"]["webhook_id"]
        .as_str()
        .expect("an id")
        .to_string();
    run(
        "smartsuite",
        &[
            ("https://app.smartsuite.com", api.base_url.clone()),
            ("https://webhooks.smartsuite.com", api.base_url.clone()),
            ("{{accountId}}", org.id.to_string()),
            ("{{solutionId}}", solution_id.clone()),
            ("{{solution_id}}", solution_id.clone()),
            ("{{webhook_id}}", webhook_id.clone()),
            ("2f7cc6e0-b709-4b04-964a-3706c89c78e3", webhook_id),
            ("YOUR_API_KEY", org.key.clone()),
            ("WORKSPACE_ID", org.id.to_string()),
            ("6451093119bcf22befaed847", table_id.clone()),
            ("65f194001c0091a8180f8b2b", table_id.clone()),
            ("646536cac79b49252b0f94f5", table_id.clone()),
            ("{tableId}", table_id),
            ("645d47f8246b73b264b78a9a", solution_id.clone()),
            ("645109df887911e1871054b7", record_id.clone()),
            ("66be7b5fb8b730607ea959f5", record_id),
            ("{solutionId}", solution_id),
        ],
    )
    .await;
}

#[tokio::test]
async fn invents_documented_examples() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    let table = api.create_table(&org.key, "Companies", "CO", "companies").await;
    run(
        "invent",
        &[
            ("https://api.useinvent.com", api.base_url.clone()),
            ("<token>", org.key.clone()),
            ("{org_id}", org.id.to_string()),
            ("{table_id}", table["id"].as_str().expect("a table id").to_string()),
            ("\"file\": \"<string>\"", "\"file\": \"Name\\nImported\\n\"".to_string()),
            (
                "\"mapping\": \"<string>\"",
                "\"mapping\": \"{\\\"Name\\\": \\\"name\\\"}\"".to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(api.record_names(&org.key, "companies").await, ["Imported"]);
}
