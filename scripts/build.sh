#!/usr/bin/env bash
# `make build`: every function's arm64 Lambda bundle, then `sam build`.
#
# SAM's rust-cargolambda builder runs one `cargo lambda build --release --arm64 --bin <name>`
# per function, one after another. Building every function in one cargo invocation first
# lets cargo compile the shared crate once and link the binaries in parallel; SAM's own
# per-function builds then find them up to date and only copy each bootstrap into
# .aws-sam/build. `sam build` alone still works (it builds what is missing itself).
#
# Prints the time of each step and every bundle's size (bootstrap, and zipped as Lambda
# stores it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=()
for dir in functions/*/; do
  packages+=(-p "$(basename "$dir")")
done

start=$(date +%s)
cargo lambda build --release --arm64 "${packages[@]}"
compiled=$(date +%s)
sam build --beta-features --parallel
end=$(date +%s)

echo "bundle sizes (bootstrap, zipped):"
total_zip=0
for bootstrap in .aws-sam/build/*/bootstrap; do
  dir=$(dirname "$bootstrap")
  zip_bytes=$( (cd "$dir" && zip -q -9 -X - bootstrap) | wc -c)
  total_zip=$((total_zip + zip_bytes))
  printf '  %-34s %9s bytes %9s zipped\n' "$(basename "$dir")" "$(stat -c %s "$bootstrap")" "$zip_bytes"
done
count=$(ls -d .aws-sam/build/*/bootstrap | wc -l)
echo "bundles: $count, zipped total $((total_zip / 1024)) KiB"
echo "build time: $((end - start)) s (cargo lambda: $((compiled - start)) s, sam build: $((end - compiled)) s)"
