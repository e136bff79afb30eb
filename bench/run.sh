#!/usr/bin/env bash
# vici benchmarks: start-up time, idle memory, catalogue throughput against an in-memory baseline,
# and search latency on a 100 000-product catalogue. Prints a Markdown section to stdout and to
# bench/results-<date>.md; copy it into bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                  full run (about 13 minutes with the defaults, plus seeding)
#   bench/run.sh --self-test      no vici: a second baseline stands in for it (an A/A check of the
#                                 tooling; ratios should be close to 1.00)
#   bench/run.sh --skip-synthetic --skip-build
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=5 CONNECTIONS="1 64" PORT_BASE=4000
# SYN_PORT_BASE=4100 BASELINE_PORT=4900 SYNTHETIC=100000 READY_REPS=3 READY_TIMEOUT=120
# SEED_TIMEOUT=1800 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists, e.g. LOAD_CPUS=0 SERVER_CPUS=1-3)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-5}
CONNECTIONS=${CONNECTIONS:-"1 64"}
PORT_BASE=${PORT_BASE:-4000}
SYN_PORT_BASE=${SYN_PORT_BASE:-4100}
BASELINE_PORT=${BASELINE_PORT:-4900}
SYNTHETIC=${SYNTHETIC:-100000}
READY_REPS=${READY_REPS:-3}
READY_TIMEOUT=${READY_TIMEOUT:-120}
SEED_TIMEOUT=${SEED_TIMEOUT:-1800}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
LOAD_CPUS=${LOAD_CPUS:-}
SERVER_CPUS=${SERVER_CPUS:-}

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

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH=$TARGET_DIR/release/vici-bench
VICI=$TARGET_DIR/release/vici
SUBJECT=vici
[[ $SELF_TEST == 1 ]] && SUBJECT=subject
LOAD_PREFIX=() SERVER_PREFIX=()
[[ -n $LOAD_CPUS ]] && LOAD_PREFIX=(taskset -c "$LOAD_CPUS")
[[ -n $SERVER_CPUS ]] && SERVER_PREFIX=(taskset -c "$SERVER_CPUS")

log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }
NOTES=()
note() { log "warning: $*"; NOTES+=("$*"); }
die() { log "error: $*"; exit 1; }

# ---- cleanup: stop everything this script started ------------------------------------------
WORK=$(mktemp -d /tmp/vici-bench.XXXXXX)
PIDS=()
stop_pid() { # pid: SIGTERM, wait up to 15 s, then SIGKILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid f
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ $rc != 0 ]]; then
    for f in "$WORK"/*.log; do
      [[ -f $f ]] && { echo "---- tail of $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() { local p keep=(); for p in "${PIDS[@]}"; do [[ $p != "$1" ]] && keep+=("$p"); done; PIDS=("${keep[@]}"); }
stop() { stop_pid "$1"; forget_pid "$1"; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
now_ns() { date +%s%N; }
json_num() { sed -E "s/.*\"$1\":([-0-9.eE+]+).*/\1/" <<<"$2"; }

# ---- build ----------------------------------------------------------------------------------
if [[ $SKIP_BUILD == 0 ]]; then
  packages=(-p vici-bench)
  [[ $SELF_TEST == 0 ]] && packages=(-p vici -p vici-bench)
  log "building ${packages[*]} (release)"
  timeout --foreground "$BUILD_TIMEOUT" nice cargo build --release "${packages[@]}" >&2 || die "build failed"
fi
[[ -x $BENCH ]] || die "$BENCH missing"
[[ $SELF_TEST == 1 || -x $VICI ]] || die "$VICI missing"

RESULTS=$WORK/results.jsonl
record_metric() { # section name unit value
  printf '{"kind":"metric","section":"%s","name":"%s","unit":"%s","value":%s}\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}
run_load() { # section scenario target url connections label
  local out
  out=$("${LOAD_PREFIX[@]}" "$BENCH" load --url "$4" --connections "$5" --duration-secs "$DURATION" \
    --warmup-secs "$WARMUP" --json) || die "load against $4 failed"
  printf '{"kind":"load","section":"%s","scenario":"%s","target":"%s","result":%s}\n' "$1" "$2" "$3" "$out" >>"$RESULTS"
  log "  $2 | $3 | c=$5 | $6: $(json_num requests_per_sec "$out" | cut -d. -f1) req/s, p99 $(json_num p99 "$out") ms, errors $(json_num errors "$out")"
}

# The server under test: vici, or in --self-test a baseline serving a body that passes the checks.
SELF_BODY=$WORK/selftest-body.json
if [[ $SELF_TEST == 1 ]]; then
  { printf '{"status":"up","data":['; for i in $(seq 1 52); do
      [[ $i -gt 1 ]] && printf ','
      printf '{"id":%d,"slug":"product-%d","name":"Product %d","price_cents":%d,"tags":["a","b"]}' "$i" "$i" "$i" $((1999 + i))
    done; printf ']}'; } >"$SELF_BODY"
fi
start_subject() { # data-dir port-base; sets SUBJECT_PID
  local p
  for ((p = $2; p <= $2 + 10; p++)); do port_busy "$p" && die "port $p is already in use"; done
  if [[ $SELF_TEST == 1 ]]; then
    "${SERVER_PREFIX[@]}" "$BENCH" baseline --port "$2" --body-file "$SELF_BODY" >>"$WORK/subject-$2.log" 2>&1 &
  else
    VICI_LOG=warn VICI_RATE_LIMITS=off "${SERVER_PREFIX[@]}" "$VICI" up --data-dir "$1" --port-base "$2" \
      >>"$WORK/subject-$2.log" 2>&1 &
  fi
  SUBJECT_PID=$!
  PIDS+=("$SUBJECT_PID")
}
wait_subject() { # port-base since-ns timeout → prints ms until /health is up and products answer
  "$BENCH" wait-ready --url "http://127.0.0.1:$1/health" --expect-json status=up --pid "$SUBJECT_PID" \
    --since-unix-ns "$2" --timeout-secs "$3" >/dev/null || die "server on port $1 did not become ready"
  "$BENCH" wait-ready --url "http://127.0.0.1:$1/api/products" --pid "$SUBJECT_PID" --since-unix-ns "$2" \
    --timeout-secs "$3" || die "server on port $1: /api/products did not answer 200"
}
rss_mib() { local kib; kib=$("$BENCH" rss --pid "$1" --kib) || return 1; awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }'; }

loads=$(wc -w <<<"$CONNECTIONS")
estimate=$(((3 * loads * 2 + 3 * loads * (1 - SKIP_SYNTHETIC)) * REPS * (DURATION + WARMUP) / 60 + 1))
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
S_CAT="Catalogue (demo shop): $SUBJECT vs in-memory baseline"
SCENARIOS=(
  "list products|/api/products?limit=20"
  "product by slug|/api/products/slug/macbook-pro-16-m3"
  "search|/api/products/search?q=laptop"
)
n=0
for entry in "${SCENARIOS[@]}"; do
  name=${entry%%|*} path=${entry#*|} n=$((n + 1))
  body=$WORK/body-$n.json
  if ! ctype=$("$BENCH" fetch --url "http://127.0.0.1:$PORT_BASE$path" --out "$body" 2>&1 >/dev/null); then
    note "skipped \"$name\": ${ctype#vici-bench: }"
    continue
  fi
  ctype=${ctype##*content-type }
  [[ $ctype == none ]] && ctype=application/json
  port_busy "$BASELINE_PORT" && die "port $BASELINE_PORT is already in use"
  "${SERVER_PREFIX[@]}" "$BENCH" baseline --port "$BASELINE_PORT" --body-file "$body" --content-type "$ctype" \
    >>"$WORK/baseline.log" 2>&1 &
  base_pid=$!
  PIDS+=("$base_pid")
  "$BENCH" wait-ready --url "http://127.0.0.1:$BASELINE_PORT$path" --pid "$base_pid" --timeout-secs 10 >/dev/null ||
    die "baseline did not start"
  if [[ $n == 1 ]]; then
    rss=$(rss_mib "$base_pid")
    record_metric "$S_START" "idle RSS of the baseline (reference)" MiB "$rss"
  fi
  log "$name: $(wc -c <"$body") bytes of $ctype"
  for c in $CONNECTIONS; do
    for ((rep = 1; rep <= REPS; rep++)); do
      kill -0 "$SUBJECT_PID" 2>/dev/null || die "$SUBJECT exited"
      # Alternate the order so slow drifts of the machine hit both sides alike.
      order=("$SUBJECT" baseline)
      ((rep % 2 == 0)) && order=(baseline "$SUBJECT")
      for target in "${order[@]}"; do
        port=$PORT_BASE
        [[ $target == baseline ]] && port=$BASELINE_PORT
        run_load "$S_CAT" "$name" "$target" "http://127.0.0.1:$port$path" "$c" "run $rep/$REPS"
      done
    done
  done
  stop "$base_pid"
done
rss=$(rss_mib "$SUBJECT_PID")
record_metric "$S_START" "RSS of $SUBJECT after the catalogue load" MiB "$rss"
stop "$SUBJECT_PID"

# ---- c. search on a large synthetic catalogue -----------------------------------------------
if [[ $SKIP_SYNTHETIC == 0 ]]; then
  S_SYN="Search on $SYNTHETIC synthetic products ($SUBJECT alone)"
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
  start_subject "$DATA2" "$SYN_PORT_BASE"
  ms=$(wait_subject "$SYN_PORT_BASE" "$t0" "$SEED_TIMEOUT")
  record_metric "$S_SYN" "first start on the seeded data dir" ms "$ms"
  sleep 3
  rss=$(rss_mib "$SUBJECT_PID")
  record_metric "$S_SYN" "idle RSS of $SUBJECT after 3 s" MiB "$rss"
  for q in wireless premum lam; do
    path="/api/products/search?q=$q"
    if ! err=$("$BENCH" fetch --url "http://127.0.0.1:$SYN_PORT_BASE$path" --out "$WORK/syn-$q.json" 2>&1); then
      note "skipped search q=$q on the synthetic catalogue: ${err#vici-bench: }"
      continue
    fi
    for c in $CONNECTIONS; do
      for ((rep = 1; rep <= REPS; rep++)); do
        run_load "$S_SYN" "search q=$q" "$SUBJECT" "http://127.0.0.1:$SYN_PORT_BASE$path" "$c" "run $rep/$REPS"
      done
    done
  done
  stop "$SUBJECT_PID"
fi

# ---- d. report ------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "none (no commits yet)")
dirty=$(git status --porcelain 2>/dev/null | wc -l)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
title="Benchmark run $STARTED_AT"
[[ $SELF_TEST == 1 ]] && title="$title (self-test: baseline vs baseline, no vici)"
{
  echo "## $title"
  echo
  echo "Setup: $cpu, $(nproc) cores (load generator and servers share them), $mem RAM, Linux $(uname -r);"
  echo "$(rustc --version); commit $commit ($dirty uncommitted changes); release profile;"
  if [[ $SELF_TEST == 1 ]]; then
    echo "subject = a second \`vici-bench baseline\` serving a 4.5 KB JSON body for every path;"
  else
    echo "vici with VICI_LOG=warn VICI_RATE_LIMITS=off VICI_GATEWAY_CACHE_TTL_MS=${VICI_GATEWAY_CACHE_TTL_MS:-default (1000)}, other settings default;"
  fi
  echo "closed-loop HTTP/1.1 keep-alive load over 127.0.0.1, ${DURATION} s measured after ${WARMUP} s warm-up,"
  echo "$REPS runs per cell (subject and baseline alternating); load average at start: $LOADAVG."
  [[ -n $LOAD_CPUS$SERVER_CPUS ]] && echo "CPU pinning: load generator ${LOAD_CPUS:-any}, servers ${SERVER_CPUS:-any}."
  echo "Generated by bench/run.sh $*."
  echo
  if ((${#NOTES[@]})); then
    for n in "${NOTES[@]}"; do echo "- **${n//|/\\|}**"; done
    echo
  fi
  "$BENCH" report --results "$RESULTS"
} >"$WORK/report.md"
stamp=$(date +%Y-%m-%d)
prefix=results
[[ $SELF_TEST == 1 ]] && prefix=results-selftest
out=bench/$prefix-$stamp.md
[[ -e $out ]] && out=bench/$prefix-$stamp-$(date +%H%M%S).md
cp "$WORK/report.md" "$out"
cat "$WORK/report.md"
log "written to $out; copy it into bench/RESULTS.md"
