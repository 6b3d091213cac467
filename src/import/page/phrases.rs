//! The phrases of a page line: names around dates, "due" and unit words,
//! "(tentative)", week and weekday prefixes, sentences.

use crate::import::dates::{FoundDate, find_dates};
use regex::Regex;
use std::sync::OnceLock;

/// `pattern` is always a literal of this module, never input: a bad one
/// panics in every test that reads a page, so it cannot reach a release.
pub(super) fn re(pattern: &str, cell: &'static OnceLock<Regex>) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid pattern"))
}

pub(super) fn due_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(r"(?i)\b(suggested\s+)?due\b(\s+date)?\s*[:\-–]?\s*", &RE)
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
    clean_name(head)
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

/// "Week 45, Monday, November 8. Quiz 3" → "Quiz 3 (November 8)": a week
/// number or weekday before a date is dropped, and a date that starts the
/// line moves after the name.
pub(super) fn date_first(text: &str) -> String {
    static WEEK: OnceLock<Regex> = OnceLock::new();
    static DAY: OnceLock<Regex> = OnceLock::new();
    let week = re(r"(?i)^week\s+\d+\s*[,:.\-–]?\s*", &WEEK);
    let day = re(
        r"(?i)^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?,?\s*",
        &DAY,
    );
    let starts_dated = |t: &str| find_dates(t).first().is_some_and(|d| d.span.0 == 0);
    let mut t = text;
    loop {
        let before = t;
        if let Some(m) = week.find(t) {
            let rest = &t[m.end()..];
            if starts_dated(rest) || day.is_match(rest) {
                t = rest;
            }
        }
        if let Some(m) = day.find(t) {
            let rest = &t[m.end()..];
            if starts_dated(rest) {
                t = rest;
            }
        }
        if t == before {
            break;
        }
    }
    match find_dates(t).first() {
        Some(d) if d.span.0 == 0 => {
            let rest = t[d.span.1..].trim_start_matches(|c: char| " .,:;-–—".contains(c));
            if rest.is_empty() || find_dates(rest).first().is_some_and(|d| d.span.0 == 0) {
                t.to_owned()
            } else {
                format!("{rest} ({})", &t[d.span.0..d.span.1])
            }
        }
        _ => t.to_owned(),
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
