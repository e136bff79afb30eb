#!/usr/bin/env bash
# Build times of the `vici` binary: a clean release build in a separate target dir, a no-op
# rebuild, and the incremental rebuild after a one-line change to one service's domain module.
# Takes several minutes (the clean build compiles every dependency; on 2 shared cores expect
# 10-20 min). Prints a Markdown section to stdout and to bench/build-times-<date>.md.
#
# It never touches the shared ./target: everything is built in $CLEAN_TARGET, which is deleted
# first. The touched file gets one marker comment appended, removed again afterwards (also on
# failure or Ctrl-C) without disturbing any other edit made meanwhile.
#
# Tunables (environment): PACKAGE=vici  PROFILE=release  CLEAN_TARGET=/tmp/vici-clean-target
# TOUCH_FILE=services/inventory/src/domain.rs  BUILD_TIMEOUT=5400 (seconds, per build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PACKAGE=${PACKAGE:-vici}
PROFILE=${PROFILE:-release}
CLEAN_TARGET=${CLEAN_TARGET:-/tmp/vici-clean-target}
TOUCH_FILE=${TOUCH_FILE:-services/inventory/src/domain.rs}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-5400}

case ${1:-} in -h | --help) sed -n "2,12p" "$0" | sed "s/^# \{0,1\}//"; exit 0 ;; esac
log() { echo "[build-times.sh $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -f $TOUCH_FILE ]] || die "$TOUCH_FILE does not exist"
case $CLEAN_TARGET in
  /tmp/?*) ;;
  *) die "CLEAN_TARGET must be a directory under /tmp (it is deleted): $CLEAN_TARGET" ;;
esac
[[ $(realpath -m "$CLEAN_TARGET") == "$(realpath -m "$ROOT/target")" ]] && die "CLEAN_TARGET must not be ./target"

MARKER="// vici-bench build-times marker $$-$RANDOM"
remove_marker() {
  # Delete only our marker line, so edits others made to the file meanwhile survive.
  if grep -qF "$MARKER" "$TOUCH_FILE" 2>/dev/null; then
    local tmp
    tmp=$(mktemp)
    grep -vF "$MARKER" "$TOUCH_FILE" >"$tmp" || true
    cat "$tmp" >"$TOUCH_FILE" # keep the file's inode and permissions
    rm -f "$tmp"
    log "restored $TOUCH_FILE"
  fi
}
trap remove_marker EXIT
trap 'exit 130' INT TERM

profile_flag=()
[[ $PROFILE == release ]] && profile_flag=(--release)
[[ $PROFILE != release && $PROFILE != dev ]] && profile_flag=(--profile "$PROFILE")

timed_build() { # label → prints seconds
  local t0 t1
  log "$1: cargo build ${profile_flag[*]} -p $PACKAGE (CARGO_TARGET_DIR=$CLEAN_TARGET)"
  t0=$(date +%s%N)
  CARGO_TARGET_DIR=$CLEAN_TARGET timeout --foreground "$BUILD_TIMEOUT" nice cargo build "${profile_flag[@]}" -p "$PACKAGE" \
    >"$CLEAN_TARGET.log" 2>&1 || { tail -n 30 "$CLEAN_TARGET.log" >&2; die "$1 failed"; }
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
log "deleting $CLEAN_TARGET; the clean build takes several minutes"
rm -rf "$CLEAN_TARGET"
mkdir -p "$CLEAN_TARGET"
clean=$(timed_build "clean build")
log "clean build: $clean s"
noop=$(timed_build "no-op rebuild")
log "no-op rebuild: $noop s"
# Appending (rather than rewriting the file) keeps any concurrent edit by someone else intact.
printf '%s\n' "$MARKER" >>"$TOUCH_FILE"
incremental=$(timed_build "incremental rebuild")
log "incremental rebuild after touching $TOUCH_FILE: $incremental s"
remove_marker
size=$(du -sh "$CLEAN_TARGET" | cut -f1)
bin=$CLEAN_TARGET/$([[ $PROFILE == dev ]] && echo debug || echo "$PROFILE")/$PACKAGE
binsize=$([[ -f $bin ]] && du -h "$bin" | cut -f1 || echo "n/a")

commit=$(git rev-parse --short HEAD 2>/dev/null || echo "none (no commits yet)")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
report=$(
  echo "## Build times $STARTED_AT"
  echo
  echo "Setup: $cpu, $(nproc) cores, Linux $(uname -r); $(rustc --version); $(cargo --version);"
  echo "commit $commit; \`cargo build ${profile_flag[*]} -p $PACKAGE\` under \`nice\` in a fresh"
  echo "CARGO_TARGET_DIR; load average at start: $LOADAVG (the machine is shared: other builds inflate these)."
  echo
  echo "| Build | Seconds |"
  echo "|---|---:|"
  echo "| clean (all dependencies) | $clean |"
  echo "| no-op rebuild | $noop |"
  echo "| incremental, one comment line appended to \`$TOUCH_FILE\` | $incremental |"
  echo
  echo "Target dir after the builds: $size; binary \`$PACKAGE\`: $binsize."
)
out=bench/build-times-$(date +%Y-%m-%d).md
[[ -e $out ]] && out=bench/build-times-$(date +%Y-%m-%d-%H%M%S).md
printf '%s\n' "$report" | tee "$out"
log "written to $out; copy it into bench/RESULTS.md. $CLEAN_TARGET is left for reuse; delete it when done."
