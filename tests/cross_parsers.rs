//! Every feed we emit is read back by three independent parsers — the
//! `icalendar` crate, Python `icalendar` and JS `ical.js` (which resolves
//! TZIDs only through our embedded VTIMEZONE) — and must give the same
//! events at the same instants as the resolved course model.

use crate::harness::{repo, shipped_schedules};
use coursecal::Catalog;
use coursecal::Course;
use coursecal::When;
use coursecal::{Courses, FeedRequest, KindSet, Variant, Zone, parse_zone};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug)]
pub enum Parser {
    Python,
    Js,
}

/// Whether the external parsers can run. Under the README test command
/// (`scripts/test.sh` sets `COURSECAL_PYTHON`) they are required: a missing
/// one fails the test. A plain `cargo test` on a fresh clone, without them
/// installed, skips these tests and says so on stderr.
pub fn external_parsers(test: &str) -> bool {
    let installed = python().exists() && repo().join("tests/parsers/node_modules/ical.js").exists();
    if std::env::var_os("COURSECAL_PYTHON").is_some() {
        assert!(
            installed,
            "{test}: COURSECAL_PYTHON is set but the parsers are not installed (run ./scripts/setup.sh)"
        );
        return true;
    }
    if !installed {
        eprintln!(
            "SKIPPED {test}: Python icalendar / ical.js not installed (./scripts/test.sh installs and requires them)"
        );
    }
    installed
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("COURSECAL_PYTHON") {
        return p.into();
    }
    repo().join(".venv-test/bin/python")
}

fn node() -> String {
    std::env::var("COURSECAL_NODE").unwrap_or_else(|_| "node".into())
}

/// Parse feeds with an external parser; one process for all files.
pub fn parse_with(parser: Parser, files: &[PathBuf]) -> Vec<Value> {
    let dir = repo().join("tests/parsers");
    let js_modules = dir.join("node_modules/ical.js");
    let mut cmd = match parser {
        Parser::Python => {
            let mut c = Command::new(python());
            c.arg(dir.join("parse_ics.py"));
            c
        }
        Parser::Js => {
            assert!(
                js_modules.exists(),
                "ical.js is not installed: run ./scripts/test.sh (it installs the parsers)"
            );
            let mut c = Command::new(node());
            c.arg(dir.join("parse_ics.mjs"));
            c
        }
    };
    let out = cmd.args(files).output().expect("start parser");
    assert!(
        out.status.success(),
        "{parser:?} parser failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("parser JSON");
    match v {
        Value::Array(items) if files.len() > 1 => items,
        single => vec![single],
    }
}

fn when_json(w: &DatePerhapsTime) -> Value {
    match w {
        DatePerhapsTime::Date(d) => json!({"date": d.format("%Y-%m-%d").to_string()}),
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => {
            json!({"utc": t.format("%Y-%m-%dT%H:%M:%SZ").to_string()})
        }
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
            use chrono::TimeZone;
            let tz: chrono_tz::Tz = tzid.parse().expect("TZID is a tz database name");
            let t = tz
                .from_local_datetime(date_time)
                .earliest()
                .expect("local time exists");
            json!({"utc": t.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string()})
        }
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(t)) => {
            panic!("floating time {t} in a feed")
        }
    }
}

/// The `icalendar` crate's reading, in the external parsers' JSON shape
/// (events only; the crate resolves TZIDs with chrono-tz).
pub fn parse_with_crate(ics: &str) -> Vec<Value> {
    let cal: icalendar::Calendar = ics.parse().expect("icalendar crate parses the feed");
    let unescape = |s: Option<&str>| s.map(coursecal::testing::ics_read::unescape_text);
    let mut events: Vec<Value> = cal
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            json!({
                "uid": e.get_uid(),
                "summary": unescape(e.get_summary()),
                "description": unescape(e.get_description()),
                "location": unescape(e.get_location()),
                "url": e.get_url(),
                "status": e.property_value("STATUS"),
                "categories": e.get_categories().unwrap_or_default(),
                "sequence": e.get_sequence(),
                "transp": e.property_value("TRANSP"),
                "start": e.get_start().as_ref().map(when_json),
                "end": e.get_end().as_ref().map(when_json),
            })
        })
        .collect();
    events.sort_by(|a, b| a["uid"].as_str().cmp(&b["uid"].as_str()));
    events
}

/// What the course model says each event is: uid → (start, end, status, kind).
pub fn truth(courses: &[&Course], kinds: KindSet) -> Vec<Value> {
    let mut out: Vec<Value> = courses
        .iter()
        .flat_map(|c| c.events.iter())
        .filter(|e| kinds.contains(e.kind))
        .map(|e| {
            let start = match e.start() {
                When::AllDay(d) => json!({"date": d.format("%Y-%m-%d").to_string()}),
                When::At(t) => json!({"utc": t.format("%Y-%m-%dT%H:%M:%SZ").to_string()}),
            };
            let end = match (e.start(), e.end()) {
                (When::AllDay(d), _) => {
                    json!({"date": d.succ_opt().unwrap().format("%Y-%m-%d").to_string()})
                }
                (_, Some(t)) => json!({"utc": t.format("%Y-%m-%dT%H:%M:%SZ").to_string()}),
                (_, None) => Value::Null,
            };
            json!({
                "uid": e.uid(),
                "start": start,
                "end": end,
                "status": if e.cancelled { "CANCELLED" } else { "CONFIRMED" },
                "categories": [e.kind.as_str()],
            })
        })
        .collect();
    out.sort_by(|a, b| a["uid"].as_str().cmp(&b["uid"].as_str()));
    out
}

/// Equality with a readable failure: the first differing element only.
pub fn assert_same(left: &[Value], right: &[Value], what: &str) {
    if left == right {
        return;
    }
    let i = left
        .iter()
        .zip(right)
        .position(|(a, b)| a != b)
        .unwrap_or(left.len().min(right.len()));
    panic!(
        "{what}: {} vs {} events; first difference at #{i}:\n{:#}\n---\n{:#}",
        left.len(),
        right.len(),
        left.get(i).unwrap_or(&Value::Null),
        right.get(i).unwrap_or(&Value::Null)
    );
}

fn project(events: &[Value], keys: &[&str]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            Value::Object(
                keys.iter()
                    .map(|k| (k.to_string(), e[*k].clone()))
                    .collect(),
            )
        })
        .collect()
}

/// Render every variant, parse with all three parsers, compare.
pub fn check_catalog(catalog: &Catalog, zones: &[&str], label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut variants: Vec<(PathBuf, FeedRequest, String)> = Vec::new();
    let mut selections: Vec<Courses> = catalog
        .courses
        .keys()
        .map(|id| Courses::Some(vec![id.to_string()]))
        .collect();
    selections.push(Courses::All);
    for zone in zones {
        for courses in &selections {
            let variant = Variant {
                zone: Some(parse_zone(zone).unwrap()),
                kinds: KindSet::ALL,
                ..Variant::default()
            };
            let req = FeedRequest::new(courses.clone(), variant);
            let body = coursecal::feed(catalog, &req).unwrap().body;
            let path = dir.path().join(format!("{}.ics", variants.len()));
            std::fs::write(&path, &body).unwrap();
            variants.push((path, req, body));
        }
    }
    let files: Vec<PathBuf> = variants.iter().map(|v| v.0.clone()).collect();
    let py = parse_with(Parser::Python, &files);
    let js = parse_with(Parser::Js, &files);
    let keys = ["uid", "start", "end", "status", "categories"];
    for (i, (_, req, body)) in variants.iter().enumerate() {
        let what = format!(
            "{label}: {:?} in {}",
            req.courses,
            req.variant.feed_zone().name()
        );
        assert_same(
            std::slice::from_ref(&py[i]),
            std::slice::from_ref(&js[i]),
            &format!("Python and ical.js disagree on {what}"),
        );
        let crate_events = parse_with_crate(body);
        let py_events = py[i]["events"].as_array().unwrap();
        assert_same(
            &crate_events,
            py_events,
            &format!("icalendar crate and Python disagree on {what}"),
        );
        let courses = catalog.select(&req.courses).unwrap();
        assert_same(
            &project(py_events, &keys),
            &truth(&courses, req.variant.kinds),
            &format!("parsed events differ from the course model for {what}"),
        );
        if let Zone::Named(tz) = req.variant.feed_zone() {
            assert_eq!(py[i]["calendar"]["timezone"], tz.name(), "{what}");
        }
        assert!(py[i]["calendar"]["refresh"].as_str().is_some(), "{what}");
    }
}

pub const ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "Asia/Calcutta",
    "Africa/Casablanca",
];

#[test]
fn shipped_feeds_read_back_identically_in_every_zone() {
    if !crate::cross_parsers::external_parsers("shipped_feeds_read_back_identically_in_every_zone")
    {
        return;
    }
    let report = Catalog::load_dir(&shipped_schedules());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    check_catalog(&report.catalog, ZONES, "shipped");
}

#[test]
fn tricky_fixture_feeds_read_back_identically_in_every_zone() {
    if !crate::cross_parsers::external_parsers(
        "tricky_fixture_feeds_read_back_identically_in_every_zone",
    ) {
        return;
    }
    let report = Catalog::load_dir(&valid_fixtures());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(report.catalog.courses.len() >= 2);
    check_catalog(&report.catalog, ZONES, "fixtures/valid");
}

pub fn valid_fixtures() -> PathBuf {
    repo().join("tests/fixtures/valid")
}

#[allow(dead_code)]
pub fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}
