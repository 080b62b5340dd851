#!/usr/bin/env bash
# Smoke test of the real local server: runs scripts/start.sh (wrangler dev, or with
# SOTHUTU_RUNTIME=miniflare the benchmarks' runtime; demo clock, demo seed,
# demo administrator) on a free port with a fresh state directory, then books a number, signs in
# as the demo administrator, opens counter 1, calls next and checks error handling, with curl. The server is always stopped; on any failure the server
# log is printed.
#
#   bash scripts/smoke.sh          (part of `npm test`)
# Environment: SMOKE_TIMEOUT=120 seconds to wait for the server to answer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

timeout_s="${SMOKE_TIMEOUT:-120}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sothutu-smoke.XXXXXX")"
log="$work/server.log"
server_pid=""
passed=0

stop_server() {
  [ -n "$server_pid" ] || return 0
  # The server runs in its own process group (setsid): stop wrangler and workerd together.
  kill -TERM -- "-$server_pid" 2>/dev/null || kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 -- "-$server_pid" 2>/dev/null || kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$server_pid" 2>/dev/null || kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

finish() {
  local rc=$?
  stop_server
  if [ "$passed" != 1 ]; then
    echo >&2
    echo "smoke: FAILED (exit $rc). Server log ($log):" >&2
    echo "----------------------------------------------------------------------" >&2
    cat "$log" >&2 2>/dev/null || echo "(no server log)" >&2
    echo "----------------------------------------------------------------------" >&2
    [ "$rc" != 0 ] || rc=1
  fi
  rm -rf "$work"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "smoke: FAIL: $*" >&2
  exit 1
}

# JSON from a file, read with node (jq is not installed everywhere): json_get FILE EXPR, where
# EXPR is JavaScript over `j` (the parsed body). Prints strings bare, other values as JSON.
json_get() {
  node -e '
    const fs = require("node:fs");
    const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const v = new Function("j", `return (${process.argv[2]});`)(j);
    if (v === undefined) process.exit(3);
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1" "$2"
}

# request NAME METHOD PATH [curl args…]: body in $work/NAME.json, sets $status and $ctype.
request() {
  local name="$1" method="$2" path="$3"
  shift 3
  local out
  out="$(curl -sS --max-time 30 -o "$work/$name.json" -w '%{http_code} %{content_type}' \
    -X "$method" "http://127.0.0.1:$port$path" "$@")" || fail "$method $path: curl failed"
  status="${out%% *}"
  ctype="${out#* }"
}

expect_status() {
  local want="$1" what="$2"
  if [ "$status" != "$want" ]; then
    echo "response body:" >&2
    cat "$work/$what.json" >&2 || true
    echo >&2
    fail "$what: expected HTTP $want, got $status ($ctype)"
  fi
}

free_port() {
  node -e '
    const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });
  '
}

# Install first (as scripts/start.sh would), so a first install does not eat the start timeout.
bash scripts/start.sh --install-only

port="${SMOKE_PORT:-$(free_port)}"
echo "==> smoke: starting the server on 127.0.0.1:$port (state in $work/state)"
started_at=$SECONDS
if command -v setsid >/dev/null 2>&1; then
  SOTHUTU_PERSIST_DIR="$work/state" PORT="$port" setsid bash scripts/start.sh </dev/null >"$log" 2>&1 &
else
  SOTHUTU_PERSIST_DIR="$work/state" PORT="$port" bash scripts/start.sh </dev/null >"$log" 2>&1 &
fi
server_pid=$!

until curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$port/api/v1/branches"; do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited before answering"
  [ $((SECONDS - started_at)) -lt "$timeout_s" ] || fail "no answer from GET /api/v1/branches within ${timeout_s}s"
  sleep 1
done
echo "==> smoke: server answered after $((SECONDS - started_at))s"

# The fresh state has no staff account, so scripts/start.sh created the demo administrator and
# printed its password (once) in the server log.
admin_password="$(sed -n 's/^Staff: *user admin, password \([A-Za-z0-9_-]*\) .*/\1/p' "$log" | tail -n 1)"
[ -n "$admin_password" ] || fail "scripts/start.sh printed no demo administrator password"
json=(-H "Content-Type: application/json")

request branches GET /api/v1/branches
expect_status 200 branches
json_get "$work/branches.json" 'j.branches.some((b) => b.id === "hn-cn01")' | grep -qx true ||
  fail "GET /api/v1/branches does not list hn-cn01: $(cat "$work/branches.json")"
echo "ok   GET /api/v1/branches lists $(json_get "$work/branches.json" 'j.branches.map((b) => b.id).join(", ")')"

request days GET /api/v1/branches/hn-cn01/days
expect_status 200 days
today="$(json_get "$work/days.json" 'j.today')" || fail "days: no 'today': $(cat "$work/days.json")"
bookable="$(json_get "$work/days.json" 'j.days[0].bookable')" || fail "days: no days[0].bookable"
[ "$bookable" = true ] ||
  fail "service day $today is not bookable under the demo clock: $(json_get "$work/days.json" 'j.days[0]')"
echo "ok   GET /api/v1/branches/hn-cn01/days: service day $today is bookable"

# A citizen signs in with ID number + phone + one-time code; locally the code goes to the dev
# outbox instead of an SMS gateway.
request otp_request POST /api/v1/auth/otp/request "${json[@]}" --data '{"idNumber":"001090012345","phone":"0912345678"}'
expect_status 202 otp_request
request outbox GET /api/v1/auth/otp/dev/outbox
expect_status 200 outbox
otp_code="$(json_get "$work/outbox.json" 'j.otp[0].code')" || fail "dev outbox: no code: $(cat "$work/outbox.json")"
policy="$(sed -n 's/^PRIVACY_POLICY_VERSION = "\(.*\)"/\1/p' wrangler.toml)"
printf '{"idNumber":"001090012345","code":"%s","consent":"%s"}' "$otp_code" "$policy" >"$work/verify-body.json"
request otp_verify POST /api/v1/auth/otp/verify "${json[@]}" --data @"$work/verify-body.json" -D "$work/verify.headers"
expect_status 200 otp_verify
session_cookie="$(sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-sothutu_citizen=[^;]*\).*/\1/p' "$work/verify.headers" | tail -n 1)"
[ -n "$session_cookie" ] || fail "OTP sign-in set no session cookie"
citizen=(-H "Cookie: $session_cookie")
echo "ok   OTP sign-in (request, dev outbox, verify): 200, session cookie"

book=("${citizen[@]}" "${json[@]}" -H "Idempotency-Key: smoke-1" --data '{"branchId":"hn-cn01","fieldCode":"DATDAI"}')
request book POST /api/v1/tickets "${book[@]}"
expect_status 201 book
label="$(json_get "$work/book.json" 'j.ticket.label')" || fail "booking: no ticket.label: $(cat "$work/book.json")"
[ -n "$label" ] || fail "booking: empty ticket label"
echo "ok   POST /api/v1/tickets: 201, ticket $label"

request rebook POST /api/v1/tickets "${book[@]}"
expect_status 200 rebook
[ "$(json_get "$work/rebook.json" 'j.ticket.label')" = "$label" ] ||
  fail "idempotent replay returned another ticket: $(cat "$work/rebook.json")"
echo "ok   POST /api/v1/tickets again with the same Idempotency-Key: 200, same ticket $label"

# The password reaches curl in a file (in the removed-at-exit work directory), not on its command line.
printf '{"username":"admin","password":"%s"}' "$admin_password" >"$work/login-body.json"
request login POST /api/v1/staff/auth/login "${json[@]}" --data @"$work/login-body.json"
expect_status 200 login
staff_token="$(json_get "$work/login.json" 'j.token')" || fail "sign-in: no token: $(json_get "$work/login.json" 'j.staff')"
staff=(-H "Authorization: Bearer $staff_token")
echo "ok   POST /api/v1/staff/auth/login as the demo administrator: 200, a session token"

request open POST /api/v1/staff/branches/hn-cn01/counters/1/open "${staff[@]}"
expect_status 200 open
echo "ok   POST .../counters/1/open: 200"

request call POST /api/v1/staff/branches/hn-cn01/counters/1/call-next "${staff[@]}"
expect_status 200 call
called="$(json_get "$work/call.json" 'j.ticket && j.ticket.label')" || fail "call-next: no ticket: $(cat "$work/call.json")"
[ "$called" = "$label" ] || fail "call-next called '$called', expected $label"
echo "ok   POST .../counters/1/call-next: 200, calls $called"

request malformed POST /api/v1/tickets "${citizen[@]}" "${json[@]}" --data '{"branchId":"hn-cn01",'
expect_status 400 malformed
case "$ctype" in
  application/problem+json*) ;;
  *) fail "malformed JSON: expected content type application/problem+json, got '$ctype'" ;;
esac
code="$(json_get "$work/malformed.json" 'j.code')" || fail "malformed JSON: no code: $(cat "$work/malformed.json")"
[ "$code" = malformed_json ] || fail "malformed JSON: expected code malformed_json, got '$code'"
echo "ok   malformed JSON: 400 application/problem+json, code malformed_json"

passed=1
echo "==> smoke: passed in $((SECONDS - started_at))s"
