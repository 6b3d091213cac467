//! Open edX course exports (OLX): the export directory (with `course.xml`)
//! or Studio's `.tar.gz` of it (`archive.rs`).
//!
//! Only chapter and sequential dates count. `course.xml` points to
//! `course/<run>.xml`; chapters and sequentials are inline or pointer
//! tags (`<chapter url_name="x"/>` → `chapter/x.xml`). `start`, `due` and
//! `visible_to_staff_only` are attributes of a block's XML or entries of
//! `policies/<run>/policy.json` (keyed `chapter/<url_name>`); the policy
//! wins, as it does when Open edX imports. A block without `start` has its
//! parent's. Each chapter is a unit released at its start; each sequential
//! with a `due` an assignment under its chapter's unit (or under a unit of
//! its own when it starts later than its chapter); the course's start and
//! end are milestones. Staff-only blocks and placeholder dates are skipped
//! and reported. Ids come from `url_name` (display names collide).
//!
//! Nothing below a sequential is read (verticals, problems: a missing one
//! is fine), so pointers are followed two levels deep at most and cannot
//! loop.

pub(crate) mod archive;
mod policy;
mod value;

use super::draft::{Draft, DraftItem, DraftUnit, Start, Unread};
use archive::{ArchiveError, Entry};
use policy::{LineIndex, Policy};
use roxmltree::{Document, Node};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use value::DateField;

/// Chapters and sequentials read at most (a real course has a few dozen).
const MAX_BLOCKS: usize = 10_000;
/// XML nodes in one file at most.
const MAX_NODES: u32 = 1_000_000;
/// The longest id written (the schedule format allows 100 characters;
/// room is left for a kind prefix).
const MAX_ID: usize = 80;

/// Where the export's files are.
#[derive(Debug)]
pub(crate) enum Export {
    /// An export directory: regular files inside it, no links followed.
    Dir(PathBuf),
    /// An archive's files, read into memory by `archive::unpack`.
    Files(BTreeMap<String, Entry>),
}

/// Why an export could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OlxError {
    /// The archive itself.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A file the whole course hangs on (`course.xml`, the course file).
    #[error("{file}: {why}")]
    File {
        /// Path inside the export.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// Not XML, or not a course.
    #[error("{file}:{line}: {why}")]
    Xml {
        /// Path inside the export.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        why: String,
    },
}

impl Export {
    /// The text of `rel` (a path inside the export): `Ok(None)` when there
    /// is no such file.
    fn read(&self, rel: &str) -> Result<Option<String>, String> {
        let bytes = match self {
            Export::Files(files) => match files.get(rel) {
                None => return Ok(None),
                Some(Err(why)) => return Err(why.clone()),
                Some(Ok(b)) => b.clone(),
            },
            Export::Dir(root) => {
                // No component may be a link: nothing outside the export
                // is read.
                let mut path = root.clone();
                for part in rel.split('/') {
                    path.push(part);
                    match std::fs::symlink_metadata(&path) {
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                        Err(e) => return Err(e.to_string()),
                        Ok(m) if m.file_type().is_symlink() => {
                            return Err("a symbolic link: not followed".to_owned());
                        }
                        Ok(_) => {}
                    }
                }
                crate::schedule::read::read_bytes(
                    &path,
                    crate::schedule::read::MAX_FILE_BYTES,
                    true,
                )
                .map_err(|e| e.to_string())?
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
        Ok(Some(
            text.strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text),
        ))
    }
}

/// The file a pointer names: `chapter/x.xml`; `None` when `url_name`
/// could leave the export or name no file (`:` is a folder, as in Open
/// edX).
fn pointer_file(tag: &str, url_name: &str) -> Option<String> {
    let ok = !url_name.is_empty()
        && url_name.len() <= 200
        && url_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
        && url_name
            .split(':')
            .all(|p| !p.is_empty() && p != "." && p != "..");
    ok.then(|| format!("{tag}/{}.xml", url_name.replace(':', "/")))
}

/// A pointer tag: no children and no attribute but the ones naming the
/// file (as Open edX decides).
fn is_pointer(node: Node, names: &[&str]) -> bool {
    node.has_attribute("url_name")
        && !node.children().any(|c| c.is_element())
        && node.attributes().all(|a| names.contains(&a.name()))
}

/// The line of byte `pos` of a document, counted once: for errors that
/// end the import (one per run). The walk uses [`Walk::line`].
fn line_of(node: Node, pos: usize) -> usize {
    node.document().text_pos_at(pos).row as usize
}

/// Whitespace collapsed.
fn collapsed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A date field and where it was written.
#[derive(Debug, Clone)]
struct Field {
    when: DateField,
    /// As written, for reports.
    raw: String,
    file: String,
    line: usize,
}

impl Field {
    fn unset() -> Self {
        Field {
            when: DateField::Unset,
            raw: String::new(),
            file: String::new(),
            line: 0,
        }
    }
}

/// What one chapter, sequential or course says about itself.
#[derive(Debug)]
struct Block {
    url_name: Option<String>,
    name: Option<String>,
    start: Field,
    due: Field,
    end: Field,
    /// Where `visible_to_staff_only` is true (file, line), if it is.
    staff_only: Option<(String, usize)>,
    self_paced: bool,
    line: usize,
}

/// An export read into a draft.
struct Walk<'e> {
    export: &'e Export,
    /// `policies/<run>/policy.json`: its path, text and entries.
    policy: Option<Policy>,
    draft: Draft,
    ids: super::draft::Ids,
    /// Line starts of each file read, by file (built on first use).
    lines: RefCell<HashMap<String, LineIndex>>,
    blocks: usize,
}

/// Read an export into a draft.
pub(crate) fn read(export: &Export) -> Result<Draft, OlxError> {
    let missing = |file: &str| OlxError::File {
        file: file.to_owned(),
        why: "missing: not an Open edX course export".to_owned(),
    };
    let unreadable = |file: &str| {
        let file = file.to_owned();
        move |why: String| OlxError::File { file, why }
    };
    let top = export
        .read("course.xml")
        .map_err(unreadable("course.xml"))?
        .ok_or_else(|| missing("course.xml"))?;
    let top_doc = parse(&top).map_err(|(line, why)| OlxError::Xml {
        file: "course.xml".to_owned(),
        line,
        why,
    })?;
    let root = top_doc.root_element();
    if root.tag_name().name() != "course" {
        return Err(OlxError::Xml {
            file: "course.xml".to_owned(),
            line: line_of(root, root.range().start),
            why: format!("<{}> where <course> was expected", root.tag_name().name()),
        });
    }
    let org = root.attribute("org").map(collapsed);
    let number = root.attribute("course").map(collapsed);
    let run = root.attribute("url_name").map(str::to_owned);
    let mut walk = Walk {
        export,
        policy: None,
        draft: Draft {
            number: match (org, number) {
                (Some(o), Some(n)) => Some(format!("{o}+{n}")),
                (o, n) => o.or(n),
            },
            ..Draft::default()
        },
        ids: super::draft::Ids::default(),
        lines: RefCell::default(),
        blocks: 0,
    };
    if let Some(run) = run
        .as_deref()
        .filter(|r| pointer_file("policies", r).is_some())
    {
        walk.load_policy(run);
    }
    if is_pointer(root, &["url_name", "org", "course"]) {
        let file = run
            .as_deref()
            .and_then(|r| pointer_file("course", r))
            .ok_or_else(|| OlxError::Xml {
                file: "course.xml".to_owned(),
                line: line_of(root, root.range().start),
                why: "a url_name that names no file".to_owned(),
            })?;
        let text = export
            .read(&file)
            .map_err(unreadable(&file))?
            .ok_or_else(|| OlxError::File {
                file: file.clone(),
                why: "missing (course.xml points to it)".to_owned(),
            })?;
        let doc = parse(&text).map_err(|(line, why)| OlxError::Xml {
            file: file.clone(),
            line,
            why,
        })?;
        walk.course(doc.root_element(), &file, run.as_deref());
    } else {
        walk.course(root, "course.xml", run.as_deref());
    }
    Ok(walk.draft)
}

fn parse(text: &str) -> Result<Document<'_>, (usize, String)> {
    let options = roxmltree::ParsingOptions {
        // No DTD, so no entity is ever expanded (nor fetched).
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
        .map_err(|e| (e.pos().row as usize, format!("not well-formed XML: {e}")))
}

/// A valid id from a `url_name`: lowercase, `_` and other characters to
/// `-`, starting with a letter or digit, at most [`MAX_ID`] bytes.
fn id_from(url_name: &str) -> Option<String> {
    let mut id: String = url_name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    id = id
        .trim_start_matches(['-', '.'])
        .trim_end_matches(['-', '.'])
        .to_owned();
    id.truncate(MAX_ID);
    let id = id.trim_end_matches(['-', '.']).to_owned();
    (!id.is_empty()).then_some(id)
}

impl Walk<'_> {
    fn load_policy(&mut self, run: &str) {
        let file = format!("policies/{}/policy.json", run.replace(':', "/"));
        let text = match self.export.read(&file) {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(why) => {
                self.unread(
                    &file,
                    1,
                    "policy.json",
                    &format!("could not be read: {why}"),
                );
                return;
            }
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => self.policy = Some(Policy::new(file, text, map)),
            Ok(_) => self.unread(&file, 1, "policy.json", "not a JSON object"),
            Err(e) => {
                let why = format!("not valid JSON: {e}");
                self.unread(&file, e.line().max(1), "policy.json", &why);
            }
        }
    }

    fn unread(&mut self, file: &str, line: usize, text: &str, why: &str) {
        self.draft.unread.push(Unread {
            file: Some(file.to_owned()),
            line,
            text: text.to_owned(),
            why: why.to_owned(),
        });
    }

    fn skipped(&mut self, file: &str, line: usize, text: &str, why: &str) {
        self.draft.skipped.push(Unread {
            file: Some(file.to_owned()),
            line,
            text: text.to_owned(),
            why: why.to_owned(),
        });
    }

    /// The line of byte `pos` of `file` (whose document `node` is in).
    fn line(&self, file: &str, node: Node, pos: usize) -> usize {
        let mut lines = self.lines.borrow_mut();
        lines
            .entry(file.to_owned())
            .or_insert_with(|| LineIndex::new(node.document().input_text()))
            .line(pos)
    }

    /// What `node` (a `tag`, in `file`) says, with its policy entry over
    /// its attributes.
    fn block(&self, tag: &str, node: Node, file: &str, url_name: Option<&str>) -> Block {
        let url_name = url_name
            .or_else(|| node.attribute("url_name"))
            .map(str::to_owned);
        let field = |name: &str| match node.attribute_node(name) {
            Some(a) => Field {
                when: value::when(a.value()),
                raw: format!("{name}=\"{}\"", a.value()),
                file: file.to_owned(),
                line: self.line(file, node, a.range().start),
            },
            None => Field::unset(),
        };
        let mut b = Block {
            name: node
                .attribute("display_name")
                .map(collapsed)
                .filter(|n| !n.is_empty()),
            start: field("start"),
            due: field("due"),
            end: field("end"),
            staff_only: node
                .attribute_node("visible_to_staff_only")
                .filter(|a| value::flag(a.value()))
                .map(|a| (file.to_owned(), self.line(file, node, a.range().start))),
            self_paced: node.attribute("self_paced").is_some_and(value::flag),
            line: self.line(file, node, node.range().start),
            url_name,
        };
        let Some(policy) = &self.policy else {
            return b;
        };
        let Some(url) = &b.url_name else {
            return b;
        };
        let key = format!("{tag}/{url}");
        let Some(serde_json::Value::Object(entry)) = policy.map.get(&key) else {
            return b;
        };
        let pfield = |name: &str, v: &serde_json::Value| Field {
            when: value::when_json(v),
            raw: format!("\"{name}\": {v}"),
            file: policy.file.clone(),
            line: policy.line(&key, name),
        };
        for (k, v) in entry {
            match k.as_str() {
                "display_name" => {
                    if let Some(n) = value::text_json(v).map(|n| collapsed(&n)) {
                        b.name = (!n.is_empty()).then_some(n).or(b.name.take());
                    }
                }
                "start" => b.start = pfield(k, v),
                "due" => b.due = pfield(k, v),
                "end" => b.end = pfield(k, v),
                "visible_to_staff_only" => {
                    b.staff_only =
                        value::flag_json(v).then(|| (policy.file.clone(), policy.line(&key, k)));
                }
                "self_paced" => b.self_paced = value::flag_json(v),
                _ => {}
            }
        }
        b
    }

    /// A date field as an instant: placeholders reported as skipped,
    /// unreadable values as unread (both `None`).
    fn instant(&mut self, f: &Field, what: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        match &f.when {
            DateField::At(t) => Some(*t),
            DateField::Unset => None,
            DateField::Placeholder(y) => {
                let why = format!("{what}: {}", value::placeholder_why(*y));
                self.skipped(&f.file, f.line, &f.raw, &why);
                None
            }
            DateField::Unreadable => {
                let why = format!("{what}: a date this import cannot read");
                self.unread(&f.file, f.line, &f.raw, &why);
                None
            }
        }
    }

    /// An id from `url_name`, unique in the course: prefixed by `kind`
    /// when a block of another kind has it (a chapter and a sequential
    /// both `conclusion`), then numbered. Claimed in document order, so a
    /// re-import of the same export gives the same ids.
    fn id(&mut self, kind: &str, url_name: Option<&str>) -> Option<String> {
        let base = id_from(url_name?)?;
        if self.ids.insert(&base) {
            return Some(base);
        }
        Some(self.ids.claim(&format!("{kind}-{base}")))
    }

    fn item(
        &mut self,
        name: &str,
        id: Option<String>,
        at: chrono::DateTime<chrono::FixedOffset>,
        line: usize,
    ) -> DraftItem {
        DraftItem {
            name: name.to_owned(),
            id,
            date: at.date_naive(),
            at: Some(Start::Instant(at)),
            description: None,
            cancelled: false,
            notes: Vec::new(),
            line,
        }
    }

    fn course(&mut self, node: Node, file: &str, run: Option<&str>) {
        let course = self.block("course", node, file, run);
        self.draft.title = course.name.clone();
        let start = self.instant(&course.start, "the course's start");
        let end = self.instant(&course.end, "the course's end");
        if let Some(at) = start {
            let mut it = self.item("Course starts", None, at, course.start.line);
            if course.self_paced {
                it.notes.push(
                    "self-paced in Open edX: dates as written; learners shift them with start="
                        .to_owned(),
                );
            }
            self.draft.milestones.push(it);
        }
        for child in node.children().filter(|c| c.has_tag_name("chapter")) {
            if !self.count(file, child) {
                break;
            }
            self.follow("chapter", child, file, |walk, node, file, url| {
                walk.chapter(node, file, url, start);
            });
        }
        if let Some(at) = end {
            let it = self.item("Course ends", None, at, course.end.line);
            self.draft.milestones.push(it);
        }
    }

    /// Counts a block; `false` (reported once) past [`MAX_BLOCKS`].
    fn count(&mut self, file: &str, node: Node) -> bool {
        self.blocks += 1;
        if self.blocks == MAX_BLOCKS + 1 {
            let line = self.line(file, node, node.range().start);
            let why = format!("more than {MAX_BLOCKS} chapters and sequentials: the rest not read");
            self.unread(file, line, node.tag_name().name(), &why);
        }
        self.blocks <= MAX_BLOCKS
    }

    /// Read `node` inline, or the file it points to.
    fn follow(
        &mut self,
        tag: &str,
        node: Node,
        file: &str,
        then: impl FnOnce(&mut Self, Node, &str, Option<&str>),
    ) {
        let line = self.line(file, node, node.range().start);
        if !is_pointer(node, &["url_name"]) {
            then(self, node, file, None);
            return;
        }
        let url = node.attribute("url_name").unwrap_or_default();
        let shown = format!("<{tag} url_name=\"{url}\"/>");
        let Some(target) = pointer_file(tag, url) else {
            self.unread(file, line, &shown, "a url_name that names no file");
            return;
        };
        let text = match self.export.read(&target) {
            Ok(Some(t)) => t,
            Ok(None) => {
                let why = format!("{target} is missing: its dates could not be read");
                self.unread(file, line, &shown, &why);
                return;
            }
            Err(why) => {
                let why = format!("{target} could not be read: {why}");
                self.unread(file, line, &shown, &why);
                return;
            }
        };
        match parse(&text) {
            Ok(doc) => {
                let root = doc.root_element();
                if root.has_tag_name(tag) {
                    then(self, root, &target, Some(url));
                } else {
                    let why = format!("<{}> where <{tag}> was expected", root.tag_name().name());
                    self.unread(&target, line_of(root, root.range().start), &shown, &why);
                }
            }
            Err((l, why)) => self.unread(&target, l, &shown, &why),
        }
    }

    fn chapter(
        &mut self,
        node: Node,
        file: &str,
        url: Option<&str>,
        course_start: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) {
        let b = self.block("chapter", node, file, url);
        let name = b
            .name
            .clone()
            .or_else(|| b.url_name.clone())
            .unwrap_or_else(|| "Untitled section".to_owned());
        if let Some((file, line)) = &b.staff_only {
            let why = "visible to staff only (with everything in it)";
            self.skipped(file, *line, &format!("chapter \"{name}\""), why);
            return;
        }
        let (start, inherited) = match b.start.when {
            DateField::Unset => (course_start, true),
            _ => (self.instant(&b.start, "the chapter's start"), false),
        };
        let mut unit = start.map(|at| {
            let id = self.id("chapter", b.url_name.as_deref());
            let mut it = self.item(&name, id, at, b.line);
            if inherited {
                it.notes.push(
                    "no start of its own: released with the course (as Open edX does)".to_owned(),
                );
            }
            DraftUnit::new(it)
        });
        let mut later = Vec::new();
        for child in node.children().filter(|c| c.has_tag_name("sequential")) {
            if !self.count(file, child) {
                break;
            }
            self.follow("sequential", child, file, |walk, node, file, url| {
                walk.sequential(node, file, url, start, &mut unit, &mut later);
            });
        }
        self.draft.units.extend(unit);
        self.draft.units.extend(later);
    }

    fn sequential(
        &mut self,
        node: Node,
        file: &str,
        url: Option<&str>,
        chapter_start: Option<chrono::DateTime<chrono::FixedOffset>>,
        unit: &mut Option<DraftUnit>,
        later: &mut Vec<DraftUnit>,
    ) {
        let b = self.block("sequential", node, file, url);
        let name = b
            .name
            .clone()
            .or_else(|| b.url_name.clone())
            .unwrap_or_else(|| "Untitled subsection".to_owned());
        if let Some((file, line)) = &b.staff_only {
            let why = "visible to staff only";
            self.skipped(file, *line, &format!("sequential \"{name}\""), why);
            return;
        }
        if let DateField::Placeholder(y) = b.start.when {
            let why = format!(
                "the subsection's start: {}; the subsection skipped with its due",
                value::placeholder_why(y)
            );
            self.skipped(&b.start.file, b.start.line, &b.start.raw, &why);
            return;
        }
        let own = self.instant(&b.start, "the subsection's start");
        let due = self.instant(&b.due, "the subsection's due");
        // Released on its own when it opens after its chapter (or its
        // chapter has no date).
        let own_release = match (own, chapter_start) {
            (Some(o), Some(c)) => (o > c).then_some(o),
            (Some(o), None) => Some(o),
            (None, _) => None,
        };
        let assignment = |walk: &mut Self, at| {
            let id = walk.id("due", b.url_name.as_deref());
            walk.item(&name, id, at, b.due.line.max(b.line))
        };
        if let Some(at) = own_release {
            let id = self.id("sequential", b.url_name.as_deref());
            let release = self.item(&name, id, at, b.line);
            let assignments = due.map(|d| assignment(self, d)).into_iter().collect();
            later.push(DraftUnit {
                assignments,
                ..DraftUnit::new(release)
            });
        } else if let Some(d) = due {
            match unit {
                Some(u) => {
                    let a = assignment(self, d);
                    u.assignments.push(a);
                }
                None => {
                    let why = "a due without a release: neither the subsection, its chapter nor the course has a start";
                    self.unread(&b.due.file, b.due.line, &b.due.raw, why);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_url_names() {
        assert_eq!(id_from("Week_1.Intro").as_deref(), Some("week-1.intro"));
        assert_eq!(id_from("__").as_deref(), None);
        assert_eq!(id_from(&"a".repeat(300)).map(|i| i.len()), Some(MAX_ID));
        assert_eq!(
            pointer_file("chapter", "a:b").as_deref(),
            Some("chapter/a/b.xml")
        );
        assert_eq!(pointer_file("chapter", "../x"), None);
        assert_eq!(pointer_file("chapter", "a:..:b"), None);
    }

    #[test]
    fn an_empty_display_name_is_no_name() {
        let files = [(
            "course.xml".to_owned(),
            Ok(br#"<course display_name=" " start="2025-01-06T00:00:00Z"><chapter url_name="c_1" display_name=""/></course>"#.to_vec()),
        )];
        let draft = read(&Export::Files(files.into_iter().collect())).unwrap();
        assert_eq!(draft.title, None);
        assert_eq!(draft.units[0].release.name, "c_1");
        assert_eq!(draft.units[0].release.id.as_deref(), Some("c-1"));
    }
}
