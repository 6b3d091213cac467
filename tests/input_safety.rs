//! Unsafe input is refused with a located error or made safe, never passed
//! through: ASCII bounded UIDs, metadata confined to the schedules directory
//! (no `..`, symlinks out, FIFOs), control characters, `--base-url`.

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

/// `coursecal check` of `dir`/schedules as (exit code, stderr), killed after
/// 20 s so that a hang (a FIFO read) fails the test instead of hanging it.
fn check_within(dir: &std::path::Path) -> (Option<i32>, String) {
    use std::time::{Duration, Instant};
    let log = dir.join("check.stderr");
    let mut child = std::process::Command::new(crate::harness::bin())
        .args(["check", "--schedules", "schedules"])
        .current_dir(dir)
        .env_remove("COURSECAL_SCHEDULES")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start coursecal");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("coursecal check still running after 20 s (blocked on a read?)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    (status.code(), stderr)
}

fn with_metadata(path: &str) -> String {
    format!("course:\n  metadata: {path}\nmilestones:\n  - name: Start\n    date: 2024-02-01\n")
}

/// `check` fails, quickly, with `needle` located at the `metadata:` value.
fn rejected(test: Test, needles: &[&str]) -> String {
    let (code, stderr) = check_within(test.path());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("demo-101.yaml:2:13"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "lacks {needle:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_url_path_with_a_line_break_cannot_inject_events() {
    let test = Test::new()
        .file("demo-101.yaml", &with_metadata("ocw/demo-101.md"))
        .file(
            "ocw/demo-101.md",
            "---\ncourse_title: Demo\nurl_path: \"a\\r\\nBEGIN:VEVENT\\r\\nUID:evil\\r\\nSUMMARY:Injected\\r\\nEND:VEVENT\"\n---\n",
        );
    rejected(
        test,
        &[
            "metadata file `ocw/demo-101.md` line 3, column 11: `url_path`",
            "line break",
        ],
    );
    let test = Test::new()
        .file("demo-101.yaml", &with_metadata("ocw/demo-101.md"))
        .file(
            "ocw/demo-101.md",
            "---\ncourse_title: Demo\nurl_path: https://ocw.mit.edu/courses/../x\n---\n",
        );
    rejected(test, &["`url_path`", "scheme"]);
    // Nothing reaches a feed either.
    let ran = Test::new()
        .file("demo-101.yaml", &with_metadata("ocw/demo-101.md"))
        .file(
            "ocw/demo-101.md",
            "---\ncourse_title: Demo\nurl_path: \"a\\nBEGIN:VEVENT\"\n---\n",
        )
        .args(&["feed"])
        .run()
        .failure(1);
    assert!(!ran.stdout().contains("BEGIN:VEVENT"));
}

#[test]
fn control_characters_in_metadata_text_are_located_errors() {
    let test = Test::new()
        .file("demo-101.yaml", &with_metadata("ocw/demo-101.md"))
        .file(
            "ocw/demo-101.md",
            "---\ncourse_title: \"Demo\\0Title\"\nprimary_course_number: \"\\e[31m6.001\"\ncourse_description: \"fine\\nlines\\a\"\n---\n",
        );
    let stderr = rejected(
        test,
        &[
            "line 2, column 15: `course_title`: text contains the control character U+0000",
            "line 3, column 24: `primary_course_number`: text contains the control character U+001B",
            "line 4, column 21: `course_description`: text contains the control character U+0007",
        ],
    );
    assert!(stderr.contains("3 error(s)"), "{stderr}");
}

#[test]
fn metadata_outside_the_schedules_directory_is_refused() {
    // `..` out of the directory: the file exists, and is never read.
    let test = Test::new().file("demo-101.yaml", &with_metadata("../outside.md"));
    std::fs::write(
        test.path().join("outside.md"),
        "---\ncourse_title: Secret Outside Title\n---\n",
    )
    .expect("write");
    let stderr = rejected(
        test,
        &["metadata path `../outside.md` leads outside the schedules directory"],
    );
    assert!(!stderr.contains("Secret"), "{stderr}");
    for absolute in ["/etc/hostname", "/dev/zero"] {
        let test = Test::new().file("demo-101.yaml", &with_metadata(absolute));
        rejected(
            test,
            &[&format!(
                "metadata path `{absolute}` leads outside the schedules directory"
            )],
        );
    }
}

#[test]
fn a_symbolic_link_out_of_the_schedules_directory_is_refused() {
    let test = Test::new().file("demo-101.yaml", &with_metadata("ocw/link.md"));
    let outside = test.path().join("outside.md");
    std::fs::write(&outside, "---\ncourse_title: Secret Outside Title\n---\n").expect("write");
    std::fs::create_dir_all(test.path().join("schedules/ocw")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, test.path().join("schedules/ocw/link.md"))
        .expect("symlink");
    let stderr = rejected(test, &["through a symbolic link"]);
    assert!(!stderr.contains("Secret"), "{stderr}");
    // A link that stays inside is fine.
    let test = Test::new()
        .file("demo-101.yaml", &with_metadata("ocw/link.md"))
        .file("ocw/real.md", "---\ncourse_title: Inside\n---\n");
    std::os::unix::fs::symlink("real.md", test.path().join("schedules/ocw/link.md"))
        .expect("symlink");
    let (code, stderr) = check_within(test.path());
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_fifo_as_metadata_fails_at_once_instead_of_hanging() {
    let test = Test::new().file("demo-101.yaml", &with_metadata("ocw/fifo.md"));
    std::fs::create_dir_all(test.path().join("schedules/ocw")).expect("mkdir");
    let made = std::process::Command::new("mkfifo")
        .arg(test.path().join("schedules/ocw/fifo.md"))
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    rejected(test, &["metadata path `ocw/fifo.md` is not a regular file"]);
}

#[test]
fn healthz_names_files_relative_to_the_schedules_directory() {
    let s = crate::harness::Server::shipped_with(
        &[
            ("broken.yaml", "course: [unclosed\n"),
            ("late.yaml", &with_metadata("ocw/missing.md")),
        ],
        &[],
    );
    let h: serde_json::Value =
        serde_json::from_slice(&s.get("/healthz").body).expect("healthz JSON");
    let errors: Vec<&str> = h["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert_eq!(errors.len(), 2, "{h}");
    assert!(errors[0].starts_with("broken.yaml:1:"), "{h}");
    assert!(errors[1].starts_with("late.yaml:2:13: "), "{h}");
    assert!(errors[1].contains("looked for `ocw/missing.md`"), "{h}");
    let text = h.to_string();
    let dir = s.schedules.display().to_string();
    assert!(!text.contains(&dir), "{dir} in {text}");
}

#[test]
fn a_base_url_with_control_characters_is_a_usage_error_and_writes_nothing() {
    for bad in [
        "https://x.example/\n<script>alert(1)</script>",
        "https://x.example/\t",
        "https://x.example/a\tb",
        "https://x.example/a\u{1b}[2J",
        "https://x.ex\u{1}ample/",
        "https://x.example:99999/",
        "https://x.example:0/",
    ] {
        let ran = Test::new()
            .shipped()
            .args(&["build", "--out", "public", "--base-url", bad])
            .run()
            .failure(2)
            .stderr_contains("--base-url");
        let written: Vec<_> = std::fs::read_dir(&ran.dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .filter(|n| n != "schedules")
            .collect();
        assert!(written.is_empty(), "{bad:?} wrote {written:?}");
        // The input is shown escaped: one line, no raw control character.
        let stderr = ran.stderr();
        let line = stderr.strip_suffix('\n').unwrap_or(&stderr);
        assert!(!line.contains(char::is_control), "{stderr:?}");
    }
}
