#!/usr/bin/env bash
# The browser for the end-to-end tests: Debian's chromium package, and a Chinese font so screenshots
# show Chinese text (Playwright's own browser downloads are not reachable here or on many bank networks).
#
#   scripts/chromium.sh ensure-installed   install it when missing and we may (root with apt-get);
#                                          otherwise say why: the browser tests then skip with that reason
set -euo pipefail

case "${1:-}" in
ensure-installed)
  if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; then
    exit 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium.sh: no chromium and cannot install it (needs root and apt-get); browser tests will skip" >&2
    exit 0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null ||
    (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null) ||
    echo "chromium.sh: installing chromium failed; browser tests will skip" >&2
  ;;
*)
  echo "usage: $0 ensure-installed" >&2
  exit 2
  ;;
esac
