#!/usr/bin/env bash
# Soak test: coursecal serve under steady keep-alive load while its schedules
# are edited every second (atomic renames, in-place rewrites, invalid
# versions), with the server's RSS sampled every 10 s.
#
#   ./scripts/soak.sh [SECONDS=600] [CLIENTS=16]
#
# Serves a copy of schedules/ plus 8 generated courses (50 items each) from
# target/soak/, runs benches/tools/soak.rs against it, then stops the server with
# SIGTERM and checks it exits 0. Fails on any request error, RSS growth
# beyond 1.5 x the RSS after warm-up (a fifth of the run) + 20 MB, or an
# unclean shutdown. Loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SECS=${1:-600}
CLIENTS=${2:-16}
WORK=$ROOT/target/soak
DIR=$WORK/schedules

cargo build --release -q --bin coursecal --example soak --example gen_schedules
BIN=$ROOT/target/release/coursecal
rm -rf "$WORK" && mkdir -p "$DIR"
cp -r schedules/. "$DIR/"
"$ROOT/target/release/examples/gen_schedules" "$DIR" 8 50 2>/dev/null

"$BIN" serve --addr 127.0.0.1:0 --schedules "$DIR" >"$WORK/server.out" 2>"$WORK/server.log" &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

PORT=
for _ in $(seq 100); do
  PORT=$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$WORK/server.out")
  [ -n "$PORT" ] && break
  kill -0 "$PID" 2>/dev/null || { echo "server exited before listening:"; cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not print its address within 10 s"; exit 1; }
echo "server pid $PID on 127.0.0.1:$PORT; log: $WORK/server.log"

SOAK_RC=0
"$ROOT/target/release/examples/soak" --addr "127.0.0.1:$PORT" --pid "$PID" \
  --schedules "$DIR" --secs "$SECS" --clients "$CLIENTS" || SOAK_RC=$?

kill -TERM "$PID"
SERVER_RC=0
wait "$PID" || SERVER_RC=$?
trap - EXIT
echo "server_exit $SERVER_RC"
echo "server_log_lines $(wc -l <"$WORK/server.log") (warn $(grep -c WARN "$WORK/server.log" || true), error $(grep -c ERROR "$WORK/server.log" || true))"

if [ "$SOAK_RC" -ne 0 ]; then echo "soak FAILED (exit $SOAK_RC)"; exit 1; fi
if [ "$SERVER_RC" -ne 0 ]; then echo "server did not exit cleanly on SIGTERM (exit $SERVER_RC)"; exit 1; fi
echo "soak ok"
