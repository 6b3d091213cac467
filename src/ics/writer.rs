//! A small RFC 5545 content-line writer: CRLF line ends, TEXT escaping and
//! folding at 75 octets without splitting a UTF-8 character (§3.1, §3.3.11).
//! Hand-written because the `icalendar` crate cannot emit VTIMEZONE and does
//! not produce byte-deterministic output.

/// Longest line in octets, not counting CRLF (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

#[derive(Debug, Default)]
/// RFC 5545 content lines: escaped, folded at 75 octets, CRLF-terminated.
pub struct Writer {
    out: String,
    /// Reused for folding long lines, so folding does not allocate.
    scratch: String,
}

impl Writer {
    /// A writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            out: String::with_capacity(n),
            scratch: String::new(),
        }
    }

    /// `BEGIN:<component>`.
    pub fn begin(&mut self, component: &str) {
        self.raw("BEGIN", component);
    }

    /// `END:<component>`.
    pub fn end(&mut self, component: &str) {
        self.raw("END", component);
    }

    /// A property whose value is already in its RFC 5545 form
    /// (dates, durations, URIs, enumerations). `name` may carry parameters.
    /// Such values never hold control characters (validation rejects them
    /// in URLs and ids); should one slip through, it is dropped rather than
    /// written, so a CR/LF can never start a new property or component.
    pub fn raw(&mut self, name: &str, value: &str) {
        self.raw_with(name, |out| out.push_str(value));
    }

    /// Like [`Writer::raw`], with the value written by `f` (no temporary).
    pub fn raw_with(&mut self, name: &str, f: impl FnOnce(&mut String)) {
        let start = self.out.len();
        self.out.push_str(name);
        self.out.push(':');
        f(&mut self.out);
        let dropped = drop_controls_from(&mut self.out, start);
        debug_assert!(!dropped, "control character in a raw property value");
        self.fold_from(start);
    }

    /// A TEXT property: `value` is escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        self.text_parts(name, &[value]);
    }

    /// A TEXT property whose value is the concatenation of `parts`.
    /// Escaped and folded in one pass, straight into the output: most
    /// descriptions need a fold, and folding afterwards copied each line
    /// twice more.
    pub fn text_parts(&mut self, name: &str, parts: &[&str]) {
        let mut line = Folding {
            out: &mut self.out,
            len: 0,
        };
        line.push(name);
        line.push(":");
        for part in parts {
            escape_text_with(part, |s| line.push(s));
        }
        self.out.push_str("\r\n");
    }

    /// Insert folds into the logical line that begins at `start` and end it.
    fn fold_from(&mut self, start: usize) {
        if self.out.len() - start > MAX_LINE_OCTETS {
            self.scratch.clear();
            self.scratch.push_str(&self.out[start..]);
            self.out.truncate(start);
            fold_into(&self.scratch, &mut self.out);
        }
        self.out.push_str("\r\n");
    }

    /// Append text that is already a sequence of complete CRLF-ended lines.
    pub fn lines(&mut self, block: &str) {
        self.out.push_str(block);
    }

    /// How many bytes are written so far: where the next line starts.
    pub fn written(&self) -> usize {
        self.out.len()
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Remove C0 controls (tab included), DEL and C1 controls from `out[start..]`;
/// whether there were any. A raw value is a URI, date or enumeration: none
/// of them may contain one, and a CR or LF would end the content line.
fn drop_controls_from(out: &mut String, start: usize) -> bool {
    let tail = &out[start..];
    // Bytes first: every control character is a byte below 0x20, DEL, or
    // (U+0080..U+009F) 0xC2 followed by a continuation byte.
    // Eight at a time (every property passes through here).
    let maybe = |b: &u8| *b < 0x20 || *b == 0x7f || *b == 0xc2;
    let mut words = tail.as_bytes().chunks_exact(8);
    let any = words.by_ref().any(|c| {
        let mut word = [0; 8];
        word.copy_from_slice(c);
        may_be_control(u64::from_le_bytes(word))
    }) || words.remainder().iter().any(maybe);
    if !any || !tail.chars().any(char::is_control) {
        return false;
    }
    let clean: String = tail.chars().filter(|c| !c.is_control()).collect();
    out.truncate(start);
    out.push_str(&clean);
    true
}

/// A logical line being written and folded as it goes: a fold goes in
/// only before a character that would pass the 75 octets, which is where
/// [`fold_into`] cuts the finished line (the largest character boundary
/// that fits, only when more follows).
struct Folding<'a> {
    out: &'a mut String,
    /// Octets of the current physical line (a continuation's space included).
    len: usize,
}

impl Folding<'_> {
    fn push(&mut self, mut s: &str) {
        loop {
            let room = MAX_LINE_OCTETS - self.len;
            if s.len() <= room {
                self.out.push_str(s);
                self.len += s.len();
                return;
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&s[..cut]);
            self.out.push_str("\r\n ");
            self.len = 1;
            s = &s[cut..];
        }
    }
}

/// Fold one logical line (no CRLF) so that every physical line has at most
/// 75 octets, continuation lines starting with a space.
pub fn fold_into(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space counts towards the next line's 75 octets.
        limit = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
}

/// Bytes that need attention in TEXT: `\\ ; ,`, C0 controls (except tab),
/// DEL, and 0xC2 (the lead byte of the C1 controls U+0080..U+009F).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b != b'\t' as usize;
        b += 1;
    }
    t[b'\\' as usize] = true;
    t[b';' as usize] = true;
    t[b',' as usize] = true;
    t[0x7f] = true;
    t[0xc2] = true;
    t
};

/// Whether any of the eight bytes of `w` is below 0x20 (a tab too), `\\`,
/// `;`, `,`, DEL or 0xC2: false means none is [`SPECIAL`]. (A true may be a
/// tab or a false alarm; the byte loop then decides.)
fn may_be_special(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero exactly when the high bit of this is set for it
    // (the lowest such byte reliably; any set bit means some byte is zero).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    // Bytes below 0x20: the same test against 0x20 instead of 1.
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    below_space != 0
        || zero(w ^ (ONES * u64::from(b'\\'))) != 0
        || zero(w ^ (ONES * u64::from(b';'))) != 0
        || zero(w ^ (ONES * u64::from(b','))) != 0
        || zero(w ^ (ONES * 0x7f)) != 0
        || zero(w ^ (ONES * 0xc2)) != 0
}

/// Whether any of the eight bytes of `w` is below 0x20, DEL or 0xC2 (a
/// true may be a false alarm; false means none is).
fn may_be_control(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0
        || zero(w ^ (ONES * 0x7f)) != 0
        || zero(w ^ (ONES * 0xc2)) != 0
}

/// TEXT escaping: backslash, semicolon, comma and line breaks; other control
/// characters (C0, DEL, C1) cannot be represented and are dropped
/// (validation rejects them in schedule text before this point). Runs of
/// ordinary text are found with a table lookup and copied whole.
#[cfg(test)]
fn escape_text_into(value: &str, out: &mut String) {
    escape_text_with(value, |s| out.push_str(s));
}

/// [`escape_text_into`], handing the escaped text to `push` piece by piece.
fn escape_text_with(value: &str, mut push: impl FnMut(&str)) {
    let bytes = value.as_bytes();
    let mut run = 0;
    let mut i = 0;
    loop {
        // Eight bytes at a time while none of them may be special.
        while let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            if may_be_special(u64::from_le_bytes(word)) {
                break;
            }
            i += 8;
        }
        while i < bytes.len() && !SPECIAL[bytes[i] as usize] {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let (replacement, skip): (&str, usize) = match b {
            b'\\' => ("\\\\", 1),
            b';' => ("\\;", 1),
            b',' => ("\\,", 1),
            b'\n' => ("\\n", 1),
            b'\r' if next == Some(b'\n') => ("", 1),
            b'\r' => ("\\n", 1),
            0xc2 if next.is_some_and(|n| (0x80..=0x9f).contains(&n)) => ("", 2),
            // Another character starting with 0xC2 (U+00A0..U+00BF): keep it.
            0xc2 => {
                i += 1;
                continue;
            }
            _ => ("", 1),
        };
        push(&value[run..i]);
        push(replacement);
        i += skip;
        run = i;
    }
    push(&value[run..]);
}

/// `value` escaped as RFC 5545 TEXT (backslash, `;`, `,`, newline).
#[cfg(test)]
fn escape_text(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 8);
    escape_text_into(value, &mut s);
    s
}

fn push_digits(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut v = n;
    for i in (0..width).rev() {
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[..width]).unwrap_or("0"));
}

/// `YYYYMMDD` (years 0..=9999, which validation guarantees).
pub fn push_date(out: &mut String, d: chrono::NaiveDate) {
    use chrono::Datelike;
    push_digits(out, d.year().clamp(0, 9999) as u32, 4);
    push_digits(out, d.month(), 2);
    push_digits(out, d.day(), 2);
}

/// `YYYYMMDDTHHMMSS` — chrono's `format` re-parses its pattern every call,
/// which dominated rendering.
pub fn push_date_time(out: &mut String, t: chrono::NaiveDateTime) {
    use chrono::Timelike;
    push_date(out, t.date());
    out.push('T');
    push_digits(out, t.hour(), 2);
    push_digits(out, t.minute(), 2);
    push_digits(out, t.second(), 2);
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

    /// Folding while escaping cuts where folding the escaped line after
    /// the fact does: every alignment of escapes and multi-byte characters
    /// against the fold, across part boundaries.
    #[test]
    fn folding_as_it_goes_matches_folding_the_finished_line() {
        let pieces = [
            "a", "é", "漢", "😀", ",", ";", "\\", "\n", "\r\n", "\u{85}", "\u{a0}",
        ];
        for pad in 0..80 {
            for (i, piece) in pieces.iter().enumerate() {
                let head = "x".repeat(pad);
                let tail = pieces[(i + 3) % pieces.len()].repeat(40 + pad % 7);
                let parts = [head.as_str(), &piece.repeat(pad % 5 + 1), "", &tail];
                let mut w = Writer::default();
                w.text_parts("DESCRIPTION", &parts);
                let mut line = String::from("DESCRIPTION:");
                for p in parts {
                    escape_text_into(p, &mut line);
                }
                let mut expected = String::new();
                fold_into(&line, &mut expected);
                expected.push_str("\r\n");
                assert_eq!(w.finish(), expected, "pad {pad}, piece {piece:?}");
            }
        }
    }

    #[test]
    fn dates_are_written_digit_by_digit() {
        let d = chrono::NaiveDate::from_ymd_opt(2017, 9, 3).unwrap();
        let mut s = String::new();
        push_date_time(&mut s, d.and_hms_opt(7, 5, 9).unwrap());
        assert_eq!(s, "20170903T070509");
    }

    #[test]
    fn control_characters_are_dropped_not_escaped() {
        assert_eq!(escape_text("a\u{0}b\u{7f}c\u{85}d\u{9f}e\tf"), "abcde\tf");
        assert_eq!(escape_text("é\u{a0}"), "é\u{a0}");
    }

    #[test]
    fn the_word_test_never_misses_a_special_byte() {
        for special in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = special;
                let w = u64::from_le_bytes(word);
                if SPECIAL[special as usize] {
                    assert!(may_be_special(w), "byte {special:#x} at {at}");
                }
                // High bytes next to it do not hide it.
                word = [0xe6; 8];
                word[at] = special;
                if SPECIAL[special as usize] {
                    assert!(may_be_special(u64::from_le_bytes(word)));
                }
            }
        }
        assert!(!may_be_special(u64::from_le_bytes(*b"abcdefgh")));
        let long = "Unit 1: Überblick, 日本語; a\\b\nend and more plain text";
        let slow: String = long
            .chars()
            .flat_map(|c| match c {
                ',' => "\\,".chars().collect::<Vec<_>>(),
                ';' => "\\;".chars().collect(),
                '\\' => "\\\\".chars().collect(),
                '\n' => "\\n".chars().collect(),
                c => vec![c],
            })
            .collect();
        assert_eq!(escape_text(long), slow);
    }

    #[test]
    fn escapes_text_specials() {
        assert_eq!(escape_text("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        assert_eq!(unescape_text("a\\,b\\;c\\\\d\\ne\\Nf"), "a,b;c\\d\ne\nf");
    }

    #[test]
    fn the_control_word_test_never_misses_a_control_byte() {
        for b in (0..=255u8).filter(|b| *b < 0x20 || *b == 0x7f || *b == 0xc2) {
            for at in 0..8 {
                for fill in [b'a', 0xe6, b'~'] {
                    let mut word = [fill; 8];
                    word[at] = b;
                    assert!(may_be_control(u64::from_le_bytes(word)), "{b:#x} at {at}");
                }
            }
        }
        assert!(!may_be_control(u64::from_le_bytes(*b"20261201")));
    }

    #[test]
    fn raw_values_lose_their_control_characters() {
        let mut out = String::from("UID:ok");
        assert!(!drop_controls_from(&mut out, 0));
        let mut out = String::from("X\r\nURL:https://a/\r\nBEGIN:VEVENT\u{0}\u{1b}\u{85}\t/b");
        assert!(drop_controls_from(&mut out, 1));
        assert_eq!(out, "XURL:https://a/BEGIN:VEVENT/b");
    }

    /// Debug builds stop at the bug; release builds write one clean line.
    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "control character"))]
    fn a_crlf_in_a_raw_value_cannot_inject_a_component() {
        let mut w = Writer::default();
        w.raw("URL", "https://ocw.mit.edu/a\r\nBEGIN:VEVENT\r\nUID:evil");
        let out = w.finish();
        assert_eq!(
            lines(&out),
            ["URL:https://ocw.mit.edu/aBEGIN:VEVENTUID:evil"]
        );
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
