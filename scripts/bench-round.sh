#!/usr/bin/env bash
# Every benchmark behind docs/performance.md, one after the other, in one
# run, so the tables come from the same machine state with their anchors:
# compile (200 and 1,000 courses vs Python icalendar and Node ical-generator),
# scale (load, build, serve memory after 1,000 variants, full export), cold
# variants (CPU per cold variant vs identity), a flood of cold variants from
# 16 connections, the soak with edits every second, and serving vs nginx.
# The log goes to target/bench-round/<commit>.log. Run it on an idle machine:
# it prints the load average before each step.
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
step() {
  printf '\n######## %s   (%s, load average %s)\n' "$*" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"
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
