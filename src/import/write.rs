//! A [`Draft`] written as a schedule file (docs/schedule-format.md), with
//! the importer's assumptions as YAML comments next to each item.

use super::draft::{Draft, Item, Live};
use super::options::ImportOptions;
use std::collections::HashSet;
use std::fmt::Write as _;

/// A YAML double-quoted string: every character kept, escapes for `"`,
/// `\` and control characters.
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn comment(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        // A comment is one line: no newline may end it early.
        format!("  # {}", notes.join("; ").replace(['\n', '\r'], " "))
    }
}

/// Ids must be unique in a course. A source's own ids (OLX `url_name`, a
/// calendar UID) are written as they are; other ids derive from names,
/// and a name seen again ("Quiz" in every unit, weekly "Office hours")
/// gets an explicit `id:` with a counter, so the file compiles and
/// re-imports stay stable.
struct Ids(HashSet<String>);

impl Ids {
    fn new(d: &Draft) -> Self {
        let units = d
            .units
            .iter()
            .flat_map(|u| std::iter::once(&u.release).chain(&u.assignments));
        let explicit = units
            .chain(&d.milestones)
            .filter_map(|i| i.id.clone())
            .chain(d.live.iter().filter_map(|l| l.id.clone()));
        Ids(explicit.collect())
    }

    /// The `id:` to write for an item, if any.
    fn id(&mut self, name: &str, explicit: Option<&String>) -> Option<String> {
        if let Some(id) = explicit {
            return Some(id.clone());
        }
        let base = crate::model::ids::derived_id(name);
        if base.is_empty() || self.0.insert(base.clone()) {
            return None;
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| self.0.insert(id.clone()))
    }
}

fn item(out: &mut String, ids: &mut Ids, indent: &str, key: &str, it: &Item) {
    let _ = writeln!(out, "{indent}- name: {}", quoted(&it.name));
    if let Some(id) = ids.id(&it.name, it.id.as_ref()) {
        let _ = writeln!(out, "{indent}  id: {}", quoted(&id));
    }
    let when = match &it.at {
        Some(at) => at.text(),
        None => it.date.format("%Y-%m-%d").to_string(),
    };
    let _ = writeln!(out, "{indent}  {key}: {when}{}", comment(&it.notes));
    if it.cancelled {
        let _ = writeln!(out, "{indent}  status: cancelled");
    }
    if let Some(d) = &it.description {
        let _ = writeln!(out, "{indent}  description: {}", quoted(d));
    }
}

fn live(out: &mut String, ids: &mut Ids, l: &Live) {
    let _ = writeln!(out, "  - name: {}", quoted(&l.name));
    if let Some(id) = ids.id(&l.name, l.id.as_ref()) {
        let _ = writeln!(out, "    id: {}", quoted(&id));
    }
    let _ = writeln!(out, "    start: {}{}", l.start.text(), comment(&l.notes));
    if let Some(m) = l.duration_minutes {
        let _ = writeln!(out, "    duration: {m}m");
    }
    if l.cancelled {
        out.push_str("    status: cancelled\n");
    }
    if let Some(loc) = &l.location {
        let _ = writeln!(out, "    location: {}", quoted(loc));
    }
    if let Some(d) = &l.description {
        let _ = writeln!(out, "    description: {}", quoted(d));
    }
}

/// The schedule file for `d`.
pub(super) fn yaml(d: &Draft, o: &ImportOptions) -> String {
    let mut out = String::new();
    let mut ids = Ids::new(d);
    let _ = writeln!(
        out,
        "# Imported by `coursecal import` from {} — check every date before publishing.",
        o.source.replace(['\n', '\r'], " ")
    );
    out.push_str("course:\n");
    if let Some(m) = &o.metadata {
        let _ = writeln!(out, "  metadata: {}", quoted(m));
    } else if let Some(title) = &d.title {
        let _ = writeln!(out, "  title: {}", quoted(title));
    } else if let Some(title) = &d.heading {
        let _ = writeln!(
            out,
            "  title: {}  # the first line of the page: check it",
            quoted(title)
        );
    } else {
        out.push_str("  title: \"Imported course\"  # no title in the source: set one\n");
    }
    if o.metadata.is_none() {
        if let Some(n) = &d.number {
            let _ = writeln!(out, "  number: {}", quoted(n));
        }
        if let Some(desc) = &d.description {
            let _ = writeln!(out, "  description: {}", quoted(desc));
        }
    }
    let zone = o.timezone.or(d.timezone).map_or("UTC", |z| z.name());
    let _ = writeln!(out, "  timezone: {zone}");
    if !d.units.is_empty() {
        out.push_str("\nunits:\n");
        for u in &d.units {
            item(&mut out, &mut ids, "  ", "release", &u.release);
            if !u.assignments.is_empty() {
                out.push_str("    assignments:\n");
                for a in &u.assignments {
                    item(&mut out, &mut ids, "      ", "due", a);
                }
            }
        }
    }
    if !d.live.is_empty() {
        out.push_str("\nlive_events:\n");
        for l in &d.live {
            live(&mut out, &mut ids, l);
        }
    }
    if !d.milestones.is_empty() {
        out.push_str("\nmilestones:\n");
        for m in &d.milestones {
            item(&mut out, &mut ids, "  ", "date", m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_strings_keep_every_character() {
        assert_eq!(
            quoted("A \"b\" \\ c\u{1b}"),
            "\"A \\\"b\\\" \\\\ c\\u001B\""
        );
    }
}
