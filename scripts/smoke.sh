#!/usr/bin/env bash
# A smoke test for any deployment: scripts/smoke.sh BASE_URL ADMIN_KEY
#
# Runs the four seed requests (Answering Agent's organization, Invent's table, Attio's
# record, SmartSuite's team), each with a read of what it made, and what they need (the
# tables and records the Attio record references), against BASE_URL (the local gateway, or
# the API URL `sam deploy` prints, stage included). Prints a PASS or FAIL line per step and
# a count; exits non-zero on any failure. Writes a new organization each run (named
# `Smoke <time>`); delete it with DELETE /api/v1/organizations/{id} when done.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BASE_URL ADMIN_KEY" >&2
  exit 2
fi
BASE="${1%/}"
ADMIN="$2"
PASSED=0
FAILED=0
BODY=""

# request NAME EXPECTED_STATUS METHOD PATH AUTH_HEADER [EXTRA_HEADER] [JSON]
request() {
  local name="$1" expected="$2" method="$3" path="$4" auth="$5" extra="${6:-}" data="${7:-}"
  local args=(-sS -o /tmp/smoke-body.$$ -w '%{http_code}' -X "$method" "$BASE$path"
    -H 'Content-Type: application/json' -H "$auth")
  [ -n "$extra" ] && args+=(-H "$extra")
  [ -n "$data" ] && args+=(--data "$data")
  local status
  status=$(curl "${args[@]}" 2>/tmp/smoke-error.$$) || status="000"
  BODY=$(cat /tmp/smoke-body.$$ 2>/dev/null || true)
  if [ "$status" = "$expected" ]; then
    PASSED=$((PASSED + 1))
    echo "PASS $name ($method $path: $status)"
  else
    FAILED=$((FAILED + 1))
    echo "FAIL $name ($method $path: expected $expected, got $status) $(head -c 300 /tmp/smoke-body.$$ 2>/dev/null) $(cat /tmp/smoke-error.$$)"
  fi
  rm -f /tmp/smoke-body.$$ /tmp/smoke-error.$$
}

field() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

STAMP=$(date +%s)
OWNER="smoke-owner-$STAMP-$$"

# Answering Agent: create an organization (the seed's body), then read it.
request "create organization" 201 POST /api/v1/organizations "X-API-KEY: $ADMIN" "" \
  "{\"name\": \"Smoke $STAMP\", \"owner\": {\"external_id\": \"$OWNER\", \"email\": \"owner@example.com\", \"name\": \"John Doe\"}, \"description\": \"A technology company specializing in innovative solutions\"}"
ORG=$(field .organization.id)
KEY=$(field .api_key.secret)
USER_ID=$(field .owner.id)
request "read organization" 200 GET "/api/v1/organizations/$ORG" "X-API-KEY: $ADMIN"
BEARER="Authorization: Bearer $KEY"

# Invent: create a table (the seed's body), then read it.
request "create table" 200 POST /orgs/c/tables "$BEARER" "" \
  '{"name": "Workspaces", "record_prefix": "WS", "api_slug": "workspaces", "description": "Workspaces of the smoke test"}'
request "read table" 200 GET /orgs/c/tables/workspaces "$BEARER"

# What the Attio seed record needs: its attributes, and the records it references.
request "create table users" 200 POST /orgs/c/tables "$BEARER" "" '{"name": "Users", "record_prefix": "USR", "api_slug": "users"}'
request "create table companies" 200 POST /orgs/c/tables "$BEARER" "" '{"name": "Companies", "record_prefix": "CO", "api_slug": "companies"}'
for definition in \
  '{"key": "workspace_id", "schema": {"name": "Workspace ID", "type": "text"}}' \
  '{"key": "avatar_url", "schema": {"name": "Avatar", "type": "text"}}' \
  '{"key": "users", "schema": {"name": "Users", "type": "record-reference", "link": "users", "array": true}}' \
  '{"key": "company", "schema": {"name": "Company", "type": "record-reference", "link": "companies"}}'; do
  request "add field $(printf '%s' "$definition" | jq -r .key)" 200 POST /orgs/c/tables/workspaces/fields "$BEARER" "" "$definition"
done
request "create user record" 200 POST /v2/objects/users/records "$BEARER" "" '{"data": {"values": {"name": "John Doe"}}}'
USER_RECORD=$(field .data.id.record_id)
request "create company record" 200 POST /v2/objects/companies/records "$BEARER" "" '{"data": {"values": {"name": "Customer.com"}}}'
COMPANY_RECORD=$(field .data.id.record_id)

# Attio: create a record (the seed's body, with the ids just made), then read it.
request "create record" 200 POST /v2/objects/workspaces/records "$BEARER" "" \
  "{\"data\": {\"values\": {\"workspace_id\": \"123\", \"name\": \"Customer.com\", \"avatar_url\": \"https://example.com/avatar.png\", \"users\": [{\"target_object\": \"users\", \"target_record_id\": \"$USER_RECORD\"}], \"company\": {\"target_object\": \"companies\", \"target_record_id\": \"$COMPANY_RECORD\"}}}}"
RECORD=$(field .data.id.record_id)
request "read record" 200 GET "/v2/objects/workspaces/records/$RECORD" "$BEARER"

# SmartSuite: add a team (the seed's body, owned by the organization's owner), then read it.
TOKEN="Authorization: Token $KEY"
request "create team" 200 POST /api/v1/teams/ "$TOKEN" "ACCOUNT-ID: $ORG" \
  "{\"id\": null, \"name\": \"My New Team\", \"type\": \"2\", \"status\": {\"value\": \"1\", \"updated_on\": null}, \"color\": [{\"value\": \"#0C41F3\", \"name\": \"\"}], \"owners\": [\"$USER_ID\"], \"members\": [], \"first_created\": null, \"last_updated\": null, \"comments_count\": 0, \"followed_by\": []}"
TEAM=$(field .id)
request "read team" 200 GET "/api/v1/teams/$TEAM/" "$TOKEN" "ACCOUNT-ID: $ORG"

echo "organization $ORG was made by this run"
echo "smoke: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
