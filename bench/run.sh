#!/usr/bin/env bash
# vici benchmarks: start-up time, idle memory, catalogue reads against an in-memory baseline on
# the demo shop with the gateway's micro-cache on and off, and uncached listings, product pages
# and searches on a 100 000-product catalogue. Prints a Markdown section to stdout and to
# bench/results-<date>.md; copy it into bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                  full run (about 40 minutes with the defaults, plus seeding)
#   bench/run.sh --self-test      no vici: a second baseline stands in for it (an A/A check of the
#                                 tooling; ratios should be close to 1.00)
#   bench/run.sh --skip-synthetic --skip-build
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=5 CONNECTIONS="1 64" CACHE_MODES="cached uncached"
# PORT_BASE=4000
# SYN_PORT_BASE=4100 BASELINE_PORT=4900 SYNTHETIC=100000 READY_REPS=3 READY_TIMEOUT=120
# SEED_TIMEOUT=1800 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists, e.g. LOAD_CPUS=0 SERVER_CPUS=1-3)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" run.sh vici-bench

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-5}
CONNECTIONS=${CONNECTIONS:-"1 64"}
CACHE_MODES=${CACHE_MODES:-"cached uncached"}
PORT_BASE=${PORT_BASE:-4000}
SYN_PORT_BASE=${SYN_PORT_BASE:-4100}
BASELINE_PORT=${BASELINE_PORT:-4900}
SYNTHETIC=${SYNTHETIC:-100000}
READY_REPS=${READY_REPS:-3}
READY_TIMEOUT=${READY_TIMEOUT:-120}
SEED_TIMEOUT=${SEED_TIMEOUT:-1800}

SELF_TEST=0 SKIP_SYNTHETIC=0 SKIP_BUILD=0
for arg in "$@"; do
  case $arg in
    --self-test) SELF_TEST=1 ;;
    --skip-synthetic) SKIP_SYNTHETIC=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

SUBJECT=vici
[[ $SELF_TEST == 1 ]] && SUBJECT=subject

if [[ $SELF_TEST == 1 ]]; then build_release vici-bench; else build_release vici vici-bench; fi

# The server under test: vici, or in --self-test a baseline serving a body that passes the checks.
SELF_BODY=$WORK/selftest-body.json
if [[ $SELF_TEST == 1 ]]; then
  { printf '{"status":"up","data":['; for i in $(seq 1 52); do
      [[ $i -gt 1 ]] && printf ','
      printf '{"id":%d,"slug":"product-%d","name":"Product %d","price_cents":%d,"tags":["a","b"]}' "$i" "$i" "$i" $((1999 + i))
    done; printf ']}'; } >"$SELF_BODY"
fi
start_subject() { # data-dir port-base [NAME=value…]; sets SUBJECT_PID
  if [[ $SELF_TEST == 1 ]]; then
    ports_free "$2" $(($2 + 10))
    "${SERVER_PREFIX[@]}" "$BENCH" baseline --port "$2" --body-file "$SELF_BODY" >>"$WORK/subject-$2.log" 2>&1 &
    VICI_PID=$!
    PIDS+=("$VICI_PID")
  else
    start_vici "$@"
  fi
  SUBJECT_PID=$VICI_PID
}
wait_subject() { # port-base since-ns timeout → prints ms until /health is up and products answer
  wait_vici "$1" "$2" "$3" /api/products
}

loads=$(wc -w <<<"$CONNECTIONS")
modes=$(wc -w <<<"$CACHE_MODES")
estimate=$(((3 * modes + 6 * (1 - SKIP_SYNTHETIC)) * loads * 2 * REPS * (DURATION + WARMUP) / 60 + 1))
log "work dir $WORK; load phases take about $estimate min (plus start-ups and seeding)"
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- a. start-up and memory -----------------------------------------------------------------
S_START="Start-up and memory"
DATA=$WORK/data-demo
mkdir -p "$DATA"
t0=$(now_ns)
start_subject "$DATA" "$PORT_BASE"
first=$(wait_subject "$PORT_BASE" "$t0" "$READY_TIMEOUT")
record_metric "$S_START" "first start: migrate, seed demo shop, ready" ms "$first"
log "first start ready after $first ms"
for ((i = 1; i <= READY_REPS; i++)); do
  stop "$SUBJECT_PID"
  t0=$(now_ns)
  start_subject "$DATA" "$PORT_BASE"
  ms=$(wait_subject "$PORT_BASE" "$t0" "$READY_TIMEOUT")
  record_metric "$S_START" "time to ready, restart on migrated data dir" ms "$ms"
  log "restart $i ready after $ms ms"
done
sleep 3
rss=$(rss_mib "$SUBJECT_PID")
record_metric "$S_START" "idle RSS of $SUBJECT after 3 s" MiB "$rss"

# ---- b. catalogue scenarios against the baseline --------------------------------------------
against_baseline() { # section port scenario… ("name|path"): each path on the subject vs the baseline
  local section=$1 port=$2 entry name path body ctype base_pid c rep order target at
  shift 2
  for entry in "$@"; do
    name=${entry%%|*} path=${entry#*|} n=$((n + 1))
    body=$WORK/body-$n.json
    if ! ctype=$(fetch_ctype "$body" "http://127.0.0.1:$port$path"); then
      note "skipped \"$name\": $ctype"
      continue
    fi
    start_baseline "$BASELINE_PORT" "$body" "$ctype" "$path"
    base_pid=$BASE_PID
    if [[ $n == 1 ]]; then
      record_metric "$S_START" "idle RSS of the baseline (reference)" MiB "$(rss_mib "$base_pid")"
    fi
    log "$name: $(wc -c <"$body") bytes of $ctype"
    for c in $CONNECTIONS; do
      for ((rep = 1; rep <= REPS; rep++)); do
        kill -0 "$SUBJECT_PID" 2>/dev/null || die "$SUBJECT exited"
        # Alternate the order so slow drifts of the machine hit both sides alike.
        order=("$SUBJECT" baseline)
        ((rep % 2 == 0)) && order=(baseline "$SUBJECT")
        for target in "${order[@]}"; do
          at=$port
          [[ $target == baseline ]] && at=$BASELINE_PORT
          run_load "$section" "$name" "$target" false "http://127.0.0.1:$at$path" "$c" "run $rep/$REPS"
        done
      done
    done
    stop "$base_pid"
  done
}
n=0
for cache in $CACHE_MODES; do
  if [[ $cache == uncached ]]; then
    stop "$SUBJECT_PID"
    start_subject "$DATA" "$PORT_BASE" VICI_GATEWAY_CACHE_TTL_MS=0
    wait_subject "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" >/dev/null
  fi
  against_baseline "Catalogue (demo shop, $cache): $SUBJECT vs in-memory baseline" "$PORT_BASE" \
    "list products|/api/products?limit=20" \
    "product by slug|/api/products/slug/macbook-pro-16-m3" \
    "search|/api/products/search?q=laptop"
done
rss=$(rss_mib "$SUBJECT_PID")
record_metric "$S_START" "RSS of $SUBJECT after the catalogue load" MiB "$rss"
stop "$SUBJECT_PID"

# ---- c. a large synthetic catalogue, uncached ------------------------------------------------
if [[ $SKIP_SYNTHETIC == 0 ]]; then
  S_SYN="$SYNTHETIC synthetic products"
  DATA2=$WORK/data-synthetic
  mkdir -p "$DATA2"
  if [[ $SELF_TEST == 0 ]]; then
    log "seeding $SYNTHETIC synthetic products (bounded by $SEED_TIMEOUT s)"
    t0=$(now_ns)
    VICI_LOG=warn timeout --foreground "$SEED_TIMEOUT" "$VICI" seed --synthetic "$SYNTHETIC" --data-dir "$DATA2" \
      >>"$WORK/seed.log" 2>&1 || die "seeding failed or timed out"
    secs=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    record_metric "$S_SYN" "seed $SYNTHETIC products" s "$secs"
  fi
  t0=$(now_ns)
  start_subject "$DATA2" "$SYN_PORT_BASE" VICI_GATEWAY_CACHE_TTL_MS=0
  ms=$(wait_subject "$SYN_PORT_BASE" "$t0" "$SEED_TIMEOUT")
  record_metric "$S_SYN" "first start on the seeded data dir" ms "$ms"
  sleep 3
  rss=$(rss_mib "$SUBJECT_PID")
  record_metric "$S_SYN" "idle RSS of $SUBJECT after 3 s" MiB "$rss"
  slug=product-1
  if [[ $SELF_TEST == 0 ]]; then
    "$BENCH" fetch --url "http://127.0.0.1:$SYN_PORT_BASE/api/products?limit=1&page=5000" --out "$WORK/one.json" \
      >/dev/null 2>&1 || die "no synthetic product to open"
    slug=$(jq -r '.data[0].slug' "$WORK/one.json")
  fi
  against_baseline "$SYNTHETIC synthetic products, uncached: $SUBJECT vs in-memory baseline" "$SYN_PORT_BASE" \
    "list products|/api/products?limit=20" \
    "list products, category and price|/api/products?limit=20&category=electronics&minPrice=50&sort=price_asc" \
    "product by slug|/api/products/slug/$slug" \
    "search q=wireless|/api/products/search?q=wireless" \
    "search q=premum (typo)|/api/products/search?q=premum" \
    "search q=lam (prefix)|/api/products/search?q=lam"
  rss=$(rss_mib "$SUBJECT_PID")
  record_metric "$S_SYN" "RSS of $SUBJECT after the load" MiB "$rss"
  stop "$SUBJECT_PID"
fi

# ---- d. report ------------------------------------------------------------------------------
title="Benchmark run $STARTED_AT"
[[ $SELF_TEST == 1 ]] && title="$title (self-test: baseline vs baseline, no vici)"
{
  echo "## $title"
  echo
  setup_line
  if [[ $SELF_TEST == 1 ]]; then
    echo "subject = a second \`vici-bench baseline\` serving a 4.5 KB JSON body for every path;"
  else
    echo "vici with VICI_LOG=warn VICI_RATE_LIMITS=off, the demo shop with the micro-cache at its default (1 s) and off"
    echo "(VICI_GATEWAY_CACHE_TTL_MS=0; \"uncached\"), the synthetic catalogue with it off; other settings default;"
  fi
  echo "closed-loop HTTP/1.1 keep-alive load over 127.0.0.1, ${DURATION} s measured after ${WARMUP} s warm-up,"
  echo "$REPS runs per cell (subject and baseline alternating); load average at start: $LOADAVG."
  pinning_line
  echo "Generated by bench/run.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
if [[ $SELF_TEST == 1 ]]; then publish_report results-selftest; else publish_report results; fi
