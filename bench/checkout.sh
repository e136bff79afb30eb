#!/usr/bin/env bash
# vici checkout benchmark: completed checkouts per second and the latency of POST
# /api/checkout/confirm with 32 shoppers through the gateway, each putting one unit of its
# product in its cart and confirming (simulated card, payment latency 0), on distinct products
# and on one hot product, against an in-memory baseline answering the same requests; on `vici up`
# with its embedded engines (SQLite, in-process bus and cache) and on PostgreSQL + Redis + Kafka.
# After every run: the stock checks of `vici-bench checkout` (every unit that left stock is a
# confirmed checkout, none left reserved) and the payments against the orders in the databases
# (no order charged twice, no charge without a paid order); then one product of SELLOUT_STOCK
# units is sold out and must make exactly that many orders. Prints a Markdown section to stdout
# and to bench/results-checkout-<date>.md; copy it into bench/RESULTS.md. See bench/README.md.
#
#   bench/checkout.sh                     about 8 minutes with the defaults (plus the build)
#   bench/checkout.sh --skip-build        use the release binaries already in target/
#   STACKS=embedded bench/checkout.sh     without PostgreSQL, Redis and Kafka
#   PARTS=memory bench/checkout.sh        RSS after MEMORY_CHECKOUTS / 10 and MEMORY_CHECKOUTS
#                                         checkouts (closed loop in MEMORY_CHUNK s runs, checked)
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=3 SHOPPERS=32 SELLOUT_STOCK=1000 SYNTHETIC=64
# SCENARIOS="distinct hot" STACKS="embedded real" PARTS=throughput (and/or memory) MEMORY_CHECKOUTS=100000 MEMORY_CHUNK=20 PG_URL=postgres://root@127.0.0.1:5432 REDIS_URL=redis://127.0.0.1:6379
# KAFKA=127.0.0.1:9092 (default: a fresh tansu on KAFKA_PORT=9192) PORT_BASE=4400 BASELINE_PORT=4903 READY_TIMEOUT=120 BUILD_TIMEOUT=3600
# LOAD_CPUS= SERVER_CPUS= (taskset CPU lists)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" checkout.sh vici-bench-checkout
. "$(dirname "${BASH_SOURCE[0]}")/shop.sh"

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-3}
SHOPPERS=${SHOPPERS:-32}
SELLOUT_STOCK=${SELLOUT_STOCK:-1000}
SYNTHETIC=${SYNTHETIC:-64}
STACKS=${STACKS:-"embedded real"}
PG_URL=${PG_URL:-postgres://root@127.0.0.1:5432}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
# Unset: a fresh tansu on KAFKA_PORT for each run on the real stack (its in-memory store makes
# every fetch cost grow with all it holds, so a broker that served the tests for an hour makes a
# checkout look slower; see docs/performance.md). Set: that broker, as it is.
KAFKA=${KAFKA:-}
KAFKA_PORT=${KAFKA_PORT:-9192}
PORT_BASE=${PORT_BASE:-4400}
BASELINE_PORT=${BASELINE_PORT:-4903}
READY_TIMEOUT=${READY_TIMEOUT:-120}
# Stock of every product in the throughput runs: far more than a run can sell.
PLENTY=1000000
PARTS=${PARTS:-throughput}
MEMORY_CHECKOUTS=${MEMORY_CHECKOUTS:-100000}
MEMORY_CHUNK=${MEMORY_CHUNK:-20}
SCENARIOS=${SCENARIOS:-distinct hot}

parse_args 21 "$@"
for stack in $STACKS; do
  case $stack in
    embedded) command -v sqlite3 >/dev/null || die "sqlite3 is needed to read the payments and orders" ;;
    real)
      command -v psql >/dev/null || die "psql is needed for STACKS=real"
      if [[ -n $KAFKA ]]; then
        port_busy "${KAFKA##*:}" || die "no Kafka-protocol broker on $KAFKA"
      else
        TANSU=$(PATH="$HOME/.cargo/bin:$PATH" command -v tansu) ||
          die "tansu is needed for STACKS=real without KAFKA (scripts/engines.sh installs it)"
        port_busy "$KAFKA_PORT" && die "port $KAFKA_PORT (KAFKA_PORT) is already in use"
      fi
      port_busy "${REDIS_URL##*:}" || die "no Redis at $REDIS_URL"
      ;;
    *) die "STACKS: unknown stack $stack (embedded, real)" ;;
  esac
done
command -v jq >/dev/null || die "jq is needed (reading tokens and the product list)"
build_release vici vici-bench

API=http://127.0.0.1:$PORT_BASE/api
INVENTORY=http://127.0.0.1:$((PORT_BASE + 4))
DISTINCT=$WORK/distinct.txt HOT=$WORK/hot.txt
CHECKOUT=("$BENCH" checkout --header-file "$HEADERS" --json)
FAILED=0

# ---- a broker of its own ----------------------------------------------------------------------
fresh_broker() { # starts tansu on KAFKA_PORT with nothing stored; sets BROKER_PID
  "$TANSU" broker --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --storage-engine memory://tansu/ >"$WORK/tansu.log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  local tries=0
  until port_busy "$KAFKA_PORT"; do
    ((++tries < 300)) || die "tansu did not listen on $KAFKA_PORT (see $WORK/tansu.log)"
    kill -0 "$BROKER_PID" 2>/dev/null || die "tansu exited (see $WORK/tansu.log)"
    sleep 0.1
  done
}

# ---- checks against the databases ------------------------------------------------------------
sql() { # service query → the rows, `|`-separated, from that service's database in this stack
  if [[ $STACK == embedded ]]; then
    sqlite3 -readonly -cmd '.timeout 5000' "$DATA/$1.db" "$2"
  else
    psql "$PG_URL/${PG_PREFIX}_$1" -Atc "$2"
  fi
}
CAPTURED="status IN ('SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED')"
# Every checkout answered 201 so far in this stack; each must be exactly one paid order.
ANSWERED=0
charge_checks() { # section: records the double charges and the mismatches, fails the run on any
  local section=$1 charges orders double charged sum paid paid_sum
  charges=$(sql payment "SELECT (SELECT COUNT(*) FROM (SELECT order_id FROM payments WHERE $CAPTURED
    GROUP BY order_id HAVING COUNT(*) > 1) AS twice), COUNT(*), COALESCE(SUM(amount_cents), 0)
    FROM payments WHERE $CAPTURED") || die "reading the payments failed"
  orders=$(sql order "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM orders WHERE payment_status = 'PAID'") ||
    die "reading the orders failed"
  IFS='|' read -r double charged sum <<<"$charges"
  IFS='|' read -r paid paid_sum <<<"$orders"
  record_metric "$section" "orders charged more than once" orders "$double"
  record_metric "$section" "charges without a paid order" payments $((charged - paid))
  record_metric "$section" "paid orders minus checkouts answered 201" orders $((paid - ANSWERED))
  if ((double != 0 || charged != paid || sum != paid_sum || paid != ANSWERED)); then
    FAILED=1
    note "CHARGES DO NOT ADD UP ($section): $double orders charged twice, $charged charges of $sum cents" \
      "for $paid paid orders of $paid_sum cents, $ANSWERED checkouts answered 201"
  fi
}
stock_checks() { # section result-json: records the tool's stock verdict, fails the run on a breach
  local violations
  violations=$(jq '.violations | length' <<<"$2")
  record_metric "$1" "stock checks failed (oversold or left reserved)" checks "$violations"
  if ((violations != 0)); then
    FAILED=1
    note "OVERSOLD ($1): $(jq -r '.violations | join("; ")' <<<"$2")"
  fi
}

# ---- a shop to measure ----------------------------------------------------------------------
prepare_shop() { # registers the shoppers, picks the products, stocks them, writes the baseline's bytes
  local products
  register_users "$SHOPPERS"
  fresh_tokens
  products=$(simple_products)
  (($(wc -l <<<"$products") > SHOPPERS)) || die "fewer than $((SHOPPERS + 1)) active products without variants; raise SYNTHETIC"
  head -n "$SHOPPERS" <<<"$products" >"$DISTINCT"
  tail -n1 <<<"$products" >"$HOT"
  for id in $(cat "$DISTINCT" "$HOT"); do set_stock "$id" "$PLENTY"; done
  # The baseline's bytes: the answer to a real confirm (one unit of the first product).
  printf '{"productId":"%s","quantity":1}' "$(head -n1 "$DISTINCT")" >"$WORK/add.json"
  ok_answer "$(call POST /cart/items "$WORK/add.json" -H "$(head -n1 "$HEADERS")")" 201 >/dev/null
  printf '{"paymentMethod":"pm_card_visa","shippingAddress":{"firstName":"Bench","lastName":"Shopper",%s}}' \
    '"addressLine1":"1 Load Street","city":"London","state":"LDN","postalCode":"SW1A 1AA","country":"GB","phone":"+44 20 7946 0000"' >"$WORK/confirm.json"
  ok_answer "$(call POST /checkout/confirm "$WORK/confirm.json" -H "$(head -n1 "$HEADERS")" \
    -H "Idempotency-Key: bench-$$")" 201 >"$WORK/confirm-answer.json"
  ANSWERED=1
}

run_checkout() { # section scenario target products-file [checkout args…]: one recorded run
  local section=$1 scenario=$2 target=$3 products=$4 out reference=false
  shift 4
  [[ $target == baseline ]] && reference=true
  # Exits non-zero when oversold, with the report still on stdout.
  out=$("${LOAD_PREFIX[@]}" "${CHECKOUT[@]}" --duration-secs "$DURATION" --warmup-secs "$WARMUP" \
    --products-file "$products" "$@") ||
    [[ $out == *'"oversold":true'* ]] || die "checkout run against $target failed"
  record_load "$section" "$scenario" "$target" "$reference" "$out"
  LAST_RESULT=$out
  log "  $scenario | $target: $(json_num requests_per_sec "$out" | cut -d. -f1) checkouts/s," \
    "p50 $(json_num p50 "$out") ms, p99 $(json_num p99 "$out") ms, out of stock $(json_num out_of_stock "$out")," \
    "errors $(json_num errors "$out")"
  [[ $(json_num errors "$out") == 0 ]] || log "  errors: $(jq -c .error_kinds <<<"$out")"
}

measure() { # label: the throughput runs on distinct products and on the hot one, then the sell-out
  local label=$1 scenario products rep target order
  local section="Checkout, $label: completed checkouts/s and confirm latency vs in-memory baseline"
  local checks="Checkout, $label: checks after each run (all must be 0)"
  start_baseline "$BASELINE_PORT" "$WORK/confirm-answer.json" application/json /api/checkout/confirm \
    --any-method --status 201
  for scenario in $SCENARIOS; do
    products=$DISTINCT
    [[ $scenario == hot ]] && products=$HOT
    scenario="$SHOPPERS shoppers, $([[ $scenario == hot ]] && echo "one product" || echo "$SHOPPERS products")"
    for ((rep = 1; rep <= REPS; rep++)); do
      order=(vici baseline)
      ((rep % 2 == 0)) && order=(baseline vici)
      for target in "${order[@]}"; do
        kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
        if [[ $target == baseline ]]; then
          run_checkout "$section" "$scenario" baseline "$products" --api "http://127.0.0.1:$BASELINE_PORT/api"
          continue
        fi
        run_checkout "$section" "$scenario" vici "$products" --api "$API" --inventory "$INVENTORY"
        ANSWERED=$((ANSWERED + $(json_num checkouts_total "$LAST_RESULT")))
        stock_checks "$checks" "$LAST_RESULT"
        charge_checks "$checks"
      done
    done
  done
  stop "$BASE_PID"
  # Selling out: the hot product with SELLOUT_STOCK units; every shopper stops when told it is
  # out of stock, and exactly SELLOUT_STOCK checkouts must have been confirmed.
  local sellout="Checkout, $label: selling out $SELLOUT_STOCK units of one product to $SHOPPERS shoppers"
  set_stock "$(cat "$HOT")" "$SELLOUT_STOCK"
  t0=$(now_ns)
  out=$("${CHECKOUT[@]}" --products-file "$HOT" --api "$API" --inventory "$INVENTORY" --until-sold-out \
    --duration-secs 300 --warmup-secs 0) || [[ $out == *'"oversold":true'* ]] || die "sell-out run failed"
  record_metric "$sellout" "seconds to sell out" s "$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
  record_metric "$sellout" "checkouts confirmed" orders "$(json_num checkouts_total "$out")"
  record_metric "$sellout" "stock left" units "$(jq '.stock[0].after.available' <<<"$out")"
  ANSWERED=$((ANSWERED + $(json_num checkouts_total "$out")))
  [[ $(json_num checkouts_total "$out") == "$SELLOUT_STOCK" ]] || {
    FAILED=1
    note "SELL-OUT ($label): $(json_num checkouts_total "$out") checkouts for $SELLOUT_STOCK units"
  }
  stock_checks "$sellout" "$out"
  charge_checks "$sellout"
  log "  sell-out: $(json_num checkouts_total "$out") checkouts for $SELLOUT_STOCK units," \
    "out-of-stock answers $(json_num out_of_stock "$out"), errors $(json_num errors "$out")"
}

# ---- run on each stack ------------------------------------------------------------------------
ports_free "$PORT_BASE" $((PORT_BASE + 10))
port_busy "$BASELINE_PORT" && die "port $BASELINE_PORT is already in use"
log "work dir $WORK; the loads take about" \
  "$(awk -v s="$(wc -w <<<"$STACKS")" -v r="$REPS" -v d="$DURATION" -v w="$WARMUP" \
    'BEGIN { printf "%.0f", s * 4 * r * (d + w) / 60 + 0.5 }')" \
  "min, plus seeding, $SHOPPERS registrations and a sell-out per stack"
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
memory() { # label: RSS after MEMORY_CHECKOUTS / 10 and after MEMORY_CHECKOUTS checkouts, checked
  local label=$1 total=0 first=$((MEMORY_CHECKOUTS / 10)) rss_first= at_first=0 out
  local section="Checkout, $label: memory over $MEMORY_CHECKOUTS checkouts ($SHOPPERS shoppers, $SHOPPERS products)"
  local checks="Checkout, $label: checks after the memory run (all must be 0)"
  record_metric "$section" "RSS before the checkouts" MiB "$(rss_mib "$VICI_PID")"
  local tokens_at=$SECONDS done_now
  while ((total < MEMORY_CHECKOUTS)); do
    kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
    # Access tokens live 15 minutes; the run may last longer.
    if ((SECONDS - tokens_at > 600)); then
      fresh_tokens
      tokens_at=$SECONDS
    fi
    out=$("${CHECKOUT[@]}" --products-file "$DISTINCT" --api "$API" --inventory "$INVENTORY" \
      --duration-secs "$MEMORY_CHUNK" --warmup-secs 0) || [[ $out == *'"oversold":true'* ]] ||
      die "memory run failed"
    done_now=$(json_num checkouts_total "$out")
    ((done_now > 0)) || die "memory run: no checkout completed in $MEMORY_CHUNK s: ${out:0:300}"
    total=$((total + done_now))
    ANSWERED=$((ANSWERED + done_now))
    stock_checks "$checks" "$out"
    log "  $total checkouts: RSS $(rss_mib "$VICI_PID") MiB, $(json_num requests_per_sec "$out" | cut -d. -f1)/s"
    if [[ -z $rss_first ]] && ((total >= first)); then
      rss_first=$(rss_mib "$VICI_PID") at_first=$total
      record_metric "$section" "RSS after $at_first checkouts" MiB "$rss_first"
    fi
  done
  local rss_last
  rss_last=$(rss_mib "$VICI_PID")
  record_metric "$section" "RSS after $total checkouts" MiB "$rss_last"
  record_metric "$section" "RSS after $total / RSS after $at_first" ratio \
    "$(awk -v a="$rss_last" -v b="$rss_first" 'BEGIN { printf "%.2f", a / b }')"
  charge_checks "$checks"
}

ON_STACKS=()
for STACK in $STACKS; do
  label="embedded (SQLite, in-process bus and cache)" envs=()
  DATA=$WORK/data-$STACK
  mkdir -p "$DATA"
  if [[ $STACK == real ]]; then
    # Lower case: PostgreSQL folds unquoted names, and vici creates these from the URL.
    PG_PREFIX=vici_bench_checkout_$$_$(date +%s)
    version=$(psql "$PG_URL/postgres" -Atc 'SHOW server_version') || die "PostgreSQL at $PG_URL is not reachable"
    CLEANUP_HOOKS+=("drop_databases $PG_PREFIX")
    broker=$KAFKA
    [[ -z $broker ]] && fresh_broker && broker=127.0.0.1:$KAFKA_PORT
    envs=("VICI_DATABASE_URL=$PG_URL/${PG_PREFIX}_{service}" "VICI_CACHE_URL=$REDIS_URL" "VICI_BUS_URL=kafka://$broker")
    label="PostgreSQL ${version%% *} + Redis + Kafka protocol (tansu)"
  fi
  ON_STACKS+=("$label")
  log "seeding $SYNTHETIC synthetic products ($STACK)"
  env VICI_LOG=warn "${envs[@]}" "$VICI" seed --synthetic "$SYNTHETIC" --data-dir "$DATA" >>"$WORK/seed.log" 2>&1 ||
    die "seeding failed"
  start_vici "$DATA" "$PORT_BASE" VICI_PAYMENT_LATENCY_MS=0 "${envs[@]}"
  wait_vici "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" /api/products >/dev/null
  log "vici up on $label"
  prepare_shop
  log "idle before checkouts: $(rss_mib "$VICI_PID") MiB"
  [[ $PARTS == *throughput* ]] && measure "${label%% (*}"
  [[ $PARTS == *memory* ]] && memory "${label%% (*}"
  stop "$VICI_PID"
  if [[ $STACK == real ]]; then
    drop_databases "$PG_PREFIX"
    [[ -n ${BROKER_PID:-} ]] && stop "$BROKER_PID"
  fi
done

# ---- report -----------------------------------------------------------------------------------
{
  echo "## Checkout benchmark run $STARTED_AT"
  echo
  setup_line
  echo "\`vici up\` (one process) with VICI_PAYMENT_LATENCY_MS=0 (the simulated card answers at once), once on each of:"
  echo "$(printf '%s; ' "${ON_STACKS[@]}" | sed 's/; $//');"
  echo "VICI_LOG=warn VICI_RATE_LIMITS=off, other settings default; the demo shop plus $SYNTHETIC synthetic products;"
  echo "$SHOPPERS registered shoppers, each with its own keep-alive connection, in a closed loop: POST /api/cart/items"
  echo "(one unit of its product), then POST /api/checkout/confirm with a new Idempotency-Key, an inline shipping"
  echo "address and pm_card_visa (authorise, commit the stock, capture, empty the cart); shopper i buys product i"
  echo "of $SHOPPERS, or all the same product; stock set to $PLENTY per product; checkouts/s counts the confirms"
  echo "answered 201 within ${DURATION} s measured after ${WARMUP} s warm-up, latency is the confirm's alone;"
  echo "the baseline answers every request 201 with the bytes of a real confirm's answer, from memory;"
  echo "after each run the stock of every product is read over gRPC (available fell by exactly the units"
  echo "checked out, reserved unchanged) and the payments and orders tables are compared (no order captured"
  echo "twice, one capture of the order's total per paid order, one paid order per 201);"
  echo "$REPS runs per cell (vici and baseline alternating); load average at start: $LOADAVG."
  [[ $PARTS == *memory* ]] && echo "Memory: the same shoppers on their own products in ${MEMORY_CHUNK} s runs until $MEMORY_CHECKOUTS checkouts, VmRSS read between runs."
  pinning_line
  echo "Generated by bench/checkout.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-checkout
((FAILED == 0)) || die "a check failed: oversold, charged twice or miscounted (see the report)"
