//! What a single request may cost, what the server refuses, and what a
//! shared cache may keep: each test failed on the code before its fix (found
//! by an outside attack on the release binary). All run against the real
//! binary on loopback.

use crate::harness::{Server, raw};
use std::time::Duration;

const FEED: &str = "/courses/res-cms-154.ics";

/// CPU time (user + system) the process has used so far.
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may hold spaces) start at ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("comm")
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let hz = 100; // USER_HZ on Linux
    Duration::from_millis(ticks * 1000 / hz)
}

#[test]
fn unknown_zones_cost_what_a_good_request_costs() {
    let s = Server::shipped();
    // Warm up: the first request pays for lazily built tables.
    assert_eq!(
        s.get("/courses/res-cms-154.ics?tz=Europe/Berln").status,
        400
    );
    let long = "Q".repeat(8000);
    let near = "Europe/Berlinnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"; // 64 bytes
    let before = cpu_of(s.pid());
    for i in 0..10 {
        let target = if i % 2 == 0 {
            format!("/courses/res-cms-154.ics?tz={long}")
        } else {
            format!("/courses/res-cms-154?tz={near}")
        };
        let r = s.get(&target);
        assert_eq!(r.status, 400, "{target}");
        // The echo is bounded too.
        assert!(r.body.len() < 300, "{} bytes", r.body.len());
    }
    let used = cpu_of(s.pid()) - before;
    assert!(
        used < Duration::from_millis(100),
        "10 bad zones took {used:?} of CPU"
    );
    // The suggestion still works for real typos.
    let r = s.get("/courses/res-cms-154.ics?tz=Europe/Berln");
    assert!(r.text().contains("Europe/Berlin"), "{}", r.text());
}

#[test]
fn qr_codes_built_from_host_are_not_shared_by_caches() {
    let s = Server::shipped();
    let r = raw(
        &s.addr,
        "GET /courses/res-cms-154/qr.svg HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert!(
        r.header("vary").is_some_and(|v| v.contains("Host")),
        "{:?}",
        r.headers
    );
    assert!(
        r.header("cache-control")
            .is_some_and(|v| v.starts_with("private")),
        "{:?}",
        r.header("cache-control")
    );
    // With --base-url the code is the same whatever the Host, and public.
    let based = Server::shipped_args(&["--base-url", "https://cal.example.edu/"]);
    let a = raw(
        &based.addr,
        "GET /qr.svg HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    let b = based.get("/qr.svg");
    assert_eq!(a.body, b.body);
    assert_eq!(a.header("cache-control"), Some("public, max-age=300"));
    // Pages built from Host say so too.
    let page = s.get("/courses/res-cms-154");
    assert!(page.header("vary").is_some_and(|v| v.contains("Host")));
}

#[test]
fn the_shipped_proxy_and_unit_do_not_let_host_poison_the_cache() {
    let root = crate::harness::repo();
    let nginx = std::fs::read_to_string(root.join("deploy/nginx.conf")).unwrap();
    let key = nginx
        .lines()
        .find(|l| l.trim_start().starts_with("proxy_cache_key"))
        .expect("a cache key");
    assert!(key.contains("$host"), "{key}");
    let unit = std::fs::read_to_string(root.join("deploy/coursecal.service")).unwrap();
    assert!(
        unit.contains("COURSECAL_BASE_URL="),
        "the unit sets --base-url"
    );
}

#[test]
fn a_changed_feed_never_earns_a_304_by_date() {
    let s = Server::shipped();
    let first = s.get(FEED);
    let lm = first.header("last-modified").unwrap().to_owned();
    assert_eq!(
        s.request("GET", FEED, &[("if-modified-since", &lm)]).status,
        304
    );
    // An edit that leaves `updated:` alone.
    let path = s.schedules.join("res-cms-154.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("2017-10-11", "2017-10-12", 1);
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    assert!(
        s.eventually(Duration::from_secs(10), |s| s.get(FEED).body != first.body),
        "the edit is served"
    );
    let r = s.request("GET", FEED, &[("if-modified-since", &lm)]);
    assert_eq!(r.status, 200, "changed bytes answered 304");
    assert_ne!(r.header("last-modified"), Some(lm.as_str()));
}

#[test]
fn requests_rfc_9112_refuses_are_refused() {
    let s = Server::shipped();
    let two_hosts = raw(
        &s.addr,
        "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(two_hosts.status, 400);
    let no_host = raw(&s.addr, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(no_host.status, 400);
    // HTTP/1.0 had no Host requirement.
    assert_eq!(raw(&s.addr, "GET /healthz HTTP/1.0\r\n\r\n").status, 200);
    // The absolute-form target's authority wins over Host.
    let absolute = raw(
        &s.addr,
        "GET http://good.example/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(absolute.status, 200);
    let text = absolute.text();
    assert!(
        text.contains("webcal://good.example/"),
        "links from the target"
    );
    assert!(!text.contains("evil.example"));
    for target in ["/nope", "/", FEED] {
        let r = s.request("OPTIONS", target, &[]);
        assert_eq!(r.status, 405, "OPTIONS {target}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }
    assert_eq!(s.request("POST", "/nope", &[]).status, 405);
    // A CORS preflight still works.
    let pre = s.request(
        "OPTIONS",
        FEED,
        &[
            ("origin", "https://lms.example"),
            ("access-control-request-method", "GET"),
        ],
    );
    assert!(pre.status == 200 || pre.status == 204, "{}", pre.status);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn every_route_reads_its_query_by_one_rule() {
    let s = Server::shipped();
    let routes = [
        FEED,
        "/calendar.ics",
        "/courses/res-cms-154",
        "/courses/res-cms-154/embed",
        "/",
        "/courses/res-cms-154/qr.svg",
    ];
    for route in routes {
        let r = s.get(&format!("{route}?tz=UTC&tz=Europe/Berlin"));
        assert_eq!(r.status, 400, "{route}");
        assert!(r.text().contains("`tz`"), "{route}: {}", r.text());
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(s.get(&format!("{route}?tz=")).status, 200, "{route} tz=");
        assert_eq!(
            s.get(&format!("{route}?kinds=due&kinds=live")).status,
            200,
            "{route} kinds twice"
        );
        assert_eq!(
            s.get(&format!("{route}?download=1&download=1")).status,
            200,
            "{route} download twice"
        );
        assert_eq!(s.get(&format!("{route}?tz=Nowhere/Land")).status, 400);
    }
    let both = s.get(&format!("{FEED}?kinds=due&kinds=live")).text();
    assert!(both.contains("CATEGORIES:due") && both.contains("CATEGORIES:live"));
    assert!(
        !both.contains("CATEGORIES:release"),
        "releases are left out"
    );
    let empty = s.get(&format!("{FEED}?tz=")).body;
    assert_eq!(empty, s.get(FEED).body, "empty tz= is the default");
}

#[test]
fn if_none_match_over_several_lines_matches() {
    let s = Server::shipped();
    let etag = s.get(FEED).header("etag").unwrap().to_owned();
    let r = s.request(
        "GET",
        FEED,
        &[("if-none-match", "\"nope\""), ("if-none-match", &etag)],
    );
    assert_eq!(r.status, 304);
}

#[test]
fn a_trusted_proxy_value_is_the_last_one() {
    let s = Server::shipped_args(&["--trust-proxy"]);
    let r = crate::harness::http(
        &s.addr,
        "GET",
        "/",
        &[("x-forwarded-host", "evil.example, good.example")],
    );
    let text = r.text();
    assert!(text.contains("webcal://good.example/"));
    assert!(!text.contains("evil.example"));
}

#[test]
fn plain_text_errors_are_never_sniffed() {
    let s = Server::shipped();
    for target in [
        "/nope",
        "/courses/%3Cscript%3E.ics",
        "/courses/res-cms-154.ics?tz=%3Cb%3E",
        "/courses/res-cms-154/events/nope.ics",
    ] {
        let r = s.get(target);
        assert!(r.status >= 400, "{target}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{target}"
        );
    }
}

#[test]
fn traversal_attempts_never_reach_a_file() {
    let s = Server::shipped();
    for target in [
        "/courses/../Cargo.toml",
        "/courses/..%2f..%2fCargo.toml",
        "/courses/%2e%2e%2fschedules%2fres-cms-154.yaml",
        "/courses/%2e%2e/%2e%2e/etc/passwd",
        "/courses/..%5c..%5cCargo.toml",
        "/calendar.ics?courses=../res-cms-154",
        "/schedules/res-cms-154.yaml",
        "/../../etc/passwd",
    ] {
        let r = s.get(target);
        assert!(r.status == 400 || r.status == 404, "{target}: {}", r.status);
        let body = r.text();
        assert!(
            !body.contains("course:") && !body.contains("root:") && !body.contains("[package]"),
            "{target}"
        );
    }
}

#[test]
fn oversized_urls_and_headers_are_refused() {
    let s = Server::shipped();
    let long = format!("/calendar.ics?tz={}", "A".repeat(100 * 1024));
    let r = s.get(&long);
    assert!(matches!(r.status, 414 | 431 | 400), "{}", r.status);
    let big = "x".repeat(100 * 1024);
    let r = s.request("GET", "/calendar.ics", &[("x-junk", &big)]);
    assert!(matches!(r.status, 431 | 400), "{}", r.status);
    // The server still answers afterwards.
    assert_eq!(s.get("/calendar.ics").status, 200);
}
