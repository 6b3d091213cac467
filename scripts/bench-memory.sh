#!/usr/bin/env bash
# Serving memory: `coursecal serve` with 1,000 courses × 100 items, its RSS
# after load, then after 1,000 distinct variants (each course in one of
# five zones, `Accept-Encoding: gzip` unless ACCEPT says otherwise, 4
# clients at once), with how many variants the cache kept and the bytes it
# counts.
#
#   ./scripts/bench-memory.sh [BIN=target/release/coursecal]
#   ACCEPT=br ./scripts/bench-memory.sh      # or ACCEPT= for identity only
#
# scripts/bench-scale.sh runs it after its table. With BIN given, nothing is
# built (e.g. a binary with debug symbols under `heaptrack`/`valgrind`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=${1:-}
if [ -z "$BIN" ]; then
  cargo build --release -q --bin coursecal --example gen_schedules
  BIN=$ROOT/target/release/coursecal
fi
dir=$ROOT/target/bench-scale/1000
[ -f "$dir/schedules/gen-00999.yaml" ] ||
  "$ROOT/target/release/examples/gen_schedules" "$dir/schedules" 1000 100 2>/dev/null
port=${PORT:-18401}
ACCEPT=${ACCEPT-gzip}
accept=()
[ -n "$ACCEPT" ] && accept=(-H "Accept-Encoding: $ACCEPT")
RUST_LOG=warn "$BIN" serve --schedules "$dir/schedules" --addr 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status; }
rss0=$(rss)
zones=(UTC Europe/Berlin America/New_York Asia/Kolkata Australia/Sydney)
for i in $(seq 0 999); do
  printf 'http://127.0.0.1:%s/courses/gen-%05d.ics?tz=%s\n' "$port" "$i" "${zones[$((i % 5))]}"
done | xargs -P 4 -I{} curl -s -o /dev/null "${accept[@]}" {}
rss1=$(rss)
health=$(curl -s "http://127.0.0.1:$port/healthz")
cached=$(grep -o '"cached_variants":[0-9]*' <<<"$health" | cut -d: -f2 || true)
bytes=$(grep -o '"cached_bytes":[0-9]*' <<<"$health" | cut -d: -f2 || true)
printf 'serve, 1,000 courses: RSS %s MB after load, %s MB after 1,000 variants (Accept-Encoding: %s; %s cached, %s MB counted, 64 MiB cache budget)\n' \
  "$rss0" "$rss1" "${ACCEPT:-identity}" "$cached" "$(awk -v b="${bytes:-0}" 'BEGIN{printf "%.1f", b/1048576}')"
