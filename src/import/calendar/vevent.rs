//! One VEVENT as the `icalendar` parser gives it, read into an [`VEvent`]:
//! its date properties as [`IcsTime`]s (a TZID looked up in the tz
//! database), its texts as written (the draft's text rules clean them).

use crate::model::YEARS;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, ParseString, Property};
use icalendar::{CalendarDateTime, DatePerhapsTime};

/// A DTSTART, DTEND, RECURRENCE-ID, RDATE or EXDATE value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcsTime {
    /// `VALUE=DATE`: all day.
    Date(NaiveDate),
    /// A `Z` time (zone `None`) or a TZID'd one (its zone).
    Instant(DateTime<Utc>, Option<Tz>),
    /// A floating time: no zone given.
    Floating(NaiveDateTime),
}

impl IcsTime {
    /// Its date, where it was written (for ids and horizons).
    pub(super) fn date(&self) -> NaiveDate {
        match self {
            IcsTime::Date(d) => *d,
            IcsTime::Instant(t, Some(tz)) => t.with_timezone(tz).date_naive(),
            IcsTime::Instant(t, None) => t.date_naive(),
            IcsTime::Floating(n) => n.date(),
        }
    }

    /// The same moment, whatever the spelling (to match a RECURRENCE-ID).
    pub(super) fn key(&self) -> (u8, i64) {
        match self {
            IcsTime::Date(d) => (0, i64::from(chrono::Datelike::num_days_from_ce(d))),
            IcsTime::Instant(t, _) => (1, t.timestamp()),
            IcsTime::Floating(n) => (2, n.and_utc().timestamp()),
        }
    }

    pub(super) fn year_ok(&self) -> bool {
        YEARS.contains(&chrono::Datelike::year(&self.date()))
    }
}

/// One VEVENT as read.
#[derive(Debug, Clone)]
pub(super) struct VEvent {
    pub(super) line: usize,
    pub(super) uid: Option<String>,
    pub(super) summary: Option<String>,
    pub(super) description: Option<String>,
    pub(super) location: Option<String>,
    pub(super) categories: Vec<String>,
    pub(super) start: IcsTime,
    pub(super) end: Option<IcsTime>,
    pub(super) duration: Option<String>,
    pub(super) rule: Option<String>,
    pub(super) rdates: Vec<IcsTime>,
    pub(super) exdates: Vec<IcsTime>,
    pub(super) recurrence_id: Option<IcsTime>,
    pub(super) cancelled: bool,
}

fn prop<'a>(c: &'a Component<'a>, name: &str) -> Option<&'a Property<'a>> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

pub(super) fn text(c: &Component<'_>, name: &str) -> Option<String> {
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
pub(super) fn zone(tzid: &str) -> Option<Tz> {
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
fn values(p: &Property<'_>) -> Result<Vec<IcsTime>, String> {
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
                DatePerhapsTime::Date(d) => IcsTime::Date(d),
                DatePerhapsTime::DateTime(_) if is_date => {
                    return Err(format!("{}: VALUE=DATE with a time: {v}", p.name));
                }
                DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => IcsTime::Instant(t, None),
                DatePerhapsTime::DateTime(CalendarDateTime::Floating(n)) => IcsTime::Floating(n),
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
                    IcsTime::Instant(t.with_timezone(&Utc), Some(tz))
                }
            };
            if when.year_ok() {
                Ok(when)
            } else {
                let (from, to) = (YEARS.start(), YEARS.end());
                Err(format!("{}: a year outside {from}–{to}: {v}", p.name))
            }
        })
        .collect()
}

pub(super) fn read_event(c: &Component<'_>, line: usize) -> Result<VEvent, String> {
    let start = match prop(c, "DTSTART") {
        None => return Err("an event without DTSTART".into()),
        Some(p) => values(p)?.into_iter().next().ok_or("an empty DTSTART")?,
    };
    let one = |name: &str| -> Result<Option<IcsTime>, String> {
        prop(c, name)
            .map(|p| values(p).map(|v| v.into_iter().next()))
            .transpose()
            .map(Option::flatten)
    };
    let many = |name: &str| -> Result<Vec<IcsTime>, String> {
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
    Ok(VEvent {
        line,
        uid: text(c, "UID"),
        summary: text(c, "SUMMARY"),
        description: text(c, "DESCRIPTION"),
        location: text(c, "LOCATION"),
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

/// `s` without `prefix`, compared ASCII case-insensitively.
pub(super) fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| s.get(prefix.len()..))
}

#[cfg(test)]
mod tests {
    use super::*;

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
