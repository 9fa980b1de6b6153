#!/usr/bin/env bash
# Builds create-table (x86_64, release) under each release-profile choice that make bench
# compares, each in a target directory of its own, and times its rebuild after a change
# in `shared` (a touch: shared is recompiled and the binary linked again, as after a
# one-line edit). Writes the seconds to <target dir>/rebuild-seconds.
#   shipped: the workspace's profile (lto = false: no cross-crate LTO; one codegen unit, unwind)
#   abort:   the same with panic = "abort"
#   thin:    lto = "thin"
#   fat:     lto = true (what shipped before: smallest and fastest, but every one of the
#            31 binaries re-optimises the whole program when it links)
#   z:       opt-level = "z" (optimise for size only, against the shipped "s")
#   z-abort: opt-level = "z" and panic = "abort" together
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target="${CARGO_TARGET_DIR:-target}"

build() { # target dir, then --config flags
  local dir="$1"
  shift
  cargo build --quiet --release -p create-table --target-dir "$dir" "$@"
  touch shared/src/lib.rs
  local start end
  start=$(date +%s.%N)
  cargo build --quiet --release -p create-table --target-dir "$dir" "$@"
  end=$(date +%s.%N)
  python3 -c "print(round($end - $start, 1))" > "$dir/rebuild-seconds"
  echo "profiles: $dir rebuilt in $(cat "$dir/rebuild-seconds") s after a change in shared"
}

build "$target"
build "$target/profile-abort" --config 'profile.release.panic="abort"'
build "$target/profile-thin" --config 'profile.release.lto="thin"'
build "$target/profile-fat" --config 'profile.release.lto=true'
build "$target/profile-z" --config 'profile.release.opt-level="z"'
build "$target/profile-z-abort" --config 'profile.release.opt-level="z"' --config 'profile.release.panic="abort"'
