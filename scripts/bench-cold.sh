#!/usr/bin/env bash
# Server CPU per cold feed variant: what a client asking for new `start=`
# values costs, with identity requests as the anchor in the same run.
#
#   ./scripts/bench-cold.sh [N] [FEED_PATH]
#
# N distinct `start=` variants per round (default 200) of FEED_PATH (default
# /calendar.ics, the shipped merged feed), one keep-alive client, in turn:
#   identity cold   N new variants, no Accept-Encoding
#   br,gzip cold    N new variants, Accept-Encoding: br, gzip
#   br,gzip warm    one cached variant N times
#   background      what the server spends in the 2 s after the rounds
# CPU is the server's utime+stime from /proc/<pid>/stat, so client costs
# (curl) do not count. BIN=path/to/coursecal uses that binary instead of a
# release build (e.g. BIN=target/debug/coursecal for a quick run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-200}
FEED=${2:-/calendar.ics}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q --bin coursecal
  BIN=target/release/coursecal
fi
WORK=$(mktemp -d)
PORT=${PORT:-18191}
"$BIN" serve --schedules schedules --addr 127.0.0.1:$PORT >"$WORK/out" 2>"$WORK/err" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$PID/stat"; }
# urls FIRST_DAY -> a curl config of N URLs, distinct start= dates from FIRST_DAY.
urls() {
  awk -v n="$N" -v first="$1" -v base="http://127.0.0.1:$PORT$FEED" 'BEGIN {
    for (i = 0; i < n; i++) {
      t = mktime("2027 01 01 12 00 00") + (first + i) * 86400
      printf "url = \"%s?start=%s\"\noutput = \"/dev/null\"\n", base, strftime("%Y-%m-%d", t, 1)
    }}'
}
round() { # round NAME ACCEPT_ENCODING CURL_CONFIG
  local before after
  before=$(cpu)
  curl -s --fail -K "$3" -H "Accept-Encoding: $2"
  after=$(cpu)
  awk -v d=$((after - before)) -v t="$TCK" -v n="$N" -v name="$1" \
    'BEGIN { printf "%-16s %8.2f ms CPU per request  (%d ticks / %d requests)\n", name, d * 1000 / t / n, d, n }'
}
urls 0 >"$WORK/identity"
urls "$N" >"$WORK/br"
awk -v n="$N" -v u="http://127.0.0.1:$PORT$FEED?start=2026-12-01" \
  'BEGIN { for (i = 0; i < n; i++) printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }' >"$WORK/warm"
curl -s -o /dev/null -H "Accept-Encoding: br, gzip" "http://127.0.0.1:$PORT$FEED?start=2026-12-01"
printf '%s, %s cold variants per round, %s; %s\n' "$FEED" "$N" "$BIN" "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
round "identity cold" identity "$WORK/identity"
round "br,gzip cold" "br, gzip" "$WORK/br"
round "br,gzip warm" "br, gzip" "$WORK/warm"
before=$(cpu); sleep 2; after=$(cpu)
echo "background       $((after - before)) ticks in the 2 s after the rounds (ticks of 1/$TCK s)"
