//! What a course with N historical versions costs to load (issue 21: 1,000
//! versions in < 1 s the first time, incrementally afterwards).
//!
//! `cargo run --release --example history_cost [N]` (N default 1000; or
//! without `--release`: the dev profile optimises dependencies too). Makes a
//! git repository with N commits of one course (fast-import, each moving one
//! date), then times: the first load (walk + compile every version), a
//! reload with nothing changed, and a reload after one more commit. Then the
//! same course without git: N versions recorded in a journal, and the first
//! load of a fresh process from it. Prints one line per figure.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

fn schedule(i: usize) -> String {
    let mut s = String::from("course:\n  title: History cost\n  timezone: Europe/Berlin\nunits:\n");
    for u in 0..12 {
        // Version i moves unit (i % 12) by i days: every version differs.
        let shift = if u == i % 12 { i % 200 } else { 0 };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date")
            + chrono::Duration::days((u * 7 + shift) as i64);
        s.push_str(&format!(
            "  - id: u{u}\n    name: Unit {u}\n    release: {day}\n    assignments:\n      - name: Task {u}\n        due: {day}T23:59\n"
        ));
    }
    s
}

/// CPU time of this process so far (user + system, Linux `/proc`): a loaded
/// machine stretches wall time, not this.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of stat(5), counted after the command name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) * 10.0
}

/// One reload, measured: the changes it found, its wall and CPU
/// milliseconds. History that cannot be read fails the run.
fn reload(loader: &mut coursecal::Loader) -> (usize, f64, f64) {
    let (t, c) = (Instant::now(), cpu_ms());
    let report = loader.reload();
    let (wall, cpu) = (t.elapsed().as_secs_f64() * 1e3, cpu_ms() - c);
    let errors = &report.history_errors;
    assert!(errors.is_empty(), "{errors:?}");
    let changes = report.catalog.changes.values().map(|c| c.len()).sum();
    (changes, wall, cpu)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("schedules")).expect("mkdir");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .current_dir(&repo)
            .args(args)
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    let mut fi = Command::new("git")
        .current_dir(&repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    {
        let stdin = fi.stdin.as_mut().expect("stdin");
        for i in 0..n {
            let text = schedule(i);
            let when = 1_767_225_600 + i as i64 * 3600;
            write!(
                stdin,
                "commit refs/heads/main\ncommitter T <t@example.edu> {when} +0000\ndata 1\n{}\n",
                i % 10
            )
            .expect("write");
            write!(
                stdin,
                "M 100644 inline schedules/cost-101.yaml\ndata {}\n{text}\n",
                text.len()
            )
            .expect("write");
        }
    }
    assert!(fi.wait().expect("fast-import").success());
    git(&["checkout", "-q", "-f", "main"]);

    let schedules = repo.join("schedules");
    let mut loader = coursecal::Loader::new(&schedules).with_history(None);
    let (changes, wall, cpu) = reload(&mut loader);
    println!(
        "git: {n} versions, first load {wall:.0} ms wall, {cpu:.0} ms CPU ({changes} changes)"
    );
    let (_, wall, _) = reload(&mut loader);
    println!("git: reload, nothing changed {wall:.1} ms");
    std::fs::write(schedules.join("cost-101.yaml"), schedule(n)).expect("write");
    git(&["commit", "-q", "-a", "-m", "one more"]);
    let (changes, wall, cpu) = reload(&mut loader);
    println!(
        "git: reload after one more commit {wall:.0} ms wall, {cpu:.0} ms CPU ({changes} changes)"
    );

    // Without git: a journal of n versions, then a fresh process's load.
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    let state = dir.path().join("state");
    let mut loader = coursecal::Loader::new(&plain).with_history(Some(&state));
    let t = Instant::now();
    for i in 0..n {
        // A new inode each time, so the loader sees the change whatever the
        // file system's timestamp resolution.
        let tmp = plain.join(".next");
        std::fs::write(&tmp, schedule(i)).expect("write");
        std::fs::rename(&tmp, plain.join("cost-101.yaml")).expect("rename");
        reload(&mut loader);
    }
    println!(
        "journal: recorded {n} versions in {:.0} ms (one reload each)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut fresh = coursecal::Loader::new(&plain).with_history(Some(&state));
    let (changes, wall, cpu) = reload(&mut fresh);
    println!(
        "journal: {n} versions, first load {wall:.0} ms wall, {cpu:.0} ms CPU ({changes} changes)"
    );
    let (_, wall, _) = reload(&mut fresh);
    println!("journal: reload, nothing changed {wall:.1} ms");
}
