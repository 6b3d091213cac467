#!/usr/bin/env bash
# Serve throughput: coursecal serve vs nginx on the same bytes, in one run.
#
#   ./scripts/bench-serve.sh [SECONDS_PER_ROUND] [CONNECTIONS] [ROUNDS]
#
# With ROUNDS > 1 each row is measured that many times, nginx and coursecal
# one after the other (in turn first), and the table shows medians: on
# shared cores one round's requests a second can swing by half.
#
# nginx runs in its strongest static setup (sendfile, gzip_static with
# pre-compressed .gz files) and, as a second column, with on-the-fly
# `gzip on`. Rounds are interleaved (nginx, coursecal, nginx-gzip-on per row).
# Installs nginx and wrk from Debian if missing. Loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DUR=${1:-10}
CONN=${2:-64}
ROUNDS=${3:-1}
THREADS=2
WORK=$ROOT/target/bench-serve
P_STATIC=18181; P_GZIP=18182; P_CC=18183

need() { command -v "$1" >/dev/null || { echo "installing $2 ..."; apt-get install -y -q "$2" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; }; }; }
need nginx nginx
need wrk wrk

cargo build --release -q --bin coursecal --example gen_schedules
# CC_BIN=path runs another build of coursecal (e.g. the one before a change).
BIN=${CC_BIN:-$ROOT/target/release/coursecal}
rm -rf "$WORK" && mkdir -p "$WORK/schedules" "$WORK/www"
cp -r schedules/. "$WORK/schedules/"
# ~1 MB merged feed: 14 generated courses x 100 items (+ the shipped ones).
"$ROOT/target/release/examples/gen_schedules" "$WORK/schedules" 14 100 2>/dev/null
"$BIN" build --schedules "$WORK/schedules" --out "$WORK/www" 2>/dev/null
"$BIN" feed res-cms-154 --tz America/New_York --schedules "$WORK/schedules" >"$WORK/www/courses/res-cms-154-ny.ics" 2>/dev/null
find "$WORK/www" -name '*.ics' -exec gzip -9 -k -f {} \;

conf() { # conf PORT GZIP_DIRECTIVES
cat <<NGINX
worker_processes auto;
pid $WORK/nginx-$1.pid;
error_log $WORK/nginx-$1.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000;
  types { text/calendar ics; }
  default_type application/octet-stream;
  client_body_temp_path $WORK/tmp-$1; proxy_temp_path $WORK/tmp-$1;
  fastcgi_temp_path $WORK/tmp-$1; uwsgi_temp_path $WORK/tmp-$1; scgi_temp_path $WORK/tmp-$1;
  server {
    listen 127.0.0.1:$1;
    root $WORK/www;
    $2
  }
}
NGINX
}
conf $P_STATIC "gzip_static on; gzip_vary on;" >"$WORK/nginx-static.conf"
conf $P_GZIP "gzip on; gzip_types text/calendar; gzip_vary on; gzip_min_length 256;" >"$WORK/nginx-gzip.conf"
mkdir -p "$WORK/tmp-$P_STATIC" "$WORK/tmp-$P_GZIP"
nginx -c "$WORK/nginx-static.conf" -p "$WORK"
nginx -c "$WORK/nginx-gzip.conf" -p "$WORK"
RUST_LOG=warn "$BIN" serve --schedules "$WORK/schedules" --addr 127.0.0.1:$P_CC >"$WORK/cc.out" 2>"$WORK/cc.err" &
CC_PID=$!
cleanup() {
  kill "$CC_PID" 2>/dev/null || true
  for p in $P_STATIC $P_GZIP; do [ -f "$WORK/nginx-$p.pid" ] && kill "$(cat "$WORK/nginx-$p.pid")" 2>/dev/null || true; done
}
trap cleanup EXIT
sleep 1

# Same bytes from both? (ETag aside, the bodies must match.)
for path in /courses/res-cms-154.ics /calendar.ics; do
  cmp -s <(curl -s "http://127.0.0.1:$P_STATIC$path") <(curl -s "http://127.0.0.1:$P_CC$path") \
    || { echo "bodies differ for $path"; exit 1; }
done

# name | nginx path | coursecal path | accept-encoding
ROWS=(
  "small 6KB|/courses/res-cms-154.ics|/courses/res-cms-154.ics|identity"
  "small 6KB gzip|/courses/res-cms-154.ics|/courses/res-cms-154.ics|gzip"
  "merged ~1MB|/calendar.ics|/calendar.ics|identity"
  "merged ~1MB gzip|/calendar.ics|/calendar.ics|gzip"
  "tz=America/New_York|/courses/res-cms-154-ny.ics|/courses/res-cms-154.ics?tz=America/New_York|identity"
  "tz=America/New_York gzip|/courses/res-cms-154-ny.ics|/courses/res-cms-154.ics?tz=America/New_York|gzip"
)
# CPU time (utime + stime, clock ticks) of every thread of processes $@.
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
HZ=$(getconf CLK_TCK)
run_wrk() { # run_wrk URL ENCODING SERVER_PIDS -> "rps p99ms non2xx cpu_us_per_request"
  # Requests a second depend on what else the cores run (other processes
  # share them); the server's own CPU time per request does much less, so
  # it is shown beside them.
  local t0 t1 out
  t0=$(ticks $3)
  out=$(wrk -t$THREADS -c"$CONN" -d"${DUR}s" --latency -H "Accept-Encoding: $2" "$1" 2>/dev/null)
  t1=$(ticks $3)
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$HZ" '
    /requests in/ {n=$1}
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
    /Non-2xx/ {bad=$NF}
    END {printf "%.0f %.2f %s %.1f\n", rps, p99, (bad==""?0:bad), (n>0 ? ticks*1e6/hz/n : 0)}'
}
# Warm coursecal's cache for each variant. A compressed variant is made at
# a fast level first and at gzip -9 in the background once asked for again;
# wait for that, so that both servers send -9 bytes from the first request
# (nginx's .gz files above are gzip -9).
SIZES=""
for row in "${ROWS[@]}"; do
  IFS='|' read -r _ npath cpath enc <<<"$row"
  for _ in 1 2; do curl -s -o /dev/null -H "Accept-Encoding: $enc" "http://127.0.0.1:$P_CC$cpath"; done
  [ "$enc" = gzip ] || continue
  for _ in $(seq 100); do
    curl -s -o /dev/null -D - -H "Accept-Encoding: $enc" "http://127.0.0.1:$P_CC$cpath" | grep -qi '^etag:.*-fast"' || break
    sleep 0.1
  done
  SIZES+="  $cpath: nginx $(curl -s -H "Accept-Encoding: $enc" "http://127.0.0.1:$P_STATIC$npath" | wc -c), coursecal $(curl -s -H "Accept-Encoding: $enc" "http://127.0.0.1:$P_CC$cpath" | wc -c)
"
done

printf '\n%s s per round, %s connections, %s wrk threads, %s, load average %s\n' "$DUR" "$CONN" "$THREADS" "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-26s | %12s %8s | %12s %8s | %12s %8s | %7s | %16s\n' "row" "nginx static" "p99 ms" "coursecal" "p99 ms" "nginx gzip on" "p99 ms" "cc/ngx" "CPU us/req ngx cc"
printf -- '---------------------------+-----------------------+-----------------------+-----------------------+---------+------------------\n'
NGX_PIDS=$(pgrep -P "$(cat "$WORK/nginx-$P_STATIC.pid")" | tr '\n' ' ')
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
for row in "${ROWS[@]}"; do
  IFS='|' read -r name npath cpath enc <<<"$row"
  ns=(); cs=(); nps=(); cps=(); ncs=(); ccs=(); rs=(); bad=""
  for ((r = 1; r <= ROUNDS; r++)); do
    # Every other round coursecal goes first: a load that rises or falls
    # over a row then favours neither.
    if ((r % 2)); then
      read -r n_rps n_p99 n_bad n_cpu <<<"$(run_wrk "http://127.0.0.1:$P_STATIC$npath" "$enc" "$NGX_PIDS")"
      read -r c_rps c_p99 c_bad c_cpu <<<"$(run_wrk "http://127.0.0.1:$P_CC$cpath" "$enc" "$CC_PID")"
    else
      read -r c_rps c_p99 c_bad c_cpu <<<"$(run_wrk "http://127.0.0.1:$P_CC$cpath" "$enc" "$CC_PID")"
      read -r n_rps n_p99 n_bad n_cpu <<<"$(run_wrk "http://127.0.0.1:$P_STATIC$npath" "$enc" "$NGX_PIDS")"
    fi
    ns+=("$n_rps"); cs+=("$c_rps"); nps+=("$n_p99"); cps+=("$c_p99"); ncs+=("$n_cpu"); ccs+=("$c_cpu")
    rs+=("$(awk -v a="$c_rps" -v b="$n_rps" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print 0 }')")
    bad+="$n_bad$c_bad"
  done
  if [ "$enc" = gzip ]; then
    read -r g_rps g_p99 g_bad _ <<<"$(run_wrk "http://127.0.0.1:$P_GZIP$npath" "$enc" "")"
  else g_rps="-"; g_p99="-"; g_bad=0; fi
  # The ratio of the two servers measured one after the other: the median
  # over rounds (each round's pair sees about the same load).
  printf '%-26s | %12.0f %8s | %12.0f %8s | %12s %8s | %6sx | %7s %8s\n' "$name" "$(median "${ns[@]}")" "$(median "${nps[@]}")" \
    "$(median "${cs[@]}")" "$(median "${cps[@]}")" "$g_rps" "$g_p99" "$(median "${rs[@]}")" "$(median "${ncs[@]}")" "$(median "${ccs[@]}")"
  ((ROUNDS == 1)) || printf '%-26s   rounds cc/ngx: %s\n' "" "${rs[*]}"
  [ -z "$(tr -d 0 <<<"$bad$g_bad")" ] || echo "  non-2xx responses in some round (nginx, coursecal pairs: $bad; nginx-gzip: $g_bad)"
done
printf 'load average: %s\ngzip bodies (bytes):\n%s' "$(cut -d' ' -f1-3 /proc/loadavg)" "$SIZES"
rss=$(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$CC_PID/status)
printf '\ncoursecal peak RSS: %s\n' "$rss"
