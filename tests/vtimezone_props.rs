//! Properties of what we write:
//! - any text survives escape → fold → unfold → unescape, lines ≤ 75 octets;
//! - for instants across tricky zones (random ones and ones hugging every
//!   transition), the offset implied by our VTIMEZONE equals chrono-tz's.
//!   ical.js is the judge: it reads only the embedded VTIMEZONE (Python
//!   `icalendar` and node-ical use their own tz database, so they could not
//!   catch a wrong VTIMEZONE).

use crate::cross_parsers::{Parser, parse_with};
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use coursecal::When;
use coursecal::testing::Writer;
use coursecal::testing::ics_read::{content_lines, unescape_text};
use coursecal::testing::transitions;
use coursecal::{Course, Event, Kind};
use coursecal::{KindSet, Zone};
use proptest::prelude::*;
use std::path::PathBuf;

const TRICKY_ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "America/Santiago",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Asia/Tehran",
    "America/St_Johns",
    "Pacific/Apia",
    "Europe/Moscow",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_survives_escape_fold_unfold_unescape(
        s in "(\\PC|\n|\t|[,;:\\\\\"])*",
        name in prop::sample::select(vec!["SUMMARY", "DESCRIPTION", "X-WR-CALNAME"]),
    ) {
        let mut w = Writer::default();
        w.text(name, &s);
        let out = w.finish();
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            prop_assert!(line.len() <= 75, "{} octets", line.len());
        }
        prop_assert!(out.ends_with("\r\n"));
        let lines = content_lines(&out);
        prop_assert_eq!(lines.len(), 1);
        prop_assert_eq!(&lines[0].name, name);
        prop_assert_eq!(unescape_text(&lines[0].value), s);
    }
}

fn course(zone: &str, instants: &[DateTime<Utc>]) -> Course {
    let id: coursecal::CourseId = "p".parse().expect("a course id");
    let events = instants
        .iter()
        .enumerate()
        .map(|(i, t)| {
            // Through the same door as the resolver: an end after the start.
            Event::new(
                &id,
                Kind::Live,
                &format!("e{i}"),
                format!("Event {i}"),
                When::At(*t),
                Some(*t + Duration::minutes(45)),
            )
            .expect("45 minutes after the start")
        })
        .collect();
    Course {
        id,
        title: format!("Probe {zone}"),
        number: None,
        url: None,
        description: None,
        timezone: Tz::UTC,
        updated: None,
        events,
    }
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Render one feed per zone with `instants`, read them with ical.js (and
/// Python as a second opinion) and compare every start and end.
fn check_zones(instants_per_zone: &[(&str, Vec<DateTime<Utc>>)]) -> Result<(), TestCaseError> {
    if !crate::cross_parsers::external_parsers("vtimezone_props") {
        return Ok(());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for (i, (zone, instants)) in instants_per_zone.iter().enumerate() {
        let tz: Tz = zone.parse().unwrap();
        let c = course(zone, instants);
        let feed = coursecal::render(&[&c], Zone::Named(tz), KindSet::ALL);
        let path = dir.path().join(format!("{i}.ics"));
        std::fs::write(&path, feed.body).unwrap();
        files.push(path);
    }
    for parser in [Parser::Js, Parser::Python] {
        let parsed = parse_with(parser, &files);
        for ((zone, instants), doc) in instants_per_zone.iter().zip(&parsed) {
            let events = doc["events"].as_array().unwrap();
            prop_assert_eq!(events.len(), instants.len());
            for e in events {
                let uid = e["uid"].as_str().unwrap();
                let i: usize = uid["p.live.e".len()..uid.find('@').unwrap()]
                    .parse()
                    .unwrap();
                let t = instants[i];
                let (start, end) = (utc(t), utc(t + Duration::minutes(45)));
                prop_assert_eq!(
                    e["start"]["utc"].as_str(),
                    Some(start.as_str()),
                    "{:?}: start of {} in {}",
                    parser,
                    utc(t),
                    zone
                );
                prop_assert_eq!(
                    e["end"]["utc"].as_str(),
                    Some(end.as_str()),
                    "{:?}: end of {} in {}",
                    parser,
                    utc(t),
                    zone
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn random_instants_read_back_at_the_same_instant_in_tricky_zones(
        secs in prop::collection::vec(631_152_000i64..2_208_988_800i64, 1..40),
    ) {
        // 1990..2040, whole minutes (calendars do not show seconds).
        let instants: Vec<DateTime<Utc>> = secs
            .iter()
            .map(|s| Utc.timestamp_opt(s - s % 60, 0).unwrap())
            .collect();
        let per_zone: Vec<(&str, Vec<DateTime<Utc>>)> =
            TRICKY_ZONES.iter().map(|z| (*z, instants.clone())).collect();
        check_zones(&per_zone)?;
    }
}

#[test]
fn instants_hugging_every_transition_2015_2030_read_back_exactly() {
    if !crate::cross_parsers::external_parsers(
        "instants_hugging_every_transition_2015_2030_read_back_exactly",
    ) {
        return;
    }
    let from = Utc.with_ymd_and_hms(2015, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let per_zone: Vec<(&str, Vec<DateTime<Utc>>)> = TRICKY_ZONES
        .iter()
        .map(|z| {
            let tz: Tz = z.parse().unwrap();
            let instants = transitions(tz, from, to)
                .iter()
                .flat_map(|t| [-3600, -60, 0, 60, 1800, 3600].map(|d| t.at + Duration::seconds(d)))
                .collect();
            (*z, instants)
        })
        .collect();
    assert!(per_zone.iter().map(|(_, v)| v.len()).sum::<usize>() > 500);
    check_zones(&per_zone).unwrap();
}
