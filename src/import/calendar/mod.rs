//! Calendar exports (`.ics`, as Google Calendar, Canvas or Moodle write
//! them). Unfolded and parsed by the `icalendar` crate (its `parser`:
//! components, properties, parameters, TEXT unescaping; its date-time
//! values), recurrences expanded by the `rrule` crate (see `recur`).
//!
//! - A timed VEVENT is a live event (DTEND or DURATION its length), unless
//!   its SUMMARY or CATEGORIES say it is a deadline ([`is_due`]): then a
//!   due date at that time. An all-day one (`VALUE=DATE`) is a due date by
//!   the same words, a unit release by [`is_release`], else a milestone.
//! - Every occurrence of a recurring event is an item; its id is the
//!   UID's slug and the date the rule gave it (`…-20251105`), so an
//!   occurrence moved by a `RECURRENCE-ID` override keeps its id, and a
//!   re-import gives the same ids. A single event's id is the UID's slug.
//! - `STATUS:CANCELLED` (on an event, or on one occurrence through an
//!   override) is kept as `status: cancelled`.
//! - Times keep their instants: a TZID is looked up in the tz database, a
//!   `Z` time is UTC, and both are written with their offset in the course
//!   zone. A floating time is a wall time in `--timezone`, else in the
//!   calendar's zone, else reported. The calendar's zone (X-WR-TIMEZONE,
//!   else the one TZID every timed event uses) becomes the course zone.
//! - Dues are grouped as the spreadsheet importer does: under the latest
//!   unit released by their date, else in a unit of their own released on
//!   the due date (no date is invented).
//!
//! Reported, with the line of the event's `BEGIN:VEVENT`: an event
//! without DTSTART, a time or zone this import cannot read, a rule it
//! cannot expand or that gives more than [`recur::MAX_PER_RULE`]
//! occurrences (unread: the import is partial). A rule without end is cut
//! at [`recur::HORIZON_MONTHS`] months, and VTODO/VJOURNAL entries are
//! not schedule items: both are reported as skipped on purpose.

mod kind;
mod occurrence;
mod place;
mod recur;
mod vevent;

use super::draft::{Draft, Unread};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property};
use std::collections::{HashMap, HashSet};
use vevent::{IcsTime, read_event, strip_prefix_ci, text, zone};

/// The line of every `BEGIN:<name>` in the raw text, in order, by name.
fn begin_lines(raw: &str) -> HashMap<String, Vec<usize>> {
    let mut lines: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, l) in raw.lines().enumerate() {
        if let Some(name) = strip_prefix_ci(l.trim_end(), "BEGIN:") {
            lines.entry(name.to_owned()).or_default().push(i + 1);
        }
    }
    lines
}

/// Components nested deeper than this are refused before parsing (the
/// parser recurses once per level: a hostile file could exhaust the
/// stack). Real calendars nest three deep (VCALENDAR, VEVENT, VALARM).
const MAX_DEPTH: usize = 16;

/// The line (unfolded) where nesting first goes deeper than
/// [`MAX_DEPTH`], if it does.
fn too_deep(unfolded: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, l) in unfolded.lines().enumerate() {
        if strip_prefix_ci(l, "BEGIN:").is_some() {
            depth += 1;
            if depth > MAX_DEPTH {
                return Some(i + 1);
            }
        } else if strip_prefix_ci(l, "END:").is_some() {
            depth = depth.saturating_sub(1);
        }
    }
    None
}

/// Read an iCalendar text into a draft; `zone` (`--timezone`) is the
/// course zone when given.
pub fn read(raw: &str, zone_option: Option<Tz>) -> Draft {
    let mut draft = Draft::default();
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let unfolded = icalendar::parser::unfold(raw);
    if let Some(line) = too_deep(&unfolded) {
        draft.unread.push(Unread::new(
            line,
            String::new(),
            format!(
                "components nested more than {MAX_DEPTH} deep: not a calendar this import reads (line counted after unfolding)"
            ),
        ));
        return draft;
    }
    let roots = match icalendar::parser::read_components(&unfolded) {
        Ok(c) => c,
        Err(e) => {
            // The parser names the (unfolded) line it stopped at.
            let line = e
                .split("at line ")
                .nth(1)
                .and_then(|rest| {
                    rest.split(|c: char| !c.is_ascii_digit())
                        .next()
                        .and_then(|n| n.parse().ok())
                })
                .unwrap_or(1);
            draft.unread.push(Unread::new(
                line,
                unfolded
                    .lines()
                    .nth(line.saturating_sub(1))
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect::<String>(),
                format!(
                    "not an iCalendar file this import can read (the parser stopped at this line, counted after unfolding: {})",
                    e.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" ")
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            ));
            return draft;
        }
    };
    // Components in document order, with the raw line of their BEGIN.
    let begins = begin_lines(raw);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut line_of = |name: &str| -> usize {
        let n = seen.entry(name.to_owned()).or_default();
        let line = begins
            .get(name)
            .and_then(|l| l.get(*n))
            .copied()
            .unwrap_or(1);
        *n += 1;
        line
    };
    let mut calendar_props = Vec::new();
    let mut flat: Vec<(&Component<'_>, usize)> = Vec::new();
    fn walk<'c, 'a>(
        c: &'c Component<'a>,
        line_of: &mut dyn FnMut(&str) -> usize,
        calendar_props: &mut Vec<&'c Property<'a>>,
        flat: &mut Vec<(&'c Component<'a>, usize)>,
    ) {
        let line = line_of(c.name.as_str());
        if c.name.as_str().eq_ignore_ascii_case("VCALENDAR") {
            calendar_props.extend(c.properties.iter());
        } else {
            flat.push((c, line));
        }
        for child in &c.components {
            walk(child, line_of, calendar_props, flat);
        }
    }
    for root in &roots {
        walk(root, &mut line_of, &mut calendar_props, &mut flat);
    }
    let cal = |name: &str| {
        calendar_props
            .iter()
            .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
            .map(|p| p.val.as_str().trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    draft.title = cal("X-WR-CALNAME");
    draft.description = cal("X-WR-CALDESC");
    let wr_zone = cal("X-WR-TIMEZONE");
    let named_zone = wr_zone.as_deref().and_then(zone);
    if let (Some(z), None) = (&wr_zone, named_zone) {
        let line = raw
            .lines()
            .position(|l| l.to_ascii_uppercase().starts_with("X-WR-TIMEZONE"))
            .map_or(1, |i| i + 1);
        draft.skipped.push(Unread::new(
            line,
            z.clone(),
            "an unknown X-WR-TIMEZONE, not used",
        ));
    }

    let mut events = Vec::new();
    for (c, line) in flat {
        let name = c.name.as_str().to_ascii_uppercase();
        match name.as_str() {
            "VEVENT" => match read_event(c, line) {
                Ok(e) => events.push(e),
                Err(why) => draft.unread.push(Unread::new(
                    line,
                    text(c, "SUMMARY").unwrap_or_else(|| "VEVENT".into()),
                    why,
                )),
            },
            "VTODO" | "VJOURNAL" => draft.skipped.push(Unread::new(
                line,
                text(c, "SUMMARY").unwrap_or_else(|| name.clone()),
                format!("a {name} (to-do or journal entry) is not a schedule item"),
            )),
            // VTIMEZONE (zones are looked up by TZID), VALARM, X- parts.
            _ => {}
        }
    }

    // The calendar's zone: X-WR-TIMEZONE, else the one TZID every timed
    // start uses.
    let tzids: HashSet<Tz> = events
        .iter()
        .filter_map(|e| match e.start {
            IcsTime::Instant(_, tz) => Some(tz.unwrap_or(Tz::UTC)),
            _ => None,
        })
        .collect();
    draft.timezone = named_zone.or_else(|| match tzids.iter().collect::<Vec<_>>()[..] {
        [tz] if *tz != Tz::UTC => Some(*tz),
        _ => None,
    });
    let course_zone = zone_option.or(draft.timezone);

    let occurrences = occurrence::occurrences(&events, &mut draft);
    for o in occurrences {
        place::place(o, course_zone, &mut draft);
    }
    // Releases, events and milestones in time order (dues are placed,
    // and ids made unique, by the draft's own rules).
    draft.units.sort_by_key(|u| u.release.date);
    draft.live.sort_by_key(|l| l.start.sort_key());
    draft.milestones.sort_by_key(|m| m.date);
    draft.unread.sort_by_key(|u| u.line);
    draft.skipped.sort_by_key(|u| u.line);
    draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use occurrence::MAX_RULES;

    #[test]
    fn hostile_rules_stay_bounded() {
        // A rule no date satisfies makes the crate loop to its own limit
        // (~10-20 ms each here): the number of rules bounds the work.
        let mut ics = String::from(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:s\nDTSTART:20250101T000000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:Often\nEND:VEVENT\n",
        );
        for i in 0..(MAX_RULES + 5) {
            ics.push_str(&format!(
                "BEGIN:VEVENT\nUID:u{i}\nDTSTART:20250101T000000Z\nRRULE:FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30\nSUMMARY:Never\nEND:VEVENT\n"
            ));
        }
        ics.push_str("END:VCALENDAR\n");
        let d = read(&ics, None);
        assert!(
            d.unread
                .iter()
                .any(|u| u.why.contains("more often than hourly"))
        );
        let deep = format!("BEGIN:VCALENDAR\n{}", "begin:X\n".repeat(100_000));
        assert!(read(&deep, None).unread[0].why.contains("nested more than"));
        assert!(
            d.unread
                .iter()
                .any(|u| u.why.contains("recurring events in one calendar"))
        );
    }

    #[test]
    fn an_unparsable_calendar_is_reported_at_the_line_the_parser_stopped() {
        let d = read(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:A\nEND:VTODO\nEND:VCALENDAR\n",
            None,
        );
        assert_eq!(d.unread.len(), 1, "{:?}", d.unread);
        assert!(d.unread[0].line > 1, "{:?}", d.unread);
        assert!(d.unread[0].why.starts_with("not an iCalendar file"));
    }
}
