//! The text rules every importer shares: source text as schedule text
//! (control characters out, noted; lengths within the format's limits,
//! noted), as YAML strings, and [`one_line`], the one escaping rule for
//! everything from a file that is printed or written as a comment.

use crate::schedule::validate::MAX_NAME_CHARS;
use std::fmt::Write as _;

/// What YAML 1.2 allows in a stream as it is (`c-printable`); anything
/// else must be escaped in a double-quoted string, and cannot be in a
/// comment at all.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// A YAML double-quoted string: every character kept, escapes for `"`,
/// `\` and everything not printable.
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || !printable(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Source text on one line, non-printable characters shown as Rust
/// escapes: what a YAML comment can hold (a newline would end it early),
/// and what may be printed to a terminal (an escape sequence could rewrite
/// it).
pub fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let shown: Vec<char> = if printable(c) && c != '\u{85}' {
                vec![c]
            } else {
                c.escape_default().collect()
            };
            shown
        })
        .collect()
}

/// Source text as schedule text (the rules of `check`): no control
/// characters (a tab becomes a space; newlines only where the field may
/// span lines), trimmed, at most `max` characters. What had to change is
/// noted, never done silently.
pub(super) fn text(
    s: &str,
    max: usize,
    lines: bool,
    what: &str,
    notes: &mut Vec<String>,
) -> String {
    // Line ends as written by Windows and old Macs: one break (or, on one
    // line, one space), not a control character.
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut removed = false;
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' if lines => Some('\n'),
            '\n' => Some(' '),
            c if c.is_control() || !printable(c) => {
                removed = true;
                None
            }
            c => Some(c),
        })
        .collect();
    // One line: runs of spaces as one ("Quiz\n  1" → "Quiz 1").
    let cleaned = if lines {
        cleaned
    } else {
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let mut out = cleaned.trim().to_owned();
    if removed {
        notes.push(format!("control characters removed from the {what}"));
    }
    if out.chars().count() > max {
        out = out
            .chars()
            .take(max)
            .collect::<String>()
            .trim_end()
            .to_owned();
        notes.push(format!("{what} shortened to {max} characters"));
    }
    out
}

pub(super) fn name(s: &str, notes: &mut Vec<String>) -> String {
    let n = text(s, MAX_NAME_CHARS, false, "name", notes);
    if n.is_empty() {
        notes.push("no name in the source: set one".to_owned());
        "(untitled)".to_owned()
    } else {
        n
    }
}
