//! A set of courses + (zone, kinds) → one iCalendar feed, byte-deterministic:
//! nothing here reads the clock, the host zone or any randomness.

use super::vtimezone;
use super::writer::Writer;
use crate::course::{Course, Event, Kind};
use crate::filter::{KindSet, Zone};
use crate::time::When;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

pub const PRODID: &str = concat!(
    "-//coursecal//coursecal ",
    env!("CARGO_PKG_VERSION"),
    "//EN"
);
/// How often clients should poll (REFRESH-INTERVAL and X-PUBLISHED-TTL).
pub const REFRESH: &str = "PT6H";
/// DTSTAMP when a course has no `updated`: fixed so output never depends on
/// the clock.
pub const EPOCH_STAMP: &str = "19700101T000000Z";
/// Google Calendar stops reading feeds past about this size.
pub const LARGE_FEED_BYTES: usize = 1024 * 1024;

/// A rendered feed and what HTTP needs to serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub body: String,
    /// The latest `updated` among the feed's courses.
    pub last_modified: Option<DateTime<Utc>>,
}

fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// SEQUENCE: minutes since 2000 of the course's `updated`, so it grows with
/// every edit that bumps `updated` (and fits a 32-bit integer until 6000 AD).
fn sequence(updated: Option<DateTime<Utc>>) -> i64 {
    let base = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    match (updated, base) {
        (Some(u), Some(b)) if u > b => (u - b).num_minutes(),
        _ => 0,
    }
}

/// How a timed value is written in this feed.
enum Local {
    Utc,
    Tz(Tz),
}

impl Local {
    /// A UTC instant as a DTSTART/DTEND property (name with params, value).
    fn prop(&self, t: DateTime<Utc>) -> (String, String) {
        match self {
            Local::Utc => (String::new(), utc_text(t)),
            Local::Tz(tz) => (
                format!(";TZID={}", tz.name()),
                t.with_timezone(tz).format("%Y%m%dT%H%M%S").to_string(),
            ),
        }
    }
}

/// Can `t` be written as wall time in `tz`? Not when that wall time happens
/// twice (DST overlap): RFC 5545 says readers take the first pass, but
/// ical.js (Thunderbird) takes the second, so either pass goes out in UTC.
fn local_is_unambiguous(tz: Tz, t: DateTime<Utc>) -> bool {
    let wall = t.with_timezone(&tz).naive_local();
    !matches!(tz.from_local_datetime(&wall), LocalResult::Ambiguous(..))
}

fn summary(event: &Event, course: &Course, prefix: bool) -> String {
    let name = match event.kind {
        Kind::Release => format!("Available: {}", event.name),
        Kind::Due => format!("Due: {}", event.name),
        Kind::Live | Kind::Milestone => event.name.clone(),
    };
    if prefix {
        format!("[{}] {name}", course.label())
    } else {
        name
    }
}

fn description(event: &Event, course: &Course) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(3);
    if let Some(d) = &event.description {
        parts.push(d.clone());
    }
    if let Some(unit) = &event.unit {
        parts.push(format!("Suggested due date, {unit}."));
    }
    let course_line = match &course.number {
        Some(n) => format!("{} ({n})", course.title),
        None => course.title.clone(),
    };
    parts.push(course_line);
    parts.join("\n\n")
}

fn feed_name(courses: &[&Course]) -> String {
    match courses {
        [one] => one.title.clone(),
        many if many.len() <= 3 => many
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(" + "),
        many => format!("{} courses", many.len()),
    }
}

/// Render one feed variant.
pub fn render(courses: &[&Course], zone: Zone, kinds: KindSet) -> Feed {
    let prefix = courses.len() > 1;
    let mut events: Vec<(&Course, &Event)> = courses
        .iter()
        .flat_map(|c| c.events.iter().map(move |e| (*c, e)))
        .filter(|(_, e)| kinds.contains(e.kind))
        .collect();
    if courses.len() > 1 {
        events.sort_by(|a, b| {
            (a.1.start.sort_key(), &a.1.uid).cmp(&(b.1.start.sort_key(), &b.1.uid))
        });
    }

    // Which timed events go out as wall time, and the years they span.
    let tz = match zone {
        Zone::Named(tz) => Some(tz),
        Zone::Utc => None,
    };
    let mut years: Option<(i32, i32)> = None;
    let writes_local: Vec<bool> = events
        .iter()
        .map(|(_, e)| {
            let (Some(tz), When::At(start)) = (tz, e.start) else {
                return false;
            };
            let instants = [Some(start), e.end];
            let local = instants
                .iter()
                .flatten()
                .all(|t| local_is_unambiguous(tz, *t));
            if local {
                for t in instants.iter().flatten() {
                    let y = t.with_timezone(&tz).year();
                    years = Some(years.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
                }
            }
            local
        })
        .collect();

    let mut w = Writer::with_capacity(1024 + events.len() * 480);
    w.begin("VCALENDAR");
    w.raw("VERSION", "2.0");
    w.raw("PRODID", PRODID);
    w.raw("CALSCALE", "GREGORIAN");
    w.raw("METHOD", "PUBLISH");
    let name = feed_name(courses);
    w.text("NAME", &name);
    w.text("X-WR-CALNAME", &name);
    let desc = match courses {
        [one] => one.description.clone(),
        _ => None,
    };
    if let Some(d) = &desc {
        w.text("DESCRIPTION", d);
        w.text("X-WR-CALDESC", d);
    }
    if let [one] = courses
        && let Some(url) = &one.url
    {
        w.raw("URL", url);
    }
    w.raw("REFRESH-INTERVAL;VALUE=DURATION", REFRESH);
    w.raw("X-PUBLISHED-TTL", REFRESH);
    if let Some(tz) = tz {
        w.raw("X-WR-TIMEZONE", tz.name());
        if let Some((a, b)) = years {
            w.lines(&vtimezone::render(tz, a, b));
        }
    }

    for ((course, event), local) in events.iter().zip(writes_local) {
        let when = if local { tz.map(Local::Tz) } else { None }.unwrap_or(Local::Utc);
        write_event(&mut w, course, event, &when, prefix);
    }
    w.end("VCALENDAR");
    Feed {
        body: w.finish(),
        last_modified: courses.iter().filter_map(|c| c.updated).max(),
    }
}

fn write_event(w: &mut Writer, course: &Course, e: &Event, when: &Local, prefix: bool) {
    w.begin("VEVENT");
    w.raw("UID", &e.uid);
    let stamp = course.updated.map(utc_text);
    w.raw("DTSTAMP", stamp.as_deref().unwrap_or(EPOCH_STAMP));
    if let Some(s) = &stamp {
        w.raw("LAST-MODIFIED", s);
    }
    w.raw("SEQUENCE", &sequence(course.updated).to_string());
    match e.start {
        When::AllDay(d) => {
            w.raw("DTSTART;VALUE=DATE", &date_text(d));
            let next = d.succ_opt().unwrap_or(d + Duration::days(1));
            w.raw("DTEND;VALUE=DATE", &date_text(next));
        }
        When::At(t) => {
            let (params, value) = when.prop(t);
            w.raw(&format!("DTSTART{params}"), &value);
            if let Some(end) = e.end {
                let (params, value) = when.prop(end);
                w.raw(&format!("DTEND{params}"), &value);
            }
        }
    }
    w.text("SUMMARY", &summary(e, course, prefix));
    w.text("DESCRIPTION", &description(e, course));
    if let Some(loc) = &e.location {
        w.text("LOCATION", loc);
    }
    if let Some(url) = e.url.as_ref().or(course.url.as_ref()) {
        w.raw("URL", url);
    }
    w.text("CATEGORIES", e.kind.as_str());
    let transparent = e.kind != Kind::Live;
    w.raw("TRANSP", if transparent { "TRANSPARENT" } else { "OPAQUE" });
    w.raw(
        "STATUS",
        if e.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        },
    );
    w.end("VEVENT");
}
