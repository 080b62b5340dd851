#!/usr/bin/env bash
# `npm start`: run sothutu locally with a seeded demo center, from a fresh clone.
#
#   1. installs dependencies (npm ci) when node_modules is missing or older than package-lock.json;
#   1b. builds the web clients (vite build → web/dist, served as static assets);
#   2. creates .dev.vars with random secrets (CITIZEN_KEY_SECRET, LIVE_TOKEN_SECRET, SESSION_SECRET,
#      PHONE_ENCRYPTION_KEY) when missing;
#   3. applies the D1 migrations to the local database;
#   4. seeds the demo center (seed/demo-center.ts, idempotent);
#   5. creates a demo administrator `admin` with a generated password, printed once, when the
#      local database has no staff account yet (scripts/create-admin.ts --if-none);
#   6. runs `wrangler dev` on http://127.0.0.1:${PORT:-8787} with the demo clock
#      (scripts/demo-clock.ts), so booking is open whatever the hour.
#
# Environment:
#   PORT=8787                 port of the local server
#   SOTHUTU_REAL_CLOCK=1      use the real clock (booking then only opens 08:00–16:00 on working days)
#   SOTHUTU_PERSIST_DIR=dir   keep local D1 and Durable Object state in `dir` instead of
#                             .wrangler/state (used by scripts/smoke.sh for a fresh state)
#   SOTHUTU_RUNTIME=miniflare the same workerd started by scripts/serve-miniflare.ts instead of
#                             `wrangler dev` (no reloading, none of its per-request extras; the
#                             benchmarks use it)
# Extra arguments are passed on to `wrangler dev`.
# `bash scripts/start.sh --install-only` only does step 1 (scripts/test.sh and smoke.sh use it).
# Node tools run through scripts/with-node.sh (Node >= 22.12, offline-safe wrangler settings).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

section() { printf '\n==> %s\n' "$*"; }
with_node() { bash "$root/scripts/with-node.sh" "$@"; }
bin="$root/node_modules/.bin"

# Installs exactly the locked dependency tree. Dependency install scripts stay off (npm 11's
# default): the project needs none. npm ci refuses a lock file without every platform's optional
# packages (e.g. workerd's darwin/windows builds, which the registry mirror here lacks); then the
# locked tree is installed with npm install, which must leave package-lock.json unchanged.
install_deps() {
  if [ -f node_modules/.package-lock.json ] && ! [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "node_modules is up to date"
    return 0
  fi
  echo "node_modules is missing or older than package-lock.json: npm ci"
  local tmp
  tmp="$(mktemp -d)"
  if with_node npm ci --no-audit --no-fund 2>&1 | tee "$tmp/ci.log"; then
    rm -rf "$tmp"
    return 0
  fi
  if ! grep -q "are in sync" "$tmp/ci.log"; then
    rm -rf "$tmp"
    echo "start: npm ci failed" >&2
    return 1
  fi
  echo "npm ci refused package-lock.json (above); installing the locked tree with npm install instead"
  cp -p package-lock.json "$tmp/package-lock.json"
  if ! with_node npm install --no-audit --no-fund; then
    cp -p "$tmp/package-lock.json" package-lock.json
    rm -rf "$tmp"
    echo "start: npm install failed" >&2
    return 1
  fi
  if ! cmp -s package-lock.json "$tmp/package-lock.json"; then
    cp -p "$tmp/package-lock.json" package-lock.json
    rm -rf "$tmp"
    rm -f node_modules/.package-lock.json # the installed tree is not the locked one
    echo "start: package.json and package-lock.json disagree (npm install had to change the lock);" >&2
    echo "       run \`npm install\` and commit package-lock.json" >&2
    return 1
  fi
  rm -rf "$tmp"
}

section "Dependencies"
install_deps
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

section "Web clients (vite build → web/dist)"
# The pages are static assets served by the Worker; SOTHUTU_SKIP_WEB_BUILD=1 reuses web/dist.
if [ "${SOTHUTU_SKIP_WEB_BUILD:-}" != "1" ] || [ ! -f web/dist/index.html ]; then
  with_node "$bin/vite" build --logLevel warn
fi

section "Local secrets (.dev.vars)"
if [ ! -f .dev.vars ]; then
  (umask 077 && : >.dev.vars)
  echo "created .dev.vars with generated secrets (see .dev.vars.example)"
fi
for name in CITIZEN_KEY_SECRET LIVE_TOKEN_SECRET SESSION_SECRET PHONE_ENCRYPTION_KEY; do
  if ! grep -q "^${name}=" .dev.vars; then
    # 32 random bytes, base64url: 43 characters.
    value="$(with_node node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))')"
    printf '%s=%s\n' "$name" "$value" >>.dev.vars
    echo "generated $name"
  fi
done
echo ".dev.vars has CITIZEN_KEY_SECRET, LIVE_TOKEN_SECRET, SESSION_SECRET and PHONE_ENCRYPTION_KEY"

persist=()
state_dir=".wrangler/state"
if [ -n "${SOTHUTU_PERSIST_DIR:-}" ]; then
  mkdir -p "$SOTHUTU_PERSIST_DIR"
  persist=(--persist-to "$SOTHUTU_PERSIST_DIR")
  state_dir="$SOTHUTU_PERSIST_DIR"
fi

section "D1 migrations (local, $state_dir)"
# No stdin: wrangler skips its confirmation prompt when not interactive (CI has no stdin).
with_node "$bin/wrangler" d1 migrations apply DB --local "${persist[@]}" </dev/null

section "Demo center seed"
seed_sql="${SOTHUTU_PERSIST_DIR:-.wrangler}/seed-demo.sql"
with_node "$bin/tsx" scripts/seed-demo.ts "$seed_sql"
# wrangler prints every statement's result as JSON: keep that for failures only.
if ! seed_out="$(with_node "$bin/wrangler" d1 execute DB --local --yes "${persist[@]}" --file "$seed_sql" </dev/null 2>&1)"; then
  printf '%s\n' "$seed_out" >&2
  echo "start: seeding the demo center failed" >&2
  exit 1
fi
printf '%s\n' "$seed_out" | grep -E 'commands? executed' || true

section "Staff sign-in (demo administrator)"
# Only when the local D1 has no staff account at all; the password is generated and shown once.
admin_out="$(with_node "$bin/tsx" scripts/create-admin.ts --username admin --display-name "Quản trị viên (demo)" --local --generate --if-none "${persist[@]}" </dev/null)"
printf '%s\n' "$admin_out" | grep -v '^password: ' || true
admin_password="$(printf '%s\n' "$admin_out" | sed -n 's/^password: //p')"
if [ -n "$admin_password" ]; then
  staff_signin="user admin, password $admin_password (shown only this once)"
else
  staff_signin="existing accounts (new password: npm run admin:create -- --username admin --reset)"
fi

section "Service clock"
clock=()
if [ "${SOTHUTU_REAL_CLOCK:-}" = "1" ]; then
  echo "real clock (SOTHUTU_REAL_CLOCK=1): booking opens 08:00–16:00 on working days, Asia/Ho_Chi_Minh"
else
  offset="$(with_node "$bin/tsx" scripts/demo-clock.ts)"
  if ! [[ "$offset" =~ ^[0-9]+$ ]]; then
    echo "start: scripts/demo-clock.ts printed '$offset', expected a non-negative number of ms" >&2
    exit 1
  fi
  clock=(--var "CLOCK_OFFSET_MS:$offset")
  echo "demo clock: CLOCK_OFFSET_MS=$offset (set SOTHUTU_REAL_CLOCK=1 for the real clock)"
fi

port="${PORT:-8787}"
section "sothutu on http://127.0.0.1:$port"
cat <<EOF
API:          http://127.0.0.1:$port/api/v1/branches   (demo branches hn-cn01, hn-cn02)
Staff:        $staff_signin
              POST /api/v1/staff/auth/login {"username","password"} gives a session (cookie, and a
              token for Authorization: Bearer) for /api/v1/staff/...
Try:          curl -s http://127.0.0.1:$port/api/v1/branches/hn-cn01/days
Stop with Ctrl+C.
EOF

# Local development uses the stand-ins (identity provider, OTP and notification outboxes).
if [ "${SOTHUTU_RUNTIME:-wrangler}" = "miniflare" ]; then
  # The benchmarks' leaner runtime: same workerd and bindings, without wrangler dev's per-request
  # extras (scripts/serve-miniflare.ts says which). No reloading on file changes.
  exec bash "$root/scripts/with-node.sh" "$bin/tsx" scripts/serve-miniflare.ts --ip 127.0.0.1 --port "$port" --persist-to "$state_dir" "${clock[@]}" --var DEV_STAND_INS:1 "$@"
fi
exec bash "$root/scripts/with-node.sh" "$bin/wrangler" dev --ip 127.0.0.1 --port "$port" "${persist[@]}" "${clock[@]}" --var DEV_STAND_INS:1 "$@"
