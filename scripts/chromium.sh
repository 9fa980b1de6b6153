#!/usr/bin/env bash
# Debian's Chromium, for the pages' browser test (tests/tests/api/browser.rs), installed by
# the project as DynamoDB Local is: nothing is downloaded by a test tool of its own.
#
#   scripts/chromium.sh install   install Debian's chromium if /usr/bin/chromium is missing;
#                                 print the browser's path
#
# Needs apt-get and root (as on these machines and CI); elsewhere install `chromium` (or
# set CHROMIUM to a Chromium or Chrome binary) and the test uses it.
set -euo pipefail

browser="${CHROMIUM:-/usr/bin/chromium}"

install() {
  if [[ -x "$browser" ]]; then
    echo "$browser"
    return
  fi
  command -v apt-get >/dev/null || { echo "apt-get is needed to install chromium (or set CHROMIUM)" >&2; exit 1; }
  echo "installing Debian's chromium" >&2
  # A lock held by another apt run (an unattended upgrade) is waited for, not fought.
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium >&2
  [[ -x "$browser" ]] || { echo "chromium did not install at $browser" >&2; exit 1; }
  echo "$browser"
}

case "${1:-}" in
  install) install ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
