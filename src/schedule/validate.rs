//! Shape checking: the located YAML tree → [`Schedule`], collecting every
//! problem of the file (unknown keys with the closest valid one, wrong types,
//! missing keys, unparsable values) instead of stopping at the first.

use super::diagnostic::Diagnostic;
use super::node::{Node, Value};
use super::source::SourceFile;
use super::written::{
    Assignment, CourseBlock, EventEnd, ItemKeys, LiveEvent, Located, Milestone, Schedule, Unit,
};
use crate::model::suggest::closest;
use crate::schedule::time::{TimeValue, parse_duration, parse_time_value};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Longest accepted `name` (characters); calendar clients cut far earlier.
pub const MAX_NAME_CHARS: usize = 500;
/// Longest accepted description or other text (characters).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Most dated items in one course.
pub const MAX_ITEMS: usize = 20_000;

const TOP_KEYS: &[&str] = &["course", "units", "live_events", "milestones"];
const COURSE_KEYS: &[&str] = &[
    "title",
    "number",
    "url",
    "description",
    "timezone",
    "updated",
    "metadata",
];
const UNIT_KEYS: &[&str] = &[
    "name",
    "release",
    "id",
    "description",
    "url",
    "status",
    "assignments",
];
const ASSIGNMENT_KEYS: &[&str] = &["name", "due", "id", "description", "url", "status"];
const LIVE_KEYS: &[&str] = &[
    "name",
    "start",
    "duration",
    "end",
    "id",
    "description",
    "url",
    "location",
    "status",
];
const MILESTONE_KEYS: &[&str] = &["name", "date", "id", "description", "url", "status"];

/// Keys met so far in one mapping, with the line of their first occurrence.
enum Seen<'n> {
    Few(Vec<(&'n str, u32)>),
    Many(HashMap<&'n str, u32>),
}

impl<'n> Seen<'n> {
    /// Mappings with more keys than this are hashed.
    const FEW: usize = 16;

    fn new(keys: usize) -> Self {
        if keys <= Self::FEW {
            Seen::Few(Vec::with_capacity(keys))
        } else {
            Seen::Many(HashMap::with_capacity(keys))
        }
    }

    fn get(&self, name: &str) -> Option<&u32> {
        match self {
            Seen::Few(list) => list.iter().find(|(k, _)| *k == name).map(|(_, l)| l),
            Seen::Many(map) => map.get(name),
        }
    }

    fn insert(&mut self, name: &'n str, line: u32) {
        match self {
            Seen::Few(list) => list.push((name, line)),
            Seen::Many(map) => {
                map.insert(name, line);
            }
        }
    }
}

/// Collects diagnostics while walking one file.
pub struct Checker<'a> {
    pub src: &'a SourceFile,
    pub diags: Vec<Diagnostic>,
    items: usize,
}

/// The entries of one mapping, after unknown and duplicate keys were reported.
struct Fields<'n> {
    node: &'n Node<'n>,
    what: &'static str,
    entries: Vec<(&'n str, &'n Node<'n>, &'n Node<'n>)>,
    /// Valid keys suggested for misspelt ones: not reported again as missing.
    suggested: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node<'n>> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    fn key(&self, key: &str) -> Option<&'n Node<'n>> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, k, _)| *k)
    }
}

fn key_text<'n>(node: &'n Node<'_>) -> Option<&'n str> {
    match &node.value {
        Value::Str(s) => Some(&**s),
        Value::Other { raw, .. } => Some(*raw),
        _ => None,
    }
}

/// A bare `90` is most likely minutes (`90h` would be a four-day event);
/// a single digit more likely hours.
fn bare_number_help(n: u64) -> Option<String> {
    match n {
        0 => None,
        1..=9 => Some(format!(
            "add a unit: `{n}h` for {n} hour{} or `{n}m` for {n} minutes",
            if n == 1 { "" } else { "s" }
        )),
        _ if n < 60 => Some(format!("add a unit: `{n}m` for {n} minutes")),
        _ if n.is_multiple_of(60) => Some(format!(
            "add a unit: `{n}m` for {n} minutes (or `{}h`)",
            n / 60
        )),
        _ => Some(format!(
            "add a unit: `{n}m` for {n} minutes (or `{}h{}m`)",
            n / 60,
            n % 60
        )),
    }
}

/// What is wrong with a (trimmed, non-empty) text value, as (message, label):
/// too long, or a control character (only multi-line text may hold line
/// feeds and tabs). The rule for every text coursecal publishes, schedule or
/// metadata.
pub fn text_problem(s: &str, max: usize, multiline: bool) -> Option<(String, String)> {
    // Bytes first: no more bytes than the limit means no more characters,
    // and every control character has a byte below 0x20, DEL or (U+0080..
    // U+009F) the lead byte 0xC2. Most text passes on these alone.
    if s.len() > max {
        let count = s.chars().count();
        if count > max {
            return Some((
                format!("text is too long: {count} characters, the limit is {max}"),
                format!("expected at most {max} characters"),
            ));
        }
    }
    if !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
        return None;
    }
    let c = s
        .chars()
        .find(|&c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))?;
    let what = if c == '\n' || c == '\r' {
        "a line break (only descriptions may span lines)".to_owned()
    } else {
        format!("the control character U+{:04X}", c as u32)
    };
    Some((
        format!("text contains {what}"),
        "expected printable text".to_owned(),
    ))
}

fn one_of(keys: &[&str]) -> String {
    let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    format!("expected one of {}", list.join(", "))
}

impl<'a> Checker<'a> {
    pub fn new(src: &'a SourceFile) -> Self {
        Checker {
            src,
            diags: Vec::new(),
            items: 0,
        }
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn expected(&mut self, node: &Node<'_>, what: &str) {
        let d = self
            .src
            .error(
                node.pos,
                format!("expected {what}, found {}", node.describe()),
            )
            .label(format!("expected {what}"));
        self.err(d);
    }

    fn fields<'n>(
        &mut self,
        node: &'n Node<'n>,
        what: &'static str,
        allowed: &[&'static str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.expected(node, &format!("a mapping of keys for {what}"));
            return None;
        };
        let mut out: Vec<(&'n str, &'n Node<'n>, &'n Node<'n>)> = Vec::with_capacity(entries.len());
        // Line of each key's first occurrence; a map, as hostile files can
        // hold hundreds of thousands of keys (the usual handful of keys are
        // looked up in a list: no hashing).
        let mut seen = Seen::new(entries.len());
        let mut suggested = Vec::new();
        for (k, v) in entries {
            let Some(name) = key_text(k) else {
                self.expected(k, "a key name");
                continue;
            };
            // The parser passes duplicates through so both lines can be named.
            if let Some(first) = seen.get(name) {
                let d = self
                    .src
                    .error(
                        k.pos,
                        format!("duplicate key `{name}` (first on line {first})"),
                    )
                    .label(format!("`{name}` is already set in {what}"))
                    .help("remove one of them");
                self.err(d);
                continue;
            }
            seen.insert(name, k.pos.line);
            if allowed.contains(&name) {
                out.push((name, k, v));
            } else {
                let mut d = self
                    .src
                    .error(k.pos, format!("unknown key `{name}` in {what}"))
                    .label(one_of(allowed));
                if let Some(c) = closest(name, allowed.iter().copied()) {
                    d = d.help(format!("did you mean `{c}`?"));
                    suggested.push(c);
                }
                self.err(d);
            }
        }
        Some(Fields {
            node,
            what,
            entries: out,
            suggested,
        })
    }

    fn required<'n>(&mut self, f: &Fields<'n>, key: &str) -> Option<&'n Node<'n>> {
        let v = f.get(key);
        // A misspelt `relase:` already says "did you mean `release`?";
        // "missing `release`" on top would be the same mistake twice.
        if v.is_none() && !f.suggested.contains(&key) {
            let d = self
                .src
                .error(
                    f.node.pos,
                    format!("missing required key `{key}` in {}", f.what),
                )
                .label(format!("this needs a `{key}:` entry"));
            self.err(d);
        }
        v
    }

    /// Text value: strings, or integers spelled as written. Trimmed.
    fn text(&mut self, node: &Node<'_>, max: usize, multiline: bool) -> Option<String> {
        let s = match &node.value {
            Value::Str(s) => s.trim().to_owned(),
            Value::Other {
                kind: super::node::ScalarKind::Int,
                raw,
            } => (*raw).to_owned(),
            Value::Other { raw, .. } => {
                let d = self
                    .src
                    .error(
                        node.pos,
                        format!("expected text, found {}", node.describe()),
                    )
                    .label("expected text")
                    .help(format!("put it in quotes to keep it as written: \"{raw}\""));
                self.err(d);
                return None;
            }
            _ => {
                self.expected(node, "text");
                return None;
            }
        };
        if s.is_empty() {
            let d = self
                .src
                .error(node.pos, "expected text, found an empty value")
                .label("expected non-empty text");
            self.err(d);
            return None;
        }
        if let Some((message, label)) = text_problem(&s, max, multiline) {
            let d = self.src.error(node.pos, message).label(label);
            self.err(d);
            return None;
        }
        Some(s)
    }

    fn opt_text(&mut self, f: &Fields, key: &str, max: usize, multiline: bool) -> Option<String> {
        f.get(key).and_then(|n| self.text(n, max, multiline))
    }

    fn url(&mut self, node: &Node<'_>) -> Option<String> {
        let s = self.text(node, 2_000, false)?;
        let ok = (s.starts_with("https://") || s.starts_with("http://"))
            && s.len() > 8
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>');
        if !ok {
            let d = self
                .src
                .error(node.pos, format!("invalid URL `{s}`"))
                .label("expected an absolute http:// or https:// URL without spaces");
            self.err(d);
            return None;
        }
        Some(s)
    }

    fn opt_url(&mut self, f: &Fields, key: &str) -> Option<String> {
        f.get(key).and_then(|n| self.url(n))
    }

    fn time(&mut self, node: &Node<'_>) -> Option<Located<TimeValue>> {
        let Value::Str(s) = &node.value else {
            self.expected(
                node,
                "a date `YYYY-MM-DD` or a date-time `YYYY-MM-DDTHH:MM`",
            );
            return None;
        };
        match parse_time_value(s) {
            Ok(value) => Some(Located {
                value,
                pos: node.pos,
            }),
            Err(msg) => {
                let d = self
                    .src
                    .error(node.pos, format!("invalid time value `{}`", s.trim()))
                    .label(msg);
                self.err(d);
                None
            }
        }
    }

    fn id(&mut self, node: &Node<'_>) -> Option<Located<String>> {
        let s = self.text(node, crate::model::ids::MAX_ID_BYTES, false)?;
        let valid = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid {
            let mut d = self.src.error(node.pos, format!("invalid id `{s}`")).label(
                "expected lowercase letters, digits, `-` and `.`, starting with a letter or digit",
            );
            if let Some(suggestion) = crate::model::ids::suggest_id(&s) {
                d = d.help(format!("try `{suggestion}`"));
            }
            self.err(d);
            return None;
        }
        Some(Located {
            value: s,
            pos: node.pos,
        })
    }

    fn status(&mut self, node: &Node<'_>) -> Option<bool> {
        const STATUSES: &[&str] = &["cancelled", "confirmed"];
        let s = self.text(node, 50, false)?;
        match s.as_str() {
            "cancelled" => Some(true),
            "confirmed" => Some(false),
            other => {
                let mut d = self
                    .src
                    .error(node.pos, format!("unknown status `{other}`"))
                    .label(one_of(STATUSES));
                if let Some(c) = closest(other, STATUSES.iter().copied()) {
                    d = d.help(format!("did you mean `{c}`?"));
                }
                self.err(d);
                None
            }
        }
    }

    fn list<'n>(&mut self, node: &'n Node<'n>, what: &str) -> &'n [Node<'n>] {
        match &node.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            _ => {
                self.expected(node, &format!("a list of {what}"));
                &[]
            }
        }
    }

    /// Keys shared by all items; `None` when a required one is unusable.
    fn item(&mut self, f: &Fields) -> Option<ItemKeys> {
        self.items += 1;
        if self.items == MAX_ITEMS + 1 {
            let d = self.src.error(
                f.node.pos,
                format!("too many dated items: a course may hold at most {MAX_ITEMS}"),
            );
            self.err(d);
        }
        let name_node = self.required(f, "name");
        let name = name_node.and_then(|n| {
            self.text(n, MAX_NAME_CHARS, false)
                .map(|value| Located { value, pos: n.pos })
        });
        let id = f.get("id").and_then(|n| self.id(n));
        let description = self.opt_text(f, "description", MAX_TEXT_CHARS, true);
        let url = self.opt_url(f, "url");
        let cancelled = f
            .get("status")
            .and_then(|n| self.status(n))
            .unwrap_or(false);
        Some(ItemKeys {
            name: name?,
            id,
            description,
            url,
            cancelled,
        })
    }

    fn course_block(&mut self, key: &Node<'_>, node: &Node<'_>) -> CourseBlock {
        let Some(f) = self.fields(node, "the `course` block", COURSE_KEYS) else {
            return CourseBlock::default();
        };
        CourseBlock {
            pos: key.pos,
            title: self.opt_text(&f, "title", MAX_NAME_CHARS, false),
            number: self.opt_text(&f, "number", 100, false),
            url: self.opt_url(&f, "url"),
            description: self.opt_text(&f, "description", MAX_TEXT_CHARS, true),
            timezone: f.get("timezone").and_then(|n| self.timezone(n)),
            updated: f.get("updated").and_then(|n| self.updated(n)),
            metadata: f.get("metadata").and_then(|n| {
                self.text(n, 1_000, false)
                    .map(|value| Located { value, pos: n.pos })
            }),
        }
    }

    fn timezone(&mut self, node: &Node<'_>) -> Option<Tz> {
        let s = self.text(node, 100, false)?;
        match s.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                let mut d = self
                    .src
                    .error(node.pos, format!("unknown time zone `{s}`"))
                    .label("expected an IANA time zone name such as `Europe/Berlin` or `UTC`");
                if let Some(c) = crate::model::closest_zone(&s) {
                    d = d.help(format!("did you mean `{c}`?"));
                }
                self.err(d);
                None
            }
        }
    }

    fn updated(&mut self, node: &Node<'_>) -> Option<DateTime<Utc>> {
        let t = self.time(node)?;
        match t.value {
            TimeValue::Instant(i) => Some(i.with_timezone(&Utc)),
            _ => {
                let d = self
                    .src
                    .error(node.pos, "`updated` must be an instant")
                    .label(
                        "expected a date-time with `Z` or an offset, e.g. `2017-09-01T00:00:00Z`",
                    );
                self.err(d);
                None
            }
        }
    }

    fn unit(&mut self, node: &Node<'_>) -> Option<Unit> {
        let f = self.fields(node, "a unit", UNIT_KEYS)?;
        let item = self.item(&f);
        let release = self.required(&f, "release").and_then(|n| self.time(n));
        let assignments = f
            .get("assignments")
            .map(|n| {
                self.list(n, "assignments")
                    .iter()
                    .filter_map(|a| self.assignment(a))
                    .collect()
            })
            .unwrap_or_default();
        Some(Unit {
            item: item?,
            release: release?,
            assignments,
        })
    }

    fn assignment(&mut self, node: &Node<'_>) -> Option<Assignment> {
        let f = self.fields(node, "an assignment", ASSIGNMENT_KEYS)?;
        let item = self.item(&f);
        let due = self.required(&f, "due").and_then(|n| self.time(n));
        Some(Assignment {
            item: item?,
            due: due?,
        })
    }

    fn live_event(&mut self, node: &Node<'_>) -> Option<LiveEvent> {
        let f = self.fields(node, "a live event", LIVE_KEYS)?;
        let item = self.item(&f);
        let start = self.required(&f, "start").and_then(|n| self.time(n));
        if let Some(s) = &start
            && matches!(s.value, TimeValue::Date(_))
        {
            let d = self
                .src
                .error(s.pos, "a live event needs a start time, not just a date")
                .label("expected a date-time such as `2017-09-29T18:00:00Z`");
            self.err(d);
        }
        let end = match (f.get("duration"), f.get("end")) {
            (Some(dn), Some(en)) => {
                let d = self
                    .src
                    .error(en.pos, "a live event takes `duration` or `end`, not both")
                    .label("remove this or the `duration`")
                    .help(format!("`duration` is on line {}", dn.pos.line));
                self.err(d);
                None
            }
            (Some(n), None) => self.duration(n).map(EventEnd::Duration),
            (None, Some(n)) => self.time(n).and_then(|t| {
                if matches!(t.value, TimeValue::Date(_)) {
                    let d = self
                        .src
                        .error(n.pos, "a live event's `end` must be a date-time")
                        .label("expected a date-time such as `2017-09-29T19:00:00Z`");
                    self.err(d);
                    None
                } else {
                    Some(EventEnd::End(t))
                }
            }),
            (None, None) => Some(EventEnd::Default),
        };
        let location = self.opt_text(&f, "location", MAX_NAME_CHARS, false);
        let start = start.filter(|s| !matches!(s.value, TimeValue::Date(_)));
        Some(LiveEvent {
            item: item?,
            start: start?,
            end: end?,
            location,
        })
    }

    fn duration(&mut self, node: &Node<'_>) -> Option<Located<chrono::Duration>> {
        let raw = match &node.value {
            Value::Str(s) => s.to_string(),
            Value::Other { raw, .. } => (*raw).to_owned(),
            _ => {
                self.expected(node, "a duration such as `1h` or `90m`");
                return None;
            }
        };
        match parse_duration(&raw) {
            Ok(value) => Some(Located {
                value,
                pos: node.pos,
            }),
            Err(msg) => {
                let mut d = self
                    .src
                    .error(node.pos, format!("invalid duration `{raw}`"))
                    .label(msg);
                if let Some(help) = raw.trim().parse::<u64>().ok().and_then(bare_number_help) {
                    d = d.help(help);
                }
                self.err(d);
                None
            }
        }
    }

    fn milestone(&mut self, node: &Node<'_>) -> Option<Milestone> {
        let f = self.fields(node, "a milestone", MILESTONE_KEYS)?;
        let item = self.item(&f);
        let date = self.required(&f, "date").and_then(|n| self.time(n));
        Some(Milestone {
            item: item?,
            date: date?,
        })
    }

    /// Check a whole document. `None` only when errors were recorded.
    pub fn schedule(&mut self, root: &Node<'_>) -> Schedule {
        let mut schedule = Schedule::default();
        if matches!(root.value, Value::Null) {
            let d = Diagnostic::error(&self.src.path, "the file is empty")
                .label("expected a `course:` block, then `units`, `live_events` or `milestones`");
            self.err(d);
            return schedule;
        }
        let Some(f) = self.fields(root, "a schedule file", TOP_KEYS) else {
            return schedule;
        };
        if let (Some(n), Some(k)) = (self.required(&f, "course"), f.key("course")) {
            schedule.course = self.course_block(k, n);
        }
        // Past the item limit the file is rejected anyway: stop walking
        // (a 100k-item file would otherwise be checked item by item).
        if let Some(n) = f.get("units") {
            for u in self.list(n, "units") {
                if self.items > MAX_ITEMS {
                    break;
                }
                schedule.units.extend(self.unit(u));
            }
        }
        if let Some(n) = f.get("live_events") {
            for u in self.list(n, "live events") {
                if self.items > MAX_ITEMS {
                    break;
                }
                schedule.live_events.extend(self.live_event(u));
            }
        }
        if let Some(n) = f.get("milestones") {
            for u in self.list(n, "milestones") {
                if self.items > MAX_ITEMS {
                    break;
                }
                schedule.milestones.extend(self.milestone(u));
            }
        }
        schedule
    }
}

#[cfg(test)]
mod tests {
    use super::bare_number_help;
    use crate::model::closest_zone;

    #[test]
    fn zone_suggestions_prefer_canonical_names() {
        assert_eq!(closest_zone("Eastern"), Some("America/New_York"));
        assert_eq!(
            closest_zone("Pacific Standard Time"),
            Some("America/Los_Angeles")
        );
        assert_eq!(closest_zone("europe/berlin"), Some("Europe/Berlin"));
        assert_eq!(closest_zone("Europe/Berln"), Some("Europe/Berlin"));
        assert_eq!(closest_zone("Amercia/Chicago"), Some("America/Chicago"));
        assert_eq!(closest_zone("Sao_Paulo"), Some("America/Sao_Paulo"));
    }

    #[test]
    fn bare_numbers_read_as_minutes() {
        assert_eq!(
            bare_number_help(90).as_deref(),
            Some("add a unit: `90m` for 90 minutes (or `1h30m`)")
        );
        assert_eq!(
            bare_number_help(120).as_deref(),
            Some("add a unit: `120m` for 120 minutes (or `2h`)")
        );
        assert_eq!(bare_number_help(0), None);
    }
}
