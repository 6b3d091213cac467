//! Cold variants (#24): a request for a variant nobody asked for before
//! costs a render and a fast compression, never the best level; the best
//! level is made in the background only for bodies asked for again; and a
//! stream of new variants does no work for, and takes nothing from, the
//! cached requests between them. Asserted on work counted by `/metrics`,
//! not on time.

use crate::harness::Server;
use std::io::Read;
use std::time::Duration;

const BR: &[(&str, &str)] = &[("accept-encoding", "br, gzip")];

/// A counter of `/metrics` (0 until its first increment: a family shows a
/// label only once it is used).
fn counter(s: &Server, series: &str) -> u64 {
    let text = s.get("/metrics").text();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0, |v| v.trim().parse().expect("a counter is a number"))
}

fn fast(s: &Server) -> u64 {
    counter(s, "coursecal_compressions_total{level=\"fast\"}")
}

fn best(s: &Server) -> u64 {
    counter(s, "coursecal_compressions_total{level=\"best\"}")
}

fn misses(s: &Server) -> u64 {
    counter(s, "coursecal_feed_cache_misses_total")
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(body, 4096)
        .read_to_end(&mut out)
        .expect("a valid brotli body");
    out
}

#[test]
fn a_flood_of_cold_variants_costs_fast_compressions_only_and_spares_cached_requests() {
    let s = Server::shipped();
    let cached = "/calendar.ics?start=2026-12-01";
    // A variant asked for twice is upgraded to the best level.
    let first = s.request("GET", cached, BR);
    assert_eq!(
        first.header("etag").map(|t| t.ends_with("-br-fast\"")),
        Some(true)
    );
    s.request("GET", cached, BR);
    assert!(
        s.eventually(Duration::from_secs(20), |s| {
            s.request("GET", cached, BR)
                .header("etag")
                .is_some_and(|t| t.ends_with("-br\""))
        }),
        "the cached variant was never upgraded"
    );
    let warm = s.request("GET", cached, BR);
    let (fast0, best0, misses0) = (fast(&s), best(&s), misses(&s));

    // Forty new variants, each followed by the cached one.
    let n = 40;
    let mut cold_paths = Vec::new();
    for day in 1..=n {
        let path = format!("/calendar.ics?start=2027-01-{:02}", day % 28 + 1);
        let path = if day > 28 {
            path.replace("2027-01", "2027-02")
        } else {
            path
        };
        let cold = s.request("GET", &path, BR);
        assert_eq!(cold.status, 200, "{path}");
        assert_eq!(cold.header("content-encoding"), Some("br"));
        let tag = cold.header("etag").expect("an etag");
        assert!(tag.ends_with("-br-fast\""), "{path}: {tag}");
        let plain = s.get(&path);
        assert_eq!(unbrotli(&cold.body), plain.body, "{path}");
        let again = s.request("GET", cached, BR);
        assert_eq!(again.status, 200);
        assert_eq!(again.header("etag"), warm.header("etag"));
        assert_eq!(again.body, warm.body);
        cold_paths.push(path);
    }
    let distinct = {
        let mut p = cold_paths.clone();
        p.sort();
        p.dedup();
        p.len() as u64
    };
    assert_eq!(distinct, n);
    // Each cold variant: one render, one fast compression; the cached
    // requests between them: no render, no compression. Nothing at the
    // best level: none of the new variants was asked for twice.
    assert_eq!(misses(&s) - misses0, n);
    assert_eq!(fast(&s) - fast0, n);
    assert_eq!(best(&s), best0);

    // Asked for again, one is upgraded: new bytes, a new strong ETag, the
    // same feed; the fast tag still validates (304).
    let again = &cold_paths[0];
    let fast_reply = s.request("GET", again, BR);
    let fast_tag = fast_reply.header("etag").expect("an etag").to_owned();
    assert!(
        s.eventually(Duration::from_secs(20), |s| best(s) == best0 + 1),
        "no upgrade"
    );
    let upgraded = s.request("GET", again, BR);
    let tag = upgraded.header("etag").expect("an etag");
    assert_ne!(tag, fast_tag);
    assert!(tag.ends_with("-br\""), "{tag}");
    assert_eq!(unbrotli(&upgraded.body), s.get(again).body);
    assert!(upgraded.body.len() <= fast_reply.body.len());
    let revalidated = s.request(
        "GET",
        again,
        &[
            ("accept-encoding", "br, gzip"),
            ("if-none-match", &fast_tag),
        ],
    );
    assert_eq!(revalidated.status, 304);
    assert_eq!(best(&s), best0 + 1);
}
