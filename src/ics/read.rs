//! A minimal RFC 5545 reader: unfolding, content lines and TEXT unescaping.
//! Used by tests, fuzzing and `check` to read back what the writer produced;
//! independent parsers (the `icalendar` crate, Python, ical.js) check it too.

/// Undo folding: a CRLF followed by one space or tab is removed.
pub fn unfold(s: &str) -> String {
    s.replace("\r\n ", "").replace("\r\n\t", "")
}

/// One content line: name, parameters (`KEY=value`), value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentLine {
    /// Property name, upper-case as written.
    pub name: String,
    /// Parameters in order (`TZID`, `VALUE`, …).
    pub params: Vec<(String, String)>,
    /// The raw value (still escaped).
    pub value: String,
}

impl ContentLine {
    /// The value of parameter `key`, if present.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Split an unfolded stream into content lines (quoted parameter values
/// may contain `:` and `;`).
pub fn content_lines(s: &str) -> Vec<ContentLine> {
    unfold(s)
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Option<ContentLine> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.to_ascii_uppercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_ascii_uppercase(), v.trim_matches('"').to_owned()))
        .collect();
    Some(ContentLine {
        name,
        params,
        value: value.to_owned(),
    })
}

/// Undo TEXT escaping.
pub fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The events of a feed as (property name → raw value) lists, in order.
pub fn events(s: &str) -> Vec<Vec<ContentLine>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<ContentLine>> = None;
    for line in content_lines(s) {
        match (line.name.as_str(), line.value.as_str()) {
            ("BEGIN", "VEVENT") => current = Some(Vec::new()),
            ("END", "VEVENT") => out.extend(current.take()),
            _ => {
                if let Some(ev) = current.as_mut() {
                    ev.push(line);
                }
            }
        }
    }
    out
}
