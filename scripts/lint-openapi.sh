#!/usr/bin/env bash
# Lints the OpenAPI document with Redocly CLI (offline): the document is built from the contract
# registry by scripts/openapi-dump.ts (no server needed), then checked against the OpenAPI 3.1
# schema and Redocly's recommended rules (scripts/openapi-redocly.yaml). Warnings fail too.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
bash scripts/with-node.sh npx tsx scripts/openapi-dump.ts "$out/openapi.json"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
  bash scripts/with-node.sh npx redocly lint --max-problems 50 --config scripts/openapi-redocly.yaml "$out/openapi.json" 2>&1 | tee "$out/lint.log"
if ! grep -q "Your API description is valid" "$out/lint.log" || grep -qE "You have [0-9]+ warning" "$out/lint.log"; then
  echo "OpenAPI lint: problems above" >&2
  exit 1
fi
echo "OpenAPI lint: the document is valid, no warnings"
