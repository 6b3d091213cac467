//! The page being read: what earlier lines said (the year, the zone, the
//! day heading the lines below) and the rules every reader of a line or
//! a table row shares — resolving a date, a start, placing a due, and
//! reporting what became no item.

use super::lines::Line;
use super::phrases::{clean_name, without_trailing_day};
use crate::import::dates::{FoundDate, FoundTime, ZoneLabel, find_dates, find_time, instant};
use crate::import::draft::{Draft, DraftItem, Due, Start, UnitOf, Unread};
use chrono::{Datelike, NaiveDate, Weekday};

/// Where the year of a date written without one came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum YearFrom {
    Option,
    FirstOnPage,
    Around,
}

/// The page being read: the draft, and what earlier lines said.
pub(super) struct Reader {
    pub(super) draft: Draft,
    pub(super) year: Option<i32>,
    pub(super) year_from: YearFrom,
    pub(super) last: Option<NaiveDate>,
    pub(super) has_zone: bool,
    pub(super) zone: Option<(ZoneLabel, String, usize)>,
    /// The time of dues that give none (see `stated_due_time`).
    pub(super) due_time: Option<(FoundTime, String, usize)>,
    /// The weekday written before this line's one date ("Monday,
    /// November 8"): it picks the year of a date written without one.
    pub(super) weekday: Option<Weekday>,
    /// The last undated unit heading ("Module 1"): what a line that says
    /// "… become publicly available" releases.
    pub(super) heading_unit: Option<String>,
    /// The last line that is a date alone ("Aug 27"), and its number: the
    /// day of the lines below it ("HW 1 is posted …" is released then).
    pub(super) day: Option<(NaiveDate, Vec<String>, usize)>,
}

impl Reader {
    pub(super) fn unread(&mut self, line: &Line, why: &str) {
        self.draft
            .unread
            .push(Unread::new(line.n, line.text.clone(), why.to_owned()));
    }

    /// The date of `found`, with notes on what was assumed.
    pub(super) fn resolve(
        &mut self,
        found: &FoundDate,
        notes: &mut Vec<String>,
    ) -> Option<NaiveDate> {
        let weekday = self.weekday.take();
        let date = match (found.year, self.year) {
            (Some(y), _) => {
                self.year_from = YearFrom::Around;
                found.date(y)
            }
            (None, Some(y)) => {
                // The year of the dates around it, moving on when it would
                // fall half a year before the previous one (a course that
                // crosses New Year).
                let mut d = found.date(y)?;
                if self.last.is_some_and(|l| (l - d).num_days() > 180) {
                    d = found.date(y + 1)?;
                }
                // A weekday written with the date decides between the
                // year guessed and the ones beside it.
                let by_weekday = weekday.filter(|w| d.weekday() != *w).and_then(|w| {
                    [d.year() - 1, d.year() + 1]
                        .into_iter()
                        .filter_map(|y| found.date(y))
                        .find(|a| a.weekday() == w)
                });
                if let Some(a) = by_weekday {
                    d = a;
                    self.year_from = YearFrom::Around;
                }
                notes.push(match self.year_from {
                    _ if by_weekday.is_some() => format!(
                        "year {}: the weekday the page gives ({}) falls on this date in {}",
                        d.year(),
                        d.weekday(),
                        d.year()
                    ),
                    _ if d.year() != y => format!(
                        "year {}: the date would fall before the one above it in {y}",
                        d.year()
                    ),
                    YearFrom::Option => format!("year {} from --year", d.year()),
                    YearFrom::FirstOnPage => {
                        format!("year {} from the first year written on the page", d.year())
                    }
                    YearFrom::Around => {
                        format!("year {} inferred from the dates around it", d.year())
                    }
                });
                Some(d)
            }
            (None, None) => None,
        }?;
        if !crate::model::YEARS.contains(&date.year()) {
            return None;
        }
        if found.us_order {
            notes.push("numeric date read in US order (month/day/year)".into());
        }
        self.year = Some(date.year());
        self.last = Some(date);
        Some(date)
    }

    /// Why a date could not be resolved, for the report.
    pub(super) fn no_date(&self, what: &str) -> String {
        if self.year.is_none() {
            format!("{what} without a year, and none is on the page: give --year")
        } else {
            format!("{what} that is no day of the calendar")
        }
    }

    /// The start of a timed item: its zone label, else the zone the page
    /// states, else `--timezone`.
    pub(super) fn start(
        &self,
        date: NaiveDate,
        time: &FoundTime,
        notes: &mut Vec<String>,
    ) -> Result<Start, &'static str> {
        let at = |label| {
            instant(date, time.time, label)
                .map(Start::Instant)
                .ok_or("a time that does not exist in its zone")
        };
        match (time.zone, &self.zone) {
            (Some(label), _) => at(label),
            (None, Some((label, said, n))) => {
                notes.push(format!("zone from the page: \"{said}\" (line {n})"));
                at(*label)
            }
            (None, None) if self.has_zone => Ok(Start::Wall(date.and_time(time.time))),
            (None, None) => Err("a time without a zone label: give --timezone for the page's zone"),
        }
    }

    /// The start of a due: its own time, else the time the page gives for
    /// every due, else none (a due on the day).
    pub(super) fn due_start(
        &self,
        date: NaiveDate,
        time: Option<&FoundTime>,
        notes: &mut Vec<String>,
    ) -> Result<Option<Start>, &'static str> {
        match (time, &self.due_time) {
            (Some(t), _) => self.start(date, t, notes).map(Some),
            (None, Some((t, said, n))) => {
                notes.push(format!("time from the page: \"{said}\" (line {n})"));
                self.start(date, t, notes).map(Some)
            }
            (None, None) => Ok(None),
        }
    }

    /// A due date: under the unit above, else placed by the draft's rule.
    pub(super) fn due(&mut self, item: DraftItem) {
        match self.draft.units.last_mut() {
            Some(unit) => unit.assignments.push(item),
            None => self.draft.dues.push(Due {
                item,
                unit: UnitOf::ByDate,
            }),
        }
    }
}

/// The label written in brackets right after a date in a table cell
/// ("Feb 2 (Milestone) …" → "Milestone").
pub(super) fn label_after(text: &str) -> Option<String> {
    let t = text.trim_start();
    let inner = t.strip_prefix('(')?;
    let label = clean_name(&inner[..inner.find(')')?]);
    // "(Fri)", "(5 pm)" say when, not which.
    let when = find_time(&label, 0).is_some()
        || !find_dates(&label).is_empty()
        || without_trailing_day(&format!("x {label}")) == "x";
    (!label.is_empty() && !when).then_some(label)
}

/// A line whose item took one date while the line holds more: the
/// others are reported, never dropped without a word.
pub(super) fn report_others(
    line: &Line,
    text: &str,
    dates: &[FoundDate],
    used: usize,
    draft: &mut Draft,
) {
    let others: Vec<&str> = dates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != used)
        .filter_map(|(_, d)| text.get(d.span.0..d.span.1))
        .collect();
    if !others.is_empty() {
        draft.unread.push(Unread::new(
            line.n,
            line.text.clone(),
            format!(
                "{} more date(s) on this line became no item: {}",
                others.len(),
                others.join(", ")
            ),
        ));
    }
}
