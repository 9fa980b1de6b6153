//! The OpenAPI document the gateway serves: it covers the gateway's route table exactly.

use api_tests::TestApi;
use shared::routes::ROUTES;

#[tokio::test]
async fn the_gateway_serves_a_document_of_exactly_its_routes() {
    let api = TestApi::start().await;
    let reply = api.send("GET", "/openapi.json", &[], "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "application/json");
    let doc = &reply.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            operations += 1;
            // The path, with a value for each parameter, reaches this operation's function.
            let concrete: String = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let method = method.to_uppercase();
            let route = match gateway::match_route(&method, &concrete).unwrap() {
                gateway::Matched::Route(route, _) => route,
                other => panic!("{method} {path} is documented but the gateway answers {other:?}"),
            };
            assert_eq!(route.path, path, "{method} {path}");
            assert_eq!(operation["operationId"], route.function, "{method} {path}");
            let requirement = operation["security"][0].as_object();
            assert_eq!(
                requirement.is_none(),
                route.auth == shared::routes::Auth::Public,
                "{method} {path}"
            );
            for scheme in requirement.into_iter().flat_map(|r| r.keys()) {
                assert!(
                    doc["components"]["securitySchemes"][scheme].is_object(),
                    "{scheme} is not defined"
                );
            }
        }
    }
    assert_eq!(operations, ROUTES.len(), "every route is documented once");
    // The three ways to authenticate.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["AdminKey"]["name"], "X-API-KEY");
    assert_eq!(schemes["Bearer"]["scheme"], "bearer");
    assert_eq!(schemes["Token"]["name"], "Authorization");
    assert_eq!(schemes["AccountId"]["name"], "ACCOUNT-ID");
    // Every error response is the one error body.
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(
        error["required"],
        serde_json::json!(["status_code", "type", "code", "message"])
    );
}
