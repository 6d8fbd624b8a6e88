#!/usr/bin/env bash
# Sign-in flood: CONCURRENCY browsers sign in at once with a wrong password, ROUNDS times,
# against `fora serve`; reports the server's resident memory before, during (max) and after,
# the answers, and a normal page's latency during the flood. See docs/BENCHMARKS.md.
# Needs: cargo. Everything listens on 127.0.0.1 only.
#
# Environment (all optional):
#   PROFILE=debug    build profile of fora and the helper (debug or release)
#   FORA_BIN=path    measure this fora binary instead (e.g. one built from an older commit)
#   CONCURRENCY=48   sign-ins sent at once
#   ROUNDS=3         how many times
#   PAGE=/           the normal page timed during the flood
#   KEEP=1           keep the temporary directory (database, log) afterwards
# Other FORA_* settings (FORA_PASSWORD_HASHING, FORA_PASSWORD_WAIT) pass through to the server.
set -euo pipefail

PROFILE="${PROFILE:-debug}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PROFILE_FLAG=""
[[ "$PROFILE" == release ]] && PROFILE_FLAG="--release"

say() { printf '==> %s\n' "$*" >&2; }

say "building ($PROFILE): fora binary and examples/bench_login"
(cd "$ROOT" && cargo build $PROFILE_FLAG --quiet --bin fora && cargo build $PROFILE_FLAG --quiet --example bench_login)
FORA_BIN="${FORA_BIN:-$TARGET_DIR/$PROFILE/fora}"
HELPER_BIN="$TARGET_DIR/$PROFILE/examples/bench_login"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fora-bench-login.XXXXXX")"
FORA_PID=""
cleanup() {
    if [[ -n "$FORA_PID" ]] && kill -0 "$FORA_PID" 2>/dev/null; then
        kill "$FORA_PID" 2>/dev/null || true
        wait "$FORA_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP:-0}" == 1 ]]; then echo "bench-login: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
say "starting $FORA_BIN serve on $BASE (fresh SQLite database in $WORK)"
# High rate limits: the flood measures password hashing, not the limits in front of it (one
# address stands for many).
DATABASE_URL="sqlite://$WORK/fora.db?mode=rwc" \
FORA_BIND="127.0.0.1:$PORT" \
FORA_OUTBOX="$WORK/outbox" \
FORA_DATA_DIR="$WORK/data" \
FORA_RATE_PER_ADDRESS=100000 \
FORA_RATE_PER_ACCOUNT=100000 \
RUST_LOG="${RUST_LOG:-fora=warn,tower_http=warn,sqlx=warn}" \
    "$FORA_BIN" serve >"$WORK/fora.log" 2>&1 &
FORA_PID=$!
for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$BASE/healthz" && break
    sleep 0.2
done
curl -fs -o /dev/null "$BASE/healthz" || { echo "bench-login: the server did not start" >&2; cat "$WORK/fora.log" >&2; exit 1; }
sleep 2

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "Sign-in flood — $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores — $PROFILE build of $FORA_BIN (script at $COMMIT) — load before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo
echo "| logins | RSS before (MiB) | RSS max during (MiB) | RSS 5 s after (MiB) | answers | login p50 / max (ms) | page views during | page p50 / p99 / max (ms) | flood took |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
"$HELPER_BIN" "$BASE" "$FORA_PID"
echo
echo "Server peak RSS (VmHWM): $(awk '$1 == "VmHWM:" { printf "%.1f MiB", $2 / 1024 }' "/proc/$FORA_PID/status")"
