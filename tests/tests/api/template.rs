//! template.yaml, the route table, functions/ and events/ must agree: one route per
//! function, the same table keys, the right role for each function's access.

use std::collections::{BTreeSet, HashSet};

use api_tests::repo_root;
use gateway::generate::HAND_KEPT_FUNCTIONS;
use serde_yaml::Value;
use shared::routes::{Access, Endpoint, ROUTES};
use shared::store::schema::SCHEMA;

/// The function behind the `$default` route, which serves no route of its own.
const UNMATCHED: &str = "unmatched-route";
const PURGE: &str = "purge-organizations";
const FAN_OUT: &str = "fan-out-events";
const RETRIES: &str = "retry-deliveries";
const INDEX: &str = "index-records";

/// template.yaml, parsed once for the whole test binary: the per-function checks ask for
/// it once per function (127 of them), and a debug build's parse of it takes a while.
fn parsed_template() -> &'static Value {
    static TEMPLATE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml exists");
        serde_yaml::from_str(&text).expect("template.yaml is YAML")
    })
}

pub(crate) fn template() -> Value {
    parsed_template().clone()
}

fn string(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
        .to_string()
}

#[test]
fn template_routes_equal_the_gateway_routes() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let mut declared = BTreeSet::new();
    let mut unmatched = 0;
    for (name, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = string(name);
        // Built by scripts/package/Makefile's one rule, in the repository root, which finds
        // the binary by the logical id (scripts/build.sh, `binary_of`).
        assert_eq!(resource["Metadata"]["BuildMethod"], "makefile", "{name}");
        assert_eq!(resource["Metadata"]["WorkingDirectory"], ".", "{name}");
        let binary = binary_of(&name);
        if [PURGE, FAN_OUT, RETRIES, INDEX].contains(&binary.as_str()) {
            continue;
        }
        let events = resource["Properties"]["Events"].as_mapping().expect("Events");
        assert_eq!(events.len(), 1, "{name} has one route");
        let event = events.values().next().unwrap();
        assert_eq!(event["Type"], "HttpApi");
        if binary == UNMATCHED {
            // The `$default` route: no Path and no Method, and a role without table access.
            assert!(event["Properties"].get("Path").is_none(), "{name}");
            assert!(event["Properties"].get("Method").is_none(), "{name}");
            assert!(function_actions(&binary).is_empty(), "{name} may not touch the table");
            unmatched += 1;
            continue;
        }
        let method = string(&event["Properties"]["Method"]);
        let path = string(&event["Properties"]["Path"]);
        declared.insert((method, path, binary));
    }
    let routes: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string(), r.function.to_string()))
        .collect();
    assert_eq!(declared, routes);
    assert_eq!(unmatched, 1, "one function serves the $default route");
}

#[test]
fn every_function_crate_serves_one_route() {
    let dirs: BTreeSet<String> = std::fs::read_dir(repo_root().join("functions"))
        .expect("functions/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut functions: BTreeSet<String> = ROUTES.iter().map(|r| r.function.to_string()).collect();
    assert_eq!(functions.len(), ROUTES.len(), "one function per route");
    functions.extend(HAND_KEPT_FUNCTIONS.map(String::from));
    assert_eq!(dirs, functions);
    // A function is named as its endpoint, in kebab case: `GetRecord` is `get-record`.
    for endpoint in Endpoint::ALL {
        assert_eq!(
            endpoint.route().function,
            kebab_case(endpoint.name()),
            "shared/src/catalog.rs: name the function of {} as the endpoint",
            endpoint.name()
        );
    }
}

fn kebab_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What `make generate` writes from the catalog (the function crates, their template.yaml
/// resources, docs/openapi.json, a first event for each) is what is committed.
#[test]
fn generated_files_are_current() {
    let problems = gateway::generate::check(&repo_root()).expect("the generator reads the tree");
    assert!(
        problems.is_empty(),
        "run `make generate` (shared/src/catalog.rs declares each endpoint once):\n{}",
        problems.join("\n")
    );
}

/// A function whose route counts in a vendor's rate limit may write its count, and only it;
/// the others may not.
#[test]
fn only_rate_limited_routes_may_write_their_counts() {
    let limits = shared::rate_limit::RateLimits::PUBLISHED;
    for route in ROUTES {
        assert_eq!(
            rate_count_granted(route.function),
            limits.for_route(route).is_some(),
            "{}",
            route.function
        );
    }
    assert!(!rate_count_granted(PURGE));
}

/// The admin routes, and only they, may read the admin key's parameter; the functions get
/// its name, and the parameter holds the stack's hash.
#[test]
fn only_admin_routes_may_read_the_admin_key_parameter_and_only_declared_secrets_others() {
    for route in ROUTES {
        assert_eq!(
            admin_key_granted(route.function),
            route.auth == shared::routes::Auth::Admin,
            "{}",
            route.function
        );
    }
    assert!(!admin_key_granted(PURGE) && !admin_key_granted(UNMATCHED));
    // Every other parameter a function may read is a secret its route declares, and only
    // that (the webhook sealing key for the functions that seal or open webhook secrets).
    for route in ROUTES {
        let declared: Vec<String> = route
            .secrets
            .iter()
            .map(|s| s.template_parameter().to_string())
            .collect();
        assert_eq!(
            secret_parameters_granted(route.function),
            declared,
            "{}",
            route.function
        );
    }
    assert!(secret_parameters_granted(PURGE).is_empty() && secret_parameters_granted(UNMATCHED).is_empty());
    let template = template();
    let parameter = &template["Resources"]["AdminApiKeyHashes"];
    assert_eq!(parameter["Type"], "AWS::SSM::Parameter");
    assert!(format!("{:?}", parameter["Properties"]["Value"]).contains("AdminApiKeySha256"));
    let env = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert!(format!("{:?}", env["ADMIN_API_KEY_PARAMETER"]).contains("AdminApiKeyHashes"));
    assert_eq!(
        env["ADMIN_API_KEY_SHA256"], "",
        "the hash reaches deployed functions through SSM only"
    );
}

/// The purge function: the table's stream invokes it, filtered as `shared::purge` expects,
/// with retries, a queue for what keeps failing, and the grants a purge step uses.
#[test]
fn the_purge_function_follows_the_stream_of_purge_markers() {
    let template = template();
    let table = &template["Resources"]["Table"]["Properties"];
    assert_eq!(table["StreamSpecification"]["StreamViewType"], SCHEMA.stream_view);
    stream_trigger(PURGE, shared::purge::STREAM_FILTER);
    let actions: BTreeSet<String> = ["GetItem", "Query", "UpdateItem", "DeleteItem", "BatchWriteItem"]
        .map(String::from)
        .into();
    assert_eq!(function_actions(PURGE), actions);
}

/// A stream function's one trigger: the table's stream from its start, a failing batch
/// bisected and retried, then sent to a queue, and only what `filter` passes.
fn stream_trigger(binary: &str, filter: &str) {
    let resource = function_resource(binary);
    let events = resource["Properties"]["Events"].as_mapping().expect("Events");
    assert_eq!(events.len(), 1, "{binary}");
    let event = events.values().next().unwrap();
    assert_eq!(event["Type"], "DynamoDB", "{binary}");
    let properties = &event["Properties"];
    assert_eq!(properties["StartingPosition"], "TRIM_HORIZON", "{binary}");
    assert_eq!(properties["BisectBatchOnFunctionError"], true, "{binary}");
    assert!(
        matches!(
            properties["DestinationConfig"]["OnFailure"]["Destination"],
            Value::Tagged(_)
        ),
        "{binary}"
    );
    let pattern = string(&properties["FilterCriteria"]["Filters"][0]["Pattern"]);
    let pattern: serde_json::Value = serde_json::from_str(&pattern).expect("the pattern is JSON");
    let expected: serde_json::Value = serde_json::from_str(filter).unwrap();
    assert_eq!(pattern, expected, "{binary}");
}

/// The webhook delivery functions: fan-out on the stream's new event items (filtered as
/// `shared::delivery` expects, with retries and a queue for what keeps failing), retries on
/// a schedule; each granted what its code calls, and the sealing key's parameter only.
#[test]
fn the_delivery_functions_follow_event_items_and_a_schedule() {
    stream_trigger(FAN_OUT, shared::delivery::STREAM_FILTER);
    let actions = |list: &[&str]| -> BTreeSet<String> { list.iter().map(|a| a.to_string()).collect() };
    assert_eq!(
        function_actions(FAN_OUT),
        actions(&["GetItem", "Query", "PutItem", "UpdateItem"])
    );
    let resource = function_resource(RETRIES);
    let events = resource["Properties"]["Events"].as_mapping().expect("Events");
    let schedule = events.values().next().unwrap();
    assert_eq!(schedule["Type"], "ScheduleV2");
    assert_eq!(schedule["Properties"]["ScheduleExpression"], "rate(1 minute)");
    assert_eq!(function_actions(RETRIES), actions(&["GetItem", "Query", "UpdateItem"]));
    for binary in [FAN_OUT, RETRIES] {
        assert_eq!(
            secret_parameters_granted(binary),
            ["WebhookSealingKeyParameter"],
            "{binary}"
        );
        assert!(!admin_key_granted(binary), "{binary}");
    }
}

/// Record search's index: on the stream's new event items (the fan-out's filter), with
/// retries and a queue for what keeps failing; granted the reads and the transaction's
/// parts its code calls, and no secret.
#[test]
fn the_search_index_follows_event_items() {
    stream_trigger(INDEX, shared::search_index::STREAM_FILTER);
    let actions: BTreeSet<String> = [
        "GetItem",
        "Query",
        "BatchGetItem",
        "PutItem",
        "DeleteItem",
        "ConditionCheckItem",
    ]
    .map(String::from)
    .into();
    assert_eq!(function_actions(INDEX), actions);
    assert!(secret_parameters_granted(INDEX).is_empty() && !admin_key_granted(INDEX));
}

#[test]
fn every_function_has_an_event_for_its_route() {
    for route in ROUTES {
        let path = repo_root().join(format!("events/{}.json", route.function));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: `make generate` writes a first one", path.display()));
        let event: serde_json::Value = serde_json::from_str(&text).expect("the event is JSON");
        assert_eq!(
            event["version"], "2.0",
            "{}: an HTTP API payload v2 event",
            route.function
        );
        assert_eq!(event["routeKey"], format!("{} {}", route.method, route.path));
        assert_eq!(event["requestContext"]["http"]["method"], route.method);
        lambda_http::request::from_str(&text).expect("lambda_http reads the event");
    }
    // The stream's function: a record of a purge marker, as the stream delivers it.
    let text = std::fs::read_to_string(repo_root().join(format!("events/{PURGE}.json"))).expect("its event");
    let event: shared::purge::StreamEvent = serde_json::from_str(&text).expect("a stream event");
    assert_eq!(event.records.len(), 1);
    let text = std::fs::read_to_string(repo_root().join(format!("events/{UNMATCHED}.json"))).expect("its event");
    let event: serde_json::Value = serde_json::from_str(&text).expect("the event is JSON");
    assert_eq!(event["routeKey"], "$default");
    lambda_http::request::from_str(&text).expect("lambda_http reads the event");
}

#[test]
fn template_table_equals_the_code_schema() {
    let template = template();
    let table = &template["Resources"]["Table"]["Properties"];
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(table["TimeToLiveSpecification"]["AttributeName"], SCHEMA.ttl_attribute);
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"], true);
    let key_schema = |keys: &Value| -> Vec<(String, String)> {
        keys.as_sequence()
            .expect("a key schema")
            .iter()
            .map(|k| (string(&k["AttributeName"]), string(&k["KeyType"])))
            .collect()
    };
    let hash_range = |pk: &str, sk: &str| {
        vec![
            (pk.to_string(), "HASH".to_string()),
            (sk.to_string(), "RANGE".to_string()),
        ]
    };
    assert_eq!(
        key_schema(&table["KeySchema"]),
        hash_range(SCHEMA.partition_key, SCHEMA.sort_key)
    );

    let attributes: Vec<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| (string(&a["AttributeName"]), string(&a["AttributeType"])))
        .collect();
    let expected: Vec<(String, String)> = SCHEMA
        .key_attributes()
        .into_iter()
        .map(|a| (a.to_string(), "S".to_string()))
        .collect();
    assert_eq!(attributes, expected);

    let indexes = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("GlobalSecondaryIndexes");
    assert_eq!(indexes.len(), SCHEMA.indexes.len());
    for (declared, index) in indexes.iter().zip(SCHEMA.indexes) {
        assert_eq!(string(&declared["IndexName"]), index.name);
        assert_eq!(
            key_schema(&declared["KeySchema"]),
            hash_range(index.partition_key, index.sort_key)
        );
        assert_eq!(declared["Projection"]["ProjectionType"], "ALL");
    }
}

/// The binary a function resource builds: its logical id without `Function`, in kebab case
/// (`GetRecordFunction` builds `get-record`), as scripts/build.sh reads it.
fn binary_of(logical_id: &str) -> String {
    let name = logical_id
        .strip_suffix("Function")
        .unwrap_or_else(|| panic!("{logical_id}: a function's logical id ends in Function"));
    kebab_case(name)
}

/// The function resource of template.yaml that builds `binary`.
fn function_resource(binary: &str) -> Value {
    let resources = parsed_template()["Resources"].as_mapping().expect("resources");
    resources
        .iter()
        .find(|(name, r)| r["Type"] == "AWS::Serverless::Function" && binary_of(&string(name)) == binary)
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| panic!("no function builds {binary}"))
}

/// The statement that lets a function count its requests (shared::rate_limit): UpdateItem
/// on the table's `RATE#` items only, by IAM's `dynamodb:LeadingKeys` condition.
fn is_rate_count_grant(statement: &Value) -> bool {
    statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        .as_sequence()
        .is_some_and(|keys| keys.iter().any(|k| k.as_str() == Some("RATE#*")))
}

/// Every statement the function that builds `binary` is granted: its role's policies (an
/// endpoint's role, `Role: !GetAtt <role>.Arn`, shared by the functions granted exactly
/// the same), or its own inline `Policies` (the hand-kept functions; SAM makes their role).
fn statements(binary: &str) -> Vec<Value> {
    let resource = function_resource(binary);
    if let Some(role) = resource["Properties"].get("Role") {
        let Value::Tagged(tagged) = role else {
            panic!("{binary}: Role is !GetAtt <role>.Arn, not {role:?}")
        };
        let name = string(&tagged.value);
        let name = name
            .strip_suffix(".Arn")
            .unwrap_or_else(|| panic!("{binary}: Role is !GetAtt <role>.Arn"));
        let role = parsed_template()["Resources"][name].clone();
        assert_eq!(role["Type"], "AWS::IAM::Role", "{binary}: {name}");
        return role["Properties"]["Policies"]
            .as_sequence()
            .cloned()
            .unwrap_or_default()
            .iter()
            .flat_map(|p| {
                p["PolicyDocument"]["Statement"]
                    .as_sequence()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
    }
    resource["Properties"]["Policies"]
        .as_sequence()
        .cloned()
        .unwrap_or_default()
        .iter()
        .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
        .collect()
}

/// Whether a statement lets a function read an SSM parameter.
fn is_parameter_grant(statement: &Value) -> bool {
    statement["Action"]
        .as_sequence()
        .is_some_and(|a| a.iter().any(|a| a.as_str() == Some("ssm:GetParameter")))
}

/// The statement that lets a function read the admin key's hashes from SSM.
fn is_admin_key_grant(statement: &Value) -> bool {
    is_parameter_grant(statement) && format!("{:?}", statement["Resource"]).contains("AdminApiKeyHashes")
}

/// The template parameters naming the SSM parameters a function may read, besides the
/// admin key's; each statement only `ssm:GetParameter`, on that one parameter.
fn secret_parameters_granted(binary: &str) -> Vec<String> {
    statements(binary)
        .into_iter()
        .filter(|s| is_parameter_grant(s) && !is_admin_key_grant(s))
        .map(|statement| {
            assert_eq!(
                format!("{:?}", statement["Action"]),
                format!("{:?}", serde_yaml::from_str::<Value>("[ssm:GetParameter]").unwrap()),
                "{binary}"
            );
            let resource = format!("{:?}", statement["Resource"]);
            let name = resource
                .split(":parameter${")
                .nth(1)
                .and_then(|rest| rest.split('}').next())
                .unwrap_or_else(|| panic!("{binary}: one named parameter: {resource}"));
            name.to_string()
        })
        .collect()
}

/// Whether the function that builds `binary` may read the admin key's parameter, and its
/// statement is that and nothing more.
fn admin_key_granted(binary: &str) -> bool {
    let statements: Vec<Value> = statements(binary).into_iter().filter(is_admin_key_grant).collect();
    assert!(statements.len() <= 1, "{binary}: one statement for the admin key");
    for statement in &statements {
        assert_eq!(
            format!("{:?}", statement["Action"]),
            format!("{:?}", serde_yaml::from_str::<Value>("[ssm:GetParameter]").unwrap()),
            "{binary}"
        );
        let resource = format!("{:?}", statement["Resource"]);
        assert!(
            resource.contains(":parameter${AdminApiKeyHashes}"),
            "{binary}: the admin key's parameter only: {resource}"
        );
    }
    !statements.is_empty()
}

/// Whether the function that builds `binary` may count its requests, and its statement is
/// that and nothing more.
fn rate_count_granted(binary: &str) -> bool {
    let statements: Vec<Value> = statements(binary).into_iter().filter(is_rate_count_grant).collect();
    for statement in &statements {
        let actions: Vec<&str> = statement["Action"]
            .as_sequence()
            .expect("Action is a list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(actions, ["dynamodb:UpdateItem"], "{binary}");
        assert_eq!(
            format!("{:?}", statement["Resource"]),
            format!("{:?}", serde_yaml::from_str::<Value>("[!GetAtt Table.Arn]").unwrap()),
            "{binary}: the table only"
        );
    }
    !statements.is_empty()
}

/// The DynamoDB actions (`GetItem`, ...) template.yaml grants the function that builds
/// `binary` ([`statements`]). Every statement must name the table and its indexes, nothing
/// else.
pub(crate) fn function_actions(binary: &str) -> BTreeSet<String> {
    // A role is shared only by functions granted exactly the same (its name is a digest of
    // its grants), so what it grants is what each of them does.
    let statements = statements(binary);
    let mut actions = BTreeSet::new();
    for statement in statements
        .into_iter()
        .filter(|s| !is_rate_count_grant(s) && !is_parameter_grant(s))
    {
        assert_eq!(statement["Effect"], "Allow", "{binary}");
        let resources: Vec<String> = statement["Resource"]
            .as_sequence()
            .expect("Resource is a list")
            .iter()
            .map(|r| match r {
                Value::Tagged(tagged) => format!("{} {}", tagged.tag, string(&tagged.value)),
                other => panic!("{binary}: a resource other than the table: {other:?}"),
            })
            .collect();
        assert_eq!(
            resources,
            ["!GetAtt Table.Arn", "!Sub ${Table.Arn}/index/*"],
            "{binary}: the table and its indexes only"
        );
        for action in statement["Action"].as_sequence().expect("Action is a list") {
            let action = action.as_str().expect("an action");
            let action = action
                .strip_prefix("dynamodb:")
                .unwrap_or_else(|| panic!("{binary}: {action} is not a DynamoDB action"));
            actions.insert(action.to_string());
        }
    }
    actions
}

/// `sam local invoke --env-vars env.json` sets only the variables the template declares for
/// a function (SAM ignores the rest, and the function would reach the real AWS account): so
/// env.json may hold only those, and must point the functions at DynamoDB Local.
#[test]
fn env_json_sets_only_variables_the_template_declares() {
    let template = template();
    let globals: BTreeSet<String> = template["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .expect("global variables")
        .keys()
        .map(string)
        .collect();
    let text = std::fs::read_to_string(repo_root().join("env.json")).expect("env.json exists");
    let env: serde_json::Value = serde_json::from_str(&text).expect("env.json is JSON");
    let set: BTreeSet<String> = env["Parameters"]
        .as_object()
        .expect("env.json's Parameters")
        .keys()
        .cloned()
        .collect();
    let undeclared: Vec<&String> = set.difference(&globals).collect();
    assert!(
        undeclared.is_empty(),
        "env.json sets undeclared variables: {undeclared:?}"
    );
    assert!(
        set.contains("LOCAL_DYNAMODB_ENDPOINT"),
        "env.json points at DynamoDB Local"
    );
    for name in [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(!globals.contains(name), "{name} is reserved or ignored by SAM");
    }
    assert_eq!(
        template["Globals"]["Function"]["Environment"]["Variables"]["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"], "true",
        "lambda_http must not put the API's stage in the path"
    );
}

/// Reads are granted reads only, BatchWriteItem (which deletes without conditions) only to
/// what deletes what is already unreachable (a deleted record's history, by Attio's delete
/// of a record or an entry, or SmartSuite's; a deleted object's search items; the
/// organization purge is a function of its own, not a route), and Scan to no one.
#[test]
fn grants_follow_the_routes_access() {
    let reads: BTreeSet<String> = ["GetItem", "BatchGetItem", "Query"].map(String::from).into();
    for route in ROUTES {
        let granted = function_actions(route.function);
        assert!(!granted.contains("Scan"), "{}", route.function);
        if route.access == Access::Read {
            assert!(
                granted.is_subset(&reads),
                "{} reads, granted {granted:?}",
                route.function
            );
        }
        assert_eq!(
            granted.contains("BatchWriteItem"),
            matches!(
                route.function,
                "delete-record"
                    | "delete-entry"
                    | "delete-application-record"
                    | "delete-application-records"
                    | "delete-object"
            ),
            "{}",
            route.function
        );
    }
}

/// What a team running it needs from the template: access logs as JSON with the fields the
/// runbook's queries read, retention limited to what CloudWatch accepts, default route
/// throttling from parameters, and the alarms, each notifying the topic when one is given.
#[test]
fn the_template_carries_logs_throttling_and_alarms() {
    let template = template();
    let parameters = &template["Parameters"];
    let retention: Vec<u64> = parameters["LogRetentionDays"]["AllowedValues"]
        .as_sequence()
        .expect("AllowedValues")
        .iter()
        .map(|v| v.as_u64().expect("a number"))
        .collect();
    // CloudWatch Logs' PutRetentionPolicy: the values it accepts.
    let cloudwatch = [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ];
    assert_eq!(retention, cloudwatch);
    let api = &template["Resources"]["HttpApi"]["Properties"];
    let format = string(&api["AccessLogSettings"]["Format"]);
    // API Gateway fills each $context variable; with numbers for the unquoted ones, the
    // line is JSON.
    let filled = format
        .replace("$context.status", "200")
        .replace("$context.responseLatency", "12")
        .split('"')
        .map(|part| if part.starts_with("$context.") { "x" } else { part })
        .collect::<Vec<_>>()
        .join("\"");
    let line: serde_json::Value = serde_json::from_str(&filled).expect("the access log line is JSON");
    for field in [
        "requestId",
        "routeKey",
        "status",
        "latency",
        "integrationLatency",
        "integrationError",
        "sourceIp",
    ] {
        assert!(line.get(field).is_some(), "the access log has {field}");
    }
    assert!(line["status"].is_number() && line["latency"].is_number());
    let throttling = &api["DefaultRouteSettings"];
    for setting in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        let Value::Tagged(reference) = &throttling[setting] else {
            panic!("{setting} is a !Ref");
        };
        assert_eq!(
            (reference.tag.to_string(), string(&reference.value)),
            ("!Ref".to_string(), setting.to_string())
        );
    }
    let resources = template["Resources"].as_mapping().expect("Resources");
    let alarms: Vec<String> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .map(|(name, _)| string(name))
        .collect();
    for alarm in [
        "ApiServerErrorRateAlarm",
        "ApiLatencyAlarm",
        "ApiNearTimeoutAlarm",
        "LambdaErrorsAlarm",
        "LambdaThrottlesAlarm",
        "DynamoDbThrottlesAlarm",
        "DynamoDbSystemErrorsAlarm",
        "PurgeFailuresAlarm",
        "IndexRecordsFailuresAlarm",
    ] {
        assert!(alarms.contains(&alarm.to_string()), "{alarm}");
    }
    for alarm in &alarms {
        let properties = &template["Resources"][alarm.as_str()]["Properties"];
        let actions = format!("{:?}", properties["AlarmActions"]);
        assert!(
            actions.contains("NotifyAlarms") && actions.contains("AlarmTopicArn"),
            "{alarm}: {actions}"
        );
        let description = string(&properties["AlarmDescription"]);
        assert!(
            description.contains("docs/operations.md"),
            "{alarm} names its runbook entry"
        );
    }
    let runbook = std::fs::read_to_string(repo_root().join("docs/operations.md")).expect("docs/operations.md");
    for alarm in &alarms {
        let description = string(&template["Resources"][alarm.as_str()]["Properties"]["AlarmDescription"]);
        let entry = description.split('"').nth(1).expect("the entry is quoted");
        assert!(
            runbook.contains(&format!("### {entry}")),
            "docs/operations.md has \"### {entry}\""
        );
    }
}

/// Static dispatch: each function's binary links its own handler and no other endpoint's
/// (the gateway links them all; a Lambda binary names its one `Serve` type). Read from the
/// symbols of the debug binaries `make test` builds (`nm -C`), so a change that made a
/// binary dispatch through the whole table fails here, not in a size chart.
#[test]
fn every_binary_links_only_its_own_handler() {
    let target = api_tests::target_dir();
    let handler_symbol =
        |route: &shared::routes::Route| format!("shared::endpoints::{}", route.handler.replace(' ', ""));
    // nm takes a quarter of a second a binary: two at a time, each thread its half.
    let halves: Vec<Vec<&shared::routes::Route>> = vec![
        ROUTES.iter().step_by(2).collect(),
        ROUTES.iter().skip(1).step_by(2).collect(),
    ];
    std::thread::scope(|scope| {
        for half in &halves {
            let (target, handler_symbol) = (&target, &handler_symbol);
            scope.spawn(move || {
                for route in half {
                    let linked = endpoint_symbols(&target.join("debug").join(route.function));
                    let links = |path: &str| linked.contains(path);
                    assert!(
                        links(&handler_symbol(route)),
                        "{} does not link its handler {}",
                        route.function,
                        route.handler
                    );
                    let others: Vec<&str> = ROUTES
                        .iter()
                        .filter(|other| other.handler != route.handler && links(&handler_symbol(other)))
                        .map(|other| other.function)
                        .collect();
                    assert!(others.is_empty(), "{} links the handlers of {others:?}", route.function);
                }
            });
        }
    });
}

/// The functions a binary links under shared::endpoints, as `nm -C` shows them: an async
/// fn's body is `<path>::{{closure}}`, named here by its path.
fn endpoint_symbols(binary: &std::path::Path) -> HashSet<String> {
    assert!(
        binary.exists(),
        "{} is missing: build the functions first (`cargo build --workspace --bins`; `make test` does)",
        binary.display()
    );
    let output = std::process::Command::new("nm")
        .arg("-C")
        .arg(binary)
        .output()
        .expect("nm (binutils) runs");
    assert!(output.status.success(), "nm {}", binary.display());
    std::str::from_utf8(&output.stdout)
        .expect("nm prints UTF-8")
        .lines()
        .filter_map(|line| line.splitn(3, ' ').nth(2))
        .filter(|name| name.starts_with("shared::endpoints::"))
        .map(|name| name.split("::{{closure}}").next().unwrap_or(name).to_string())
        .collect()
}
