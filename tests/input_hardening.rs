//! Input hardening (security issue #11): hostile or unusual input is
//! rejected with a located error, or handled, never passed through.

use crate::harness::Test;

/// The UIDs of a feed, in order.
fn uids(feed: &str) -> Vec<String> {
    feed.lines()
        .filter_map(|l| l.strip_prefix("UID:"))
        .map(|u| u.trim_end().to_owned())
        .collect()
}

const NAMES: &str = "course:\n  title: Namen\n  updated: 2024-01-01T00:00:00Z\nunits:\n  - name: \"Unit 1: Basics\"\n    release: 2024-02-01\n    assignments:\n      - name: \"Aufgabe 1: Größen\"\n        due: 2024-02-08\n      - name: \"Aufgabe 1: Grossen\"\n        due: 2024-02-09\n  - name: 第二単元\n    release: 2024-03-01\n";

fn feed_uids(schedule: &str) -> Vec<String> {
    let out = Test::new()
        .file("demo-101.yaml", schedule)
        .args(&["feed", "demo-101"])
        .run()
        .success()
        .stdout();
    let mut u = uids(&out);
    u.sort();
    u
}

#[test]
fn uids_are_ascii_and_stable_and_ascii_names_keep_theirs() {
    let first = feed_uids(NAMES);
    assert_eq!(first.len(), 4, "{first:?}");
    for uid in &first {
        assert!(uid.is_ascii(), "non-ASCII UID {uid}");
    }
    // An ASCII name keeps exactly the UID of earlier versions.
    assert!(
        first.contains(&"demo-101.release.unit-1-basics@coursecal".to_owned()),
        "{first:?}"
    );
    assert!(
        first.contains(&"demo-101.due.aufgabe-1-grossen@coursecal".to_owned()),
        "{first:?}"
    );
    // A second run, and an edit of the dates, give the same UIDs.
    assert_eq!(feed_uids(NAMES), first);
    let moved = NAMES
        .replace("2024-02-08", "2024-02-15")
        .replace("2024-03-01", "2024-03-08");
    assert_eq!(feed_uids(&moved), first);
}

fn long_name_schedule(name: &str) -> String {
    format!("course:\n  title: Long\nmilestones:\n  - name: \"{name}\"\n    date: 2024-02-01\n")
}

/// `check` and `build` agree: what checks, builds, and every file name
/// fits 255 bytes.
fn check_and_build_agree(name: &str) {
    let schedule = long_name_schedule(name);
    Test::new()
        .file("long-101.yaml", &schedule)
        .args(&["check"])
        .run()
        .success();
    let ran = Test::new()
        .file("long-101.yaml", &schedule)
        .args(&["build", "--out", "public"])
        .run()
        .success();
    let events = ran.dir.join("public/courses/long-101/events");
    let names: Vec<String> = std::fs::read_dir(&events)
        .unwrap_or_else(|e| panic!("{}: {e}", events.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].is_ascii() && names[0].len() <= 255, "{names:?}");
}

#[test]
fn a_300_character_name_checks_and_builds() {
    check_and_build_agree(&"a".repeat(300));
}

#[test]
fn an_80_cjk_character_name_checks_and_builds() {
    check_and_build_agree(&"漢".repeat(80));
}
