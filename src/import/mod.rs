//! `coursecal import`: a schedule file, for review, from the dates a course
//! team already wrote — a course page as plain text or HTML. A layer beside
//! `schedule` (uses `schedule` to check what it wrote, and `model`).
//!
//! Ids are not written: they derive from names, so re-importing an edited
//! page keeps the ids (and feed UIDs) of every item whose name did not
//! change. Assumptions become YAML comments next to the item; lines with
//! something date-like that became no item are returned as [`Unread`].

mod dates;
mod html;
mod page;
mod sheet;

pub use page::Unread;

use page::{Draft, Item, Start};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `metadata:` to write (a path relative to the schedule file).
    pub metadata: Option<String>,
    /// The course's zone: naive times are read in it, and it is written
    /// as `timezone:` (default UTC).
    pub timezone: Option<chrono_tz::Tz>,
    /// Where the page came from, for the header comment.
    pub source: String,
}

/// A page read into a schedule.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The schedule, YAML per docs/schedule-format.md.
    pub yaml: String,
    /// Dated items found.
    pub items: usize,
    /// Date-like lines that became no item (the import is partial).
    pub unread: Vec<Unread>,
}

/// Read `page` (plain text, or HTML when it looks like HTML) into a
/// schedule. Never fails: what cannot be read is in [`Imported::unread`].
pub fn import_page(page: &str, options: &ImportOptions) -> Imported {
    let text = if html::is_html(page) {
        html::to_text(page)
    } else {
        page.to_owned()
    };
    finish(page::read(&text, options.timezone.is_some()), options)
}

/// Read a spreadsheet (CSV, as Excel or Google Sheets export it) into a
/// schedule; see the `sheet` module for the columns it understands.
pub fn import_sheet(csv: &str, options: &ImportOptions) -> Imported {
    finish(sheet::read(csv, options.timezone), options)
}

fn finish(draft: Draft, options: &ImportOptions) -> Imported {
    let items = draft
        .units
        .iter()
        .map(|u| 1 + u.assignments.len())
        .sum::<usize>()
        + draft.live.len()
        + draft.milestones.len();
    Imported {
        yaml: write_yaml(&draft, options),
        items,
        unread: draft.unread,
    }
}

/// A YAML double-quoted string: every character kept, escapes for `"`,
/// `\` and control characters.
fn quoted(s: &str) -> String {
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

/// Ids must be unique in a course, and derive from names: a name seen
/// again ("Quiz" in every unit, weekly "Office hours") gets an explicit
/// `id:` with a counter, so the file compiles and re-imports stay stable.
#[derive(Default)]
struct Ids(std::collections::HashMap<String, usize>);

impl Ids {
    fn explicit(&mut self, name: &str) -> Option<String> {
        let base = crate::model::ids::derived_id(name);
        let n = self.0.entry(base.clone()).or_insert(0);
        *n += 1;
        (*n > 1 && !base.is_empty()).then(|| format!("{base}-{n}"))
    }
}

fn item(out: &mut String, ids: &mut Ids, indent: &str, key: &str, it: &Item) {
    out.push_str(&format!("{indent}- name: {}\n", quoted(&it.name)));
    if let Some(id) = ids.explicit(&it.name) {
        out.push_str(&format!("{indent}  id: {}\n", quoted(&id)));
    }
    out.push_str(&format!(
        "{indent}  {key}: {}{}\n",
        it.date.format("%Y-%m-%d"),
        comment(&it.notes)
    ));
    if let Some(d) = &it.description {
        out.push_str(&format!("{indent}  description: {}\n", quoted(d)));
    }
}

fn write_yaml(d: &Draft, o: &ImportOptions) -> String {
    let mut out = String::new();
    let mut ids = Ids::default();
    out.push_str(&format!(
        "# Imported by `coursecal import` from {} — check every date before publishing.\n",
        o.source.replace(['\n', '\r'], " ")
    ));
    out.push_str("course:\n");
    match &o.metadata {
        Some(m) => out.push_str(&format!("  metadata: {}\n", quoted(m))),
        None => match &d.heading {
            Some(title) => out.push_str(&format!(
                "  title: {}  # the first line of the page: check it\n",
                quoted(title)
            )),
            None => {
                out.push_str("  title: \"Imported course\"  # no title in the source: set one\n")
            }
        },
    }
    let zone = o.timezone.map_or("UTC", |z| z.name());
    out.push_str(&format!("  timezone: {zone}\n"));
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
            out.push_str(&format!("  - name: {}\n", quoted(&l.name)));
            if let Some(id) = ids.explicit(&l.name) {
                out.push_str(&format!("    id: {}\n", quoted(&id)));
            }
            let start = match &l.start {
                Start::Instant(t) => page::instant_text(t),
                Start::Wall(t) => t.format("%Y-%m-%dT%H:%M").to_string(),
            };
            out.push_str(&format!("    start: {start}{}\n", comment(&l.notes)));
            if let Some(m) = l.duration_minutes {
                out.push_str(&format!("    duration: {m}m\n"));
            }
            if let Some(d) = &l.description {
                out.push_str(&format!("    description: {}\n", quoted(d)));
            }
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
