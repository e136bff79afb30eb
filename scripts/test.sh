#!/usr/bin/env bash
# The project's test command (README): starts the engines, then runs unit, service,
# adapter-conformance and system tests — the system tests twice, on `vici up` (embedded engines)
# and on eleven `vici serve` processes (PostgreSQL, Redis, Kafka, S3). Fails on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/engines.sh
ensure_all

# Databases left by earlier runs (tests name theirs vici_test_* and vici_sys_*).
psql -h 127.0.0.1 -U root -d postgres -Atc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'vici\_test\_%' OR datname LIKE 'vici\_sys\_%'" \
  | while read -r db; do psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; done

export CARGO_TERM_COLOR=never RUST_BACKTRACE=1
step() { echo; echo "==> $*"; }

step "deploy files: docker compose configuration"
if ! command -v docker-compose >/dev/null 2>&1; then
  (apt-get install -y -q docker-compose || { apt-get update -q && apt-get install -y -q docker-compose; }) >/dev/null \
    || { echo "cannot install docker-compose to validate deploy/docker-compose.yml" >&2; exit 1; }
fi
docker-compose -f deploy/docker-compose.yml config --quiet

step "build (workspace, all targets)"
cargo build --locked --workspace --all-targets

step "unit, service and adapter-conformance tests (SQLite, PostgreSQL, Redis, Kafka, S3)"
cargo test --locked --workspace --exclude vici-system-tests

step "system tests on vici up (embedded engines)"
VICI_SYSTEM_MODE=embedded cargo test --locked -p vici-system-tests

step "system tests on eleven vici serve processes (PostgreSQL, Redis, Kafka, S3)"
VICI_SYSTEM_MODE=distributed cargo test --locked -p vici-system-tests

echo
echo "all test suites passed"
