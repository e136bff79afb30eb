#!/usr/bin/env bash
# vici hardening benchmarks (issue 13), on `vici up` with embedded engines and the gateway's
# micro-cache off, so every expensive request really runs: how much slower a cheap request
# gets while PRESSURE connections send the most expensive product listing the API accepts, and
# while they send the 15 000-tag URL it refuses (the one that once stalled every service).
# Prints a Markdown section to stdout and to bench/results-hardening-<date>.md; copy it into
# bench/RESULTS.md. See bench/README.md.
#
#   bench/hardening.sh                 about 3 minutes with the defaults (plus the build)
#   bench/hardening.sh --skip-build    use the release binaries already in target/
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=3 PRESSURE=12 PORT_BASE=4400
# READY_TIMEOUT=120 BUILD_TIMEOUT=3600 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" hardening.sh vici-bench-hardening

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-3}
PRESSURE=${PRESSURE:-12}
PORT_BASE=${PORT_BASE:-4400}
READY_TIMEOUT=${READY_TIMEOUT:-120}

parse_args 13 "$@"

build_release vici vici-bench

# ---- start vici -----------------------------------------------------------------------------
API=http://127.0.0.1:$PORT_BASE/api
DATA=$WORK/data
mkdir -p "$DATA"
start_vici "$DATA" "$PORT_BASE" VICI_GATEWAY_CACHE_TTL_MS=0
wait_vici "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" /api/products/categories >/dev/null
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

# The cheap request: the category tree.
CHEAP=$API/products/categories
# The most expensive listing the API accepts: the longest search text, the most tags of the
# longest length, every filter (the in-stock one asks the inventory service), the largest page.
tags=$(for i in $(seq -w 1 30); do printf 'tag-%s-%s,' "$i" "$(printf 'x%.0s' $(seq 1 43))"; done)
words=$(printf 'wireless%%20headphones%%20%.0s' $(seq 1 10) | cut -c1-400)
WORST="$API/products?q=$words&tags=${tags%,}&minPrice=0.01&maxPrice=1000000&rating=0.5&inStock=true"
WORST+="&isOnSale=false&limit=100&sort=rating"
# The URL that once stalled the shop: 15 000 distinct tags, about 59 KB (three letters each;
# HTTP/1 itself refuses request lines over 64 KB). Refused now.
many=$(printf '%s,' {a..z}{a..z}{a..z})
REFUSED="$API/products?tags=${many:0:59999}"

expect() { # url status: one request, dies unless it answers `status`
  local got
  got=$(curl -sS --max-time 30 -o "$WORK/probe.json" -w '%{http_code}' "$1") || die "curl failed"
  [[ $got == "$2" ]] || die "expected $2 from ${1:0:120}…, got $got: $(head -c 300 "$WORK/probe.json")"
}
expect "$WORST" 200
expect "$REFUSED" 400
log "worst accepted URL: ${#WORST} bytes; refused URL: ${#REFUSED} bytes"

PRESSURE_PID=
pressure_on() { # url: PRESSURE connections sending it for the whole measured cell
  "${LOAD_PREFIX[@]}" "$BENCH" load --url "$1" --connections "$PRESSURE" \
    --duration-secs $((DURATION + WARMUP + 1)) --timeout-secs 30 --json >"$WORK/pressure.json" 2>&1 &
  PRESSURE_PID=$!
  PIDS+=("$PRESSURE_PID")
  sleep 1 # the pressure's connections are open and busy before the measured load starts
}
pressure_off() { # section name: waits for the pressure load and records what it got through
  wait "$PRESSURE_PID" || true
  forget_pid "$PRESSURE_PID"
  local out
  out=$(cat "$WORK/pressure.json")
  record_metric "$1" "$2: answered 2xx" "req/s" "$(json_num requests_per_sec "$out")"
  record_metric "$1" "$2: answered otherwise (refusals)" "count" "$(json_num errors "$out")"
}

S_WORST="Cheap request beside $PRESSURE connections of the most expensive accepted listing"
S_REFUSED="Cheap request beside $PRESSURE connections of the refused 15 000-tag URL"
for ((rep = 1; rep <= REPS; rep++)); do
  kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
  run_load "$S_WORST" "GET /api/products/categories" alone true "$CHEAP" 1 "run $rep/$REPS"
  record_load "$S_REFUSED" "GET /api/products/categories" alone true "$LAST_RESULT"
  pressure_on "$WORST"
  run_load "$S_WORST" "GET /api/products/categories" beside false "$CHEAP" 1 "run $rep/$REPS"
  pressure_off "$S_WORST" "pressure: worst listing"
  pressure_on "$REFUSED"
  run_load "$S_REFUSED" "GET /api/products/categories" beside false "$CHEAP" 1 "run $rep/$REPS"
  pressure_off "$S_REFUSED" "pressure: refused URL"
done
stop "$VICI_PID"

# ---- report ---------------------------------------------------------------------------------
{
  echo "## Hardening benchmark run $STARTED_AT"
  echo
  setup_line
  echo "\`vici up\` with embedded engines and the demo catalogue, VICI_LOG=warn VICI_RATE_LIMITS=off"
  echo "VICI_GATEWAY_CACHE_TTL_MS=0 (every request reaches the services); the cheap request at one"
  echo "connection, alone and beside $PRESSURE connections of pressure; worst accepted URL ${#WORST} bytes,"
  echo "refused URL ${#REFUSED} bytes; ${DURATION} s measured after ${WARMUP} s warm-up, $REPS runs per cell;"
  echo "load average at start: $LOADAVG. The ratio is the cheap request's req/s beside the pressure"
  echo "over alone (1 = untouched; both share the 2 cores with the pressure)."
  pinning_line
  echo "Generated by bench/hardening.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-hardening
