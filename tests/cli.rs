//! The command line: `check`, `build`, `feed`, as a user runs them.

use crate::harness::Test;

const MINIMAL: &str = "course:\n  title: Minimal\n  updated: 2024-01-01T00:00:00Z\nmilestones:\n  - name: Start\n    date: 2024-02-01\n";

#[test]
fn check_passes_on_the_shipped_schedules() {
    Test::new()
        .shipped()
        .args(&["check"])
        .run()
        .success()
        .stderr_contains("2 course(s) ok, 0 error(s)");
}

#[test]
fn build_writes_one_feed_per_course_and_a_merged_one() {
    let ran = Test::new()
        .shipped()
        .args(&["build", "--out", "public"])
        .run()
        .success();
    let one = ran.file("public/courses/res-cms-154.ics");
    let empty = ran.file("public/courses/res-cms-155.ics");
    let all = ran.file("public/calendar.ics");
    assert_eq!(one.matches("BEGIN:VEVENT").count(), 20);
    assert_eq!(empty.matches("BEGIN:VEVENT").count(), 0);
    assert_eq!(all.matches("BEGIN:VEVENT").count(), 20);
    // Several courses in one feed: the number prefixes each summary.
    assert!(all.contains("SUMMARY:[RES.CMS-154] Available: Unit 0: Welcome\r\n"));
    assert!(one.contains("SUMMARY:Available: Unit 0: Welcome\r\n"));
    assert!(all.contains("NAME:RES.CMS-154 + RES.CMS-155\r\n"));
}

#[test]
fn feeds_only_writes_the_ics_feeds_and_nothing_else() {
    let ran = Test::new()
        .shipped()
        .args(&["build", "--feeds-only", "--out", "public"])
        .run()
        .success();
    let mut written: Vec<String> = walk(&ran.path("public"));
    written.sort();
    assert_eq!(
        written,
        [
            ".coursecal-build",
            "calendar.ics",
            "courses/res-cms-154.ics",
            "courses/res-cms-155.ics"
        ]
    );
}

/// Every file under `dir`, relative to it.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn two_builds_are_byte_identical() {
    let a = Test::new()
        .shipped()
        .args(&["build", "--out", "public"])
        .run()
        .success();
    let b = Test::new()
        .shipped()
        .args(&["build", "--out", "public"])
        .run()
        .success();
    for f in [
        "public/calendar.ics",
        "public/courses/res-cms-154.ics",
        "public/courses/res-cms-155.ics",
    ] {
        assert_eq!(a.file(f), b.file(f), "{f}");
    }
}

#[test]
fn output_does_not_depend_on_the_host_zone_or_locale() {
    let run = |tz: &str| {
        let out = std::process::Command::new(crate::harness::bin())
            .args(["feed", "--tz", "America/New_York", "--schedules"])
            .arg(crate::harness::shipped_schedules())
            .env("TZ", tz)
            .env("LANG", "de_DE.UTF-8")
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(run("UTC"), run("Pacific/Chatham"));
    assert_eq!(run("UTC"), run("Asia/Kathmandu"));
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let test = Test::new().file("ok.yaml", MINIMAL);
    let root = test.path().to_path_buf();
    let ran = test.args(&["build", "--out", "public"]).run().success();
    let before = ran.file("public/courses/ok.ics");
    // Break the schedules, build again into the same directory.
    std::fs::write(root.join("schedules/ok.yaml"), "course: [\n").unwrap();
    let out = std::process::Command::new(crate::harness::bin())
        .args(["build", "--out", "public"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ran.file("public/courses/ok.ics"), before);
    // No temp directories are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn build_into_an_unwritable_place_fails_cleanly() {
    let test = Test::new().file("ok.yaml", MINIMAL);
    std::fs::write(test.path().join("blocker"), "a file, not a directory").unwrap();
    test.args(&["build", "--out", "blocker/public"])
        .run()
        .failure(1)
        .stderr_contains("blocker");
}

#[test]
fn feed_filters_by_kind_and_zone() {
    let ran = Test::new()
        .shipped()
        .args(&[
            "feed",
            "res-cms-154",
            "--tz",
            "asia/kolkata",
            "--kinds",
            "live",
        ])
        .run()
        .success();
    let body = ran.stdout();
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 4);
    assert!(body.contains("CATEGORIES:live"));
    assert!(!body.contains("CATEGORIES:due"));
    // 18:00 UTC is 23:30 in India.
    assert!(body.contains("DTSTART;TZID=Asia/Kolkata:20170929T233000\r\n"));
    assert!(body.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Kolkata\r\n"));
}

#[test]
fn all_day_events_keep_their_date_in_every_zone() {
    for tz in ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu"] {
        let ran = Test::new()
            .shipped()
            .args(&["feed", "res-cms-154", "--tz", tz, "--kinds", "release"])
            .run()
            .success();
        let body = ran.stdout();
        assert!(
            body.contains("DTSTART;VALUE=DATE:20170919\r\nDTEND;VALUE=DATE:20170920\r\n"),
            "{tz}"
        );
        // No timed events: no VTIMEZONE, no TZID.
        assert!(
            !body.contains("VTIMEZONE") && !body.contains("TZID="),
            "{tz}"
        );
    }
}

#[test]
fn utc_feeds_use_z_times_and_no_vtimezone() {
    let ran = Test::new()
        .shipped()
        .args(&["feed", "res-cms-154"])
        .run()
        .success();
    let body = ran.stdout();
    assert!(body.contains("DTSTART:20170929T180000Z\r\n"));
    assert!(
        !body.contains("VTIMEZONE") && !body.contains("TZID") && !body.contains("X-WR-TIMEZONE")
    );
    assert!(body.contains("REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\nX-PUBLISHED-TTL:PT6H\r\n"));
}

#[test]
fn unknown_zone_kind_and_course_are_usage_errors_with_suggestions() {
    Test::new()
        .shipped()
        .args(&["feed", "--tz", "Europe/Berln"])
        .run()
        .failure(2)
        .stderr_contains("did you mean `Europe/Berlin`?");
    Test::new()
        .shipped()
        .args(&["feed", "--kinds", "releases"])
        .run()
        .failure(2)
        .stderr_contains("did you mean `release`?");
    Test::new()
        .shipped()
        .args(&["feed", "res-cms-514"])
        .run()
        .failure(2)
        .stderr_contains("unknown course `res-cms-514`");
}

#[test]
fn cancelled_items_stay_in_the_feed_as_cancelled() {
    let yaml = "course:\n  title: C\nlive_events:\n  - name: Gone\n    start: 2024-01-01T10:00:00Z\n    status: cancelled\n";
    let ran = Test::new()
        .file("c.yaml", yaml)
        .args(&["feed"])
        .run()
        .success();
    assert!(ran.stdout().contains("STATUS:CANCELLED\r\n"));
}

#[test]
fn editing_a_date_keeps_the_uid_and_bumping_updated_grows_sequence() {
    let v1 = "course:\n  title: C\n  updated: 2024-01-01T00:00:00Z\nunits:\n  - name: Unit 1\n    release: 2024-02-01\n";
    let v2 = "course:\n  title: C\n  updated: 2024-01-02T00:00:00Z\nunits:\n  - name: Unit 1\n    release: 2024-02-08\n    description: moved a week\n";
    let get = |yaml: &str| {
        Test::new()
            .file("c.yaml", yaml)
            .args(&["feed"])
            .run()
            .success()
            .stdout()
    };
    let (a, b) = (get(v1), get(v2));
    let field = |s: &str, name: &str| s.lines().find(|l| l.starts_with(name)).unwrap().to_owned();
    assert_eq!(field(&a, "UID:"), field(&b, "UID:"));
    assert_ne!(field(&a, "DTSTART"), field(&b, "DTSTART"));
    let seq = |s: &str| field(s, "SEQUENCE:")[9..].trim().parse::<i64>().unwrap();
    assert!(seq(&b) > seq(&a));
}

#[test]
fn check_warns_when_a_feed_passes_one_megabyte() {
    let mut yaml = String::from("course:\n  title: Big\nmilestones:\n");
    for i in 0..2600 {
        yaml.push_str(&format!(
            "  - name: Milestone number {i} with a reasonably long name to fill the feed\n    date: 2024-01-01\n    description: {}\n",
            "x".repeat(200)
        ));
    }
    Test::new()
        .file("big.yaml", &yaml)
        .args(&["check"])
        .run()
        .success()
        .stderr_contains("Google Calendar stops reading feeds larger than 1 MB")
        .stderr_contains("the feed calendar.ics is ");
}

#[test]
fn files_starting_with_dot_or_underscore_are_ignored() {
    Test::new()
        .file("ok.yaml", MINIMAL)
        .file("_draft.yaml", "not: [valid")
        .file(".ok.yaml.swp", "garbage")
        .args(&["check"])
        .run()
        .success()
        .stderr_contains("1 course(s) ok");
}
