# Shared by the benchmark scripts (run.sh, identity.sh, cart.sh); source it right after
# `set -euo pipefail`:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh" <script name> <work dir prefix>
#
# It moves to the workspace root, makes a work dir under /tmp, and provides logging, the
# bookkeeping that stops every process the script started (also on failure or Ctrl-C), the
# build step, starting `vici up` and the baseline, the load runs and the results file that
# `vici-bench report` renders. Nothing here measures anything by itself.
# Environment: BUILD_TIMEOUT=3600 LOAD_CPUS= SERVER_CPUS= (taskset CPU lists) CARGO_TARGET_DIR.

SCRIPT_NAME=${1:?lib.sh: the script name is required}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
LOAD_CPUS=${LOAD_CPUS:-}
SERVER_CPUS=${SERVER_CPUS:-}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH=$TARGET_DIR/release/vici-bench
VICI=$TARGET_DIR/release/vici
CORES=$(nproc)
LOAD_PREFIX=() SERVER_PREFIX=()
[[ -n $LOAD_CPUS ]] && LOAD_PREFIX=(taskset -c "$LOAD_CPUS")
[[ -n $SERVER_CPUS ]] && SERVER_PREFIX=(taskset -c "$SERVER_CPUS")

# The services' shared key: the gRPC ports the scripts call directly (stock checks, reservations)
# take only calls signed with it, so `vici up` and `vici-bench` get the same one.
export VICI_SERVICE_KEYS=${VICI_SERVICE_KEYS:-bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}

log() { echo "[$SCRIPT_NAME $(date +%H:%M:%S)] $*" >&2; }
NOTES=()
note() { log "warning: $*"; NOTES+=("$*"); }
die() { log "error: $*"; exit 1; }

# ---- cleanup: stop everything this script started ------------------------------------------
WORK=$(mktemp -d "/tmp/${2:?lib.sh: the work dir prefix is required}.XXXXXX")
PIDS=()
# Commands run once at exit after the processes are stopped (e.g. dropping databases).
CLEANUP_HOOKS=()
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
  local rc=$? pid f hook
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for hook in "${CLEANUP_HOOKS[@]}"; do eval "$hook" || log "cleanup step failed: $hook"; done
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
ports_free() { # first last: dies naming the first port in use
  local p
  for ((p = $1; p <= $2; p++)); do port_busy "$p" && die "port $p is already in use"; done
  return 0
}
now_ns() { date +%s%N; }
json_num() { sed -E "s/.*\"$1\":([-0-9.eE+]+).*/\1/" <<<"$2"; }
json_str() { sed -nE "s/.*\"$1\":\"([^\"]*)\".*/\1/p" <<<"$2"; }
positive() { awk -v x="$1" 'BEGIN { exit !(x > 0) }'; }

# ---- build ----------------------------------------------------------------------------------
build_release() { # packages…: cargo build --release -p each, unless SKIP_BUILD=1; checks binaries
  local packages=() p
  for p in "$@"; do packages+=(-p "$p"); done
  if [[ ${SKIP_BUILD:-0} == 0 ]]; then
    log "building $* (release)"
    timeout --foreground "$BUILD_TIMEOUT" nice cargo build --release "${packages[@]}" >&2 || die "build failed"
  fi
  [[ -x $BENCH ]] || die "$BENCH missing"
  for p in "$@"; do
    [[ $p != vici ]] || [[ -x $VICI ]] || die "$VICI missing"
  done
}

parse_args() { # last line of the script's help comment, then its arguments: sets SKIP_BUILD
  local help_end=$1 arg
  shift
  SKIP_BUILD=0
  for arg in "$@"; do
    case $arg in
      --skip-build) SKIP_BUILD=1 ;;
      -h | --help) sed -n "2,${help_end}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "$SCRIPT_NAME: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
  done
}

# ---- servers ----------------------------------------------------------------------------------
VICI_PID=
start_vici() { # data-dir port-base [NAME=value…]: `vici up` in the background; sets VICI_PID
  local data=$1 base=$2
  shift 2
  ports_free "$base" $((base + 10))
  env VICI_LOG=warn VICI_RATE_LIMITS=off "$@" "${SERVER_PREFIX[@]}" "$VICI" up --data-dir "$data" --port-base "$base" \
    >>"$WORK/vici-$base.log" 2>&1 &
  VICI_PID=$!
  PIDS+=("$VICI_PID")
}
wait_vici() { # port-base since-ns timeout path → prints ms until /health is up and `path` answers 200
  "$BENCH" wait-ready --url "http://127.0.0.1:$1/health" --expect-json status=up --pid "$VICI_PID" \
    --since-unix-ns "$2" --timeout-secs "$3" >/dev/null || die "server on port $1 did not become ready"
  "$BENCH" wait-ready --url "http://127.0.0.1:$1$4" --pid "$VICI_PID" --since-unix-ns "$2" \
    --timeout-secs "$3" || die "server on port $1: $4 did not answer 200"
}
fetch_ctype() { # out-file url [fetch args…] → prints the content type, or the error and fails
  local out=$1 url=$2 msg
  shift 2
  if ! msg=$("$BENCH" fetch --url "$url" --out "$out" "$@" 2>&1 >/dev/null); then
    echo "${msg#vici-bench: }"
    return 1
  fi
  msg=${msg##*content-type }
  [[ $msg == none ]] && msg=application/json
  echo "$msg"
}
BASE_PID=
start_baseline() { # port body-file content-type probe-path [baseline args…]; sets BASE_PID
  local port=$1 body=$2 ctype=$3 path=$4
  shift 4
  port_busy "$port" && die "port $port is already in use"
  "${SERVER_PREFIX[@]}" "$BENCH" baseline --port "$port" --body-file "$body" --content-type "$ctype" "$@" \
    >>"$WORK/baseline.log" 2>&1 &
  BASE_PID=$!
  PIDS+=("$BASE_PID")
  "$BENCH" wait-ready --url "http://127.0.0.1:$port$path" --pid "$BASE_PID" --timeout-secs 10 >/dev/null ||
    die "baseline did not start"
}
call() { # method path [body-file] [curl args…] → prints "status body"; bounded; path is under $API
  local method=$1 path=$2 body=() status
  [[ -n ${3:-} ]] && body=(-H 'Content-Type: application/json' --data-binary "@$3")
  shift $(($# < 3 ? $# : 3))
  status=$(curl -sS --max-time 30 -o "$WORK/answer.json" -w '%{http_code}' -X "$method" "${body[@]}" "$@" \
    "$API$path") || die "curl $method $path failed"
  echo "$status $(cat "$WORK/answer.json")"
}
rss_mib() { local kib; kib=$("$BENCH" rss --pid "$1" --kib) || return 1; awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }'; }

# ---- results ----------------------------------------------------------------------------------
RESULTS=$WORK/results.jsonl
record_metric() { # section name unit value
  printf '{"kind":"metric","section":"%s","name":"%s","unit":"%s","value":%s}\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}
record_load() { # section scenario target reference(true|false) result-json
  printf '{"kind":"load","section":"%s","scenario":"%s","target":"%s","reference":%s,"result":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" >>"$RESULTS"
}
LAST_RPS=0 LAST_RESULT=
run_load() { # section scenario target reference(true|false) url connections label [load args…]
  # Records one `vici-bench load` run; sets LAST_RPS and LAST_RESULT (its JSON).
  local section=$1 scenario=$2 target=$3 reference=$4 url=$5 conns=$6 label=$7 out errors
  shift 7
  out=$("${LOAD_PREFIX[@]}" "$BENCH" load --url "$url" --connections "$conns" --duration-secs "$DURATION" \
    --warmup-secs "$WARMUP" --json "$@") || die "load against $url failed"
  record_load "$section" "$scenario" "$target" "$reference" "$out"
  LAST_RESULT=$out
  LAST_RPS=$(json_num requests_per_sec "$out")
  errors=$(json_num errors "$out")
  log "  $scenario | $target | c=$conns | $label: ${LAST_RPS%.*} req/s, p50 $(json_num p50 "$out") ms," \
    "p99 $(json_num p99 "$out") ms, errors $errors"
  [[ $errors == 0 ]] || log "  errors: $(sed -nE 's/.*"error_kinds":(\{[^}]*\}).*/\1/p' <<<"$out")"
}

# ---- report -----------------------------------------------------------------------------------
setup_line() { # the machine and build facts every report starts its setup paragraph with
  local commit dirty cpu mem
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo "none (no commits yet)")
  dirty=$(git status --porcelain 2>/dev/null | wc -l)
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  echo "Setup: $cpu, $CORES cores (load generator and servers share them), $mem RAM, Linux $(uname -r);"
  echo "$(rustc --version); commit $commit ($dirty uncommitted changes); release profile;"
}
pinning_line() {
  [[ -z $LOAD_CPUS$SERVER_CPUS ]] || echo "CPU pinning: load generator ${LOAD_CPUS:-any}, servers ${SERVER_CPUS:-any}."
}
notes_and_tables() { # the warnings collected by `note`, then the tables of the results file
  local n
  if ((${#NOTES[@]})); then
    for n in "${NOTES[@]}"; do echo "- **${n//|/\\|}**"; done
    echo
  fi
  "$BENCH" report --results "$RESULTS"
}
publish_report() { # file-prefix: $WORK/report.md → bench/<prefix>-<date>.md and stdout
  local out
  out=bench/$1-$(date +%Y-%m-%d).md
  [[ -e $out ]] && out=bench/$1-$(date +%Y-%m-%d-%H%M%S).md
  cp "$WORK/report.md" "$out"
  cat "$WORK/report.md"
  log "written to $out; copy it into bench/RESULTS.md"
}
