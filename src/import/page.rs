//! Reading a course page's lines into dated items: which item a date
//! belongs to, and what kind it is. General date extractors find dates;
//! the pairing is the job here, one line (or sentence) at a time:
//!
//! 1. a due date ("suggested due date:", "due:") → an assignment under the
//!    unit above it;
//! 2. a line that starts with "Unit"/"Module"/"Week"/"Chapter" → a release
//!    (two units joined by "& Unit" on one line → two releases);
//! 3. a date with a time → a live event (a zone label, or `--timezone`);
//! 4. any other sentence with a date → a milestone ("Course concludes …").
//!
//! Nothing is dropped silently: a line that holds something date-like but
//! makes no item is reported with its number.

use super::dates::{FoundDate, FoundTime, find_dates, find_time, instant, looks_dated};
use super::draft::{Draft, Item, Live, Start, Unit, Unread};
use chrono::{Datelike, NaiveDate};
use regex::Regex;
use std::sync::OnceLock;

/// A line of the page with its number, bullets and spacing tidied.
struct Line {
    n: usize,
    text: String,
}

fn tidy(raw: &str) -> String {
    let t = raw.trim();
    let t = t
        .trim_start_matches(['•', '·', '*', '-', '–', '—', '▪', '◦', '‣'])
        .trim_start();
    // "1. " / "2) " list numbers (not "1.1" or "2017").
    let t = match t.split_once(['.', ')']) {
        Some((num, rest))
            if !num.is_empty()
                && num.len() <= 2
                && num.bytes().all(|b| b.is_ascii_digit())
                && rest.starts_with(' ') =>
        {
            rest.trim_start()
        }
        _ => t,
    };
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lines with their numbers; a line that only closes a parenthesis is
/// dropped, and a name whose date sits on the next line is joined to it.
fn lines(text: &str) -> Vec<Line> {
    let raw: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, tidy(l)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut out: Vec<Line> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let (n, text) = &raw[i];
        if text
            .chars()
            .all(|c| matches!(c, ')' | ']' | '.' | ',' | ';'))
        {
            i += 1;
            continue;
        }
        let next = raw.get(i + 1);
        let joins = find_dates(text).is_empty()
            && next.is_some_and(|(_, t)| t.starts_with('(') && !find_dates(t).is_empty());
        if joins && let Some((_, t)) = next {
            out.push(Line {
                n: *n,
                text: format!("{text} {t}"),
            });
            i += 2;
            continue;
        }
        out.push(Line {
            n: *n,
            text: text.clone(),
        });
        i += 1;
    }
    out
}

fn re(pattern: &str, cell: &'static OnceLock<Regex>) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a valid pattern"))
}

fn due_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(r"(?i)\b(suggested\s+)?due\b(\s+date)?\s*[:\-–]?\s*", &RE)
}

fn unit_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(r"(?i)^(unit|module|week|chapter|lesson)\s+\w+", &RE)
}

/// `text` without separators and brackets at its ends.
fn clean_name(text: &str) -> String {
    let t = text
        .trim()
        .trim_end_matches(|c: char| " -–—:,;(|".contains(c))
        .trim_start_matches(|c: char| " -–—:,;)|".contains(c))
        .trim();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The name of an item written as `Name (… date …)` or `Name - date`.
fn name_before(text: &str, date: &FoundDate) -> String {
    let head = &text[..date.span.0];
    let head = match head.rfind('(') {
        Some(i) => &head[..i],
        None => head,
    };
    clean_name(head)
}

/// Reads the page's lines; `has_zone`: a wall time without a zone label
/// is read in the course zone (`--timezone`) instead of being reported.
pub fn read(text: &str, has_zone: bool) -> Draft {
    let lines = lines(text);
    let mut draft = Draft {
        heading: lines.first().map(|l| l.text.chars().take(120).collect()),
        ..Draft::default()
    };
    // Years: the first written year on the page, then the latest seen.
    let mut year = lines
        .iter()
        .flat_map(|l| find_dates(&l.text))
        .find_map(|d| d.year);
    let mut last: Option<NaiveDate> = None;
    for line in &lines {
        read_line(line, &mut draft, &mut year, &mut last, has_zone);
    }
    draft
}

/// The date of `found`, with notes on what was assumed.
fn resolve(
    found: &FoundDate,
    year: &mut Option<i32>,
    last: &mut Option<NaiveDate>,
    notes: &mut Vec<String>,
) -> Option<NaiveDate> {
    let date = match (found.year, *year) {
        (Some(y), _) => found.date(y),
        (None, Some(y)) => {
            // A date without a year: the year of the dates around it,
            // moving on when it would fall well before the previous one.
            let mut d = found.date(y)?;
            if last.is_some_and(|l| (l - d).num_days() > 180) {
                d = found.date(y + 1)?;
            }
            notes.push(format!(
                "year {} inferred from the dates around it",
                d.year()
            ));
            Some(d)
        }
        (None, None) => None,
    }?;
    if !(1900..=2199).contains(&date.year()) {
        return None;
    }
    if found.us_order {
        notes.push("numeric date read in US order (month/day/year)".into());
    }
    *year = Some(date.year());
    *last = Some(date);
    Some(date)
}

fn read_line(
    line: &Line,
    draft: &mut Draft,
    year: &mut Option<i32>,
    last: &mut Option<NaiveDate>,
    has_zone: bool,
) {
    // Table rows ("2018-09-05 | Quiz 1"): read as "Quiz 1 (2018-09-05)".
    let text = if line.text.contains(" | ") {
        let cells: Vec<&str> = line.text.split(" | ").map(str::trim).collect();
        let (dated, rest): (Vec<&str>, Vec<&str>) =
            cells.into_iter().partition(|c| !find_dates(c).is_empty());
        format!("{} ({})", rest.join(" — "), dated.join(", "))
    } else {
        line.text.clone()
    };
    let dates = find_dates(&text);
    let unread = |why: &str| Unread {
        file: None,
        line: line.n,
        text: line.text.clone(),
        why: why.to_owned(),
    };
    let Some(first) = dates.first() else {
        if looks_dated(&text) {
            draft
                .unread
                .push(unread("looks like a date, but none could be read"));
        }
        return;
    };
    let mut notes = Vec::new();
    // 1. A due date, under the unit above.
    if let Some(due) = due_re().find(&text).filter(|_| !unit_re().is_match(&text)) {
        let used = dates
            .iter()
            .position(|d| d.span.0 >= due.start())
            .unwrap_or(0);
        let at = &dates[used];
        // "Problem Set 1 out; due …": the item is what comes before the
        // clause that says it was handed out.
        let head = text[..due.start()].replace('(', " ");
        let head = head.split(';').next().unwrap_or_default();
        let mut name = clean_name(head);
        for verb in [" out", " released", " assigned", " handed out"] {
            if let Some(stripped) = name.strip_suffix(verb) {
                name = clean_name(stripped);
            }
        }
        let Some(date) = resolve(at, year, last, &mut notes) else {
            draft.unread.push(unread(
                "a due date that is no day of the calendar (or has no year, and none is on the page)",
            ));
            return;
        };
        match (draft.units.last_mut(), name.is_empty()) {
            (Some(unit), false) => {
                unit.assignments.push(Item::new(name, date, notes, line.n));
                report_others(line, &text, &dates, used, draft);
            }
            (None, _) => draft.unread.push(unread("a due date before any unit line")),
            (_, true) => draft
                .unread
                .push(unread("a due date without an assignment name")),
        }
        return;
    }
    // 2. A unit release (or two on one line).
    if unit_re().is_match(&text) {
        let names = name_before(&text, first);
        let Some(date) = resolve(first, year, last, &mut notes) else {
            draft.unread.push(unread(
                "a release date that is no day of the calendar (or has no year, and none is on the page)",
            ));
            return;
        };
        let word = text.split_whitespace().next().unwrap_or("Unit");
        let joiner = format!(" & {word} ");
        let mut parts: Vec<String> = Vec::new();
        for (i, part) in names.split(&joiner).enumerate() {
            parts.push(if i == 0 {
                part.to_owned()
            } else {
                format!("{word} {part}")
            });
        }
        if parts.len() > 1 {
            notes.push(format!(
                "{} units released together on one line",
                parts.len()
            ));
        }
        for name in parts {
            draft.units.push(Unit::new(Item::new(
                clean_name(&name),
                date,
                notes.clone(),
                line.n,
            )));
        }
        report_others(line, &text, &dates, 0, draft);
        return;
    }
    // 3. A live event: a date and a time (after it, or before it in a
    // table row: "Review, 14:00 GMT (2018-09-26)").
    let time = find_time(&text, first.span.1)
        .or_else(|| find_time(&text, 0).filter(|t| t.span.1 <= first.span.0));
    if let Some(time) = time {
        let name = if time.span.1 <= first.span.0 {
            clean_name(&text[..time.span.0])
        } else {
            name_before(&text, first)
        };
        let Some(date) = resolve(first, year, last, &mut notes) else {
            draft.unread.push(unread(
                "an event date that is no day of the calendar (or has no year, and none is on the page)",
            ));
            return;
        };
        let start = match live_start(date, &time, has_zone) {
            Some(s) => s,
            None => {
                draft.unread.push(unread(
                    "a time without a zone label: give --timezone for the page's zone",
                ));
                return;
            }
        };
        if name.is_empty() {
            draft.unread.push(unread("a time without an event name"));
            return;
        }
        draft.live.push(Live::new(name, start, notes, line.n));
        report_others(line, &text, &dates, 0, draft);
        return;
    }
    // 4. Milestones: every date of each sentence, named by the text
    // between it and the date before ("Quiz 1 March 3; Quiz 2 March 10").
    for sentence in sentences(&text) {
        let mut from = 0;
        for found in find_dates(sentence) {
            let head = &sentence[from..found.span.0];
            from = found.span.1;
            milestone(line, head, &found, year, last, draft);
        }
    }
}

/// Words that only join two dates: a range, not a name.
const CONNECTORS: &[&str] = &[
    "to", "until", "till", "through", "thru", "and", "or", "-", "–", "—",
];

fn milestone(
    line: &Line,
    head: &str,
    found: &FoundDate,
    year: &mut Option<i32>,
    last: &mut Option<NaiveDate>,
    draft: &mut Draft,
) {
    let unread = |why: &str| Unread {
        file: None,
        line: line.n,
        text: line.text.clone(),
        why: why.to_owned(),
    };
    let mut notes = Vec::new();
    let mut name = clean_name(head);
    for word in [
        "around",
        "approximately",
        "about",
        "circa",
        "on",
        "by",
        "is",
        "are",
        "will be held",
        "takes place",
        "is held",
        ":",
    ] {
        if let Some(stripped) = name.strip_suffix(word)
            && (stripped.is_empty() || stripped.ends_with(' '))
        {
            if matches!(word, "around" | "approximately" | "about" | "circa") {
                notes.push(format!("the page says \"{word}\" this date"));
            }
            name = clean_name(stripped);
        }
    }
    if CONNECTORS.contains(&name.to_lowercase().as_str()) {
        draft.unread.push(unread(
            "a date range: only its first date imported (set an end by hand)",
        ));
        return;
    }
    let Some(date) = resolve(found, year, last, &mut notes) else {
        draft.unread.push(unread(
            "a date that is no day of the calendar (or has no year, and none is on the page)",
        ));
        return;
    };
    if name.is_empty() {
        draft.unread.push(unread("a date without a name for it"));
        return;
    }
    draft.milestones.push(Item::new(name, date, notes, line.n));
}

/// A line whose item took one date while the line holds more: the
/// others are reported, never dropped without a word.
fn report_others(line: &Line, text: &str, dates: &[FoundDate], used: usize, draft: &mut Draft) {
    let others: Vec<&str> = dates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != used)
        .filter_map(|(_, d)| text.get(d.span.0..d.span.1))
        .collect();
    if !others.is_empty() {
        draft.unread.push(Unread {
            file: None,
            line: line.n,
            text: line.text.clone(),
            why: format!(
                "{} more date(s) on this line became no item: {}",
                others.len(),
                others.join(", ")
            ),
        });
    }
}

fn live_start(date: NaiveDate, time: &FoundTime, has_zone: bool) -> Option<Start> {
    match time.zone {
        Some(label) => instant(date, time.time, label).map(Start::Instant),
        None if has_zone => Some(Start::Wall(date.and_time(time.time))),
        None => None,
    }
}

/// Sentences of a line: split after `.`, `!` or `?` followed by a space
/// and an upper-case letter (so "Sept. 5" stays whole).
fn sentences(text: &str) -> Vec<&str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_of_the_seed_page() {
        let page = "Welcome!\n\
  • Unit 0:  Welcome (Available September 19, 2017)\n\
  • Unit 1: Launching Innovation in Schools (September 28, 2017)\n\
    Assignment 1.1: Description (suggested due date: October 11, 2017)\n\
- Welcome Live Event with Course Staff - September 29, 2017, 6:00 PM UTC\n\
  • Unit 3a: Refining a Vision & Unit 3b: Getting to Work (October 19, 2017) \n\
  • Unit 4: Working Together (October 26, 2017\n\
    Assignment 6: Final Deliverable (suggested due date: November 13, 2017\n\
    )\n\
Course concludes November 16, 2017. Certificates generated around November 24, 2017.\n";
        let d = read(page, false);
        let units: Vec<&str> = d.units.iter().map(|u| u.release.name.as_str()).collect();
        assert_eq!(
            units,
            [
                "Unit 0: Welcome",
                "Unit 1: Launching Innovation in Schools",
                "Unit 3a: Refining a Vision",
                "Unit 3b: Getting to Work",
                "Unit 4: Working Together"
            ]
        );
        assert_eq!(
            d.units[1].assignments[0].name,
            "Assignment 1.1: Description"
        );
        assert_eq!(
            d.units[4].assignments[0].name,
            "Assignment 6: Final Deliverable"
        );
        assert_eq!(d.live[0].name, "Welcome Live Event with Course Staff");
        assert_eq!(
            d.live[0].start,
            Start::Instant("2017-09-29T18:00:00+00:00".parse().unwrap())
        );
        let ms: Vec<&str> = d.milestones.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(ms, ["Course concludes", "Certificates generated"]);
        assert_eq!(
            d.milestones[1].notes,
            ["the page says \"around\" this date"]
        );
        assert!(d.unread.is_empty(), "{:?}", d.unread);
    }

    #[test]
    fn words_that_contain_due_or_a_month_are_not_dates() {
        let d = read(
            "Unit 3: 10 Decisions (October 5, 2018)\nGuest talk on Dueling Models, October 6, 2018\n",
            false,
        );
        assert_eq!(d.units[0].release.name, "Unit 3: 10 Decisions");
        assert!(d.units[0].assignments.is_empty());
        assert_eq!(d.milestones[0].name, "Guest talk on Dueling Models");
    }

    #[test]
    fn verbs_around_a_name_are_not_part_of_it() {
        let d = read(
            "Week 1: Basics (Sept. 4, 2019)\n Problem Set 1 out; due Wednesday, September 11, 2019\nQuiz 1 will be held on October 2, 2019.\n",
            false,
        );
        assert_eq!(d.units[0].assignments[0].name, "Problem Set 1");
        assert_eq!(d.milestones[0].name, "Quiz 1");
    }

    #[test]
    fn sentences_keep_abbreviated_months() {
        assert_eq!(
            sentences("Quiz on Sept. 5, 2018. Exam on Oct. 1, 2018."),
            ["Quiz on Sept. 5, 2018.", "Exam on Oct. 1, 2018."]
        );
    }
}
