//! What `make generate` writes from the endpoint catalog (`shared::catalog`), and what
//! `make test` checks is current:
//!
//! - `functions/<function>/Cargo.toml` and `src/main.rs`: the endpoint's Lambda binary;
//! - the endpoints' functions in template.yaml, between its `BEGIN`/`END` markers: each
//!   function's route, its role (its grants, the admin key's parameter for an admin route,
//!   its rate count for a rate-limited one) and its log group;
//! - `docs/openapi.json`, the OpenAPI document;
//! - `events/<function>.json`, a first event for `sam local invoke`, only where there is
//!   none: it is a sample a person edits (a real body, real ids), so it is never rewritten.
//!
//! The two functions that serve no route (`unmatched-route`, `purge-organizations`) are
//! kept by hand, outside the markers and in their own folders.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shared::digest::sha256_hex;
use shared::rate_limit::RateLimits;
use shared::routes::{Auth, Endpoint, Route, ROUTES};

/// The functions that serve no route of the catalog, kept by hand.
pub const HAND_KEPT_FUNCTIONS: [&str; 5] = [
    "unmatched-route",
    "purge-organizations",
    "fan-out-events",
    "retry-deliveries",
    "index-records",
];

pub const TEMPLATE: &str = "template.yaml";
pub const BEGIN: &str = "  # ---- BEGIN the endpoints' functions: written by `make generate` from shared/src/catalog.rs; do not edit. ----\n";
pub const END: &str = "  # ---- END the endpoints' functions. ----\n";

/// A file as `make generate` would write it.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    /// Relative to the repository root.
    pub path: PathBuf,
    pub contents: String,
    /// Written only if absent (a sample to edit), else kept current.
    pub only_if_absent: bool,
}

/// Every file the catalog derives, given the repository root (template.yaml's text outside
/// its markers is kept as it is).
pub fn files(root: &Path) -> Result<Vec<File>, String> {
    let mut files = Vec::new();
    for (endpoint, route) in Endpoint::ALL.iter().zip(ROUTES) {
        let dir = PathBuf::from("functions").join(route.function);
        files.push(current(dir.join("Cargo.toml"), cargo_toml(route)));
        files.push(current(dir.join("src/main.rs"), main_rs(*endpoint, route)));
        files.push(File {
            path: PathBuf::from("events").join(format!("{}.json", route.function)),
            contents: first_event(route),
            only_if_absent: true,
        });
    }
    let template = std::fs::read_to_string(root.join(TEMPLATE)).map_err(|e| format!("{TEMPLATE}: {e}"))?;
    files.push(current(PathBuf::from(TEMPLATE), spliced_template(&template)?));
    files.push(current(
        PathBuf::from("docs/openapi.json"),
        shared::openapi::document_pretty_json(),
    ));
    Ok(files)
}

impl File {
    /// Whether `make generate` writes it, given what is on disk: a missing file always; a
    /// kept-current one when it differs; a sample never once it exists.
    fn needs_writing(&self, on_disk: Option<&str>) -> bool {
        on_disk.is_none_or(|text| !self.only_if_absent && text != self.contents)
    }
}

fn current(path: PathBuf, contents: String) -> File {
    File {
        path,
        contents,
        only_if_absent: false,
    }
}

/// Function folders no endpoint declares (an endpoint removed from the catalog).
pub fn stale_functions(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join("functions")) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !HAND_KEPT_FUNCTIONS.contains(&name.as_str()) && ROUTES.iter().all(|r| r.function != name))
        .map(|name| PathBuf::from("functions").join(name))
        .collect();
    stale.sort();
    stale
}

/// What differs from what `make generate` would write, one line each; empty when current.
pub fn check(root: &Path) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for file in files(root)? {
        let on_disk = std::fs::read_to_string(root.join(&file.path)).ok();
        if file.needs_writing(on_disk.as_deref()) {
            let what = if on_disk.is_none() {
                "is missing"
            } else {
                "is not what the catalog gives"
            };
            problems.push(format!("{} {what}", file.path.display()));
        }
    }
    for dir in stale_functions(root) {
        problems.push(format!("{} serves no endpoint of the catalog", dir.display()));
    }
    Ok(problems)
}

/// Writes what differs and removes stale function folders; returns what it changed.
pub fn write(root: &Path) -> Result<Vec<String>, String> {
    let mut changed = Vec::new();
    for file in files(root)? {
        let path = root.join(&file.path);
        let on_disk = std::fs::read_to_string(&path).ok();
        if file.needs_writing(on_disk.as_deref()) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            std::fs::write(&path, &file.contents).map_err(|e| format!("{}: {e}", path.display()))?;
            changed.push(format!("wrote {}", file.path.display()));
        }
    }
    for dir in stale_functions(root) {
        std::fs::remove_dir_all(root.join(&dir)).map_err(|e| format!("{}: {e}", dir.display()))?;
        changed.push(format!("removed {}", dir.display()));
    }
    Ok(changed)
}

fn cargo_toml(route: &Route) -> String {
    let name = route.function;
    format!(
        r#"# Written by `make generate` from shared/src/catalog.rs; do not edit.
[package]
name = "{name}"
version = "0.1.0"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[[bin]]
name = "{name}"
path = "src/main.rs"
test = false
doctest = false

[dependencies]
shared.workspace = true
lambda_http.workspace = true
"#
    )
}

fn main_rs(endpoint: Endpoint, route: &Route) -> String {
    let name = endpoint.name();
    format!(
        r#"//! `{function}`: the Lambda function of {method} {path}, serving only its own handler
//! (static dispatch). Written by `make generate` from shared/src/catalog.rs; do not edit.

fn main() -> Result<(), lambda_http::Error> {{
    shared::lambda::run::<shared::routes::handlers::{name}>()
}}
"#,
        function = route.function,
        method = route.method,
        path = route.path,
    )
}

/// template.yaml with its generated section made anew.
pub fn spliced_template(template: &str) -> Result<String, String> {
    let begin = template
        .find(BEGIN)
        .ok_or_else(|| format!("{TEMPLATE} has no line `{}`", BEGIN.trim_end()))?;
    let end = template
        .find(END)
        .filter(|end| *end > begin)
        .ok_or_else(|| format!("{TEMPLATE} has no line `{}` after its BEGIN line", END.trim_end()))?;
    let mut out = String::with_capacity(template.len());
    out.push_str(&template[..begin + BEGIN.len()]);
    // Functions granted exactly the same share one role: the role's name is its grants'.
    let mut roles: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (endpoint, route) in Endpoint::ALL.iter().zip(ROUTES) {
        let statements = statements(route);
        let role = role_name(&statements);
        out.push_str(&function_resource(endpoint.name(), route, &role));
        roles.entry(statements).or_default().push(endpoint.name());
    }
    out.push_str(ROLES_COMMENT);
    for (statements, functions) in &roles {
        out.push_str(&role_resource(statements, functions));
    }
    out.push_str(&template[end..]);
    Ok(out)
}

const ROLES_COMMENT: &str = r#"
  # ---- The endpoints' roles. Least privilege: each role grants exactly the DynamoDB actions
  # (and SSM parameters) of the functions that use it, which are granted exactly the same
  # (the test every_function_is_granted_exactly_what_it_does holds each function to what
  # it does); its name is a digest of its grants, so a function's role changes only when
  # its grants do. One role for each set of grants, not one a function: a stack holds 500
  # resources (docs/operations.md, "When the stack splits").
"#;

/// The role of the functions granted `statements`.
fn role_name(statements: &str) -> String {
    format!("Grants{}Role", &sha256_hex(statements)[..10])
}

/// A role granting `statements` (its policy's, as the YAML of a statement list) and
/// AWSLambdaBasicExecutionRole for the logs, for `functions`.
fn role_resource(statements: &str, functions: &[&str]) -> String {
    let policies = if statements.is_empty() {
        String::new()
    } else {
        let statements: String = statements.lines().map(|l| format!("    {l}\n")).collect();
        format!(
            r#"      Policies:
        - PolicyName: grants
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
{statements}"#
        )
    };
    format!(
        r#"
  # {functions}
  {name}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{ Service: lambda.amazonaws.com }}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub "arn:${{AWS::Partition}}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
{policies}"#,
        functions = functions.join(", "),
        name = role_name(statements),
    )
}

/// The policy statements of a route's role, as YAML lines (indented for a function's
/// `Policies`): its DynamoDB actions, the admin key's and its secrets' SSM parameters, its
/// rate count. Empty for a route that needs none.
fn statements(route: &Route) -> String {
    let actions: Vec<String> = route.grants.iter().map(|g| format!("dynamodb:{}", g.name())).collect();
    let mut statements = String::new();
    if !actions.is_empty() {
        let _ = write!(
            statements,
            r#"            - Effect: Allow
              Action: [{}]
              Resource: [!GetAtt Table.Arn, !Sub "${{Table.Arn}}/index/*"]
"#,
            actions.join(", ")
        );
    }
    if route.auth == Auth::Admin {
        statements.push_str(
            r#"            # The admin key's hashes (shared::auth), read on the first admin request.
            - Effect: Allow
              Action: [ssm:GetParameter]
              Resource: [!Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${AdminApiKeyHashes}"]
"#,
        );
    }
    for secret in route.secrets {
        let _ = write!(
            statements,
            r#"            # {secret:?} (shared::sealing), read when first needed.
            - Effect: Allow
              Action: [ssm:GetParameter]
              Resource: [!Sub "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter${{{}}}"]
"#,
            secret.template_parameter()
        );
    }
    if RateLimits::PUBLISHED.for_route(route).is_some() {
        statements.push_str(
            r#"            # Its per-key rate count (shared::rate_limit): UpdateItem on RATE# items only.
            - Effect: Allow
              Action: [dynamodb:UpdateItem]
              Resource: [!GetAtt Table.Arn]
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys: ["RATE#*"]
"#,
        );
    }
    statements
}

/// One endpoint's function and log group, as template.yaml declares them; `role` is the
/// role of its grants.
fn function_resource(name: &str, route: &Route, role: &str) -> String {
    format!(
        r#"
  # {method} {path}
  {name}Function:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
      WorkingDirectory: .
    Properties:
      Role: !GetAtt {role}.Arn
      LoggingConfig:
        LogGroup: !Ref {name}Logs
      Events:
        Api:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: {method}
            Path: {path}
  {name}Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !Ref LogRetentionDays
"#,
        method = route.method,
        path = route.path,
    )
}

/// A path parameter's value in a first event: the names the other events use, which the
/// runtime test (tests/tests/api/runtime.rs) finds after the events before it.
fn sample(parameter: &str) -> &'static str {
    match parameter {
        "org_id" => "c",
        "table_id" | "object" => "companies",
        "record_id" => "LEAD-1",
        "attribute" => "name",
        "field_id" => "00000000-0000-4000-8000-000000000000",
        "external_id" => "user_456",
        "id" => "1",
        _ => "example",
    }
}

/// The placeholder org key of the events, which the runtime test replaces.
pub const EVENT_KEY: &str =
    "ak_00000000000000000000000000000000_0000000000000000000000000000000000000000000000000000000000000000";

/// A first API Gateway HTTP API (payload v2) event for the route, as `sam local invoke`
/// takes it: the route's path with sample parameters, its required query parameters, its
/// scheme's headers, and an empty JSON object as the body of a method that takes one.
pub fn first_event(route: &Route) -> String {
    let mut raw_path = String::new();
    let mut path_parameters = serde_json::Map::new();
    for segment in route.path.split('/').filter(|s| !s.is_empty()) {
        raw_path.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                raw_path.push_str(sample(name));
                path_parameters.insert(name.into(), sample(name).into());
            }
            None => raw_path.push_str(segment),
        }
    }
    let query: Vec<(&str, &str)> = route
        .query
        .iter()
        .filter(|q| q.required)
        .map(|q| (q.name, if q.integer { "1" } else { "example" }))
        .collect();
    let raw_query = query
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = serde_json::json!({"accept": "application/json", "user-agent": "sam-local"});
    match route.auth {
        Auth::Admin => headers["x-api-key"] = "local-admin-key".into(),
        Auth::Bearer | Auth::BearerIntrospected => headers["authorization"] = format!("Bearer {EVENT_KEY}").into(),
        Auth::Token => {
            headers["authorization"] = format!("Token {EVENT_KEY}").into();
            headers["account-id"] = "1".into();
        }
        Auth::Public => headers["accept"] = "text/html".into(),
        Auth::Session => {
            headers["accept"] = "text/html".into();
            headers["cookie"] = "workspace_session=example".into();
        }
    }
    let has_body = matches!(route.method, "POST" | "PUT" | "PATCH");
    if has_body {
        headers["content-type"] = "application/json".into();
    }
    let route_key = format!("{} {}", route.method, route.path);
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": route.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "sam-local"
            },
            "requestId": format!("event-{}", route.function),
            "routeKey": route_key,
            "stage": "$default",
            "time": "22/Nov/2026:00:00:00 +0000",
            "timeEpoch": 1795305600000u64
        },
        "isBase64Encoded": false
    });
    if !query.is_empty() {
        event["queryStringParameters"] = query
            .iter()
            .map(|(n, v)| (n.to_string(), serde_json::Value::from(*v)))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = path_parameters.into();
    }
    if has_body {
        event["body"] = "{}".into();
    }
    serde_json::to_string_pretty(&event).expect("an event serializes") + "\n"
}
