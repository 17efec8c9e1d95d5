#!/usr/bin/env bash
# The browser tests drive Debian's chromium, with fonts for emoji and CJK text (the page's 👍/👎 and
# answers in other scripts); install what is missing when we may (root).
set -euo pipefail
if ! command -v dpkg-query >/dev/null; then  # not Debian: nothing to install from here
  command -v chromium >/dev/null || echo "chromium is not installed; the browser tests will be skipped" >&2
  exit 0
fi
packages=(chromium fonts-noto-color-emoji fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing ${missing[*]} for the browser tests..." >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing ${missing[*]} (apt-get install ${missing[*]}); the browser tests may be skipped or show boxes for emoji" >&2
fi
