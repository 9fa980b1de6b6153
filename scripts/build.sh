#!/usr/bin/env bash
# `make build`: every function's arm64 Lambda bundle in one cargo-lambda run, then
# `sam build`, which only packages them (scripts/package/Makefile calls this script's
# `package` for each function). Prints each step's time and every bundle's size and hash.
#
#   scripts/build.sh                       every function, then sam build
#   scripts/build.sh bundles [-p pkg ...]  only the cargo-lambda build (make bench uses it)
#   scripts/build.sh package <LogicalId> <ARTIFACTS_DIR>
#                                          sam build's rule for one function: copies its
#                                          bundle, building it first unless SAM_PACKAGE_ONLY=1
#   scripts/build.sh reproducible          `make reproducible`: builds HEAD again from clean
#                                          in a clone at another path, with a target dir of
#                                          its own, and compares every bundle's hash with
#                                          the ones `make build` left in .aws-sam/build
#
# Reproducible: the same source gives the same bytes wherever the tree is. Paths compiled
# into the binaries (panic locations) are remapped from this checkout and cargo's registry
# to fixed prefixes; the release profile strips symbols, and SAM zips with fixed times. So
# SAM's content-hash upload skips every bundle a change did not change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_ENCODED_RUSTFLAGS="--remap-path-prefix=$root=/build"$'\x1f'"--remap-path-prefix=$cargo_home=/cargo"

bundles() {
  cargo lambda build --release --arm64 "$@"
}

# GetRecordFunction -> get-record: the logical id without `Function`, in kebab case
# (tests/tests/api/template.rs holds the template to that).
binary_of() {
  local id="${1%Function}"
  echo "$id" | sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr '[:upper:]' '[:lower:]'
}

package() {
  local binary
  binary="$(binary_of "$1")"
  if [ -z "${SAM_PACKAGE_ONLY:-}" ]; then
    bundles --package "$binary"
  fi
  install -m 755 "target/lambda/$binary/bootstrap" "$2/bootstrap"
}

seconds() { date +%s.%N; }
elapsed() { printf '%.1f' "$(echo "$2 - $1" | bc)"; }

all() {
  local packages=() start compiled end
  for dir in functions/*/; do
    packages+=(-p "$(basename "$dir")")
  done
  start=$(seconds)
  bundles "${packages[@]}"
  compiled=$(seconds)
  SAM_PACKAGE_ONLY=1 sam build --parallel
  end=$(seconds)

  echo "bundles (bootstrap bytes, zipped bytes as SAM zips them, sha256 of the bootstrap):"
  local total_zip=0 count=0 bootstraps=(.aws-sam/build/*/bootstrap) zips
  # One Python for every bundle's zip size (one per bundle took 20 s of the build).
  mapfile -t zips < <(python3 "$root/scripts/sam_zip_size.py" "${bootstraps[@]}")
  for i in "${!bootstraps[@]}"; do
    bootstrap="${bootstraps[$i]}"
    total_zip=$((total_zip + zips[i]))
    count=$((count + 1))
    printf '  %-34s %9s %9s  %s\n' "$(basename "$(dirname "$bootstrap")")" "$(stat -c %s "$bootstrap")" "${zips[$i]}" \
      "$(sha256sum "$bootstrap" | cut -c1-16)"
  done
  echo "bundles: $count, zipped total $((total_zip / 1024)) KiB"
  echo "build time: $(elapsed "$start" "$end") s (cargo lambda: $(elapsed "$start" "$compiled") s, sam build: $(elapsed "$compiled" "$end") s; with this report $(elapsed "$start" "$(seconds)") s)"
}

# The reproducibility check: the same commit, cloned to another directory and built from
# nothing, must give every function the bytes `make build` gave it here. Needs a clean tree
# (the bundles must be HEAD's) and a `make build` of it first; takes one clean build.
reproducible() {
  if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "reproducible: the tree has changes; commit them and run make build first" >&2
    exit 2
  fi
  local elsewhere
  elsewhere="$(mktemp -d)"
  # shellcheck disable=SC2064 # expanded now: the variable is local to this function
  trap "rm -rf '$elsewhere'" EXIT
  git clone --quiet "$root" "$elsewhere/checkout"
  git -C "$elsewhere/checkout" checkout --quiet "$(git rev-parse HEAD)"
  ln -s "$root/.venv" "$elsewhere/checkout/.venv"
  (cd "$elsewhere/checkout" && CARGO_TARGET_DIR="$elsewhere/target" scripts/build.sh bundles $(for d in functions/*/; do printf -- '-p %s ' "$(basename "$d")"; done))
  local same=0 differ=0 binary here there
  for bootstrap in .aws-sam/build/*/bootstrap; do
    binary="$(binary_of "$(basename "$(dirname "$bootstrap")")")"
    here="$(sha256sum < "$bootstrap")"
    there="$(sha256sum < "$elsewhere/target/lambda/$binary/bootstrap")"
    if [ "$here" = "$there" ]; then
      same=$((same + 1))
    else
      differ=$((differ + 1))
      echo "reproducible: $binary differs" >&2
    fi
  done
  echo "reproducible: $same bundles identical, $differ different (built again at $elsewhere)"
  [ "$differ" -eq 0 ]
}

case "${1:-all}" in
  all) all ;;
  reproducible) reproducible ;;
  bundles) shift; bundles "$@" ;;
  package) package "$2" "$3" ;;
  *) echo "usage: $0 [all | bundles [cargo args] | package <LogicalId> <ARTIFACTS_DIR> | reproducible]" >&2; exit 2 ;;
esac
