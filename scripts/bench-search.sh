#!/usr/bin/env bash
# Learnings search benchmark: Fora's search page (text query + two filters, with facet counts)
# against the bare database query doing the same work (the same two statements, built by the
# same functions, on a pool of the same size, behind a bare axum handler), for 100,000 and
# 1,000,000 generated learnings, on SQLite and PostgreSQL, in one run on the same machine.
# See docs/BENCHMARKS.md ("Learnings search"). Needs: cargo, curl, wrk; PostgreSQL on
# 127.0.0.1:5432 for BACKENDS=postgres. Everything listens on 127.0.0.1 only.
#
# Environment (all optional):
#   BACKENDS=sqlite,postgres   which databases
#   SIZES=100k,1m              how many learnings (also e.g. 20k or 250000)
#   DURATION=10s               length of each measured wrk run
#   ROUNDS=2                   measured rounds, each "fora then bare" (alternating)
#   CONNECTIONS=16             wrk connections (the fixed concurrency)
#   THREADS=2                  wrk threads
#   WARMUP=3s                  warm-up run before the first round, for each server
#   TIMEOUT=10s                wrk's per-request timeout (its default of 2 s would cut the tail
#                              off the 1M latencies, which then count as socket errors instead)
#   QUERIES=400                distinct searches in the rotating set
#   DIRECT=1                   also run the statements in-process, without HTTP (DIRECT=0: no)
#   PROFILE=1                  also time facet and page statements one search at a time
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres   where to create the databases
#   FORA_BENCH_CACHE=~/.cache/fora-bench                         where the SQLite files live
#   FORA_BENCH_CORPUS=<repository>/data   the text learnings are generated from: a directory
#                                         holding seed-learnings.csv and seeds/*.txt
#   KEEP=1                     keep the temporary directory (logs, wrk output) afterwards
#
# Generated data sets are cached (SQLite files in FORA_BENCH_CACHE, PostgreSQL databases
# fora_bench_100k / fora_bench_1m) and reused when they hold the right count. To remove them:
#   rm -f ~/.cache/fora-bench/learnings-*.db*
#   psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS fora_bench_100k' -c 'DROP DATABASE IF EXISTS fora_bench_1m'
set -euo pipefail

BACKENDS="${BACKENDS:-sqlite,postgres}"
SIZES="${SIZES:-100k,1m}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-3s}"
TIMEOUT="${TIMEOUT:-10s}"
QUERIES="${QUERIES:-400}"
DIRECT="${DIRECT:-1}"
PROFILE="${PROFILE:-1}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fora-bench-target}"
FORA_BIN="$CARGO_TARGET_DIR/release/fora"
HELPER_BIN="$CARGO_TARGET_DIR/release/examples/bench_search"

for tool in cargo curl wrk; do
    command -v "$tool" >/dev/null || { echo "bench-search: $tool is required" >&2; exit 1; }
done

say() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------------------------------------------
say "building (release, $CARGO_TARGET_DIR): fora binary and examples/bench_search/"
# Two invocations, so the measured binary is built exactly as `cargo build --release` builds it.
(cd "$ROOT" && cargo build --release --quiet --bin fora && cargo build --release --quiet --example bench_search)

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- src templates migrations Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
    COMMIT="$COMMIT + uncommitted changes"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fora-bench-search.XXXXXX")"
FORA_PID=""
BARE_PID=""
cleanup() {
    local pid
    for pid in "$BARE_PID" "$FORA_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "bench-search: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

stop() { # PID variable name
    local pid="${!1}"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    printf -v "$1" '%s' ""
}

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

wait_for() { # URL PID
    local i
    for i in $(seq 1 300); do
        if curl -fs -o /dev/null "$1"; then return 0; fi
        kill -0 "$2" 2>/dev/null || { echo "bench-search: the server for $1 exited" >&2; return 1; }
        sleep 0.2
    done
    echo "bench-search: $1 did not answer" >&2
    return 1
}

# ------------------------------------------------------------------------------------------
PATHS="$WORK/searches.txt"
"$HELPER_BIN" queries "$QUERIES" "$PATHS"
say "$(wc -l <"$PATHS") distinct searches, e.g. $(head -n 1 "$PATHS")"
# wrk script: every thread walks the searches from its own starting point.
cat >"$WORK/rotate.lua" <<EOF
local paths = {}
for line in io.lines("$PATHS") do
    if #line > 0 then paths[#paths + 1] = line end
end
local threads = 0
function setup(thread)
    thread:set("start", threads * 131)
    threads = threads + 1
end
local i = 0
function init(args)
    i = start or 0
end
function request()
    i = i + 1
    return wrk.format("GET", paths[(i % #paths) + 1])
end
EOF

# run_wrk BASE_URL DURATION OUTFILE
run_wrk() {
    local base="$1" duration="$2" out="$3"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout "$TIMEOUT" --latency -s "$WORK/rotate.lua" "$base" >"$out"
    if grep -q 'Non-2xx' "$out"; then
        echo "bench-search: non-2xx answers during the run against $base:" >&2
        cat "$out" >&2
        exit 1
    fi
}

rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
pct() { to_ms "$(awk -v p="$2%" '$1 == p { print $2 }' "$1")"; }
sock_errors() { awk '/Socket errors/ { print $0 }' "$1" | sed 's/^ *//'; }
mean() { awk '{ s += $1; n++ } END { if (n) printf "%.2f", s / n; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"
awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }' \
    && echo "bench-search: warning: load average is $LOAD_BEFORE before the run; results will be noisy" >&2

IFS=',' read -r -a BACKEND_LIST <<<"$BACKENDS"
IFS=',' read -r -a SIZE_LIST <<<"$SIZES"
ROUND_ROWS=""
SUMMARY=""   # lines: backend size app_p50 app_p99 app_rps bare_p50 bare_p99 bare_rps
NOTES=""

for backend in "${BACKEND_LIST[@]}"; do
    for size in "${SIZE_LIST[@]}"; do
        tag="$backend-$size"
        say "$tag: data set"
        DB_URL="$("$HELPER_BIN" gen "$backend" "$size" 2>"$WORK/gen-$tag.log" | tail -n 1)" || {
            cat "$WORK/gen-$tag.log" >&2
            exit 1
        }
        grep -E 'generated|cached' "$WORK/gen-$tag.log" >&2 || true
        GEN="$(grep -oE 'generated .*|cached .*' "$WORK/gen-$tag.log" | tail -n 1)"
        NOTES+="- $tag: $GEN"$'\n'

        FORA_PORT="$(free_port)"
        FORA="http://127.0.0.1:$FORA_PORT"
        say "$tag: starting fora serve on $FORA"
        DATABASE_URL="$DB_URL" \
        FORA_BIND="127.0.0.1:$FORA_PORT" \
        FORA_OUTBOX="$WORK/outbox" \
        FORA_RATE_PER_ADDRESS=100000 \
        FORA_RATE_PER_ACCOUNT=100000 \
        RUST_LOG="${RUST_LOG:-fora=warn,tower_http=warn,sqlx=warn}" \
            "$FORA_BIN" serve >"$WORK/fora-$tag.log" 2>&1 &
        FORA_PID=$!
        wait_for "$FORA/healthz" "$FORA_PID"

        BARE_PORT="$(free_port)"
        BARE="http://127.0.0.1:$BARE_PORT"
        say "$tag: starting the bare search on $BARE"
        "$HELPER_BIN" bare "$BARE_PORT" "$DB_URL" >"$WORK/bare-$tag.log" 2>&1 &
        BARE_PID=$!
        wait_for "$BARE/healthz" "$BARE_PID"

        # Both sides answer the same searches: the page exists, and shows the same totals.
        first="$(head -n 1 "$PATHS")"
        status="$(curl -s -o "$WORK/page-$tag.html" -w '%{http_code}' "$FORA$first")"
        [[ "$status" == 200 ]] || { echo "bench-search: $FORA$first answered $status (is GET /learnings there yet?)" >&2; exit 1; }
        # The page says "Showing 1–10 of 1,234" (nothing when there are no results).
        checked=0
        agreed=0
        while read -r path; do
            total="$(curl -fs "$BARE$path" | awk 'NR == 1 { print $2 }')"
            shown="$(curl -fs "$FORA$path" | { grep -oE 'of [0-9][0-9,]*' || true; } | head -n 1 | tr -dc '0-9')"
            checked=$((checked + 1))
            if [[ "${shown:-0}" == "$total" ]]; then agreed=$((agreed + 1)); fi
        done < <(head -n 10 "$PATHS")
        say "$tag: $agreed of $checked sample searches show the same total on the page as the bare statements"
        [[ "$agreed" == "$checked" ]] \
            || echo "bench-search: warning: Fora and the bare statements disagree on some totals" >&2

        say "$tag: warming up both servers ($WARMUP each)"
        run_wrk "$FORA" "$WARMUP" "$WORK/warm-fora-$tag.txt"
        run_wrk "$BARE" "$WARMUP" "$WORK/warm-bare-$tag.txt"
        for round in $(seq 1 "$ROUNDS"); do
            say "$tag: round $round/$ROUNDS: fora ($DURATION, $CONNECTIONS connections)"
            run_wrk "$FORA" "$DURATION" "$WORK/fora-$tag-$round.txt"
            say "$tag: round $round/$ROUNDS: bare ($DURATION, $CONNECTIONS connections)"
            run_wrk "$BARE" "$DURATION" "$WORK/bare-$tag-$round.txt"
        done
        stop BARE_PID
        stop FORA_PID

        app_p50="" app_p99="" app_rps="" bare_p50="" bare_p99="" bare_rps=""
        for round in $(seq 1 "$ROUNDS"); do
            f="$WORK/fora-$tag-$round.txt"
            b="$WORK/bare-$tag-$round.txt"
            ROUND_ROWS+="| $backend | $size | $round | Fora /learnings | $(printf '%.0f' "$(rps "$f")") | $(pct "$f" 50) | $(pct "$f" 99) |"$'\n'
            ROUND_ROWS+="| $backend | $size | $round | bare statements | $(printf '%.0f' "$(rps "$b")") | $(pct "$b" 50) | $(pct "$b" 99) |"$'\n'
            app_p50+="$(pct "$f" 50)"$'\n'; app_p99+="$(pct "$f" 99)"$'\n'; app_rps+="$(rps "$f")"$'\n'
            bare_p50+="$(pct "$b" 50)"$'\n'; bare_p99+="$(pct "$b" 99)"$'\n'; bare_rps+="$(rps "$b")"$'\n'
            for side in fora bare; do
                e="$(sock_errors "$WORK/$side-$tag-$round.txt")"
                [[ -z "$e" ]] || NOTES+="- $tag $side round $round: $e"$'\n'
            done
        done
        SUMMARY+="$backend $size $(printf '%s' "$app_p50" | mean) $(printf '%s' "$app_p99" | mean) $(printf '%s' "$app_rps" | mean) $(printf '%s' "$bare_p50" | mean) $(printf '%s' "$bare_p99" | mean) $(printf '%s' "$bare_rps" | mean)"$'\n'

        if [[ "$DIRECT" == 1 ]]; then
            say "$tag: the same statements in-process, no HTTP ($DURATION, $CONNECTIONS tasks)"
            secs="$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; print n }')"
            direct="$("$HELPER_BIN" direct "$DB_URL" "$PATHS" "$CONNECTIONS" "$secs")"
            NOTES+="- $tag in-process (no HTTP): $direct"$'\n'
        fi
        if [[ "$PROFILE" == 1 ]]; then
            say "$tag: one search at a time, facet and page statements timed apart"
            "$HELPER_BIN" profile "$DB_URL" "$PATHS" >"$WORK/profile-$tag.txt"
        fi
    done
done
LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------
field() { printf '%s' "$SUMMARY" | awk -v b="$1" -v s="$2" -v f="$3" '$1 == b && $2 == s { print $f }'; }

cat <<EOF

## Learnings search benchmark — $(date -u +%Y-%m-%d) — $(nproc) cores — wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT, $ROUNDS alternating rounds, $(wc -l <"$PATHS") rotating searches

Code: $COMMIT. Load average before: $LOAD_BEFORE; after: $LOAD_AFTER.

| Backend | Learnings | Round | Server | Requests/s | p50 (ms) | p99 (ms) |
|---|---|---:|---|---:|---:|---:|
${ROUND_ROWS}
Means over the rounds; "app/bare" is the ratio of latencies (target ≤ 3):

| Backend | Learnings | Fora p50 | bare p50 | app/bare p50 | Fora p99 | bare p99 | app/bare p99 | Fora req/s | bare req/s |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
while read -r b s ap50 ap99 arps bp50 bp99 brps; do
    [[ -n "$b" ]] || continue
    r50="$(ratio "$ap50" "$bp50")"
    r99="$(ratio "$ap99" "$bp99")"
    v="$(awk -v r="$r50" 'BEGIN { print (r <= 3 ? "" : " **(> 3)**") }')"
    printf '| %s | %s | %s | %s | %s%s | %s | %s | %s | %.0f | %.0f |\n' \
        "$b" "$s" "$ap50" "$bp50" "$r50" "$v" "$ap99" "$bp99" "$r99" "$arps" "$brps"
done <<<"$SUMMARY"

if [[ " ${SIZE_LIST[*]} " == *" 100k "* && " ${SIZE_LIST[*]} " == *" 1m "* ]]; then
    cat <<EOF

Scaling, 1M against 100k (target: Fora at most 2× slower):

| Backend | Fora p50 100k → 1M | ratio | Fora p99 ratio | Fora req/s ratio (100k/1M) | bare p50 ratio |
|---|---|---:|---:|---:|---:|
EOF
    for b in "${BACKEND_LIST[@]}"; do
        a1="$(field "$b" 100k 3)"; a2="$(field "$b" 1m 3)"
        r="$(ratio "$a2" "$a1")"
        v="$(awk -v r="$r" 'BEGIN { print (r <= 2 ? "" : " **(> 2)**") }')"
        printf '| %s | %s → %s ms | %s%s | %s | %s | %s |\n' "$b" "$a1" "$a2" "$r" "$v" \
            "$(ratio "$(field "$b" 1m 4)" "$(field "$b" 100k 4)")" \
            "$(ratio "$(field "$b" 100k 5)" "$(field "$b" 1m 5)")" \
            "$(ratio "$(field "$b" 1m 6)" "$(field "$b" 100k 6)")"
    done
fi

echo
echo "Data sets and notes:"
printf '%s' "$NOTES"
if [[ "$PROFILE" == 1 ]]; then
    for backend in "${BACKEND_LIST[@]}"; do
        for size in "${SIZE_LIST[@]}"; do
            echo
            echo "Where the time goes, $backend $size (one search at a time, bare statements):"
            echo
            head -n 1 "$WORK/profile-$backend-$size.txt"
            echo
            tail -n +2 "$WORK/profile-$backend-$size.txt"
        done
    done
fi
