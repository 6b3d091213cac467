#!/usr/bin/env bash
# How cost grows with the number of courses (100 items each):
# load, RSS after load, cold render of the merged feed, reload after touching
# one file (only that file is re-read), and the whole `coursecal build`; then
# serving memory with 1,000 cached variants and the full static export.
#
#   ./scripts/bench-scale.sh [SIZES="10 100 1000 5000"]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SIZES=${1:-"10 100 1000 5000"}
cargo build --release -q --bin coursecal --example gen_schedules --example scale
BIN=$ROOT/target/release/coursecal
# No timed run follows the removal of many files: on ext4 without a journal,
# each new inode skips every inode freed in the last minutes, and removing
# the previous 103,000-file export just before timing the next made that
# scan a large part of what was timed. Earlier outputs are moved aside (no
# inode freed) and removed when the script ends.
TRASH=$ROOT/target/bench-scale/trash-$$
mkdir -p "$TRASH"
cleanup() { rm -rf "$TRASH"; }
trap cleanup EXIT
aside() { for d in "$@"; do [ -e "$d" ] && mv "$d" "$TRASH/$(echo "$d" | tr / _)-$RANDOM$RANDOM"; done; return 0; }
FEEDS_ONLY=""
"$BIN" build --help | grep -q -- '--feeds-only' && FEEDS_ONLY="--feeds-only"
printf '%s cores: %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%8s %9s %8s %8s %12s %11s %11s %9s %9s\n' courses events "load s" "RSS MB" "merged s" "merged MB" "reload ms" "re-read" "build s"
for n in $SIZES; do
  dir=$ROOT/target/bench-scale/$n
  [ -f "$dir/schedules/gen-$(printf %05d $((n - 1))).yaml" ] ||
    "$ROOT/target/release/examples/gen_schedules" "$dir/schedules" "$n" 100 2>/dev/null
  cat "$dir"/schedules/*.yaml >/dev/null
  read -r courses events load rss render bytes reload reread <<<"$("$ROOT/target/release/examples/scale" "$dir/schedules")"
  aside "$dir/out"
  /usr/bin/time -f "%e" -o "$dir/build.time" "$BIN" build $FEEDS_ONLY --schedules "$dir/schedules" --out "$dir/out" 2>/dev/null
  printf '%8s %9s %8s %8s %12s %11s %11s %9s %9s\n' "$courses" "$events" "$load" "$rss" "$render" \
    "$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}')" "$reload" "$reread" "$(cat "$dir/build.time")"
done

# Serving memory: 1,000 courses loaded, 1,000 distinct variants requested
# (each course in its own zone), RSS of the server afterwards.
dir=$ROOT/target/bench-scale/1000
if [ -d "$dir/schedules" ]; then
  port=18401
  RUST_LOG=warn "$BIN" serve --schedules "$dir/schedules" --addr 127.0.0.1:$port >/dev/null 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; cleanup' EXIT
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  rss0=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status)
  zones=(UTC Europe/Berlin America/New_York Asia/Kolkata Australia/Sydney)
  for i in $(seq 0 999); do
    printf 'http://127.0.0.1:%s/courses/gen-%05d.ics?tz=%s\n' "$port" "$i" "${zones[$((i % 5))]}"
  done | xargs -P 4 -I{} curl -s -o /dev/null -H 'Accept-Encoding: gzip' {}
  rss1=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status)
  cached=$(curl -s "http://127.0.0.1:$port/healthz" | grep -o '"cached_variants":[0-9]*' | cut -d: -f2)
  printf '\nserve, 1,000 courses: RSS %s MB after load, %s MB after 1,000 variants (%s cached, 64 MiB cache budget)\n' "$rss0" "$rss1" "$cached"
  kill $pid 2>/dev/null || true
fi

# Static export of the whole site (feeds, pages, widgets, QR codes, one-event
# feeds) for 1,000 courses: wall time and peak RSS of the whole process.
if [ -d "$dir/schedules" ]; then
  aside "$dir/site"
  /usr/bin/time -f "%e %M" -o "$dir/export.time" "$BIN" build --schedules "$dir/schedules" --out "$dir/site" 2>/dev/null
  read -r wall kb <"$dir/export.time"
  printf 'export, 1,000 courses: %s s, %s MB peak RSS, %s files\n' "$wall" "$(awk -v k="$kb" 'BEGIN{printf "%.0f", k/1024}')" "$(find "$dir/site" -type f | wc -l)"
  aside "$dir/site"
fi
