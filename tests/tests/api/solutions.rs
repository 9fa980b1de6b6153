//! SmartSuite's solutions and tables over the one domain: the workspace's default solution
//! holds the tables made through any dialect, each with its fields in SmartSuite's
//! structure; lists as a bare array, or paged as the connectors read them. Solutions made
//! through `POST /solutions/` hold the tables made in them, and scope the tables list and
//! the trash.

use api_tests::{assert_error, TestApi};
use serde_json::{json, Value};

fn keys(value: &Value) -> Vec<String> {
    value.as_object().expect("an object").keys().cloned().collect()
}

#[tokio::test]
async fn the_workspace_has_one_solution_holding_its_tables() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let companies = api.create_table(&org.key, "Companies", "CO", "companies").await;
    let deals = api.create_table(&org.key, "Deals", "DE", "deals").await;
    api.create_table(&other.key, "Theirs", "TH", "theirs").await;

    let list = api.token(&org.key, org.id, "GET", "/api/v1/solutions/", None).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let solutions = list.body.as_array().expect("a bare array, as SmartSuite documents");
    assert_eq!(solutions.len(), 1);
    let solution = &solutions[0];
    let id = solution["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 24);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(solution["name"], "Acme");
    assert_eq!(solution["status"], "in_development");
    assert_eq!(solution["hidden"], false);
    assert_eq!(solution["applications_count"], 2);
    assert_eq!(solution["application_ids"], json!([companies["id"], deals["id"]]));

    // Without the trailing slash too; one solution by id; another workspace's is not found.
    let got = api
        .token(&org.key, org.id, "GET", &format!("/api/v1/solutions/{id}"), None)
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(&got.body, solution);
    let theirs = api.token(&other.key, other.id, "GET", "/api/v1/solutions", None).await;
    let their_id = theirs.body[0]["id"].as_str().unwrap().to_string();
    assert_ne!(their_id, id);
    assert_eq!(theirs.body[0]["application_ids"].as_array().unwrap().len(), 1);
    for wrong in [their_id.as_str(), "000000000000000000000000", "x"] {
        let reply = api
            .token(&org.key, org.id, "GET", &format!("/api/v1/solutions/{wrong}/"), None)
            .await;
        assert_error(&reply, 404);
    }

    // Paged, as Activepieces' dropdown asks (`limit` and `offset`): the envelope it reads.
    let paged = api
        .token(&org.key, org.id, "GET", "/api/v1/solutions?limit=100&offset=0", None)
        .await;
    assert_eq!(paged.status, 200, "{:?}", paged.body);
    assert_eq!(
        paged.body,
        json!({"count": 1, "next": null, "previous": null, "results": [solution]})
    );
    // `fields`: only those keys.
    let only = api
        .token(
            &org.key,
            org.id,
            "GET",
            "/api/v1/solutions/?fields=id&fields=name",
            None,
        )
        .await;
    assert_eq!(only.body, json!([{"id": id, "name": "Acme"}]));
}

#[tokio::test]
async fn tables_show_their_structure_whichever_dialect_made_them() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let companies = api.create_table(&org.key, "Companies", "CO", "companies").await;
    let stage = json!({"key": "stage", "schema": {"name": "Stage", "type": "select", "options": ["Lead", "Won"]}});
    api.add_field(&org.key, "companies", &stage).await;
    let deals = api.create_table(&org.key, "Deals", "DE", "deals").await;
    let link =
        json!({"key": "company", "schema": {"name": "Company", "type": "record-reference", "link": "companies"}});
    api.add_field(&org.key, "deals", &link).await;
    // An attribute added through Attio's route is a field of the SmartSuite table.
    let attribute = json!({"data": {"title": "Revenue", "api_slug": "revenue", "type": "currency",
        "is_required": true, "is_unique": false, "is_multiselect": false, "description": "Yearly", "config": {}}});
    let added = api
        .bearer(&org.key, "POST", "/v2/objects/companies/attributes", Some(&attribute))
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);

    let list = api.token(&org.key, org.id, "GET", "/api/v1/applications/", None).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let tables = list.body.as_array().expect("a bare array");
    assert_eq!(tables.len(), 2);
    let solution = api.token(&org.key, org.id, "GET", "/api/v1/solutions/", None).await;
    let solution_id = solution.body[0]["id"].clone();
    let table = &tables[0];
    assert_eq!(table["id"], companies["id"]);
    assert_eq!(table["name"], "Companies");
    assert_eq!(table["slug"], "companies");
    assert_eq!(table["solution"], solution_id);
    assert_eq!(table["status"], "active");
    let structure = table["structure"].as_array().unwrap();
    // The primary (display) field first; every field has its params.
    assert_eq!(table["primary_field"], structure[0]["slug"]);
    assert_eq!(structure[0]["params"]["primary"], true);
    for field in structure {
        assert_eq!(keys(field), ["field_type", "label", "params", "slug"], "{field}");
        assert!(field["params"].is_object(), "{field}");
    }
    let by_slug = |slug: &str| structure.iter().find(|f| f["slug"] == slug).cloned().unwrap();
    let stage = by_slug("stage");
    assert_eq!(stage["field_type"], "singleselectfield");
    assert_eq!(stage["label"], "Stage");
    let labels: Vec<&str> = stage["params"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Lead", "Won"]);
    assert!(stage["params"]["choices"][0]["value"].is_string());
    let revenue = by_slug("revenue");
    assert_eq!(revenue["field_type"], "currencyfield");
    assert_eq!(revenue["params"]["required"], true);
    assert_eq!(revenue["params"]["help_text"], "Yearly");
    let company = tables[1]["structure"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == "company")
        .cloned()
        .unwrap();
    assert_eq!(company["field_type"], "linkedrecordfield");
    assert_eq!(company["params"]["linked_application"], companies["id"]);

    // One table, by id or slug, with or without the trailing slash: the listed one.
    for path in [
        format!("/api/v1/applications/{}/", companies["id"].as_str().unwrap()),
        "/api/v1/applications/companies".to_string(),
    ] {
        let got = api.token(&org.key, org.id, "GET", &path, None).await;
        assert_eq!(got.status, 200, "{path}: {:?}", got.body);
        assert_eq!(&got.body, table);
    }
    // Filters, fields and pages.
    let mine = api
        .token(
            &org.key,
            org.id,
            "GET",
            &format!("/api/v1/applications/?solution={}", solution_id.as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 2);
    let none = api
        .token(
            &org.key,
            org.id,
            "GET",
            "/api/v1/applications/?solution=000000000000000000000000",
            None,
        )
        .await;
    assert_eq!(none.body, json!([]));
    let named = api
        .token(&org.key, org.id, "GET", "/api/v1/applications/?fields=id,name", None)
        .await;
    assert_eq!(
        named.body,
        json!([{"id": companies["id"], "name": "Companies"}, {"id": deals["id"], "name": "Deals"}])
    );
    let first = api
        .token(&org.key, org.id, "GET", "/api/v1/applications?limit=1&offset=0", None)
        .await;
    assert_eq!(first.body["count"], 2);
    assert_eq!(first.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(first.body["results"][0]["id"], companies["id"]);
    assert_eq!(first.body["next"], "/api/v1/applications/?limit=1&offset=1");
    let second = api
        .token(&org.key, org.id, "GET", "/api/v1/applications?limit=1&offset=1", None)
        .await;
    assert_eq!(second.body["results"][0]["id"], deals["id"]);
    assert_eq!(second.body["next"], Value::Null);
    assert_eq!(second.body["previous"], "/api/v1/applications/?limit=1&offset=0");

    // Another workspace sees none of them.
    let theirs = api
        .token(&other.key, other.id, "GET", "/api/v1/applications/", None)
        .await;
    assert_eq!(theirs.body, json!([]));
    let path = format!("/api/v1/applications/{}/", companies["id"].as_str().unwrap());
    assert_error(&api.token(&other.key, other.id, "GET", &path, None).await, 404);
    assert_error(
        &api.token(&org.key, org.id, "GET", "/api/v1/applications/nope/", None)
            .await,
        404,
    );
    // A bad page is a 400.
    assert_error(
        &api.token(&org.key, org.id, "GET", "/api/v1/applications?limit=ten", None)
            .await,
        400,
    );
}

/// `POST /solutions/` with `body`, through `org`'s key.
async fn create_solution(api: &TestApi, org: &api_tests::Org, body: Value) -> api_tests::Reply {
    api.token(&org.key, org.id, "POST", "/api/v1/solutions/", Some(&body))
        .await
}

#[tokio::test]
async fn a_made_solution_holds_the_tables_made_in_it_and_scopes_their_lists() {
    let api = TestApi::start().await;
    let org = api.create_org("Acme", "acme-owner").await;
    let other = api.create_org("Other", "other-owner").await;
    let default = shared::domain::organization::OrgId(org.id).solution_id();

    // The docs' example, colour without `#`.
    let made = create_solution(
        &api,
        &org,
        json!({"name": "CRM", "logo_icon": "overline", "logo_color": "3A86FF"}),
    )
    .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let crm = made.body["id"].as_str().unwrap().to_string();
    assert!(crm.len() == 24 && crm.bytes().all(|b| b.is_ascii_hexdigit()), "{crm}");
    assert_eq!(
        (
            &made.body["name"],
            &made.body["logo_color"],
            &made.body["applications_count"]
        ),
        (&json!("CRM"), &json!("#3A86FF"), &json!(0))
    );
    for bad in [
        json!({}),
        json!({"name": ""}),
        json!({"name": "X", "logo_color": "#123456"}),
        json!({"name": "X", "logo_icon": "Not An Icon"}),
        json!({"name": 7}),
    ] {
        assert_error(&create_solution(&api, &org, bad).await, 400);
    }
    let theirs = create_solution(&api, &other, json!({"name": "Theirs"})).await;
    let theirs = theirs.body["id"].as_str().unwrap().to_string();

    // Tables: one made in the new solution, one in the default (through Attio's route).
    let structure = json!([{"slug": "amount", "label": "Amount", "field_type": "numberfield"}]);
    let deals = api
        .token(
            &org.key,
            org.id,
            "POST",
            "/api/v1/applications/",
            Some(&json!({"name": "Deals", "solution": crm, "structure": structure})),
        )
        .await;
    assert_eq!(deals.status, 200, "{:?}", deals.body);
    assert_eq!(deals.body["solution"], json!(crm));
    let deals_id = deals.body["id"].as_str().unwrap().to_string();
    let companies = api.create_table(&org.key, "Companies", "CO", "companies").await;
    for solution in [theirs.as_str(), "0123456789abcdef01234567", "nope"] {
        let refused = api
            .token(
                &org.key,
                org.id,
                "POST",
                "/api/v1/applications/",
                Some(&json!({"name": "Refused", "solution": solution})),
            )
            .await;
        assert_error(&refused, 400);
    }

    // Listed: the default first, each with its own tables; one by id; another
    // workspace's is not found.
    let list = api.token(&org.key, org.id, "GET", "/api/v1/solutions/", None).await;
    let shown: Vec<(&Value, &Value)> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (&s["id"], &s["application_ids"]))
        .collect();
    assert_eq!(
        shown,
        [
            (&json!(default), &json!([companies["id"]])),
            (&json!(crm), &json!([deals_id]))
        ]
    );
    let got = api
        .token(&org.key, org.id, "GET", &format!("/api/v1/solutions/{crm}/"), None)
        .await;
    assert_eq!(&got.body, &list.body[1]);
    assert_error(
        &api.token(&other.key, other.id, "GET", &format!("/api/v1/solutions/{crm}/"), None)
            .await,
        404,
    );
    let tables_of = |solution: String| {
        let (api, org) = (&api, &org);
        async move {
            let reply = api
                .token(
                    &org.key,
                    org.id,
                    "GET",
                    &format!("/api/v1/applications/?solution={solution}&fields=id"),
                    None,
                )
                .await;
            reply.body
        }
    };
    assert_eq!(tables_of(crm.clone()).await, json!([{"id": deals_id}]));
    assert_eq!(tables_of(default.clone()).await, json!([{"id": companies["id"]}]));
    assert_eq!(tables_of(theirs.clone()).await, json!([]));
    let read = api
        .token(
            &org.key,
            org.id,
            "GET",
            &format!("/api/v1/applications/{deals_id}/"),
            None,
        )
        .await;
    assert_eq!(read.body["solution"], json!(crm));

    // The trash of one solution: a record deleted from each table.
    let mut deleted = Vec::new();
    for table in [deals_id.as_str(), companies["id"].as_str().unwrap()] {
        let record = api
            .token(
                &org.key,
                org.id,
                "POST",
                &format!("/api/v1/applications/{table}/records/"),
                Some(&json!({"title": "Gone"})),
            )
            .await;
        let id = record.body["id"].as_str().unwrap().to_string();
        let gone = api
            .token(
                &org.key,
                org.id,
                "DELETE",
                &format!("/api/v1/applications/{table}/records/{id}/"),
                None,
            )
            .await;
        assert_eq!(gone.status, 200, "{:?}", gone.body);
        deleted.push(id);
    }
    let trash_of = |solution: String| {
        let (api, org) = (&api, &org);
        async move {
            let reply = api
                .token(
                    &org.key,
                    org.id,
                    "POST",
                    "/api/v1/deleted-records/",
                    Some(&json!({"solution_id": solution})),
                )
                .await;
            reply
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["id"].clone(), r["solution_id"].clone()))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(trash_of(crm.clone()).await, [(json!(deleted[0]), json!(crm))]);
    assert_eq!(trash_of(default.clone()).await, [(json!(deleted[1]), json!(default))]);

    // At most 100 made solutions: the 101st is refused, and nothing of it is written.
    for n in 2..=100 {
        let made = create_solution(&api, &org, json!({"name": format!("S{n}")})).await;
        assert_eq!(made.status, 200, "{n}: {:?}", made.body);
    }
    let refused = create_solution(&api, &org, json!({"name": "One too many"})).await;
    assert_error(&refused, 400);
    assert!(
        refused.body["message"].as_str().unwrap().contains("100"),
        "{:?}",
        refused.body
    );
    let list = api.token(&org.key, org.id, "GET", "/api/v1/solutions/", None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 101, "the default and the 100 made");
    api.assert_audit_clean().await;
}
