#!/usr/bin/env bash
# Learnings search benchmark: Fora's search page and JSON API (text query + two filters, with
# exact facet counts) against (a) a bare tantivy program running the same query on the same
# index (`bench_search bare-tantivy`) and (b) the previous SQL search (SQLite FTS5 /
# PostgreSQL tsvector with facet tokens, kept in the benchmark only: `bench_search bare-sql`),
# for 100,000 and 1,000,000 generated learnings, on SQLite and PostgreSQL, in one run on the
# same machine. Also records the index build time, the index size and the resident memory of
# `fora serve` during the run. See docs/BENCHMARKS.md ("Learnings search"). Needs: cargo,
# curl, wrk; PostgreSQL on 127.0.0.1:5432 for BACKENDS=postgres. Everything listens on
# 127.0.0.1 only.
#
# Environment (all optional):
#   BACKENDS=sqlite,postgres   which databases
#   SIZES=100k,1m              how many learnings (also e.g. 20k or 250000)
#   DURATION=10s               length of each measured wrk run
#   ROUNDS=2                   measured rounds, each "page, API, bare tantivy, bare SQL"
#   CONNECTIONS=16             wrk connections (the fixed concurrency)
#   THREADS=2                  wrk threads
#   WARMUP=3s                  warm-up run before the first round, for each server
#   TIMEOUT=10s                wrk's per-request timeout (its default of 2 s would cut the tail
#                              off the SQL latencies at 1M, which then count as socket errors)
#   QUERIES=400                distinct searches in the rotating set
#   SQL=1                      also measure the previous SQL search (SQL=0: no)
#   DIRECT=0                   DIRECT=1: also run the SQL statements in-process, without HTTP
#   PROFILE=0                  PROFILE=1: also time the SQL statements one search at a time
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres   where to create the databases
#   FORA_BENCH_CACHE=~/.cache/fora-bench   where the SQLite files and the indexes live
#   FORA_BENCH_CORPUS=<repository>/data   the text learnings are generated from: a directory
#                                         holding seed-learnings.csv and seeds/*.txt
#   KEEP=1                     keep the temporary directory (logs, wrk output) afterwards
#
# Generated data sets are cached (SQLite files in FORA_BENCH_CACHE, PostgreSQL databases
# fora_bench_100k / fora_bench_1m) and reused when they hold the right count; so are their
# tantivy indexes (FORA_BENCH_CACHE/index-SIZE-BACKEND/search-index, with build.txt recording
# how long the build took). To remove them:
#   rm -rf ~/.cache/fora-bench/learnings-*.db* ~/.cache/fora-bench/index-*
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
SQL="${SQL:-1}"
DIRECT="${DIRECT:-0}"
PROFILE="${PROFILE:-0}"
CACHE="${FORA_BENCH_CACHE:-$HOME/.cache/fora-bench}"

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
TANTIVY_PID=""
SQL_PID=""
SAMPLER_PID=""
cleanup() {
    local pid
    for pid in "$SAMPLER_PID" "$SQL_PID" "$TANTIVY_PID" "$FORA_PID"; do
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
    for i in $(seq 1 600); do
        if curl -fs -o /dev/null "$1"; then return 0; fi
        kill -0 "$2" 2>/dev/null || { echo "bench-search: the server for $1 exited" >&2; return 1; }
        sleep 0.2
    done
    echo "bench-search: $1 did not answer" >&2
    return 1
}

# Resident memory of a process in MiB (VmRSS or VmHWM from /proc/PID/status).
mem() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# A background loop noting the VmRSS of PID every 0.5 s into FILE while the runs go on.
start_sampler() { # PID FILE
    ( while kill -0 "$1" 2>/dev/null; do mem "$1" VmRSS >>"$2"; echo >>"$2"; sleep 0.5; done ) &
    SAMPLER_PID=$!
}

# ------------------------------------------------------------------------------------------
PATHS="$WORK/searches.txt"
"$HELPER_BIN" queries "$QUERIES" "$PATHS"
say "$(wc -l <"$PATHS") distinct searches, e.g. $(head -n 1 "$PATHS")"
# wrk scripts: every thread walks the searches from its own starting point; PREFIX turns
# /learnings?… into /api/v1/learnings?… for the API.
for side in page api; do
    prefix=""
    [[ "$side" == api ]] && prefix="/api/v1"
    cat >"$WORK/rotate-$side.lua" <<EOF
local paths = {}
for line in io.lines("$PATHS") do
    if #line > 0 then paths[#paths + 1] = "$prefix" .. line end
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
done

# run_wrk BASE_URL DURATION OUTFILE page|api
run_wrk() {
    local base="$1" duration="$2" out="$3" script="$WORK/rotate-${4:-page}.lua"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout "$TIMEOUT" --latency -s "$script" "$base" >"$out"
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
max_of() { awk 'NF { if ($1 > m) m = $1 } END { print m + 0 }' "$1"; }

LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"
awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }' \
    && echo "bench-search: warning: load average is $LOAD_BEFORE before the run; results will be noisy" >&2

IFS=',' read -r -a BACKEND_LIST <<<"$BACKENDS"
IFS=',' read -r -a SIZE_LIST <<<"$SIZES"
SIDES=(page api tantivy)
[[ "$SQL" == 1 ]] && SIDES+=(sql)
declare -A LABEL=([page]="Fora /learnings" [api]="Fora /api/v1/learnings" [tantivy]="bare tantivy" [sql]="bare SQL (previous search)")
ROUND_ROWS=""
# Lines: backend size side p50 p99 rps
SUMMARY=""
# Lines: backend size documents build_seconds index_bytes rss_start rss_max hwm rss_anon bare_tantivy_hwm (MiB)
RESOURCES=""
NOTES=""

for backend in "${BACKEND_LIST[@]}"; do
    for size in "${SIZE_LIST[@]}"; do
        tag="$backend-$size"
        say "$tag: data set"
        DB_URL="$("$HELPER_BIN" gen "$backend" "$size" 2>"$WORK/gen-$tag.log" | tail -n 1)" || {
            cat "$WORK/gen-$tag.log" >&2
            exit 1
        }
        grep -E 'generated|cached|SQL search' "$WORK/gen-$tag.log" >&2 || true
        GEN="$(grep -oE 'generated .*|cached .*' "$WORK/gen-$tag.log" | tail -n 1)"
        NOTES+="- $tag: $GEN"$'\n'

        DATA_DIR="$CACHE/index-$size-$backend"
        say "$tag: search index in $DATA_DIR"
        INDEX_LINE="$("$HELPER_BIN" index "$DB_URL" "$DATA_DIR" 2>"$WORK/index-$tag.log" | tail -n 1)" || {
            cat "$WORK/index-$tag.log" >&2
            exit 1
        }
        say "$tag: $INDEX_LINE"
        documents="$(sed -E 's/.*documents=([0-9]+).*/\1/' <<<"$INDEX_LINE")"
        build_seconds="$(sed -E 's/.*build_seconds=([0-9.]+).*/\1/' <<<"$INDEX_LINE")"
        index_bytes="$(sed -E 's/.*bytes=([0-9]+).*/\1/' <<<"$INDEX_LINE")"

        FORA_PORT="$(free_port)"
        FORA="http://127.0.0.1:$FORA_PORT"
        say "$tag: starting fora serve on $FORA"
        DATABASE_URL="$DB_URL" \
        FORA_BIND="127.0.0.1:$FORA_PORT" \
        FORA_DATA_DIR="$DATA_DIR" \
        FORA_OUTBOX="$WORK/outbox" \
        FORA_RATE_PER_ADDRESS=100000 \
        FORA_RATE_PER_ACCOUNT=100000 \
        RUST_LOG="${RUST_LOG:-fora=warn,tower_http=warn,sqlx=warn}" \
            "$FORA_BIN" serve >"$WORK/fora-$tag.log" 2>&1 &
        FORA_PID=$!
        wait_for "$FORA/healthz" "$FORA_PID"
        rss_start="$(mem "$FORA_PID" VmRSS)"

        TANTIVY_PORT="$(free_port)"
        TANTIVY="http://127.0.0.1:$TANTIVY_PORT"
        say "$tag: starting the bare tantivy search on $TANTIVY"
        "$HELPER_BIN" bare-tantivy "$TANTIVY_PORT" "$DATA_DIR/search-index" "$DB_URL" >"$WORK/tantivy-$tag.log" 2>&1 &
        TANTIVY_PID=$!
        wait_for "$TANTIVY/healthz" "$TANTIVY_PID"
        declare -A BASE=([page]="$FORA" [api]="$FORA" [tantivy]="$TANTIVY")
        if [[ "$SQL" == 1 ]]; then
            SQL_PORT="$(free_port)"
            BASE[sql]="http://127.0.0.1:$SQL_PORT"
            say "$tag: starting the bare SQL search on ${BASE[sql]}"
            "$HELPER_BIN" bare-sql "$SQL_PORT" "$DB_URL" >"$WORK/sql-$tag.log" 2>&1 &
            SQL_PID=$!
            wait_for "${BASE[sql]}/healthz?q=healthz" "$SQL_PID"
        fi

        # The page and the API show the bare tantivy total (the same engine step); the previous
        # SQL search matched differently (no synonyms, tags or language analyzers), so its
        # totals are only reported.
        first="$(head -n 1 "$PATHS")"
        status="$(curl -s -o "$WORK/page-$tag.html" -w '%{http_code}' "$FORA$first")"
        [[ "$status" == 200 ]] || { echo "bench-search: $FORA$first answered $status" >&2; exit 1; }
        checked=0 agreed=0 sql_same=0
        while read -r path; do
            total="$(curl -fs "$TANTIVY$path" | awk 'NR == 1 { print $2 }')"
            # The page says "Showing 1–10 of 1,234" (nothing when there are no results).
            shown="$(curl -fs "$FORA$path" | { grep -oE 'of [0-9][0-9,]*' || true; } | head -n 1 | tr -dc '0-9')"
            api="$(curl -fs "$FORA/api/v1$path" | { grep -oE '"total":[0-9]+' || true; } | head -n 1 | tr -dc '0-9')"
            checked=$((checked + 1))
            if [[ "${shown:-0}" == "$total" && "$api" == "$total" ]]; then agreed=$((agreed + 1)); fi
            if [[ "$SQL" == 1 ]]; then
                sql_total="$(curl -fs "${BASE[sql]}$path" | awk 'NR == 1 { print $2 }')"
                [[ "$sql_total" == "$total" ]] && sql_same=$((sql_same + 1))
            fi
        done < <(head -n 10 "$PATHS")
        say "$tag: $agreed of $checked sample searches show the bare tantivy total on the page and in the API"
        [[ "$agreed" == "$checked" ]] \
            || echo "bench-search: warning: Fora and the bare tantivy search disagree on some totals" >&2
        NOTES+="- $tag: $agreed of $checked sample searches: page = API = bare tantivy total"
        [[ "$SQL" == 1 ]] && NOTES+="; the previous SQL search has the same total in $sql_same of them"
        NOTES+=$'\n'

        say "$tag: warming up ($WARMUP each)"
        for side in "${SIDES[@]}"; do
            run_wrk "${BASE[$side]}" "$WARMUP" "$WORK/warm-$side-$tag.txt" "$([[ $side == api ]] && echo api || echo page)"
        done
        : >"$WORK/rss-$tag.txt"
        start_sampler "$FORA_PID" "$WORK/rss-$tag.txt"
        for round in $(seq 1 "$ROUNDS"); do
            for side in "${SIDES[@]}"; do
                say "$tag: round $round/$ROUNDS: ${LABEL[$side]} ($DURATION, $CONNECTIONS connections)"
                run_wrk "${BASE[$side]}" "$DURATION" "$WORK/$side-$tag-$round.txt" "$([[ $side == api ]] && echo api || echo page)"
            done
        done
        stop SAMPLER_PID
        rss_max="$(max_of "$WORK/rss-$tag.txt")"
        hwm="$(mem "$FORA_PID" VmHWM)"
        anon="$(mem "$FORA_PID" RssAnon)"
        tantivy_hwm="$(mem "$TANTIVY_PID" VmHWM)"
        RESOURCES+="$backend $size $documents $build_seconds $index_bytes $rss_start $rss_max $hwm $anon $tantivy_hwm"$'\n'
        stop SQL_PID
        stop TANTIVY_PID
        stop FORA_PID

        for side in "${SIDES[@]}"; do
            p50s="" p99s="" rpss=""
            for round in $(seq 1 "$ROUNDS"); do
                f="$WORK/$side-$tag-$round.txt"
                ROUND_ROWS+="| $backend | $size | $round | ${LABEL[$side]} | $(printf '%.1f' "$(rps "$f")") | $(pct "$f" 50) | $(pct "$f" 99) |"$'\n'
                p50s+="$(pct "$f" 50)"$'\n'; p99s+="$(pct "$f" 99)"$'\n'; rpss+="$(rps "$f")"$'\n'
                e="$(sock_errors "$f")"
                [[ -z "$e" ]] || NOTES+="- $tag $side round $round: $e"$'\n'
            done
            SUMMARY+="$backend $size $side $(printf '%s' "$p50s" | mean) $(printf '%s' "$p99s" | mean) $(printf '%s' "$rpss" | mean)"$'\n'
        done

        if [[ "$SQL" == 1 && "$DIRECT" == 1 ]]; then
            say "$tag: the SQL statements in-process, no HTTP ($DURATION, $CONNECTIONS tasks)"
            secs="$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; print n }')"
            direct="$("$HELPER_BIN" direct "$DB_URL" "$PATHS" "$CONNECTIONS" "$secs")"
            NOTES+="- $tag SQL statements in-process (no HTTP): $direct"$'\n'
        fi
        if [[ "$SQL" == 1 && "$PROFILE" == 1 ]]; then
            say "$tag: one search at a time, SQL facet and page statements timed apart"
            "$HELPER_BIN" profile "$DB_URL" "$PATHS" >"$WORK/profile-$tag.txt"
        fi
    done
done
LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------
# field BACKEND SIZE SIDE COLUMN (4: p50, 5: p99, 6: req/s)
field() { printf '%s' "$SUMMARY" | awk -v b="$1" -v s="$2" -v d="$3" -v f="$4" '$1 == b && $2 == s && $3 == d { print $f }'; }
check() { # VALUE OP LIMIT → " **(> LIMIT)**" when the target is missed
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "<=") ? (v <= l) : (v >= l); if (v == "n/a") ok = 1; print (ok ? "" : " **(" (op == "<=" ? ">" : "<") " " l ")**") }'
}

cat <<EOF

## Learnings search benchmark — $(date -u +%Y-%m-%d) — $(nproc) cores — wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT, $ROUNDS alternating rounds, $(wc -l <"$PATHS") rotating searches

Code: $COMMIT. Load average before: $LOAD_BEFORE; after: $LOAD_AFTER.

| Backend | Learnings | Round | Server | Requests/s | p50 (ms) | p99 (ms) |
|---|---|---:|---|---:|---:|---:|
${ROUND_ROWS}
Means over the rounds (latencies in ms at $CONNECTIONS connections):

| Backend | Learnings | page p50 | API p50 | bare tantivy p50 | page p99 | API p99 | bare tantivy p99 | page req/s | API req/s | bare tantivy req/s | SQL p50 | SQL p99 | SQL req/s |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
for b in "${BACKEND_LIST[@]}"; do
    for s in "${SIZE_LIST[@]}"; do
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s |\n' "$b" "$s" \
            "$(field "$b" "$s" page 4)" "$(field "$b" "$s" api 4)" "$(field "$b" "$s" tantivy 4)" \
            "$(field "$b" "$s" page 5)" "$(field "$b" "$s" api 5)" "$(field "$b" "$s" tantivy 5)" \
            "$(field "$b" "$s" page 6)" "$(field "$b" "$s" api 6)" "$(field "$b" "$s" tantivy 6)" \
            "$(field "$b" "$s" sql 4)" "$(field "$b" "$s" sql 5)" "$(field "$b" "$s" sql 6)"
    done
done

cat <<EOF

The app against bare tantivy (ratio of p50 latencies; target ≤ 1.5; and of the time per
request, bare tantivy req/s ÷ page req/s: at a fixed number of connections the mean latency is
connections ÷ req/s, and the bare program, which runs every search at once, has a lower median
and a higher p99 than the app), and the previous SQL search against the app (SQL p50 / page
p50; target ≥ 10 at 1M):

| Backend | Learnings | page / tantivy | API / tantivy | page / tantivy p99 | page / tantivy per request | SQL / page | SQL / API |
|---|---|---:|---:|---:|---:|---:|---:|
EOF
for b in "${BACKEND_LIST[@]}"; do
    for s in "${SIZE_LIST[@]}"; do
        r1="$(ratio "$(field "$b" "$s" page 4)" "$(field "$b" "$s" tantivy 4)")"
        r2="$(ratio "$(field "$b" "$s" api 4)" "$(field "$b" "$s" tantivy 4)")"
        r3="$(ratio "$(field "$b" "$s" page 5)" "$(field "$b" "$s" tantivy 5)")"
        r4="$(ratio "$(field "$b" "$s" sql 4)" "$(field "$b" "$s" page 4)")"
        r5="$(ratio "$(field "$b" "$s" sql 4)" "$(field "$b" "$s" api 4)")"
        r6="$(ratio "$(field "$b" "$s" tantivy 6)" "$(field "$b" "$s" page 6)")"
        sqlcheck=""
        [[ "$s" == 1m ]] && sqlcheck="$(check "$r4" '>=' 10)"
        printf '| %s | %s | %s%s | %s%s | %s | %s%s | %s%s | %s |\n' "$b" "$s" \
            "$r1" "$(check "$r1" '<=' 1.5)" "$r2" "$(check "$r2" '<=' 1.5)" "$r3" \
            "$r6" "$(check "$r6" '<=' 1.5)" "$r4" "$sqlcheck" "$r5"
    done
done

if [[ " ${SIZE_LIST[*]} " == *" 100k "* && " ${SIZE_LIST[*]} " == *" 1m "* ]]; then
    cat <<EOF

Scaling, 1M against 100k (ratio of p50 latencies; target: at most 2):

| Backend | page p50 100k → 1M | page | API | bare tantivy | page p99 | page req/s (100k / 1M) | SQL |
|---|---|---:|---:|---:|---:|---:|---:|
EOF
    for b in "${BACKEND_LIST[@]}"; do
        a1="$(field "$b" 100k page 4)"; a2="$(field "$b" 1m page 4)"
        r="$(ratio "$a2" "$a1")"
        ra="$(ratio "$(field "$b" 1m api 4)" "$(field "$b" 100k api 4)")"
        printf '| %s | %s → %s ms | %s%s | %s%s | %s | %s | %s | %s |\n' "$b" "$a1" "$a2" "$r" "$(check "$r" '<=' 2)" \
            "$ra" "$(check "$ra" '<=' 2)" \
            "$(ratio "$(field "$b" 1m tantivy 4)" "$(field "$b" 100k tantivy 4)")" \
            "$(ratio "$(field "$b" 1m page 5)" "$(field "$b" 100k page 5)")" \
            "$(ratio "$(field "$b" 100k page 6)" "$(field "$b" 1m page 6)")" \
            "$(ratio "$(field "$b" 1m sql 4)" "$(field "$b" 100k sql 4)")"
    done
fi

cat <<EOF

Index and memory (index built by \`bench_search index\`, the application's rebuild as in
\`fora search reindex\`; memory of the \`fora serve\` process from /proc/PID/status: VmRSS after
start-up, the highest VmRSS seen every 0.5 s during the measured rounds, VmHWM at the end, and
of that the anonymous part, RssAnon, at the end: VmRSS also counts the pages of memory-mapped
files, the index and, on SQLite, the database file):

| Backend | Learnings | documents | index build (s) | index size (MiB) | RSS at start (MiB) | RSS during the runs, max (MiB) | VmHWM (MiB) | RssAnon (MiB) | bare tantivy VmHWM (MiB) |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
while read -r b s docs secs bytes start rmax hwm anon thwm; do
    [[ -n "$b" ]] || continue
    printf '| %s | %s | %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "$b" "$s" "$docs" "$secs" \
        "$(awk -v x="$bytes" 'BEGIN { print x / 1048576 }')" "$start" "$rmax" "$hwm" "$anon" "$thwm"
done <<<"$RESOURCES"

echo
echo "Data sets and notes:"
printf '%s' "$NOTES"
if [[ "$SQL" == 1 && "$PROFILE" == 1 ]]; then
    for backend in "${BACKEND_LIST[@]}"; do
        for size in "${SIZE_LIST[@]}"; do
            echo
            echo "Where the time goes in the previous SQL search, $backend $size (one search at a time):"
            echo
            head -n 1 "$WORK/profile-$backend-$size.txt"
            echo
            tail -n +2 "$WORK/profile-$backend-$size.txt"
        done
    done
fi
