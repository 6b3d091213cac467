//! Spreadsheets (`.csv` as Excel or Google Sheets export them): a header
//! row, columns found by name (case-insensitive, with synonyms), one item
//! per row. Parsed with the `csv` crate (quoted cells with commas and line
//! breaks, CRLF rows); a UTF-8 byte-order mark is dropped.
//!
//! Kinds come from a kind column, else from words in the title. A time
//! column applies to every kind (a 23:59 deadline, a 10:00 exam). The unit
//! column groups rows: a due belongs to the release row whose unit cell
//! equals its own ("Module 1" beside the release "Module 1: Getting
//! Started"), or whose name does; without a unit cell, to the latest unit
//! released by its date (the draft's rule, shared with calendars). A row
//! without a date is reported with its line in the file, never guessed.

use super::dates::{find_dates, find_time};
use super::draft::{Draft, DraftItem, DraftUnit, Due, Live, Start, UnitOf, Unread};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The columns of a sheet, by what they hold.
#[derive(Debug, Default)]
struct Columns {
    date: Option<usize>,
    title: Option<usize>,
    kind: Option<usize>,
    time: Option<usize>,
    end: Option<usize>,
    unit: Option<usize>,
    description: Option<usize>,
    zone: Option<usize>,
}

fn columns(header: &csv::StringRecord) -> Columns {
    let mut c = Columns::default();
    let mut week = None;
    for (i, name) in header.iter().enumerate() {
        let n = name
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase();
        let slot = match n.as_str() {
            "date" | "due" | "due date" | "release" | "release date" | "when" | "day" => {
                &mut c.date
            }
            "title" | "name" | "item" | "event" | "assignment" | "topic" | "what" => &mut c.title,
            "kind" | "type" | "category" => &mut c.kind,
            "time" | "start" | "start time" | "starts" => &mut c.time,
            "end" | "end time" | "ends" | "duration" => &mut c.end,
            "unit" | "module" => &mut c.unit,
            // A week number groups rows only when no column names units.
            "week" => &mut week,
            "description" | "notes" | "details" => &mut c.description,
            "timezone" | "time zone" | "zone" | "tz" => &mut c.zone,
            _ => continue,
        };
        slot.get_or_insert(i);
    }
    c.unit = c.unit.or(week);
    c
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Release,
    Due,
    Live,
    Milestone,
}

/// A kind from a kind cell or, failing that, the words of a title.
fn kind_of(text: &str) -> Option<RowKind> {
    let t = text.to_ascii_lowercase();
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric() && c != '&')
        .filter(|w| !w.is_empty())
        .collect();
    // One word must be a word of the text; a phrase must occur in it.
    let has = |synonyms: &[&str]| {
        synonyms.iter().any(|w| {
            if w.contains(' ') {
                t.contains(w)
            } else {
                words.contains(w)
            }
        })
    };
    if has(&["release", "unit", "available", "module"]) {
        Some(RowKind::Release)
    } else if has(&["due", "assignment", "homework", "deadline", "quiz"]) {
        Some(RowKind::Due)
    } else if has(&[
        "live",
        "lecture",
        "session",
        "webinar",
        "office hours",
        "q&a",
    ]) {
        Some(RowKind::Live)
    } else if has(&["milestone", "exam", "other"]) {
        Some(RowKind::Milestone)
    } else {
        None
    }
}

fn date_of(cell: &str, notes: &mut Vec<String>) -> Option<NaiveDate> {
    let found = find_dates(cell).into_iter().next()?;
    let year = found.year.filter(|y| crate::model::YEARS.contains(y))?;
    if found.us_order {
        notes.push("numeric date read in US order (month/day/year)".into());
    }
    found.date(year)
}

/// Physical line numbers from byte offsets that only grow.
struct Lines<'a> {
    text: &'a str,
    byte: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, byte: u64) -> usize {
        let byte = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        let rest = self.text.as_bytes().get(byte..).unwrap_or_default();
        let byte = byte
            + rest
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        if byte > self.byte {
            let seen = self
                .text
                .as_bytes()
                .get(self.byte..byte)
                .unwrap_or_default();
            self.line += seen.iter().filter(|&&b| b == b'\n').count();
            self.byte = byte;
        }
        self.line
    }
}

/// Read a CSV sheet into a draft; `zone` reads wall times.
pub fn read(text: &str, zone: Option<Tz>) -> Draft {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut draft = Draft::default();
    let cols = match reader.headers() {
        Ok(h) => columns(h),
        Err(e) => {
            draft.unread.push(Unread::new(
                1,
                String::new(),
                format!("not a CSV header row: {e}"),
            ));
            return draft;
        }
    };
    let (Some(date_col), Some(title_col)) = (cols.date, cols.title) else {
        draft.unread.push(Unread::new(1, text.lines().next().unwrap_or_default().to_owned(), "expected a date column (Date, Due, Release, When) and a title column (Title, Name, Item, Event, Assignment, Topic)",));
        return draft;
    };
    // The csv crate's line count is one short after CRLF rows (Excel's line
    // ends; a record's position is taken before the `\n` of `\r\n`), and
    // blank lines it skips are not in it: lines are counted here from the
    // first byte of the record's own text.
    let mut lines = Lines {
        text,
        byte: 0,
        line: 1,
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                draft.unread.push(Unread::new(
                    line,
                    String::new(),
                    format!("unreadable row: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default().trim();
        let raw = record.iter().collect::<Vec<_>>().join(",");
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let unread = |why: &str| Unread::new(line, raw.clone(), why.to_owned());
        let title = cell(Some(title_col))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if title.is_empty() {
            draft.unread.push(unread("a row without a title"));
            continue;
        }
        let mut notes = Vec::new();
        let Some(date) = date_of(cell(Some(date_col)), &mut notes) else {
            draft
                .unread
                .push(unread("a row without a date this import can read"));
            continue;
        };
        let time_cell = cell(cols.time);
        let time = (!time_cell.is_empty())
            .then(|| find_time(time_cell, 0))
            .flatten();
        if !time_cell.is_empty() && time.is_none() {
            draft.unread.push(unread("a time this import cannot read"));
            continue;
        }
        let kind = kind_of(cell(cols.kind))
            .or_else(|| kind_of(&title))
            .unwrap_or(if time.is_some() {
                RowKind::Live
            } else {
                RowKind::Milestone
            });
        // Excel's CRLF inside a quoted cell: one line break.
        let description = Some(
            cell(cols.description)
                .replace("\r\n", "\n")
                .replace('\r', "\n"),
        )
        .filter(|d| !d.is_empty());
        // The time applies to every kind: a 23:59 deadline stays 23:59.
        let start = match time {
            None => None,
            Some(time) => {
                let row_zone = match cell(cols.zone) {
                    "" => zone,
                    z => match crate::model::parse_zone(z) {
                        Ok(crate::model::Zone::Named(tz)) => Some(tz),
                        Ok(crate::model::Zone::Utc) => Some(Tz::UTC),
                        Err(_) => {
                            draft
                                .unread
                                .push(unread("an unknown time zone in the zone column"));
                            continue;
                        }
                    },
                };
                let wall = date.and_time(time.time);
                let start = match (time.zone, row_zone) {
                    (Some(label), _) => {
                        super::dates::instant(date, time.time, label).map(Start::Instant)
                    }
                    (None, Some(_)) if cell(cols.zone).is_empty() => Some(Start::Wall(wall)),
                    (None, Some(tz)) => instant_in(tz, wall).map(Start::Instant),
                    (None, None) => {
                        draft.unread.push(unread(
                            "a time without a zone: give --timezone or a Timezone column",
                        ));
                        continue;
                    }
                };
                let Some(start) = start else {
                    draft
                        .unread
                        .push(unread("a time that does not exist in its zone"));
                    continue;
                };
                Some((time.time, start))
            }
        };
        let item = DraftItem {
            description: description.clone(),
            at: start.as_ref().map(|(_, s)| s.clone()),
            ..DraftItem::new(title.clone(), date, notes.clone(), line)
        };
        let unit_cell = Some(cell(cols.unit).to_owned()).filter(|u| !u.is_empty());
        match kind {
            RowKind::Release => draft.units.push(DraftUnit {
                key: unit_cell,
                ..DraftUnit::new(item)
            }),
            RowKind::Due => draft.dues.push(Due {
                item,
                unit: unit_cell.map_or(UnitOf::ByDate, UnitOf::Named),
            }),
            RowKind::Milestone => draft.milestones.push(item),
            RowKind::Live => {
                let Some((time, start)) = start else {
                    draft.unread.push(unread("a live event without a time"));
                    continue;
                };
                let minutes = match duration_minutes(cell(cols.end), time) {
                    Ok(m) => m,
                    Err(why) => {
                        draft.unread.push(unread(why));
                        continue;
                    }
                };
                draft.live.push(Live {
                    duration_minutes: minutes,
                    description,
                    ..Live::new(title, start, notes, line)
                });
            }
        }
    }
    draft
}

/// An End/Duration cell as minutes: an end time ("15:30", "3:30 PM") on
/// the same day, or a duration ("90m", "1h30m").
fn duration_minutes(cell: &str, start: chrono::NaiveTime) -> Result<Option<i64>, &'static str> {
    if cell.is_empty() {
        return Ok(None);
    }
    if let Ok(d) = crate::schedule::time::parse_duration(cell) {
        return Ok(Some(d.num_minutes()).filter(|m| *m > 0));
    }
    match find_time(cell, 0) {
        Some(end) if end.time > start => Ok(Some((end.time - start).num_minutes())),
        Some(_) => Err("an end time that is not after the start"),
        None => Err("an end or duration this import cannot read"),
    }
}

fn instant_in(tz: Tz, wall: NaiveDateTime) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    tz.from_local_datetime(&wall)
        .earliest()
        .map(|t| t.fixed_offset())
}
