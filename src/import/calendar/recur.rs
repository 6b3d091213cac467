//! Recurring events expanded with the `rrule` crate (RRULE, RDATE, EXDATE),
//! within bounds: a rule without UNTIL or COUNT is cut at [`HORIZON_MONTHS`]
//! after its start, and no rule gives more than [`MAX_PER_RULE`]
//! occurrences. Rules more frequent than hourly are refused (no course
//! meets every minute, and they are the cheap way to make work).

use super::vevent::IcsTime;
use chrono::{DateTime, Months, NaiveDateTime, TimeZone, Utc};

/// An unbounded rule is cut this many months after its first occurrence.
pub const HORIZON_MONTHS: u32 = 24;
/// At most this many occurrences of one rule.
pub const MAX_PER_RULE: usize = 500;

/// What expanding a rule gave.
#[derive(Debug)]
pub struct Expanded {
    /// Occurrence starts, in order, of the same kind as the start.
    pub starts: Vec<IcsTime>,
    /// The rule has no end: it was cut at the horizon or at
    /// [`MAX_PER_RULE`] (the date after which nothing was imported).
    pub cut_unbounded: Option<chrono::NaiveDate>,
    /// A bounded rule with more occurrences than [`MAX_PER_RULE`] (or
    /// more RDATEs), or one the crate stopped computing: the later ones
    /// are not imported.
    pub cut_bounded: bool,
    /// DTSTART is no instance of its rule (`BYMONTHDAY=30` from a day in
    /// February): RFC 5545 makes it the first instance all the same, so it
    /// is added in front.
    pub start_added: bool,
}

/// The start as the `rrule` crate wants it: an instant in its TZID zone
/// (so the wall time stays across DST changes), a date or a floating time
/// as a UTC wall clock (zone-free arithmetic).
fn anchor(w: &IcsTime) -> DateTime<rrule::Tz> {
    match *w {
        IcsTime::Date(d) => rrule::Tz::UTC.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)),
        IcsTime::Floating(n) => rrule::Tz::UTC.from_utc_datetime(&n),
        IcsTime::Instant(t, Some(tz)) => t.with_timezone(&rrule::Tz::Tz(tz)),
        IcsTime::Instant(t, None) => t.with_timezone(&rrule::Tz::UTC),
    }
}

/// An occurrence back in the start's kind.
fn back(start: &IcsTime, t: &DateTime<rrule::Tz>) -> IcsTime {
    match start {
        IcsTime::Date(_) => IcsTime::Date(t.naive_local().date()),
        IcsTime::Floating(_) => IcsTime::Floating(t.naive_local()),
        IcsTime::Instant(_, tz) => IcsTime::Instant(t.with_timezone(&Utc), *tz),
    }
}

/// UNTIL as the crate requires it (UTC): a `Z` value as it is; a date or a
/// floating value read like the start (a date-only UNTIL with a timed
/// start: the end of that day).
fn until(value: &str, start: &IcsTime) -> Option<DateTime<rrule::Tz>> {
    let v = value.trim();
    let naive = if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y%m%d") {
        match start {
            IcsTime::Date(_) => d.and_time(chrono::NaiveTime::MIN),
            _ => d.and_hms_opt(23, 59, 59)?,
        }
    } else if let Some(z) = v.strip_suffix(['Z', 'z']) {
        let n = NaiveDateTime::parse_from_str(z, "%Y%m%dT%H%M%S").ok()?;
        return Some(match start {
            // A floating or all-day rule with a UTC end: its wall clock.
            IcsTime::Date(_) | IcsTime::Floating(_) => rrule::Tz::UTC.from_utc_datetime(&n),
            IcsTime::Instant(..) => Utc.from_utc_datetime(&n).with_timezone(&rrule::Tz::UTC),
        });
    } else {
        NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok()?
    };
    Some(match start {
        IcsTime::Instant(_, Some(tz)) => tz
            .from_local_datetime(&naive)
            .latest()?
            .with_timezone(&rrule::Tz::UTC),
        _ => rrule::Tz::UTC.from_utc_datetime(&naive),
    })
}

/// Expand `rule` (an RRULE value, or none for RDATEs only) from `start`,
/// without the `exdates`, with the `rdates`.
pub fn expand(
    start: &IcsTime,
    rule: Option<&str>,
    rdates: &[IcsTime],
    exdates: &[IcsTime],
) -> Result<Expanded, String> {
    if exdates.len() > MAX_PER_RULE * 4 {
        return Err(format!(
            "more than {} EXDATEs on one event",
            MAX_PER_RULE * 4
        ));
    }
    let dt_start = anchor(start);
    let mut unbounded = false;
    let mut set = match rule {
        Some(rule) => {
            // UNTIL is read here (the crate reads a zone-less UNTIL in the
            // machine's zone); the rest of the rule by the crate.
            let mut end = None;
            let mut rest = Vec::new();
            for part in rule.split(';').filter(|p| !p.trim().is_empty()) {
                match part.split_once('=') {
                    Some((k, v)) if k.trim().eq_ignore_ascii_case("UNTIL") => {
                        end = Some(
                            until(v, start)
                                .ok_or_else(|| format!("an UNTIL this import cannot read: {v}"))?,
                        );
                    }
                    _ => rest.push(part),
                }
            }
            let parsed: rrule::RRule<rrule::Unvalidated> = rest
                .join(";")
                .parse()
                .map_err(|e: rrule::RRuleError| e.to_string())?;
            if matches!(
                parsed.get_freq(),
                rrule::Frequency::Minutely | rrule::Frequency::Secondly
            ) {
                return Err("a rule repeating more often than hourly".into());
            }
            unbounded = end.is_none() && parsed.get_count().is_none();
            let parsed = match end {
                Some(end) => parsed.until(end),
                None => parsed,
            };
            parsed.build(dt_start).map_err(|e| e.to_string())?
        }
        None => rrule::RRuleSet::new(dt_start),
    };
    for r in rdates.iter().take(MAX_PER_RULE) {
        set = set.rdate(anchor(r));
    }
    for x in exdates {
        set = set.exdate(anchor(x));
    }
    if unbounded {
        let horizon = dt_start
            .checked_add_months(Months::new(HORIZON_MONTHS))
            .unwrap_or(dt_start);
        set = set.before(horizon);
    }
    // One more than the cap: more than that means the rule was cut.
    let limit = u16::try_from(MAX_PER_RULE + 1).unwrap_or(u16::MAX);
    let result = set.all(limit);
    let mut starts: Vec<IcsTime> = result.dates.iter().map(|t| back(start, t)).collect();
    let excluded = |w: &IcsTime| exdates.iter().any(|x| x.key() == w.key());
    let start_added = !starts.iter().any(|w| w.key() == start.key()) && !excluded(start);
    if start_added {
        starts.insert(0, *start);
    }
    let over = starts.len() > MAX_PER_RULE || rdates.len() > MAX_PER_RULE;
    starts.truncate(MAX_PER_RULE);
    // `limited` is also set when exactly `limit` dates came: only a
    // shorter list means the crate gave up.
    let gave_up = result.limited && !over;
    let last = starts.last().map(IcsTime::date);
    Ok(Expanded {
        cut_unbounded: if unbounded {
            last.or(Some(start.date()))
        } else {
            None
        },
        cut_bounded: (!unbounded || rdates.len() > MAX_PER_RULE) && (over || gave_up),
        start_added,
        starts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn ny(y: i32, m: u32, d: u32, h: u32) -> IcsTime {
        let tz = chrono_tz::America::New_York;
        let t = tz
            .from_local_datetime(
                &NaiveDate::from_ymd_opt(y, m, d)
                    .and_then(|d| d.and_hms_opt(h, 0, 0))
                    .unwrap(),
            )
            .unwrap()
            .with_timezone(&Utc);
        IcsTime::Instant(t, Some(tz))
    }

    #[test]
    fn weekly_across_dst_keeps_the_wall_time_and_drops_exdates() {
        let start = ny(2025, 10, 22, 10);
        let e = expand(
            &start,
            Some("FREQ=WEEKLY;BYDAY=WE;UNTIL=20251112T150000Z"),
            &[],
            &[ny(2025, 10, 29, 10)],
        )
        .unwrap();
        let hours: Vec<u32> = e
            .starts
            .iter()
            .map(|w| match w {
                IcsTime::Instant(t, _) => chrono::Timelike::hour(t),
                _ => 99,
            })
            .collect();
        // 10:00 EDT is 14:00Z, 10:00 EST 15:00Z; Oct 29 excluded.
        assert_eq!(hours, vec![14, 15, 15]);
        assert!(e.cut_unbounded.is_none() && !e.cut_bounded);
    }

    #[test]
    fn unbounded_rules_stop_at_the_horizon_or_the_cap() {
        let start = IcsTime::Date(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        let e = expand(&start, Some("FREQ=MONTHLY"), &[], &[]).unwrap();
        assert_eq!(e.starts.len(), 25, "24 months after, inclusive");
        assert!(e.cut_unbounded.is_some());
        let e = expand(&start, Some("FREQ=DAILY"), &[], &[]).unwrap();
        assert_eq!(e.starts.len(), MAX_PER_RULE);
        let e = expand(&start, Some("FREQ=DAILY;COUNT=100000"), &[], &[]).unwrap();
        assert!(e.cut_bounded);
        assert!(expand(&start, Some("FREQ=SECONDLY"), &[], &[]).is_err());
    }
}
