//! Dates, times and zone labels as course pages write them: "September 28,
//! 2017", "Sept. 5, 2018", "5 September 2018", "2018-09-05", "9/5/2018" (US
//! order, flagged), "6:00 PM", "11.59 am", "0:00am", "18:00", "noon",
//! "midnight"; "UTC", "GMT", "ET",
//! "EST/EDT", "PT", "CET". A zone label means what it says on that date:
//! "ET" on 2018-11-08 is EST; "GMT" is UTC+0 even in London's summer.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use regex::Regex;
use std::sync::OnceLock;

/// A date found in a line, with what was assumed to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    /// Byte range in the line.
    pub span: (usize, usize),
    /// The day, if the text gives one that exists (a year may be missing).
    pub month: u32,
    /// Day of the month.
    pub day: u32,
    /// `None`: no year written (inferred from neighbours later).
    pub year: Option<i32>,
    /// "9/5/2018" read as September 5 (US order).
    pub us_order: bool,
}

impl FoundDate {
    /// The date in `year` (the written one wins).
    pub fn date(&self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year.unwrap_or(year), self.month, self.day)
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    // "Sept", "September", "Sep" — but not "Separate" or "Mayor".
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][i];
    (full.starts_with(&w) || w == "sept").then_some(i as u32 + 1)
}

fn regexes() -> &'static [Regex; 4] {
    static RE: OnceLock<[Regex; 4]> = OnceLock::new();
    RE.get_or_init(|| {
        // A month name ends at a word boundary: "10 Decisions" is no date.
        let month = r"((?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?)";
        [
            // September 28, 2017 · Sept. 5 2018 · October 11
            Regex::new(&format!(r"(?i)\b{month}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?"))
                .expect("a valid pattern"),
            // 5 September 2018
            Regex::new(&format!(r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{month}(?:,?\s+(\d{{4}})\b)?"))
                .expect("a valid pattern"),
            // 2018-09-05
            Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").expect("a valid pattern"),
            // 9/5/2018 (US order)
            Regex::new(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b").expect("a valid pattern"),
        ]
    })
}

/// Every date in `line`, in order, overlapping matches dropped.
pub fn find_dates(line: &str) -> Vec<FoundDate> {
    let [mdy, dmy, iso, us] = regexes();
    let mut found: Vec<FoundDate> = Vec::new();
    let num = |s: Option<regex::Match>| s.and_then(|m| m.as_str().parse::<u32>().ok());
    // Each spelling: its pattern, the groups of month, day and year, and
    // whether a numeric month comes first by US convention.
    for (re, mg, dg, yg, us_order) in [
        (mdy, 1, 2, 3, false),
        (dmy, 2, 1, 3, false),
        (iso, 2, 3, 1, false),
        (us, 1, 2, 3, true),
    ] {
        for c in re.captures_iter(line) {
            let (Some(all), Some(m), Some(day)) = (c.get(0), c.get(mg), num(c.get(dg))) else {
                continue;
            };
            let Some(month) = m
                .as_str()
                .parse::<u32>()
                .ok()
                .or_else(|| month_of(m.as_str()))
            else {
                continue;
            };
            found.push(FoundDate {
                span: (all.start(), all.end()),
                month,
                day,
                year: c.get(yg).and_then(|y| y.as_str().parse().ok()),
                us_order,
            });
        }
    }
    // Longest first at each start, then drop what overlaps an earlier one.
    found.sort_by_key(|f| (f.span.0, std::cmp::Reverse(f.span.1)));
    let mut out: Vec<FoundDate> = Vec::new();
    for f in found {
        if out.last().is_none_or(|last| f.span.0 >= last.span.1) {
            out.push(f);
        }
    }
    out
}

/// Whether `line` holds something that looks like a date even if it could
/// not be read (a month name with a number, a numeric date).
pub fn looks_dated(line: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\b\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\b")
            .expect("a valid pattern")
    });
    re.is_match(line)
}

/// A time of day with the zone it is given in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTime {
    /// Byte range in the line.
    pub span: (usize, usize),
    /// The wall time.
    pub time: NaiveTime,
    /// The zone label, if one follows.
    pub zone: Option<ZoneLabel>,
}

/// What a zone label stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneLabel {
    /// A fixed offset whatever the date ("UTC", "GMT", "EST", "CEST").
    Fixed(i32),
    /// A region whose offset depends on the date ("ET", "EST/EDT", "PT").
    Region(Tz),
}

/// What a zone label ("UTC", "ET", "Eastern") stands for, if it is one.
pub fn zone_label(word: &str) -> Option<ZoneLabel> {
    use chrono_tz::America::{Chicago, Denver, Los_Angeles, New_York};
    let h = |hours: i32| Some(ZoneLabel::Fixed(hours * 3600));
    match word.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "Z" => h(0),
        "ET" | "EST/EDT" | "EDT/EST" | "EASTERN" => Some(ZoneLabel::Region(New_York)),
        "CT" | "CST/CDT" | "CENTRAL" => Some(ZoneLabel::Region(Chicago)),
        "MT" | "MST/MDT" | "MOUNTAIN" => Some(ZoneLabel::Region(Denver)),
        "PT" | "PST/PDT" | "PACIFIC" => Some(ZoneLabel::Region(Los_Angeles)),
        "EST" => h(-5),
        "EDT" | "CDT" => h(if word.eq_ignore_ascii_case("EDT") {
            -4
        } else {
            -5
        }),
        "CST" | "MDT" => h(-6),
        "MST" | "PDT" => h(-7),
        "PST" => h(-8),
        "BST" | "CET" => h(1),
        "CEST" | "EET" => h(2),
        "EEST" => h(3),
        _ => None,
    }
}

/// The first time of day in `line` after byte `from`.
pub fn find_time(line: &str, from: usize) -> Option<FoundTime> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        // "5-7pm": a range's start takes the meridiem written after its end.
        Regex::new(r"(?i)\b(?:(\d{1,2})(?:[:.](\d{2}))?(?:\s*[-–]\s*(?P<end>\d{1,2})(?:[:.]\d{2})?)?\s*([ap])(?:\.m\.|m\b)|(\d{1,2}):(\d{2})|\b(noon|midnight)\b)(?:\s*\(?\s*(UTC|GMT|Z|EST/EDT|EDT/EST|CST/CDT|MST/MDT|PST/PDT|ET|CT|MT|PT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|BST|CEST|CET|EEST|EET)\b)?")
            .expect("a valid pattern")
    });
    let rest = line.get(from..)?;
    let c = re.captures(rest)?;
    let all = c.get(0)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let time = if let Some(h) = num(1) {
        let m = num(2).unwrap_or(0);
        let pm = c
            .get(4)
            .is_some_and(|x| x.as_str().eq_ignore_ascii_case("p"))
            // "11-1pm" starts in the morning: a start hour above its end's.
            && c.name("end")
                .and_then(|e| e.as_str().parse::<u32>().ok())
                .is_none_or(|e| h == 12 || e == 12 || h <= e);
        // "0:00am" is midnight as some pages write it.
        let midnight = h == 0 && !pm;
        if !midnight && !(1..=12).contains(&h) {
            return None;
        }
        let h24 = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        NaiveTime::from_hms_opt(h24, m, 0)?
    } else if let (Some(h), Some(m)) = (num(5), num(6)) {
        NaiveTime::from_hms_opt(h, m, 0)?
    } else {
        match c.get(7)?.as_str().to_ascii_lowercase().as_str() {
            "noon" => NaiveTime::from_hms_opt(12, 0, 0)?,
            _ => NaiveTime::MIN,
        }
    };
    Some(FoundTime {
        span: (from + all.start(), from + all.end()),
        time,
        zone: c.get(8).and_then(|z| zone_label(z.as_str())),
    })
}

/// The instant of `day` at `time` in the zone `label` names, with its
/// offset as written on that date.
pub fn instant(day: NaiveDate, time: NaiveTime, label: ZoneLabel) -> Option<DateTime<FixedOffset>> {
    let local: NaiveDateTime = day.and_time(time);
    match label {
        ZoneLabel::Fixed(secs) => FixedOffset::east_opt(secs)?
            .from_local_datetime(&local)
            .single(),
        ZoneLabel::Region(tz) => tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.fixed_offset()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(line: &str) -> Vec<(u32, u32, Option<i32>, bool)> {
        find_dates(line)
            .into_iter()
            .map(|f| (f.month, f.day, f.year, f.us_order))
            .collect()
    }

    #[test]
    fn dates_in_every_spelling() {
        assert_eq!(
            d("Unit 1 (September 28, 2017)"),
            [(9, 28, Some(2017), false)]
        );
        assert_eq!(d("due Sept. 5, 2018"), [(9, 5, Some(2018), false)]);
        assert_eq!(d("on 5 September 2018"), [(9, 5, Some(2018), false)]);
        assert_eq!(d("2018-09-05"), [(9, 5, Some(2018), false)]);
        assert_eq!(d("9/5/2018"), [(9, 5, Some(2018), true)]);
        assert_eq!(d("suggested due date: October 11"), [(10, 11, None, false)]);
        assert_eq!(
            d("Course concludes November 16, 2017. Certificates around November 24, 2017."),
            [(11, 16, Some(2017), false), (11, 24, Some(2017), false)]
        );
        assert!(d("Mayor Jones, a separate issue").is_empty());
        assert!(d("Unit 3: 10 Decisions, 3 Marketing, 2 Mayors").is_empty());
        assert!(find_time("Part 2 Amplifiers", 0).is_none());
        assert_eq!(
            find_time("at 6 p.m. ET", 0).unwrap().time,
            NaiveTime::from_hms_opt(18, 0, 0).unwrap()
        );
        assert!(looks_dated("Sometime in Octember 12"));
    }

    #[test]
    fn a_time_range_starts_at_its_first_hour() {
        let at = |s: &str| find_time(s, 0).map(|t| t.time.format("%H:%M").to_string());
        assert_eq!(at("Thursday, Jan 29 5-7pm").as_deref(), Some("17:00"));
        assert_eq!(at("11-1pm").as_deref(), Some("11:00"));
        assert_eq!(at("12-2 pm").as_deref(), Some("12:00"));
        assert_eq!(at("9:30–10:45am").as_deref(), Some("09:30"));
    }

    #[test]
    fn times_and_labels_mean_what_they_say_on_that_date() {
        let t = find_time("September 29, 2017, 6:00 PM UTC", 0).unwrap();
        assert_eq!(t.time, NaiveTime::from_hms_opt(18, 0, 0).unwrap());
        assert_eq!(t.zone, Some(ZoneLabel::Fixed(0)));
        let day = NaiveDate::from_ymd_opt(2018, 11, 8).unwrap();
        let et = find_time("2 pm ET", 0).unwrap();
        let i = instant(day, et.time, et.zone.unwrap()).unwrap();
        assert_eq!(i.to_rfc3339(), "2018-11-08T14:00:00-05:00");
        let summer = NaiveDate::from_ymd_opt(2018, 7, 8).unwrap();
        let gmt = find_time("at 14:30 GMT", 0).unwrap();
        assert_eq!(
            instant(summer, gmt.time, gmt.zone.unwrap())
                .unwrap()
                .to_rfc3339(),
            "2018-07-08T14:30:00+00:00"
        );
        assert_eq!(
            find_time("at noon", 0).unwrap().time,
            NaiveTime::from_hms_opt(12, 0, 0).unwrap()
        );
        assert_eq!(find_time("midnight PT", 0).unwrap().time, NaiveTime::MIN);
        assert_eq!(
            find_time("due 11.59 am", 0).unwrap().time,
            NaiveTime::from_hms_opt(11, 59, 0).unwrap()
        );
        assert_eq!(find_time("from 0:00am", 0).unwrap().time, NaiveTime::MIN);
        assert_eq!(
            find_time("12:30 AM", 0).unwrap().time,
            NaiveTime::from_hms_opt(0, 30, 0).unwrap()
        );
    }
}
