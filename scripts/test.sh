#!/usr/bin/env bash
# `npm test`: everything CI checks, in order; stops at the first failure.
#   1. dependencies (npm ci when node_modules is missing or older than package-lock.json)
#   2. binding types are current (wrangler types --check worker/worker-configuration.d.ts)
#   3. type check (tsc --noEmit: server code, web pages, Node-side code) and the OpenAPI lint
#   4. web clients build (vite) and the citizen page's size budget (< 60 KB gzipped)
#   5. tests inside workerd (vitest + @cloudflare/vitest-plugin)
#   6. smoke test of the real local server (scripts/smoke.sh)
#   7. end-to-end tests in a real browser (Debian's Chromium, installed here when missing)
# Node tools run through scripts/with-node.sh (Node >= 22.12, offline-safe wrangler settings).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

section() { printf '\n======== %s ========\n' "$*"; }
with_node() { bash "$root/scripts/with-node.sh" "$@"; }
bin="$root/node_modules/.bin"
started=$SECONDS
step_started=$SECONDS
done_step() { echo "-- $1 passed ($((SECONDS - step_started))s)"; step_started=$SECONDS; }

section "1/7 Dependencies"
bash scripts/start.sh --install-only
with_node node -e 'console.log(`node ${process.version}`)'
done_step "dependencies"

section "2/7 Binding types are current (wrangler types --check)"
with_node "$bin/wrangler" types --strict-vars false --check worker/worker-configuration.d.ts
done_step "binding types"

section "3/7 Type check (tsc --noEmit)"
with_node "$bin/tsc" --noEmit -p .
with_node "$bin/tsc" --noEmit -p web
with_node "$bin/tsc" --noEmit -p tsconfig.node.json
done_step "type check"

section "3/7 OpenAPI document lint (Redocly, offline)"
bash scripts/lint-openapi.sh
done_step "OpenAPI lint"

section "4/7 Web clients (vite build) and the citizen page's size budget"
with_node "$bin/vite" build --logLevel warn
with_node "$bin/tsx" scripts/check-web-size.ts
done_step "web build"

section "5/7 Tests in workerd (vitest run)"
with_node "$bin/vitest" run
done_step "tests"

section "6/7 Smoke test of the local server (scripts/smoke.sh)"
SOTHUTU_SKIP_WEB_BUILD=1 with_node bash scripts/smoke.sh
# Again on the benchmarks' runtime (workerd through Miniflare, scripts/serve-miniflare.ts), so the
# figures in the README keep coming from a runtime that serves the same service.
SOTHUTU_RUNTIME=miniflare SOTHUTU_SKIP_WEB_BUILD=1 with_node bash scripts/smoke.sh
done_step "smoke test"

section "7/7 End-to-end tests in Chromium (vitest.e2e.config.ts)"
bash scripts/ensure-chromium.sh
SOTHUTU_SKIP_WEB_BUILD=1 with_node "$bin/vitest" run --config vitest.e2e.config.ts
done_step "end-to-end tests"

section "All checks passed in $((SECONDS - started))s"
