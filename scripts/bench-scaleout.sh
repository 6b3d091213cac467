#!/usr/bin/env bash
# Scale-out demo on loopback: nginx (Debian package) as a caching load
# balancer in front of two `coursecal serve` replicas. Shows identical ETags
# from both replicas, cache hits, and throughput of one replica vs two behind
# nginx (without and with its cache).
#
#   ./scripts/bench-scaleout.sh [SECONDS=10] [CONNECTIONS=64]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DUR=${1:-10}
CONN=${2:-64}
WORK=$ROOT/target/bench-scaleout
R1=18301; R2=18302; LB=18300; LBC=18310
need() { command -v "$1" >/dev/null || { apt-get install -y -q "$2" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; }; }; }
need nginx nginx
need wrk wrk
cargo build --release -q --bin coursecal
BIN=$ROOT/target/release/coursecal
rm -rf "$WORK" && mkdir -p "$WORK/cache" "$WORK/tmp"

RUST_LOG=warn "$BIN" serve --schedules schedules --addr 127.0.0.1:$R1 >/dev/null 2>&1 & P1=$!
RUST_LOG=warn "$BIN" serve --schedules schedules --addr 127.0.0.1:$R2 >/dev/null 2>&1 & P2=$!
cat >"$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp;
  fastcgi_temp_path $WORK/tmp; uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  upstream coursecal { server 127.0.0.1:$R1; server 127.0.0.1:$R2; keepalive 64; }
  proxy_cache_path $WORK/cache levels=1:2 keys_zone=coursecal:10m max_size=100m inactive=1h;
  server {
    listen 127.0.0.1:$LB;
    location / { proxy_pass http://coursecal; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$LBC;
    location / {
      proxy_pass http://coursecal; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache coursecal; proxy_cache_key \$request_uri\$http_accept_encoding;
      proxy_cache_revalidate on; proxy_cache_lock on; proxy_cache_valid 200 5m;
      add_header X-Cache-Status \$upstream_cache_status;
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"
trap 'kill $P1 $P2 2>/dev/null || true; kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true' EXIT
sleep 1

URL=/courses/res-cms-154.ics?tz=America/New_York
e1=$(curl -sI "http://127.0.0.1:$R1$URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
e2=$(curl -sI "http://127.0.0.1:$R2$URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
echo "ETag replica 1: $e1"
echo "ETag replica 2: $e2"
[ -n "$e1" ] && [ "$e1" = "$e2" ] && echo "identical: yes" || { echo "identical: NO"; exit 1; }
for i in 1 2 3; do
  printf 'via caching nginx, request %s: X-Cache-Status %s\n' "$i" \
    "$(curl -s -o /dev/null -D - "http://127.0.0.1:$LBC$URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache-status"{print $2}')"
done

run() { wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$1" 2>/dev/null | awk '/Requests\/sec/{r=$2} /^ +99%/{p=$2} /Non-2xx/{b=$NF} END{printf "%10.0f req/s  p99 %-9s non-2xx %s\n", r, p, (b==""?0:b)}'; }
printf '\n%s s, %s connections, %s cores (wrk, nginx and the replicas share them)\n' "$DUR" "$CONN" "$(nproc)"
printf '%-34s' "one replica, direct:";            run "http://127.0.0.1:$R1$URL"
printf '%-34s' "two replicas behind nginx:";      run "http://127.0.0.1:$LB$URL"
printf '%-34s' "two replicas, nginx cache:";      run "http://127.0.0.1:$LBC$URL"
