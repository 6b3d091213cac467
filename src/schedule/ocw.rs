//! OCW course metadata (the front matter of OCW's course pages). It is
//! someone else's format: unknown keys are ignored, only four are read.

use super::SourceFile;
use super::load::{MAX_DEPTH, MAX_FILE_BYTES, ReadError, read_text};
use super::model::Located;
use super::yaml::Problem;
use crate::diagnostic::Diagnostic;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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

/// Why a metadata file could not be used.
#[derive(Debug)]
pub enum MetadataError {
    NotFound,
    Unreadable(std::io::Error),
    TooLarge,
    NotUtf8 {
        line: u32,
        column: u32,
        byte: u8,
    },
    /// Located in the metadata file (line 0 when unknown).
    Yaml(Problem),
}

impl MetadataError {
    /// The error located at the schedule's `metadata:` value.
    pub fn at(&self, src: &SourceFile, rel: &Located<String>, path: &Path) -> Diagnostic {
        let name = &rel.value;
        let expected = "expected an OCW metadata file (YAML between `---` lines)";
        match self {
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

pub fn load(path: &Path) -> Result<Metadata, MetadataError> {
    let src = read_text(path).map_err(|e| match e {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => MetadataError::NotFound,
        ReadError::Io(e) => MetadataError::Unreadable(e),
        ReadError::TooLarge => MetadataError::TooLarge,
        ReadError::NotUtf8 {
            line, column, byte, ..
        } => MetadataError::NotUtf8 { line, column, byte },
    })?;
    let yaml = front_matter(&src.text);
    let line_offset = if yaml.len() == src.text.len() { 0 } else { 1 };
    let options = super::yaml::options(MAX_DEPTH, MAX_FILE_BYTES);
    serde_saphyr::from_str_with_options::<Metadata>(yaml, options).map_err(|e| {
        let mut p = super::yaml::describe(&e, yaml, "a metadata file", MAX_DEPTH);
        if p.line > 0 {
            p.line = p.line.saturating_add(line_offset);
        }
        MetadataError::Yaml(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_cut_at_the_second_marker() {
        assert_eq!(front_matter("---\na: 1\n---\nbody\n"), "a: 1\n");
        assert_eq!(front_matter("a: 1\n"), "a: 1\n");
    }
}
