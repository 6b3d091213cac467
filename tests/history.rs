//! Change history (issue 21): SEQUENCE, LAST-MODIFIED and cancelled
//! removals from git commits or the journal, the Atom change feeds, the
//! "Recent changes" of pages and `coursecal changes`.
//!
//! The test makes its commits with the `git` binary; coursecal itself reads
//! them through gix.

use crate::cross_parsers::{Parser, assert_same, external_parsers, parse_with, parse_with_crate};
use crate::harness::{Server, bin, repo};
use coursecal::testing::{Version, fold};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Version A: a course. B: one due date moved, one live event cancelled,
/// one future milestone deleted, one unit renamed (explicit id). C: only a
/// description edited.
const A: &str = "course:
  title: History demo
  number: HIS.101
  timezone: Europe/Berlin
units:
  - id: intro
    name: Introduction
    release: 2026-03-02
    assignments:
      - name: Essay
        due: 2026-03-10T23:59
  - name: Second unit
    release: 2026-03-16
live_events:
  - name: Kick-off
    start: 2026-03-03T18:00
    duration: 1h
milestones:
  - name: Demo day
    date: 2026-06-01
  - name: Final
    date: 2026-07-01
    description: The last day.
";

fn version_b() -> String {
    A.replace("due: 2026-03-10T23:59", "due: 2026-03-17T23:59")
        .replace(
            "    duration: 1h\n",
            "    duration: 1h\n    status: cancelled\n",
        )
        .replace("  - name: Demo day\n    date: 2026-06-01\n", "")
        .replace("name: Introduction", "name: Getting started")
}

fn version_c() -> String {
    version_b().replace("The last day.", "The very last day.")
}

const WHEN_A: &str = "2026-01-10T12:00:00Z";
const WHEN_B: &str = "2026-02-01T09:30:00Z";
const WHEN_C: &str = "2026-02-05T16:00:00Z";

fn git(dir: &Path, args: &[&str], date: Option<&str>) {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.edu"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    if let Some(d) = date {
        c.env("GIT_COMMITTER_DATE", d).env("GIT_AUTHOR_DATE", d);
    }
    let out = c.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository with the three commits; returns (temp dir, repo root).
fn three_commits() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join("schedules")).expect("mkdir");
    git(&root, &["init", "-q", "-b", "main"], None);
    let file = root.join("schedules/his-101.yaml");
    for (text, when, msg) in [
        (A.to_owned(), WHEN_A, "A"),
        (version_b(), WHEN_B, "B"),
        (version_c(), WHEN_C, "C"),
    ] {
        std::fs::write(&file, text).expect("write");
        git(&root, &["add", "-A"], None);
        git(&root, &["commit", "-q", "-m", msg], Some(when));
    }
    (dir, root)
}

/// Each VEVENT of a feed as property name → value (first occurrence).
fn events(ics: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let unfolded = ics.replace("\r\n ", "");
    let mut out = BTreeMap::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in unfolded.split("\r\n") {
        match line {
            "BEGIN:VEVENT" => current = Some(BTreeMap::new()),
            "END:VEVENT" => {
                if let Some(ev) = current.take() {
                    let uid = ev.get("UID").cloned().expect("UID");
                    out.insert(uid, ev);
                }
            }
            _ => {
                if let Some(ev) = current.as_mut()
                    && let Some((name, value)) = line.split_once(':')
                {
                    let name = name.split(';').next().unwrap_or(name).to_owned();
                    ev.entry(name).or_insert_with(|| value.to_owned());
                }
            }
        }
    }
    out
}

fn stamp(iso: &str) -> String {
    iso.replace(['-', ':'], "")
}

fn uid(kind: &str, id: &str) -> String {
    format!("his-101.{kind}.{id}@coursecal")
}

#[test]
fn three_commits_give_sequence_cancelled_and_last_modified() {
    let (_dir, root) = three_commits();
    let server = Server::start(&root.join("schedules"));
    let feed = server.get("/courses/his-101.ics");
    assert_eq!(feed.status, 200);
    let evs = events(&feed.text());
    let essay = &evs[&uid("due", "essay")];
    let kickoff = &evs[&uid("live", "kick-off")];
    let demo = &evs[&uid("milestone", "demo-day")];
    let intro = &evs[&uid("release", "intro")];
    let second = &evs[&uid("release", "second-unit")];
    let final_ = &evs[&uid("milestone", "final")];
    // Moved and cancelled: rescheduled once.
    assert_eq!(essay["SEQUENCE"], "1");
    assert_eq!(kickoff["SEQUENCE"], "1");
    assert_eq!(kickoff["STATUS"], "CANCELLED");
    // Deleted: still there, cancelled, with its SEQUENCE raised.
    assert_eq!(demo["STATUS"], "CANCELLED");
    assert_eq!(demo["SEQUENCE"], "1");
    // Renamed and description-only edits are not reschedules.
    assert_eq!(intro["SEQUENCE"], "0");
    assert!(intro["SUMMARY"].contains("Getting started"));
    assert_eq!(second["SEQUENCE"], "0");
    assert_eq!(final_["SEQUENCE"], "0");
    // LAST-MODIFIED (and DTSTAMP) at the commit where each last changed.
    assert_eq!(second["LAST-MODIFIED"], stamp(WHEN_A));
    assert_eq!(essay["LAST-MODIFIED"], stamp(WHEN_B));
    assert_eq!(kickoff["LAST-MODIFIED"], stamp(WHEN_B));
    assert_eq!(demo["LAST-MODIFIED"], stamp(WHEN_B));
    assert_eq!(intro["LAST-MODIFIED"], stamp(WHEN_B));
    assert_eq!(final_["LAST-MODIFIED"], stamp(WHEN_C));
    assert_eq!(final_["DTSTAMP"], stamp(WHEN_C));

    // The change feed lists the move (old and new date), the cancellation,
    // the removal and the rename, newest first.
    let atom = server.get("/courses/his-101.atom");
    assert_eq!(atom.status, 200);
    assert_eq!(
        atom.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let text = atom.text();
    for needle in [
        "Moved: Due: Essay",
        "moved from Tue 10 Mar 2026 22:59 UTC to Tue 17 Mar 2026 22:59 UTC",
        "Cancelled: Kick-off",
        "Removed: Demo day",
        "Renamed: Available: Getting started",
        "Available: Introduction is now called Getting started",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    // 304 like the calendar feeds.
    let etag = atom.header("etag").expect("etag").to_owned();
    let again = server.request("GET", "/courses/his-101.atom", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    // The reader's zone.
    let berlin = server.get("/courses/his-101.atom?tz=Europe/Berlin").text();
    assert!(
        berlin.contains("moved from Tue 10 Mar 2026 23:59 CET to Tue 17 Mar 2026 23:59 CET"),
        "{berlin}"
    );

    // The page links the change feed and shows recent changes with <time>.
    let page = server.get("/courses/his-101").text();
    assert!(page.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Changes to HIS.101\" href=\"../courses/his-101.atom\">"
    ), "{page}");
    assert!(page.contains("Recent changes"));
    let index = server.get("/").text();
    assert!(index.contains("href=\"./changes.atom\""), "{index}");
    let merged = server.get("/changes.atom?kinds=due");
    assert_eq!(merged.status, 200);
    let merged = merged.text();
    assert!(
        merged.contains("Essay") && !merged.contains("Kick-off"),
        "{merged}"
    );

    if external_parsers("three_commits_give_sequence_cancelled_and_last_modified") {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("his-101.atom");
        std::fs::write(&path, &text).expect("write");
        let out = Command::new(python())
            .arg(repo().join("tests/parsers/parse_atom.py"))
            .arg(&path)
            .output()
            .expect("run feedparser");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["bozo"], false, "{v}");
        let titles: Vec<&str> = v["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["title"].as_str())
            .collect();
        assert!(titles.contains(&"Moved: Due: Essay"), "{titles:?}");
        assert!(titles.contains(&"Removed: Demo day"), "{titles:?}");
        // The independent parsers read the feed with history identically,
        // SEQUENCE and STATUS included.
        let ics = dir.path().join("his-101.ics");
        let body = feed.text();
        std::fs::write(&ics, &body).expect("write");
        let py = parse_with(Parser::Python, std::slice::from_ref(&ics));
        let js = parse_with(Parser::Js, std::slice::from_ref(&ics));
        assert_same(
            &py,
            &js,
            "Python and ical.js disagree on the feed with history",
        );
        let py_events = py[0]["events"].as_array().expect("events");
        assert_same(
            &parse_with_crate(&body),
            py_events,
            "icalendar crate and Python disagree on the feed with history",
        );
        let essay = py_events
            .iter()
            .find(|e| e["uid"] == uid("due", "essay"))
            .expect("essay parsed");
        assert_eq!(essay["sequence"], 1, "{essay}");
        let demo = py_events
            .iter()
            .find(|e| e["uid"] == uid("milestone", "demo-day"))
            .expect("removed milestone parsed");
        assert_eq!(demo["status"], "CANCELLED", "{demo}");
    }
}

fn python() -> PathBuf {
    std::env::var_os("COURSECAL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv-test/bin/python"))
}

#[test]
fn two_clones_serve_the_same_bytes_and_the_build_agrees() {
    let (dir, root) = three_commits();
    let clone = dir.path().join("clone");
    let out = Command::new("git")
        .args(["clone", "-q"])
        .arg(&root)
        .arg(&clone)
        .output()
        .expect("git clone");
    assert!(out.status.success());
    let a = Server::start(&root.join("schedules"));
    let b = Server::start(&clone.join("schedules"));
    for path in [
        "/courses/his-101.ics",
        "/courses/his-101.atom",
        "/changes.atom",
    ] {
        let (x, y) = (a.get(path), b.get(path));
        assert_eq!(x.status, 200);
        assert_eq!(x.body, y.body, "{path}");
        assert_eq!(x.header("etag"), y.header("etag"), "{path}");
    }
    // The static build: the change feed where the page links it, the
    // course feed identical to the served one.
    let site = dir.path().join("site");
    let ran = Command::new(bin())
        .args(["build", "--schedules"])
        .arg(clone.join("schedules"))
        .arg("--out")
        .arg(&site)
        .env("COURSECAL_STATE", dir.path().join("state"))
        .output()
        .expect("build");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let page = std::fs::read_to_string(site.join("courses/his-101/index.html")).expect("page");
    let link = "type=\"application/atom+xml\" title=\"Changes to HIS.101\" href=\"../../courses/his-101.atom\"";
    assert!(page.contains(link), "{page}");
    let atom = std::fs::read_to_string(site.join("courses/his-101.atom")).expect("atom");
    assert!(atom.contains("Moved: Due: Essay"));
    let ics = std::fs::read(site.join("courses/his-101.ics")).expect("ics");
    assert_eq!(ics, a.get("/courses/his-101.ics").body);
    assert!(site.join("changes.atom").is_file());

    // `coursecal changes` prints the same changes.
    let listed = Command::new(bin())
        .args(["changes", "--json", "--schedules"])
        .arg(root.join("schedules"))
        .output()
        .expect("changes");
    assert!(listed.status.success());
    let v: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    let kinds: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["change"].as_str())
        .collect();
    for k in ["moved", "cancelled", "removed", "renamed"] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
    let since = Command::new(bin())
        .args(["changes", "--since", "2026-02-02", "--schedules"])
        .arg(root.join("schedules"))
        .output()
        .expect("changes");
    assert!(since.status.success());
    assert!(String::from_utf8_lossy(&since.stdout).trim().is_empty());
}

#[test]
fn an_edit_while_serving_raises_sequence_in_git_and_without() {
    let (_dir, root) = three_commits();
    let server = Server::start(&root.join("schedules"));
    let file = root.join("schedules/his-101.yaml");
    std::fs::write(
        &file,
        version_c().replace("date: 2026-07-01", "date: 2026-07-08"),
    )
    .expect("write");
    let raised = server.eventually(std::time::Duration::from_secs(15), |s| {
        let evs = events(&s.get("/courses/his-101.ics").text());
        evs[&uid("milestone", "final")]["SEQUENCE"] == "1"
    });
    assert!(raised, "the final milestone's SEQUENCE did not rise");
    // Reverted before it was committed: a move back, never SEQUENCE 0
    // again (a client that saw 1 would keep the wrong date).
    std::fs::write(&file, version_c()).expect("write");
    let reverted = server.eventually(std::time::Duration::from_secs(15), |s| {
        let evs = events(&s.get("/courses/his-101.ics").text());
        evs[&uid("milestone", "final")]["DTSTART"] == "20260701"
    });
    assert!(reverted, "the revert was not served");
    let evs = events(&server.get("/courses/his-101.ics").text());
    assert_eq!(evs[&uid("milestone", "final")]["SEQUENCE"], "2");
    // Committing what is served changes nothing a client sees.
    git(
        &root,
        &["commit", "-q", "--allow-empty", "-m", "README only"],
        None,
    );
    let again = events(&server.get("/courses/his-101.ics").text());
    assert_eq!(again[&uid("milestone", "final")]["SEQUENCE"], "2");
    drop(server);

    // Without git: the journal in --state survives a restart.
    let plain = tempfile::tempdir().expect("tempdir");
    let schedules = plain.path().join("schedules");
    std::fs::create_dir_all(&schedules).expect("mkdir");
    let state = plain.path().join("state");
    std::fs::write(schedules.join("his-101.yaml"), A).expect("write");
    let state_arg = state.to_string_lossy().into_owned();
    let server = Server::start_with_args(&schedules, &["--state", &state_arg]);
    std::fs::write(schedules.join("his-101.yaml"), version_b()).expect("write");
    let raised = server.eventually(std::time::Duration::from_secs(15), |s| {
        let evs = events(&s.get("/courses/his-101.ics").text());
        evs[&uid("due", "essay")]["SEQUENCE"] == "1"
    });
    assert!(raised, "the essay's SEQUENCE did not rise");
    drop(server);
    let server = Server::start_with_args(&schedules, &["--state", &state_arg]);
    let evs = events(&server.get("/courses/his-101.ics").text());
    assert_eq!(evs[&uid("due", "essay")]["SEQUENCE"], "1");
    assert!(
        server
            .get("/courses/his-101.atom")
            .text()
            .contains("Moved: Due: Essay")
    );
    drop(server);

    // Garbage state: logged, a /healthz warning, every feed still served.
    std::fs::write(
        state.join("history.sqlite3"),
        "this is not a database".repeat(100),
    )
    .expect("write");
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(state.join(format!("history.sqlite3{ext}")));
    }
    let server = Server::start_with_args(&schedules, &["--state", &state_arg]);
    assert_eq!(server.get("/courses/his-101.ics").status, 200);
    assert_eq!(server.get("/calendar.ics").status, 200);
    assert_eq!(server.get("/courses/his-101.atom").status, 200);
    let health = server.get("/healthz").text();
    assert!(health.contains("history journal"), "{health}");
    assert!(
        server.logs().contains("history unavailable"),
        "{}",
        server.logs()
    );
    // Nothing was reset: the garbage is still there for someone to look at.
    let kept = std::fs::read(state.join("history.sqlite3")).expect("read");
    assert!(kept.starts_with(b"this is not a database"));
}

fn course(milestones: &[(usize, u32, bool, bool)]) -> Option<coursecal::Course> {
    let mut text = String::from("course:\n  title: P\n  timezone: UTC\nmilestones:\n");
    for (id, day, cancelled, desc) in milestones {
        text.push_str(&format!(
            "  - id: m{id}\n    name: M {id}\n    date: 2026-03-{:02}\n",
            day + 1
        ));
        if *cancelled {
            text.push_str("    status: cancelled\n");
        }
        if *desc {
            text.push_str("    description: edited\n");
        }
    }
    coursecal::compile("p", "p.yaml", &text)
        .ok()
        .map(|c| c.course)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Across any sequence of versions (instants may even go back), an
    /// event's SEQUENCE never decreases and LAST-MODIFIED never goes back.
    #[test]
    fn sequence_and_last_modified_never_go_back(
        versions in prop::collection::vec(
            (
                -5i64..100,
                prop::collection::btree_map(0usize..6, (0u32..20, any::<bool>(), any::<bool>()), 0..6),
            ),
            1..12,
        )
    ) {
        let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("instant")
            .with_timezone(&chrono::Utc);
        let mut history: Vec<Version> = Vec::new();
        let mut at = base;
        let mut before: BTreeMap<String, (i64, chrono::DateTime<chrono::Utc>)> = BTreeMap::new();
        for (step, items) in versions {
            at += chrono::Duration::days(step);
            let list: Vec<_> = items.iter().map(|(id, (d, c, x))| (*id, *d, *c, *x)).collect();
            let Some(c) = course(&list) else { continue };
            history.push(Version { at, course: Arc::new(c) });
            let Some(folded) = fold(&history) else { continue };
            for e in &folded.course.events {
                let h = e.history.expect("facts with history");
                if let Some((seq, modified)) = before.get(&e.uid) {
                    prop_assert!(h.sequence >= *seq, "{}: {} < {}", e.uid, h.sequence, seq);
                    prop_assert!(h.modified >= *modified, "{}", e.uid);
                }
                before.insert(e.uid.clone(), (h.sequence, h.modified));
            }
        }
    }
}

/// A new term begins as a copy of the last one (the same blob in git): the
/// copy has its own UIDs, never the source's events as cancelled ones.
#[test]
fn a_course_copied_in_git_has_its_own_uids() {
    let (_dir, root) = three_commits();
    let copy = root.join("schedules/his-102.yaml");
    std::fs::copy(root.join("schedules/his-101.yaml"), &copy).expect("copy");
    git(&root, &["add", "-A"], None);
    git(
        &root,
        &["commit", "-q", "-m", "next term"],
        Some("2026-02-10T10:00:00Z"),
    );
    std::fs::write(
        &copy,
        version_c().replace("date: 2026-07-01", "date: 2027-07-01"),
    )
    .expect("write");
    git(
        &root,
        &["commit", "-q", "-am", "next term dates"],
        Some("2026-02-11T10:00:00Z"),
    );
    let server = Server::start(&root.join("schedules"));
    let feed = server.get("/courses/his-102.ics").text();
    let evs = events(&feed);
    assert!(!evs.is_empty());
    for (uid, ev) in &evs {
        assert!(uid.starts_with("his-102."), "{uid} in his-102's feed");
        // Only the milestone moved; nothing was removed, and the one
        // cancelled event is the one the schedule cancels.
        let cancelled = ev.get("STATUS").map(String::as_str) == Some("CANCELLED");
        assert_eq!(cancelled, uid == "his-102.live.kick-off@coursecal", "{uid}");
    }
    assert_eq!(evs["his-102.milestone.final@coursecal"]["SEQUENCE"], "1");
    // The merged feed has each of his-101's events once, as its own feed.
    let merged = server.get("/calendar.ics").text();
    let own = server.get("/courses/his-101.ics").text();
    assert_eq!(
        merged.matches("UID:his-101.").count(),
        own.matches("UID:his-101.").count()
    );
}

/// Versions stamped outside 1970–9999 (a crafted commit date, a corrupt
/// journal row) are no versions: no panic, and the rest still fold.
#[test]
fn implausible_instants_are_no_versions() {
    let c = |day: u32| Arc::new(course(&[(0, day, false, false)]).expect("course"));
    let ok = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("instant")
        .with_timezone(&chrono::Utc);
    let far_past = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let far_future = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    for at in [far_past, far_future] {
        let two = [
            Version { at, course: c(1) },
            Version {
                at: ok,
                course: c(2),
            },
        ];
        assert!(fold(&two).is_none(), "one plausible version is no history");
        let three = [
            Version {
                at: ok,
                course: c(1),
            },
            Version { at, course: c(2) },
            Version {
                at: ok + chrono::Duration::days(1),
                course: c(3),
            },
        ];
        let h = fold(&three).expect("two plausible versions");
        assert!(h.changes.iter().all(|ch| ch.at >= ok));
        assert_eq!(h.course.events[0].history.expect("facts").sequence, 1);
    }
}

/// A change feed refuses what only shapes a calendar.
#[test]
fn change_feeds_refuse_start_pace_and_alarm() {
    let (_dir, root) = three_commits();
    let server = Server::start(&root.join("schedules"));
    for q in ["start=2026-04-01", "alarm=1h", "start=2026-04-01&pace=2"] {
        for path in ["/courses/his-101.atom", "/changes.atom"] {
            let r = server.get(&format!("{path}?{q}"));
            assert_eq!(r.status, 400, "{path}?{q}");
            assert!(r.text().contains("start="), "{}", r.text());
        }
    }
    assert_eq!(server.get("/changes.atom?tz=Europe/Berlin").status, 200);
}
