#!/usr/bin/env bash
# Import cost on the inputs of issue 23, each made here (nothing downloaded):
#   sheet  10,000 CSV rows with one title                (target < 1 s)
#   page   a 4 MiB text page, one repeated name            (target < 3 s)
#   table  a 4 MiB HTML table of identical rows            (target < 3 s)
#   olx    10,000 Open edX blocks, 4 MiB policy.json       (target < 2 s)
# with an anchor in the same run: the seed page (41 lines) imported.
# Prints the median wall time and the CPU (user+sys) of 3 runs each.
# Usage: scripts/bench-import.sh [path/to/coursecal]   (default: release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/coursecal}
[ -x "$BIN" ] || cargo build --release --quiet
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

python3 - "$DIR" <<'PY'
import os, sys
d = sys.argv[1]
with open(f"{d}/sheet.csv", "w") as f:
    f.write("Date,Title\n" + "2025-03-03,Quiz\n" * 10_000)
# 19,000 dated lines (within the format's 20,000 items), one name, and
# prose between them to 4 MiB.
line = "Reading group: a paragraph long enough to be a page. Quiz on March 3, 2025.\n"
prose = "Notes without dates, as a page has them between its dates. " * 3 + "\n"
with open(f"{d}/page.txt", "w") as f:
    n = 19_000
    filler = (4 * 1024 * 1024 - n * len(line)) // len(prose)
    for i in range(n):
        f.write(line)
        if i < filler:
            f.write(prose)
row = "<tr><td>2025-03-03</td><td>Quiz</td><td>a cell padded to make a long row of a long table</td></tr>\n"
with open(f"{d}/table.html", "w") as f:
    # Within the format's 20,000 items.
    f.write("<table><tr><th>Date</th><th>Event</th><th>Notes</th></tr>\n" + row * 19_000)
    f.write("<!-- " + "x" * (4 * 1024 * 1024 - 19_000 * len(row) - 200) + " -->\n")
o = f"{d}/olx"
os.makedirs(f"{o}/policies/run")
with open(f"{o}/course.xml", "w") as f:
    f.write('<course url_name="run" org="O" course="C" display_name="Big">\n')
    for i in range(10_000):
        f.write(f'  <chapter url_name="c{i}" display_name="Chapter {i}"/>\n')
    f.write("</course>\n")
pad = "p" * (4 * 1024 * 1024 // 10_000 - 140)
with open(f"{o}/policies/run/policy.json", "w") as f:
    f.write('{\n  "course/run": {"start": "2025-01-06T00:00:00Z"}')
    for i in range(10_000):
        f.write(f',\n  "chapter/c{i}": {{\n    "notes": "{pad}",\n    "start": "2025-02-01T00:00:00Z"\n  }}')
    f.write("\n}\n")
PY

seed=tests/fixtures/import/res-cms-154-page.txt
run() { # name, args…: median wall and CPU of 3 runs
  local name=$1; shift
  local walls=() cpus=()
  for _ in 1 2 3; do
    local out
    /usr/bin/time -f "%e %U %S" -o "$DIR/time" "$BIN" import "$@" --out "$DIR/out.yaml" --force >/dev/null 2>&1 || true
    out=$(tail -1 "$DIR/time")
    walls+=("$(echo "$out" | awk '{print $1}')")
    cpus+=("$(echo "$out" | awk '{printf "%.2f", $2 + $3}')")
  done
  local wall cpu
  wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n 2p)
  local size=$1
  [ -d "$size" ] && size=$size/policies/run/policy.json
  printf '%-8s %6s s wall %6s s CPU   input %s\n' "$name" "$wall" "$cpu" "$(du -h "$size" | cut -f1)"
}
echo "coursecal import ($BIN), median of 3:"
run anchor "$seed" --timezone UTC
run sheet "$DIR/sheet.csv"
run page "$DIR/page.txt"
run table "$DIR/table.html"
run olx "$DIR/olx"
