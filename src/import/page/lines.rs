//! A page's text as numbered lines: bullets and spacing tidied, wrapped
//! names joined onto their line, and the title (navigation skipped).

use crate::import::dates::{find_dates, looks_dated};

/// A line of the page with its number, bullets and spacing tidied.
pub(super) struct Line {
    pub(super) n: usize,
    pub(super) text: String,
}

/// Whether a raw line starts a list item (so it does not continue the
/// line above).
fn bulleted(raw: &str) -> bool {
    let t = raw.trim_start();
    t.starts_with(['•', '·', '*', '-', '–', '—', '▪', '◦', '‣'])
        || t.split_once(['.', ')']).is_some_and(|(n, rest)| {
            !n.is_empty()
                && n.len() <= 2
                && n.bytes().all(|b| b.is_ascii_digit())
                && rest.starts_with(' ')
        })
}

fn tidy(raw: &str) -> String {
    let t = raw.trim();
    // Tab-separated cells (a table pasted as text): the `|` of a row.
    let tabbed;
    let t = if t.contains('\t') {
        tabbed = t
            .split('\t')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(" | ");
        tabbed.as_str()
    } else {
        t
    };
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

/// Words a name wrapped onto the next line may end with.
const JOINERS: &[&str] = &[
    "&", "and", "of", "the", "for", "to", "in", "with", "a", "an", "on", "-", "–", ",",
];

/// Whether `text` (no date on it) continues on the next line `next` (a
/// dated line that is no new list item).
fn continues(text: &str, next: &str, next_raw: &str) -> bool {
    if text.contains('|') || next.contains('|') || bulleted(next_raw) || looks_dated(text) {
        return false;
    }
    let last = text.rsplit(' ').next().unwrap_or_default().to_lowercase();
    let joined = JOINERS.contains(&last.as_str()) || text.ends_with([',', '&', '-', '–']);
    joined || next.starts_with(|c: char| c.is_lowercase())
}

/// Lines with their numbers; a line that only closes a parenthesis is
/// dropped, and a name whose date sits on the next line, or that wraps
/// onto it, is joined to it.
pub(super) fn lines(text: &str) -> Vec<Line> {
    let raw: Vec<(usize, String, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, tidy(l), l))
        .filter(|(_, l, _)| !l.is_empty())
        .collect();
    let mut out: Vec<Line> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let (n, text, _) = &raw[i];
        if text
            .chars()
            .all(|c| matches!(c, ')' | ']' | '.' | ',' | ';'))
        {
            i += 1;
            continue;
        }
        let next = raw.get(i + 1);
        let joins = find_dates(text).is_empty()
            && next.is_some_and(|(_, t, r)| {
                !find_dates(t).is_empty() && (t.starts_with('(') || continues(text, t, r))
            });
        if joins && let Some((_, t, _)) = next {
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

/// Navigation and account links pages start with: never the title.
const BOILERPLATE: &[&str] = &[
    "skip to main content",
    "skip to content",
    "skip to navigation",
    "skip navigation",
    "menu",
    "main menu",
    "toggle navigation",
    "navigation",
    "sign in",
    "sign up",
    "log in",
    "login",
    "register",
    "search",
    "home",
    "close",
    "back",
    "back to top",
    "courses",
    "enroll",
    "enroll now",
    "help",
];

/// The page's title: its heading, else its first line that is not
/// navigation, without a "Welcome to" around it.
pub(super) fn title(lines: &[Line], heading: Option<&str>) -> Option<String> {
    let line = heading.map(str::to_owned).or_else(|| {
        lines
            .iter()
            .map(|l| l.text.as_str())
            .find(|t| {
                let key = t
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                !key.is_empty()
                    && !BOILERPLATE.contains(&key.as_str())
                    && !key.split(" | ").all(|w| BOILERPLATE.contains(&w))
            })
            .map(str::to_owned)
    })?;
    let mut t = line.trim().trim_end_matches('!').trim();
    for prefix in ["welcome to the ", "welcome to "] {
        if t.len() > prefix.len() && t.to_lowercase().starts_with(prefix) {
            t = &t[prefix.len()..];
        }
    }
    let t: String = t.chars().take(200).collect();
    (!t.trim().is_empty()).then(|| t.trim().to_owned())
}
