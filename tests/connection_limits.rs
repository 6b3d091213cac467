//! Connection and memory limits under load, loopback only: slow clients,
//! connection floods, variant floods, and conditional requests racing each
//! other. Each test bounds its
//! own time and asserts the server still answers afterwards.

use crate::harness::{Conn, HttpResponse, Server, parse_response, raw};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const FEED: &str = "/courses/res-cms-154.ics";

fn request(target: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
}

/// Read until the server closes; `None` when it reset the connection or
/// the read timed out.
fn read_all(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => Some(raw),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => None,
        Err(e) => panic!("read: {e}"),
    }
}

fn assert_healthy(s: &Server) {
    let r = s.get(FEED);
    assert_eq!(r.status, 200);
    assert!(r.text().ends_with("END:VCALENDAR\r\n"));
}

#[test]
fn slow_clients_do_not_block_others_and_are_cut_off() {
    let s = Server::shipped_args(&["--header-timeout", "2"]);
    let started = Instant::now();
    // 100 silent connections, 100 that send half a request head and then
    // trickle one header line every 300 ms (slowloris).
    let mut silent: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(&s.addr).unwrap())
        .collect();
    let mut trickling: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.write_all(format!("GET {FEED} HTTP/1.1\r\nHost: test\r\n").as_bytes())
                .unwrap();
            c
        })
        .collect();
    let trickler = {
        let streams: Vec<TcpStream> = trickling.iter().map(|c| c.try_clone().unwrap()).collect();
        std::thread::spawn(move || {
            let mut sent = 0;
            for round in 0..20 {
                for mut c in &streams {
                    // Writes fail once the server has cut the connection.
                    if c.write_all(format!("X-Slow-{round}: 1\r\n").as_bytes())
                        .is_ok()
                    {
                        sent += 1;
                    }
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            sent
        })
    };
    // Meanwhile an ordinary client is served at once, every time.
    let mut slowest = Duration::ZERO;
    for _ in 0..50 {
        let t = Instant::now();
        let r = s.get(FEED);
        slowest = slowest.max(t.elapsed());
        assert_eq!(r.status, 200);
    }
    assert!(
        slowest < Duration::from_secs(1),
        "a normal request took {slowest:?} beside 200 slow clients"
    );
    // After the 2 s header timeout every slow connection has been closed:
    // the silent ones and the trickling ones alike (the budget is for the
    // whole head, not per byte).
    let cut = |streams: &mut Vec<TcpStream>| {
        for c in streams.iter_mut() {
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            if let Some(raw) = read_all(c) {
                // Closed without a word, or with a 408.
                assert!(
                    raw.is_empty() || raw.starts_with(b"HTTP/1.1 408"),
                    "{:?}",
                    String::from_utf8_lossy(&raw)
                );
            }
        }
    };
    cut(&mut silent);
    cut(&mut trickling);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(6),
        "slow connections were held {waited:?}"
    );
    let sent = trickler.join().unwrap();
    assert!(sent < 100 * 20, "the trickling clients were never cut off");
    assert_healthy(&s);
}

#[test]
fn two_thousand_concurrent_connections_are_all_served() {
    let s = Server::shipped();
    // All 2,000 open at once before the first request is sent.
    let mut conns: Vec<TcpStream> = (0..2000)
        .map(|i| TcpStream::connect(&s.addr).unwrap_or_else(|e| panic!("connection {i}: {e}")))
        .collect();
    for c in &mut conns {
        c.write_all(request(FEED).as_bytes()).unwrap();
    }
    let expected = s.get(FEED).body;
    for (i, c) in conns.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let raw = read_all(c).unwrap_or_else(|| panic!("connection {i} was reset"));
        let r = parse_response(&raw, false);
        assert_eq!(r.status, 200, "connection {i}");
        assert_eq!(r.body, expected, "connection {i}");
    }
    assert_healthy(&s);
}

#[test]
fn connections_over_the_limit_get_a_clean_503() {
    let s = Server::shipped_args(&["--max-connections", "100", "--header-timeout", "30"]);
    // Hold every slot with idle connections...
    let held: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(&s.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // ...then 2,000 more clients each send a request.
    let mut refused = 0;
    let mut conns: Vec<TcpStream> = (0..2000)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.write_all(request(FEED).as_bytes()).unwrap();
            c
        })
        .collect();
    for (i, c) in conns.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let raw = read_all(c).unwrap_or_else(|| panic!("connection {i} was reset"));
        let r = parse_response(&raw, false);
        assert_eq!(r.status, 503, "connection {i}: {}", r.text());
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(r.header("connection"), Some("close"));
        refused += 1;
    }
    assert_eq!(refused, 2000);
    // Slots come back as soon as connections close.
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_healthy(&s);
}

/// 10,000 distinct (courses, tz, kinds) combinations.
fn variants() -> Vec<String> {
    let courses = [
        "",
        "courses=res-cms-154&",
        "courses=res-cms-155&",
        "courses=res-cms-155,res-cms-154&",
    ];
    let kinds = ["release", "due", "live", "milestone"];
    let kind_sets: Vec<String> = (1u8..16)
        .map(|mask| {
            (0..4)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| kinds[b])
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let mut out = Vec::new();
    'all: for tz in chrono_tz::TZ_VARIANTS {
        for c in courses {
            for k in &kind_sets {
                out.push(format!("/calendar.ics?{c}tz={}&kinds={k}", tz.name()));
                if out.len() == 10_000 {
                    break 'all;
                }
            }
        }
    }
    out
}

#[test]
fn ten_thousand_variants_keep_memory_bounded() {
    const CACHE: u64 = 8 << 20;
    let s = Server::shipped_args(&["--cache-bytes", &CACHE.to_string()]);
    let all = variants();
    assert_eq!(all.len(), 10_000);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 10_000);
    let run = |targets: &[String]| {
        let chunks: Vec<Vec<String>> = targets
            .chunks(targets.len().div_ceil(4))
            .map(<[String]>::to_vec)
            .collect();
        let threads: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let addr = s.addr.clone();
                std::thread::spawn(move || {
                    let mut conn = Conn::open(&addr).unwrap();
                    for t in chunk {
                        let r = conn
                            .send("GET", &t, &[("accept-encoding", "gzip, br")])
                            .unwrap();
                        assert_eq!(r.status, 200, "{t}");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    };
    run(&all[..500]);
    let warm = s.rss_kb();
    run(&all[500..5_000]);
    let half = s.rss_kb();
    run(&all[5_000..]);
    let end = s.rss_kb();
    eprintln!(
        "10,000 variants, cache budget {} MiB: RSS after 500 {} MiB, after 5,000 {} MiB, after 10,000 {} MiB",
        CACHE >> 20,
        warm / 1024,
        half / 1024,
        end / 1024
    );
    // Unbounded, 10,000 variants in three encodings would be ~150 MB.
    assert!(
        end < warm + 48 * 1024,
        "RSS grew from {warm} KiB to {end} KiB"
    );
    assert!(
        end < half + 16 * 1024,
        "RSS still growing: {half} KiB at 5,000, {end} KiB at 10,000"
    );
    // Every variant was rendered (none was served from a wrong entry).
    let metrics = s.get("/metrics").text();
    let misses: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("coursecal_feed_cache_misses_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(misses >= 10_000, "{misses} renders for 10,000 variants");
    assert_healthy(&s);
}

#[test]
fn head_get_and_304_agree_under_concurrency() {
    let s = Server::shipped();
    let targets = [
        FEED,
        "/courses/res-cms-155.ics",
        "/calendar.ics",
        "/calendar.ics?tz=Australia/Lord_Howe&kinds=live,due",
        "/courses/res-cms-154.ics?tz=America/New_York",
        "/courses/res-cms-154/events/res-cms-154.live.welcome-live-event-with-course-staff@coursecal.ics",
    ];
    let encodings = ["identity", "gzip", "br"];
    type Seen = Vec<(usize, usize, String, HttpResponse)>;
    let threads: Vec<_> = (0..16usize)
        .map(|t| {
            let addr = s.addr.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::open(&addr).unwrap();
                let mut etags: BTreeMap<(usize, usize), String> = BTreeMap::new();
                let mut seen: Seen = Vec::new();
                for i in 0..150usize {
                    // Every (target, encoding, method) combination, in a different
                    // order per thread.
                    let (u, e) = ((t + i) % targets.len(), (t + i / 6) % encodings.len());
                    let enc = ("accept-encoding", encodings[e]);
                    let (method, r) = match (t + i / 18) % 3 {
                        0 => ("GET", conn.send("GET", targets[u], &[enc]).unwrap()),
                        1 => ("HEAD", conn.send("HEAD", targets[u], &[enc]).unwrap()),
                        _ => match etags.get(&(u, e)) {
                            Some(tag) => {
                                let r = conn
                                    .send("GET", targets[u], &[enc, ("if-none-match", tag)])
                                    .unwrap();
                                assert_eq!(r.status, 304, "{} {tag}", targets[u]);
                                ("304", r)
                            }
                            None => ("GET", conn.send("GET", targets[u], &[enc]).unwrap()),
                        },
                    };
                    if method != "304" {
                        assert_eq!(r.status, 200, "{method} {}", targets[u]);
                    }
                    let tag = r.header("etag").expect("etag").to_owned();
                    etags.insert((u, e), tag.clone());
                    seen.push((u, e, method.to_owned(), r));
                }
                seen
            })
        })
        .collect();
    let mut by_variant: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
    // Keyed by ETag too: an encoding asked for again is upgraded from its
    // fast level to its best one mid-run, new bytes under a new strong tag.
    let mut lengths: BTreeMap<(usize, usize, String), BTreeSet<String>> = BTreeMap::new();
    let mut count = 0;
    for t in threads {
        for (u, e, method, r) in t.join().unwrap() {
            count += 1;
            by_variant
                .entry((u, e))
                .or_default()
                .insert(r.header("etag").unwrap().to_owned());
            if method != "304" {
                let len = r.header("content-length").unwrap().to_owned();
                if method == "GET" {
                    assert_eq!(len, r.body.len().to_string());
                }
                let tag = r.header("etag").unwrap().to_owned();
                lengths.entry((u, e, tag)).or_default().insert(len);
            }
        }
    }
    assert_eq!(count, 16 * 150);
    assert_eq!(by_variant.len(), targets.len() * encodings.len());
    for ((u, e), tags) in &by_variant {
        // One tag, or the fast level's and then the best level's.
        let fast = tags.iter().filter(|t| t.ends_with("-fast\"")).count();
        assert!(
            tags.len() == 1 || (tags.len() == 2 && fast == 1),
            "{} {}: {tags:?}",
            targets[*u],
            encodings[*e]
        );
    }
    for ((u, e, _), lens) in &lengths {
        assert_eq!(
            lens.len(),
            1,
            "{} {}: HEAD and GET lengths {lens:?}",
            targets[*u],
            encodings[*e]
        );
    }
    // Each encoding of a variant has its own tag.
    for u in 0..targets.len() {
        let tags: BTreeSet<_> = (0..encodings.len())
            .map(|e| by_variant[&(u, e)].clone())
            .collect();
        assert_eq!(tags.len(), encodings.len(), "{}", targets[u]);
    }
}

#[test]
fn readers_that_never_read_are_cut_off_and_free_their_slots() {
    let s = Server::shipped_args(&["--max-connections", "20", "--write-timeout", "2"]);
    // Each stalled client pipelines far more responses than socket buffers
    // hold, and never reads one.
    let pipelined: String = (0..3000)
        .map(|_| "GET /courses/res-cms-154 HTTP/1.1\r\nHost: test\r\n\r\n")
        .collect();
    let stalled: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
            // The server stops reading once its writes block: a partial
            // send is fine.
            let _ = c.write_all(pipelined.as_bytes());
            c
        })
        .collect();
    // All 20 slots are taken now.
    let refused = raw(&s.addr, "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(refused.status, 503);
    let started = Instant::now();
    let freed = loop {
        let r = raw(
            &s.addr,
            "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
        );
        if r.status == 200 {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "slots still held after 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // Write timeout 2 s, plus the time to fill the buffers.
    assert!(freed < Duration::from_secs(15), "freed after {freed:?}");
    drop(stalled);
}

/// A course whose agenda page is about 10 MB (from 0.9 MB of YAML).
fn big_course() -> String {
    let mut y = String::from(
        "course:\n  title: Big\n  timezone: UTC\n  updated: 2017-09-01T00:00:00Z\nmilestones:\n",
    );
    for i in 0..14_000 {
        y.push_str(&format!(
            "  - name: \"Milestone {i} of a long course\"\n    date: 2017-{:02}-{:02}\n",
            i % 12 + 1,
            i % 28 + 1,
        ));
    }
    y
}

#[test]
fn stalled_readers_of_one_big_page_share_one_copy() {
    let s = Server::shipped_with(&[("big.yaml", &big_course())], &["--write-timeout", "120"]);
    let page = s.get("/courses/big");
    assert_eq!(page.status, 200);
    let size = page.body.len();
    assert!(size > 8_000_000, "page is only {size} bytes");
    let before = s.rss_kb();
    let stalled: Vec<TcpStream> = (0..30)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.write_all(b"GET /courses/big HTTP/1.1\r\nHost: test\r\n\r\n")
                .unwrap();
            c
        })
        .collect();
    // Let the server start every response (each blocks on a full buffer).
    std::thread::sleep(Duration::from_secs(3));
    let grown_kb = s.rss_kb().saturating_sub(before);
    assert!(
        grown_kb < 100 * 1024,
        "30 stalled readers of a {size}-byte page added {grown_kb} KiB"
    );
    assert_eq!(s.get("/healthz").status, 200);
    drop(stalled);
}
