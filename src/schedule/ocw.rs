//! OCW course metadata (the front matter of OCW's course pages). It is
//! someone else's format: unknown keys are ignored, only four are read.

use super::load::read_source;
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

pub fn load(path: &Path) -> Result<Metadata, Diagnostic> {
    let src = read_source(path)?;
    let yaml = front_matter(&src.text);
    let line_offset = if yaml.len() == src.text.len() { 0 } else { 1 };
    serde_saphyr::from_str::<Metadata>(yaml).map_err(|e| {
        let plain = e.without_snippet().to_string();
        let message = plain
            .rfind(" at line ")
            .map_or(plain.as_str(), |i| &plain[..i])
            .to_owned();
        let d = Diagnostic::error(path, format!("invalid OCW metadata: {message}"))
            .label("expected YAML front matter between `---` lines");
        match e.location() {
            Some(loc) if loc.line() > 0 => {
                let line = u32::try_from(loc.line()).unwrap_or(u32::MAX) + line_offset;
                let col = u32::try_from(loc.column()).unwrap_or(u32::MAX);
                d.at(&src.text, line, col, 1)
            }
            _ => d,
        }
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
