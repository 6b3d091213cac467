//! Parser settings and error wording shared by schedule and metadata files.
//! serde-saphyr's own messages are written for developers (`budget breached:
//! Nodes { .. }`, "use from_str_multiple"); authors get ours, chosen by error
//! variant rather than by picking its text apart.

use serde_saphyr::granit_parser::ErrorKind;
use serde_saphyr::{Error, Location, MessageFormatter};

/// Most YAML nodes (mappings, lists, scalars) in one file. A 20,000-item
/// course with every optional key is about 400,000.
const MAX_NODES: usize = 1_000_000;
/// Most events an alias may replay in a whole file. Schedules rarely use
/// aliases at all; an alias bomb trips this after a few milliseconds.
const MAX_REPLAYED_EVENTS: usize = 20_000;

/// Budgets and alias limits for any file coursecal reads.
pub fn options(max_depth: usize, max_file_bytes: u64) -> serde_saphyr::Options {
    let scalar_bytes = usize::try_from(max_file_bytes.saturating_mul(2)).unwrap_or(usize::MAX);
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: max_depth,
            max_nodes: MAX_NODES,
            max_events: 2 * MAX_NODES,
            // One per dated item is already far more than a schedule needs.
            max_aliases: 20_000,
            max_anchors: 1_000,
            // Replayed scalars count too, so one huge aliased string cannot
            // be multiplied into gigabytes.
            max_total_scalar_bytes: scalar_bytes,
            max_recorded_anchor_events: 5 * MAX_REPLAYED_EVENTS,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_REPLAYED_EVENTS,
            max_replay_stack_depth: max_depth,
        },
    }
}

/// A YAML error in author's terms, located in the text that was parsed
/// (line 0 when serde-saphyr gave no position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
}

const ALIAS_MESSAGE: &str =
    "the YAML expands to too many values (aliases); schedules don't need anchors";
const ALIAS_HELP: &str = "write the values out instead of using `&anchors` and `*aliases`";

/// Describe a parse failure of `text`; `what` names the file kind
/// ("a schedule file", "a metadata file").
pub fn describe(e: &Error, text: &str, what: &str, max_depth: usize) -> Problem {
    // Alias errors wrap the failure inside the anchor; the author's mistake
    // is where the (outermost) alias is used.
    let mut inner = e;
    let mut alias_use: Option<Location> = None;
    loop {
        match inner {
            Error::WithSnippet { error, .. } => inner = error,
            Error::AliasError {
                error, locations, ..
            } => {
                alias_use.get_or_insert(locations.reference_location);
                inner = error;
            }
            _ => break,
        }
    }
    let location = alias_use
        .filter(|l| l.line() > 0)
        .or_else(|| inner.location())
        .filter(|l| l.line() > 0);
    let (line, column) = location.map_or((0, 0), |l| {
        (
            u32::try_from(l.line()).unwrap_or(u32::MAX),
            u32::try_from(l.column()).unwrap_or(u32::MAX),
        )
    });
    let mut p = Problem {
        line,
        column,
        message: String::new(),
        label: None,
        help: None,
    };
    let through_alias = alias_use.is_some();
    let alias = |p: &mut Problem| {
        p.message = ALIAS_MESSAGE.into();
        if through_alias {
            p.label = Some("expanding this alias goes over the limit".into());
        }
        p.help = Some(ALIAS_HELP.into());
    };
    match inner {
        Error::Budget { breach, .. } => {
            use serde_saphyr::budget::BudgetBreach as B;
            match breach {
                B::Aliases { .. }
                | B::Anchors { .. }
                | B::AliasAnchorRatio { .. }
                | B::RecordedAnchorEvents { .. }
                | B::RecordedAnchorBytes { .. } => alias(&mut p),
                B::Nodes { .. } | B::Events { .. } | B::ScalarBytes { .. } if through_alias => {
                    alias(&mut p)
                }
                B::Nodes { .. } | B::Events { .. } => {
                    p.message = format!("the YAML holds more than {MAX_NODES} values");
                    p.help = Some("split the course into several files".into());
                }
                B::ScalarBytes { .. } => {
                    p.message = "the YAML holds too much text".into();
                    p.help = Some("split the course into several files".into());
                }
                B::Depth { .. } => {
                    p.message = format!("the YAML nests more than {max_depth} levels deep");
                    p.label = Some(format!(
                        "expected at most {max_depth} levels (a schedule needs 6)"
                    ));
                    p.help = Some("check for unbalanced `[` or `{`".into());
                }
                B::Documents { .. } => multiple_documents(&mut p, text, what),
                B::MergeKeys { .. } => {
                    p.message = "the YAML has too many `<<` merge keys".into();
                    p.help = Some("write the keys out instead".into());
                }
                _ => {
                    p.message = format!("the YAML exceeds a size limit for {what}");
                }
            }
        }
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => alias(&mut p),
        Error::UnknownAnchor { .. } => {
            let name = alias_name(text, p.line, p.column).unwrap_or_else(|| "name".into());
            p.message = format!("invalid YAML: the alias `*{name}` refers to no anchor");
            p.label = Some(format!("expected an anchor `&{name}` earlier in the file"));
            p.help = Some("write the value out; schedules don't need anchors".into());
        }
        Error::DuplicateMappingKey { key, .. } => {
            p.message = match key {
                Some(k) => format!("duplicate key `{}`", k.escape_debug()),
                None => "duplicate key".into(),
            };
            p.label = Some("this key is already in the same mapping".into());
            p.help = Some("remove one of them".into());
        }
        Error::MultipleDocuments { .. } => multiple_documents(&mut p, text, what),
        Error::ExternalMessage { source, msg, .. } => {
            p.message = format!("invalid YAML: {}", plain(msg));
            if let serde_saphyr::ExternalMessageSource::Parser(scan) = source.as_ref() {
                syntax_hint(&mut p, scan.kind(), text);
            }
        }
        other => {
            let msg = serde_saphyr::UserMessageFormatter.format_message(other);
            p.message = format!("invalid YAML: {}", plain(&strip_location(&msg)));
        }
    }
    p
}

/// "remove the `---` on line N": the marker is on or just before the line
/// the second document starts on.
fn multiple_documents(p: &mut Problem, text: &str, what: &str) {
    let upto = if p.line == 0 {
        usize::MAX
    } else {
        p.line as usize
    };
    let marker = text
        .lines()
        .enumerate()
        .take(upto)
        .filter(|(i, l)| {
            *i > 0 && (l.trim_end() == "---" || l.starts_with("--- ") || l.starts_with("---\t"))
        })
        .map(|(i, _)| i + 1)
        .last();
    match marker {
        Some(n) => {
            p.message = format!("{what} holds one YAML document; remove the `---` on line {n}");
            p.line = u32::try_from(n).unwrap_or(u32::MAX);
            p.column = 1;
            p.label = Some("a second document starts here".into());
        }
        None => {
            p.message = format!("{what} holds one YAML document; remove the second one");
            p.label = Some("a second document starts here".into());
        }
    }
}

const TAB_HELP: &str = "indent with spaces: YAML does not allow tabs for indentation";

/// Labels and help for the syntax errors authors actually make.
fn syntax_hint(p: &mut Problem, kind: &ErrorKind, text: &str) {
    let line_text = text
        .lines()
        .nth((p.line as usize).saturating_sub(1))
        .unwrap_or_default();
    match kind {
        ErrorKind::MappingValueNotAllowed => {
            // A second `: ` on a line whose value already began is text that
            // needs quotes; otherwise the key is at the wrong indentation.
            let before: String = line_text
                .chars()
                .take((p.column as usize).saturating_sub(1))
                .collect();
            if let Some((key, value)) = before.split_once(": ")
                && !value.trim().is_empty()
            {
                let rest: String = line_text.chars().skip(key.chars().count() + 2).collect();
                p.label = Some("a second `: ` in one line".into());
                p.help = Some(format!(
                    "a value containing `: ` needs quotes: `{}: \"{}\"`",
                    key.trim_start().trim_start_matches("- "),
                    rest.trim().replace('"', "\\\"")
                ));
            } else {
                p.label = Some("this key does not line up with the keys above it".into());
                p.help = Some(indentation_help(text, p.line));
            }
        }
        ErrorKind::ExpectedBlockMappingKey
        | ErrorKind::ExpectedBlockSequenceEntry
        | ErrorKind::InvalidIndentation
        | ErrorKind::MappingKeyNotAllowed
        | ErrorKind::BlockSequenceEntryNotAllowed
        | ErrorKind::SimpleKeyExpected
        | ErrorKind::InvalidSimpleKey => {
            p.label = Some("unexpected indentation".into());
            p.help = Some(indentation_help(text, p.line));
        }
        ErrorKind::TabInBlockIndentation
        | ErrorKind::TabInIndentation
        | ErrorKind::TabNotAllowed
        | ErrorKind::TabAtBlockScalarStart => {
            // The parser points after the tab; point at the tab itself.
            if let Some(i) = line_text
                .chars()
                .take(p.column as usize)
                .position(|c| c == '\t')
            {
                p.column = u32::try_from(i + 1).unwrap_or(p.column);
            }
            p.label = Some("indented with a tab".into());
            p.help = Some(TAB_HELP.into());
        }
        ErrorKind::TabInPlainScalar => {
            // The parser points at the start of the plain value before the
            // tab; the tab indents a later line (`title: X` then `\tnumber:`).
            let tab = text
                .lines()
                .enumerate()
                .skip(p.line as usize)
                .find_map(|(i, l)| {
                    let rest = l.trim_start_matches([' ', '\t']);
                    let indent = &l[..l.len() - rest.len()];
                    let column = indent.chars().position(|c| c == '\t')?;
                    (!rest.is_empty()).then_some((i + 1, column + 1))
                });
            if let Some((line, column)) = tab {
                p.line = u32::try_from(line).unwrap_or(p.line);
                p.column = u32::try_from(column).unwrap_or(p.column);
            }
            p.message = "invalid YAML: a tab in the indentation of a line".into();
            p.label = Some("indented with a tab".into());
            p.help = Some(TAB_HELP.into());
        }
        ErrorKind::UnclosedQuotedScalar => {
            p.label = Some("this quote is never closed".into());
            p.help = Some("add the closing quote at the end of the value".into());
        }
        ErrorKind::UnclosedFlowCollection { open } => {
            let close = if *open == '[' { ']' } else { '}' };
            p.label = Some(format!("this `{open}` is never closed"));
            p.help = Some(format!("add the closing `{close}`"));
        }
        ErrorKind::MismatchedFlowCollectionEnd { open, close } => {
            p.label = Some(format!("`{close}` closes a `{open}`"));
        }
        ErrorKind::UnexpectedCharacter { character } => {
            p.label = Some(format!("`{character}` cannot start a plain value"));
            p.help = Some("put the value in quotes".into());
        }
        _ => {}
    }
}

/// Compare the failing line's indentation with the nearest line above it.
fn indentation_help(text: &str, line: u32) -> String {
    const RULE: &str = "keys of one mapping must start in the same column";
    let lines: Vec<&str> = text.lines().collect();
    let index = (line as usize).saturating_sub(1);
    let Some(here) = lines.get(index) else {
        return format!("check the indentation: {RULE}");
    };
    let above = lines
        .get(..index)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .rev()
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((i, above)) = above else {
        return format!("check the indentation: {RULE}");
    };
    let (col_here, col_above) = (key_column(here), key_column(above));
    if col_here == col_above {
        return format!("check the indentation: {RULE}");
    }
    let name = |l: &str, col: usize, n: usize| match key_name(l, col) {
        Some(k) => format!("`{k}` (line {n}, column {col})"),
        None => format!("line {n} (column {col})"),
    };
    format!(
        "{} does not line up with {}; {RULE}",
        name(here, col_here, line as usize),
        name(above, col_above, i + 1)
    )
}

/// The key a line holds at `col`, if it is a plain `key:`.
fn key_name(line: &str, col: usize) -> Option<String> {
    let rest: String = line.chars().skip(col - 1).collect();
    let (key, _) = rest.split_once(':')?;
    let key = key.trim();
    (!key.is_empty() && !key.contains(char::is_whitespace)).then(|| key.to_owned())
}

/// 1-based column of a line's first key (after any `- ` list markers).
fn key_column(line: &str) -> usize {
    let mut col = 1;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        col += rest.len() - trimmed.len();
        match trimmed.strip_prefix("- ") {
            Some(r) => {
                col += 2;
                rest = r;
            }
            None => return col,
        }
    }
}

/// The name of the `*alias` at a location.
fn alias_name(text: &str, line: u32, column: u32) -> Option<String> {
    let l = text.lines().nth((line as usize).checked_sub(1)?)?;
    let rest: String = l.chars().skip((column as usize).checked_sub(1)?).collect();
    let name: String = rest
        .strip_prefix('*')?
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}'))
        .collect();
    (!name.is_empty()).then_some(plain(&name))
}

/// Control characters escaped, so a message stays on one line.
fn plain(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_debug().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Drop a trailing " at line L, column C": the diagnostic shows the location.
fn strip_location(msg: &str) -> String {
    if let Some(i) = msg.rfind(" at line ") {
        let tail = &msg[i + " at line ".len()..];
        let is_suffix = tail.split_once(", column ").is_some_and(|(l, c)| {
            !l.is_empty()
                && !c.is_empty()
                && l.bytes().all(|b| b.is_ascii_digit())
                && c.bytes().all(|b| b.is_ascii_digit())
        });
        if is_suffix {
            return msg[..i].to_owned();
        }
    }
    msg.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> Problem {
        let options = options(32, 4 * 1024 * 1024);
        let e = serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(text, options)
            .expect_err("invalid YAML");
        describe(&e, text, "a schedule file", 32)
    }

    #[test]
    fn alias_bomb_is_rejected_in_our_words() {
        let mut text =
            String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        for (prev, name) in ["a", "b", "c", "d", "e"]
            .iter()
            .zip(["b", "c", "d", "e", "f"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let p = problem(&text);
        assert_eq!(p.message, ALIAS_MESSAGE);
        assert!(p.line > 0);
    }

    #[test]
    fn multiple_documents_name_the_marker() {
        let p = problem("a: 1\n---\nb: 2\n");
        assert!(p.message.contains("remove the `---` on line 2"), "{p:?}");
        assert_eq!(p.line, 2);
    }

    #[test]
    fn nesting_depth() {
        let p = problem(&format!("a: {}{}\n", "[".repeat(40), "]".repeat(40)));
        assert_eq!(p.message, "the YAML nests more than 32 levels deep");
    }

    #[test]
    fn value_with_colon_needs_quotes() {
        let p = problem("units:\n  - name: Unit 1: Welcome\n");
        assert!(
            p.help
                .as_deref()
                .is_some_and(|h| h.contains("\"Unit 1: Welcome\"")),
            "{p:?}"
        );
    }

    #[test]
    fn a_tab_after_a_plain_value_is_pointed_at() {
        let p = problem("course:\n  title: X\n\tnumber: Y\n");
        assert_eq!((p.line, p.column), (3, 1), "{p:?}");
        assert_eq!(p.label.as_deref(), Some("indented with a tab"));
        assert_eq!(p.help.as_deref(), Some(TAB_HELP));
        // Past a continuation line and blank lines holding only tabs.
        let p = problem("a:\n  b: one\n    two\n\t\n  \tc: 1\n");
        assert_eq!((p.line, p.column), (5, 3), "{p:?}");
    }

    #[test]
    fn trailing_location_only() {
        assert_eq!(strip_location("bad at line 3, column 4"), "bad");
        assert_eq!(
            strip_location("look at line 3 of the manual"),
            "look at line 3 of the manual"
        );
    }
}
