//! The phrases of a page line: names around dates, "due" and unit words,
//! "(tentative)", week and weekday prefixes, sentences.

use crate::import::dates::{FoundDate, find_dates, find_time};
use chrono::Weekday;
use regex::Regex;
use std::sync::OnceLock;

/// `pattern` is always a literal of this module, never input: a bad one
/// panics in every test that reads a page, so it cannot reach a release.
pub(super) fn re(pattern: &str, cell: &'static OnceLock<Regex>) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid pattern"))
}

pub(super) fn due_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        r"(?i)\b(suggested\s+)?(?:due|deadline)\b(\s+date)?(?:\s*\(([a-z][a-z ]*)\))?\s*[:\-–]?\s*",
        &RE,
    )
}

/// "… become publicly available", "… is released": a line that says its
/// date is a release.
pub(super) fn release_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        r"(?i)\b(?:becomes?|are|is|will\s+be|gets?)\s+(?:made\s+)?(?:publicly\s+)?(?:available|released|published|opened)\b",
        &RE,
    )
}

/// A sentence that gives the time of every due ("All assignments are due
/// by 11:59 PM EDT on the listed due date").
pub(super) fn stated_due_time_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(r"(?i)\bdue\s+(?:by|at|before)\s+", &RE)
}

pub(super) fn unit_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(r"(?i)^(unit|module|week|chapter|lesson)\s+\w+", &RE)
}

/// `text` without separators and brackets at its ends.
pub(super) fn clean_name(text: &str) -> String {
    let t = text
        .trim()
        .trim_end_matches(|c: char| " -–—:,;(|".contains(c))
        .trim_start_matches(|c: char| " -–—:,;)|".contains(c))
        .trim();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The name of an item written as `Name (… date …)` or `Name - date`.
pub(super) fn name_before(text: &str, date: &FoundDate) -> String {
    let head = &text[..date.span.0];
    let head = match head.rfind('(') {
        Some(i) => &head[..i],
        None => head,
    };
    without_trailing_day(&clean_name(head))
}

/// "(tentative)" out of a text, and a note that it was there.
pub(super) fn tentative(text: &str, notes: &mut Vec<String>) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(r"(?i)\(?\btentative(ly)?\b\)?", &RE);
    if re.is_match(text) {
        notes.push("the page says tentative".to_owned());
        re.replace_all(text, " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        text.to_owned()
    }
}

/// "Week 45, Monday, November 8. Quiz 3" → "Quiz 3 (November 8)": a
/// label ("Updated:"), a week number or weekday before a date is dropped,
/// and a date that starts the line moves after the name with the time
/// written right after it ("November 22, 11.59 am. Deadline: …") and a
/// year written between the week and the weekday ("Week 2, 2022,
/// Wednesday, January 12"). The weekday is returned: it decides the year
/// of a date written without one.
pub(super) fn date_first(text: &str) -> (String, Option<Weekday>) {
    static WEEK: OnceLock<Regex> = OnceLock::new();
    static DAY: OnceLock<Regex> = OnceLock::new();
    static LABEL: OnceLock<Regex> = OnceLock::new();
    let week = re(
        r"(?i)^week\s+\d+\s*[,:.\-–]?\s*(?:(\d{4})\s*[,.]?\s*)?",
        &WEEK,
    );
    let day = re(
        r"(?i)^(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?,?\s*",
        &DAY,
    );
    let label = re(r"^[A-Za-z]+:\s+", &LABEL);
    let starts_dated = |t: &str| find_dates(t).first().is_some_and(|d| d.span.0 == 0);
    let leads = |t: &str| week.is_match(t) || day.is_match(t) || starts_dated(t);
    let mut t = text;
    let mut year: Option<&str> = None;
    let mut weekday: Option<Weekday> = None;
    if let Some(m) = label.find(t)
        && leads(&t[m.end()..])
    {
        t = &t[m.end()..];
    }
    loop {
        let before = t;
        if let Some(c) = week.captures(t) {
            let rest = &t[c.get(0).map_or(0, |m| m.end())..];
            if starts_dated(rest) || day.is_match(rest) {
                year = c.get(1).map(|y| y.as_str()).or(year);
                t = rest;
            }
        }
        if let Some(c) = day.captures(t) {
            let rest = &t[c.get(0).map_or(0, |m| m.end())..];
            if starts_dated(rest) {
                weekday = c.get(1).and_then(|d| weekday_of(d.as_str()));
                t = rest;
            }
        }
        if t == before {
            break;
        }
    }
    let trim = |s: &str| {
        s.trim_start_matches(|c: char| " .,:;-–—".contains(c))
            .to_owned()
    };
    match find_dates(t).first() {
        Some(d) if d.span.0 == 0 => {
            let mut date = t[d.span.0..d.span.1].to_owned();
            if let (Some(y), None) = (year, d.year) {
                date = format!("{date}, {y}");
            }
            let mut rest = trim(&t[d.span.1..]);
            // The time written right after the date moves with it.
            if let Some(time) = find_time(&rest, 0).filter(|tm| tm.span.0 == 0) {
                date = format!("{date}, {}", &rest[..time.span.1]);
                rest = trim(&rest[time.span.1..]);
            }
            if rest.is_empty() || find_dates(&rest).first().is_some_and(|d| d.span.0 == 0) {
                (t.to_owned(), weekday)
            } else {
                (format!("{rest} ({date})"), weekday)
            }
        }
        _ => (t.to_owned(), None),
    }
}

fn weekday_of(word: &str) -> Option<Weekday> {
    let w = word.to_ascii_lowercase();
    Some(match w.get(..2)? {
        "mo" => Weekday::Mon,
        "tu" => Weekday::Tue,
        "we" => Weekday::Wed,
        "th" => Weekday::Thu,
        "fr" => Weekday::Fri,
        "sa" => Weekday::Sat,
        "su" => Weekday::Sun,
        _ => return None,
    })
}

/// A name without a weekday or "Week N" left at its end ("Kickoff
/// Thursday, Jan 29" names "Kickoff").
pub(super) fn without_trailing_day(name: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(
        r"(?i)[\s,]+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun|week\s+\d+)\.?$",
        &RE,
    );
    match re.find(name) {
        Some(m) if m.start() > 0 => clean_name(&name[..m.start()]),
        _ => name.to_owned(),
    }
}

/// Words that only join two dates: a range, not a name.
pub(super) const CONNECTORS: &[&str] = &[
    "to", "until", "till", "through", "thru", "and", "or", "-", "–", "—",
];

/// Sentences of a line: split after `.`, `!` or `?` followed by a space
/// and an upper-case letter (so "Sept. 5" stays whole).
pub(super) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?')
            && bytes.get(i + 1) == Some(&b' ')
            && text[i + 2..].chars().next().is_some_and(char::is_uppercase)
            && !month_abbreviation(&text[from..=i])
        {
            out.push(&text[from..=i]);
            from = i + 2;
        }
    }
    out.push(&text[from..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether `head` ends in an abbreviated month ("Sept.", "Oct.").
fn month_abbreviation(head: &str) -> bool {
    let word = head
        .trim_end_matches('.')
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]
    .contains(&word.as_str())
}
