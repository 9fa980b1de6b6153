#!/usr/bin/env bash
# Scaffolds functions/<name>/ for an endpoint of shared::routes::Endpoint.
#   scripts/new-function.sh create-table CreateTable
# Then add its route to shared/src/routes.rs (and its handler to routes::handlers, named as
# the function with underscores), its resource to template.yaml and its event
# (scripts/new-event.py); tests/tests/api/template.rs checks that all four agree.
set -euo pipefail
name="${1:?function name}"
endpoint="${2:?Endpoint variant}"
handler="${name//-/_}"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/functions/$name"
mkdir -p "$dir/src"
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.1.0"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[[bin]]
name = "$name"
path = "src/main.rs"
test = false
doctest = false

[dependencies]
shared.workspace = true
tokio.workspace = true
lambda_http.workspace = true
TOML
cat >"$dir/src/main.rs" <<RS
//! \`$name\`: one Lambda function, one endpoint, and only its handler (static dispatch). All
//! logic lives in the \`shared\` crate.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run(
        shared::routes::Endpoint::$endpoint,
        shared::routes::handlers::$handler,
    )
    .await
}
RS
echo "$dir"
