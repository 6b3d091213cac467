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

mod recur;

use super::draft::{Draft, Item, Live, Start, Unit, Unread};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, ParseString, Property};
use icalendar::{CalendarDateTime, DatePerhapsTime};
use std::collections::{HashMap, HashSet};

/// Occurrences imported from one calendar, at most: the rest is reported.
const MAX_ITEMS: usize = 5000;
/// Recurring events expanded from one calendar, at most (a rule no date
/// satisfies costs the `rrule` crate its whole iteration limit, some
/// 10–20 ms: this bounds a hostile file to about a second).
const MAX_RULES: usize = 50;
/// Room for an id built from a UID, leaving space for `unit-` and a
/// counter within the 100-byte id limit.
const ID_ROOM: usize = 90;

/// A DTSTART, DTEND, RECURRENCE-ID, RDATE or EXDATE value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// `VALUE=DATE`: all day.
    Date(NaiveDate),
    /// A `Z` time (zone `None`) or a TZID'd one (its zone).
    Instant(DateTime<Utc>, Option<Tz>),
    /// A floating time: no zone given.
    Floating(NaiveDateTime),
}

impl When {
    /// Its date, where it was written (for ids and horizons).
    fn date(&self) -> NaiveDate {
        match self {
            When::Date(d) => *d,
            When::Instant(t, Some(tz)) => t.with_timezone(tz).date_naive(),
            When::Instant(t, None) => t.date_naive(),
            When::Floating(n) => n.date(),
        }
    }

    /// The same moment, whatever the spelling (to match a RECURRENCE-ID).
    fn key(&self) -> (u8, i64) {
        match self {
            When::Date(d) => (0, i64::from(chrono::Datelike::num_days_from_ce(d))),
            When::Instant(t, _) => (1, t.timestamp()),
            When::Floating(n) => (2, n.and_utc().timestamp()),
        }
    }

    fn year_ok(&self) -> bool {
        (1900..=2199).contains(&chrono::Datelike::year(&self.date()))
    }
}

/// One VEVENT as read.
#[derive(Debug, Clone)]
struct Event {
    line: usize,
    uid: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    location: Option<String>,
    categories: Vec<String>,
    start: When,
    end: Option<When>,
    duration: Option<String>,
    rule: Option<String>,
    rdates: Vec<When>,
    exdates: Vec<When>,
    recurrence_id: Option<When>,
    cancelled: bool,
}

/// One occurrence to become an item.
struct Occurrence<'a> {
    event: &'a Event,
    start: When,
    /// Its id, when the event has a UID.
    id: Option<String>,
    notes: Vec<String>,
}

fn prop<'a>(c: &'a Component<'a>, name: &str) -> Option<&'a Property<'a>> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn text(c: &Component<'_>, name: &str) -> Option<String> {
    prop(c, name)
        .map(|p| p.val.as_str().trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn param<'a>(p: &'a Property<'a>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(ParseString::as_str)
}

/// A TZID as a tz database zone: the name itself (quotes and a
/// `/mozilla.org/…/` style prefix dropped), or a UTC spelling.
fn zone(tzid: &str) -> Option<Tz> {
    let name = tzid.trim().trim_matches('"');
    let mut candidate = name;
    loop {
        match crate::model::parse_zone(candidate) {
            Ok(crate::model::Zone::Named(tz)) => return Some(tz),
            Ok(crate::model::Zone::Utc) => return Some(Tz::UTC),
            Err(_) => match candidate.split_once('/') {
                // `/mozilla.org/20050126_1/America/New_York`: drop one
                // leading segment at a time.
                Some((_, rest)) if !rest.is_empty() => candidate = rest,
                _ => return None,
            },
        }
    }
}

/// The values of a date property (EXDATE and RDATE may list several),
/// each read by the `icalendar` crate.
fn values(p: &Property<'_>) -> Result<Vec<When>, String> {
    let is_date = param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    p.val
        .as_str()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            let one = Property {
                name: p.name.clone(),
                val: ParseString::from(v.to_owned()),
                params: p.params.clone(),
            };
            let read = DatePerhapsTime::try_from(&one)
                .map_err(|_| format!("{}: a time this import cannot read: {v}", p.name))?;
            let when = match read {
                DatePerhapsTime::Date(d) => When::Date(d),
                DatePerhapsTime::DateTime(_) if is_date => {
                    return Err(format!("{}: VALUE=DATE with a time: {v}", p.name));
                }
                DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => When::Instant(t, None),
                DatePerhapsTime::DateTime(CalendarDateTime::Floating(n)) => When::Floating(n),
                DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
                    let tz = zone(&tzid).ok_or_else(|| {
                        format!(
                            "{}: an unknown TZID \"{tzid}\" (zones are looked up by name in the tz database; VTIMEZONE rules are not read)",
                            p.name
                        )
                    })?;
                    // A wall time skipped by a DST change does not exist;
                    // one that occurs twice is the earlier (RFC 5545 3.3.5).
                    let t = tz.from_local_datetime(&date_time).earliest().ok_or_else(|| {
                        format!("{}: {v} does not exist in {}", p.name, tz.name())
                    })?;
                    When::Instant(t.with_timezone(&Utc), Some(tz))
                }
            };
            if when.year_ok() {
                Ok(when)
            } else {
                Err(format!("{}: a year outside 1900–2199: {v}", p.name))
            }
        })
        .collect()
}

fn read_event(c: &Component<'_>, line: usize) -> Result<Event, String> {
    let start = match prop(c, "DTSTART") {
        None => return Err("an event without DTSTART".into()),
        Some(p) => values(p)?.into_iter().next().ok_or("an empty DTSTART")?,
    };
    let one = |name: &str| -> Result<Option<When>, String> {
        prop(c, name)
            .map(|p| values(p).map(|v| v.into_iter().next()))
            .transpose()
            .map(Option::flatten)
    };
    let many = |name: &str| -> Result<Vec<When>, String> {
        let mut all = Vec::new();
        for p in c
            .properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case(name))
        {
            all.extend(values(p)?);
        }
        Ok(all)
    };
    let categories = c
        .properties
        .iter()
        .filter(|p| p.name.as_str().eq_ignore_ascii_case("CATEGORIES"))
        .flat_map(|p| p.val.as_str().split(','))
        .map(|s| s.trim().replace("\\,", ",").to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(Event {
        line,
        uid: text(c, "UID"),
        summary: text(c, "SUMMARY").and_then(|s| one_line(&s)),
        description: text(c, "DESCRIPTION").and_then(|d| long_text(&d)),
        location: text(c, "LOCATION").and_then(|l| one_line(&l)),
        categories,
        start,
        end: one("DTEND")?,
        duration: text(c, "DURATION"),
        rule: text(c, "RRULE"),
        rdates: many("RDATE")?,
        exdates: many("EXDATE")?,
        recurrence_id: one("RECURRENCE-ID")?,
        cancelled: text(c, "STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")),
    })
}

/// A name, location or title as the schedule format takes it: one line
/// (line breaks and other control characters as spaces, whitespace
/// collapsed), at most 500 characters.
fn one_line(s: &str) -> Option<String> {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(crate::schedule::validate::MAX_NAME_CHARS)
        .collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// A description: line breaks (CRLF, CR) as `\n`, tabs kept, other
/// control characters dropped, at most 20,000 characters.
fn long_text(s: &str) -> Option<String> {
    let s: String = s
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .take(crate::schedule::validate::MAX_TEXT_CHARS)
        .collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Lowercase words of a text.
fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A deadline: "due", "deadline", "submission" in the SUMMARY (so also
/// "Assignment 2 due"), or a CATEGORIES value saying due, deadline or
/// assignment (Canvas and Moodle mark assignments so).
fn is_due(summary: &str, categories: &[String]) -> bool {
    const SAYS: &[&str] = &["due", "deadline", "deadlines", "submission", "submissions"];
    words(summary).iter().any(|w| SAYS.contains(&w.as_str()))
        || categories.iter().any(|c| {
            words(c).iter().any(|w| {
                matches!(
                    w.as_str(),
                    "due" | "deadline" | "assignment" | "assignments"
                )
            })
        })
}

/// Canvas marks an assignment's deadline only by its UID
/// (`event-assignment-NNN`), whatever the title says.
fn canvas_assignment(uid: Option<&str>) -> bool {
    uid.and_then(|u| strip_prefix_ci(u, "event-assignment-"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// An all-day unit release: "release(d)", "opens", "available", "module",
/// or "unit" followed by a number ("Unit 3: …"); or a CATEGORIES value
/// saying release, unit or module.
fn is_release(summary: &str, categories: &[String]) -> bool {
    let w = words(summary);
    w.iter().any(|w| {
        matches!(
            w.as_str(),
            "release" | "released" | "releases" | "opens" | "available" | "module"
        )
    }) || w
        .windows(2)
        .any(|p| p[0] == "unit" && p[1].starts_with(|c: char| c.is_ascii_digit()))
        || categories.iter().any(|c| {
            words(c)
                .iter()
                .any(|w| matches!(w.as_str(), "release" | "unit" | "module"))
        })
}

/// `[a-z0-9][a-z0-9.-]*` from a UID and a suffix, at most [`ID_ROOM`]
/// bytes: the UID's ASCII slug, or (too long, or no letters) a readable
/// part and 12 hex digits of the SHA-256 of the UID.
fn uid_id(uid: &str, suffix: &str) -> String {
    use sha2::{Digest, Sha256};
    let slug = crate::model::ids::ascii_slug(uid);
    let room = ID_ROOM.saturating_sub(suffix.len());
    if !slug.is_empty() && slug.len() <= room {
        return format!("{slug}{suffix}");
    }
    let hash: String = Sha256::digest(uid.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let readable = crate::model::ids::truncate_ascii(&slug, room.saturating_sub(14));
    if readable.is_empty() {
        format!("x{hash}{suffix}")
    } else {
        format!("{readable}-x{hash}{suffix}")
    }
}

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

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| s.get(prefix.len()..))
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
        draft.unread.push(Unread {
            file: None,
            line,
            text: String::new(),
            why: format!(
                "components nested more than {MAX_DEPTH} deep: not a calendar this import reads (line counted after unfolding)"
            ),
        });
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
            draft.unread.push(Unread {
                file: None,
                line,
                text: unfolded
                    .lines()
                    .nth(line.saturating_sub(1))
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
                why: format!(
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
            });
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
    draft.title = cal("X-WR-CALNAME").and_then(|t| one_line(&t));
    draft.description = cal("X-WR-CALDESC").and_then(|d| long_text(&d));
    let wr_zone = cal("X-WR-TIMEZONE");
    let named_zone = wr_zone.as_deref().and_then(zone);
    if let (Some(z), None) = (&wr_zone, named_zone) {
        let line = raw
            .lines()
            .position(|l| l.to_ascii_uppercase().starts_with("X-WR-TIMEZONE"))
            .map_or(1, |i| i + 1);
        draft.skipped.push(Unread {
            file: None,
            line,
            text: z.clone(),
            why: "an unknown X-WR-TIMEZONE, not used".into(),
        });
    }

    let mut events = Vec::new();
    for (c, line) in flat {
        let name = c.name.as_str().to_ascii_uppercase();
        match name.as_str() {
            "VEVENT" => match read_event(c, line) {
                Ok(e) => events.push(e),
                Err(why) => draft.unread.push(Unread {
                    file: None,
                    line,
                    text: text(c, "SUMMARY").unwrap_or_else(|| "VEVENT".into()),
                    why,
                }),
            },
            "VTODO" | "VJOURNAL" => draft.skipped.push(Unread {
                file: None,
                line,
                text: text(c, "SUMMARY").unwrap_or_else(|| name.clone()),
                why: format!("a {name} (to-do or journal entry) is not a schedule item"),
            }),
            // VTIMEZONE (zones are looked up by TZID), VALARM, X- parts.
            _ => {}
        }
    }

    // The calendar's zone: X-WR-TIMEZONE, else the one TZID every timed
    // start uses.
    let tzids: HashSet<Tz> = events
        .iter()
        .filter_map(|e| match e.start {
            When::Instant(_, tz) => Some(tz.unwrap_or(Tz::UTC)),
            _ => None,
        })
        .collect();
    draft.timezone = named_zone.or_else(|| match tzids.iter().collect::<Vec<_>>()[..] {
        [tz] if *tz != Tz::UTC => Some(*tz),
        _ => None,
    });
    let course_zone = zone_option.or(draft.timezone);

    let occurrences = occurrences(&events, &mut draft);
    let mut releases = Vec::new();
    let mut dues = Vec::new();
    for o in occurrences {
        place(o, course_zone, &mut draft, &mut releases, &mut dues);
    }
    group(&mut draft, releases, dues);
    draft.live.sort_by_key(|l| instant_of(&l.start));
    draft.milestones.sort_by_key(|m| m.date);
    unique_ids(&mut draft);
    draft.unread.sort_by_key(|u| u.line);
    draft.skipped.sort_by_key(|u| u.line);
    draft
}

/// Every occurrence: single events as they are, recurring ones expanded,
/// overrides in place of the occurrence they replace.
fn occurrences<'a>(events: &'a [Event], draft: &mut Draft) -> Vec<Occurrence<'a>> {
    let mut out = Vec::new();
    // Overrides by (UID, original start).
    let mut overrides: HashMap<(String, (u8, i64)), &Event> = HashMap::new();
    for e in events {
        if let (Some(uid), Some(rid)) = (&e.uid, &e.recurrence_id) {
            overrides.insert((uid.clone(), rid.key()), e);
        }
    }
    let mut used: HashSet<(String, (u8, i64))> = HashSet::new();
    let mut rules = 0;
    let unread = |e: &Event, why: String| Unread {
        file: None,
        line: e.line,
        text: e.summary.clone().unwrap_or_else(|| "VEVENT".into()),
        why,
    };
    for e in events.iter().filter(|e| e.recurrence_id.is_none()) {
        if out.len() >= MAX_ITEMS {
            draft.unread.push(unread(
                e,
                format!(
                    "more than {MAX_ITEMS} occurrences in one calendar: this event not imported"
                ),
            ));
            continue;
        }
        if e.rule.is_none() && e.rdates.is_empty() {
            out.push(Occurrence {
                event: e,
                start: e.start,
                id: e.uid.as_deref().map(|u| uid_id(u, "")),
                notes: Vec::new(),
            });
            continue;
        }
        rules += 1;
        let mut start_added = false;
        let expanded = if rules > MAX_RULES {
            Err(format!(
                "more than {MAX_RULES} recurring events in one calendar: only the first occurrence imported"
            ))
        } else {
            recur::expand(&e.start, e.rule.as_deref(), &e.rdates, &e.exdates)
                .map_err(|why| format!("a recurrence this import cannot expand ({why}): only the first occurrence imported"))
        };
        let starts = match expanded {
            Ok(x) => {
                if let Some(last) = x.cut_unbounded {
                    draft.skipped.push(unread(
                        e,
                        format!(
                            "a rule without end: occurrences after {last} not imported (cut {} months or {} occurrences after its start)",
                            recur::HORIZON_MONTHS,
                            recur::MAX_PER_RULE
                        ),
                    ));
                }
                if x.cut_bounded {
                    draft.unread.push(unread(
                        e,
                        format!(
                            "more than {} occurrences (RRULE and RDATEs): only the first {} imported",
                            recur::MAX_PER_RULE,
                            x.starts.len()
                        ),
                    ));
                }
                start_added = x.start_added;
                x.starts
            }
            Err(why) => {
                draft.unread.push(unread(e, why));
                vec![e.start]
            }
        };
        let dates: Vec<NaiveDate> = starts.iter().map(When::date).collect();
        let same_day = dates.len() != dates.iter().collect::<HashSet<_>>().len();
        let room = MAX_ITEMS.saturating_sub(out.len());
        if starts.len() > room {
            draft.unread.push(unread(
                e,
                format!(
                    "more than {MAX_ITEMS} occurrences in one calendar: only {room} of this event's {} imported",
                    starts.len()
                ),
            ));
        }
        for s in starts.into_iter().take(room) {
            let suffix = match (s, same_day) {
                (When::Instant(t, Some(tz)), true) => {
                    format!("-{}", t.with_timezone(&tz).format("%Y%m%dt%H%M%S"))
                }
                (When::Instant(t, None), true) => format!("-{}", t.format("%Y%m%dt%H%M%S")),
                (When::Floating(n), true) => format!("-{}", n.format("%Y%m%dt%H%M%S")),
                _ => format!("-{}", s.date().format("%Y%m%d")),
            };
            let id = e.uid.as_deref().map(|u| uid_id(u, &suffix));
            let over = e.uid.as_ref().and_then(|u| {
                let k = (u.clone(), s.key());
                overrides.get(&k).map(|o| (k, *o))
            });
            match over {
                Some((k, o)) => {
                    used.insert(k);
                    let mut notes = Vec::new();
                    if o.start.key() != s.key() {
                        notes.push(format!("moved from {} (RECURRENCE-ID)", s.date()));
                    }
                    out.push(Occurrence {
                        event: o,
                        start: o.start,
                        id,
                        notes,
                    });
                }
                None => out.push(Occurrence {
                    event: e,
                    start: s,
                    id,
                    notes: if start_added && s.key() == e.start.key() {
                        vec![
                            "DTSTART is no instance of its RRULE: kept as the first one (RFC 5545)"
                                .to_owned(),
                        ]
                    } else {
                        Vec::new()
                    },
                }),
            }
        }
    }
    // Overrides of no occurrence found here (the series is not in the
    // file, or the rule does not give that date): items of their own.
    for e in events {
        let (Some(uid), Some(rid)) = (&e.uid, &e.recurrence_id) else {
            continue;
        };
        if used.contains(&(uid.clone(), rid.key())) {
            continue;
        }
        if out.len() >= MAX_ITEMS {
            draft.unread.push(unread(
                e,
                format!("more than {MAX_ITEMS} occurrences in one calendar: not imported"),
            ));
            continue;
        }
        out.push(Occurrence {
            event: e,
            start: e.start,
            id: Some(uid_id(uid, &format!("-{}", rid.date().format("%Y%m%d")))),
            notes: vec![format!(
                "an occurrence (RECURRENCE-ID {}) of a series not in the calendar",
                rid.date()
            )],
        });
    }
    out
}

/// An instant or wall time for the draft, in the course zone.
fn start_of(w: When, zone: Option<Tz>, notes: &mut Vec<String>) -> Result<Start, String> {
    let show = |t: DateTime<Utc>| -> DateTime<FixedOffset> {
        match zone {
            Some(z) => t.with_timezone(&z).fixed_offset(),
            None => t.fixed_offset(),
        }
    };
    match w {
        When::Instant(t, _) => Ok(Start::Instant(show(t))),
        When::Floating(n) => {
            let z = zone.ok_or(
                "a time without a zone (floating): give --timezone for the calendar's zone",
            )?;
            let local = z.from_local_datetime(&n);
            let t = local
                .earliest()
                .ok_or_else(|| format!("{n} does not exist in {}", z.name()))?;
            if local.latest() != Some(t) {
                notes.push(format!("{n} occurs twice in {}: the earlier", z.name()));
            }
            Ok(Start::Instant(t.fixed_offset()))
        }
        When::Date(_) => Err("an all-day date where a time is needed".into()),
    }
}

fn instant_of(s: &Start) -> i64 {
    match s {
        Start::Instant(t) => t.timestamp(),
        Start::Wall(n) => n.and_utc().timestamp(),
    }
}

/// Minutes from start to end (or DURATION), when positive.
fn minutes(e: &Event, notes: &mut Vec<String>) -> Option<i64> {
    let m = match (e.start, e.end, &e.duration) {
        (When::Instant(a, _), Some(When::Instant(b, _)), _) => Some((b - a).num_minutes()),
        (When::Floating(a), Some(When::Floating(b)), _) => Some((b - a).num_minutes()),
        (_, None, Some(d)) => match crate::schedule::time::parse_duration(d) {
            Ok(d) => Some(d.num_minutes()),
            Err(_) => {
                notes.push(format!("DURATION {d} not read: the default hour"));
                None
            }
        },
        _ => None,
    };
    match m {
        Some(m) if m > 366 * 24 * 60 => {
            notes.push("lasts more than a year: the default hour".into());
            None
        }
        Some(m) if m > 0 => Some(m),
        Some(_) => {
            notes.push("ends at or before its start: the default hour".into());
            None
        }
        None => None,
    }
}

fn place(
    o: Occurrence<'_>,
    zone: Option<Tz>,
    draft: &mut Draft,
    releases: &mut Vec<Item>,
    dues: &mut Vec<Item>,
) {
    let e = o.event;
    let mut notes = o.notes;
    let name = match &e.summary {
        Some(s) => s.clone(),
        None => {
            notes.push("no SUMMARY in the calendar: name it".into());
            "Untitled event".to_owned()
        }
    };
    let due = is_due(&name, &e.categories) || canvas_assignment(e.uid.as_deref());
    let unread = |why: String| Unread {
        file: None,
        line: e.line,
        text: name.clone(),
        why,
    };
    if let When::Date(date) = o.start {
        if !o.start.year_ok() {
            draft
                .unread
                .push(unread(format!("{date}: a year outside 1900–2199")));
            return;
        }
        if let Some(When::Date(end)) = e.end
            && end > date.succ_opt().unwrap_or(date)
        {
            notes.push(format!(
                "all day until {}: imported on its first day",
                end.pred_opt().unwrap_or(end)
            ));
        }
        if let Some(l) = &e.location {
            notes.push(format!("location: {l}"));
        }
        let item = Item {
            name,
            id: o.id,
            date,
            at: None,
            description: e.description.clone(),
            cancelled: e.cancelled,
            notes,
            line: e.line,
        };
        if due {
            dues.push(item);
        } else if is_release(&item.name, &e.categories) {
            releases.push(item);
        } else {
            draft.milestones.push(item);
        }
        return;
    }
    let start = match start_of(o.start, zone, &mut notes) {
        Ok(s) => s,
        Err(why) => {
            draft.unread.push(unread(why));
            return;
        }
    };
    let date = match &start {
        Start::Instant(t) => t.date_naive(),
        Start::Wall(n) => n.date(),
    };
    if !(1900..=2199).contains(&chrono::Datelike::year(&date)) {
        draft
            .unread
            .push(unread(format!("{date}: a year outside 1900–2199")));
        return;
    }
    if due {
        if let Some(l) = &e.location {
            notes.push(format!("location: {l}"));
        }
        dues.push(Item {
            name,
            id: o.id,
            date,
            at: Some(start),
            description: e.description.clone(),
            cancelled: e.cancelled,
            notes,
            line: e.line,
        });
    } else {
        let duration_minutes = minutes(e, &mut notes);
        draft.live.push(Live {
            name,
            id: o.id,
            start,
            duration_minutes,
            description: e.description.clone(),
            location: e.location.clone(),
            cancelled: e.cancelled,
            notes,
            line: e.line,
        });
    }
}

/// Dues under the latest unit released by their date, else in a unit of
/// their own released on the due date (the spreadsheet importer's rule).
fn group(draft: &mut Draft, mut releases: Vec<Item>, mut dues: Vec<Item>) {
    releases.sort_by_key(|r| r.date);
    dues.sort_by_key(|d| (d.date, d.at.as_ref().map(instant_of)));
    draft.units = releases
        .into_iter()
        .map(|release| Unit {
            release,
            assignments: Vec::new(),
        })
        .collect();
    for due in dues {
        match draft.units.iter().rposition(|u| u.release.date <= due.date) {
            Some(i) => draft.units[i].assignments.push(due),
            None => {
                let release = Item {
                    name: format!("Unit for {}", due.name),
                    id: due.id.as_ref().map(|id| format!("unit-{id}")),
                    date: due.date,
                    at: None,
                    description: None,
                    cancelled: due.cancelled,
                    notes: vec![
                        "a due date before any unit: a unit of its own, released on the due date"
                            .into(),
                    ],
                    line: due.line,
                };
                let at = draft.units.partition_point(|u| u.release.date <= due.date);
                draft.units.insert(
                    at,
                    Unit {
                        release,
                        assignments: vec![due],
                    },
                );
            }
        }
    }
}

/// Explicit ids unique across the course (two UIDs may slug alike): a
/// repeated one gets `-2`, `-3`, … in document order.
fn unique_ids(draft: &mut Draft) {
    let mut ids = super::draft::Ids::default();
    let mut fix = |id: &mut Option<String>| {
        if let Some(base) = id.as_deref() {
            *id = Some(ids.claim(base));
        }
    };
    for u in &mut draft.units {
        fix(&mut u.release.id);
        for a in &mut u.assignments {
            fix(&mut a.id);
        }
    }
    for l in &mut draft.live {
        fix(&mut l.id);
    }
    for m in &mut draft.milestones {
        fix(&mut m.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_decide_the_kind() {
        let none: &[String] = &[];
        assert!(is_due("Problem Set 2 due", none));
        assert!(is_due("Assignment 3 — Deadline", none));
        assert!(is_due("Essay", &["assignment".to_owned()]));
        assert!(!is_due("Lecture 4", none));
        assert!(is_release("Unit 3: Waves", none));
        assert!(is_release("Module 2 opens", none));
        assert!(!is_release("Unit review", none));
        assert!(!is_release("Midterm exam", none));
    }

    #[test]
    fn ids_from_uids_are_valid_short_and_stable() {
        assert_eq!(
            uid_id("7kukuq@google.com", "-20251105"),
            "7kukuq-google-com-20251105"
        );
        let long = "X".repeat(300);
        let id = uid_id(&long, "-20251105");
        assert!(id.len() <= ID_ROOM && id.ends_with("-20251105"), "{id}");
        assert_eq!(id, uid_id(&long, "-20251105"));
        let id = uid_id("日本", "");
        assert!(id.starts_with('x') && id.len() == 13, "{id}");
    }

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

    #[test]
    fn tzids_are_looked_up_with_prefixes_and_quotes() {
        assert_eq!(
            zone("\"America/New_York\""),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(
            zone("/mozilla.org/20050126_1/Europe/Berlin"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(zone("Mars/Olympus"), None);
    }
}
