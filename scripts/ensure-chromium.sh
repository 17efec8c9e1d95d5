#!/usr/bin/env bash
# The browser tests drive Debian's chromium; install it when missing and we may (root).
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing Debian's chromium for the browser tests..." >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is not installed (apt-get install chromium); the browser tests will be skipped" >&2
fi
