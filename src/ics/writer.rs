//! A small RFC 5545 content-line writer: CRLF line ends, TEXT escaping and
//! folding at 75 octets without splitting a UTF-8 character (§3.1, §3.3.11).
//! Hand-written because the `icalendar` crate cannot emit VTIMEZONE and does
//! not produce byte-deterministic output.

/// Longest line in octets, not counting CRLF (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            out: String::with_capacity(n),
        }
    }

    pub fn begin(&mut self, component: &str) {
        self.raw("BEGIN", component);
    }

    pub fn end(&mut self, component: &str) {
        self.raw("END", component);
    }

    /// A property whose value is already in its RFC 5545 form
    /// (dates, durations, URIs, enumerations). `name` may carry parameters.
    pub fn raw(&mut self, name: &str, value: &str) {
        let start = self.out.len();
        self.out.push_str(name);
        self.out.push(':');
        self.out.push_str(value);
        self.fold_from(start);
    }

    /// A TEXT property: `value` is escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        let start = self.out.len();
        self.out.push_str(name);
        self.out.push(':');
        escape_text_into(value, &mut self.out);
        self.fold_from(start);
    }

    /// Insert folds into the logical line that begins at `start` and end it.
    fn fold_from(&mut self, start: usize) {
        if self.out.len() - start > MAX_LINE_OCTETS {
            let line = self.out.split_off(start);
            fold_into(&line, &mut self.out);
        }
        self.out.push_str("\r\n");
    }

    /// Append text that is already a sequence of complete CRLF-ended lines.
    pub fn lines(&mut self, block: &str) {
        self.out.push_str(block);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Fold one logical line (no CRLF) so that every physical line has at most
/// 75 octets, continuation lines starting with a space.
pub fn fold_into(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
}

/// TEXT escaping: backslash, semicolon, comma and line breaks; other control
/// characters cannot be represented and are dropped (validation rejects them
/// in schedule text before this point).
pub fn escape_text_into(value: &str, out: &mut String) {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

pub fn escape_text(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 8);
    escape_text_into(value, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::read::{unescape_text, unfold};

    fn lines(s: &str) -> Vec<&str> {
        s.split("\r\n").filter(|l| !l.is_empty()).collect()
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut w = Writer::default();
        w.text("SUMMARY", "Unit 1");
        assert_eq!(w.finish(), "SUMMARY:Unit 1\r\n");
    }

    #[test]
    fn folds_at_75_octets_exactly() {
        let mut w = Writer::default();
        let value = "a".repeat(200);
        w.text("SUMMARY", &value);
        let out = w.finish();
        let ls = lines(&out);
        assert_eq!(ls[0].len(), 75);
        assert!(ls[1..].iter().all(|l| l.starts_with(' ') && l.len() <= 75));
        assert_eq!(unfold(&out).trim_end(), format!("SUMMARY:{value}"));
    }

    #[test]
    fn never_splits_multibyte_characters_at_the_fold() {
        // "SUMMARY:" is 8 octets; CJK is 3 octets, emoji 4: shift the
        // boundary through every alignment.
        for pad in 0..4 {
            for unit in ["漢", "😀", "é", "👩‍🏫"] {
                let value = format!("{}{}", "x".repeat(pad), unit.repeat(60));
                let mut w = Writer::default();
                w.text("SUMMARY", &value);
                let out = w.finish();
                for l in lines(&out) {
                    assert!(l.len() <= 75, "{} octets: {l}", l.len());
                    // Every physical line is valid UTF-8 on its own.
                    assert!(std::str::from_utf8(l.as_bytes()).is_ok());
                }
                assert_eq!(unfold(&out).trim_end(), format!("SUMMARY:{value}"));
            }
        }
    }

    #[test]
    fn escapes_text_specials() {
        assert_eq!(escape_text("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        assert_eq!(unescape_text("a\\,b\\;c\\\\d\\ne\\Nf"), "a,b;c\\d\ne\nf");
    }

    #[test]
    fn crlf_in_a_name_cannot_inject_a_property() {
        let mut w = Writer::default();
        w.text("SUMMARY", "x\r\nATTENDEE:mailto:evil@example.com");
        let out = w.finish();
        assert_eq!(lines(&out).len(), 1);
        assert!(!out.contains("\r\nATTENDEE"));
    }
}
