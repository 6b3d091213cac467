//! Schedule bytes → check → resolve → render → read back.
//! Invariants: no panic; every accepted file renders a feed that our reader
//! and the `icalendar` crate read back with the same events.
#![no_main]

use coursecal::{KindSet, Zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Through the public door; metadata files are not fuzzed (they are
    // read from disk, so `compile` refuses a `metadata:` entry).
    let Ok(compiled) = coursecal::compile("fuzz", "fuzz.yaml", text) else {
        return;
    };
    let course = compiled.course;
    for zone in [Zone::Utc, Zone::Named(chrono_tz::Europe::Berlin), Zone::Named(chrono_tz::Australia::Lord_Howe)] {
        let feed = coursecal::render(&[&course], zone, KindSet::ALL);
        let ours = coursecal::testing::ics_read::events(&feed.body);
        assert_eq!(ours.len(), course.events.len());
        for (ev, lines) in course.events.iter().zip(&ours) {
            let uid = lines.iter().find(|l| l.name == "UID").map(|l| l.value.as_str());
            assert_eq!(uid, Some(ev.uid()));
            let summary = lines.iter().find(|l| l.name == "SUMMARY").map(|l| coursecal::testing::ics_read::unescape_text(&l.value));
            assert!(summary.as_ref().is_some_and(|s| s.ends_with(ev.name())), "{summary:?} vs {}", ev.name());
        }
        for line in feed.body.split("\r\n") {
            assert!(line.len() <= 75, "line over 75 octets: {line:?}");
        }
        let cal: icalendar::Calendar = feed.body.parse().expect("icalendar crate parses our feed");
        let n = cal.components.iter().filter(|c| c.as_event().is_some()).count();
        assert_eq!(n, course.events.len());
    }
});
