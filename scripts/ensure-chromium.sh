#!/usr/bin/env bash
# Makes sure Debian's Chromium (and fonts with Vietnamese glyphs) is installed for the end-to-end
# tests; playwright-core drives it (browser downloads do not work on these machines).
# Uses apt-get directly as root, or through sudo when available. CHROMIUM_PATH overrides.
set -euo pipefail
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$path" ] && fc-list 2>/dev/null | grep -qi "noto sans"; then
  echo "chromium: $("$path" --version 2>/dev/null || echo "$path")"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt=(sudo -n apt-get)
else
  echo "ensure-chromium: $path is missing and packages cannot be installed (not root, no sudo)." >&2
  echo "  install Debian's chromium and fonts-noto-core, or set CHROMIUM_PATH" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: installing chromium and fonts-noto-core from Debian's archive"
if ! "${apt[@]}" install -y -q --no-install-recommends chromium fonts-noto-core >/dev/null; then
  "${apt[@]}" update -q >/dev/null
  "${apt[@]}" install -y -q --no-install-recommends chromium fonts-noto-core >/dev/null
fi
echo "chromium: $("$path" --version)"
