//! `coursecal import` on inputs an attacker (or a careless export) makes:
//! the work is linear in the input (CPU time of the real binary, measured
//! with `times`, bounded far below what the quadratic code took), nothing
//! dated is lost without a word, no control character from a file reaches
//! the terminal, and `--out` never writes through a link, blocks on a FIFO
//! or overwrites a file unasked.

use crate::harness::{self, Test, repo};
use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

/// CPU (user + system) one import may take here. Debug builds; the
/// quadratic code took 10–30 s on the same inputs in release builds.
const BOUND: Duration = Duration::from_secs(3);

/// Run `coursecal import <args>` bounded; (exit code, stderr, CPU).
fn import(dir: &Path, args: &[&OsStr]) -> (Option<i32>, String, Duration) {
    let times = dir.join("times");
    let mut all: Vec<&OsStr> = vec!["import".as_ref()];
    all.extend_from_slice(args);
    let out = harness::bounded_command(&all, &times)
        .current_dir(dir)
        .output()
        .unwrap();
    let took = harness::children_cpu(&times);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), stderr, took)
}

/// The schedule written to `out.yaml` in `dir`, compiled.
fn compiled(dir: &Path) -> coursecal::Course {
    let yaml = std::fs::read_to_string(dir.join("out.yaml")).unwrap();
    coursecal::compile("fixture-course", "fixture-course.yaml", &yaml)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .course
}

#[test]
fn ten_thousand_rows_with_one_title_are_linear() {
    let test = Test::new();
    let mut csv = String::from("Date,Title\n");
    for _ in 0..10_000 {
        csv.push_str("2025-03-03,Quiz\n");
    }
    let path = test.path().join("sheet.csv");
    std::fs::write(&path, csv).unwrap();
    let (code, err, took) = import(
        test.path(),
        &[
            path.as_os_str(),
            "--id".as_ref(),
            "fixture-course".as_ref(),
            "--out".as_ref(),
            "out.yaml".as_ref(),
        ],
    );
    eprintln!("10,000 rows, one title: {took:?} CPU");
    assert_eq!(code, Some(0), "{err}");
    assert!(took < BOUND, "{took:?}");
    assert_eq!(
        compiled(test.path()).events.len(),
        10_001,
        "ten thousand dues and the unit they are under"
    );
}

#[test]
fn a_page_and_a_table_of_one_repeated_name_are_linear() {
    let test = Test::new();
    let mut page = String::new();
    let mut n = 0;
    while page.len() < 1024 * 1024 {
        page.push_str(
            "Reading group: a paragraph long enough to be a page. Quiz on March 3, 2025.\n",
        );
        n += 1;
    }
    let path = test.path().join("page.txt");
    std::fs::write(&path, page).unwrap();
    let (code, err, took) = import(
        test.path(),
        &[path.as_os_str(), "--out".as_ref(), "out.yaml".as_ref()],
    );
    eprintln!("1 MiB page, one name: {took:?} CPU");
    assert_eq!(code, Some(0), "{err}");
    assert!(took < BOUND, "{took:?}");
    assert_eq!(compiled(test.path()).events.len(), n);

    let test = Test::new();
    let mut html = String::from("<table><tr><th>Date</th><th>Event</th></tr>\n");
    let mut rows = 0;
    while html.len() < 3 * 1024 * 1024 && rows < 15_000 {
        html.push_str("<tr><td>2025-03-03</td><td>Quiz, a name padded to make the page long; padded further still, and further</td></tr>\n");
        rows += 1;
    }
    let path = test.path().join("page.html");
    std::fs::write(&path, html).unwrap();
    let (code, err, took) = import(
        test.path(),
        &[path.as_os_str(), "--out".as_ref(), "out.yaml".as_ref()],
    );
    eprintln!("{rows}-row HTML table, one name: {took:?} CPU");
    assert_eq!(code, Some(0), "{err}");
    assert!(took < BOUND, "{took:?}");
    assert_eq!(compiled(test.path()).events.len(), rows);
}

/// An Open edX export of `blocks` chapters inline in course.xml, with a
/// policy.json of about `policy_bytes` giving each its start.
pub(crate) fn big_olx(dir: &Path, blocks: usize, policy_bytes: usize) {
    let mut course =
        String::from("<course url_name=\"run\" org=\"O\" course=\"C\" display_name=\"Big\">\n");
    for i in 0..blocks {
        course.push_str(&format!(
            "  <chapter url_name=\"c{i}\" display_name=\"Chapter {i}\"/>\n"
        ));
    }
    course.push_str("</course>\n");
    std::fs::create_dir_all(dir.join("policies/run")).unwrap();
    std::fs::write(dir.join("course.xml"), course).unwrap();
    let pad = "p".repeat((policy_bytes / blocks.max(1)).saturating_sub(120));
    let mut policy = String::from("{\n  \"course/run\": {\"start\": \"2025-01-06T00:00:00Z\"}");
    for i in 0..blocks {
        policy.push_str(&format!(
            ",\n  \"chapter/c{i}\": {{\n    \"notes\": \"{pad}\",\n    \"start\": \"2025-02-01T00:00:00Z\"\n  }}"
        ));
    }
    policy.push_str("\n}\n");
    std::fs::write(dir.join("policies/run/policy.json"), policy).unwrap();
}

#[test]
fn ten_thousand_open_edx_blocks_with_a_large_policy_are_linear() {
    let test = Test::new();
    let export = test.path().join("export");
    big_olx(&export, 10_000, 4 * 1024 * 1024 - 64 * 1024);
    let (code, err, took) = import(
        test.path(),
        &[
            export.as_os_str(),
            "--id".as_ref(),
            "fixture-course".as_ref(),
            "--out".as_ref(),
            "out.yaml".as_ref(),
        ],
    );
    eprintln!("10,000 OLX blocks, 4 MiB policy.json: {took:?} CPU");
    assert_eq!(code, Some(0), "{err}");
    assert!(took < BOUND, "{took:?}");
    // Each chapter's line in policy.json is its own `"start"` line.
    let yaml = std::fs::read_to_string(test.path().join("out.yaml")).unwrap();
    assert_eq!(compiled(test.path()).events.len(), 10_001, "{err}");
    assert!(yaml.contains("Chapter 9999"));
}

/// Import `text` written as `name`; (code, stderr, YAML written).
fn import_text(name: &str, text: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let test = Test::new();
    let path = test.path().join(name);
    std::fs::write(&path, text).unwrap();
    let mut all: Vec<&OsStr> = vec![path.as_os_str(), "--out".as_ref(), "out.yaml".as_ref()];
    all.extend(args.iter().map(|a| OsStr::new(*a)));
    let (code, err, _) = import(test.path(), &all);
    let yaml = std::fs::read_to_string(test.path().join("out.yaml")).unwrap_or_default();
    (code, err, yaml)
}

#[test]
fn every_date_on_a_line_is_an_item_or_reported() {
    let (code, err, yaml) = import_text(
        "page.txt",
        "Quiz 1 on March 3, 2025; Quiz 2 on March 10, 2025; Quiz 3 on March 17, 2025.\n",
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    for q in ["Quiz 1", "Quiz 2", "Quiz 3"] {
        assert!(yaml.contains(&format!("\"{q}\"")), "{q}: {yaml}");
    }
    // A unit line takes one date; the other is reported (exit 1).
    let (code, err, _) = import_text(
        "page.txt",
        "Unit 1: Basics (March 3, 2025), moved from February 24, 2025\n",
        &[],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("page.txt:1:") && err.contains("February 24, 2025"),
        "{err}"
    );
}

#[test]
fn every_calendar_occurrence_is_an_item_or_reported() {
    let mut ics = String::from(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:many\nSUMMARY:Drop-in\nDTSTART:20250101T100000Z\n",
    );
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
    for i in 0..600 {
        let d = day + chrono::Days::new(i);
        ics.push_str(&format!("RDATE:{}T100000Z\n", d.format("%Y%m%d")));
    }
    ics.push_str("END:VEVENT\nEND:VCALENDAR\n");
    let (code, err, _) = import_text("cal.ics", &ics, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cal.ics:2:") && err.contains("occurrences"),
        "{err}"
    );

    // DTSTART is the first instance even when the rule gives no other.
    let (code, err, yaml) = import_text(
        "cal.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:feb\nSUMMARY:Leap review\nDTSTART;VALUE=DATE:20250210\nRRULE:FREQ=MONTHLY;BYMONTHDAY=30;UNTIL=20250227\nEND:VEVENT\nEND:VCALENDAR\n",
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        yaml.contains("Leap review") && yaml.contains("2025-02-10"),
        "{yaml}"
    );
}

#[test]
fn a_name_without_letters_gets_an_id_and_the_schedule_is_written() {
    let (code, err, yaml) = import_text(
        "sheet.csv",
        "Date,Title\n2025-03-03,!!!\n2025-03-04,???\n",
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        yaml.contains("id: \"item\"") && yaml.contains("id: \"item-2\""),
        "{yaml}"
    );
}

#[test]
fn canvas_assignment_uids_are_dues() {
    let (code, err, yaml) = import_text(
        "canvas.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:event-assignment-7\nSUMMARY:Essay [ENG 101]\nDTSTART:20250912T035900Z\nDTEND:20250912T035900Z\nEND:VEVENT\nEND:VCALENDAR\n",
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(yaml.contains("due: 2025-09-12T03:59:00Z"), "{yaml}");
    assert!(!yaml.contains("live_events"), "{yaml}");
}

#[test]
fn control_characters_from_a_file_never_reach_the_terminal() {
    let (code, err, _) = import_text(
        "cal.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nSUMMARY:Talk\nDTSTART;TZID=\"Evil\u{1b}]0;owned\u{7}\":20250101T100000\nEND:VEVENT\nEND:VCALENDAR\n",
        &[],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("TZID"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");

    // A second top folder in an archive names it in the error.
    let mut b = tar::Builder::new(Vec::new());
    for dir in ["course/course.xml", "x\u{1b}[2J/course.xml"] {
        let mut h = tar::Header::new_gnu();
        h.set_path(dir).unwrap();
        h.set_size(9);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, &b"<course/>"[..]).unwrap();
    }
    let raw = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &raw).unwrap();
    let test = Test::new();
    let path = test.path().join("course.tar.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let (code, err, _) = import(test.path(), &[path.as_os_str()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn out_is_a_new_regular_file_written_whole() {
    let page = repo().join("tests/fixtures/import/syllabus/page.txt");
    let test = Test::new();
    let dir = test.path();
    let run = |out: &str, force: bool| {
        let mut args: Vec<&OsStr> = vec![page.as_os_str(), "--out".as_ref(), out.as_ref()];
        if force {
            args.push("--force".as_ref());
        }
        import(dir, &args)
    };
    // Written, then refused without --force, replaced with it.
    assert_eq!(run("a.yaml", false).0, Some(0));
    std::fs::write(dir.join("a.yaml"), "mine").unwrap();
    let (code, err, _) = run("a.yaml", false);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("exists") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("a.yaml")).unwrap(), "mine");
    assert_eq!(run("a.yaml", true).0, Some(0));
    assert!(
        std::fs::read_to_string(dir.join("a.yaml"))
            .unwrap()
            .contains("course:")
    );
    // A link is not followed, even with --force: its target is untouched.
    std::fs::write(dir.join("target"), "precious").unwrap();
    std::os::unix::fs::symlink(dir.join("target"), dir.join("link.yaml")).unwrap();
    let (code, err, _) = run("link.yaml", true);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("target")).unwrap(),
        "precious"
    );
    // A FIFO is refused at once (opening it would block).
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let (code, err, _) = run("fifo.yaml", true);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("FIFO"), "{err}");
    let (code, err, _) = run("/dev/null", true);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("device"), "{err}");
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
