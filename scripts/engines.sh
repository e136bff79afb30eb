#!/usr/bin/env bash
# Starts the real engines the tests need when they are not already running: PostgreSQL, Redis,
# a Kafka-protocol broker (tansu) and an S3-API server (s3s-fs). Installs the last two from
# crates.io when missing, the test peers' Python packages (aiosmtpd for the notification tests'
# SMTP server, Playwright for the admin console's browser test) from PyPI, and Debian's chromium
# for that browser test. Any engine that cannot be had stops the run: tests never skip.
set -euo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do listening "$1" && return 0; sleep 0.1; done
  echo "engines: $2 did not start listening on 127.0.0.1:$1" >&2
  exit 1
}

ENGINE_LOGS=${ENGINE_LOGS:-/tmp/vici-engines}
mkdir -p "$ENGINE_LOGS"

ensure_postgres() {
  listening 5432 && return 0
  echo "engines: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start \
    || { echo "engines: PostgreSQL is not running and could not be started" >&2; exit 1; }
  wait_port 5432 PostgreSQL 30
}

ensure_redis() {
  listening 6379 && return 0
  echo "engines: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --logfile "$ENGINE_LOGS/redis.log" || { echo "engines: Redis could not be started" >&2; exit 1; }
  wait_port 6379 Redis 30
}

ensure_cargo_tool() { # binary crate version features
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -x "$HOME/.cargo/bin/$1" ] && return 0
  echo "engines: installing $2 $3 from crates.io (once; cached in ~/.cargo/bin)"
  cargo install "$2" --version "$3" --locked ${4:+--features "$4"} >"$ENGINE_LOGS/install-$2.log" 2>&1 \
    || { tail -20 "$ENGINE_LOGS/install-$2.log" >&2; echo "engines: installing $2 failed" >&2; exit 1; }
}

ensure_kafka() {
  listening 9092 && return 0
  ensure_cargo_tool tansu tansu 0.6.0 dynostore
  echo "engines: starting tansu (Kafka protocol) on 127.0.0.1:9092"
  # Started from the engines' own directory: they outlive the checkout that started them, and
  # s3s-fs resolves every path against its working directory (a deleted one fails each request).
  (cd "$ENGINE_LOGS" && PATH="$HOME/.cargo/bin:$PATH" nohup tansu broker \
    --listener-url tcp://127.0.0.1:9092 --advertised-listener-url tcp://127.0.0.1:9092 \
    --storage-engine memory://tansu/ >"$ENGINE_LOGS/tansu.log" 2>&1 &)
  wait_port 9092 tansu 30
}

S3_PORT=${S3_PORT:-9000}
S3_ACCESS_KEY=vici
S3_SECRET_KEY=vici-secret
ensure_s3() {
  # s3s-fs keeps each bucket as a top-level directory of its root: these are the test buckets.
  mkdir -p "$ENGINE_LOGS/s3/vici-test" "$ENGINE_LOGS/s3/vici-system"
  listening "$S3_PORT" && return 0
  # 0.14 is the last release that builds with rustc 1.95.
  ensure_cargo_tool s3s-fs s3s-fs 0.14.1 binary
  echo "engines: starting s3s-fs (S3 API) on 127.0.0.1:$S3_PORT"
  (cd "$ENGINE_LOGS" && PATH="$HOME/.cargo/bin:$PATH" nohup s3s-fs --host 127.0.0.1 --port "$S3_PORT" \
    --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" "$ENGINE_LOGS/s3" >"$ENGINE_LOGS/s3s.log" 2>&1 &)
  wait_port "$S3_PORT" s3s-fs 30
}

# The test peers written in Python (testing/smtp/server.py, testing/sms/provider.py,
# testing/console/console_test.py) run in one virtual environment kept outside the checkout,
# holding every peer's requirements; it is rebuilt when their text changes. VICI_TEST_PYTHON
# names its interpreter.
ensure_test_venv() {
  local venv=${VICI_TEST_VENV:-$HOME/.cache/vici/testenv}
  local testing
  testing=$(cd "$(dirname "${BASH_SOURCE[0]}")/../testing" && pwd)
  local files=("$testing/smtp/requirements.txt" "$testing/console/requirements.txt")
  local wanted
  wanted=$(cat "${files[@]}")
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$wanted" ]; then
    echo "engines: installing the test peers' Python packages (aiosmtpd, playwright) into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" \
      && "$venv/bin/pip" install -q "${files[@]/#/--requirement=}" \
      || { echo "engines: cannot install the test peers' packages from PyPI" >&2; exit 1; }
    echo "$wanted" > "$venv/.requirements"
  fi
  export VICI_TEST_PYTHON=$venv/bin/python
}

# The notification tests' SMTP server (testing/smtp/server.py) runs on aiosmtpd.
ensure_smtp_server() {
  ensure_test_venv
}

# The admin console's browser test (testing/console/console_test.py) drives Debian's chromium
# through Playwright. Playwright's own browsers come from a CDN this machine cannot reach, so
# `playwright install` is never run: the test launches /usr/bin/chromium, which
# VICI_TEST_CHROMIUM names.
ensure_browser() {
  local chromium=/usr/bin/chromium
  if [ ! -x "$chromium" ]; then
    echo "engines: installing chromium from Debian"
    (apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }) \
      >"$ENGINE_LOGS/install-chromium.log" 2>&1 \
      || { tail -20 "$ENGINE_LOGS/install-chromium.log" >&2; echo "engines: cannot install chromium" >&2; exit 1; }
  fi
  ensure_test_venv
  "$VICI_TEST_PYTHON" -c "import playwright.sync_api" \
    || { echo "engines: Playwright is missing from $VICI_TEST_PYTHON" >&2; exit 1; }
  export VICI_TEST_CHROMIUM=$chromium
}

ensure_all() {
  ensure_postgres
  ensure_redis
  ensure_kafka
  ensure_s3
  ensure_smtp_server
  ensure_browser
  export VICI_TEST_DATABASE_URL=${VICI_TEST_DATABASE_URL:-postgres://root@127.0.0.1:5432/}
  export VICI_TEST_REDIS_URL=${VICI_TEST_REDIS_URL:-redis://127.0.0.1:6379}
  export VICI_TEST_KAFKA=${VICI_TEST_KAFKA:-127.0.0.1:9092}
  export VICI_TEST_S3_URL=${VICI_TEST_S3_URL:-"s3://vici-test?endpoint=http://127.0.0.1:$S3_PORT&region=us-east-1&access_key_id=$S3_ACCESS_KEY&secret_access_key=$S3_SECRET_KEY"}
  export VICI_SYSTEM_S3_URL=${VICI_SYSTEM_S3_URL:-"s3://vici-system?endpoint=http://127.0.0.1:$S3_PORT&region=us-east-1&access_key_id=$S3_ACCESS_KEY&secret_access_key=$S3_SECRET_KEY"}
}
