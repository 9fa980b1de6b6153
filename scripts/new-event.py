#!/usr/bin/env python3
"""Writes an API Gateway HTTP API (payload v2) event, as `sam local invoke` and the runtime
tests use. The project owns its events; this only saves typing them.

  scripts/new-event.py FUNCTION METHOD ROUTE_PATH RAW_PATH [-H 'name: value'] [-d BODY]

Example:
  scripts/new-event.py get-organization GET '/api/v1/organizations/{id}' /api/v1/organizations/1 \
      -H 'x-api-key: local-admin-key'
"""
import argparse
import json
import re
import sys
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument("function")
p.add_argument("method")
p.add_argument("route_path")
p.add_argument("raw_path")
p.add_argument("-H", "--header", action="append", default=[])
p.add_argument("-d", "--data")
p.add_argument("-q", "--query", default="")
a = p.parse_args()

names = re.findall(r"\{([^}]+)\}", a.route_path)
pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(a.route_path)) + "$"
match = re.match(pattern, a.raw_path)
if not match:
    sys.exit(f"{a.raw_path} does not match {a.route_path}")
headers = {"accept": "application/json", "user-agent": "sam-local"}
for h in a.header:
    name, value = h.split(":", 1)
    headers[name.strip().lower()] = value.strip()
if a.data is not None:
    headers.setdefault("content-type", "application/json")
route_key = f"{a.method} {a.route_path}"
event = {
    "version": "2.0",
    "routeKey": route_key,
    "rawPath": a.raw_path,
    "rawQueryString": a.query,
    "headers": headers,
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": "localhost",
        "domainPrefix": "localhost",
        "http": {
            "method": a.method,
            "path": a.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "sam-local",
        },
        "requestId": f"event-{a.function}",
        "routeKey": route_key,
        "stage": "$default",
        "time": "22/Nov/2026:00:00:00 +0000",
        "timeEpoch": 1795305600000,
    },
    "isBase64Encoded": False,
}
if a.query:
    params = {}
    for pair in a.query.split("&"):
        k, _, v = pair.partition("=")
        params[k] = v if k not in params else params[k] + "," + v
    event["queryStringParameters"] = params
if names:
    event["pathParameters"] = dict(zip(names, match.groups()))
if a.data is not None:
    event["body"] = json.dumps(json.loads(a.data), separators=(",", ":"))
out = Path(__file__).resolve().parent.parent / "events" / f"{a.function}.json"
out.write_text(json.dumps(event, indent=2) + "\n")
print(out)
