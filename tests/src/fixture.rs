//! Real resources for every route's path parameters, and a valid request for each route:
//! what the hostile-input and grant tests send, and what the cost bench measures.

use serde_json::json;
use shared::routes::{Auth, Route};

use crate::{Org, Reply, TestApi};

/// Real resources for every path parameter, so a request gets past its lookups to its body.
pub struct Fixture {
    pub api: TestApi,
    pub org: Org,
    pub team_id: String,
    pub field_id: String,
    pub record_id: String,
    pub webhook_id: String,
    /// A SmartSuite webhook (its RPC methods name it in the body), and one for
    /// `DeleteWebhook` to take (a POST, so not sent last as the deletes are).
    pub smartsuite_webhook_id: String,
    pub spare_smartsuite_webhook_id: String,
    pub delivery_id: String,
    /// A record for SmartSuite's bulk delete to take.
    pub spare_record_id: String,
    /// A note on the kept record.
    pub note_id: String,
    /// A task linked to the record the note is on.
    pub task_id: String,
    /// An entry of `kept_list` whose parent is the record the note is on (the record
    /// deletes take the kept record).
    pub entry_id: String,
    pub entry_parent_id: String,
    /// The owner's embed token, the session cookie's value it started, and the token of
    /// that session's forms.
    pub embed_token: String,
    pub session: String,
    pub form_token: String,
}

/// The member whose embed token the fixture's requests rotate.
pub const ROTATED_USER: &str = "rotated";

pub async fn fixture() -> Fixture {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "owner").await;
    api.create_table(&org.key, "Companies", "COMP", "companies").await;
    let field = json!({"key": "employees", "schema": {"name": "Employees", "type": "number"}});
    let field = api.add_field(&org.key, "companies", &field).await;
    let unique = json!({"key": "domain", "unique": true, "schema": {"name": "Domain", "type": "domain"}});
    api.add_field(&org.key, "companies", &unique).await;
    let stage = json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Won"]}});
    api.add_field(&org.key, "companies", &stage).await;
    let pipeline =
        json!({"key": "pipeline", "schema": {"name": "Pipeline", "type": "status", "options": ["Open", "Closed"]}});
    api.add_field(&org.key, "companies", &pipeline).await;
    // A field for SmartSuite's delete_field to take.
    let doomed = json!({"key": "doomed_field", "schema": {"name": "Doomed", "type": "text"}});
    api.add_field(&org.key, "companies", &doomed).await;
    let record = json!({"data": {"values": {"name": "Kept", "employees": 3, "domain": "acme.com", "stage": "Lead"}}});
    let record = api
        .bearer(&org.key, "POST", "/v2/objects/companies/records", Some(&record))
        .await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    let spare = json!({"data": {"values": {"name": "Spare"}}});
    let spare = api
        .bearer(&org.key, "POST", "/v2/objects/companies/records", Some(&spare))
        .await;
    assert_eq!(spare.status, 200, "{:?}", spare.body);
    let record_id = record.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    // The note's parent is a record of its own: the record deletes take the kept record
    // (and would take its notes) before the note's delete is sent.
    let noted = json!({"data": {"values": {"name": "Noted"}}});
    let noted = api
        .bearer(&org.key, "POST", "/v2/objects/companies/records", Some(&noted))
        .await;
    assert_eq!(noted.status, 200, "{:?}", noted.body);
    let note = json!({"data": {"parent_object": "companies", "parent_record_id": noted.body["data"]["id"]["record_id"],
        "title": "Kept", "format": "plaintext", "content": "Kept note"}});
    let note = api.bearer(&org.key, "POST", "/v2/notes", Some(&note)).await;
    assert_eq!(note.status, 200, "{:?}", note.body);
    let task = json!({"data": {"content": "Kept task", "format": "plaintext", "deadline_at": null,
        "is_completed": false, "linked_records": [noted.body["data"]["id"]["record_id"]], "assignees": []}});
    let task = api.bearer(&org.key, "POST", "/v2/tasks", Some(&task)).await;
    assert_eq!(task.status, 200, "{:?}", task.body);
    let list = json!({"data": {"name": "Kept list", "api_slug": "kept_list", "parent_object": "companies",
        "workspace_access": "full-access", "workspace_member_access": []}});
    let list = api.bearer(&org.key, "POST", "/v2/lists", Some(&list)).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let entry_parent_id = noted.body["data"]["id"]["record_id"].as_str().unwrap().to_string();
    let entry =
        json!({"data": {"parent_record_id": entry_parent_id, "parent_object": "companies", "entry_values": {}}});
    let entry = api
        .bearer(&org.key, "POST", "/v2/lists/kept_list/entries", Some(&entry))
        .await;
    assert_eq!(entry.status, 200, "{:?}", entry.body);
    let doomed_object =
        json!({"data": {"api_slug": "doomed_object", "singular_noun": "Doomed", "plural_noun": "Doomed"}});
    let doomed_object = api.bearer(&org.key, "POST", "/v2/objects", Some(&doomed_object)).await;
    assert_eq!(doomed_object.status, 200, "{:?}", doomed_object.body);
    let team = json!({"name": "Kept", "type": 2});
    let team = api.token(&org.key, org.id, "POST", "/api/v1/teams/", Some(&team)).await;
    assert_eq!(team.status, 200, "{:?}", team.body);
    let webhook = json!({"data": {"target_url": "https://example.com/kept", "subscriptions": []}});
    let webhook = api.bearer(&org.key, "POST", "/v2/webhooks", Some(&webhook)).await;
    assert_eq!(webhook.status, 200, "{:?}", webhook.body);
    let webhook_id = webhook.body["data"]["id"]["webhook_id"].as_str().unwrap().to_string();
    let mut smartsuite_webhooks = Vec::new();
    for _ in 0..2 {
        let made = json!({"webhook": {"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}});
        let made = api
            .token(
                &org.key,
                org.id,
                "POST",
                "/smartsuite.webhooks.engine.Webhooks/CreateWebhook",
                Some(&made),
            )
            .await;
        assert_eq!(made.status, 200, "{:?}", made.body);
        smartsuite_webhooks.push(made.body["webhook"]["webhook_id"].as_str().unwrap().to_string());
    }
    let spare_smartsuite_webhook_id = smartsuite_webhooks.pop().unwrap();
    let smartsuite_webhook_id = smartsuite_webhooks.pop().unwrap();
    // A delivery of it, seeded in the table (the fan-out is not what these requests test),
    // pending and due in 2100, for the delivery log and redelivery routes.
    let delivery = shared::store::deliveries::DeliveryItem {
        org_id: org.id,
        delivery_id: format!("00000000000000000001-00000000.{webhook_id}"),
        webhook_id: webhook_id.clone(),
        event_id: "00000000000000000001-00000000".into(),
        body: json!({"webhook_id": webhook_id, "events": []}).to_string(),
        attempts: 1,
        state: "pending".into(),
        last_status: None,
        last_error: None,
        last_latency_ms: None,
        next_attempt_at: Some(4_102_444_800),
        created_at: "2026-12-05T00:00:00.000000Z".into(),
        expires_at: 4_102_444_800,
        smartsuite: false,
    };
    assert!(api.state.store.create_delivery(&delivery).await.expect("seeded"));
    // A second member, whose embed token the rotations take (the owner's session lasts).
    let user =
        json!({"external_id": ROTATED_USER, "email": "rotated@example.com", "name": "R", "organization_id": org.id});
    let made = api.admin("POST", "/api/v1/users", Some(&user)).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let embed_token = api.embed_token("owner", org.id).await;
    let session = api.sign_in(&embed_token).await;
    let form_token = api.form_token(&session).await;
    Fixture {
        form_token,
        embed_token,
        session,
        delivery_id: delivery.delivery_id.clone(),
        webhook_id,
        smartsuite_webhook_id,
        spare_smartsuite_webhook_id,
        team_id: team.body["id"].as_str().unwrap().to_string(),
        field_id: field["id"].as_str().unwrap().to_string(),
        record_id,
        note_id: note.body["data"]["id"]["note_id"].as_str().unwrap().to_string(),
        task_id: task.body["data"]["id"]["task_id"].as_str().unwrap().to_string(),
        spare_record_id: spare.body["data"]["id"]["record_id"].as_str().unwrap().to_string(),
        entry_id: entry.body["data"]["id"]["entry_id"].as_str().unwrap().to_string(),
        entry_parent_id,
        org,
        api,
    }
}

impl Fixture {
    /// The route's path for its valid request: [`Fixture::path`]; for `revoke-api-key` the
    /// id of a key made for it to revoke; for SmartSuite's record delete a record made for
    /// it, and for its restore one made and deleted for it.
    pub async fn request_path(&self, route: &Route) -> String {
        let path = self.path(route);
        match route.function {
            "delete-application-record" | "restore-application-record" => {
                let id = self.own_record(route.function == "restore-application-record").await;
                return self.path_with(route, |name| match name {
                    "record_id" => id.clone(),
                    other => self.param(route, other),
                });
            }
            "revoke-api-key" => {}
            _ => return path,
        }
        let key = self
            .api
            .admin(
                "POST",
                &format!("/api/v1/organizations/{}/api_keys", self.org.id),
                Some(&json!({})),
            )
            .await;
        format!("{path}?id={}", key.body["id"].as_str().expect("a key id"))
    }

    /// A record of `companies` made for one request (through SmartSuite's route), and
    /// deleted first when `deleted` (to restore): its id.
    async fn own_record(&self, deleted: bool) -> String {
        let path = "/api/v1/applications/companies/records/";
        let made = self
            .api
            .token(&self.org.key, self.org.id, "POST", path, Some(&json!({"name": "Own"})))
            .await;
        assert_eq!(made.status, 200, "{:?}", made.body);
        let id = made.body["id"].as_str().expect("a record id").to_string();
        if deleted {
            let gone = self
                .api
                .token(&self.org.key, self.org.id, "DELETE", &format!("{path}{id}/"), None)
                .await;
            assert_eq!(gone.status, 200, "{:?}", gone.body);
        }
        id
    }

    /// The route's path with every parameter filled with a real resource.
    pub fn path(&self, route: &Route) -> String {
        self.path_with(route, |name| self.param(route, name))
    }

    pub fn param(&self, route: &Route, name: &str) -> String {
        match name {
            "id" if route.path.starts_with("/api/v1/teams") => self.team_id.clone(),
            "id" => self.org.id.to_string(),
            "org_id" => "c".into(),
            // An empty object of its own: the only kind a delete takes.
            "object" if route.function == "delete-object" => "doomed_object".into(),
            "table_id" | "object" | "identifier" => "companies".into(),
            "target" => "objects".into(),
            "field_id" => self.field_id.clone(),
            "record_id" => self.record_id.clone(),
            "external_id" if route.path.ends_with("/embed-token") && route.method != "GET" => ROTATED_USER.into(),
            "external_id" => "owner".into(),
            // A status attribute for the statuses routes, a select one for the rest.
            "attribute" if route.path.contains("/statuses") => "pipeline".into(),
            "attribute" if route.path.contains("/entries/") => "parent_record".into(),
            "attribute" => "stage".into(),
            "option" => "Won".into(),
            "status" => "Closed".into(),
            "webhook_id" => self.webhook_id.clone(),
            "solution_id" => shared::domain::organization::OrgId(self.org.id).solution_id(),
            "application_id" => "companies".into(),
            "delivery_id" => self.delivery_id.clone(),
            "note_id" => self.note_id.clone(),
            "task_id" => self.task_id.clone(),
            "list" => "kept_list".into(),
            "entry_id" => self.entry_id.clone(),
            "workspace" => shared::domain::organization::OrgId(self.org.id)
                .workspace_id()
                .to_string(),
            "workspace_member_id" => shared::domain::organization::OrgId(self.org.id)
                .member_id(self.org.user_id)
                .to_string(),
            other => panic!("no fixture for path parameter {other}"),
        }
    }

    pub fn path_with(&self, route: &Route, fill: impl Fn(&str) -> String) -> String {
        let mut path = route
            .path
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => fill(name),
                    None => segment.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        // Required query parameters, so the request gets to its body.
        for param in route.query.iter().filter(|p| p.required) {
            let value = match param.name {
                "organization_id" => self.org.id.to_string(),
                "matching_attribute" => "domain".into(),
                "token" => self.embed_token.clone(),
                other => panic!("no fixture for query parameter {other}"),
            };
            path.push_str(&format!("?{}={value}", param.name));
        }
        path
    }

    /// The headers that authenticate as the route requires, and a JSON content type.
    pub fn headers(&self, route: &Route) -> Vec<(&'static str, String)> {
        let mut headers = vec![("content-type", "application/json".to_string())];
        match route.auth {
            Auth::Admin => headers.push(("x-api-key", self.api.admin_key.clone())),
            Auth::Bearer | Auth::BearerIntrospected => {
                headers.push(("authorization", format!("Bearer {}", self.org.key)))
            }
            Auth::Token => {
                headers.push(("authorization", format!("Token {}", self.org.key)));
                headers.push(("account-id", self.org.id.to_string()));
            }
            Auth::Public => {}
            Auth::Session => headers.push(("cookie", format!("{}={}", shared::session::COOKIE_NAME, self.session))),
        }
        headers
    }

    pub async fn send(
        &self,
        route: &Route,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<bytes::Bytes>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.api.send(route.method, path, &headers, body).await
    }
}

/// A valid request body for each route, against the hostile-input fixture's resources.
pub fn valid_body(route: &Route, f: &Fixture) -> String {
    let body = match route.function {
        "create-organization" => {
            json!({"name": "Other", "owner": {"external_id": "x", "email": "x@example.com", "name": "X"}})
        }
        "create-user" => {
            json!({"external_id": "u2", "email": "u2@example.com", "name": "U", "organization_id": f.org.id})
        }
        "create-table" => json!({"name": "Deals", "record_prefix": "DEAL"}),
        "create-field" => json!({"key": "notes", "schema": {"name": "Notes", "type": "text"}}),
        "create-record" => json!({"data": {"values": {"name": "New"}}}),
        "search-records" => json!({"query": "acme", "objects": ["companies"], "request_as": {"type": "workspace"}}),
        "create-task" => json!({"data": {"content": "Call back", "format": "plaintext",
            "deadline_at": "2026-12-24T17:00:00Z", "is_completed": false,
            "linked_records": [{"target_object": "companies", "target_record_id": f.record_id}],
            "assignees": [{"workspace_member_email_address": "owner@example.com"}]}}),
        "update-task" => json!({"data": {"is_completed": true}}),
        "create-note" => json!({"data": {"parent_object": "companies", "parent_record_id": f.record_id,
            "title": "New", "format": "markdown", "content": "# New"}}),
        // A new entry of the kept record; the assert finds the fixture's one entry of its parent.
        "create-entry" => json!({"data": {"parent_record_id": f.record_id, "parent_object": "companies",
            "entry_values": {}}}),
        "assert-entry" => json!({"data": {"parent_record_id": f.entry_parent_id, "parent_object": "companies",
            "entry_values": {}}}),
        "update-entry" | "replace-entry" => json!({"data": {"entry_values": {}}}),
        "assert-record" => json!({"data": {"values": {"domain": "acme.com", "name": "Asserted"}}}),
        "update-record" | "replace-record" => json!({"data": {"values": {"employees": 5}}}),
        "create-team" => json!({"name": "New team", "type": 2}),
        "update-team" => json!({"name": "Renamed team"}),
        "update-table" | "update-field" | "update-organization" | "update-user" => json!({"name": "Renamed"}),
        "import-records" => json!({"file": "name,employees\nImported,3\n"}),
        "create-object" => {
            json!({"data": {"api_slug": "opportunities", "singular_noun": "Opportunity", "plural_noun": "Opportunities"}})
        }
        "update-object" => json!({"data": {"plural_noun": "Renamed"}}),
        "create-list" => json!({"data": {"name": "Pipeline", "api_slug": "pipeline", "parent_object": "companies",
            "workspace_access": null, "workspace_member_access": [{"workspace_member_id":
                shared::domain::organization::OrgId(f.org.id).member_id(f.org.user_id).to_string(), "level": "full-access"}]}}),
        "update-list" => json!({"data": {"name": "Renamed list", "workspace_access": "full-access"}}),
        "create-attribute" => json!({"data": {
            "title": "Notes", "api_slug": "attio_notes", "type": "text",
            "is_required": false, "is_unique": false, "is_multiselect": false
        }}),
        "update-attribute" => json!({"data": {"title": "Renamed"}}),
        "create-attribute-option" => json!({"data": {"title": "Lost"}}),
        "update-attribute-option" => json!({"data": {"is_archived": false}}),
        "create-attribute-status" => json!({"data": {"title": "Won", "target_time_in_status": "P14D"}}),
        "update-attribute-status" => json!({"data": {"celebration_enabled": true}}),
        "create-webhook" => json!({"data": {
            "target_url": "https://example.com/hook",
            "subscriptions": [{"event_type": "record.created", "filter": null}]
        }}),
        "update-webhook" => json!({"data": {"target_url": "https://example.com/moved"}}),
        "create-application" => json!({
            "name": "Projects",
            "solution": shared::domain::organization::OrgId(f.org.id).solution_id(),
            "structure": [{"slug": "budget", "label": "Budget", "field_type": "numberfield"}]
        }),
        "add-field" => json!({"field": {"slug": "ss_notes", "label": "Notes", "field_type": "textfield"}}),
        "bulk-add-fields" => json!({"fields": [{"slug": "ss_bulk_a", "label": "A", "field_type": "textfield"}]}),
        "bulk-add-fields-underscored" => {
            json!({"fields": [{"slug": "ss_bulk_b", "label": "B", "field_type": "ratingfield"}]})
        }
        "change-field" => json!({"slug": "employees", "label": "Headcount"}),
        "delete-field" => json!({"slug": "doomed_field"}),
        "create-solution" => json!({"name": "CRM", "logo_icon": "overline", "logo_color": "3A86FF"}),
        "create-application-records" => json!({"items": [{"name": "Bulk"}]}),
        "update-application-records" | "replace-application-records" => {
            json!({"items": [{"id": f.record_id, "employees": 5}]})
        }
        "delete-application-records" => json!({"items": [f.spare_record_id]}),
        "create-smartsuite-webhook" => json!({"webhook": {"filter": {"solution": {}}, "kinds": ["RECORD_CREATED"]}}),
        "update-smartsuite-webhook" => json!({"webhook": {
            "webhook_id": f.smartsuite_webhook_id, "filter": {"solution": {}}, "kinds": [1]
        }}),
        "get-smartsuite-webhook" | "get-smartsuite-webhooks" | "list-smartsuite-webhook-events" => {
            json!({"webhook_id": f.smartsuite_webhook_id})
        }
        "delete-smartsuite-webhook" => json!({"webhook_id": f.spare_smartsuite_webhook_id}),
        // A form, with the token the session's pages carry.
        "sign-out" => return format!("form_token={}", f.form_token),
        _ if route.method == "GET" || route.method == "DELETE" => return String::new(),
        // The embed token endpoints take no body.
        "create-embed-token" => return String::new(),
        _ => json!({}),
    };
    body.to_string()
}
