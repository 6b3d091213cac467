#!/usr/bin/env python3
"""A flood of distinct cold variants, and what everyone else sees meanwhile
(issue 24 item 1: "a flood of distinct cold variants from 16 connections
leaves other clients' cached requests at their usual p99 and cold ones
< 100 ms").

    cargo build --release --bin coursecal --example gen_schedules
    python3 scripts/bench-flood.py [SECONDS=20] [FLOODERS=16] [BINARY]

The server serves a generated catalog of 20 courses x 100 items (the merged
feed is ~1.4 MB, a cold `br` variant of it the costly case the issue
measured). Three phases of SECONDS each, on the same server:

  quiet  one "other" client asks, in turn, for a cached variant (the same
         merged feed in gzip) and for a cold one (a new `start=` of one
         course, br + gzip), back to back;
  anchor the same, while FLOODERS keep-alive connections from another
         address ask back to back for the cached merged feed (gzip): what
         any load on these cores does to the other client;
  flood  the same, while FLOODERS keep-alive connections from another
         address each ask for new `start=` variants of the merged feed
         with `Accept-Encoding: br, gzip`, back to back.

The flooders connect from 127.0.0.1 and the other client from 127.0.0.2
(both loopback on Linux), so the server sees two clients, as it would two
subscribers. The flooders run in a process of their own: threads of one
Python process take turns on its lock every 5 ms, and the other client's
timings then measured that lock (its p99 was ~5 ms whatever the server
did), not the server. Prints p50/p99/max of the other client's cached and cold
requests in both phases, and how many cold variants the flood got served.
Load generator and server share the machine's cores.

With SHARED=1 in the environment a third phase follows:

  shared the flood again, but one flooder request in four asks for one of
         the next cold variants the other client is about to ask for: the
         flooder's request for it is queued behind the flooder's own
         backlog, and the other client's must not wait there with it.
"""
import datetime, http.client, multiprocessing, os, shutil, statistics, subprocess, sys, tempfile, \
    threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
FLOODERS = int(sys.argv[2]) if len(sys.argv) > 2 else 16
BIN = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "target/release/coursecal")
GEN = os.path.join(ROOT, "target/release/examples/gen_schedules")


def start_server(schedules):
    p = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--schedules", schedules],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env={**os.environ, "RUST_LOG": "warn"})
    line = p.stdout.readline().strip()
    host, port = line.removeprefix("listening on http://").rsplit(":", 1)
    return p, int(port)


class Client:
    """One keep-alive connection from `source` (an address on loopback)."""

    def __init__(self, port, source):
        self.port, self.source = port, source
        self.conn = None

    def get(self, target, encoding):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60,
                                                       source_address=(self.source, 0))
            try:
                headers = {"Accept-Encoding": encoding} if encoding else {}
                self.conn.request("GET", target, headers=headers)
                r = self.conn.getresponse()
                r.read()
                if r.status != 200:
                    raise RuntimeError(f"{target}: {r.status}")
                return
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise


def day(n):
    # Distinct days stay inside the years a schedule may use (n < 60,000).
    return (datetime.date(2000, 1, 1) + datetime.timedelta(days=n)).isoformat()


# Forked, so the flooders' process shares NEXT with this one.
MP = multiprocessing.get_context("fork")
# The other client's next cold `start=` day number (read by SHARED flooders,
# in the flooders' process).
NEXT = MP.Value("l", 0, lock=False)


def cold_target(n):
    return f"/courses/gen-00003.ics?start={day(n)}"


def other_client(port, seconds, offset):
    """The cached and cold latencies of one ordinary client, in ms."""
    c = Client(port, "127.0.0.2")
    cached, cold = [], []
    n = offset
    NEXT.value = n + 1
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        c.get("/calendar.ics", "gzip")
        cached.append((time.perf_counter() - t) * 1000)
        n += 1
        NEXT.value = n + 1
        t = time.perf_counter()
        c.get(cold_target(n), "br, gzip")
        cold.append((time.perf_counter() - t) * 1000)
        time.sleep(0.01)
    return cached, cold


def flood(port, stop, counter, base, shared, cached=False):
    c = Client(port, "127.0.0.1")
    n = base
    i = 0
    while not stop.is_set():
        i += 1
        if cached:
            c.get("/calendar.ics", "gzip")
        elif shared and i % 4 == 0:
            # One of the other client's next three cold variants.
            c.get(cold_target(NEXT.value + (i // 4) % 3), "br, gzip")
        else:
            n += 1
            c.get(f"/calendar.ics?start={day(n)}", "br, gzip")
        with counter.get_lock():
            counter.value += 1


def flooders(port, stop, counter, base, shared, cached):
    """The flood: FLOODERS connections, a thread each, in this process."""
    threads = [threading.Thread(target=flood, args=(port, stop, counter, base + 3_000 * i, shared, cached))
               for i in range(FLOODERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def flood_phase(port, name, offset, base, shared, of_cached=False):
    stop, served = MP.Event(), MP.Value("l", 0)
    proc = MP.Process(target=flooders, args=(port, stop, served, base, shared, of_cached))
    proc.start()
    time.sleep(1)  # the flood's queue fills first
    before = served.value
    cached, cold = other_client(port, SECONDS, offset)
    during = served.value - before
    stop.set()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"the flooders failed (exit {proc.exitcode})")
    what = ("cached merged feeds" if of_cached
            else "requests (a quarter for the other client's next variants)" if shared
            else "cold merged variants")
    print(f"{name} ({during} {what} served to the flooders in {SECONDS:.0f} s):")
    row("other client, cached", cached)
    row("other client, cold", cold)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def row(name, xs):
    print(f"  {name:<28} n={len(xs):>5}  p50 {statistics.median(xs):7.1f} ms  "
          f"p99 {pct(xs, 99):7.1f} ms  max {max(xs):7.1f} ms")


def main():
    work = tempfile.mkdtemp(prefix="coursecal-flood-")
    try:
        subprocess.run([GEN, os.path.join(work, "schedules"), "20", "100"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server, port = start_server(os.path.join(work, "schedules"))
        try:
            Client(port, "127.0.0.2").get("/calendar.ics", "gzip")  # warm the cached variant
            print(f"{FLOODERS} flooders, {SECONDS:.0f} s per phase, {os.cpu_count()} cores")
            print("quiet (no flood):")
            cached, cold = other_client(port, SECONDS, 52_000)
            row("other client, cached", cached)
            row("other client, cold", cold)
            # The anchor: as many connections asking back to back for a
            # cached feed. What it does to the other client is what any load
            # does on these cores; the cold flood should do no more.
            flood_phase(port, "anchor: flood of cached requests", 49_000, 0, False, of_cached=True)
            flood_phase(port, "flood", 55_000, 0, False)
            if os.environ.get("SHARED") == "1":
                # Days apart from the first flood's, so every variant is new.
                flood_phase(port, "shared flood", 58_000, 1_000, True)
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
