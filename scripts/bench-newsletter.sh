#!/usr/bin/env bash
# Newsletter delivery benchmark: one edition to COUNT confirmed subscribers, handed by
# `fora newsletter send-due` to a local postfix smtp-sink, against postfix's smtp-source sending
# the same number of messages of the same size to the same sink with the same concurrency, in
# one run on the same machine; with Fora's resident memory sampled while it sends; and (TLS=1)
# Fora again through a TLS relay: `smtps://` to socat, which ends TLS and hands the connection to
# the same sink. See docs/BENCHMARKS.md ("Newsletter delivery"). Needs: cargo, postfix's
# smtp-sink and smtp-source (apt-get install postfix), python3 (for a free port); openssl and
# socat for TLS=1; PostgreSQL on 127.0.0.1:5432 for BACKENDS=postgres. Everything listens on
# 127.0.0.1 only.
#
# Environment (all optional):
#   BACKENDS=sqlite,postgres   which databases
#   COUNT=100000               subscribers, and so messages
#   CONCURRENCY=8              Fora's FORA_MAIL_CONCURRENCY and smtp-source's sessions (-s)
#   ROUNDS=1                   measured rounds; odd rounds run Fora first, even rounds
#                              smtp-source first (the deliveries are requeued between rounds)
#   ITEMS=1                    learnings in the edition (the message grows with them)
#   SAMPLE=0.5                 seconds between resident-memory samples
#   SEND=auto                  cli: time `fora newsletter send-due`; example: time
#                              `bench_newsletter send` (the same drain, for trees without the
#                              command); auto: cli when the binary has the command
#   RECONNECT=1                also time smtp-source opening a new connection per message
#                              (its default; the main baseline keeps connections, -d, as
#                              Fora's pool does). 0: skip
#   TLS=1                      also time Fora through a TLS relay in each round (smtps:// with
#                              AUTH PLAIN to socat with a certificate made for the run, trusted
#                              through FORA_SMTP_CA_FILE, in front of the same sink). 0: skip
#   PHASES=1                   afterwards, time the worker's steps (claim, recipients, render,
#                              SMTP, mark) one at a time over 20 batches (0: skip)
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres   where to create the database
#                              fora_bench_newsletter (dropped again at the end)
#   KEEP=1                     keep the temporary directory (database, logs, samples)
set -euo pipefail

BACKENDS="${BACKENDS:-sqlite,postgres}"
COUNT="${COUNT:-100000}"
CONCURRENCY="${CONCURRENCY:-8}"
ROUNDS="${ROUNDS:-1}"
ITEMS="${ITEMS:-1}"
SAMPLE="${SAMPLE:-0.5}"
SEND="${SEND:-auto}"
RECONNECT="${RECONNECT:-1}"
TLS="${TLS:-1}"
PHASES="${PHASES:-1}"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB=fora_bench_newsletter
FROM_ADDRESS=fora@example.org
SINK_BIN="${SINK_BIN:-/usr/sbin/smtp-sink}"
SOURCE_BIN="${SOURCE_BIN:-/usr/sbin/smtp-source}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fora-bench-target}"
FORA_BIN="$CARGO_TARGET_DIR/release/fora"
HELPER_BIN="$CARGO_TARGET_DIR/release/examples/bench_newsletter"

TOOLS=(cargo python3 "$SINK_BIN" "$SOURCE_BIN")
[[ "$TLS" == 1 ]] && TOOLS+=(openssl socat)
for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null || {
        echo "bench-newsletter: $tool is required (smtp-sink and smtp-source come with postfix; openssl and socat only for TLS=1)" >&2
        exit 1
    }
done

say() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------------------------------------------
say "building (release, $CARGO_TARGET_DIR): fora binary and examples/bench_newsletter"
# Two invocations, so the measured binary is built exactly as `cargo build --release` builds it.
(cd "$ROOT" && cargo build --release --quiet --bin fora && cargo build --release --quiet --example bench_newsletter)

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain -- src templates migrations Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
    COMMIT="$COMMIT + uncommitted changes"
fi

if [[ "$SEND" == auto ]]; then
    if "$FORA_BIN" newsletter send-due --help >/dev/null 2>&1; then SEND=cli; else SEND=example; fi
fi
case "$SEND" in
    cli) SENDER=("$FORA_BIN" newsletter send-due); SENDER_NAME="fora newsletter send-due" ;;
    example) SENDER=("$HELPER_BIN" send); SENDER_NAME="bench_newsletter send (deliver::drain)" ;;
    *) echo "bench-newsletter: SEND must be auto, cli or example" >&2; exit 1 ;;
esac

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fora-bench-newsletter.XXXXXX")"
chmod 755 "$WORK"
SINK_PID=""
TLS_PID=""
RUN_PID=""
PG_CREATED=0
cleanup() {
    local pid
    for pid in "$RUN_PID" "$TLS_PID" "$SINK_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ "$PG_CREATED" == 1 ]]; then
        drop_pg || true
    fi
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "bench-newsletter: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

psql_admin() {
    PGOPTIONS='-c client_min_messages=warning' psql "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -qAt "$@"
}
drop_pg() {
    psql_admin -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
}

# The sink: counts what it receives (-c, one line per event, the last one wins), stores
# nothing (no -d/-D). As root it must drop privileges (-u nobody).
SINK_LOG=""
start_sink() { # PORT LOG
    local user=()
    [[ "$(id -u)" == 0 ]] && user=(-u nobody)
    "$SINK_BIN" -c "${user[@]}" "127.0.0.1:$1" 256 >"$2" 2>&1 &
    SINK_PID=$!
    SINK_LOG="$2"
    local i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$SINK_PID" 2>/dev/null || { echo "bench-newsletter: smtp-sink exited:" >&2; cat "$2" >&2; return 1; }
        sleep 0.1
    done
    echo "bench-newsletter: smtp-sink did not listen on $1" >&2
    return 1
}
# The TLS relay: a certificate authority and a certificate for 127.0.0.1 made for this run,
# and socat ending TLS (a process per connection, as many as Fora's pool opens) and passing
# the connection on to the sink. Fora trusts the authority through FORA_SMTP_CA_FILE.
make_tls_certificates() {
    local dir="$WORK/tls"
    mkdir -p "$dir"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=bench CA" 2>/dev/null
    openssl req "${ec[@]}" -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -out "$dir/server.pem" -days 2 -extfile "$dir/server.ext" 2>/dev/null
}
start_tls_relay() { # TLS_PORT SINK_PORT LOG
    socat "OPENSSL-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork,cert=$WORK/tls/server.pem,key=$WORK/tls/server.key,verify=0" \
        "TCP:127.0.0.1:$2" >"$3" 2>&1 &
    TLS_PID=$!
    local i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$TLS_PID" 2>/dev/null || { echo "bench-newsletter: socat exited:" >&2; cat "$3" >&2; return 1; }
        sleep 0.1
    done
    echo "bench-newsletter: socat did not listen on $1" >&2
    return 1
}

# Messages the sink has taken so far.
sink_messages() { tr '\r' '\n' <"$SINK_LOG" | awk -F'mesg=' 'NF > 1 { n = $2 + 0 } END { print n + 0 }'; }

now_s() { date +%s.%N; }

# measure NAME OUTFILE COMMAND…: runs the command, sampling its memory (kB) every SAMPLE
# seconds into OUTFILE.rss as "seconds_since_start VmRSS VmHWM RssAnon RssFile"; sets ELAPSED
# (seconds) and writes it to OUTFILE.elapsed. RssFile is mostly SQLite's memory-mapped database
# file (mmap_size), which comes and goes with the pool's connections; RssAnon is the heap.
ELAPSED=0
measure() {
    local name="$1" out="$2"
    shift 2
    : >"$out.rss"
    local start end
    start="$(now_s)"
    "$@" >"$out" 2>"$out.err" &
    RUN_PID=$!
    (
        while [[ -r /proc/$RUN_PID/status ]]; do
            line="$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
                END { if (r) print r, h, a, f }' /proc/$RUN_PID/status 2>/dev/null || true)"
            [[ -n "$line" ]] && echo "$(awk -v s="$start" -v n="$(now_s)" 'BEGIN { printf "%.2f", n - s }') $line" >>"$out.rss"
            sleep "$SAMPLE"
        done
    ) &
    local sampler=$!
    local status=0
    wait "$RUN_PID" || status=$?
    end="$(now_s)"
    RUN_PID=""
    wait "$sampler" 2>/dev/null || true
    ELAPSED="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')"
    echo "$ELAPSED" >"$out.elapsed"
    if [[ "$status" != 0 ]]; then
        echo "bench-newsletter: $name failed (exit $status):" >&2
        tail -n 20 "$out" "$out.err" >&2
        exit 1
    fi
}

# rss_stats FILE: "min median max p10 p50 p90 hwm samples anon_min anon_median anon_max" in
# MiB: VmRSS, where pNN is the sample nearest NN % of the run's length (flatness over time),
# hwm the last VmHWM seen, and the same for RssAnon (the heap, without mapped files).
rss_stats() {
    awk '
        function sort(a, n,    i, j, v) { for (i = 2; i <= n; i++) { v = a[i]; j = i - 1; while (j > 0 && a[j] > v) { a[j + 1] = a[j]; j-- } a[j + 1] = v } }
        function median(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { t[NR] = $1; r[NR] = $2; s[NR] = $2; h = $3; an[NR] = $4 }
        END {
            n = NR
            if (n == 0) { print "n/a n/a n/a n/a n/a n/a n/a 0 n/a n/a n/a"; exit }
            sort(s, n); sort(an, n)
            last = t[n]
            split("0.1 0.5 0.9", q, " ")
            out = ""
            for (k = 1; k <= 3; k++) {
                want = q[k] * last; best = 1
                for (i = 1; i <= n; i++) if ((t[i] - want)^2 < (t[best] - want)^2) best = i
                out = out sprintf(" %.1f", r[best] / 1024)
            }
            printf "%.1f %.1f %.1f%s %.1f %d %.1f %.1f %.1f\n", s[1] / 1024, median(s, n) / 1024, s[n] / 1024, out, h / 1024, n,
                an[1] / 1024, median(an, n) / 1024, an[n] / 1024
        }' "$1"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
mean_of() { awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"
awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }' \
    && echo "bench-newsletter: warning: load average is $LOAD_BEFORE before the run; results will be noisy" >&2

[[ "$TLS" == 1 ]] && make_tls_certificates

IFS=',' read -r -a BACKEND_LIST <<<"$BACKENDS"
ROWS=""      # per round and sender
SUMMARY=""   # backend fora_rate source_rate ratio rss…
TLS_SUMMARY="" # backend tls_rate fora_rate source_rate tls/fora tls/source
NOTES=""
PHASE_OUT=""

for backend in "${BACKEND_LIST[@]}"; do
    case "$backend" in
        sqlite) DB_URL="sqlite://$WORK/newsletter.db?mode=rwc" ;;
        postgres)
            command -v psql >/dev/null || { echo "bench-newsletter: psql is required for postgres" >&2; exit 1; }
            drop_pg
            psql_admin -c "CREATE DATABASE $PG_DB" >/dev/null
            PG_CREATED=1
            DB_URL="${PG_ADMIN_URL%/*}/$PG_DB"
            ;;
        *) echo "bench-newsletter: unknown backend $backend" >&2; exit 1 ;;
    esac

    PORT="$(free_port)"
    say "$backend: smtp-sink on 127.0.0.1:$PORT"
    start_sink "$PORT" "$WORK/sink-$backend.log"
    if [[ "$TLS" == 1 ]]; then
        TLS_PORT="$(free_port)"
        say "$backend: TLS relay (socat) on 127.0.0.1:$TLS_PORT, in front of the sink"
        start_tls_relay "$TLS_PORT" "$PORT" "$WORK/socat-$backend.log"
    fi

    # The environment `fora` reads; the example reads the same (FORA_FROM and FORA_BASE_URL
    # shape the message). Run from WORK, so no fora.toml of the checkout is picked up.
    export DATABASE_URL="$DB_URL"
    export SMTP_URL="smtp://127.0.0.1:$PORT"
    export FORA_MAIL_CONCURRENCY="$CONCURRENCY"
    export FORA_FROM="Fora <$FROM_ADDRESS>"
    export FORA_BASE_URL="https://fora.example.org"
    export FORA_OUTBOX="$WORK/outbox"
    export RUST_LOG="${RUST_LOG:-fora=warn,sqlx=warn}"

    say "$backend: seeding $COUNT subscribers, $ITEMS learning(s), one edition, queued"
    (cd "$WORK" && "$HELPER_BIN" seed "$DB_URL" "$COUNT" "$ITEMS") >"$WORK/seed-$backend.txt"
    EDITION="$(awk -F= '$1 == "edition" { print $2 }' "$WORK/seed-$backend.txt")"
    QUEUED="$(awk -F= '$1 == "queued" { print $2 }' "$WORK/seed-$backend.txt")"
    BYTES="$(awk -F= '$1 == "message_bytes" { print $2 }' "$WORK/seed-$backend.txt")"
    SEED_S="$(awk -F= '$1 == "seed_seconds" { print $2 }' "$WORK/seed-$backend.txt")"
    [[ "$QUEUED" == "$COUNT" ]] || { echo "bench-newsletter: queued $QUEUED, expected $COUNT" >&2; exit 1; }
    # smtp-source writes From, To, Date and Message-Id (about 130 bytes) before its payload,
    # and cuts the payload into lines of 80 characters (+ CRLF): pick -l so that the bytes
    # on the wire match Fora's message.
    LENGTH="$(awk -v b="$BYTES" 'BEGIN { l = int((b - 130) * 80 / 82 + 0.5); if (l < 1) l = 1; print l }')"
    say "$backend: edition $EDITION, $QUEUED deliveries queued in ${SEED_S} s; one message is $BYTES bytes (smtp-source -l $LENGTH)"
    NOTES+="- $backend: seeded and queued $QUEUED deliveries in $SEED_S s; message $BYTES bytes, smtp-source -l $LENGTH"$'\n'

    fora_rates="" source_rates="" tls_rates=""
    for round in $(seq 1 "$ROUNDS"); do
        if ((round > 1)); then
            (cd "$WORK" && "$HELPER_BIN" requeue "$DB_URL" "$EDITION") >/dev/null
        fi
        order=(fora source)
        ((round % 2 == 0)) && order=(source fora)
        [[ "$TLS" == 1 ]] && order+=(tls)
        for side in "${order[@]}"; do
            tag="$backend-$round-$side"
            if [[ "$side" == tls ]]; then
                (cd "$WORK" && "$HELPER_BIN" requeue "$DB_URL" "$EDITION") >/dev/null
            fi
            before="$(sink_messages)"
            if [[ "$side" == tls ]]; then
                say "$backend round $round: $SENDER_NAME through the TLS relay, concurrency $CONCURRENCY"
                measure "$SENDER_NAME (TLS)" "$WORK/$tag.out" env -C "$WORK" \
                    SMTP_URL="smtps://bench:bench@127.0.0.1:$TLS_PORT" FORA_SMTP_CA_FILE="$WORK/tls/ca.pem" "${SENDER[@]}"
                progress="$("$HELPER_BIN" progress "$DB_URL" "$EDITION")"
                sent="$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$progress")"
                NOTES+="- $backend round $round, TLS: Fora printed \"$(tail -n 1 "$WORK/$tag.out")\"; deliveries: $progress"$'\n'
                [[ "$sent" == "$COUNT" ]] || echo "bench-newsletter: warning: $sent of $COUNT deliveries marked sent through TLS" >&2
            elif [[ "$side" == fora ]]; then
                say "$backend round $round: $SENDER_NAME, concurrency $CONCURRENCY"
                measure "$SENDER_NAME" "$WORK/$tag.out" env -C "$WORK" "${SENDER[@]}"
                progress="$("$HELPER_BIN" progress "$DB_URL" "$EDITION")"
                sent="$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$progress")"
                NOTES+="- $backend round $round: Fora printed \"$(tail -n 1 "$WORK/$tag.out")\"; deliveries: $progress"$'\n'
                [[ "$sent" == "$COUNT" ]] || echo "bench-newsletter: warning: $sent of $COUNT deliveries marked sent" >&2
            else
                say "$backend round $round: smtp-source -d -s $CONCURRENCY -l $LENGTH -m $COUNT"
                measure smtp-source "$WORK/$tag.out" "$SOURCE_BIN" -d -s "$CONCURRENCY" -l "$LENGTH" -m "$COUNT" \
                    -f "$FROM_ADDRESS" -t reader@example.org "127.0.0.1:$PORT"
            fi
            sleep 0.3
            received=$(($(sink_messages) - before))
            elapsed="$ELAPSED"
            r="$(rate "$received" "$elapsed")"
            read -r mn med mx p10 p50 p90 hwm samples amn amed amx < <(rss_stats "$WORK/$tag.out.rss")
            label="$SENDER_NAME"
            [[ "$side" == source ]] && label="smtp-source -d (connections kept)"
            [[ "$side" == tls ]] && label="$SENDER_NAME, smtps:// (TLS relay: socat, then the same sink)"
            row="| $backend | $round | $label | $received | $elapsed | $r | $mn / $med / $mx | $p10 / $p50 / $p90 | $hwm | $amn / $amed / $amx |"
            ROWS+="$row"$'\n'
            echo "$row" >>"$WORK/rows.md"
            say "$row"
            [[ "$received" == "$COUNT" ]] || echo "bench-newsletter: warning: the sink counted $received messages from $side, expected $COUNT" >&2
            if [[ "$side" == fora ]]; then
                fora_rates+="$r"$'\n'
                FORA_RSS="$mn $med $mx $p10 $p50 $p90 $hwm $amn $amed $amx"
            elif [[ "$side" == tls ]]; then
                tls_rates+="$r"$'\n'
            else
                source_rates+="$r"$'\n'
            fi
        done
    done
    if [[ "$RECONNECT" == 1 ]]; then
        tag="$backend-reconnect"
        before="$(sink_messages)"
        say "$backend: smtp-source without -d (a new connection per message)"
        measure smtp-source "$WORK/$tag.out" "$SOURCE_BIN" -s "$CONCURRENCY" -l "$LENGTH" -m "$COUNT" \
            -f "$FROM_ADDRESS" -t reader@example.org "127.0.0.1:$PORT"
        sleep 0.3
        received=$(($(sink_messages) - before))
        elapsed="$ELAPSED"
        row="| $backend | – | smtp-source (new connection per message) | $received | $elapsed | $(rate "$received" "$elapsed") | | | | |"
        ROWS+="$row"$'\n'
        echo "$row" >>"$WORK/rows.md"
        say "$row"
    fi
    fr="$(printf '%s' "$fora_rates" | mean_of)"
    sr="$(printf '%s' "$source_rates" | mean_of)"
    SUMMARY+="$backend $fr $sr $(ratio "$fr" "$sr") $FORA_RSS"$'\n'
    if [[ "$TLS" == 1 ]]; then
        tr="$(printf '%s' "$tls_rates" | mean_of)"
        TLS_SUMMARY+="$backend $tr $fr $sr $(ratio "$tr" "$fr") $(ratio "$tr" "$sr")"$'\n'
    fi

    if [[ "$PHASES" == 1 ]]; then
        say "$backend: the worker's steps one at a time (20 batches)"
        (cd "$WORK" && "$HELPER_BIN" requeue "$DB_URL" "$EDITION") >/dev/null
        PHASE_OUT+=$'\n'"Where the time goes, $backend (bench_newsletter phases, 20 batches, one step at a time):"$'\n\n'
        (cd "$WORK" && "$HELPER_BIN" phases "$DB_URL" "$EDITION" 20) >"$WORK/phases-$backend.md"
        PHASE_OUT+="$(cat "$WORK/phases-$backend.md")"$'\n'
    fi

    if [[ -n "$TLS_PID" ]]; then
        kill "$TLS_PID" 2>/dev/null || true
        wait "$TLS_PID" 2>/dev/null || true
        TLS_PID=""
    fi
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
    SINK_PID=""
    if [[ "$backend" == postgres ]]; then
        drop_pg
        PG_CREATED=0
    fi
done
LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------
cat <<EOF

## Newsletter delivery benchmark — $(date -u +%Y-%m-%d) — $(nproc) cores — $COUNT messages, concurrency $CONCURRENCY, $ROUNDS round(s)

Code: $COMMIT. Sender: $SENDER_NAME. Load average before: $LOAD_BEFORE; after: $LOAD_AFTER.

| Backend | Round | Sender | Messages at the sink | Seconds | Messages/s | RSS min / median / max (MiB) | RSS at 10 / 50 / 90 % of the run (MiB) | peak (VmHWM, MiB) | RssAnon min / median / max (MiB) |
|---|---:|---|---:|---:|---:|---|---|---:|---|
${ROWS}
Fora against smtp-source -d (target: ratio ≥ 0.5, resident memory flat):

| Backend | Fora msgs/s | smtp-source msgs/s | ratio | Fora RSS min / median / max (MiB) | at 10 / 50 / 90 % | peak | RssAnon min / median / max |
|---|---:|---:|---:|---|---|---:|---|
EOF
while read -r b fr sr rt mn med mx p10 p50 p90 hwm amn amed amx; do
    [[ -n "$b" ]] || continue
    v="$(awk -v r="$rt" 'BEGIN { print (r >= 0.5 ? "" : " **(< 0.5)**") }')"
    printf '| %s | %s | %s | %s%s | %s / %s / %s | %s / %s / %s | %s | %s / %s / %s |\n' "$b" "$fr" "$sr" "$rt" "$v" "$mn" "$med" "$mx" "$p10" "$p50" "$p90" "$hwm" "$amn" "$amed" "$amx"
done <<<"$SUMMARY"
if [[ "$TLS" == 1 ]]; then
    cat <<EOF

Fora through the TLS relay (smtps:// to socat, which ends TLS in a process per connection on
the same cores, then the same sink) against Fora in the clear and smtp-source -d (no TLS):

| Backend | Fora TLS msgs/s | Fora plain msgs/s | smtp-source msgs/s | TLS / plain | TLS / smtp-source |
|---|---:|---:|---:|---:|---:|
EOF
    while read -r b tr fr sr r1 r2; do
        [[ -n "$b" ]] || continue
        printf '| %s | %s | %s | %s | %s | %s |\n' "$b" "$tr" "$fr" "$sr" "$r1" "$r2"
    done <<<"$TLS_SUMMARY"
fi
echo
echo "Notes:"
printf '%s' "$NOTES"
printf '%s' "$PHASE_OUT"
