//! Invalid schedules: every directory under `tests/fixtures/invalid/` is a
//! tiny schedules directory that `coursecal check` must reject. For each case
//! the exit code, an empty stdout and a `file:line:col` location are checked,
//! and the whole stderr is snapshotted (`snapshots/lib__invalid__<case>.snap`,
//! with the input in the snapshot header) so that every message change shows
//! up in review. Adding a directory adds a case; run
//! `INSTA_UPDATE=always cargo test --test lib invalid` to record its snapshot,
//! then read it as a schedule author would.

use crate::harness;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Cases whose only problems concern a whole file or the directory (no line
/// to point at), so no message carries `:line:col`.
const WHOLE_FILE: &[&str] = &[
    "bad_file_name",
    "comments_only",
    "course_id_non_ascii",
    "course_id_too_long",
    "duplicate_course_id",
    "empty_file",
];

/// How many errors a case must report, where the count is the point of it.
const ERROR_COUNTS: &[(&str, usize)] = &[
    // One file, seven independent mistakes: all reported in one run (the
    // misspelt `relase:` once, not again as a missing `release`).
    ("many_errors_one_file", 7),
    // A bad file does not hide the good one, nor vice versa.
    ("one_good_one_bad", 1),
];

/// Most CPU time a case may take (and it runs with its address space
/// capped at [`harness::MEMORY_LIMIT_KB`]); a malformed file must fail fast.
const TIME_LIMIT: Duration = Duration::from_secs(1);

/// Kill a case that runs longer than this (a hang, not just slowness).
const HARD_TIMEOUT: Duration = Duration::from_secs(30);

fn fixtures() -> PathBuf {
    harness::repo()
        .join("tests")
        .join("fixtures")
        .join("invalid")
}

/// Case directory names, sorted.
fn cases() -> Vec<String> {
    let dir = fixtures();
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("fixture entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

/// The schedule files `check` reads in a case directory.
fn schedule_files(case_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(case_dir)
        .expect("read case dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| {
            (n.ends_with(".yaml") || n.ends_with(".yml"))
                && !n.starts_with('.')
                && !n.starts_with('_')
        })
        .collect();
    names.sort();
    names
}

/// Every input file of a case, for the snapshot header.
fn describe_input(dir: &Path, rel: &Path, out: &mut String) {
    let mut entries: Vec<_> = std::fs::read_dir(dir.join(rel))
        .expect("read case dir")
        .map(|e| e.expect("entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let rel = rel.join(entry.file_name());
        if entry.path().is_dir() {
            describe_input(dir, &rel, out);
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read fixture");
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        // Long lines (the nesting and alias cases) would swamp the header.
        text = text
            .lines()
            .map(|l| {
                if l.chars().count() > 100 {
                    format!("{}…", l.chars().take(100).collect::<String>())
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        out.push_str(&format!("== {} ==\n{text}\n", rel.display()));
    }
}

struct Run {
    case: String,
    output: Output,
    /// CPU time (user + system): unlike wall time, independent of load.
    elapsed: Duration,
    /// stderr with the fixtures prefix replaced by `fixtures/invalid`.
    stderr: String,
}

/// `coursecal check --schedules <case dir>`, killed after [`HARD_TIMEOUT`].
fn run_case(case: &str) -> Run {
    let dir = fixtures().join(case);
    let started = Instant::now();
    let times = tempfile::NamedTempFile::new().expect("times file");
    let mut child = harness::bounded_command(
        &["check".as_ref(), "--schedules".as_ref(), dir.as_os_str()],
        times.path(),
    )
    .current_dir(fixtures())
    .env_remove("COURSECAL_SCHEDULES")
    .env_remove("RUST_LOG")
    .env("NO_COLOR", "1")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start coursecal");
    // Drain the pipes on threads so a chatty child cannot block on them.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).map(|_| buf)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for coursecal") {
            break status;
        }
        if started.elapsed() > HARD_TIMEOUT {
            let _ = child.kill();
            panic!("case {case}: coursecal check still running after {HARD_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = harness::children_cpu(times.path());
    let output = Output {
        status,
        stdout: out_reader
            .join()
            .expect("stdout thread")
            .expect("read stdout"),
        stderr: err_reader
            .join()
            .expect("stderr thread")
            .expect("read stderr"),
    };
    let raw = String::from_utf8_lossy(&output.stderr);
    // Only the prefix: backslashes elsewhere are the author's text (`"\n"`).
    let stderr = raw.replace(&fixtures().display().to_string(), "fixtures/invalid");
    Run {
        case: case.to_owned(),
        output,
        elapsed,
        stderr,
    }
}

/// Each case runs once; both tests read the results.
fn runs() -> &'static [Run] {
    static RUNS: OnceLock<Vec<Run>> = OnceLock::new();
    RUNS.get_or_init(|| cases().iter().map(|c| run_case(c)).collect())
}

/// Whether `text` has `<name>:<line>:<col>` with both numbers positive.
fn has_location(text: &str, name: &str) -> bool {
    let needle = format!("{name}:");
    text.match_indices(&needle).any(|(i, _)| {
        let rest = &text[i + needle.len()..];
        let line: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Some(rest) = rest[line.len()..].strip_prefix(':') else {
            return false;
        };
        let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
        line.parse::<u32>().is_ok_and(|n| n > 0) && col.parse::<u32>().is_ok_and(|n| n > 0)
    })
}

/// The error count of the `checked …: N error(s)` summary line.
fn summary_errors(stderr: &str) -> Option<usize> {
    let line = stderr.lines().rev().find(|l| l.starts_with("checked "))?;
    let before = line.split(" error(s)").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

/// Checks on one case; panics with a message naming what is wrong.
fn check_case(run: &Run) {
    let case = run.case.as_str();
    let dir = fixtures().join(case);
    let stderr = &run.stderr;
    assert_eq!(
        run.output.status.code(),
        Some(1),
        "case {case}: expected exit 1\nstderr:\n{stderr}"
    );
    assert!(
        run.output.stdout.is_empty(),
        "case {case}: stdout must be empty, got:\n{}",
        String::from_utf8_lossy(&run.output.stdout)
    );
    assert!(
        !stderr.contains(&fixtures().display().to_string()),
        "case {case}: an absolute path survived normalisation:\n{stderr}"
    );

    let files = schedule_files(&dir);
    assert!(
        !files.is_empty(),
        "case {case}: no schedule file in {}",
        dir.display()
    );
    let named: Vec<&String> = files
        .iter()
        .filter(|f| stderr.contains(&format!("fixtures/invalid/{case}/{f}")))
        .collect();
    assert!(
        !named.is_empty(),
        "case {case}: stderr names none of {files:?}:\n{stderr}"
    );
    if !WHOLE_FILE.contains(&case) {
        assert!(
            named.iter().any(|f| has_location(stderr, f)),
            "case {case}: no `file:line:col` location for {files:?}:\n{stderr}"
        );
    }

    // Every reported error is rendered, and the summary counts them all.
    let rendered = stderr
        .lines()
        .filter(|l| l.starts_with("error: ") && !l.contains(" error(s) in the schedules"))
        .count();
    let summary = summary_errors(stderr)
        .unwrap_or_else(|| panic!("case {case}: no `checked …` summary line:\n{stderr}"));
    assert!(
        summary >= 1,
        "case {case}: the summary counts no error:\n{stderr}"
    );
    assert_eq!(
        rendered, summary,
        "case {case}: {rendered} rendered errors, summary says {summary}:\n{stderr}"
    );
    if let Some((_, n)) = ERROR_COUNTS.iter().find(|(c, _)| *c == case) {
        assert_eq!(summary, *n, "case {case}: expected {n} errors:\n{stderr}");
    }

    let mut input = String::new();
    describe_input(&dir, Path::new(""), &mut input);
    insta::with_settings!({
        description => format!("coursecal check --schedules fixtures/invalid/{case}\n\n{input}"),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(case, stderr);
    });
}

#[test]
fn every_invalid_fixture_is_rejected_with_located_messages() {
    let runs = runs();
    assert!(
        runs.len() >= 25,
        "expected at least 25 cases in {}, found {}",
        fixtures().display(),
        runs.len()
    );
    // Check every case before failing, so one run lists all the broken ones.
    let failed: Vec<&str> = runs
        .iter()
        .filter(|run| catch_unwind(AssertUnwindSafe(|| check_case(run))).is_err())
        .map(|run| run.case.as_str())
        .collect();
    assert!(failed.is_empty(), "failing invalid cases: {failed:?}");
}

#[test]
fn no_invalid_fixture_panics_or_is_slow() {
    let mut problems = Vec::new();
    for run in runs() {
        let case = &run.case;
        if run.stderr.contains("panicked") || run.output.status.code() == Some(101) {
            problems.push(format!("{case}: panicked\n{}", run.stderr));
        }
        if run.elapsed > TIME_LIMIT {
            problems.push(format!(
                "{case}: took {:?} (limit {TIME_LIMIT:?})",
                run.elapsed
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_invalid_snapshot_has_a_fixture() {
    let cases = cases();
    let snapshots = harness::repo().join("tests").join("snapshots");
    let Ok(entries) = std::fs::read_dir(&snapshots) else {
        return;
    };
    let stale: Vec<String> = entries
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter_map(|n| {
            let case = n.strip_prefix("lib__invalid__")?.strip_suffix(".snap")?;
            (!cases.iter().any(|c| c == case)).then(|| n.clone())
        })
        .collect();
    assert!(
        stale.is_empty(),
        "snapshots without a fixture directory (delete them): {stale:?}"
    );
}
