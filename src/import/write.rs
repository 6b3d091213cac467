//! A [`Draft`] written as a schedule file (docs/schedule-format.md), with
//! the importer's assumptions as YAML comments next to each item.

use super::draft::{Draft, DraftItem, Live};
use super::options::ImportOptions;
use super::text::{name, one_line, quoted, text};
use crate::schedule::validate::{MAX_NAME_CHARS, MAX_TEXT_CHARS};
use std::fmt::Write as _;

fn comment(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        format!("  # {}", one_line(&notes.join("; ")))
    }
}

/// Ids must be unique in a course. A source's own ids (OLX `url_name`, a
/// calendar UID) are written as they are; other ids derive from names,
/// and a name seen again ("Quiz" in every unit, weekly "Office hours")
/// gets an explicit `id:` with a counter, so the file compiles and
/// re-imports stay stable. A name with no letter or digit ("!!!") derives
/// no id: it gets an explicit `item-N`, noted.
struct Ids(super::draft::Ids);

impl Ids {
    fn new(d: &Draft) -> Self {
        let units = d
            .units
            .iter()
            .flat_map(|u| std::iter::once(&u.release).chain(&u.assignments));
        let explicit = units
            .chain(&d.milestones)
            .filter_map(|i| i.id.as_ref())
            .chain(d.live.iter().filter_map(|l| l.id.as_ref()));
        let mut ids = super::draft::Ids::default();
        for id in explicit {
            ids.insert(id);
        }
        Ids(ids)
    }

    /// The `id:` to write for an item, if any.
    fn id(
        &mut self,
        name: &str,
        explicit: Option<&String>,
        notes: &mut Vec<String>,
    ) -> Option<String> {
        if let Some(id) = explicit {
            return Some(id.clone());
        }
        let base = crate::model::ids::derived_id(name);
        if base.is_empty() {
            let id = self.0.claim("item");
            notes.push(format!("no letter or digit in the name: id `{id}` given"));
            return Some(id);
        }
        if self.0.insert(&base) {
            return None;
        }
        Some(self.0.claim(&base))
    }
}

fn item(out: &mut String, ids: &mut Ids, indent: &str, key: &str, it: &DraftItem) {
    let mut notes = it.notes.clone();
    let name = name(&it.name, &mut notes);
    let description = it
        .description
        .as_ref()
        .map(|d| text(d, MAX_TEXT_CHARS, true, "description", &mut notes));
    let id = ids.id(&name, it.id.as_ref(), &mut notes);
    let _ = writeln!(out, "{indent}- name: {}", quoted(&name));
    if let Some(id) = id {
        let _ = writeln!(out, "{indent}  id: {}", quoted(&id));
    }
    let when = match &it.at {
        Some(at) => at.text(),
        None => it.date.format("%Y-%m-%d").to_string(),
    };
    let _ = writeln!(out, "{indent}  {key}: {when}{}", comment(&notes));
    if it.cancelled {
        let _ = writeln!(out, "{indent}  status: cancelled");
    }
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "{indent}  description: {}", quoted(&d));
    }
}

fn live(out: &mut String, ids: &mut Ids, l: &Live) {
    let mut notes = l.notes.clone();
    let name = name(&l.name, &mut notes);
    let location = l
        .location
        .as_ref()
        .map(|d| text(d, MAX_NAME_CHARS, false, "location", &mut notes));
    let description = l
        .description
        .as_ref()
        .map(|d| text(d, MAX_TEXT_CHARS, true, "description", &mut notes));
    let id = ids.id(&name, l.id.as_ref(), &mut notes);
    let _ = writeln!(out, "  - name: {}", quoted(&name));
    if let Some(id) = id {
        let _ = writeln!(out, "    id: {}", quoted(&id));
    }
    let _ = writeln!(out, "    start: {}{}", l.start.text(), comment(&notes));
    if let Some(m) = l.duration_minutes {
        let _ = writeln!(out, "    duration: {m}m");
    }
    if l.cancelled {
        out.push_str("    status: cancelled\n");
    }
    if let Some(loc) = location.filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "    location: {}", quoted(&loc));
    }
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "    description: {}", quoted(&d));
    }
}

/// The schedule file for `d`.
pub(super) fn yaml(d: &Draft, o: &ImportOptions) -> String {
    let mut out = String::new();
    let mut ids = Ids::new(d);
    let _ = writeln!(
        out,
        "# Imported by `coursecal import` from {} — check every date before publishing.",
        one_line(&o.source)
    );
    out.push_str("course:\n");
    // (value, notes) of a course text field, cleaned like item text.
    let field = |v: &Option<String>, max: usize, lines: bool, what: &str, first: Option<&str>| {
        let mut notes: Vec<String> = first.map(str::to_owned).into_iter().collect();
        v.as_ref()
            .map(|v| text(v, max, lines, what, &mut notes))
            .filter(|v| !v.is_empty())
            .map(|v| (v, notes))
    };
    let title = field(&d.title, MAX_NAME_CHARS, false, "title", None).or_else(|| {
        let guess = "the page's heading, or its first line that is not navigation: check it";
        field(&d.heading, MAX_NAME_CHARS, false, "title", Some(guess))
    });
    if let Some(m) = &o.metadata {
        let _ = writeln!(out, "  metadata: {}", quoted(m));
    } else if let Some((title, notes)) = title {
        let _ = writeln!(out, "  title: {}{}", quoted(&title), comment(&notes));
    } else {
        out.push_str("  title: \"Imported course\"  # no title in the source: set one\n");
    }
    if o.metadata.is_none() {
        if let Some((n, notes)) = field(&d.number, MAX_NAME_CHARS, false, "number", None) {
            let _ = writeln!(out, "  number: {}{}", quoted(&n), comment(&notes));
        }
        if let Some((desc, notes)) =
            field(&d.description, MAX_TEXT_CHARS, true, "description", None)
        {
            let _ = writeln!(out, "  description: {}{}", quoted(&desc), comment(&notes));
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
    fn comments_stay_one_line_of_printable_characters() {
        let notes = vec!["a\0b\nc\r\u{7f}\u{85}\u{fffe}\té".to_owned()];
        let c = comment(&notes);
        assert_eq!(c, "  # a\\u{0}b\\nc\\r\\u{7f}\\u{85}\\u{fffe}\té");
        let yaml = format!("k: v{c}\n");
        assert!(
            serde_saphyr::from_str::<std::collections::BTreeMap<String, String>>(&yaml).is_ok()
        );
    }

    #[test]
    fn yaml_strings_keep_every_character() {
        assert_eq!(
            quoted("A \"b\" \\ c\u{1b}"),
            "\"A \\\"b\\\" \\\\ c\\u001B\""
        );
    }
}
