#!/usr/bin/env python3
"""What a hostile client costs the server (issue: outside attack).

    cargo build --release && python3 scripts/bench-attack.py [BINARY]

1. CPU time the server spends per 10 requests with an ~8 KB unknown `tz=`
   (and a 64-byte one, which still gets a suggestion), next to requests for a
   real zone (the anchor); measured over 1,000 requests each.
2. /healthz latency (median, p99, max over 200 probes) while 4 clients send
   such requests back to back, next to the same probes on an idle server.
3. 20 clients that pipeline requests and never read, against
   --max-connections 20 --write-timeout 2: seconds until a new client gets
   200 again.
"""
import http.client, os, socket, statistics, subprocess, sys, threading, time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/coursecal"
HZ = os.sysconf("SC_CLK_TCK")


def start(*args):
    p = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--schedules", "schedules", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline().strip()
    host, port = line.removeprefix("listening on http://").rsplit(":", 1)
    return p, (host, int(port))


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / HZ


def get(addr, target):
    c = http.client.HTTPConnection(*addr, timeout=60)
    c.request("GET", target)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def healthz_probe(addr, n=200):
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        assert get(addr, "/healthz") == 200
        lat.append((time.perf_counter() - t) * 1e3)
        time.sleep(0.01)
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.99) - 1], lat[-1]


def main():
    bad = "/courses/res-cms-154.ics?tz=" + "Q" * 8000
    good = "/courses/res-cms-154.ics?tz=Europe/Berlin"
    near = "/courses/res-cms-154.ics?tz=Europe/Berlinnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"  # 64 bytes: under the cap
    p, addr = start()
    try:
        get(addr, good)
        for name, target in [("8 KB unknown tz", bad), ("64-byte unknown tz (under the cap: searched)", near),
                             ("tz=Europe/Berlin (anchor)", good)]:
            # 1,000 requests: CPU time is counted in 10 ms ticks.
            before = cpu(p.pid)
            for _ in range(1000):
                get(addr, target)
            per10 = (cpu(p.pid) - before) * 1e3 / 100
            print(f"10 x {name}: {per10:.2f} ms server CPU (measured over 1,000)")
        print("healthz idle:            median %.2f ms, p99 %.2f ms, max %.2f ms" % healthz_probe(addr))
        stop = threading.Event()
        sent = [0]

        def attacker():
            while not stop.is_set():
                get(addr, bad)
                sent[0] += 1
        threads = [threading.Thread(target=attacker) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        r = healthz_probe(addr)
        stop.set()
        for t in threads:
            t.join()
        print("healthz under 4 attackers: median %.2f ms, p99 %.2f ms, max %.2f ms (%d bad requests)" % (*r, sent[0]))
    finally:
        p.terminate()
        p.wait()

    p, addr = start("--max-connections", "20", "--write-timeout", "2")
    try:
        pipelined = b"GET /courses/res-cms-154 HTTP/1.1\r\nHost: x\r\n\r\n" * 3000
        stalled = []
        for _ in range(20):
            s = socket.create_connection(addr)
            s.settimeout(1)
            try:
                s.sendall(pipelined)
            except OSError:
                pass
            stalled.append(s)
        t0 = time.perf_counter()
        while True:
            try:
                if get(addr, "/healthz") == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        print(f"20 never-reading clients, --write-timeout 2: slots free again after {time.perf_counter() - t0:.1f} s")
    finally:
        p.terminate()
        p.wait()


main()
