#!/usr/bin/env bash
# vici soak under faults (issue 13): the eleven `vici serve` processes on PostgreSQL, Redis and
# Kafka (a private tansu broker and a private redis-server, so the faults disturb nothing else)
# while `vici-soak`'s shoppers browse, check out, pay later, pay, cancel and get refunds, and
# its keeper kills and restarts random services (SIGKILL), freezes the broker (SIGSTOP) and
# kills Redis. Then the shop settles and the ledger is checked over every database: no
# oversell, no double charge, no charge without an order, no reservation past its time, no
# lost or duplicated domain event, every acknowledged order present. Not part of CI.
#
#   bench/soak.sh                 10 minutes of load (plus the build and the settling)
#   MINUTES=2 bench/soak.sh --skip-build
#
# Tunables (environment): MINUTES=10 SHOPPERS=24 SEED=1 UNPAID_HOLD_SECS=60 BUILD_TIMEOUT=3600
# Prints a Markdown section to stdout and to bench/results-soak-<date>.md (git-ignored); copy
# it into bench/RESULTS.md. Exits 1 when the ledger is not clean (the databases are then kept).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MINUTES=${MINUTES:-10}
SHOPPERS=${SHOPPERS:-24}
SEED=${SEED:-1}
UNPAID_HOLD_SECS=${UNPAID_HOLD_SECS:-60}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

SKIP_BUILD=0
for arg in "$@"; do
  case $arg in
    --skip-build) SKIP_BUILD=1 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

# PostgreSQL must run; the script's own broker and Redis need tansu and redis-server, and the
# distributed shop keeps its images in S3 (s3s-fs): scripts/engines.sh provides them all.
. scripts/engines.sh
ensure_all
export PATH="$HOME/.cargo/bin:$PATH"

if [[ $SKIP_BUILD == 0 ]]; then
  timeout --foreground "$BUILD_TIMEOUT" nice cargo build --release -p vici -p vici-bench >&2
fi
for bin in vici vici-soak; do
  [[ -x $TARGET_DIR/release/$bin ]] || { echo "soak.sh: $TARGET_DIR/release/$bin missing" >&2; exit 1; }
done

OUT=bench/results-soak-$(date +%Y%m%d-%H%M%S).md
{
  echo "## Soak under faults — $(date -u +%Y-%m-%d)"
  echo
  echo "Setup: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, shared machine; \`vici serve\` ×11 (release) on PostgreSQL $(psql -h 127.0.0.1 -U root -d postgres -Atc 'show server_version' 2>/dev/null || echo '?'), a private redis-server and tansu (memory storage), S3 on s3s-fs; $SHOPPERS closed-loop shoppers, unpaid orders hold stock ${UNPAID_HOLD_SECS} s."
  echo
} | tee "$OUT"
set +e
# As deployed: errors do not capture a backtrace each (a developer's RUST_BACKTRACE=1 would make
# every logged outage error tens of kilobytes long).
export RUST_LIB_BACKTRACE=0
VICI_BIN=$TARGET_DIR/release/vici "$TARGET_DIR/release/vici-soak" \
  --minutes "$MINUTES" --shoppers "$SHOPPERS" --seed "$SEED" --unpaid-hold-secs "$UNPAID_HOLD_SECS" | tee -a "$OUT"
status=${PIPESTATUS[0]}
set -e
echo "soak.sh: results in $OUT (exit $status)" >&2
exit "$status"
