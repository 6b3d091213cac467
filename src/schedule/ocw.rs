//! OCW course metadata (the front matter of OCW's course pages). It is
//! someone else's format: unknown keys are ignored, only four are read. Those
//! four are published like schedule text, so they pass the same checks, and
//! the file must lie inside the schedules directory.

use super::read::{MAX_DEPTH, MAX_FILE_BYTES, ReadError, read_text};
use super::source::SourceFile;
use super::validate::{MAX_NAME_CHARS, MAX_TEXT_CHARS, text_problem};
use super::written::Located;
use super::yaml::Problem;
use crate::schedule::diagnostic::Diagnostic;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Component, Path, PathBuf};

/// The four values coursecal uses, checked (trimmed; absent when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub course_title: Option<String>,
    pub primary_course_number: Option<String>,
    pub url_path: Option<String>,
    pub course_description: Option<String>,
}

impl Metadata {
    /// `https://ocw.mit.edu/` + url_path + `/`.
    pub fn url(&self) -> Option<String> {
        self.url_path
            .as_deref()
            .map(|p| p.trim().trim_matches('/'))
            .filter(|p| !p.is_empty())
            .map(|p| format!("https://ocw.mit.edu/{p}/"))
    }
}

/// The file as parsed: each value with its location.
#[derive(Debug, Default, Deserialize)]
struct RawMetadata {
    course_title: Option<Spanned<String>>,
    primary_course_number: Option<Spanned<String>>,
    url_path: Option<Spanned<String>>,
    course_description: Option<Spanned<String>>,
}

/// A value of the metadata file that cannot be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub key: &'static str,
    /// In the metadata file, 1-based.
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// Why a `url_path` is not a plain path below `https://ocw.mit.edu/`, as
/// (message, help). Allowed: RFC 3986 path characters (unreserved,
/// sub-delims, `:`, `@`, `%XX`) in non-empty segments other than `.` and
/// `..`, and no scheme.
fn url_path_problem(path: &str) -> Option<(String, Option<String>)> {
    let p = path.trim_matches('/');
    if let Some(c) = p.chars().find(|c| c.is_whitespace()) {
        let what = if c == ' ' {
            "a space".to_owned()
        } else {
            format!("the white space U+{:04X}", c as u32)
        };
        return Some((format!("contains {what}"), None));
    }
    let first = p.split('/').next().unwrap_or_default();
    if p.contains("://") || first.contains(':') {
        let help = ["https://ocw.mit.edu/", "http://ocw.mit.edu/"]
            .iter()
            .find_map(|prefix| p.strip_prefix(prefix))
            .map(|rest| rest.trim_matches('/'))
            .filter(|rest| url_path_problem(rest).is_none() && !rest.is_empty())
            .map(|rest| format!("write only the path: `url_path: {rest}`"));
        return Some((
            "starts with a scheme; expected only the path after `https://ocw.mit.edu/`".into(),
            help,
        ));
    }
    for segment in p.split('/') {
        if segment.is_empty() {
            return Some(("contains an empty segment (`//`)".into(), None));
        }
        if segment == "." || segment == ".." {
            return Some((format!("contains a `{segment}` segment"), None));
        }
        let bytes = segment.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let ok = match b {
                b'%' => {
                    let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                    if !(hex(i + 1) && hex(i + 2)) {
                        return Some((
                            "contains a `%` not followed by two hex digits".into(),
                            None,
                        ));
                    }
                    i += 2;
                    true
                }
                _ => b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b),
            };
            if !ok {
                let c = segment[i..].chars().next().unwrap_or('?');
                return Some((
                    format!(
                        "contains `{}`, which a URL path cannot hold",
                        c.escape_debug()
                    ),
                    None,
                ));
            }
            i += 1;
        }
    }
    None
}

impl RawMetadata {
    /// The checked values, or every problem found (lines shifted by
    /// `line_offset`, the lines before the YAML).
    fn check(self, line_offset: u32) -> Result<Metadata, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut text = |key: &'static str,
                        v: Option<Spanned<String>>,
                        max: usize,
                        multiline: bool|
         -> Option<String> {
            let v = v?;
            let value = v.value.trim();
            if value.is_empty() {
                return None;
            }
            let mut problem = text_problem(value, max, multiline).map(|(m, l)| (m, l, None));
            if problem.is_none() && key == "url_path" {
                problem = url_path_problem(value).map(|(m, h)| {
                    (
                        m,
                        "expected a URL path like `courses/res-cms-154-launching-innovation-in-schools-spring-2019`".to_owned(),
                        h,
                    )
                });
            }
            match problem {
                None => Some(value.to_owned()),
                Some((message, label, help)) => {
                    let at = v.referenced;
                    problems.push(FieldProblem {
                        key,
                        line: u32::try_from(at.line())
                            .unwrap_or(u32::MAX)
                            .saturating_add(line_offset),
                        column: u32::try_from(at.column()).unwrap_or(u32::MAX),
                        message,
                        label,
                        help,
                    });
                    None
                }
            }
        };
        let meta = Metadata {
            course_title: text("course_title", self.course_title, MAX_NAME_CHARS, false),
            primary_course_number: text(
                "primary_course_number",
                self.primary_course_number,
                100,
                false,
            ),
            url_path: text("url_path", self.url_path, 2_000, false),
            course_description: text(
                "course_description",
                self.course_description,
                MAX_TEXT_CHARS,
                true,
            ),
        };
        if problems.is_empty() {
            Ok(meta)
        } else {
            Err(problems)
        }
    }
}

/// The YAML between the first two `---` lines, or the whole text.
fn front_matter(text: &str) -> &str {
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return text;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return &rest[..offset];
        }
        offset += line.len();
    }
    rest
}

/// Why a metadata file could not be used. [`MetadataError::at`] turns it
/// into the located diagnostic authors see; `Display` is the short form.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// An absolute path, or one whose `..` leads out of the schedules
    /// directory: never looked at.
    #[error("the metadata file is outside the schedules directory")]
    Outside,
    /// Inside by name, but a symbolic link leads out of the directory.
    #[error("the metadata path links outside the schedules directory")]
    LinksOutside,
    /// No such file.
    #[error("metadata file not found")]
    NotFound,
    /// The operating system refused.
    #[error("cannot read the metadata file: {0}")]
    Unreadable(std::io::Error),
    /// A directory, FIFO, device or socket.
    #[error("the metadata path is not a regular file")]
    NotAFile,
    /// Over the size limit.
    #[error("the metadata file is too large")]
    TooLarge,
    /// Not UTF-8 at this position.
    #[error("the metadata file is not valid UTF-8 (line {line}, column {column})")]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: u32,
        /// 1-based column.
        column: u32,
        /// Its value.
        byte: u8,
    },
    /// Located in the metadata file (line 0 when unknown).
    #[error("invalid YAML in the metadata file: {}", .0.message)]
    Yaml(Problem),
    /// Values that cannot be published (control characters, a `url_path`
    /// that is not a plain path).
    #[error("{} invalid value(s) in the metadata file", .0.len())]
    Invalid(Vec<FieldProblem>),
}

/// What the rule for metadata paths is, for messages.
const CONFINED: &str =
    "metadata files must be inside the schedules directory (e.g. `ocw/<course>.md`)";

impl MetadataError {
    /// The errors, located at the schedule's `metadata:` value.
    pub fn at(&self, src: &SourceFile, rel: &Located<String>, path: &Path) -> Vec<Diagnostic> {
        let name = &rel.value;
        match self {
            MetadataError::Invalid(problems) => problems
                .iter()
                .map(|p| {
                    let d = src
                        .error(
                            rel.pos,
                            format!(
                                "metadata file `{name}` line {}, column {}: `{}`: {}",
                                p.line, p.column, p.key, p.message
                            ),
                        )
                        .label(format!("{} (in `{}`)", p.label, p.key));
                    match &p.help {
                        Some(help) => d.help(help.clone()),
                        None => d,
                    }
                })
                .collect(),
            other => vec![other.one(src, rel, path)],
        }
    }

    fn one(&self, src: &SourceFile, rel: &Located<String>, path: &Path) -> Diagnostic {
        let name = &rel.value;
        let expected = "expected an OCW metadata file (YAML between `---` lines)";
        match self {
            MetadataError::Invalid(_) => src.error(rel.pos, "invalid metadata"),
            MetadataError::Outside => src
                .error(
                    rel.pos,
                    format!("metadata path `{name}` leads outside the schedules directory"),
                )
                .label("expected a relative path without `..` out of the schedules directory")
                .help(CONFINED),
            MetadataError::LinksOutside => src
                .error(
                    rel.pos,
                    format!(
                        "metadata path `{name}` leads outside the schedules directory through a symbolic link"
                    ),
                )
                .label("expected a file inside the schedules directory")
                .help(CONFINED),
            MetadataError::NotAFile => src
                .error(rel.pos, format!("metadata path `{name}` is not a regular file"))
                .label("expected a regular file (not a directory, FIFO or device)"),
            MetadataError::NotFound => src
                .error(rel.pos, format!("metadata file not found: `{name}`"))
                .label("expected a path relative to this schedule file")
                .help(format!("looked for `{}`", path.display())),
            MetadataError::Unreadable(e) => src
                .error(rel.pos, format!("cannot read metadata file `{name}`: {e}"))
                .label(expected),
            MetadataError::TooLarge => src
                .error(
                    rel.pos,
                    format!(
                        "metadata file `{name}` is larger than the limit of {} MiB",
                        MAX_FILE_BYTES / 1024 / 1024
                    ),
                )
                .label(expected),
            MetadataError::NotUtf8 { line, column, byte } => src
                .error(
                    rel.pos,
                    format!(
                        "metadata file `{name}` is not valid UTF-8 (line {line}, column {column})"
                    ),
                )
                .label("expected UTF-8 text")
                .help(ReadError::utf8_help(*byte)),
            MetadataError::Yaml(p) => {
                let what = p
                    .message
                    .strip_prefix("invalid YAML: ")
                    .unwrap_or(&p.message);
                let message = if p.line > 0 {
                    format!(
                        "invalid YAML in metadata file `{name}` line {}, column {}: {what}",
                        p.line, p.column
                    )
                } else {
                    format!("invalid YAML in metadata file `{name}`: {what}")
                };
                let d = src.error(rel.pos, message).label(expected);
                match &p.help {
                    Some(help) => d.help(help.clone()),
                    None => d,
                }
            }
        }
    }
}

/// Whether `rel` names a path inside the directory it is relative to, by
/// its components alone: not absolute, and no `..` climbing above it.
pub(crate) fn stays_inside(rel: &Path) -> bool {
    let mut depth: usize = 0;
    for c in rel.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return false,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Component::Normal(_) => depth += 1,
        }
    }
    true
}

/// The metadata file `rel` names, relative to the schedules directory `dir`,
/// as the path to watch (`dir/rel`) and the path to open (canonical, so no
/// symbolic link is followed after the check). Absolute paths, `..` out of
/// `dir` and symbolic links out of it are refused.
pub fn locate(dir: &Path, rel: &str) -> Result<(PathBuf, PathBuf), MetadataError> {
    let rel_path = Path::new(rel);
    if !stays_inside(rel_path) {
        return Err(MetadataError::Outside);
    }
    let path = dir.join(rel_path);
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            MetadataError::NotFound
        } else {
            MetadataError::Unreadable(e)
        }
    };
    let root = std::fs::canonicalize(dir).map_err(MetadataError::Unreadable)?;
    let target = std::fs::canonicalize(&path).map_err(io)?;
    if !target.starts_with(&root) {
        return Err(MetadataError::LinksOutside);
    }
    Ok((path, target))
}

/// A metadata file's text, within the size limit; [`parse`] reads it.
pub fn read(path: &Path) -> Result<String, MetadataError> {
    let src = read_text(path).map_err(|e| match e {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => MetadataError::NotFound,
        ReadError::Io(e) => MetadataError::Unreadable(e),
        ReadError::NotAFile => MetadataError::NotAFile,
        ReadError::TooLarge => MetadataError::TooLarge,
        ReadError::NotUtf8 {
            line, column, byte, ..
        } => MetadataError::NotUtf8 { line, column, byte },
    })?;
    Ok(src.text)
}

/// A metadata file's text (front matter or plain YAML), checked.
pub fn parse(text: &str) -> Result<Metadata, MetadataError> {
    let yaml = front_matter(text);
    let line_offset = if yaml.len() == text.len() { 0 } else { 1 };
    let options = super::yaml::options(MAX_DEPTH, MAX_FILE_BYTES);
    let raw =
        serde_saphyr::from_str_with_options::<Option<RawMetadata>>(yaml, options).map_err(|e| {
            let mut p = super::yaml::describe(&e, yaml, "a metadata file", MAX_DEPTH);
            if p.line > 0 {
                p.line = p.line.saturating_add(line_offset);
            }
            MetadataError::Yaml(p)
        })?;
    raw.unwrap_or_default()
        .check(line_offset)
        .map_err(MetadataError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_are_plain_paths() {
        for ok in [
            "courses/res-cms-154-launching-innovation-in-schools-spring-2019",
            "/courses/a_b~c/",
            "courses/caf%C3%A9",
        ] {
            assert_eq!(url_path_problem(ok), None, "{ok}");
        }
        for bad in [
            "a\r\nBEGIN:VEVENT",
            "a b",
            "courses/../../evil",
            "./x",
            "https://evil.example/x",
            "javascript:alert(1)",
            "a//b",
            "a?q=1",
            "a#f",
            "a\"><script>",
            "a%zz",
            "é",
        ] {
            assert!(url_path_problem(bad).is_some(), "{bad}");
        }
        let (_, help) = url_path_problem("https://ocw.mit.edu/courses/x/").unwrap_or_default();
        assert_eq!(
            help.as_deref(),
            Some("write only the path: `url_path: courses/x`")
        );
    }

    #[test]
    fn metadata_paths_stay_inside() {
        assert!(stays_inside(Path::new("ocw/a.md")));
        assert!(stays_inside(Path::new("ocw/../a.md")));
        assert!(!stays_inside(Path::new("../a.md")));
        assert!(!stays_inside(Path::new("ocw/../../a.md")));
        assert!(!stays_inside(Path::new("/etc/hostname")));
    }

    #[test]
    fn front_matter_is_cut_at_the_second_marker() {
        assert_eq!(front_matter("---\na: 1\n---\nbody\n"), "a: 1\n");
        assert_eq!(front_matter("a: 1\n"), "a: 1\n");
    }
}
