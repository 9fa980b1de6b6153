//! Attio's record search (`POST /v2/objects/records/search`): records found by a prefix of
//! their label's words and, on people and companies, of their email addresses, phone
//! numbers and domains; in Attio's three result shapes; kept by the stream's indexer off
//! the write path, yet never answering a record that does not match now; invisible to
//! other workspaces; and the index's answers equal to a plain evaluation over every record
//! (docs/data-model.md, "Record search").

use std::collections::BTreeMap;
use std::time::Duration;

use api_tests::{assert_error, Org, TestApi};
use serde_json::{json, Value};
use shared::domain::organization::OrgId;
use shared::domain::search;
use shared::domain::table::TableRef;

fn body(query: &str, objects: &[&str]) -> Value {
    json!({"query": query, "objects": objects, "request_as": {"type": "workspace"}})
}

/// The search's answer (200 expected).
async fn search(api: &TestApi, org: &Org, body: &Value) -> Vec<Value> {
    let reply = api
        .bearer(&org.key, "POST", "/v2/objects/records/search", Some(body))
        .await;
    assert_eq!(reply.status, 200, "{body}: {:?}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

fn texts(found: &[Value]) -> Vec<String> {
    found
        .iter()
        .map(|f| f["record_text"].as_str().unwrap().to_string())
        .collect()
}

/// Searches until the answer's labels are `want` (the indexer is behind the writes by a
/// moment), failing after thirty seconds (a loaded machine's stream is slow, not wrong).
async fn eventually(api: &TestApi, org: &Org, body: &Value, want: &[&str]) -> Vec<Value> {
    for _ in 0..300 {
        let found = search(api, org, body).await;
        if texts(&found) == want {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let found = search(api, org, body).await;
    assert_eq!(texts(&found), want, "{body}");
    found
}

async fn attribute(api: &TestApi, org: &Org, object: &str, slug: &str, kind: &str) {
    let body = json!({"data": {"title": slug, "api_slug": slug, "type": kind, "description": null,
        "is_required": false, "is_unique": false, "is_multiselect": true, "config": {}}});
    let path = format!("/v2/objects/{object}/attributes");
    let reply = api.bearer(&org.key, "POST", &path, Some(&body)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

/// `people` (with email addresses and phone numbers), `companies` (with domains) and
/// `deals` (with an email address of its own, which Attio does not search).
async fn workspace(api: &TestApi, name: &str) -> Org {
    let org = api.create_org(name, &format!("owner-{name}")).await;
    api.create_table(&org.key, "People", "P", "people").await;
    api.create_table(&org.key, "Companies", "CO", "companies").await;
    api.create_table(&org.key, "Deals", "D", "deals").await;
    attribute(api, &org, "people", "email_addresses", "email-address").await;
    attribute(api, &org, "people", "phone_numbers", "phone-number").await;
    attribute(api, &org, "companies", "domains", "domain").await;
    attribute(api, &org, "deals", "contact", "email-address").await;
    org
}

async fn create(api: &TestApi, org: &Org, object: &str, values: Value) -> String {
    let reply = api.create_record(&org.key, object, &values).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["data"]["id"]["record_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn records_are_found_by_their_words_and_contacts_and_never_by_what_they_no_longer_say() {
    let api = TestApi::start().await;
    let indexer = api.index_from_stream().await;
    let org = workspace(&api, "Acme").await;
    let ada = create(
        &api,
        &org,
        "people",
        json!({"name": "Ada Lovelace", "email_addresses": ["ada@analytical.org"],
               "phone_numbers": ["+44 7700 900123"]}),
    )
    .await;
    create(&api, &org, "people", json!({"name": "Alan Turing"})).await;
    let acme = create(
        &api,
        &org,
        "companies",
        json!({"name": "Acme Corp", "domains": ["acme.com"]}),
    )
    .await;
    create(
        &api,
        &org,
        "deals",
        json!({"name": "Ada's deal", "contact": "deals@example.com"}),
    )
    .await;
    let all = ["people", "companies", "deals"];

    // By the start of any word of the label, ignoring case; by term, then by object.
    let found = eventually(
        &api,
        &org,
        &body("A", &all),
        &["Acme Corp", "Ada Lovelace", "Ada's deal", "Alan Turing"],
    )
    .await;
    let person = &found[1];
    assert_eq!(person["object_slug"], "people");
    assert_eq!(person["id"]["record_id"], ada.as_str());
    assert_eq!(person["id"]["workspace_id"], OrgId(org.id).workspace_id().to_string());
    assert_eq!(person["record_image"], Value::Null);
    assert_eq!(person["email_addresses"], json!(["ada@analytical.org"]));
    assert_eq!(person["phone_numbers"], json!(["+447700900123"]));
    assert!(person.get("domains").is_none());
    assert_eq!(found[0]["domains"], json!(["acme.com"]));
    assert!(found[0].get("email_addresses").is_none());
    let deal = &found[2];
    assert!(deal.get("domains").is_none() && deal.get("email_addresses").is_none());
    for (query, want) in [
        ("love", vec!["Ada Lovelace"]),
        ("  ADA   lov ", vec!["Ada Lovelace"]),
        ("ada@ana", vec!["Ada Lovelace"]),
        ("+4477", vec!["Ada Lovelace"]),
        ("447700900", vec!["Ada Lovelace"]),
        ("acme.c", vec!["Acme Corp"]),
        ("corp", vec!["Acme Corp"]),
        ("deals@", vec![]),
        ("ovelace", vec![]),
        ("zebra", vec![]),
    ] {
        assert_eq!(texts(&search(&api, &org, &body(query, &all)).await), want, "{query:?}");
    }
    // Only the objects asked, each once; an id works as a slug; `limit` cuts the answer.
    let people_id = api.bearer(&org.key, "GET", "/v2/objects/people", None).await.body["data"]["id"]["object_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        texts(&search(&api, &org, &body("a", &[&people_id, "people"])).await),
        ["Ada Lovelace", "Alan Turing"]
    );
    let mut limited = body("a", &all);
    limited["limit"] = json!(2);
    assert_eq!(
        texts(&search(&api, &org, &limited).await),
        ["Acme Corp", "Ada Lovelace"]
    );
    // The empty query answers records too (Attio: "a default set of results").
    assert_eq!(search(&api, &org, &body("", &["people"])).await.len(), 2);

    // A renamed record is never found by its old name, even before the indexer has seen
    // the change; then by its new one.
    let rename = json!({"data": {"values": {"name": "Ada Byron"}}});
    let path = format!("/v2/objects/people/records/{ada}");
    assert_eq!(api.bearer(&org.key, "PATCH", &path, Some(&rename)).await.status, 200);
    assert!(texts(&search(&api, &org, &body("lovelace", &all)).await).is_empty());
    eventually(&api, &org, &body("byron", &all), &["Ada Byron"]).await;
    // A deleted record is never found, and its search items go.
    let path = format!("/v2/objects/companies/records/{acme}");
    assert_eq!(api.bearer(&org.key, "DELETE", &path, None).await.status, 200);
    assert!(search(&api, &org, &body("acme", &all)).await.is_empty());
    for _ in 0..300 {
        let left = api.items_with_pk_prefix("SRCH#").await;
        if !left.iter().any(|i| api_tests::text(i, "SK").ends_with(&acme)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = api.items_with_pk_prefix("SRCH#").await;
    assert!(
        !left.iter().any(|i| api_tests::text(i, "SK").ends_with(&acme)),
        "Acme's items are gone"
    );

    // Another workspace with the same names sees only its own.
    let other = workspace(&api, "Globex").await;
    create(&api, &other, "people", json!({"name": "Ada Other"})).await;
    eventually(&api, &other, &body("ada", &all), &["Ada Other"]).await;
    eventually(&api, &org, &body("ada", &all), &["Ada Byron", "Ada's deal"]).await;
    indexer.abort();
    api.assert_audit_clean().await;
}

#[tokio::test]
async fn bad_searches_are_refused_whole() {
    let api = TestApi::start().await;
    let org = workspace(&api, "Acme").await;
    let list = json!({"data": {"name": "Hiring", "api_slug": "hiring", "parent_object": "people",
        "workspace_access": "full-access", "workspace_member_access": []}});
    assert_eq!(api.bearer(&org.key, "POST", "/v2/lists", Some(&list)).await.status, 200);
    let other = workspace(&api, "Globex").await;
    let other_people = api.bearer(&other.key, "GET", "/v2/objects/people", None).await.body["data"]["id"]["object_id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = api.items().await;
    let refused = |body: Value, code: &'static str| (body, code);
    for (body, code) in [
        refused(body("x", &["nothing"]), "value_not_found"),
        refused(body("x", &["hiring"]), "value_not_found"),
        refused(body("x", &[&other_people]), "value_not_found"),
        refused(
            json!({"query": "x", "objects": [], "request_as": {"type": "workspace"}}),
            "validation_type",
        ),
        refused(json!({"query": "x", "objects": ["people"]}), "validation_type"),
        refused(
            json!({"query": 5, "objects": ["people"], "request_as": {"type": "workspace"}}),
            "validation_type",
        ),
        refused(
            json!({"query": "x", "limit": 26, "objects": ["people"], "request_as": {"type": "workspace"}}),
            "validation_type",
        ),
        refused(
            json!({"query": "x", "objects": ["people"],
            "request_as": {"type": "workspace-member", "email_address": "nobody@example.com"}}),
            "value_not_found",
        ),
        refused(
            json!({"query": "x", "objects": ["people"],
            "request_as": {"type": "workspace-member", "workspace_member_id": "not-a-uuid"}}),
            "value_not_found",
        ),
    ] {
        let reply = api
            .bearer(&org.key, "POST", "/v2/objects/records/search", Some(&body))
            .await;
        assert_error(&reply, 400);
        assert_eq!(reply.body["code"], code, "{body}: {:?}", reply.body);
    }
    // A member of the workspace, by email address or id, searches as the workspace does.
    let by_email = json!({"query": "", "objects": ["people"],
        "request_as": {"type": "workspace-member", "email_address": "OWNER-Acme@example.com"}});
    search(&api, &org, &by_email).await;
    let members = api.bearer(&org.key, "GET", "/v2/workspace_members", None).await;
    let member_id = members.body["data"][0]["id"]["workspace_member_id"].as_str().unwrap();
    let by_id = json!({"query": "", "objects": ["people"],
        "request_as": {"type": "workspace-member", "workspace_member_id": member_id}});
    search(&api, &org, &by_id).await;
    assert_eq!(api.items().await, before, "a search writes nothing");
}

/// Every record of a table, as stored now.
async fn records_of(api: &TestApi, table_id: &str) -> Vec<shared::domain::record::Record> {
    api.items()
        .await
        .into_iter()
        .filter(|i| api_tests::text(i, "PK").starts_with("REC#") && api_tests::text(i, "SK") == "REC")
        .map(|i| shared::store::from_item::<shared::domain::record::Record>(i).unwrap())
        .filter(|r| r.table_id == table_id)
        .collect()
}

/// A deterministic name of two or three words from a small vocabulary, so that prefixes
/// are shared by many records.
fn name_of(n: usize) -> String {
    const WORDS: [&str; 12] = [
        "Ada", "Adam", "alpha", "Alps", "Bo", "bob", "Bobby", "Cy", "cyan", "Dee", "delta", "Éa",
    ];
    let mut words = vec![WORDS[n % 12], WORDS[(n / 12) % 12]];
    if n.is_multiple_of(3) {
        words.push(WORDS[(n / 7) % 12]);
    }
    words.join(" ")
}

/// The plain evaluation: every record of every object read, its terms computed, and the
/// matches ordered as the search orders them (by the first term each matches, then record
/// id within an object, then object as asked).
fn expected(
    tables: &[(shared::domain::table::Table, Vec<shared::domain::record::Record>)],
    query: &str,
    limit: usize,
) -> Vec<String> {
    let query = search::normalize(query);
    let mut all: Vec<(String, usize, String)> = Vec::new();
    for (order, (table, records)) in tables.iter().enumerate() {
        let mut mine: Vec<(String, usize, String)> = Vec::new();
        for record in records {
            let terms = search::terms(table, record);
            if let Some(term) = terms.iter().filter(|t| t.starts_with(&query)).min() {
                mine.push((term.clone(), order, record.id.clone()));
            }
        }
        mine.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
        mine.truncate(limit);
        all.extend(mine);
    }
    all.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    all.into_iter().take(limit).map(|(_, _, id)| id).collect()
}

/// The fast path against the slow one: 400 records in two objects, seeded straight into
/// DynamoDB and indexed by `make backfill`'s pass, then searched by the prefixes that split
/// the vocabulary and by several words, each answer equal to the plain evaluation; then
/// a quarter of them renamed without the indexer (a stale index), and every answer still
/// only records that match now.
#[tokio::test]
async fn the_index_answers_exactly_what_a_plain_evaluation_would() {
    let api = TestApi::start().await;
    let org = workspace(&api, "Acme").await;
    let people = api
        .seed_records(&org, "people", 250, |n| {
            json!({"name": name_of(n), "email_addresses": [format!("{}{n}@ex.com", name_of(n).to_lowercase().replace([' ', 'é'], ""))]})
        })
        .await;
    let deals = api
        .seed_records(&org, "deals", 150, |n| json!({"name": name_of(n * 5 + 1)}))
        .await;
    let report = api.state.store.backfill_search().await.expect("the backfill runs");
    assert_eq!(report.written, 400, "{report:?}");
    let again = api.state.store.backfill_search().await.expect("the backfill runs");
    assert_eq!(again.written, 0, "a second pass finds nothing to do: {again:?}");
    let table = |slug: &'static str| {
        let store = &api.state.store;
        async move {
            store
                .table(OrgId(org.id), &TableRef::parse(slug).unwrap())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let tables = vec![(table("people").await, people), (table("deals").await, deals)];
    // Every first letter, the prefixes that split the vocabulary (ad/al, bo/bob), whole
    // words, several words, an accent, email addresses' local parts, and nothing.
    let mut queries: Vec<String> = ["", "zz", "ada adam", "bob a", "éa", "ada1", "bobby12"]
        .map(String::from)
        .to_vec();
    for word in ["ada", "adam", "alpha", "alps", "bobby", "cyan", "delta"] {
        for end in [1, 2, 3, word.len()] {
            let prefix = word[..end].to_string();
            if !queries.contains(&prefix) {
                queries.push(prefix);
            }
        }
    }
    let ids = |found: &[Value]| -> Vec<String> {
        found
            .iter()
            .map(|f| f["id"]["record_id"].as_str().unwrap().to_string())
            .collect()
    };
    for (n, query) in queries.iter().enumerate() {
        let limits: &[usize] = if n % 3 == 0 { &[25, 3] } else { &[25] };
        for &limit in limits {
            let mut asked = body(query, &["people", "deals"]);
            asked["limit"] = json!(limit);
            let found = search(&api, &org, &asked).await;
            assert_eq!(ids(&found), expected(&tables, query, limit), "{query:?}, limit {limit}");
        }
    }

    // A stale index: records renamed in the table, with no indexer running. Every answer
    // is a subset of what matches now, in order.
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for record in tables[0].1.iter().step_by(4) {
        let path = format!("/v2/objects/people/records/{}", record.id);
        let body = json!({"data": {"values": {"name": "Zed Renamed"}}});
        assert_eq!(api.bearer(&org.key, "PATCH", &path, Some(&body)).await.status, 200);
        renamed.insert(record.id.clone(), "Zed Renamed".into());
    }
    let people_now = records_of(&api, &tables[0].0.id).await;
    let now = vec![(tables[0].0.clone(), people_now), tables[1].clone()];
    for query in &queries {
        let found = ids(&search(&api, &org, &body(query, &["people", "deals"])).await);
        let matching = expected(&now, query, 400);
        let mut at = 0;
        for id in &found {
            let place = matching[at..].iter().position(|m| m == id);
            assert!(
                place.is_some(),
                "{query:?}: {id} does not match now, or is out of order"
            );
            at += place.unwrap() + 1;
        }
    }
    // The backfill brings the index up to date: every answer exact again.
    let report = api.state.store.backfill_search().await.expect("the backfill runs");
    assert_eq!(report.written, renamed.len(), "{report:?}");
    for query in ["zed", "ada", "a", ""] {
        let found = ids(&search(&api, &org, &body(query, &["people", "deals"])).await);
        assert_eq!(found, expected(&now, query, 25), "{query:?}");
    }
    api.assert_audit_clean().await;
}

/// Deleting the organization purges its search items with everything else.
#[tokio::test]
async fn an_organizations_purge_takes_its_search_items() {
    let api = TestApi::start().await;
    let indexer = api.index_from_stream().await;
    let org = workspace(&api, "Doomed").await;
    create(&api, &org, "people", json!({"name": "Gone Soon"})).await;
    eventually(&api, &org, &body("gone", &["people"]), &["Gone Soon"]).await;
    indexer.abort();
    let deleted = api
        .admin("DELETE", &format!("/api/v1/organizations/{}", org.id), None)
        .await;
    assert!(deleted.status < 300, "{:?}", deleted.body);
    api.wait_for_purges().await;
    assert!(api.items_with_pk_prefix("SRCH#").await.is_empty());
    api.assert_audit_clean().await;
}
