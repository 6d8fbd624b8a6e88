#!/usr/bin/env bash
# Holds the served JSON API to its OpenAPI document: schemathesis (PyPI) generates requests
# from /api/v1/openapi.json, valid and invalid, and checks every answer against the document
# (status codes, response schemas, no 5xx, invalid input refused, valid input accepted).
# Runs `fora demo` on a fresh SQLite database, serves it on 127.0.0.1, and stops it after.
#
# Needs: cargo, curl, schemathesis (`pip install schemathesis`).
# Environment (all optional):
#   FORA_BIN=path      a built fora binary (default: cargo build, debug)
#   EXAMPLES=100       generated cases per operation and phase
#   PORT=3917
#   KEEP=1             keep the temporary directory (database, logs, report)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLES="${EXAMPLES:-100}"
PORT="${PORT:-3917}"

for tool in curl schemathesis; do
    command -v "$tool" >/dev/null || { echo "api-check: $tool is required" >&2; exit 1; }
done

if [ -z "${FORA_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --bin fora)
    FORA_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/fora"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "api-check: kept $WORK" >&2; fi
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$WORK/fora.db?mode=rwc"
export FORA_OUTBOX="$WORK/outbox"
export FORA_BIND="127.0.0.1:$PORT"
export FORA_BASE_URL="http://127.0.0.1:$PORT"
# The fuzzer sends hundreds of requests a second from one address.
export FORA_RATE_PER_ADDRESS=100000

"$FORA_BIN" demo >"$WORK/demo.log" 2>&1
"$FORA_BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    sleep 0.1
done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$WORK/serve.log" >&2; exit 1; }

# A fixed seed: the same requests on every run, so a failure can be reproduced.
schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --checks all \
    --max-examples "$EXAMPLES" \
    --seed 20261201 \
    --no-color \
    --suppress-health-check all \
    --report junit --report-dir "$WORK/report"
