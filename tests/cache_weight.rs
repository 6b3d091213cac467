//! What the response cache holds (#24): a feed asked for compressed keeps
//! that encoding only, its identity body comes back (the same bytes) when
//! a request asks for it, and the cache counts against `--cache-bytes`
//! what its entries hold at each step (`cached_bytes` on `/healthz`).

use crate::harness::Server;
use std::io::Read;

const GZIP: &[(&str, &str)] = &[("accept-encoding", "gzip")];

fn cached_bytes(s: &Server) -> u64 {
    let h: serde_json::Value = serde_json::from_slice(&s.get("/healthz").body).unwrap();
    h["cached_bytes"]
        .as_u64()
        .expect("cached_bytes on /healthz")
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("a valid gzip body");
    out
}

/// What a cached entry may hold besides its bodies: the response's
/// headers, digest and bookkeeping, and its key.
const OVERHEAD: u64 = 4096;

#[test]
fn a_gzip_variant_holds_its_gzip_only_until_identity_is_asked_for() {
    let s = Server::shipped();
    assert_eq!(cached_bytes(&s), 0);
    let path = "/courses/res-cms-154.ics?tz=Asia/Tokyo";
    let zipped = s.request("GET", path, GZIP);
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let body = gunzip(&zipped.body);
    let (gz, plain) = (zipped.body.len() as u64, body.len() as u64);
    assert!(plain > 2 * gz, "a feed compresses: {plain} vs {gz}");
    let held = cached_bytes(&s);
    assert!(
        (gz..gz + OVERHEAD).contains(&held),
        "gzip only: {held} counted for {gz} bytes of gzip ({plain} identity)"
    );

    // Asked for in identity: the same bytes, inflated, and kept from now on.
    let identity = s.get(path);
    assert_eq!(identity.status, 200);
    assert_eq!(identity.header("content-encoding"), None);
    assert_eq!(identity.body, body);
    assert_eq!(
        identity
            .header("etag")
            .map(|t| t.trim_end_matches('"').to_owned()),
        zipped.header("etag").map(|t| t
            .trim_end_matches('"')
            .trim_end_matches("-gz-fast")
            .to_owned()),
        "one digest for both encodings"
    );
    let both = cached_bytes(&s);
    assert!(
        (held + plain..held + plain + OVERHEAD).contains(&both),
        "identity and gzip: {both} counted, was {held}, identity is {plain}"
    );
    // Still one response, served from the cache in either encoding.
    assert_eq!(s.request("GET", path, GZIP).body, zipped.body);
    assert_eq!(s.get(path).body, body);
}

#[test]
fn a_small_budget_holds_many_compressed_variants_and_never_more_than_it_counts() {
    // Split over the cache's shards: each must hold a few identity bodies
    // (an entry holds its identity body until its gzip is made).
    let budget: u64 = 1_000_000;
    let s = Server::shipped_args(&["--cache-bytes", &budget.to_string()]);
    let path = |i: u32| {
        format!(
            "/courses/res-cms-154.ics?start=2026-{:02}-{:02}",
            i / 28 + 1,
            i % 28 + 1
        )
    };
    let mut plain = 0;
    for i in 0..200 {
        let r = s.request("GET", &path(i), GZIP);
        assert_eq!(r.status, 200);
        plain = plain.max(gunzip(&r.body).len() as u64);
        assert!(cached_bytes(&s) <= budget, "over budget after {i}");
    }
    let h: serde_json::Value = serde_json::from_slice(&s.get("/healthz").body).unwrap();
    let cached = h["cached_variants"].as_u64().unwrap();
    // Identity bodies would fit budget / plain variants; gzip ones fit
    // several times as many (less what the shards leave unused).
    assert!(
        2 * cached > 3 * budget / plain,
        "{cached} cached of {plain} bytes each in identity"
    );
}
