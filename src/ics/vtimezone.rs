//! VTIMEZONE generation from chrono-tz.
//!
//! chrono-tz has no transition API, so transitions are found by probing the
//! zone's offset every `PROBE_STEP` and bisecting each change to the second.
//! The block covers the transition in force at the start of the feed's first
//! year and every transition up to the end of its last year ("the window").
//! When the window's transitions follow one yearly rule, it is written as one
//! STANDARD and one DAYLIGHT block with an RRULE (what Outlook handles best);
//! otherwise as one dated observance per transition. RDATE is never used.
//! Rendered blocks are cached per (zone, window).

use super::writer::Writer;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Probe interval. Two transitions closer than this would be seen as one;
/// tzdata has none since the 1970s.
const PROBE_STEP: i64 = 7 * 86_400;
/// How far back to look for the transition in force at the window's start.
const EARLIEST_YEAR: i32 = 1800;
/// Cached blocks kept before the cache is cleared (bounded memory).
const CACHE_LIMIT: usize = 4_096;

/// What a zone observes between two transitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// Seconds east of UTC.
    pub offset: i32,
    /// Seconds of daylight saving included in `offset` (may be negative).
    pub dst: i64,
    /// TZNAME, when the zone has an abbreviation.
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// One change of a zone's UTC offset.
pub struct Transition {
    /// The first instant of the new observance.
    pub at: DateTime<Utc>,
    /// The observance before.
    pub from: Observance,
    /// The observance after.
    pub to: Observance,
}

impl Transition {
    /// Wall time just before the change, as VTIMEZONE DTSTART wants it.
    pub fn local_before(&self) -> NaiveDateTime {
        self.at.naive_utc() + Duration::seconds(i64::from(self.from.offset))
    }
}

fn observance(tz: Tz, t: DateTime<Utc>) -> Observance {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    Observance {
        offset: o.fix().local_minus_utc(),
        dst: o.dst_offset().num_seconds(),
        name: Some(o.abbreviation().map_or_else(
            || numeric_abbreviation(o.fix().local_minus_utc()),
            str::to_owned,
        )),
    }
}

fn same(tz: Tz, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    let (x, y) = (
        tz.offset_from_utc_datetime(&a.naive_utc()),
        tz.offset_from_utc_datetime(&b.naive_utc()),
    );
    x.fix() == y.fix() && x.dst_offset() == y.dst_offset() && x.abbreviation() == y.abbreviation()
}

/// tzdata's `%z` style (`+11`, `+1030`, `-0330`) for zones whose
/// abbreviation is numeric, which chrono-tz reports as none.
fn numeric_abbreviation(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m) = (a / 3600, (a % 3600) / 60);
    if m == 0 {
        format!("{sign}{h:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// The first second at which the observance differs from that at `lo`,
/// given that it differs at `hi`.
fn bisect(tz: Tz, lo: DateTime<Utc>, hi: DateTime<Utc>) -> Transition {
    // Whole seconds: tzdata transitions fall on them.
    let (mut lo, mut hi) = (lo.timestamp(), hi.timestamp());
    // Between two instants that exist, so every second in between does too.
    let at = |s: i64| {
        DateTime::from_timestamp(s, 0).expect("a second between two valid instants is valid")
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if same(tz, at(lo), at(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Transition {
        at: at(hi),
        from: observance(tz, at(lo)),
        to: observance(tz, at(hi)),
    }
}

/// Transitions in `(from, to]`, in order.
pub fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Transition> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let next = (t + Duration::seconds(PROBE_STEP)).min(to);
        if !same(tz, t, next) {
            let tr = bisect(tz, t, next);
            t = tr.at;
            out.push(tr);
        } else {
            t = next;
        }
    }
    out
}

/// The last transition at or before `t`, if the zone ever changed.
pub fn last_transition_before(tz: Tz, t: DateTime<Utc>) -> Option<Transition> {
    let floor = Utc
        .with_ymd_and_hms(EARLIEST_YEAR, 1, 1, 0, 0, 0)
        .single()?;
    let mut hi = t;
    while hi > floor {
        let lo = (hi - Duration::seconds(PROBE_STEP)).max(floor);
        if !same(tz, lo, hi) {
            return transitions(tz, lo, hi).pop();
        }
        hi = lo;
    }
    None
}

/// The window: whole calendar years containing the feed's timed events.
fn window(first_year: i32, last_year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = Utc.with_ymd_and_hms(first_year, 1, 1, 0, 0, 0).single()?;
    let end = Utc
        .with_ymd_and_hms(last_year + 1, 1, 1, 0, 0, 0)
        .single()?;
    Some((start, end))
}

/// `+HHMM` (or `+HHMMSS` for historic offsets); RFC 5545 forbids `-0000`.
fn utc_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, (a % 3600) / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// A yearly "nth (or last) weekday of month at wall time" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct YearlyRule {
    month: u32,
    weekday: Weekday,
    /// 1..=5, or -1 for "last".
    nth: i8,
    time: (u32, u32, u32),
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

impl YearlyRule {
    /// Both readings of a transition date, "last" first: tzdata writes most
    /// rules as `lastSun`, and `5SU` would skip years with four Sundays.
    fn candidates(t: NaiveDateTime) -> [YearlyRule; 2] {
        let d = t.date();
        let base = YearlyRule {
            month: d.month(),
            weekday: d.weekday(),
            nth: ((d.day() - 1) / 7 + 1) as i8,
            time: (t.hour(), t.minute(), t.second()),
        };
        let last = if d.day() + 7 > days_in_month(d.year(), d.month()) {
            -1
        } else {
            0
        };
        [YearlyRule { nth: last, ..base }, base]
    }

    fn date_in(&self, year: i32) -> Option<NaiveDateTime> {
        let date = if self.nth > 0 {
            NaiveDate::from_weekday_of_month_opt(year, self.month, self.weekday, self.nth as u8)?
        } else {
            let last = NaiveDate::from_ymd_opt(year, self.month, days_in_month(year, self.month))?;
            let back = (7 + last.weekday().num_days_from_monday()
                - self.weekday.num_days_from_monday())
                % 7;
            last - Duration::days(i64::from(back))
        };
        date.and_hms_opt(self.time.0, self.time.1, self.time.2)
    }

    fn rrule(&self) -> String {
        let day = match self.weekday {
            Weekday::Mon => "MO",
            Weekday::Tue => "TU",
            Weekday::Wed => "WE",
            Weekday::Thu => "TH",
            Weekday::Fri => "FR",
            Weekday::Sat => "SA",
            Weekday::Sun => "SU",
        };
        format!("FREQ=YEARLY;BYMONTH={};BYDAY={}{day}", self.month, self.nth)
    }
}

/// If every transition of the list belongs to one of two alternating
/// observances and each follows one yearly rule that predicts exactly the
/// observed transitions up to `end`, return the two (first transition, rule).
fn yearly_rules(list: &[Transition], end: DateTime<Utc>) -> Option<[(usize, YearlyRule); 2]> {
    if list.len() < 2 {
        return None;
    }
    let mut out: Vec<(usize, YearlyRule)> = Vec::with_capacity(2);
    for parity in 0..2 {
        let group: Vec<&Transition> = list.iter().skip(parity).step_by(2).collect();
        let first = group[0];
        if group
            .iter()
            .any(|t| t.to != first.to || t.from != first.from)
        {
            return None;
        }
        let rule = YearlyRule::candidates(first.local_before())
            .into_iter()
            .filter(|r| r.nth != 0)
            .find(|rule| {
                // The rule must predict this group's transitions exactly,
                // year by year, from the first one up to the window's end.
                let from_offset = Duration::seconds(i64::from(first.from.offset));
                let mut predicted = Vec::new();
                for year in first.at.year() - 1..=end.year() + 1 {
                    if let Some(local) = rule.date_in(year) {
                        let at = (local - from_offset).and_utc();
                        if at >= first.at && at <= end {
                            predicted.push(at);
                        }
                    }
                }
                let observed: Vec<DateTime<Utc>> = group.iter().map(|t| t.at).collect();
                predicted == observed
            })?;
        out.push((parity, rule));
    }
    Some([out[0], out[1]])
}

fn observance_block(w: &mut Writer, t: &Transition, daylight: bool, rrule: Option<&str>) {
    let kind = if daylight { "DAYLIGHT" } else { "STANDARD" };
    w.begin(kind);
    w.raw("DTSTART", &local_text(t.local_before()));
    if let Some(r) = rrule {
        w.raw("RRULE", r);
    }
    w.raw("TZOFFSETFROM", &utc_offset(t.from.offset));
    w.raw("TZOFFSETTO", &utc_offset(t.to.offset));
    if let Some(name) = &t.to.name {
        w.text("TZNAME", name);
    }
    w.end(kind);
}

type BlockCache = HashMap<(Tz, i32, i32), Arc<str>>;

/// Render the VTIMEZONE for `tz` covering the years `first_year..=last_year`.
pub fn render(tz: Tz, first_year: i32, last_year: i32) -> Arc<str> {
    static CACHE: OnceLock<Mutex<BlockCache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (tz, first_year, last_year);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let block: Arc<str> = build(tz, first_year, last_year).into();
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, block.clone());
    }
    block
}

fn build(tz: Tz, first_year: i32, last_year: i32) -> String {
    let mut w = Writer::with_capacity(512);
    w.begin("VTIMEZONE");
    w.raw("TZID", tz.name());
    if let Some((start, end)) = window(first_year, last_year) {
        let mut list: Vec<Transition> = last_transition_before(tz, start).into_iter().collect();
        list.extend(transitions(tz, start, end));
        if list.is_empty() {
            // A zone that never changed: one observance since 1970.
            let o = observance(tz, start);
            let t = Transition {
                at: DateTime::<Utc>::UNIX_EPOCH - Duration::seconds(i64::from(o.offset)),
                from: o.clone(),
                to: o,
            };
            observance_block(&mut w, &t, false, None);
        } else if let Some(rules) = yearly_rules(&list, end) {
            // DAYLIGHT is the observance with the larger offset, so zones
            // with "negative DST" in tzdata (Europe/Dublin) still read right.
            let a = &list[rules[0].0];
            let b = &list[rules[1].0];
            for ((i, rule), other) in rules.iter().zip([b, a]) {
                let t = &list[*i];
                let daylight = t.to.offset > other.to.offset;
                observance_block(&mut w, t, daylight, Some(&rule.rrule()));
            }
        } else {
            for t in &list {
                observance_block(&mut w, t, t.to.dst > 0, None);
            }
        }
    }
    w.end("VTIMEZONE");
    w.finish()
}

/// The offset in effect at `t` according to a VTIMEZONE's observances is
/// checked by the cross-parser tests (ical.js); here only the structure.
#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    #[test]
    fn berlin_2017_is_one_rule_pair() {
        let s = build(tz("Europe/Berlin"), 2017, 2017);
        assert!(s.contains("BEGIN:DAYLIGHT\r\nDTSTART:20170326T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT"), "{s}");
        assert!(s.contains("BEGIN:STANDARD\r\nDTSTART:20161030T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD"), "{s}");
        assert!(!s.contains("RDATE"));
    }

    #[test]
    fn new_york_uses_second_and_first_sunday() {
        let s = build(tz("America/New_York"), 2017, 2019);
        assert!(s.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"), "{s}");
        assert!(s.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"), "{s}");
    }

    #[test]
    fn zone_without_dst_has_one_dated_standard() {
        let s = build(tz("Asia/Kolkata"), 2017, 2017);
        assert_eq!(s.matches("BEGIN:STANDARD").count(), 1, "{s}");
        assert!(!s.contains("DAYLIGHT") && !s.contains("RRULE"), "{s}");
        assert!(s.contains("TZOFFSETTO:+0530"), "{s}");
    }

    #[test]
    fn sao_paulo_after_dst_was_dropped_has_no_rule() {
        let s = build(tz("America/Sao_Paulo"), 2019, 2021);
        assert!(!s.contains("RRULE"), "{s}");
        assert!(s.contains("TZOFFSETTO:-0300"), "{s}");
    }

    #[test]
    fn lord_howe_half_hour_dst() {
        let s = build(tz("Australia/Lord_Howe"), 2017, 2017);
        assert!(
            s.contains("TZOFFSETFROM:+1030\r\nTZOFFSETTO:+1100\r\nTZNAME:+11\r\n"),
            "{s}"
        );
        assert!(s.contains("TZOFFSETFROM:+1100\r\nTZOFFSETTO:+1030"), "{s}");
    }

    #[test]
    fn transitions_are_found_to_the_second() {
        let ny = tz("America/New_York");
        let from = Utc.with_ymd_and_hms(2017, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0).unwrap();
        let ts = transitions(ny, from, to);
        assert_eq!(ts.len(), 2);
        assert_eq!(
            ts[0].at,
            Utc.with_ymd_and_hms(2017, 3, 12, 7, 0, 0).unwrap()
        );
        assert_eq!(
            ts[1].at,
            Utc.with_ymd_and_hms(2017, 11, 5, 6, 0, 0).unwrap()
        );
    }
}
