#!/usr/bin/env bash
# vici cart and reservation benchmarks, on `vici up` with SQLite (embedded) and with PostgreSQL:
# add-to-cart throughput of many users against an in-memory baseline and against reading the
# cart, and concurrent reservations of one hot item over gRPC (never oversold) against a stock
# read. Prints a Markdown section to stdout and to bench/results-cart-<date>.md; copy it into
# bench/RESULTS.md. See bench/README.md.
#
#   bench/cart.sh                     about 12 minutes with the defaults (plus the build)
#   bench/cart.sh --skip-build        use the release binaries already in target/
#   DATABASES=sqlite bench/cart.sh    without PostgreSQL
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=5 CONNECTIONS="1 64" USERS=64
# RESERVE_CONCURRENCY="1 64" RESERVE_STOCK=5000 RESERVE_REQUESTS=6000 DATABASES="sqlite postgres"
# PG_URL=postgres://root@127.0.0.1:5432 PORT_BASE=4300 BASELINE_PORT=4902 READY_TIMEOUT=120
# BUILD_TIMEOUT=3600 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" cart.sh vici-bench-cart
. "$(dirname "${BASH_SOURCE[0]}")/shop.sh"

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-5}
CONNECTIONS=${CONNECTIONS:-"1 64"}
USERS=${USERS:-64}
RESERVE_CONCURRENCY=${RESERVE_CONCURRENCY:-"1 64"}
RESERVE_STOCK=${RESERVE_STOCK:-5000}
RESERVE_REQUESTS=${RESERVE_REQUESTS:-6000}
DATABASES=${DATABASES:-"sqlite postgres"}
PG_URL=${PG_URL:-postgres://root@127.0.0.1:5432}
PORT_BASE=${PORT_BASE:-4300}
BASELINE_PORT=${BASELINE_PORT:-4902}
READY_TIMEOUT=${READY_TIMEOUT:-120}

parse_args 15 "$@"

# A cart line holds at most 99 of a product and a cart at most 50 lines (services/cart).
MAX_QUANTITY=99 MAX_LINES=50
for c in $CONNECTIONS; do
  # Each connection must own its users alone (see the load's --spread-headers), or two
  # connections would queue on one cart.
  ((USERS % c == 0)) || die "CONNECTIONS: $c does not divide USERS=$USERS"
done
for db in $DATABASES; do
  case $db in
    sqlite) ;;
    postgres) command -v psql >/dev/null || die "psql is needed for DATABASES=postgres" ;;
    *) die "DATABASES: unknown database $db (sqlite, postgres)" ;;
  esac
done
command -v jq >/dev/null || die "jq is needed (reading tokens and the product list)"
build_release vici vici-bench

API=http://127.0.0.1:$PORT_BASE/api
INVENTORY=http://127.0.0.1:$((PORT_BASE + 4))
BODIES=$WORK/bodies.txt
LOAD_VARIANTS=(--header-file "$HEADERS" --spread-headers)

# ---- helpers --------------------------------------------------------------------------------
reset_carts() { # DELETE /api/cart for every user, in one curl process; all must answer 200
  local args=() line codes
  while IFS= read -r line; do
    args+=(--next -sS --max-time 30 -o /dev/null -w '%{http_code}\n' -X DELETE -H "$line" "$API/cart")
  done <"$HEADERS"
  codes=$(curl "${args[@]:1}") || die "emptying the carts failed"
  [[ -z $(grep -v '^200$' <<<"$codes" || true) ]] || die "DELETE /api/cart answered $(sort <<<"$codes" | uniq -c | xargs)"
}
check_capacity() { # connections: warns when the last add run came near what the carts hold
  local sent
  sent=$(awk -v r="$(json_num requests "$LAST_RESULT")" -v e="$(json_num errors "$LAST_RESULT")" \
    -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%.0f", (r + e) * (d + w) / d }')
  ((sent * 2 < CAPACITY)) ||
    note "add to cart at $1 connections: about $sent adds per run against room for $CAPACITY; raise USERS"
}
# ---- a. add to cart ---------------------------------------------------------------------------
cart_part() { # label
  local label=$1 c rep target order products body ctype line
  local s_base="Add to cart, $label: POST /api/cart/items vs in-memory baseline"
  local s_read="Add to cart, $label: add vs reading the cart (GET /api/cart)"
  products=$(simple_products)
  RESERVE_PRODUCT=$(tail -n1 <<<"$products")
  products=$(head -n -1 <<<"$products" | head -n "$MAX_LINES")
  [[ -n $products ]] || die "fewer than two active products without variants"
  NPRODUCTS=$(wc -l <<<"$products")
  CAPACITY=$((USERS * NPRODUCTS * MAX_QUANTITY))
  register_users "$USERS"
  fresh_tokens
  : >"$BODIES"
  for id in $products; do
    set_stock "$id" 1000000
    printf '{"productId":"%s","quantity":1}\n' "$id" >>"$BODIES"
  done
  # The baseline's bytes: the answer to an add that fills the first user's cart with every product.
  line=$(head -n1 "$HEADERS")
  while IFS= read -r body; do
    echo "$body" >"$WORK/add.json"
    ctype=$(fetch_ctype "$WORK/add-answer.json" "$API/cart/items" --method POST --header "$line" \
      --body-file "$WORK/add.json") || die "add to cart: $ctype"
  done <"$BODIES"
  reset_carts
  start_baseline "$BASELINE_PORT" "$WORK/add-answer.json" "$ctype" /api/cart/items --any-method --status 201
  log "add to cart ($label): $USERS users × $NPRODUCTS products, room for $CAPACITY adds per run;" \
    "baseline answers $(wc -c <"$WORK/add-answer.json") bytes"
  for c in $CONNECTIONS; do
    fresh_tokens
    for ((rep = 1; rep <= REPS; rep++)); do
      kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
      reset_carts
      # Adds first, on empty carts; then the read (of the carts the adds left) and the baseline,
      # alternating, so that every pair of runs compared is adjacent in time.
      run_load "$s_base" "add to cart" vici false "$API/cart/items" "$c" "run $rep/$REPS" \
        --method POST --body-lines "$BODIES" "${LOAD_VARIANTS[@]}"
      record_load "$s_read" "add to cart" "POST /api/cart/items" false "$LAST_RESULT"
      check_capacity "$c"
      order=(read baseline)
      ((rep % 2 == 0)) && order=(baseline read)
      for target in "${order[@]}"; do
        if [[ $target == read ]]; then
          run_load "$s_read" "add to cart" "GET /api/cart" true "$API/cart" "$c" "run $rep/$REPS" "${LOAD_VARIANTS[@]}"
        else
          run_load "$s_base" "add to cart" baseline false "http://127.0.0.1:$BASELINE_PORT/api/cart/items" "$c" \
            "run $rep/$REPS" --method POST --body-lines "$BODIES" "${LOAD_VARIANTS[@]}"
        fi
      done
    done
  done
  stop "$BASE_PID"
}

# ---- b. reservations of one hot item ----------------------------------------------------------
RESERVE_FAILED=0
run_reserve() { # section target reference(true|false) concurrency label [reserve args…]
  local section=$1 target=$2 reference=$3 c=$4 label=$5 out
  shift 5
  # Exits non-zero when oversold, with the report still on stdout.
  out=$("${LOAD_PREFIX[@]}" "$BENCH" reserve --url "$INVENTORY" --product "$RESERVE_PRODUCT" --concurrency "$c" \
    --requests "$RESERVE_REQUESTS" --json "$@") || [[ $out == *'"oversold":true'* ]] ||
    die "reserve against $INVENTORY failed"
  record_load "$section" "one item, $RESERVE_REQUESTS calls" "$target" "$reference" "$out"
  LAST_RESULT=$out
  log "  $target | c=$c | $label: $(json_num requests_per_sec "$out" | cut -d. -f1)/s," \
    "ok $(json_num requests "$out"), out of stock $(json_num out_of_stock "$out"), errors $(json_num errors "$out")," \
    "p99 $(json_num p99 "$out") ms"
}
reserve_part() { # label
  local label=$1 c rep target order oversold
  local section="Reservations, $label: Reserve on one item vs GetStockLevels (gRPC)"
  local checks="Reservations, $label: stock checks"
  admin_token
  log "reservations ($label): $RESERVE_REQUESTS calls on $RESERVE_PRODUCT, stock set to $RESERVE_STOCK before each"
  # Unrecorded: the first calls open the channel and warm the database's cache.
  "$BENCH" reserve --url "$INVENTORY" --product "$RESERVE_PRODUCT" --concurrency 8 --requests 1000 --baseline \
    >/dev/null || die "GetStockLevels against $INVENTORY failed"
  for c in $RESERVE_CONCURRENCY; do
    for ((rep = 1; rep <= REPS; rep++)); do
      kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
      order=(Reserve GetStockLevels)
      ((rep % 2 == 0)) && order=(GetStockLevels Reserve)
      for target in "${order[@]}"; do
        if [[ $target == GetStockLevels ]]; then
          run_reserve "$section" GetStockLevels true "$c" "run $rep/$REPS" --baseline
          continue
        fi
        set_stock "$RESERVE_PRODUCT" "$RESERVE_STOCK"
        run_reserve "$section" Reserve false "$c" "run $rep/$REPS"
        oversold=0
        if [[ $LAST_RESULT == *'"oversold":true'* ]]; then
          oversold=1 RESERVE_FAILED=1
          note "OVERSOLD at $c concurrent calls ($label), run $rep: $(sed -nE 's/.*"violations":\[([^]]*)\].*/\1/p' <<<"$LAST_RESULT")"
        fi
        record_metric "$checks" "oversold (1) or not (0), concurrency $c" flag "$oversold"
        record_metric "$checks" "successful reservations, concurrency $c" calls "$(json_num requests "$LAST_RESULT")"
        record_metric "$checks" "out-of-stock answers, concurrency $c" calls "$(json_num out_of_stock "$LAST_RESULT")"
      done
    done
  done
}

# ---- run on each database ---------------------------------------------------------------------
ports_free "$PORT_BASE" $((PORT_BASE + 10))
port_busy "$BASELINE_PORT" && die "port $BASELINE_PORT is already in use"
cells=$(($(wc -w <<<"$CONNECTIONS") * 3 * $(wc -w <<<"$DATABASES")))
log "work dir $WORK; the cart loads take about" \
  "$(awk -v n="$cells" -v r="$REPS" -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%.0f", n * r * (d + w) / 60 + 0.5 }')" \
  "min, plus the reservations and $USERS registrations per database"
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
ON_DATABASES=()
for db in $DATABASES; do
  label=SQLite envs=()
  if [[ $db == postgres ]]; then
    label=PostgreSQL
    # Lower case: PostgreSQL folds unquoted names, and vici creates these from the URL.
    PG_PREFIX=vici_bench_cart_$$_$(date +%s)
    version=$(psql "$PG_URL/postgres" -Atc 'SHOW server_version') || die "PostgreSQL at $PG_URL is not reachable"
    CLEANUP_HOOKS+=("drop_databases $PG_PREFIX")
    envs=("VICI_DATABASE_URL=$PG_URL/${PG_PREFIX}_{service}")
    ON_DATABASES+=("PostgreSQL ${version%% *} on 127.0.0.1 (a database per service)")
  else
    ON_DATABASES+=("SQLite (a file per service)")
  fi
  mkdir -p "$WORK/data-$db"
  start_vici "$WORK/data-$db" "$PORT_BASE" "${envs[@]}"
  wait_vici "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" /api/products >/dev/null
  log "vici up on $label"
  cart_part "$label"
  reserve_part "$label"
  stop "$VICI_PID"
  [[ $db == postgres ]] && drop_databases "$PG_PREFIX"
done

# ---- report -----------------------------------------------------------------------------------
{
  echo "## Cart and reservation benchmark run $STARTED_AT"
  echo
  setup_line
  echo "\`vici up\` (in-process cache and event bus), once on each of: $(printf '%s, ' "${ON_DATABASES[@]}" | sed 's/, $//');"
  echo "VICI_LOG=warn VICI_RATE_LIMITS=off, other settings default;"
  echo "add to cart: $USERS registered users × $NPRODUCTS products (stock set to 1 000 000), quantity 1 per add;"
  echo "connection i of C uses the users i, i + C, … in turn (none shared) and steps through the products,"
  echo "so a run has room for $USERS × $NPRODUCTS × $MAX_QUANTITY adds before any line reaches $MAX_QUANTITY; the carts are"
  echo "emptied before each add run, and GET /api/cart reads the carts it left ($NPRODUCTS lines each);"
  echo "the baseline answers 201 with the bytes of an add's answer ($(wc -c <"$WORK/add-answer.json") bytes);"
  echo "closed-loop HTTP/1.1 keep-alive load over 127.0.0.1, ${DURATION} s measured after ${WARMUP} s warm-up;"
  echo "reservations: $RESERVE_REQUESTS Reserve calls (quantity 1, a new order id each) on one item whose available"
  echo "stock is set to $RESERVE_STOCK before each run, over one gRPC channel; Reserve req/s counts successes over the"
  echo "whole run (the out-of-stock answers included), GetStockLevels the same number of reads of that item;"
  echo "$REPS runs per cell (compared targets alternating); load average at start: $LOADAVG."
  pinning_line
  echo "Generated by bench/cart.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-cart
((RESERVE_FAILED == 0)) || die "reservations were oversold (see the report)"
