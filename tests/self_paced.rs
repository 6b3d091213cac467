//! Self-paced learners: `start=`, `pace=` and `alarm=` through the HTTP API,
//! the CLI and the course page; UIDs per run; DST-safe wall times; the
//! external parsers reading shifted and alarmed feeds.

use crate::cross_parsers::{Parser, external_parsers, parse_with, parse_with_crate};
use crate::harness::{App, Server, Test};
use serde_json::Value;

const FEED: &str = "/courses/res-cms-154.ics";

/// (uid, start date or instant) of every event, by the icalendar crate.
fn events(ics: &str) -> Vec<(String, String)> {
    parse_with_crate(ics)
        .into_iter()
        .map(|e| {
            let start = match &e["start"] {
                Value::Object(m) => m
                    .get("date")
                    .or_else(|| m.get("utc"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                _ => String::new(),
            };
            (e["uid"].as_str().unwrap_or_default().to_owned(), start)
        })
        .collect()
}

fn start_of(evs: &[(String, String)], uid_part: &str) -> String {
    evs.iter()
        .find(|(uid, _)| uid.contains(uid_part))
        .map(|(_, s)| s.clone())
        .unwrap_or_else(|| panic!("no event {uid_part} in {evs:?}"))
}

#[test]
fn a_run_starting_2026_12_01_moves_every_date_and_drops_live_events() {
    let app = App::shipped();
    let r = app.get(&format!("{FEED}?start=2026-12-01"));
    assert_eq!(r.status, 200);
    let evs = events(&r.text());
    assert_eq!(start_of(&evs, ".release.unit-0-"), "2026-12-01");
    assert_eq!(start_of(&evs, ".release.unit-1-"), "2026-12-10");
    assert_eq!(start_of(&evs, ".due.assignment-1-1-"), "2026-12-23");
    assert!(
        !evs.iter().any(|(uid, _)| uid.contains(".live.")),
        "{evs:?}"
    );
    assert_eq!(evs.len(), 16, "20 dates less 4 live events");
    // Twice the time between items.
    let slow = events(&app.get(&format!("{FEED}?start=2026-12-01&pace=2")).text());
    assert_eq!(start_of(&slow, ".release.unit-0-"), "2026-12-01");
    assert_eq!(start_of(&slow, ".release.unit-1-"), "2026-12-19");
    // The merged feed shifts each course.
    let merged = events(&app.get("/calendar.ics?start=2026-12-01").text());
    assert_eq!(start_of(&merged, ".release.unit-1-"), "2026-12-10");
}

#[test]
fn runs_have_uids_of_their_own_stable_and_ascii() {
    let app = App::shipped();
    let uids = |q: &str| -> Vec<String> {
        events(&app.get(&format!("{FEED}{q}")).text())
            .into_iter()
            .map(|(u, _)| u)
            .collect()
    };
    let original = uids("");
    let dec = uids("?start=2026-12-01");
    let jan = uids("?start=2027-01-10");
    let slow = uids("?start=2026-12-01&pace=2");
    for run in [&dec, &jan, &slow] {
        assert!(run.iter().all(|u| !original.contains(u)));
        assert!(run.iter().all(|u| u.is_ascii()));
    }
    assert!(dec.iter().all(|u| !jan.contains(u) && !slow.contains(u)));
    assert_eq!(
        dec,
        uids("?start=2026-12-01&pace=1"),
        "stable per (course, start, pace)"
    );
    // Reminders do not change UIDs: the same events, with alarms.
    assert_eq!(dec, uids("?start=2026-12-01&alarm=1d"));
}

#[test]
fn a_new_york_deadline_stays_2359_local_across_dst() {
    let ny = "course:\n  title: NY\n  timezone: America/New_York\n  updated: 2026-01-01T00:00:00Z\n\
units:\n  - name: Unit 1\n    release: 2026-10-20\n    assignments:\n      - name: Essay\n        due: 2026-10-30T23:59\n";
    let app = App::shipped_with(&[("ny-101.yaml", ny)]);
    // Before the shift: 23:59 EDT = 03:59Z.
    let before = events(&app.get("/courses/ny-101.ics").text());
    assert_eq!(start_of(&before, ".due.essay"), "2026-10-31T03:59:00Z");
    // Start on Oct 25: the essay is due Nov 4, after DST ended: 23:59 EST = 04:59Z.
    let after = events(&app.get("/courses/ny-101.ics?start=2026-10-25").text());
    assert_eq!(start_of(&after, ".release.unit-1"), "2026-10-25");
    assert_eq!(start_of(&after, ".due.essay"), "2026-11-05T04:59:00Z");
    // And in New York time, the wall clock reads 23:59.
    let local = app
        .get("/courses/ny-101.ics?start=2026-10-25&tz=America/New_York")
        .text();
    assert!(
        local.contains("DTSTART;TZID=America/New_York:20261104T235900\r\n"),
        "{local}"
    );
}

#[test]
fn alarms_add_one_valarm_per_reminder() {
    let app = App::shipped();
    let body = app.get(&format!("{FEED}?alarm=2h,15m")).text();
    assert_eq!(body.matches("BEGIN:VALARM").count(), 20 * 2);
    assert!(body.contains("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\n"));
    assert!(body.contains("TRIGGER:-PT2H\r\n"));
    // Without start= the UIDs are the course's own.
    assert!(
        body.contains("UID:res-cms-154.live.welcome-live-event-with-course-staff@coursecal\r\n")
    );
    assert_eq!(app.get(FEED).text().matches("BEGIN:VALARM").count(), 0);
}

#[test]
fn shifted_and_alarmed_feeds_read_the_same_in_every_parser() {
    if !external_parsers("shifted_and_alarmed_feeds_read_the_same_in_every_parser") {
        return;
    }
    let app = App::shipped();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, q) in [
        "?start=2026-12-01&alarm=1d",
        "?start=2027-03-20&pace=0.5&alarm=2h,15m&tz=Europe/Berlin",
        "?alarm=1w&tz=America/New_York",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.path().join(format!("{i}.ics"));
        std::fs::write(&path, app.get(&format!("{FEED}{q}")).body).unwrap();
        files.push(path);
    }
    let py = parse_with(Parser::Python, &files);
    let js = parse_with(Parser::Js, &files);
    assert_eq!(py, js, "Python icalendar and ical.js disagree");
    let triggers = |doc: &Value| -> Vec<Vec<i64>> {
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["alarms"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|x| x["trigger_seconds"].as_i64().unwrap())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    };
    assert!(triggers(&py[0]).iter().all(|t| t == &[-86_400]));
    assert!(triggers(&py[1]).iter().all(|t| t == &[-7_200, -900]));
    assert!(triggers(&py[2]).iter().all(|t| t == &[-604_800]));
    assert_eq!(py[0]["events"].as_array().unwrap().len(), 16);
    assert_eq!(py[2]["events"].as_array().unwrap().len(), 20);
}

#[test]
fn bad_values_are_400s_naming_the_parameter() {
    let app = App::shipped();
    for (q, param) in [
        ("start=2026-02-30", "start"),
        ("start=0000-01-01", "start"),
        ("start=yesterday", "start"),
        ("start=2026-12-01&pace=0", "pace"),
        ("start=2026-12-01&pace=-1", "pace"),
        ("start=2026-12-01&pace=abc", "pace"),
        ("start=2026-12-01&pace=9", "pace"),
        ("pace=2", "pace"),
        ("alarm=forever", "alarm"),
        ("alarm=1d,2h,15m,5m", "alarm"),
        ("alarm=5w", "alarm"),
        ("start=2026-12-01&start=2026-12-02", "start"),
    ] {
        for route in [
            FEED,
            "/calendar.ics",
            "/courses/res-cms-154",
            "/courses/res-cms-154/embed",
        ] {
            let r = app.get(&format!("{route}?{q}"));
            assert_eq!(r.status, 400, "{route}?{q}");
            assert!(
                r.text().contains(&format!("`{param}`")),
                "{route}?{q}: {}",
                r.text()
            );
        }
    }
    // Empty values are the defaults.
    assert_eq!(
        app.get(&format!("{FEED}?start=&pace=&alarm=")).body,
        app.get(FEED).body
    );
}

#[test]
fn the_cli_prints_a_personal_feed() {
    let ran = Test::new()
        .shipped()
        .args(&[
            "feed",
            "res-cms-154",
            "--start",
            "2026-12-01",
            "--pace",
            "1",
            "--alarm",
            "1d",
            "--tz",
            "Europe/Berlin",
        ])
        .run()
        .success();
    let out = ran.stdout();
    let evs = events(&out);
    assert_eq!(start_of(&evs, ".release.unit-1-"), "2026-12-10");
    assert_eq!(out.matches("TRIGGER:-P1D\r\n").count(), 16);
    Test::new()
        .shipped()
        .args(&["feed", "res-cms-154", "--start", "2026-02-30"])
        .run()
        .failure(2)
        .stderr_contains("`--start`");
    // The CLI names its own option, not the URL's parameter.
    Test::new()
        .shipped()
        .args(&["feed", "res-cms-154", "--pace", "3"])
        .run()
        .failure(2)
        .stderr_contains("`--pace`: a pace needs a start date");
}

#[test]
fn the_course_page_shows_the_run_and_links_to_it() {
    let app = App::shipped();
    let page = app.get("/courses/res-cms-154").text();
    // Every date of 2017 is past: the control is prominent, and a GET form.
    assert!(
        page.contains("class=\"card personal prominent\""),
        "prominent control"
    );
    assert!(page.contains("<form class=\"personal\" method=\"get\""));
    assert!(page.contains("name=\"start\""));
    let mine = app
        .get("/courses/res-cms-154?start=2026-12-01&pace=2&alarm=1d")
        .text();
    assert!(mine.contains("Your dates"));
    // The agenda lists the run's dates (the week of Dec 14 holds Unit 1).
    assert!(mine.contains("Sat 19 Dec"), "Unit 1 on 2026-12-19");
    assert!(!mine.contains("Thu 28 Sep"), "no 2017 dates in the agenda");
    // Every subscribe link, the download and the QR code carry the run.
    let q = "start=2026-12-01&amp;pace=2&amp;alarm=1d";
    assert!(mine.contains(&format!("res-cms-154.ics?{q}")), "feed links");
    assert!(mine.contains(&format!("qr.svg?{q}")), "QR code");
    assert!(mine.contains(&format!("res-cms-154.ics?{q}&amp;download=1")));
    // Past live sessions, with the recording when the schedule links one.
    assert!(mine.contains("Past live sessions"));
    assert!(mine.contains("Welcome Live Event with Course Staff"));
    // The one-event links of the run resolve.
    let event = "/courses/res-cms-154/events/res-cms-154.release.unit-1-launching-innovation-in-schools.s20261201-p200@coursecal.ics?start=2026-12-01&pace=2&alarm=1d";
    let r = app.get(event);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("DTSTART;VALUE=DATE:20261219\r\n"));
    assert!(r.text().contains("TRIGGER:-P1D\r\n"));
    // The QR code encodes the run.
    assert_eq!(
        app.get("/courses/res-cms-154/qr.svg?start=2026-12-01")
            .status,
        200
    );
}

#[test]
fn many_start_dates_stay_within_the_cache_budget() {
    let s = Server::shipped_args(&["--cache-bytes", "400000"]);
    let mut day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for _ in 0..300 {
        let r = s.get(&format!("{FEED}?start={}&alarm=1d", day.format("%Y-%m-%d")));
        assert_eq!(r.status, 200);
        day = day.succ_opt().unwrap();
    }
    let health: Value = serde_json::from_slice(&s.get("/healthz").body).unwrap();
    let cached = health["cached_variants"].as_u64().unwrap();
    // Each run's feed with its gzip and brotli takes ~15 KB: a 400 KB budget
    // holds a few dozen of the 300.
    assert!(cached < 60, "{cached} variants cached");
}
