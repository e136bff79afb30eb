#!/usr/bin/env bash
# vici behaviour-event benchmarks (issue 14), on `vici up` with SQLite, its bus in memory
# (embedded) and on Kafka: ingest of single events (POST /api/events) and of batches of 100
# (POST /api/events/batch) against an in-memory baseline answering the same bytes, how long the
# broker then takes to have them all, what recording costs the product page it rides on (the
# page with the gateway's recording on and off), and what a minute's broker outage under a
# steady load loses (vici-outage: every accepted event counted on Kafka). Prints a Markdown
# section to stdout and to bench/results-events-<date>.md; copy it into bench/RESULTS.md.
# See bench/README.md.
#
#   bench/events.sh                   about 11 minutes with the defaults (plus the build)
#   bench/events.sh --skip-build      use the release binaries already in target/
#   BUSES=memory bench/events.sh      without Kafka
#   PARTS=outage bench/events.sh      only the outage (ingest, page, outage: any of them)
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=3 CONNECTIONS=64 BATCH=100 SESSIONS=100000
# BUSES="memory kafka" KAFKA_PORT=4920 PORT_BASE=4500 BASELINE_PORT=4905 READY_TIMEOUT=120
# DRAIN_TIMEOUT=600 BUILD_TIMEOUT=3600 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists)
# PARTS="ingest page outage" OUTAGE_EVENTS_PER_SECOND=5000 OUTAGE_FREEZE=60 (seconds)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" events.sh vici-bench-events
export PATH="$HOME/.cargo/bin:$PATH"

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-64}
BATCH=${BATCH:-100}
SESSIONS=${SESSIONS:-100000}
BUSES=${BUSES:-"memory kafka"}
KAFKA_PORT=${KAFKA_PORT:-4920}
KAFKA=127.0.0.1:$KAFKA_PORT
PORT_BASE=${PORT_BASE:-4500}
BASELINE_PORT=${BASELINE_PORT:-4905}
READY_TIMEOUT=${READY_TIMEOUT:-120}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-600}
PARTS=${PARTS:-"ingest page outage"}
OUTAGE_EVENTS_PER_SECOND=${OUTAGE_EVENTS_PER_SECOND:-5000}
OUTAGE_FREEZE=${OUTAGE_FREEZE:-60}

parse_args 19 "$@"
for bus in $BUSES; do
  case $bus in
    memory) ;;
    kafka) command -v tansu >/dev/null || die "tansu is needed for BUSES=kafka (scripts/engines.sh installs it)" ;;
    *) die "BUSES: unknown bus $bus (memory, kafka)" ;;
  esac
done
command -v jq >/dev/null || die "jq is needed (reading the product's id)"
build_release vici vici-bench

API=http://127.0.0.1:$PORT_BASE/api
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

# One session per header line, spread over the connections, so events spread over keys and a
# product page is a session's first view (recorded; a repeat within half an hour is not) until
# the lines run out; the report counts the views recorded.
HEADERS=$WORK/sessions.txt
for ((i = 0; i < SESSIONS; i++)); do echo "X-Session-Id: bench-$i"; done >"$HEADERS"
SPREAD=(--header-file "$HEADERS" --spread-headers)
echo '{"type":"behaviour.product_click","productId":"p-1","source":"search","position":3}' >"$WORK/one.json"
{
  printf '{"events":['
  for ((i = 0; i < BATCH; i++)); do
    ((i > 0)) && printf ','
    printf '{"type":"behaviour.product_click","productId":"p-%d","source":"search","position":%d}' "$i" "$i"
  done
  printf ']}'
} >"$WORK/batch.json"

metric() { # port name → the value of the Prometheus sample `name` (0 when absent)
  curl -sS --max-time 10 "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}
accepted_events() { # port → events the event service accepted so far, of every type
  curl -sS --max-time 10 "http://127.0.0.1:$1/metrics" |
    awk '/^vici_events_total\{/ && /outcome="accepted"/ { s += $2 } END { printf "%.0f", s }'
}
drained() { # section label started-ns accepted-before: waits for an empty spool; records events/s
  local section=$1 label=$2 since=$3 before=$4 waited=0 now events secs
  while [[ $(metric $((PORT_BASE + 9)) vici_events_spool_bytes) != 0 ]]; do
    sleep 0.2
    waited=$((waited + 1))
    ((waited < DRAIN_TIMEOUT * 5)) || die "$label: the spool did not empty within $DRAIN_TIMEOUT s"
  done
  now=$(now_ns)
  events=$(($(accepted_events $((PORT_BASE + 9))) - before))
  secs=$(awk -v a="$since" -v b="$now" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  record_metric "$section" "$label: events accepted" "count" "$events"
  record_metric "$section" "$label: accepted until all published (incl. warm-up)" "s" "$secs"
  record_metric "$section" "$label: published to the bus" "events/s" "$(awk -v e="$events" -v s="$secs" 'BEGIN { printf "%.0f", e / s }')"
}

# A broker of the run's own (tansu, in memory): the run leaves about a million events behind,
# which would slow every later reader of a shared broker's topics from their start.
start_broker() {
  port_busy "$KAFKA_PORT" && die "port $KAFKA_PORT is already in use"
  tansu broker --listener-url "tcp://$KAFKA" --advertised-listener-url "tcp://$KAFKA" \
    --storage-engine memory://tansu/ >>"$WORK/tansu.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 300); do port_busy "$KAFKA_PORT" && return 0; sleep 0.1; done
  die "tansu did not listen on $KAFKA"
}

# ---- a. ingest ------------------------------------------------------------------------------
ingest_part() { # bus
  local bus=$1 settings=() rep order target since before
  local s_one="Ingest, single events ($bus bus): POST /api/events vs in-memory baseline"
  local s_batch="Ingest, batches of $BATCH ($bus bus): POST /api/events/batch vs in-memory baseline"
  if [[ $bus == kafka ]]; then
    start_broker
    settings=(VICI_BUS_URL="kafka://$KAFKA")
  fi
  mkdir -p "$WORK/data-$bus"
  start_vici "$WORK/data-$bus" "$PORT_BASE" VICI_EVENT_SESSION_EVENTS_PER_SECOND=100000 \
    VICI_EVENT_SESSION_BURST=100000 "${settings[@]}"
  wait_vici "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" /api/events/schema >/dev/null
  for kind in one batch; do
    local body=$WORK/$kind.json path=/events section=$s_one ctype
    [[ $kind == batch ]] && path=/events/batch section=$s_batch
    ctype=$(fetch_ctype "$WORK/$kind-answer.json" "$API$path" --method POST --body-file "$body" \
      --header "X-Session-Id: bench-probe") || die "$path: $ctype"
    start_baseline "$BASELINE_PORT" "$WORK/$kind-answer.json" "$ctype" "$path" --any-method --status 202
    for ((rep = 1; rep <= REPS; rep++)); do
      kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
      order=(vici baseline)
      ((rep % 2 == 0)) && order=(baseline vici)
      for target in "${order[@]}"; do
        if [[ $target == vici ]]; then
          before=$(accepted_events $((PORT_BASE + 9)))
          since=$(now_ns)
          run_load "$section" "$kind" vici false "$API$path" "$CONNECTIONS" "run $rep/$REPS" \
            --method POST --body-file "$body" "${SPREAD[@]}"
          drained "$section" "run $rep/$REPS" "$since" "$before"
        else
          run_load "$section" "$kind" baseline true "http://127.0.0.1:$BASELINE_PORT$path" "$CONNECTIONS" \
            "run $rep/$REPS" --method POST --body-file "$body" "${SPREAD[@]}"
        fi
      done
    done
    stop "$BASE_PID"
  done
  record_metric "$s_one" "events dropped (spool full)" "count" \
    "$(metric $((PORT_BASE + 9)) 'vici_events_dropped_total{reason="spool_full"}')"
  stop "$VICI_PID"
}

# ---- b. the page's cost ---------------------------------------------------------------------
page_part() {
  local section="Product page with the gateway recording its view vs without (memory bus)"
  local rep recording product
  for recording in true false; do
    mkdir -p "$WORK/data-page-$recording"
    start_vici "$WORK/data-page-$recording" "$PORT_BASE" VICI_GATEWAY_RECORD_BEHAVIOUR=$recording \
      VICI_EVENT_SESSION_EVENTS_PER_SECOND=100000 VICI_EVENT_SESSION_BURST=100000
    wait_vici "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" /api/products/slug/logitech-mx-master-3s >/dev/null
    product=$(curl -sS "$API/products/slug/logitech-mx-master-3s" | jq -r .data.id)
    for ((rep = 1; rep <= REPS; rep++)); do
      kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
      local target=recording reference=false
      [[ $recording == false ]] && target="not recording" reference=true
      run_load "$section" "GET /api/products/{id}" "$target" "$reference" "$API/products/$product" \
        "$CONNECTIONS" "run $rep/$REPS" "${SPREAD[@]}"
    done
    if [[ $recording == true ]]; then
      record_metric "$section" "product views recorded" "count" \
        "$(metric $((PORT_BASE + 9)) 'vici_events_total{outcome="accepted",type="behaviour.product_view"}')"
      record_metric "$section" "served events dropped (gateway queue full)" "count" \
        "$(metric "$PORT_BASE" 'vici_gateway_events_dropped_total{reason="queue_full"}')"
    fi
    stop "$VICI_PID"
  done
}

# ---- c. a broker outage under load ----------------------------------------------------------
outage_part() {
  local section="A ${OUTAGE_FREEZE} s broker outage at $OUTAGE_EVENTS_PER_SECOND events/s (Kafka bus, batches of $BATCH)"
  command -v tansu >/dev/null || die "tansu is needed for the outage (scripts/engines.sh installs it)"
  log "outage: $OUTAGE_EVENTS_PER_SECOND events/s, broker frozen for $OUTAGE_FREEZE s"
  VICI_BIN=$VICI VICI_SYSTEM_LOG_DIR=$WORK "${LOAD_PREFIX[@]}" "$TARGET_DIR/release/vici-outage" \
    --events-per-second "$OUTAGE_EVENTS_PER_SECOND" --batch "$BATCH" --freeze-secs "$OUTAGE_FREEZE" \
    --section "$section" >>"$RESULTS" || die "vici-outage failed (logs in $WORK)"
}

for part in $PARTS; do
  case $part in
    ingest) for bus in $BUSES; do ingest_part "$bus"; done ;;
    page) page_part ;;
    outage) outage_part ;;
    *) die "PARTS: unknown part $part (ingest, page, outage)" ;;
  esac
done

# ---- report ---------------------------------------------------------------------------------
{
  echo "## Behaviour events benchmark run $STARTED_AT"
  echo
  setup_line
  echo "\`vici up\` with SQLite (the outbox is the spool) and its bus in memory or on Kafka (its own tansu 0.6),"
  echo "VICI_LOG=warn VICI_RATE_LIMITS=off, session budgets raised out of the way; $CONNECTIONS connections,"
  echo "$SESSIONS sessions spread over them (X-Session-Id); batches of $BATCH events; ${DURATION} s measured"
  echo "after ${WARMUP} s warm-up, $REPS runs per cell; load average at start: $LOADAVG. Events/s of a"
  echo "batch run = req/s × $BATCH. \"Published\" counts from the load's start until the spool is empty."
  echo "The page cell: the micro-cache on (its default); its views recorded are counted below."
  echo "The outage: vici-outage boots \`vici up\` on a tansu of its own, offers batches at a steady rate"
  echo "(each in its own request, so a slow answer delays none after it) and a product page ten times a"
  echo "second, freezes the broker (SIGSTOP) after 15 s for ${OUTAGE_FREEZE} s, offers 15 s more, then reads"
  echo "user-events from its start with a new consumer group and counts every accepted event's id."
  pinning_line
  echo "Generated by bench/events.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-events
