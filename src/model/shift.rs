//! Self-paced courses: a learner's own run of a course, starting the day
//! they do ([`Shift`]), and reminders before each date ([`Alarms`]).
//!
//! A shift moves every release, due date and milestone so that the first
//! release falls on the chosen date, keeping each item's distance in days
//! from it (times `pace`, rounded to whole days) and its wall-clock time in
//! the course's zone (a 23:59 New York deadline stays 23:59 across DST).
//! Live events happened once, at a fixed instant: a shifted course leaves
//! them out. Shifted events get UIDs of their own, stable per (course,
//! start, pace), so re-subscribing with another date never merges.

use super::course::{Course, Event, When};
use super::kind::Kind;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Time between items relative to the schedule, in hundredths: 100 is the
/// schedule's own pace, 200 twice the time between items, 50 twice as fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pace(u16);

impl Pace {
    /// The schedule's own pace.
    pub const NORMAL: Pace = Pace(100);
    /// Fastest accepted: a quarter of the time between items.
    pub const MIN: Pace = Pace(25);
    /// Slowest accepted: four times the time between items.
    pub const MAX: Pace = Pace(400);

    /// `2`, `0.5`, `1.25` → a pace, if within [`Pace::MIN`]..=[`Pace::MAX`].
    pub fn parse(s: &str) -> Result<Pace, String> {
        let s = s.trim();
        let shape_ok = !s.is_empty()
            && s.len() <= 8
            && s.chars().all(|c| c.is_ascii_digit() || c == '.')
            && s.matches('.').count() <= 1;
        let value = s.parse::<f64>().ok().filter(|v| shape_ok && v.is_finite());
        let Some(v) = value else {
            return Err(format!(
                "expected a number such as 2 (twice the time between items) or 0.5, found `{}`",
                super::suggest::quoted(s)
            ));
        };
        let hundredths = (v * 100.0).round();
        if hundredths < f64::from(Pace::MIN.0) || hundredths > f64::from(Pace::MAX.0) {
            return Err(format!(
                "expected a pace from 0.25 (four times as fast) to 4 (four times the time), found `{s}`"
            ));
        }
        // In range, so it fits.
        Ok(Pace(hundredths as u16))
    }

    /// `2`, `0.5`: the shortest decimal for URLs.
    pub fn to_param(self) -> String {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }

    /// Scale a distance in days, rounded to whole days (halves away from 0).
    fn scale(self, days: i64) -> i64 {
        let scaled = days * i64::from(self.0);
        let half = if scaled < 0 { -50 } else { 50 };
        (scaled + half) / 100
    }
}

/// A learner's own run: the first release on `start`, at `pace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shift {
    /// The day the first release moves to.
    pub start: NaiveDate,
    /// Time between items relative to the schedule.
    pub pace: Pace,
}

impl Shift {
    /// `YYYY-MM-DD` as a start date (a real day in the years 1900–2199).
    pub fn parse_start(s: &str) -> Result<NaiveDate, String> {
        let s = s.trim();
        let shape_ok = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        let date = shape_ok
            .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .flatten();
        match date {
            Some(d) if super::course::YEARS.contains(&chrono::Datelike::year(&d)) => Ok(d),
            Some(_) => Err(format!(
                "expected a date from {}-01-01 to {}-12-31, found `{s}`",
                super::course::YEARS.start(),
                super::course::YEARS.end()
            )),
            None if shape_ok => Err(format!("`{s}` is not a day of the calendar")),
            None => Err(format!(
                "expected a date like 2026-12-01, found `{}`",
                super::suggest::quoted(s)
            )),
        }
    }

    /// What UIDs of this run end in: `s20261201`, `s20261201-p200`.
    pub fn uid_tag(&self) -> String {
        let day = self.start.format("%Y%m%d");
        if self.pace == Pace::NORMAL {
            format!("s{day}")
        } else {
            format!("s{day}-p{}", self.pace.0)
        }
    }

    /// `course` as this learner's run (see the module docs).
    pub fn apply(&self, course: &Course) -> Course {
        let tz = course.timezone;
        let day_of = |w: When| match w {
            When::AllDay(d) => d,
            When::At(t) => t.with_timezone(&tz).date_naive(),
        };
        let dated: Vec<&Event> = course
            .events
            .iter()
            .filter(|e| e.kind != Kind::Live)
            .collect();
        // The first release, else the first dated item at all.
        let anchor = dated
            .iter()
            .filter(|e| e.kind == Kind::Release)
            .map(|e| day_of(e.start()))
            .min()
            .or_else(|| dated.iter().map(|e| day_of(e.start())).min());
        let tag = self.uid_tag();
        let mut events: Vec<Event> = match anchor {
            Some(anchor) => dated
                .into_iter()
                .filter_map(|e| {
                    let distance = (day_of(e.start()) - anchor).num_days();
                    let day = self
                        .start
                        .checked_add_signed(Duration::days(self.pace.scale(distance)))?;
                    let start = match e.start() {
                        When::AllDay(_) => When::AllDay(day),
                        When::At(t) => {
                            let time = t.with_timezone(&tz).naive_local().time();
                            When::At(local_instant(tz, day.and_time(time)))
                        }
                    };
                    Some(e.moved(start, &tag))
                })
                .collect(),
            None => Vec::new(),
        };
        events
            .sort_by(|a, b| (a.start().sort_key(), a.uid()).cmp(&(b.start().sort_key(), b.uid())));
        Course {
            events,
            ..course.clone_without_events()
        }
    }
}

/// The instant of a wall time in `tz`: the first of two in a repeated hour,
/// the first valid minute after a skipped one.
fn local_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    (0..=180)
        .find_map(|m| {
            tz.from_local_datetime(&(local + Duration::minutes(m)))
                .earliest()
        })
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// Most reminders per feed.
pub const MAX_ALARMS: usize = 3;
/// Longest lead time of a reminder: four weeks.
pub const MAX_ALARM_MINUTES: u32 = 4 * 7 * 24 * 60;

/// Up to three reminders, each a lead time before an event's start,
/// sorted and without repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Alarms {
    minutes: [u32; MAX_ALARMS],
    len: u8,
}

impl Alarms {
    /// Lead times as tokens (`1d`, `2h`, `15m`, `1w`: a number with a unit
    /// `m`, `h`, `d` or `w`); blank tokens are ignored.
    pub fn parse<S: AsRef<str>>(leads: impl IntoIterator<Item = S>) -> Result<Alarms, String> {
        let mut out = Vec::new();
        for lead in leads {
            let part = lead.as_ref().trim();
            if part.is_empty() {
                continue;
            }
            let lead = parse_lead(part)?;
            if !out.contains(&lead) {
                if out.len() == MAX_ALARMS {
                    return Err(format!("at most {MAX_ALARMS} reminders, like 1d,2h,15m"));
                }
                out.push(lead);
            }
            // Bounded input: a query is at most 8 KiB.
        }
        out.sort_unstable();
        let mut minutes = [0; MAX_ALARMS];
        minutes[..out.len()].copy_from_slice(&out);
        Ok(Alarms {
            minutes,
            len: out.len() as u8,
        })
    }

    /// No reminders.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Lead times in minutes, shortest first.
    pub fn minutes(&self) -> &[u32] {
        &self.minutes[..usize::from(self.len)]
    }

    /// `15m,1d`: the canonical form for URLs.
    pub fn to_param(&self) -> String {
        self.minutes()
            .iter()
            .map(|m| lead_text(*m))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn parse_lead(part: &str) -> Result<u32, String> {
    let bad = || {
        format!(
            "expected a lead time like 15m, 2h, 1d or 1w, found `{}`",
            super::suggest::quoted(part)
        )
    };
    let unit = part.chars().last().ok_or_else(bad)?;
    let per = match unit.to_ascii_lowercase() {
        'm' => 1,
        'h' => 60,
        'd' => 24 * 60,
        'w' => 7 * 24 * 60,
        _ => return Err(bad()),
    };
    let digits = &part[..part.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u32 = digits.parse().map_err(|_| bad())?;
    let minutes = n.checked_mul(per).filter(|m| *m <= MAX_ALARM_MINUTES);
    minutes.ok_or_else(|| format!("a reminder at most 4 weeks (4w) before, found `{part}`"))
}

/// `90` → `90m`, `120` → `2h`, `1440` → `1d`, `10080` → `1w`.
fn lead_text(minutes: u32) -> String {
    match minutes {
        0 => "0m".into(),
        m if m % (7 * 24 * 60) == 0 => format!("{}w", m / (7 * 24 * 60)),
        m if m % (24 * 60) == 0 => format!("{}d", m / (24 * 60)),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CourseId;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn paces_and_starts_parse_with_bounds() {
        assert_eq!(Pace::parse("2"), Ok(Pace(200)));
        assert_eq!(Pace::parse("0.5"), Ok(Pace(50)));
        assert_eq!(Pace::parse("1.25").map(Pace::to_param), Ok("1.25".into()));
        assert_eq!(Pace(150).to_param(), "1.5");
        for bad in [
            "0", "-1", "abc", "", "NaN", "inf", "5", "0.1", "1e2", "1..2",
        ] {
            assert!(Pace::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Shift::parse_start("2026-12-01"), Ok(day("2026-12-01")));
        for bad in [
            "2026-02-30",
            "0000-01-01",
            "2026-1-1",
            "tomorrow",
            "2026-12-01T00:00",
        ] {
            assert!(Shift::parse_start(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn alarms_parse_sorted_bounded_and_at_most_three() {
        let a = Alarms::parse(["2h", "15m"]).unwrap();
        assert_eq!(a.minutes(), [15, 120]);
        assert_eq!(a.to_param(), "15m,2h");
        assert_eq!(Alarms::parse(["1d"]).unwrap().minutes(), [1440]);
        assert_eq!(Alarms::parse([""]).unwrap(), Alarms::default());
        for bad in [
            "forever",
            "1d,2h,15m,5m",
            "5y",
            "h",
            "29d",
            "99999999m",
            "-1d",
            "1.5h",
        ] {
            assert!(Alarms::parse(bad.split(',')).is_err(), "{bad}");
        }
        assert!(Alarms::parse(["4w"]).is_ok());
        assert_eq!(Alarms::parse(["1d"; 4]).unwrap().minutes(), [1440]);
    }

    #[test]
    fn shifted_items_keep_their_distance_and_local_time() {
        let id: CourseId = "ny".parse().unwrap();
        let tz: Tz = "America/New_York".parse().unwrap();
        let at = |s: &str| {
            let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
            When::At(local_instant(tz, n))
        };
        let ev = |kind, name: &str, start| Event::new(&id, kind, name, name, start, None).unwrap();
        let live = Event::new(
            &id,
            Kind::Live,
            "l",
            "l",
            at("2026-10-22T12:00"),
            Some(Utc::now()),
        )
        .unwrap();
        let course = Course {
            id: id.clone(),
            title: "NY".into(),
            number: None,
            url: None,
            description: None,
            timezone: tz,
            updated: None,
            events: vec![
                ev(Kind::Release, "u1", When::AllDay(day("2026-10-20"))),
                ev(Kind::Due, "a1", at("2026-10-30T23:59")),
                live,
            ],
        };
        let shift = Shift {
            start: day("2026-10-25"),
            pace: Pace::NORMAL,
        };
        let s = shift.apply(&course);
        assert_eq!(s.events.len(), 2, "live events are left out");
        assert_eq!(s.events[0].start(), When::AllDay(day("2026-10-25")));
        // 10 days after the release, 23:59 local after DST ends (Nov 1).
        assert_eq!(s.events[1].start(), at("2026-11-04T23:59"));
        let When::At(t) = s.events[1].start() else {
            panic!("timed")
        };
        assert_eq!(t.format("%Y-%m-%dT%H:%MZ").to_string(), "2026-11-05T04:59Z");
        assert_eq!(s.events[1].uid(), "ny.due.a1.s20261025@coursecal");
        let slow = Shift {
            pace: Pace(200),
            ..shift
        }
        .apply(&course);
        assert_eq!(slow.events[1].start(), at("2026-11-14T23:59"));
        assert_eq!(slow.events[1].uid(), "ny.due.a1.s20261025-p200@coursecal");
    }
}
