//! Time values of schedule files and their resolution to dates and instants.
//!
//! The schedule format has three spellings (see docs/schedule-format.md):
//! a date (all-day), a date-time with an offset (one instant) and a naive
//! date-time read in the course's zone. Resolving the naive form is where DST
//! bites: a wall time can be missing (gap) or happen twice (overlap), and both
//! are reported instead of guessed.

use crate::model::YEARS;
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// A time value as written in a schedule file, before zone resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeValue {
    Date(NaiveDate),
    Instant(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

/// Parse a schedule time value. The error says what was expected.
pub fn parse_time_value(s: &str) -> Result<TimeValue, String> {
    let s = s.trim();
    check_date_part(s)?;
    let value = match common_shape(s) {
        Some(v) => v,
        None => any_shape(s)?,
    };
    let year = match value {
        TimeValue::Date(d) => d.year(),
        TimeValue::Instant(t) => t.year(),
        TimeValue::Naive(t) => t.year(),
    };
    if !YEARS.contains(&year) {
        return Err(year_error(&year.to_string()));
    }
    Ok(value)
}

/// Every spelling the format allows, by chrono's parsers.
fn any_shape(s: &str) -> Result<TimeValue, String> {
    Ok(if s.len() == 10 {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(TimeValue::Date)
            .map_err(|e| date_error(s, e))?
    } else if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        TimeValue::Instant(t)
    } else if let Some(t) = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        TimeValue::Naive(t)
    } else if let Some(t) = [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ]
    .iter()
    .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        TimeValue::Instant(t)
    } else if let Some(t) = ["%Y-%m-%dT%H:%MZ", "%Y-%m-%d %H:%MZ", "%Y-%m-%d %H:%M:%SZ"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        TimeValue::Instant(t.and_utc().fixed_offset())
    } else {
        return Err(format!(
            "expected a date `YYYY-MM-DD` or a date-time `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z` or `+HH:MM`, found `{s}`"
        ));
    })
}

/// The spellings nearly every schedule uses, read by position:
/// `YYYY-MM-DD`, and `YYYY-MM-DDTHH:MM[:SS]` (or with a space) without an
/// offset. chrono's format parsers read a pattern string for every value;
/// a file of a few thousand dates spent more on that than on the dates.
/// `None` for anything else, an impossible date or time included: the
/// general parsers then read it and say what is wrong.
fn common_shape(s: &str) -> Option<TimeValue> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<u32> {
        let part = b.get(from..to)?;
        part.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if !matches!(b.len(), 10 | 16 | 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(num(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?)?;
    if b.len() == 10 {
        return Some(TimeValue::Date(date));
    }
    if !matches!(b[10], b'T' | b' ') || b[13] != b':' || (b.len() == 19 && b[16] != b':') {
        return None;
    }
    let second = if b.len() == 19 { num(17, 19)? } else { 0 };
    let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, second)?;
    Some(TimeValue::Naive(date.and_time(time)))
}

fn year_error(year: &str) -> String {
    let (from, to) = (YEARS.start(), YEARS.end());
    format!("year {year} is out of range: expected a year from {from} to {to}")
}

/// Say what is wrong with a `Y-MM-DD` prefix (year range, month, day of the
/// month) before the generic parsers turn it into "input is out of range" or
/// "expected a date". Anything not shaped like a date is left to them.
fn check_date_part(s: &str) -> Result<(), String> {
    fn digits(t: &str) -> usize {
        t.bytes().take_while(u8::is_ascii_digit).count()
    }
    let y = digits(s);
    let Some(rest) = s.get(y..).and_then(|r| r.strip_prefix('-')) else {
        return Ok(());
    };
    let Some(rest) = rest
        .get(2..)
        .filter(|_| digits(rest) == 2)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return Ok(());
    };
    let after = rest.get(2..).unwrap_or_default();
    if y == 0 || digits(rest) != 2 || !(after.is_empty() || after.starts_with(['T', 't', ' '])) {
        return Ok(());
    }
    let date = s.get(..y + 6).unwrap_or(s);
    let field = |range: std::ops::Range<usize>| {
        date.get(range)
            .and_then(|t| t.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let year = date
        .get(..y)
        .and_then(|t| t.parse::<i32>().ok())
        .filter(|y| YEARS.contains(y));
    let Some(year) = year else {
        let written = date.get(..y).unwrap_or_default().trim_start_matches('0');
        return Err(year_error(if written.is_empty() { "0" } else { written }));
    };
    let month = field(y + 1..y + 3);
    let day = field(y + 4..y + 6);
    let Some(month_name) = u8::try_from(month)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
    else {
        return Err(format!(
            "{date} is not a date: there is no month {month:02} (months are 01 to 12)"
        ));
    };
    let days = days_in_month(year, month).unwrap_or(31);
    if day == 0 || day > days {
        return Err(format!(
            "{date} is not a date: {} {year} has {days} days",
            month_name.name()
        ));
    }
    Ok(())
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    u32::try_from((next - first).num_days()).ok()
}

fn date_error(s: &str, e: chrono::ParseError) -> String {
    format!("expected a date `YYYY-MM-DD`, found `{s}` ({e})")
}

/// Why a naive wall time could not be placed on the time line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Skipped by a forward DST change; the two offsets around the gap.
    Gap {
        before: FixedOffset,
        after: FixedOffset,
    },
    /// Happens twice; the offsets of the first and second pass.
    Overlap {
        first: FixedOffset,
        second: FixedOffset,
    },
}

/// Place a naive wall time in `tz`.
pub fn resolve_local(tz: Tz, t: NaiveDateTime) -> Result<DateTime<Utc>, LocalTimeError> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(dt) => Ok(dt.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Err(LocalTimeError::Overlap {
            first: a.fixed_offset().timezone(),
            second: b.fixed_offset().timezone(),
        }),
        LocalResult::None => {
            // Offsets a few hours around the gap name both sides of it.
            let before = tz
                .offset_from_utc_datetime(&(t - Duration::hours(12)))
                .fix();
            let after = tz
                .offset_from_utc_datetime(&(t + Duration::hours(12)))
                .fix();
            Err(LocalTimeError::Gap { before, after })
        }
    }
}

use chrono::Offset;

/// Parse a duration: `1h`, `90m`, `1h30m`, `45s`, or ISO 8601 `PT1H30M` / `P1DT2H`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let expected =
        || format!("expected a duration like `1h`, `90m`, `1h30m` or `PT1H30M`, found `{s}`");
    let t = s.trim();
    let (body, iso) = match t.strip_prefix('P').or_else(|| t.strip_prefix('p')) {
        Some(rest) => (rest, true),
        None => (t, false),
    };
    if body.is_empty() {
        return Err(expected());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut in_time = !iso;
    let mut seen_unit = false;
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'T' | 't' if iso && !in_time && digits.is_empty() => in_time = true,
            _ => {
                let n: i64 = digits.parse().map_err(|_| expected())?;
                digits.clear();
                let unit = match (c.to_ascii_lowercase(), in_time) {
                    ('w', false) => 7 * 86_400,
                    ('d', _) if !iso || !in_time => 86_400,
                    ('h', true) => 3_600,
                    ('m', true) => 60,
                    ('s', true) => 1,
                    _ => return Err(expected()),
                };
                total = n
                    .checked_mul(unit)
                    .and_then(|v| total.checked_add(v))
                    .ok_or_else(expected)?;
                seen_unit = true;
            }
        }
    }
    if !digits.is_empty() || !seen_unit {
        return Err(expected());
    }
    if total <= 0 {
        return Err(format!("expected a positive duration, found `{s}`"));
    }
    if total > 366 * 86_400 {
        return Err(format!(
            "a live event cannot last longer than a year, found `{s}`"
        ));
    }
    Ok(Duration::seconds(total))
}

/// `+05:30`-style text of an offset, for messages.
pub fn offset_text(o: FixedOffset) -> String {
    let secs = o.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The positional reading is a shortcut, never a second rule: where it
    /// answers, chrono's parsers give the same value (where it does not,
    /// they are asked).
    #[test]
    fn the_common_shapes_read_as_the_general_parsers_do() {
        let mut answered = 0;
        for date in [
            "2026-02-28",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "0999-01-01",
            "2026-1-01",
            "2026/01/01",
            "20260101xx",
        ] {
            for time in [
                "",
                "T00:00",
                "T23:59",
                "T24:00",
                "T12:60",
                " 09:30",
                "t09:30",
                "T09:30:59",
                "T09:30:60",
                " 23:59:59",
                "T9:30:00",
                "T09-30",
                "T09:30Z",
            ] {
                let s = format!("{date}{time}");
                if let Some(v) = common_shape(&s) {
                    answered += 1;
                    assert_eq!(any_shape(&s), Ok(v), "{s}");
                }
            }
        }
        assert!(answered >= 18, "{answered}");
    }

    #[test]
    fn parses_the_three_spellings() {
        assert!(matches!(
            parse_time_value("2017-10-11"),
            Ok(TimeValue::Date(_))
        ));
        assert!(matches!(
            parse_time_value("2017-09-29T18:00:00Z"),
            Ok(TimeValue::Instant(_))
        ));
        assert!(matches!(
            parse_time_value("2017-09-29T18:00:00+02:00"),
            Ok(TimeValue::Instant(_))
        ));
        assert!(matches!(
            parse_time_value("2017-09-29T18:00"),
            Ok(TimeValue::Naive(_))
        ));
        assert_eq!(
            parse_time_value("2017-02-30"),
            Err("2017-02-30 is not a date: February 2017 has 28 days".into())
        );
        assert_eq!(
            parse_time_value("2016-02-30T10:00"),
            Err("2016-02-30 is not a date: February 2016 has 29 days".into())
        );
        assert!(parse_time_value("2017-13-01").is_err());
        assert!(parse_time_value("2016-02-29").is_ok());
        assert_eq!(
            parse_time_value("10000-11-16"),
            Err("year 10000 is out of range: expected a year from 1900 to 2199".into())
        );
        assert_eq!(
            parse_time_value("0000-11-16"),
            Err("year 0 is out of range: expected a year from 1900 to 2199".into())
        );
        assert!(parse_time_value("September 29").is_err());
        assert!(parse_time_value("0000-01-01").is_err());
        assert!(parse_time_value("10000-01-01").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Ok(Duration::hours(1)));
        assert_eq!(parse_duration("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("PT1H30M"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("P1DT2H"), Ok(Duration::hours(26)));
        for bad in ["", "1", "h", "PT", "1x", "0m", "P1H", "-1h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dst_gap_and_overlap_are_reported() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2017, 3, 26)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(matches!(
            resolve_local(berlin, gap),
            Err(LocalTimeError::Gap { .. })
        ));
        let overlap = NaiveDate::from_ymd_opt(2017, 10, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(matches!(
            resolve_local(berlin, overlap),
            Err(LocalTimeError::Overlap { .. })
        ));
    }
}
