//! A set of courses + (zone, kinds) → one iCalendar feed, byte-deterministic:
//! nothing here reads the clock, the host zone or any randomness.

use super::vtimezone;
use super::writer::{Writer, push_date, push_date_time};
use crate::model::When;
use crate::model::{Alarms, KindSet, Variant, Zone};
use crate::model::{Course, Event, Kind};
use chrono::{DateTime, Datelike, Duration, LocalResult, TimeZone, Utc};
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

/// A rendered feed and what HTTP needs to serve it.
///
/// # Examples
///
/// ```
/// let yaml = "course:\n  title: Demo\n  timezone: UTC\n  updated: 2026-11-01T00:00:00Z\n\
///             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
/// let course = coursecal::compile("demo-101", "demo-101.yaml", yaml).unwrap().course;
/// let feed = coursecal::render(&[&course], coursecal::Zone::Utc, coursecal::KindSet::ALL);
/// assert!(feed.body.starts_with("BEGIN:VCALENDAR\r\n"));
/// assert_eq!(feed.last_modified, course.updated);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The iCalendar text (CRLF lines, folded at 75 octets).
    pub body: String,
    /// The latest `updated` among the feed's courses.
    pub last_modified: Option<DateTime<Utc>>,
}

fn push_utc(out: &mut String, t: DateTime<Utc>) {
    push_date_time(out, t.naive_utc());
    out.push('Z');
}

/// Can `t` be written as wall time in `tz`? Not when that wall time happens
/// twice (DST overlap): RFC 5545 says readers take the first pass, but
/// ical.js (Thunderbird) takes the second, so either pass goes out in UTC.
pub(super) fn local_is_unambiguous(tz: Tz, t: DateTime<Utc>) -> bool {
    let wall = t.with_timezone(&tz).naive_local();
    !matches!(tz.from_local_datetime(&wall), LocalResult::Ambiguous(..))
}

/// Whether timed `e` goes out as wall time in `tz`, and if so the years
/// its instants fall in there (the VTIMEZONE must span them).
pub(super) fn wall_time(tz: Option<Tz>, e: &Event) -> (bool, Option<(i32, i32)>) {
    let (Some(tz), When::At(start)) = (tz, e.start()) else {
        return (false, None);
    };
    let instants = [Some(start), e.end()];
    if !instants
        .iter()
        .flatten()
        .all(|t| local_is_unambiguous(tz, *t))
    {
        return (false, None);
    }
    let mut years = None;
    for t in instants.iter().flatten() {
        let y = t.with_timezone(&tz).year();
        years = span_union(years, Some((y, y)));
    }
    (true, years)
}

/// The smallest span of years covering both.
pub(super) fn span_union(a: Option<(i32, i32)>, b: Option<(i32, i32)>) -> Option<(i32, i32)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (one, None) | (None, one) => one,
    }
}

/// What every event of one course shares, formatted once per feed.
pub(super) struct CourseText<'a> {
    course: &'a Course,
    stamp: String,
    sequence: String,
    /// `[RES.CMS-154] ` in feeds of several courses, else empty.
    prefix: String,
    /// "Title (NUMBER)", the last paragraph of every description.
    line: String,
}

impl<'a> CourseText<'a> {
    pub(super) fn new(course: &'a Course, several: bool) -> Self {
        let mut stamp = String::with_capacity(16);
        match course.updated {
            Some(u) => push_utc(&mut stamp, u),
            None => stamp.push_str(EPOCH_STAMP),
        }
        CourseText {
            course,
            stamp,
            sequence: course.base_sequence().to_string(),
            prefix: if several {
                format!("[{}] ", course.label())
            } else {
                String::new()
            },
            line: match &course.number {
                Some(n) => format!("{} ({n})", course.title),
                None => course.title.clone(),
            },
        }
    }
}

/// NAME / X-WR-CALNAME of a feed: the title of one course, the numbers of a
/// few, or a count.
pub fn feed_name(courses: &[&Course]) -> String {
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

/// Property names with the zone parameter, built once per feed.
pub(super) struct TimeProps {
    tz: Option<Tz>,
    dtstart: String,
    dtend: String,
}

impl TimeProps {
    pub(super) fn new(tz: Option<Tz>) -> Self {
        TimeProps {
            tz,
            dtstart: tz.map_or_else(String::new, |tz| format!("DTSTART;TZID={}", tz.name())),
            dtend: tz.map_or_else(String::new, |tz| format!("DTEND;TZID={}", tz.name())),
        }
    }

    fn write(&self, w: &mut Writer, end: bool, t: DateTime<Utc>, local: bool) {
        match (self.tz, local) {
            (Some(tz), true) => {
                let name = if end { &self.dtend } else { &self.dtstart };
                w.raw_with(name, |out| {
                    push_date_time(out, t.with_timezone(&tz).naive_local())
                });
            }
            _ => w.raw_with(if end { "DTEND" } else { "DTSTART" }, |out| {
                push_utc(out, t)
            }),
        }
    }
}

/// A size in bytes that the default (UTC, every kind, no reminders) feed of
/// `courses` can never exceed, found without rendering it: the large-feed
/// check (`site::render::large_feed_warnings`) renders only feeds whose bound passes
/// its limit, so the warning names their exact size. Every text counts three times its bytes (escaping at
/// most doubles it, folding adds 3 bytes per 74) and every event 1,000
/// bytes for its fixed properties (about 300 today).
pub fn default_size_bound(courses: &[&Course]) -> usize {
    const FIXED: usize = 1_000;
    let len = |s: Option<&str>| s.map_or(0, str::len);
    let mut total = FIXED + PRODID.len() * 3;
    for c in courses {
        let course_text = c.id.as_str().len()
            + c.title.len()
            + len(c.number.as_deref())
            + len(c.description.as_deref())
            + len(c.url.as_deref());
        // Name and description twice each, prefix and course line per event.
        total = total.saturating_add(3 * 2 * course_text);
        for e in &c.events {
            let text = e.uid().len()
                + e.name().len()
                + len(e.description())
                + len(e.url())
                + len(e.location())
                + len(e.unit.as_deref())
                + course_text;
            total = total.saturating_add(FIXED + 3 * text);
        }
    }
    total
}

/// Render `courses` as the variant asks: a learner's run (live events left
/// out, dates moved, UIDs of their own) and reminders on every event.
pub fn render_variant(courses: &[&Course], variant: &Variant) -> Feed {
    let shifted: Vec<Course>;
    let courses: Vec<&Course> = match variant.shift {
        Some(shift) => {
            shifted = courses.iter().map(|c| shift.apply(c)).collect();
            shifted.iter().collect()
        }
        None => courses.to_vec(),
    };
    render_with(
        &courses,
        variant.feed_zone(),
        variant.kinds,
        &variant.alarms,
    )
}

/// Render one feed variant of `courses` (no catalog needed).
///
/// ```
/// let text = "course:\n  title: Demo\n  timezone: UTC\n  updated: 2026-11-01T00:00:00Z\n\
///             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
/// let course = coursecal::compile("demo-101", "demo-101.yaml", text).unwrap().course;
/// let feed = coursecal::render(&[&course], coursecal::Zone::Utc, coursecal::KindSet::ALL);
/// assert!(feed.body.starts_with("BEGIN:VCALENDAR\r\n"));
/// ```
pub fn render(courses: &[&Course], zone: Zone, kinds: KindSet) -> Feed {
    render_with(courses, zone, kinds, &Alarms::default())
}

fn render_with(courses: &[&Course], zone: Zone, kinds: KindSet, alarms: &Alarms) -> Feed {
    let several = courses.len() > 1;
    let texts: Vec<CourseText> = courses
        .iter()
        .map(|c| CourseText::new(c, several))
        .collect();
    let mut events: Vec<(usize, &Event)> = courses
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.events.iter().map(move |e| (i, e)))
        .filter(|(_, e)| kinds.contains(e.kind))
        .collect();
    if several {
        events.sort_by(|a, b| {
            (a.1.start().sort_key(), a.1.uid()).cmp(&(b.1.start().sort_key(), b.1.uid()))
        });
    }

    // Which timed events go out as wall time, and the years they span.
    let tz = zone.wall_zone();
    let mut years: Option<(i32, i32)> = None;
    let writes_local: Vec<bool> = events
        .iter()
        .map(|(_, e)| {
            let (local, span) = wall_time(tz, e);
            years = span_union(years, span);
            local
        })
        .collect();

    // Size the buffer from the text it will hold: growing a 70 MB buffer
    // costs a copy and fresh page faults.
    let estimate: usize = events
        .iter()
        .map(|(i, e)| {
            let text = e.name().len() + e.description().map_or(0, str::len);
            420 + e.uid().len() + texts[*i].line.len() + text + text / 16
        })
        .sum();
    let mut w = Writer::with_capacity(2048 + estimate);
    write_head(&mut w, courses, tz, years);
    let props = TimeProps::new(tz);
    for ((i, event), local) in events.iter().zip(writes_local) {
        write_event(&mut w, &texts[*i], event, &props, local);
        write_alarms(&mut w, &texts[*i], event, alarms);
        w.end("VEVENT");
    }
    w.end("VCALENDAR");
    Feed {
        body: w.finish(),
        last_modified: courses.iter().filter_map(|c| c.updated).max(),
    }
}

/// Everything before the first VEVENT: the calendar's properties and,
/// when timed events go out as wall time in `tz`, the VTIMEZONE spanning
/// their `years`. Shared by whole renders and assembled ones (see
/// [`super::pieces`]), so both write the same bytes.
pub(super) fn write_head(
    w: &mut Writer,
    courses: &[&Course],
    tz: Option<Tz>,
    years: Option<(i32, i32)>,
) {
    w.begin("VCALENDAR");
    w.raw("VERSION", "2.0");
    w.raw("PRODID", PRODID);
    w.raw("CALSCALE", "GREGORIAN");
    w.raw("METHOD", "PUBLISH");
    let name = feed_name(courses);
    w.text("NAME", &name);
    w.text("X-WR-CALNAME", &name);
    if let [one] = courses
        && let Some(d) = &one.description
    {
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
}

pub(super) fn write_event(
    w: &mut Writer,
    ct: &CourseText,
    e: &Event,
    props: &TimeProps,
    local: bool,
) {
    let course = ct.course;
    w.begin("VEVENT");
    w.raw("UID", e.uid());
    match &e.history {
        // The course's history knows when this very event last changed:
        // an event that did not change keeps its bytes when another moves.
        Some(h) => {
            w.raw_with("DTSTAMP", |out| push_utc(out, h.modified));
            w.raw_with("LAST-MODIFIED", |out| push_utc(out, h.modified));
            w.raw("SEQUENCE", &h.sequence.to_string());
        }
        None => {
            w.raw("DTSTAMP", &ct.stamp);
            if course.updated.is_some() {
                w.raw("LAST-MODIFIED", &ct.stamp);
            }
            w.raw("SEQUENCE", &ct.sequence);
        }
    }
    match e.start() {
        When::AllDay(d) => {
            w.raw_with("DTSTART;VALUE=DATE", |out| push_date(out, d));
            let next = d.succ_opt().unwrap_or(d + Duration::days(1));
            w.raw_with("DTEND;VALUE=DATE", |out| push_date(out, next));
        }
        When::At(t) => {
            props.write(w, false, t, local);
            if let Some(end) = e.end() {
                props.write(w, true, end, local);
            }
        }
    }
    w.text_parts("SUMMARY", &[&ct.prefix, e.kind.summary_prefix(), e.name()]);
    // Description: the item's own text, the unit of an assignment, the course.
    let (desc, sep) = match e.description() {
        Some(d) => (d, "\n\n"),
        None => ("", ""),
    };
    match &e.unit {
        Some(unit) => w.text_parts(
            "DESCRIPTION",
            &[desc, sep, "Suggested due date, ", unit, ".\n\n", &ct.line],
        ),
        None => w.text_parts("DESCRIPTION", &[desc, sep, &ct.line]),
    }
    if let Some(loc) = e.location() {
        w.text("LOCATION", loc);
    }
    if let Some(url) = e.url().or(course.url.as_deref()) {
        w.raw("URL", url);
    }
    w.raw("CATEGORIES", e.kind.as_str());
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
}

/// One VALARM per reminder: `TRIGGER` relative to the start, shown as the
/// event's summary (RFC 5545 §3.6.6; `ACTION:DISPLAY` needs `DESCRIPTION`).
pub(super) fn write_alarms(w: &mut Writer, ct: &CourseText, e: &Event, alarms: &Alarms) {
    for minutes in alarms.minutes() {
        w.begin("VALARM");
        w.raw("ACTION", "DISPLAY");
        w.raw("TRIGGER", &trigger(*minutes));
        w.text_parts(
            "DESCRIPTION",
            &[&ct.prefix, e.kind.summary_prefix(), e.name()],
        );
        w.end("VALARM");
    }
}

/// `-PT15M`, `-PT2H`, `-P1D`, `-P1W`; `PT0S` at the start.
fn trigger(minutes: u32) -> String {
    const DAY: u32 = 24 * 60;
    match minutes {
        0 => "PT0S".into(),
        m if m % (7 * DAY) == 0 => format!("-P{}W", m / (7 * DAY)),
        m if m % DAY == 0 => format!("-P{}D", m / DAY),
        m if m % 60 == 0 => format!("-PT{}H", m / 60),
        m => format!("-PT{m}M"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound holds for text that escapes and folds the most, for
    /// timed and all-day items, with and without optional keys.
    #[test]
    fn the_size_bound_is_never_below_the_feed() {
        let worst = ",;\\\\".repeat(120);
        let mut text = format!(
            "course:\n  title: \"{worst}\"\n  number: \"N,;1\"\n  description: \"{worst}\"\n  \
             url: https://example.edu/{}\n  timezone: Europe/Berlin\n  updated: 2026-01-01T00:00:00Z\nunits:\n",
            "a".repeat(300)
        );
        for i in 0..30 {
            text.push_str(&format!(
                "  - name: \"{i} {worst}\"\n    release: 2026-02-{:02}\n    description: \"{worst}\"\n    \
                 assignments:\n      - name: \"a{i} {worst}\"\n        due: 2026-03-{:02}T23:59\n",
                i % 28 + 1,
                i % 28 + 1
            ));
        }
        text.push_str("live_events:\n  - name: \"Live\"\n    start: 2026-04-01T10:00\n    duration: 1h\n    location: \",,,,\"\n");
        text.push_str("milestones:\n  - name: x\n    date: 2026-05-01\n");
        let plain = "course:\n  title: T\n  timezone: UTC\nmilestones:\n  - name: x\n    date: 2026-05-01\n";
        for (id, text) in [("worst", text.as_str()), ("plain", plain)] {
            let course = crate::schedule::compile(id, "x.yaml", text)
                .expect("compiles")
                .course;
            let other = crate::schedule::compile("other", "o.yaml", text)
                .expect("compiles")
                .course;
            for courses in [vec![&course], vec![&course, &other]] {
                let feed = render(&courses, Zone::Utc, KindSet::ALL);
                assert!(
                    default_size_bound(&courses) >= feed.body.len(),
                    "{} < {}",
                    default_size_bound(&courses),
                    feed.body.len()
                );
            }
        }
    }
}
