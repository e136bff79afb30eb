#!/usr/bin/env bash
# vici analytics benchmark (issue 17): the admin dashboard and analytics answered from the event
# service's projection over a synthetic year of a busy shop, on `vici up` (release) with SQLite
# and with PostgreSQL. The history (`vici seed --history-orders`) goes through the projection
# the live consumer uses; its generation time is recorded too. Then closed-loop loads on the
# dashboard and on analytics of 30 days (by day), 90 days (by week) and a year (by month), each
# with the previous period beside it. Prints a Markdown section to stdout and to
# bench/analytics-<date>.md; copy it into bench/RESULTS.md.
#
#   bench/analytics.sh                  the full size: 1 000 000 orders, 10 000 000 events
#   bench/analytics.sh --skip-build     use the release binaries already in target/
#
# Tunables (environment): ORDERS=1000000 EVENTS=10000000 DAYS=365 ENGINES="sqlite postgres"
# CONNECTIONS="1 8" DURATION=20 WARMUP=3 PG_URL=postgres://root@127.0.0.1:5432 PORT_BASE=4400
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" analytics.sh vici-bench-analytics
. "$(dirname "${BASH_SOURCE[0]}")/shop.sh"

ORDERS=${ORDERS:-1000000}
EVENTS=${EVENTS:-$((ORDERS * 10))}
DAYS=${DAYS:-365}
ENGINES=${ENGINES:-"sqlite postgres"}
CONNECTIONS=${CONNECTIONS:-"1 8"}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
PG_URL=${PG_URL:-postgres://root@127.0.0.1:5432}
PORT_BASE=${PORT_BASE:-4400}
API=http://127.0.0.1:$PORT_BASE/api

parse_args 16 "$@"
build_release vici vici-bench
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
TODAY=$(date -u +%Y-%m-%d)
QUESTIONS=(
  "dashboard|/admin/dashboard"
  "30 days by day|/admin/analytics"
  "90 days by week|/admin/analytics?from=$(date -u -d '89 days ago' +%Y-%m-%d)&to=$TODAY&interval=week"
  "a year by month|/admin/analytics?from=$(date -u -d '364 days ago' +%Y-%m-%d)&to=$TODAY&interval=month"
)

for engine in $ENGINES; do
  label=SQLite envs=()
  if [[ $engine == postgres ]]; then
    label=PostgreSQL
    PG_PREFIX=vici_bench_analytics_$$_$(date +%s)
    psql "$PG_URL/postgres" -Atc 'SELECT 1' >/dev/null || die "PostgreSQL at $PG_URL is not reachable"
    CLEANUP_HOOKS+=("drop_databases $PG_PREFIX")
    envs=("VICI_DATABASE_URL=$PG_URL/${PG_PREFIX}_{service}")
  fi
  data=$WORK/data-$engine
  mkdir -p "$data"
  section="Analytics on $label: $ORDERS orders and $EVENTS behaviour events over $DAYS days"
  log "$section: generating the history"
  started=$(now_ns)
  env VICI_LOG=warn "${envs[@]}" "$VICI" seed --data-dir "$data" --history-orders "$ORDERS" \
    --history-events "$EVENTS" --history-days "$DAYS" >>"$WORK/seed-$engine.log" 2>&1 ||
    die "the history could not be generated (see $WORK/seed-$engine.log)"
  seconds=$(awk -v a="$started" -v b="$(now_ns)" 'BEGIN { printf "%.0f", (b - a) / 1e9 }')
  record_metric "$section" "history generated through the projection" s "$seconds"
  if [[ $engine == sqlite ]]; then
    record_metric "$section" "event service database" MiB "$(du -sm "$data/event.db" | cut -f1)"
  else
    size=$(psql "$PG_URL/${PG_PREFIX}_event" -Atc "SELECT pg_database_size(current_database()) / 1048576")
    record_metric "$section" "event service database" MiB "$size"
  fi
  log "history in ${seconds} s; starting vici up"
  start_vici "$data" "$PORT_BASE" "${envs[@]}"
  wait_vici "$PORT_BASE" "$(now_ns)" 300 /api/products >/dev/null
  admin_token
  for question in "${QUESTIONS[@]}"; do
    name=${question%%|*} path=${question#*|}
    status=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' "${ADMIN_AUTH[@]}" "$API$path")
    [[ $status == 200 ]] || die "$path answered $status: $(head -c 300 "$WORK/answer.json")"
    for c in $CONNECTIONS; do
      run_load "$section" "$name" vici false "$API$path" "$c" "$label" --header "${ADMIN_AUTH[1]}"
    done
  done
  jq -c '.data | {totalRevenue, totalOrders, totalCustomers, conversionRate, returningCustomerRate}' \
    <"$WORK/answer.json" >"$WORK/year-$engine.json"
  stop "$VICI_PID"
  [[ $engine == postgres ]] && drop_databases "$PG_PREFIX"
done

{
  echo "## Analytics benchmark run $STARTED_AT"
  echo
  setup_line
  pinning_line
  echo "\`vici up\` (rate limits off) on each engine after \`vici seed --history-orders $ORDERS"
  echo "--history-events $EVENTS --history-days $DAYS\` (one generator, one transaction per 5 000"
  echo "events, through the live projection's code). Closed-loop loads of ${DURATION} s after ${WARMUP} s"
  echo "of warm-up, as the demo admin (token checked on every request, nothing cached): the dashboard,"
  echo "and analytics with the previous period of the same length. Load average at start: $LOADAVG."
  for engine in $ENGINES; do
    echo "The year's answer on $engine: \`$(cat "$WORK/year-$engine.json")\`."
  done
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report analytics
