#!/usr/bin/env bash
# Cold requests while other processes keep every core busy: what the render
# threads' low priority (nice 19, src/server/rendered.rs) costs when
# coursecal shares its scheduling group with busy neighbours.
#
#   ./scripts/bench-neighbours.sh [BIN=target/release/coursecal]
#   SETSID=1 ./scripts/bench-neighbours.sh   # the server in a session of its own
#
# Serves 20 generated courses x 100 items, starts one busy loop per core at
# nice 0 in this session, then times (curl, one at a time, `br, gzip`) 40
# cold course feeds and 10 cold merged feeds (new `start=` values). Nice
# values only order threads inside one group (sched(7): a cgroup, or with
# autogrouping a session): with SETSID=1 the loops and the server are in
# different groups, as under the shipped systemd unit or in a container.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=${1:-}
if [ -z "$BIN" ]; then
  cargo build --release -q --bin coursecal --example gen_schedules
  BIN=$ROOT/target/release/coursecal
fi
WORK=$ROOT/target/bench-neighbours
rm -rf "$WORK" && mkdir -p "$WORK"
"$ROOT/target/release/examples/gen_schedules" "$WORK/schedules" 20 100 2>/dev/null
port=${PORT:-18702}
run=()
[ "${SETSID:-}" = 1 ] && run=(setsid)
RUST_LOG=warn "${run[@]}" "$BIN" serve --schedules "$WORK/schedules" --addr 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
loops=()
cleanup() { kill "$pid" "${loops[@]}" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/calendar.ics"
for _ in $(seq "$(nproc)"); do
  sh -c 'while :; do :; done' &
  loops+=($!)
done
sleep 1
summary() { sort -n | awk -v what="$1" '{a[NR]=$1} END {printf "%-22s n=%d  p50 %7.1f ms  max %7.1f ms\n", what, NR, a[int((NR+1)/2)]*1000, a[NR]*1000}'; }
echo "$(nproc) busy loops at nice 0; server $( [ "${SETSID:-}" = 1 ] && echo "in its own session" || echo "in this session"): $BIN"
for i in $(seq 1 40); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept-Encoding: br, gzip' \
    "http://127.0.0.1:$port/courses/gen-00003.ics?start=2001-01-$(printf %02d $((i % 28 + 1)))&alarm=$i"
done | summary "cold course feed"
for i in $(seq 1 10); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept-Encoding: br, gzip' \
    "http://127.0.0.1:$port/calendar.ics?start=2002-03-$(printf %02d "$i")"
done | summary "cold merged feed"
