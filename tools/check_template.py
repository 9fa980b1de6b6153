"""Translates template.yaml offline with AWS's own SAM translator (aws-sam-translator, the
library inside the SAM CLI and the CloudFormation transform) and checks what a deploy would
make of it against the route table, which docs/openapi.json mirrors (a test keeps it
current):

- every route of the table becomes an HTTP API route (`AWS::ApiGatewayV2::Route`) with
  that method and path, targeting an integration of that route's function, which has an
  invoke permission for the API;
- the `$default` route goes to the unmatched-route function;
- no route ends in `/` (an HTTP API cannot hold one: SAM drops it or the deploy fails);
- the API sets `FailOnWarnings`.

Exits non-zero, naming each problem. Run by `make template` (part of `make test`).
"""

import copy
import json
import os
import sys
from pathlib import Path

from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent


class NoManagedPolicies(ManagedPolicyLoader):
    """The template names managed policies by ARN only; nothing to look up in IAM."""

    def __init__(self):
        pass

    def load(self):
        return {}


def translate():
    # The translator asks a boto session for the region; offline, it is this one.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = yaml_parse((ROOT / "template.yaml").read_text())
    parameters = {
        "AdminApiKeySha256": "0" * 64,
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::StackName": "workspace",
        "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/workspace/x",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }
    # As `sam package` leaves it: each function's code uploaded to S3.
    packaged = copy.deepcopy(template)
    packaged.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    for name, resource in packaged["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://workspace-artifacts/{name}.zip"
    return template, transform(packaged, parameters, NoManagedPolicies())


def logical_function(binary, template):
    """The function resource that builds `binary`: `get-record` is GetRecordFunction, as
    scripts/build.sh reads it back."""
    name = "".join(part.capitalize() for part in binary.split("-")) + "Function"
    resource = template["Resources"].get(name)
    if resource and resource.get("Type") == "AWS::Serverless::Function":
        return name
    return None


def refers_to(value, logical_id):
    """Whether an intrinsic-function value (Fn::Sub, Fn::GetAtt, Ref) names logical_id."""
    return logical_id in json.dumps(value)


def api_routes(api):
    """The routes SAM writes into the HTTP API's OpenAPI body: {"METHOD /path": integration}."""
    routes = {}
    for path, operations in api["Properties"].get("Body", {}).get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "x-amazon-apigateway-integration" not in operation:
                continue
            if path in ("$default", "/$default"):
                key = "$default"
            elif method == "x-amazon-apigateway-any-method":
                key = f"ANY {path}"
            else:
                key = f"{method.upper()} {path}"
            routes[key] = operation["x-amazon-apigateway-integration"]
    return routes


# CloudFormation's quota is 500 resources a stack. Past this many the stack must split
# before it can grow by another batch of endpoints (docs/operations.md, "When the stack
# splits"). 450 until the pages (#29) took the stack to 452 at 127 functions; 470 leaves
# room for five more functions and no batch: the split comes before the next one.
RESOURCE_WARNING_LIMIT = 470


def stack_size_problems(resources):
    """The transformed template's resource count, printed; a problem past the limit."""
    functions = sum(1 for r in resources.values() if r["Type"] == "AWS::Lambda::Function")
    count = len(resources)
    print(
        f"template: {count} CloudFormation resources after the SAM transform "
        f"({functions} functions, {count / max(functions, 1):.1f} a function), of 500 a stack allows"
    )
    if count > RESOURCE_WARNING_LIMIT:
        return [
            f"{count} resources is past {RESOURCE_WARNING_LIMIT}: split the stack before adding "
            "functions (docs/operations.md, When the stack splits)"
        ]
    return []


def main():
    source, output = translate()
    resources = output["Resources"]
    problems = []
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    apis = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    if len(apis) != 1:
        print(f"template: expected one HTTP API, found {len(apis)}")
        return 1
    api = apis[0]
    if api["Properties"].get("FailOnWarnings") is not True:
        problems.append("the HTTP API does not set FailOnWarnings")
    routes = api_routes(api)
    for key in routes:
        path = key.split(" ", 1)[-1]
        if path != "/" and path.endswith("/"):
            problems.append(f"route {key} ends in a slash")

    document = json.loads((ROOT / "docs/openapi.json").read_text())
    expected = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected.append((f"{method.upper()} {path}", operation["operationId"]))
    expected.append(("$default", "unmatched-route"))

    for key, binary in expected:
        integration = routes.get(key)
        if integration is None:
            problems.append(f"no API Gateway route for {key} ({binary})")
            continue
        function = logical_function(binary, source)
        if function is None:
            problems.append(f"no function builds the binary {binary}")
            continue
        if integration.get("type") != "aws_proxy" or integration.get("payloadFormatVersion") != "2.0":
            problems.append(f"route {key} is not a Lambda proxy integration of payload 2.0")
        if not refers_to(integration.get("uri"), f"{function}.Arn"):
            problems.append(f"route {key} does not integrate {function}")
        if not any(refers_to(p["Properties"].get("FunctionName"), function) for p in permissions):
            problems.append(f"{function} has no permission to be invoked by the API")
    for key in sorted(set(routes) - {key for key, _ in expected}):
        problems.append(f"API Gateway route {key} is not in the route table")

    problems += stack_size_problems(resources)
    for problem in problems:
        print(f"template: {problem}")
    print(f"template: {len(routes)} API Gateway routes from aws-sam-translator checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
