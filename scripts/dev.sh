#!/usr/bin/env bash
# `make dev`: DynamoDB Local (installed if missing), the table, and every endpoint on its real
# route at http://127.0.0.1:$PORT. Ctrl-C stops both.
#
#   PORT            the gateway's port (3000)
#   DYNAMODB_PORT   DynamoDB Local's port (8000)
#   ADMIN_API_KEY   the platform admin key (generated and printed when unset)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT="${PORT:-3000}"
DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
if [[ -z "${ADMIN_API_KEY:-}" ]]; then
  ADMIN_API_KEY="admin_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
fi

for port in "$PORT" "$DYNAMODB_PORT"; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use; set PORT or DYNAMODB_PORT to free ones" >&2
    exit 1
  fi
done

scripts/dynamodb-local.sh install >/dev/null
cargo build --quiet -p gateway

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

mkdir -p .local
scripts/dynamodb-local.sh run "$DYNAMODB_PORT" >.local/dynamodb.log 2>&1 &
pids+=($!)
scripts/dynamodb-local.sh wait "$DYNAMODB_PORT" 60

# DynamoDB Local takes any credentials made of letters and digits.
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
export PORT ADMIN_API_KEY TABLE_NAME="${TABLE_NAME:-workspace-local}"
target/debug/gateway &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
  kill -0 "${pids[1]}" 2>/dev/null || { echo "the gateway exited" >&2; exit 1; }
  sleep 0.2
done

cat <<MSG

API:            http://127.0.0.1:$PORT
OpenAPI 3.1:    http://127.0.0.1:$PORT/openapi.json
DynamoDB Local: http://127.0.0.1:$DYNAMODB_PORT (table $TABLE_NAME, in memory)
Admin key:      $ADMIN_API_KEY

Try it:
curl -s -X POST http://127.0.0.1:$PORT/api/v1/organizations \\
  -H 'Content-Type: application/json' -H 'X-API-KEY: $ADMIN_API_KEY' \\
  -d '{"name": "Acme Corporation", "owner": {"external_id": "user_123", "email": "john@example.com", "name": "John Doe"}, "description": "A technology company"}'

Ctrl-C stops the API and DynamoDB Local.
MSG
wait -n "${pids[@]}"
