#!/usr/bin/env bash
# vici identity benchmarks (issue 3), on `vici up` with embedded engines: what verifying a bearer
# token costs on a public micro-cached route, login throughput (bounded by Argon2id), and the
# profile read against an in-memory baseline. Prints a Markdown section to stdout and to
# bench/results-identity-<date>.md; copy it into bench/RESULTS.md. See bench/README.md.
#
#   bench/identity.sh                 about 8 minutes with the defaults (plus the build)
#   bench/identity.sh --skip-build    use the release binaries already in target/
#
# Tunables (environment): DURATION=6 WARMUP=2 REPS=5 TOKEN_CONNECTIONS="1 64"
# LOGIN_CONNECTIONS="1 2 8" PROFILE_CONNECTIONS="1 64" PORT_BASE=4200 BASELINE_PORT=4901
# READY_TIMEOUT=120 BUILD_TIMEOUT=3600 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists)
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" identity.sh vici-bench-identity

DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
REPS=${REPS:-5}
TOKEN_CONNECTIONS=${TOKEN_CONNECTIONS:-"1 64"}
LOGIN_CONNECTIONS=${LOGIN_CONNECTIONS:-"1 2 8"}
PROFILE_CONNECTIONS=${PROFILE_CONNECTIONS:-"1 64"}
PORT_BASE=${PORT_BASE:-4200}
BASELINE_PORT=${BASELINE_PORT:-4901}
READY_TIMEOUT=${READY_TIMEOUT:-120}

parse_args 12 "$@"

build_release vici vici-bench

# 1e6 × scale × (1/x − 1/y) µs: the time one request adds when y req/s become x req/s.
added_us() { awk -v x="$1" -v y="$2" -v s="$3" 'BEGIN { printf "%.2f", 1e6 * s * (1 / x - 1 / y) }'; }

# ---- start vici -----------------------------------------------------------------------------
port_busy "$BASELINE_PORT" && die "port $BASELINE_PORT is already in use"
API=http://127.0.0.1:$PORT_BASE/api
DATA=$WORK/data
mkdir -p "$DATA"
start_vici "$DATA" "$PORT_BASE"
wait_vici "$PORT_BASE" "$(now_ns)" "$READY_TIMEOUT" /api/products/categories >/dev/null

loads=$(($(wc -w <<<"$TOKEN_CONNECTIONS") * 2 + $(wc -w <<<"$LOGIN_CONNECTIONS") + $(wc -w <<<"$PROFILE_CONNECTIONS") * 2))
log "work dir $WORK; load phases take about" \
  "$(awk -v n="$loads" -v r="$REPS" -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%.0f", n * r * (d + w) / 60 + 0.5 }') min"
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

# One user of our own (the demo users' passwords do not meet the registration rules).
EMAIL="bench-$(date +%s)-$$@example.com"
PASSWORD="Bench-Passw0rd-$$"
printf '{"email":"%s","password":"%s","firstName":"Bench","lastName":"Runner"}' "$EMAIL" "$PASSWORD" >"$WORK/register.json"
printf '{"email":"%s","password":"%s"}' "$EMAIL" "$PASSWORD" >"$WORK/login.json"
answer=$(call POST /auth/register "$WORK/register.json")
[[ ${answer%% *} == 201 ]] || die "register answered ${answer:0:300}"
log "registered $EMAIL"
TOKEN=
fresh_token() { # access tokens live 15 min: take a new one before each section
  local answer
  answer=$(call POST /auth/login "$WORK/login.json")
  [[ ${answer%% *} == 200 ]] || die "login answered ${answer:0:300}"
  TOKEN=$(json_str accessToken "$answer")
  [[ -n $TOKEN ]] || die "no accessToken in the login answer: ${answer:0:300}"
}
# The stored hash names the parameters it was made with.
ARGON=$(sqlite3 -readonly "$DATA/auth.db" "SELECT password_hash FROM accounts WHERE email = '$EMAIL'" 2>/dev/null |
  cut -d'$' -f2-4) || true
[[ $ARGON == argon2id* ]] || note "could not read the stored password hash's parameters (got \"$ARGON\")"

# ---- a. token verification on a public, micro-cached route --------------------------------
S_TOK="Token verification: public micro-cached route, with vs without a bearer token"
S_TOK_D="Token verification: derived cost per request"
path=/products/categories
fresh_token
err=$("$BENCH" fetch --url "$API$path" --header "Authorization: Bearer $TOKEN" --out "$WORK/categories-auth.json" 2>&1) ||
  die "with a token: ${err#vici-bench: }"
err=$("$BENCH" fetch --url "$API$path" --out "$WORK/categories.json" 2>&1) || die "${err#vici-bench: }"
cmp -s "$WORK/categories.json" "$WORK/categories-auth.json" ||
  note "$path answers differently with a token (personalised?): the comparison includes more than verification"
log "token verification on $path ($(wc -c <"$WORK/categories.json") bytes)"
for c in $TOKEN_CONNECTIONS; do
  for ((rep = 1; rep <= REPS; rep++)); do
    kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
    order=(anonymous "with token")
    ((rep % 2 == 0)) && order=("with token" anonymous)
    for target in "${order[@]}"; do
      if [[ $target == anonymous ]]; then
        run_load "$S_TOK" "categories" anonymous true "$API$path" "$c" "run $rep/$REPS"
        anon=$LAST_RPS
      else
        run_load "$S_TOK" "categories" "with token" false "$API$path" "$c" "run $rep/$REPS" \
          --header "Authorization: Bearer $TOKEN"
        auth=$LAST_RPS
      fi
    done
    if ! positive "$auth" || ! positive "$anon"; then
      note "token verification at $c connections, run $rep: a side had no successful request"
    elif [[ $c == 1 ]]; then
      record_metric "$S_TOK_D" "added latency per request at 1 connection: 1/with − 1/without" µs \
        "$(added_us "$auth" "$anon" 1)"
    else
      record_metric "$S_TOK_D" "added CPU per request at $c connections: $CORES cores × (1/with − 1/without)" µs \
        "$(added_us "$auth" "$anon" "$CORES")"
    fi
  done
done

# ---- b. login throughput ----------------------------------------------------------------------
S_LOGIN="Login: POST /api/auth/login, one user, correct password (vici alone)"
S_LOGIN_D="Login: implied time per login"
fresh_token
log "login throughput"
for c in $LOGIN_CONNECTIONS; do
  busy=$((c < CORES ? c : CORES))
  for ((rep = 1; rep <= REPS; rep++)); do
    kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
    run_load "$S_LOGIN" "login" vici false "$API/auth/login" "$c" "run $rep/$REPS" \
      --method POST --body-file "$WORK/login.json"
    if positive "$LAST_RPS"; then
      record_metric "$S_LOGIN_D" "C = $c: min(C, $CORES cores) × 1000 ÷ logins/s" ms \
        "$(awk -v r="$LAST_RPS" -v b="$busy" 'BEGIN { printf "%.2f", 1000 * b / r }')"
    else
      note "login at $c connections, run $rep: no successful login"
    fi
  done
done

# ---- c. profile read against the baseline -----------------------------------------------------
S_PROF="Profile read: GET /api/users/profile with a token, vici vs in-memory baseline"
fresh_token
AUTH=(--header "Authorization: Bearer $TOKEN")
ctype=$(fetch_ctype "$WORK/profile.json" "$API/users/profile" "${AUTH[@]}") || die "profile: $ctype"
start_baseline "$BASELINE_PORT" "$WORK/profile.json" "$ctype" /api/users/profile
base_pid=$BASE_PID
log "profile read: $(wc -c <"$WORK/profile.json") bytes of $ctype"
for c in $PROFILE_CONNECTIONS; do
  for ((rep = 1; rep <= REPS; rep++)); do
    kill -0 "$VICI_PID" 2>/dev/null || die "vici exited"
    order=(vici baseline)
    ((rep % 2 == 0)) && order=(baseline vici)
    for target in "${order[@]}"; do
      port=$PORT_BASE
      [[ $target == baseline ]] && port=$BASELINE_PORT
      # The baseline gets the same request bytes, token included (it ignores them).
      run_load "$S_PROF" "profile" "$target" false "http://127.0.0.1:$port/api/users/profile" "$c" \
        "run $rep/$REPS" "${AUTH[@]}"
    done
  done
done
stop "$base_pid"
stop "$VICI_PID"

# ---- d. report ------------------------------------------------------------------------------
{
  echo "## Identity benchmark run $STARTED_AT"
  echo
  setup_line
  echo "\`vici up\` with embedded engines (a SQLite file per service, in-process cache and event bus),"
  echo "VICI_LOG=warn VICI_RATE_LIMITS=off VICI_GATEWAY_CACHE_TTL_MS=${VICI_GATEWAY_CACHE_TTL_MS:-default (1000)}, other settings default;"
  if [[ $ARGON == argon2id* ]]; then
    echo "passwords hashed with Argon2id, stored as \`\$$ARGON\$…\`, at most $CORES hashes at a time;"
  else
    echo "passwords hashed with Argon2id m=19456 KiB, t=2, p=1 (documented; not read back), at most $CORES hashes at a time;"
  fi
  echo "closed-loop HTTP/1.1 keep-alive load over 127.0.0.1, ${DURATION} s measured after ${WARMUP} s warm-up,"
  echo "$REPS runs per cell (compared targets alternating); load average at start: $LOADAVG."
  pinning_line
  echo "Generated by bench/identity.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-identity
