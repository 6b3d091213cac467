#!/usr/bin/env bash
# The full static export (`coursecal build`, pages and all) of 1,000
# courses × 100 items, repeated: the last part of scripts/bench-scale.sh on
# its own, to compare binaries in one sitting.
#
#   ./scripts/bench-export.sh [RUNS=5] [OUT_PARENT=target/bench-scale/1000] [BIN...]
#
# Each BIN (default: this tree's release binary) runs RUNS times, the
# binaries interleaved; prints wall, user and sys seconds and peak RSS of
# each run, and the load average before it. As in bench-scale.sh, earlier
# outputs are moved aside, and each run starts after a `sync`. They are
# left in OUT_PARENT/trash-* (~0.7 GB a run) for you to remove when done:
# on ext4 without a journal, for up to ~6 minutes after inodes are freed,
# creating a file near them scans past each one (`recently_deleted` in a
# profile), and that scan, not the export, then dominates the time, so
# removing them at the end would slow the next invocation's first runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RUNS=${1:-5}
PARENT=${2:-$ROOT/target/bench-scale/1000}
shift $(($# < 2 ? $# : 2))
BINS=("$@")
if [ ${#BINS[@]} -eq 0 ]; then
  cargo build --release -q --bin coursecal
  BINS=("$ROOT/target/release/coursecal")
fi
SCHED=$ROOT/target/bench-scale/1000/schedules
[ -f "$SCHED/gen-00999.yaml" ] || {
  cargo build --release -q --example gen_schedules
  "$ROOT/target/release/examples/gen_schedules" "$SCHED" 1000 100 2>/dev/null
}
cat "$SCHED"/*.yaml >/dev/null
mkdir -p "$PARENT"
TRASH=$PARENT/trash-$$
mkdir -p "$TRASH"
printf '%-40s %6s %6s %6s %7s %7s  %s\n' binary wall user sys "RSS MB" files load
for run in $(seq "$RUNS"); do
  for bin in "${BINS[@]}"; do
    site=$PARENT/site
    [ -e "$site" ] && mv "$site" "$TRASH/site-$run-$RANDOM$RANDOM"
    # The previous runs' 700 MB each are written back first, not during
    # this run (past the dirty limits, writes wait for writeback).
    sync
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    /usr/bin/time -f "%e %U %S %M" -o "$PARENT/export.time" "$bin" build --schedules "$SCHED" --out "$site" 2>/dev/null
    read -r wall user sys kb <"$PARENT/export.time"
    files=$(find "$site" -type f | wc -l)
    printf '%-40s %6s %6s %6s %7s %7s  %s\n' "$(basename "$(dirname "$bin")")/$(basename "$bin")" "$wall" "$user" "$sys" \
      "$(awk -v k="$kb" 'BEGIN{printf "%.0f", k/1024}')" "$files" "$load"
  done
done
echo "earlier outputs: $TRASH (remove it, then wait ~6 minutes before timing again on ext4)"
