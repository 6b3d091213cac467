//! Size and item limits on schedule input: files too large or too binary to
//! commit as fixtures, generated at test time. Each gets a clear message, a
//! bounded time, no panic.

use crate::harness::{self, Test};
use std::time::Duration;

/// CPU time (user + system) one check may take. Debug builds of our crate
/// are slower than release, where each of these takes well under a second.
const BOUND: Duration = Duration::from_secs(2);

fn check_bytes(name: &str, bytes: &[u8]) -> (Option<i32>, String, Duration) {
    let test = Test::new();
    let dir = test.path().join("schedules");
    std::fs::write(dir.join(name), bytes).unwrap();
    let times = test.path().join("times");
    let out = harness::bounded_command(
        &["check".as_ref(), "--schedules".as_ref(), dir.as_os_str()],
        &times,
    )
    .output()
    .unwrap();
    let took = harness::children_cpu(&times);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    eprintln!("{name}: {took:?} CPU");
    (out.status.code(), stderr, took)
}

#[test]
fn a_10_mb_file_is_refused_by_size() {
    let mut yaml = String::from("course:\n  title: Big\nmilestones:\n");
    while yaml.len() < 10 * 1024 * 1024 {
        yaml.push_str("  - name: padding padding padding padding padding\n    date: 2024-01-01\n");
    }
    let (code, err, took) = check_bytes("big.yaml", yaml.as_bytes());
    assert_eq!(code, Some(1));
    assert!(
        err.contains("big.yaml") && err.contains("larger than the limit of 4 MiB"),
        "{err}"
    );
    assert!(took < BOUND, "{took:?}");
}

#[test]
fn a_utf8_bom_is_accepted() {
    let (code, err, _) = check_bytes(
        "bom.yaml",
        "\u{feff}course:\n  title: With BOM\nmilestones:\n  - name: Start\n    date: 2024-01-01\n"
            .as_bytes(),
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_nul_byte_is_located() {
    let (code, err, _) = check_bytes("nul.yaml", b"course:\n  title: Nul\x00here\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("nul.yaml:2:"), "{err}");
}

#[test]
fn a_100_kb_name_is_refused_with_the_limit() {
    let yaml = format!(
        "course:\n  title: T\nmilestones:\n  - name: {}\n    date: 2024-01-01\n",
        "x".repeat(100 * 1024)
    );
    let (code, err, took) = check_bytes("long.yaml", yaml.as_bytes());
    assert_eq!(code, Some(1));
    assert!(
        err.contains("long.yaml:4:") && err.contains("the limit is 500"),
        "{err}"
    );
    assert!(took < BOUND, "{took:?}");
}

#[test]
fn a_hundred_thousand_events_exceed_the_item_limit() {
    let mut yaml = String::from("course:\n  title: Many\nmilestones:\n");
    for i in 0..100_000 {
        yaml.push_str(&format!("  - {{name: m{i}, date: 2024-01-01}}\n"));
    }
    let (code, err, took) = check_bytes("many.yaml", yaml.as_bytes());
    assert_eq!(code, Some(1));
    assert!(
        err.contains("too many dated items: a course may hold at most 20000"),
        "{err}"
    );
    assert!(err.contains("many.yaml:"), "{err}");
    assert!(took < BOUND, "{took:?}");
}
