#!/usr/bin/env bash
# Compile throughput: `coursecal build` vs the same feeds produced by Python
# icalendar and Node ical-generator (scripts/anchors/), on generated data,
# in one run. Prints two tables and the parser floor:
#   1. like-for-like: the per-course feeds. Python writes only those, from
#      JSON (no YAML to parse); `coursecal build --feeds-only` reads the
#      YAML and also writes the merged calendar.ics, so its ratio is a lower
#      bound;
#   2. with the merged calendar: every tool writes the per-course feeds and
#      the merged calendar.ics;
#   3. the YAML parser alone (benches/tools/yaml_alone.rs: serde-saphyr over the
#      same files, into IgnoredAny, on every core), the floor under 1.
# coursecal and the parser floor are the median of RUNS runs (default 5,
# each into a fresh directory, its removal not timed); the anchors run
# once. Validates that the outputs hold the same events (parsed back with
# tests/parsers/parse_ics.py).
#
#   ./scripts/bench-compile.sh [COURSES=1000] [ITEMS=100]     (RUNS=5)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
C=${1:-1000}
E=${2:-100}
WORK=$ROOT/target/bench-compile/$C-$E
ANCH=$ROOT/scripts/anchors
mkdir -p "$WORK"

echo "== building (release)"
cargo build --release -q --bin coursecal --example gen_schedules --example yaml_alone
BIN=$ROOT/target/release/coursecal
YAML_ALONE=$ROOT/target/release/examples/yaml_alone
RUNS=${RUNS:-5}

if [ ! -f "$WORK/events.json" ]; then
  echo "== generating $C courses x $E items"
  rm -rf "$WORK/schedules"
  "$ROOT/target/release/examples/gen_schedules" "$WORK/schedules" "$C" "$E" "$WORK/events.json"
fi
EVENTS=$((C * E))

echo "== installing anchors (scripts/anchors: .venv, node_modules)"
PY=python3
# `command -v` alone is not enough: a version manager's shim exists for
# versions that are not installed.
for cand in python3.13 python3.12 python3.11; do "$cand" -c '' 2>/dev/null && { PY=$cand; break; }; done
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

median() { sort -n | awk '{a[NR]=$1} END{m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.3f\n", (a[m]+a[m+1])/2}'; }

echo "== coursecal build $FEEDS_ONLY (median of $RUNS)"
: >"$WORK/walls-cc.txt"; : >"$WORK/rss-cc.txt"
# No tool's run follows the removal of many files: on ext4 without a
# journal, each new inode skips every inode freed in the last minutes, and
# removing a 1,000-course output just before a timed run made a third of
# that run's time. Earlier outputs are moved aside (no inode freed) and
# removed when the script ends; each coursecal run writes its own directory.
TRASH=$WORK/trash-$$
mkdir -p "$TRASH"
trap 'rm -rf "$TRASH"' EXIT
aside() { for d in "$@"; do [ -e "$d" ] && mv "$d" "$TRASH/$(basename "$d")-$RANDOM$RANDOM"; done; return 0; }
aside "$WORK"/out-coursecal "$WORK"/out-coursecal-* "$WORK/out-python-courses" "$WORK/out-python" "$WORK/out-node"
for i in $(seq "$RUNS"); do
  measure cc "$BIN" build $FEEDS_ONLY --schedules "$WORK/schedules" --out "$WORK/out-coursecal-$i"
  echo "  run $i: ${WALL}s, ${RSS_MB} MB"
  echo "$WALL" >>"$WORK/walls-cc.txt"; echo "$RSS_MB" >>"$WORK/rss-cc.txt"
done
mv "$WORK/out-coursecal-1" "$WORK/out-coursecal"
aside "$WORK"/out-coursecal-*
cc_wall=$(median <"$WORK/walls-cc.txt"); cc_rss=$(median <"$WORK/rss-cc.txt")

echo "== YAML parser alone (benches/tools/yaml_alone, median of $RUNS)"
: >"$WORK/walls-yaml.txt"
for i in $(seq "$RUNS"); do
  measure yaml "$YAML_ALONE" "$WORK/schedules"
  echo "$WALL" >>"$WORK/walls-yaml.txt"
done
yaml_wall=$(median <"$WORK/walls-yaml.txt"); yaml_rss=$RSS_MB
echo "  ${yaml_wall}s"

echo "== Python icalendar, per-course feeds only"
measure pyc "$ANCH/.venv/bin/python" "$ANCH/python_icalendar.py" "$WORK/events.json" "$WORK/out-python-courses" --per-course-only
pyc_wall=$WALL; pyc_rss=$RSS_MB; echo "  ${WALL}s, ${RSS_MB} MB"

echo "== Python icalendar, per-course feeds + merged calendar"
measure py "$ANCH/.venv/bin/python" "$ANCH/python_icalendar.py" "$WORK/events.json" "$WORK/out-python"
py_wall=$WALL; py_rss=$RSS_MB; echo "  ${WALL}s, ${RSS_MB} MB"

echo "== Node ical-generator"
measure js env TZ=UTC node "$ANCH/ical_generator.mjs" "$WORK/events.json" "$WORK/out-node"
js_wall=$WALL; js_rss=$RSS_MB; echo "  ${WALL}s, ${RSS_MB} MB"

echo "== validating: the same events in all outputs (parsed by Python icalendar)"
last=$(printf 'gen-%05d' $((C - 1)))
mid=$(printf 'gen-%05d' $((C / 2)))
for id in gen-00000 "$mid" "$last"; do
  for tool in coursecal python python-courses node; do
    "$ANCH/.venv/bin/python" "$ROOT/tests/parsers/parse_ics.py" "$WORK/out-$tool/courses/$id.ics" |
      "$ANCH/.venv/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print("\n".join(sorted(json.dumps([e["start"],e["end"],e["summary"]], sort_keys=True) for e in d["events"])))' \
      >"$WORK/check-$tool.txt"
  done
  cmp -s "$WORK/check-coursecal.txt" "$WORK/check-python.txt" && cmp -s "$WORK/check-coursecal.txt" "$WORK/check-python-courses.txt" \
    && cmp -s "$WORK/check-coursecal.txt" "$WORK/check-node.txt" \
    || { echo "outputs differ for $id"; diff "$WORK/check-coursecal.txt" "$WORK/check-python.txt" | head; exit 1; }
  echo "  $id: $(wc -l <"$WORK/check-coursecal.txt") events identical (start, end, summary)"
done

rate() { awk -v n="$EVENTS" -v s="$1" 'BEGIN{printf "%.0f", n/s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a/b}'; }
row() { printf '%-44s %9s %13s %9s %14s\n' "$@"; }
printf '\n%s courses x %s items = %s events; %s cores: %s\n' "$C" "$E" "$EVENTS" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '\n1. Per-course feeds (like-for-like; coursecal also writes the merged feed)\n'
row tool "wall s" "events/s" "RSS MB" "coursecal is"
row "coursecal build --feeds-only (YAML)" "$cc_wall" "$(rate "$cc_wall")" "$cc_rss" "-"
row "Python icalendar, per-course only (JSON)" "$pyc_wall" "$(rate "$pyc_wall")" "$pyc_rss" "$(ratio "$pyc_wall" "$cc_wall") faster"
printf '\n2. Per-course feeds + the merged calendar\n'
row tool "wall s" "events/s" "RSS MB" "coursecal is"
row "coursecal build --feeds-only (YAML)" "$cc_wall" "$(rate "$cc_wall")" "$cc_rss" "-"
row "Python icalendar (JSON)" "$py_wall" "$(rate "$py_wall")" "$py_rss" "$(ratio "$py_wall" "$cc_wall") faster"
row "Node ical-generator (JSON)" "$js_wall" "$(rate "$js_wall")" "$js_rss" "$(ratio "$js_wall" "$cc_wall") faster"
printf '\n3. The YAML parser alone on the same files (serde-saphyr, every core)\n'
row "yaml_alone" "$yaml_wall" "$(rate "$yaml_wall")" "$yaml_rss" "$(awk -v a="$yaml_wall" -v b="$cc_wall" 'BEGIN{printf "%.0f%% of build", 100*a/b}')"
awk -v p="$pyc_wall" -v y="$yaml_wall" 'BEGIN{printf "(Python per-course / parser alone: %.1fx, the ceiling of row 1 for any tool that parses this YAML with serde-saphyr)\n", p/y}'
