#!/usr/bin/env bash
# `npm test`: everything CI checks, in order; stops at the first failure.
#   1. dependencies (npm ci when node_modules is missing or older than package-lock.json)
#   2. binding types are current (wrangler types --check worker/worker-configuration.d.ts)
#   3. type check (tsc --noEmit)
#   4. tests inside workerd (vitest + @cloudflare/vitest-plugin)
#   5. smoke test of the real local server (scripts/smoke.sh)
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

section "1/5 Dependencies"
bash scripts/start.sh --install-only
with_node node -e 'console.log(`node ${process.version}`)'
done_step "dependencies"

section "2/5 Binding types are current (wrangler types --check)"
with_node "$bin/wrangler" types --strict-vars false --check worker/worker-configuration.d.ts
done_step "binding types"

section "3/5 Type check (tsc --noEmit)"
with_node "$bin/tsc" --noEmit -p .
done_step "type check"

section "4/5 Tests in workerd (vitest run)"
with_node "$bin/vitest" run
done_step "tests"

section "5/5 Smoke test of the local server (scripts/smoke.sh)"
with_node bash scripts/smoke.sh
done_step "smoke test"

section "All checks passed in $((SECONDS - started))s"
