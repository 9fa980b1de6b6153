#!/usr/bin/env bash
# DynamoDB Local, the real one (Amazon's DynamoDBLocal.jar), without Docker.
#
#   scripts/dynamodb-local.sh install        install into .local/dynamodb if missing; print its folder
#   scripts/dynamodb-local.sh run PORT       run it in the foreground on PORT (in memory, one shared db)
#   scripts/dynamodb-local.sh wait PORT [S]  wait up to S seconds (default 60) until it answers
#
# The jar comes from the npm package amplify-dynamodb-simulator, which ships Amazon's
# DynamoDBLocal.jar and DynamoDBLocal_lib/ under package/emulator/. Only npm, tar and Java 17
# are needed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.local/dynamodb"
package="amplify-dynamodb-simulator@2.9.30"

install() {
  if [[ -f "$dest/DynamoDBLocal.jar" ]]; then
    echo "$dest"
    return
  fi
  command -v npm >/dev/null || { echo "npm is needed to install DynamoDB Local" >&2; exit 1; }
  command -v java >/dev/null || { echo "Java 17 is needed to run DynamoDB Local" >&2; exit 1; }
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  echo "installing DynamoDB Local from $package into $dest" >&2
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$tmp"/amplify-dynamodb-simulator-*.tgz -C "$tmp" package/emulator
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest.partial"
  mv "$tmp/package/emulator" "$dest.partial"
  mv "$dest.partial" "$dest" # atomic: a half-extracted folder is never taken for an install
  echo "$dest"
}

run() {
  local port="${1:?port}"
  install >/dev/null
  # -sharedDb: one database for every access key and region, so every client sees the table.
  exec java -Djava.library.path="$dest/DynamoDBLocal_lib" -jar "$dest/DynamoDBLocal.jar" \
    -inMemory -sharedDb -port "$port"
}

wait_ready() {
  local port="${1:?port}" seconds="${2:-60}"
  local deadline=$((SECONDS + seconds))
  # Any HTTP answer (DynamoDB answers 400 to a bare GET) means it is listening.
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    if ((SECONDS >= deadline)); then
      echo "DynamoDB Local did not answer on port $port within ${seconds}s" >&2
      return 1
    fi
    sleep 0.2
  done
}

case "${1:-}" in
  install) install ;;
  run) run "${2:-}" ;;
  wait) wait_ready "${2:-}" "${3:-60}" ;;
  *) echo "usage: $0 install | run PORT | wait PORT [SECONDS]" >&2; exit 2 ;;
esac
