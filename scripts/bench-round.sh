#!/usr/bin/env bash
# Every benchmark behind docs/performance.md, one after the other, in one
# run, so the tables come from the same machine state with their anchors:
# compile (200 and 1,000 courses vs Python icalendar and Node ical-generator),
# scale (load, build, serve memory after 1,000 variants, full export), cold
# variants (CPU per cold variant vs identity), a flood of cold variants from
# 16 connections, the soak with edits every second, and serving vs nginx.
# The log goes to target/bench-round/<commit>.log. Run it on an idle machine:
# each step waits (up to a minute) for the cores to be idle, and prints the
# load average and how idle they were before it.
#
#   ./scripts/bench-round.sh [SOAK_SECONDS=60] [SERVE_SECONDS=5] [SERVE_ROUNDS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SOAK=${1:-60}
SERVE=${2:-5}
ROUNDS=${3:-3}
mkdir -p target/bench-round
LOG=target/bench-round/$(git rev-parse --short HEAD).log
cargo build --release -q --bin coursecal --example gen_schedules --example yaml_alone --example scale --example soak
# The cores' idle share over the next 2 s, in percent (from /proc/stat).
idle_pct() {
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 2
  read -r -a b < <(head -1 /proc/stat)
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $(((b[4] - a[4]) * 100 / (total > 0 ? total : 1)))
}
# Each step starts on quiet cores: the previous step's processes (a soak's
# server, a build's writeback) can keep them busy for a while after it ends,
# and serving began at load average 7.8 right after the soak in round four.
# Waits until 95 % idle over 2 s, at most 60 s, and says how idle it got.
settle() {
  local idle i
  for i in $(seq 30); do
    idle=$(idle_pct)
    [ "$idle" -ge 95 ] && break
  done
  echo "$idle"
}
step() {
  local idle
  idle=$(settle)
  printf '\n######## %s   (%s, load average %s, %s%% idle)\n' "$*" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$idle"
  "$@"
}
{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet || echo ' (with uncommitted changes)'), $(nproc) cores"
  RUNS=5 step ./scripts/bench-compile.sh 200 100
  RUNS=5 step ./scripts/bench-compile.sh 1000 100
  step ./scripts/bench-scale.sh "10 100 1000"
  step ./scripts/bench-cold.sh 1000
  step python3 scripts/bench-flood.py 20 16
  step ./scripts/soak.sh "$SOAK" 16
  step ./scripts/bench-serve.sh "$SERVE" 64 "$ROUNDS"
} 2>&1 | tee "$LOG"
echo "log: $LOG"
