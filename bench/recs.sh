#!/usr/bin/env bash
# vici recommendation speed benchmarks (issue 15), on `vici up` with SQLite and its bus in
# memory, the recommendation store in process and on Redis: the pipeline's lag (event time to
# lists written, from its rec_pipeline_lag_seconds histogram) under a steady load of product
# views, and GET /api/products/recommended at 64 connections, each a session with history,
# next to GET /api/health on the same gateway (vici-recs-speed). Prints a Markdown section to
# stdout and to bench/results-recs-<date>.md; copy it into bench/RESULTS.md. See bench/README.md.
#
#   bench/recs.sh                     about 3 minutes with the defaults (plus the build)
#   bench/recs.sh --skip-build        use the release binaries already in target/
#   STORES=memory bench/recs.sh       without Redis
#
# Tunables (environment): EVENTS_PER_SECOND=1000 EVENTS_SECS=30 SESSIONS=2000 CONNECTIONS=64
# DURATION=10 SHELF_RATE=1000 STORES="memory redis" REDIS_URL=redis://127.0.0.1:6379/9 (emptied first)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" recs.sh vici-bench-recs
export PATH="$HOME/.cargo/bin:$PATH"

EVENTS_PER_SECOND=${EVENTS_PER_SECOND:-1000}
EVENTS_SECS=${EVENTS_SECS:-30}
SESSIONS=${SESSIONS:-2000}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10}
SHELF_RATE=${SHELF_RATE:-1000}
STORES=${STORES:-"memory redis"}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/9}

parse_args 14 "$@"
build_release vici vici-bench
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

full_key_memory() {
  # The keys at the format's caps, as the pipeline writes them (UUID members, list scores as
  # fractions, history times in unix ms), measured by Redis and summed per shopper and per product: a run
  # of a few minutes fills no list to its cap.
  local section="Recommendation store memory on Redis at the format's caps" r=(redis-cli -u "$REDIS_URL")
  probe() { # key kind(scores|times|list) members → bytes
    local key=$1 kind=$2 n=$3 args=() i
    for ((i = 0; i < n; i++)); do
      case $kind in
        scores) args+=("$(awk -v i="$i" 'BEGIN { printf "%.17g", 1 / (i + 3) }')") ;;
        times) args+=("$((1765000000000 + i * 60000))") ;;
      esac
      args+=("$(cat /proc/sys/kernel/random/uuid)")
    done
    if [[ $kind == list ]]; then "${r[@]}" RPUSH "$key" "${args[@]}" >/dev/null
    else "${r[@]}" ZADD "$key" "${args[@]}" >/dev/null; fi
    "${r[@]}" MEMORY USAGE "$key"
    "${r[@]}" DEL "$key" >/dev/null
  }
  local g=rec:g:probe-0000 u=00000000-0000-4000-8000-000000000000
  local list history viewed
  list=$(probe "$g:user:$u:personalized" scores 100)
  history=$(probe "rec:live:user:$u:history" times 50)
  viewed=$(probe "rec:live:session:probe-session:viewed" list 20)
  record_metric "$section" "a relevance list of 100 (personalized, similar, bought together, buy again)" bytes "$list"
  record_metric "$section" "a history of 50 (user or session; bought likewise)" bytes "$history"
  record_metric "$section" "a session's recently viewed (20)" bytes "$viewed"
  record_metric "$section" "per signed-in user: personalized + buy again + history + bought" bytes $((2 * list + 2 * history))
  record_metric "$section" "per anonymous session: history + recently viewed" bytes $((history + viewed))
  record_metric "$section" "per product: similar + bought together" bytes $((2 * list))
  record_metric "$section" "100 000 signed-in users" MiB "$(awk -v b=$((2 * list + 2 * history)) 'BEGIN { printf "%.1f", b * 100000 / 1048576 }')"
}

for store in $STORES; do
  args=()
  case $store in
    memory) ;;
    redis)
      command -v redis-cli >/dev/null || die "redis-cli is needed to empty $REDIS_URL"
      redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null || die "cannot empty $REDIS_URL"
      args=(--cache-url "$REDIS_URL")
      ;;
    *) die "STORES: unknown store $store (memory, redis)" ;;
  esac
  section="Recommendations on the $store store: $EVENTS_PER_SECOND views/s, then GET /api/products/recommended"
  log "$section"
  VICI_BIN=$VICI VICI_SYSTEM_LOG_DIR=$WORK "${LOAD_PREFIX[@]}" "$TARGET_DIR/release/vici-recs-speed" \
    --events-per-second "$EVENTS_PER_SECOND" --events-secs "$EVENTS_SECS" --sessions "$SESSIONS" \
    --connections "$CONNECTIONS" --load-secs "$DURATION" --shelf-rate "$SHELF_RATE" --section "$section" "${args[@]}" >>"$RESULTS" ||
    die "vici-recs-speed failed (logs in $WORK)"
  if [[ $store == redis ]]; then
    # What the store costs per key type, as Redis counts it (MEMORY USAGE, the key's bytes
    # with its overhead), averaged over up to 50 keys of each type the run left.
    # The bench's shoppers are anonymous: sessions have histories, users none.
    for kind in "rec:g:*:product:*:similar" \
      "rec:live:session:*:history" "rec:live:session:*:viewed" "rec:g:*:trending"; do
      # `head` closes the pipe early: redis-cli's SIGPIPE is expected.
      keys=$(redis-cli -u "$REDIS_URL" --scan --pattern "$kind" | head -50 || true)
      [[ -n $keys ]] || { note "no key like $kind after the run"; continue; }
      bytes=$(for k in $keys; do redis-cli -u "$REDIS_URL" MEMORY USAGE "$k"; done |
        awk '{ s += $1; n++ } END { printf "%.0f", s / n }')
      members=$(for k in $keys; do
        if [[ $kind == *viewed ]]; then redis-cli -u "$REDIS_URL" LLEN "$k"; else redis-cli -u "$REDIS_URL" ZCARD "$k"; fi
      done | awk '{ s += $1; n++ } END { printf "%.1f", s / n }')
      record_metric "Recommendation store memory on Redis (after the run)" "$kind: bytes per key ($members members on average)" "bytes" "$bytes"
    done
    full_key_memory
  fi
done

{
  echo "## Recommendation speed benchmark run $STARTED_AT"
  echo
  setup_line
  echo "\`vici up\` with SQLite and its bus in memory, rate limits off; the recommendation store in"
  echo "process or on Redis ($REDIS_URL). $SESSIONS sessions view products of five taste clusters,"
  echo "$EVENTS_PER_SECOND events/s in batches of 50 for $EVENTS_SECS s; the lag is the bucket bound of"
  echo "rec_pipeline_lag_seconds holding the quantile (event time at the event service to lists written)."
  echo "Then $CONNECTIONS connections, each one of those sessions (X-Session-Id), ask for 10 recommended"
  echo "products for ${DURATION} s after 2 s warm-up: first at $SHELF_RATE shelves/s offered (open loop,"
  echo "latency counted from when each request was due), then as fast as answered (closed loop), and"
  echo "GET /api/health likewise as the floor of this gateway. Load average at start: $LOADAVG."
  pinning_line
  echo "Generated by bench/recs.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-recs
