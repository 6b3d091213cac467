//! `policy.json` read with positions (serde_json gives none), and line
//! numbers found by binary search: the two things that keep an OLX import
//! linear however many blocks a file holds.

use std::collections::HashMap;

/// Where each line of a text starts: a line number is a binary search,
/// not a scan from the start (roxmltree's `text_pos_at` rescans the text
/// on every call: 10,000 blocks in one file were quadratic).
#[derive(Debug, Default)]
pub(super) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex(starts)
    }

    /// The 1-based line of byte `pos`.
    pub(super) fn line(&self, pos: usize) -> usize {
        self.0.partition_point(|&start| start <= pos).max(1)
    }
}

/// policy.json with its positions (serde_json gives none): where each
/// top-level entry's key and object are, found in one pass, so a field's
/// line is a search inside its own entry, not a scan of the whole file.
#[derive(Debug)]
pub(super) struct Policy {
    pub(super) file: String,
    text: String,
    pub(super) map: serde_json::Map<String, serde_json::Value>,
    lines: LineIndex,
    /// Key → (byte of its quoted key, byte after its value).
    entries: HashMap<String, (usize, usize)>,
}

impl Policy {
    pub(super) fn new(
        file: String,
        text: String,
        map: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let lines = LineIndex::new(&text);
        let entries = top_level_entries(&text);
        Policy {
            file,
            text,
            map,
            lines,
            entries,
        }
    }

    /// The line of `"field"` in the entry `key`: the key's line when the
    /// field is not found.
    pub(super) fn line(&self, key: &str, field: &str) -> usize {
        let Some(&(at, end)) = self.entries.get(key) else {
            return 1;
        };
        let entry = self.text.get(at..end).unwrap_or_default();
        match entry.find(&format!("\"{field}\"")) {
            Some(f) => self.lines.line(at + f),
            None => self.lines.line(at),
        }
    }
}

/// The keys of a JSON object's top level with the byte range from each
/// key to the end of its value, in one pass (strings and nesting
/// tracked). A key seen twice keeps its first place.
fn top_level_entries(text: &str) -> HashMap<String, (usize, usize)> {
    let bytes = text.as_bytes();
    let mut out: HashMap<String, (usize, usize)> = HashMap::new();
    let mut depth = 0usize;
    let mut i = 0;
    // The key being read at depth 1: (its text, its start).
    let mut open: Option<(String, usize)> = None;
    let mut last_string: Option<(usize, usize)> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                last_string = Some((start, (i + 1).min(bytes.len())));
            }
            b':' if depth == 1 => {
                if let Some((s, e)) = last_string.take() {
                    let raw = text.get(s..e).unwrap_or_default();
                    let key = if raw.contains('\\') {
                        serde_json::from_str::<String>(raw).unwrap_or_default()
                    } else {
                        raw.trim_matches('"').to_owned()
                    };
                    open = Some((key, s));
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 2
                    && let Some((key, s)) = open.take()
                {
                    out.entry(key).or_insert((s, i + 1));
                }
                depth = depth.saturating_sub(1);
            }
            b',' if depth == 1 => {
                if let Some((key, s)) = open.take() {
                    out.entry(key).or_insert((s, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}
