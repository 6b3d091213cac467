//! Reading one schedule file: bytes → located YAML tree → [`Schedule`] →
//! resolved [`Course`], with every problem as a located [`Diagnostic`].

use super::node::{Node, attach_raw};
use super::read::{MAX_DEPTH, MAX_FILE_BYTES, ReadError, read_text};
use super::source::SourceFile;
use super::validate::Checker;
use super::{ocw, written::Schedule, yaml};
use crate::model::{Course, CourseId, ids};
use crate::schedule::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// A course that compiled, with what it was made from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Shared: a reload that keeps this file reuses it without copying.
    pub course: std::sync::Arc<Course>,
    pub warnings: Vec<Diagnostic>,
    /// [`texts_digest`] of the texts `course` was compiled from: the
    /// history journal knows the course of a row with these texts without
    /// compiling them again.
    pub texts: String,
}

/// The digest naming a version by its texts: the schedule, then the
/// metadata file it names, if any.
pub fn texts_digest(schedule: &str, metadata: Option<&str>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(schedule.as_bytes());
    h.update([0]);
    if let Some(m) = metadata {
        h.update(m.as_bytes());
    }
    crate::model::ids::hex(&h.finalize())
}

/// The course id a schedule path stands for, if its name is valid.
pub fn course_id(path: &Path) -> Result<CourseId, Vec<Diagnostic>> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let chars_ok = ids::course_id_chars(stem);
    if let Ok(id) = stem.parse::<CourseId>() {
        return Ok(id);
    }
    let label = if chars_ok {
        format!(
            "expected a file name of at most {} characters before `.yaml`",
            ids::MAX_COURSE_ID_BYTES
        )
    } else {
        "expected a file name of lowercase letters, digits and `-`, like `res-cms-154.yaml`"
            .to_owned()
    };
    let mut d =
        Diagnostic::error(path, format!("invalid course id `{stem}` (the file name)")).label(label);
    // Only a suggestion that is itself a valid id (ASCII, short enough).
    if let Some(suggestion) = ids::suggest_id(stem) {
        d = d.help(format!("rename it to `{suggestion}.yaml`"));
    }
    Err(vec![d])
}

/// Read a file as UTF-8 text, within [`MAX_FILE_BYTES`].
pub fn read_source(path: &Path) -> Result<SourceFile, Vec<Diagnostic>> {
    read_text(path)
        .map_err(|e| match e {
            ReadError::Io(e) => Diagnostic::error(path, format!("cannot read the file: {e}")),
            ReadError::NotAFile => Diagnostic::error(path, "not a regular file")
                .label("expected a schedule file (not a directory, FIFO or device)"),
            ReadError::TooLarge => Diagnostic::error(
                path,
                format!(
                    "the file is larger than the limit of {} MiB",
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            ),
            ReadError::NotUtf8 {
                line,
                column,
                byte,
                text,
            } => Diagnostic::error(path, "the file is not valid UTF-8")
                .at(&text, line, column, 1)
                .label("expected UTF-8 text")
                .help(ReadError::utf8_help(byte)),
        })
        .map_err(|d| vec![d])
}

/// Parser options for schedule files: resource limits, and scalars kept as
/// written so text fields never lose characters.
fn schedule_options() -> serde_saphyr::Options {
    let mut options = yaml::options(MAX_DEPTH, MAX_FILE_BYTES);
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    // Duplicates reach the checker, which can name both lines.
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options
}

/// Parse YAML into a located tree, with resource limits.
pub fn parse_yaml(src: &SourceFile) -> Result<Node<'_>, Vec<Diagnostic>> {
    match serde_saphyr::from_str_with_options::<Node>(&src.text, schedule_options()) {
        Ok(mut node) => {
            attach_raw(&mut node, &src.text);
            Ok(node)
        }
        Err(e) => Err(vec![yaml_error(src, &e)]),
    }
}

fn yaml_error(src: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    let p = yaml::describe(e, &src.text, "a schedule file", MAX_DEPTH);
    let mut d = Diagnostic::error(&src.path, p.message);
    if p.line > 0 {
        d = d.at(&src.text, p.line, p.column, 1);
    }
    if let Some(label) = p.label {
        d = d.label(label);
    }
    if let Some(help) = p.help {
        d = d.help(help);
    }
    d
}

/// Check a parsed file; all shape errors of the file at once.
pub fn check(src: &SourceFile) -> Result<Schedule, Vec<Diagnostic>> {
    let root = parse_yaml(src)?;
    let mut checker = Checker::new(src);
    let schedule = checker.schedule(&root);
    if checker.diags.is_empty() {
        Ok(schedule)
    } else {
        Err(checker.diags)
    }
}

/// A schedule compiled into a course, with its warnings.
///
/// # Examples
///
/// ```
/// let yaml = "course:\n  title: Demo\n  timezone: UTC\n  updated: 2026-11-01T00:00:00Z\n\
///             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
/// let compiled = coursecal::compile("demo-101", "demo-101.yaml", yaml).unwrap();
/// assert_eq!(compiled.course.title, "Demo");
/// assert_eq!(compiled.course.events.len(), 1);
/// assert!(compiled.warnings.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The course, valid by construction.
    pub course: Course,
    /// Problems that do not stop it (e.g. an `updated:` in the future).
    pub warnings: Vec<Diagnostic>,
}

/// What compiling from text does with a `metadata:` entry (nothing is
/// read from disk there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetadataEntry {
    /// An error: compile the schedule from its file instead.
    #[default]
    Refused,
    /// Not read: everything else is checked, and the title the file would
    /// give is taken as given (`coursecal import --metadata` checks what it
    /// wrote before the metadata file is next to it).
    NotRead,
}

/// Compile a schedule written as `text` into the course `id`; diagnostics
/// name the file `name`. Nothing is read from disk, so a `metadata:` entry
/// is an error here: use [`compile_file`] for schedules that name one, or
/// [`compile_text`] with [`MetadataEntry::NotRead`].
///
/// ```
/// let text = "course:\n  title: Demo\n  timezone: Europe/Berlin\n\
///             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
/// let compiled = coursecal::compile("demo-101", "demo-101.yaml", text).unwrap();
/// assert_eq!(compiled.course.events.len(), 1);
/// ```
pub fn compile(id: &str, name: &str, text: &str) -> Result<Compiled, Vec<Diagnostic>> {
    compile_text(id, name, text, MetadataEntry::Refused)
}

/// [`compile`], saying what to do with a `metadata:` entry.
///
/// ```
/// use coursecal::{MetadataEntry, compile_text};
/// let text = "course:\n  metadata: ocw/demo.md\n\
///             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
/// assert!(compile_text("demo-101", "demo-101.yaml", text, MetadataEntry::Refused).is_err());
/// assert!(compile_text("demo-101", "demo-101.yaml", text, MetadataEntry::NotRead).is_ok());
/// ```
pub fn compile_text(
    id: &str,
    name: &str,
    text: &str,
    metadata: MetadataEntry,
) -> Result<Compiled, Vec<Diagnostic>> {
    let src = SourceFile {
        path: PathBuf::from(name),
        text: text.to_owned(),
    };
    let id: CourseId = id.parse().map_err(|e: crate::model::InvalidCourseId| {
        vec![Diagnostic::error(&src.path, e.to_string())]
    })?;
    let schedule = check(&src)?;
    let not_read = ocw::Metadata {
        course_title: Some("(from the metadata file, not read)".to_owned()),
        ..ocw::Metadata::default()
    };
    let meta = match (&schedule.course.metadata, metadata) {
        (None, _) => None,
        (Some(_), MetadataEntry::NotRead) => Some(&not_read),
        (Some(rel), MetadataEntry::Refused) => {
            return Err(vec![
                src.error(
                    rel.pos,
                    "a schedule compiled from text cannot read a metadata file",
                )
                .label("`metadata:` names a file relative to the schedule file")
                .help("compile the schedule from its file (`compile_file`) instead"),
            ]);
        }
    };
    let (course, warnings) = super::resolve::resolve(&id, &src, schedule, meta)?;
    Ok(Compiled { course, warnings })
}

/// Compile one earlier version of a schedule (a git blob, a journal row):
/// `text` is the schedule, `metadata(rel)` the text of the metadata file
/// `rel` it names as of that version (`None`: it did not exist). Warnings
/// are dropped: only the course matters for history.
pub fn compile_version(
    id: &CourseId,
    path: &Path,
    text: String,
    metadata: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Course, Vec<Diagnostic>> {
    let src = SourceFile {
        path: path.to_path_buf(),
        text,
    };
    let schedule = check(&src)?;
    let meta = match &schedule.course.metadata {
        Some(rel) => {
            let text = metadata(&rel.value)
                .ok_or_else(|| ocw::MetadataError::NotFound.at(&src, rel, path))?;
            Some(ocw::parse(&text).map_err(|e| e.at(&src, rel, path))?)
        }
        None => None,
    };
    let (course, _) = super::resolve::resolve(id, &src, schedule, meta.as_ref())?;
    Ok(course)
}

/// Compile the schedule file `path` (its course id is the file stem), with
/// the OCW metadata file it names.
///
/// ```
/// let compiled = coursecal::compile_file("schedules/res-cms-154.yaml".as_ref()).unwrap();
/// assert_eq!(compiled.course.id.as_str(), "res-cms-154");
/// ```
pub fn compile_file(path: &Path) -> Result<Compiled, Vec<Diagnostic>> {
    let loaded = load_course(path)?;
    Ok(Compiled {
        course: std::sync::Arc::unwrap_or_clone(loaded.course),
        warnings: loaded.warnings,
    })
}

/// Load, validate and resolve one schedule file.
pub fn load_course(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_course_tracked(path).0
}

/// [`load_course`], plus every file it read or tried to read, also when it
/// failed: a reload must retry when any of them changes (e.g. the metadata
/// file a schedule names is created after it).
pub fn load_course_tracked(path: &Path) -> (Result<Loaded, Vec<Diagnostic>>, Vec<PathBuf>) {
    let mut inputs = vec![path.to_path_buf()];
    let result = load_into(path, &mut inputs);
    (result, inputs)
}

fn load_into(path: &Path, inputs: &mut Vec<PathBuf>) -> Result<Loaded, Vec<Diagnostic>> {
    let id = course_id(path)?;
    let src = read_source(path)?;
    let schedule = check(&src)?;
    let meta = match &schedule.course.metadata {
        Some(rel) => {
            // The schedules directory: metadata files must lie inside it.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let joined = dir.join(&rel.value);
            // Reported at the `metadata:` value: that is the line the
            // author edits, whatever is wrong with the file it names.
            let (meta_path, target) = match ocw::locate(dir, &rel.value) {
                Ok(found) => found,
                Err(e) => {
                    // A missing file, or a link that is fixed later, may
                    // make the schedule valid: watch the path. Paths that
                    // leave the directory by name are never looked at.
                    if !matches!(e, ocw::MetadataError::Outside) {
                        inputs.push(joined.clone());
                    }
                    return Err(e.at(&src, rel, &joined));
                }
            };
            inputs.push(meta_path.clone());
            let text = ocw::read(&target).map_err(|e| e.at(&src, rel, &meta_path))?;
            let m = ocw::parse(&text).map_err(|e| e.at(&src, rel, &meta_path))?;
            Some((m, text))
        }
        None => None,
    };
    let texts = texts_digest(&src.text, meta.as_ref().map(|(_, text)| text.as_str()));
    let meta = meta.map(|(m, _)| m);
    let (course, warnings) = super::resolve::resolve(&id, &src, schedule, meta.as_ref())?;
    Ok(Loaded {
        course: std::sync::Arc::new(course),
        warnings,
        texts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("a.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("run mkfifo");
        assert!(made.success());
        // Returns at once: a FIFO is never opened for a blocking read.
        assert!(matches!(read_text(&fifo), Err(ReadError::NotAFile)));
        assert!(matches!(read_text(dir.path()), Err(ReadError::NotAFile)));
        let d = read_source(&fifo).expect_err("not a file");
        assert_eq!(d[0].message, "not a regular file");
        let file = dir.path().join("b.yaml");
        std::fs::write(&file, "course: {}\n").expect("write");
        assert!(read_text(&file).is_ok());
    }
}
