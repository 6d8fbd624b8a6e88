#!/usr/bin/env bash
# Thread page benchmark: Fora's thread page of 50 posts for a signed-in member against a bare
# axum handler that returns the same bytes, in one run on the same machine.
# See docs/BENCHMARKS.md. Needs: cargo, curl, wrk. Everything listens on 127.0.0.1 only.
#
# Environment (all optional):
#   DURATION=15s     length of each measured wrk run
#   CONNECTIONS=64   wrk connections
#   THREADS=2        wrk threads
#   ROUNDS=2         measured rounds, each "fora then bare" (alternating)
#   WARMUP=3s        warm-up run before the first round, for each server
#   KEEP=1           keep the temporary directory (database, logs, page) afterwards
set -euo pipefail

DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
WARMUP="${WARMUP:-3s}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
FORA_BIN="$TARGET_DIR/release/fora"
HELPER_BIN="$TARGET_DIR/release/examples/bench_thread"
MEMBER_EMAIL="bench.member@example.org"   # as in examples/bench_thread.rs
MEMBER_PASSWORD="bench-thread-2026"

for tool in cargo curl wrk; do
    command -v "$tool" >/dev/null || { echo "bench-thread: $tool is required" >&2; exit 1; }
done

say() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------------------------------------------
say "building (release): fora binary and examples/bench_thread"
# Two invocations, so the measured binary is built exactly as `cargo build --release` builds
# it (building it together with an example would unify in dev-dependency features).
(cd "$ROOT" && cargo build --release --quiet --bin fora && cargo build --release --quiet --example bench_thread)

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- src templates migrations Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
    COMMIT="$COMMIT + uncommitted changes"
fi
# Other work on the machine skews the numbers (both sides run one after the other).
LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"
awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }' \
    && echo "bench-thread: warning: load average is $LOAD_BEFORE before the run; results will be noisy" >&2

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fora-bench.XXXXXX")"
FORA_PID=""
BARE_PID=""
SAMPLER_PID=""
cleanup() {
    local pid
    for pid in "$SAMPLER_PID" "$BARE_PID" "$FORA_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "bench-thread: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
    else
        local port
        while :; do
            port=$((20000 + RANDOM % 20000))
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
        done
    fi
}

wait_for() { # URL
    local i
    for i in $(seq 1 100); do
        if curl -fs -o /dev/null "$1"; then return 0; fi
        sleep 0.2
    done
    echo "bench-thread: $1 did not answer" >&2
    return 1
}

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

# ------------------------------------------------------------------------------------------
say "seeding a fresh SQLite database in $WORK"
DB_URL="sqlite://$WORK/fora.db?mode=rwc"
THREAD_ID="$("$HELPER_BIN" seed "$DB_URL" 2>"$WORK/seed.log" | tail -n 1)"
cat "$WORK/seed.log" >&2
[[ "$THREAD_ID" =~ ^[0-9]+$ ]] || { echo "bench-thread: seeding failed" >&2; exit 1; }

FORA_PORT="$(free_port)"
FORA="http://127.0.0.1:$FORA_PORT"
say "starting fora serve on $FORA"
DATABASE_URL="$DB_URL" \
FORA_BIND="127.0.0.1:$FORA_PORT" \
FORA_OUTBOX="$WORK/outbox" \
FORA_RATE_PER_ADDRESS=100000 \
FORA_RATE_PER_ACCOUNT=100000 \
RUST_LOG="${RUST_LOG:-fora=warn,tower_http=warn,sqlx=warn}" \
    "$FORA_BIN" serve >"$WORK/fora.log" 2>&1 &
FORA_PID=$!
wait_for "$FORA/healthz"

say "signing in as $MEMBER_EMAIL"
JAR="$WORK/cookies.txt"
curl -fs -c "$JAR" -b "$JAR" -o "$WORK/login.html" "$FORA/login"
CSRF="$(grep -o 'name="csrf_token" value="[^"]*"' "$WORK/login.html" | head -n 1 | sed 's/.*value="//; s/"$//')"
[[ -n "$CSRF" ]] || { echo "bench-thread: no csrf_token on /login" >&2; exit 1; }
STATUS="$(curl -s -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' \
    --data-urlencode "email=$MEMBER_EMAIL" --data-urlencode "password=$MEMBER_PASSWORD" \
    --data-urlencode "csrf_token=$CSRF" --data-urlencode "next=/threads/$THREAD_ID" "$FORA/login")"
[[ "$STATUS" == 303 ]] || { echo "bench-thread: sign-in answered $STATUS, expected 303" >&2; exit 1; }
SESSION="$(awk '$6 == "fora_session" { print $7 }' "$JAR" | tail -n 1)"
[[ -n "$SESSION" ]] || { echo "bench-thread: no fora_session cookie after sign-in" >&2; exit 1; }
COOKIE="Cookie: fora_session=$SESSION"

THREAD_URL="$FORA/threads/$THREAD_ID"
PAGE="$WORK/thread.html"
# First view marks the thread read (one write); every later view is a pure read.
curl -fs -H "$COOKIE" -o /dev/null "$THREAD_URL"
STATUS="$(curl -s -H "$COOKIE" -D "$WORK/thread.headers" -o "$PAGE" -w '%{http_code}' "$THREAD_URL")"
[[ "$STATUS" == 200 ]] || { echo "bench-thread: $THREAD_URL answered $STATUS" >&2; exit 1; }
curl -fs -o "$WORK/style.css" "$FORA/static/style.css"
HTML_BYTES="$(wc -c <"$PAGE")"
CSS_BYTES="$(wc -c <"$WORK/style.css")"
HTML_GZ="$(gzip -9c "$PAGE" | wc -c)"
CSS_GZ="$(gzip -9c "$WORK/style.css" | wc -c)"
POST_COUNT="$(grep -o 'id="post-[0-9]*"' "$PAGE" | sort -u | wc -l)"
if grep -qi '<script' "$PAGE"; then
    echo "bench-thread: the thread page contains <script" >&2
    exit 1
fi
grep -q "Bench Member" "$PAGE" || { echo "bench-thread: the page is not the signed-in member's view" >&2; exit 1; }
[[ "$POST_COUNT" == 50 ]] || echo "bench-thread: warning: $POST_COUNT posts found on the page (expected 50)" >&2

BARE_PORT="$(free_port)"
BARE="http://127.0.0.1:$BARE_PORT"
say "starting the bare handler on $BARE"
"$HELPER_BIN" bare "$BARE_PORT" "$PAGE" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
wait_for "$BARE/"
cmp -s "$PAGE" <(curl -fs "$BARE/threads/$THREAD_ID") || { echo "bench-thread: bare handler bytes differ" >&2; exit 1; }

# ------------------------------------------------------------------------------------------
rss_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$FORA_PID/status"; }
RSS_IDLE="$(rss_kib VmRSS)"

# Samples the fora process's VmRSS every 0.25 s into a file while the load runs.
start_sampler() {
    ( while kill -0 "$FORA_PID" 2>/dev/null; do
          awk '$1 == "VmRSS:" { print $2 }' "/proc/$FORA_PID/status" 2>/dev/null || true
          sleep 0.25
      done ) >>"$WORK/rss.samples" &
    SAMPLER_PID=$!
}
stop_sampler() { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""; }

# wrk URL DURATION OUTFILE [HEADER]
run_wrk() {
    local url="$1" duration="$2" out="$3" header="${4:-}"
    if [[ -n "$header" ]]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -H "$header" "$url" >"$out"
    else
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency "$url" >"$out"
    fi
    if grep -q 'Non-2xx' "$out"; then
        echo "bench-thread: non-2xx answers during the run against $url:" >&2
        cat "$out" >&2
        exit 1
    fi
}

# Fields from wrk's output: requests/s, p50 and p99 in milliseconds, socket errors.
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
pct() { to_ms "$(awk -v p="$2%" '$1 == p { print $2 }' "$1")"; }
sock_errors() { awk '/Socket errors/ { print $0 }' "$1" | sed 's/^ *//'; }

say "warming up both servers ($WARMUP each)"
run_wrk "$THREAD_URL" "$WARMUP" "$WORK/warm-fora.txt" "$COOKIE"
run_wrk "$BARE/threads/$THREAD_ID" "$WARMUP" "$WORK/warm-bare.txt"

for round in $(seq 1 "$ROUNDS"); do
    say "round $round/$ROUNDS: fora ($DURATION, $CONNECTIONS connections)"
    start_sampler
    run_wrk "$THREAD_URL" "$DURATION" "$WORK/fora-$round.txt" "$COOKIE"
    stop_sampler
    say "round $round/$ROUNDS: bare ($DURATION, $CONNECTIONS connections)"
    run_wrk "$BARE/threads/$THREAD_ID" "$DURATION" "$WORK/bare-$round.txt"
done

LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"
RSS_AFTER="$(rss_kib VmRSS)"
RSS_HWM="$(rss_kib VmHWM)"
RSS_LOAD_MAX="$(sort -n "$WORK/rss.samples" | tail -n 1)"

# ------------------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
mean() { awk '{ s += $1; n++ } END { printf "%.0f", s / n }'; }

FORA_RPS_ALL=""
BARE_RPS_ALL=""
ROWS=""
for round in $(seq 1 "$ROUNDS"); do
    f="$WORK/fora-$round.txt"
    b="$WORK/bare-$round.txt"
    FORA_RPS_ALL+="$(rps "$f")"$'\n'
    BARE_RPS_ALL+="$(rps "$b")"$'\n'
    ratio="$(awk -v a="$(rps "$f")" -v b="$(rps "$b")" 'BEGIN { printf "%.1f %%", 100 * a / b }')"
    ROWS+="| $round | Fora thread page (signed in) | $(printf '%.0f' "$(rps "$f")") | $(pct "$f" 50) | $(pct "$f" 99) | $ratio |"$'\n'
    ROWS+="| $round | bare axum handler, same bytes | $(printf '%.0f' "$(rps "$b")") | $(pct "$b" 50) | $(pct "$b" 99) | 100 % |"$'\n'
done
FORA_MEAN="$(printf '%s' "$FORA_RPS_ALL" | mean)"
BARE_MEAN="$(printf '%s' "$BARE_RPS_ALL" | mean)"
RATIO="$(awk -v a="$FORA_MEAN" -v b="$BARE_MEAN" 'BEGIN { printf "%.1f", 100 * a / b }')"
VERDICT="$(awk -v r="$RATIO" 'BEGIN { print (r >= 30 ? "met" : "NOT met") }')"

cat <<EOF

## Thread page benchmark — $(date -u +%Y-%m-%d) — $(nproc) cores — wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS alternating rounds

Code: $COMMIT. Load average before: $LOAD_BEFORE; after: $LOAD_AFTER (the load itself adds about 2-3).

Page: /threads/$THREAD_ID, $POST_COUNT posts, signed-in member; HTML $(kib "$HTML_BYTES") ($HTML_BYTES B; gzip $(kib "$HTML_GZ")), CSS $(kib "$CSS_BYTES") ($CSS_BYTES B; gzip $(kib "$CSS_GZ")), HTML + CSS $(kib $((HTML_BYTES + CSS_BYTES))); no <script>.

| Round | Server | Requests/s | p50 (ms) | p99 (ms) | vs bare |
|---|---|---:|---:|---:|---:|
${ROWS}
**Mean requests/s: Fora $FORA_MEAN, bare $BARE_MEAN — ratio $RATIO % (target ≥ 30 %: $VERDICT).**

Fora resident memory: idle before load $(mib "$RSS_IDLE"), max sampled under load $(mib "${RSS_LOAD_MAX:-0}"), after load $(mib "$RSS_AFTER"), peak (VmHWM) $(mib "$RSS_HWM").
EOF
for round in $(seq 1 "$ROUNDS"); do
    for side in fora bare; do
        e="$(sock_errors "$WORK/$side-$round.txt")"
        [[ -z "$e" ]] || echo "Note: $side round $round: $e"
    done
done
