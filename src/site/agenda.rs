//! A course's dates grouped by week, in one zone. `site.js` regroups the
//! same `<li>` nodes when the reader picks another zone, from the raw
//! instants in their `data-` attributes.

use super::links::segment;
use super::{Page, Site};
use crate::model::{Course, Event, Kind, KindSet, Variant, When};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

/// One event placed in the display zone.
pub struct AgendaRow<'a> {
    pub event: &'a Event,
    pub day: NaiveDate,
    /// When it stops being upcoming: its end, or the end of its day.
    pub until: DateTime<Utc>,
}

/// Midnight at the start of `day` in `tz` (the first midnight if the
/// clocks repeat it, the instant after the gap if they skip it).
pub fn start_of_day(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..4)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

fn placed<'a>(event: &'a Event, tz: Tz) -> AgendaRow<'a> {
    match event.start() {
        When::AllDay(d) => AgendaRow {
            event,
            day: d,
            until: start_of_day(tz, d.succ_opt().unwrap_or(d)),
        },
        When::At(t) => AgendaRow {
            event,
            day: t.with_timezone(&tz).date_naive(),
            until: event.end().unwrap_or(t),
        },
    }
}

/// The course's events of `kinds`, in display order: by local day, all-day
/// items first, then by start.
pub fn items(course: &Course, tz: Tz, kinds: KindSet) -> Vec<AgendaRow<'_>> {
    let mut items: Vec<AgendaRow> = course
        .events
        .iter()
        .filter(|e| kinds.contains(e.kind))
        .map(|e| placed(e, tz))
        .collect();
    items.sort_by_key(|i| {
        let timed = matches!(i.event.start(), When::At(_));
        (i.day, timed, i.event.start().sort_key())
    });
    items
}

/// The first instant after `now` at which a page showing `courses` (times
/// in `tz`) would mark another date as past: until then a page rendered at
/// `now` is still the page of the moment, and can be served from a cache.
/// Every boundary the pages compare with the clock counts (in the course's
/// zone for the list's counts and in `tz` for the agenda), so it is never
/// later than the real change.
pub fn next_change(courses: &[&Course], tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    courses
        .iter()
        .flat_map(|c| {
            c.events
                .iter()
                .flat_map(move |e| [placed(e, c.timezone).until, placed(e, tz).until])
        })
        .filter(|t| *t > now)
        .min()
}

/// When each event stops being upcoming (for the course list's counts).
pub fn ends(course: &Course) -> Vec<DateTime<Utc>> {
    course
        .events
        .iter()
        .map(|e| placed(e, course.timezone).until)
        .collect()
}

pub fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// A strftime pattern, parsed once: chrono parses the pattern string on
/// every `format` call, and the agenda formats several times per event.
type Pattern = std::sync::LazyLock<Vec<chrono::format::Item<'static>>>;

macro_rules! pattern {
    ($name:ident = $p:literal) => {
        static $name: Pattern =
            std::sync::LazyLock::new(|| chrono::format::StrftimeItems::new($p).collect());
    };
}

pattern!(DAY = "%a %-d %b");
pattern!(WEEK = "%-d %b %Y");
pattern!(HOUR_MINUTE = "%H:%M");
pattern!(DATE = "%Y-%m-%d");

pub fn day_label(day: NaiveDate) -> String {
    day.format_with_items(DAY.iter()).to_string()
}

pub fn week_label(monday: NaiveDate) -> String {
    format!("Week of {}", monday.format_with_items(WEEK.iter()))
}

/// "18:00–19:00" (or "18:00") in `tz`, and the same in UTC for the tooltip.
fn times(event: &Event, tz: Tz) -> Option<(String, String)> {
    let When::At(start) = event.start() else {
        return None;
    };
    let fmt = |z: Tz| {
        let s = start
            .with_timezone(&z)
            .format_with_items(HOUR_MINUTE.iter())
            .to_string();
        match event.end() {
            Some(e) => format!(
                "{s}–{}",
                e.with_timezone(&z).format_with_items(HOUR_MINUTE.iter())
            ),
            None => s,
        }
    };
    let utc = format!(
        "{} {} UTC",
        start.format_with_items(DATE.iter()),
        fmt(Tz::UTC)
    );
    Some((fmt(tz), utc))
}

/// What an item is, in the agenda's words: each item says it in text, not
/// only by its colour (screen readers, colour blindness, print).
pub fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Release => "Available",
        Kind::Due => "Due",
        Kind::Live => "Live session",
        Kind::Milestone => "Milestone",
    }
}

/// The week-grouped agenda of `course`.
/// `variant` picks the zone (else the course's) and kinds; `embedded`
/// makes it the compact widget whose links open a new tab.
pub fn agenda(
    site: &Site,
    from: Page,
    course: &Course,
    variant: Variant,
    embedded: bool,
) -> Markup {
    let tz = super::display_zone(variant, Some(course));
    let items = items(course, tz, variant.kinds);
    // Past and "next up" need the clock: only a server knows it; the
    // script recomputes both in the browser either way.
    let past = |i: &AgendaRow| site.now.is_some_and(|now| i.until <= now);
    let next = site
        .now
        .and_then(|_| items.iter().position(|i| !past(i) && !i.event.cancelled));
    let mut weeks: Vec<(NaiveDate, Vec<(usize, &AgendaRow)>)> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let m = monday(item.day);
        match weeks.last_mut() {
            Some((w, list)) if *w == m => list.push((n, item)),
            _ => weeks.push((m, vec![(n, item)])),
        }
    }
    let event_variant = Variant {
        kinds: KindSet::ALL,
        ..site.links_variant(variant)
    };
    let target = embedded.then_some("_blank");
    let rel = embedded.then_some("noopener");
    html! {
        div.weeks data-weeks {
            @if items.is_empty() {
                p.empty { "No dates published yet." }
            }
            @for (m, list) in &weeks {
                section.week {
                    h3 { (week_label(*m)) }
                    ol.events {
                        @for (n, item) in list {
                            @let ev = item.event;
                            @let is_next = next == Some(*n);
                            @let classes = format!(
                                "ev {}{}{}{}",
                                ev.kind.css_class(),
                                if past(item) { " past" } else { "" },
                                if is_next { " next" } else { "" },
                                if ev.cancelled { " cancelled" } else { "" },
                            );
                            @let start_attr = match ev.start() {
                                When::AllDay(d) => d.format_with_items(DATE.iter()).to_string(),
                                When::At(t) => super::rfc3339(t),
                            };
                            @let ics = format!(
                                "courses/{}/events/{}.ics",
                                course.id,
                                segment(ev.uid())
                            );
                            @let ics_base = site.rel(from, &ics);
                            // The next item is the page's "current" one for
                            // assistive technology (the script moves it).
                            li class=(classes) data-kind=(ev.kind.as_str()) data-start=(start_attr)
                                data-end=[ev.end().map(super::rfc3339)] data-cancelled[ev.cancelled]
                                aria-current=[is_next.then_some("true")] {
                                @match times(ev, tz) {
                                    Some((local, utc)) => {
                                        time.when datetime=(start_attr) title=(utc) {
                                            span.d { (day_label(item.day)) }
                                            " "
                                            span.t { (local) }
                                            " "
                                            span.z { (tz.name()) }
                                        }
                                    }
                                    None => {
                                        time.when datetime=(start_attr) title=(format!("{start_attr}, all day")) {
                                            span.d { (day_label(item.day)) }
                                            " "
                                            span.t { "All day" }
                                        }
                                    }
                                }
                                div.what {
                                    p.tags {
                                        span.kind { (kind_word(ev.kind)) }
                                        @if ev.cancelled {
                                            " " span.flag { "Cancelled" }
                                        }
                                        " " span.next-badge hidden[!is_next] { "Next up" }
                                        " " span.past-badge hidden[!past(item)] { "Past" }
                                    }
                                    p.name {
                                        @match ev.url() {
                                            Some(u) => a href=(u) target=[target] rel=[rel] { (ev.name()) },
                                            None => (ev.name()),
                                        }
                                    }
                                    @if !embedded {
                                        @if let Some(unit) = &ev.unit {
                                            p.sub { (unit) }
                                        }
                                        @if let Some(loc) = ev.location() {
                                            p.sub { "Where: " (loc) }
                                        }
                                        @if let Some(d) = ev.description() {
                                            p.sub { (d) }
                                        }
                                    }
                                }
                                a.add href=(format!("{ics_base}{}", event_variant.query()))
                                    data-event=(ics_base) download target=[target] rel=[rel]
                                    title="Add this date to your calendar (.ics)" {
                                    "Add to calendar"
                                    span.vh { ": " (ev.name()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parsed-once patterns write what `format` with the same pattern
    /// string writes.
    #[test]
    fn the_parsed_patterns_write_what_format_writes() {
        let days = [(2017, 9, 28), (2024, 2, 29), (1, 1, 1), (9999, 12, 31)];
        for (y, m, d) in days {
            let day = NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
            assert_eq!(day_label(day), day.format("%a %-d %b").to_string());
            assert_eq!(
                week_label(day),
                format!("Week of {}", day.format("%-d %b %Y"))
            );
            assert_eq!(
                day.format_with_items(DATE.iter()).to_string(),
                day.format("%Y-%m-%d").to_string()
            );
            let t = day.and_hms_opt(18, 5, 0).expect("a valid time").and_utc();
            assert_eq!(
                t.format_with_items(HOUR_MINUTE.iter()).to_string(),
                t.format("%H:%M").to_string()
            );
        }
    }
}
