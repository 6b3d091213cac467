//! The URL form of a request has one rule in Rust (`src/site/query.rs`:
//! `Variant::query`) and a copy in the browser (`src/site/assets/site.js`:
//! `query`, which rebuilds every feed link when the reader changes zone or
//! kinds). This runs the JavaScript copy itself, cut from the shipped file,
//! with node on a page whose URL is one the server links to, and requires
//! it to rebuild exactly the query Rust writes for the same variant.

use crate::harness::repo;
use coursecal::{Variant, parse_kinds, parse_personal, parse_zone};
use std::process::Command;

/// The part of site.js that writes a query: its constants and everything
/// from `isUtc` to the end of `function query`. A marker that moved makes
/// this fail loudly rather than test nothing.
fn js_rule() -> String {
    let js = std::fs::read_to_string(repo().join("src/site/assets/site.js")).unwrap();
    let line = |start: &str| {
        let l = js.lines().find(|l| l.trim_start().starts_with(start));
        l.unwrap_or_else(|| panic!("site.js: no line starting `{start}`"))
            .to_owned()
    };
    let from = js.find("  const isUtc = ").expect("site.js: `isUtc`");
    let body = &js[from..];
    let end_marker = "return parts.length ? '?' + parts.join('&') : '';\n  }\n";
    let end = body
        .find(end_marker)
        .expect("site.js: end of `function query`");
    format!(
        "{}\n{}\n{}",
        line("const KINDS ="),
        line("const UTC_NAMES ="),
        &body[..end + end_marker.len()]
    )
}

/// Every variant of a small grid: zones (UTC spellings, `+` that must be
/// escaped, deep names), kind subsets, and a learner's run and reminders.
fn variants() -> Vec<Variant> {
    let zones = [
        None,
        Some("UTC"),
        Some("Etc/UTC"),
        Some("Europe/Berlin"),
        Some("Etc/GMT+5"),
        Some("America/Argentina/Buenos_Aires"),
    ];
    let kinds: [&[&str]; 4] = [
        &[],
        &["due"],
        &["milestone", "release"],
        &["release", "due", "live", "milestone"],
    ];
    let personal: [(Option<&str>, Option<&str>, &[&str]); 6] = [
        (None, None, &[]),
        (Some("2026-12-01"), None, &[]),
        (Some("2026-12-01"), Some("1"), &[]),
        (Some("2026-12-01"), Some("0.5"), &["2h", "15m"]),
        (Some("2027-03-20"), Some("2.25"), &["1w"]),
        (None, None, &["1d"]),
    ];
    let mut out = Vec::new();
    for zone in zones {
        for k in kinds {
            for (start, pace, alarms) in personal {
                let (shift, alarms) = parse_personal(start, pace, alarms).unwrap();
                out.push(Variant {
                    zone: zone.map(|z| parse_zone(z).unwrap()),
                    kinds: parse_kinds(k).unwrap(),
                    shift,
                    alarms,
                });
            }
        }
    }
    out
}

#[test]
fn site_js_writes_the_query_rust_writes() {
    let node = std::env::var("COURSECAL_NODE").unwrap_or_else(|_| "node".into());
    if Command::new(&node).arg("--version").output().is_err() {
        assert!(
            std::env::var_os("COURSECAL_PYTHON").is_none(),
            "node is required under ./scripts/test.sh"
        );
        eprintln!("SKIPPED site_js_writes_the_query_rust_writes: node not installed");
        return;
    }
    let variants = variants();
    // Each page URL is a link the server printed: the variant's own query.
    let pages: Vec<String> = variants.iter().map(Variant::query).collect();
    let script = format!(
        "const pages = {pages};\n\
         const out = pages.map((q) => {{\n\
           const serve = true;\n\
           const params = new URLSearchParams(q);\n\
           const location = {{ href: 'http://localhost/' + q }};\n\
           const navigator = {{ userAgent: '' }};\n\
           {rule}\n\
           // The page's state, as site.js reads it from the URL.\n\
           const zone = params.get('tz') || 'UTC';\n\
           const asked = params.getAll('kinds').join(',');\n\
           const list = KINDS.filter((k) => asked.split(',').includes(k));\n\
           const kinds = list.length ? list : KINDS;\n\
           return [query(zone, kinds), query(zone, kinds, 'download=1')];\n\
         }});\n\
         process.stdout.write(JSON.stringify(out));\n",
        pages = serde_json::to_string(&pages).unwrap(),
        rule = js_rule(),
    );
    let ran = Command::new(&node)
        .args(["-e", &script])
        .output()
        .expect("run node");
    assert!(
        ran.status.success(),
        "node failed:\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let js: Vec<[String; 2]> = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(js.len(), variants.len());
    let mut differ = Vec::new();
    for (v, [plain, download]) in variants.iter().zip(js) {
        let rust = (v.query(), v.query_with(&[("download", "1")]));
        if (plain.as_str(), download.as_str()) != (rust.0.as_str(), rust.1.as_str()) {
            differ.push(format!("rust {rust:?}\n  js ({plain:?}, {download:?})"));
        }
    }
    assert!(
        differ.is_empty(),
        "site.js and src/site/query.rs write different queries:\n{}",
        differ.join("\n")
    );
    // The grid reaches every part of the rule.
    for part in [
        "tz=Etc/GMT%2B5",
        "kinds=release,milestone",
        "pace=0.5",
        "alarm=15m,2h",
    ] {
        assert!(pages.iter().any(|p| p.contains(part)), "{part}");
    }
}
