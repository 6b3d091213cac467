//! Messages for schedule authors: file, line, column, what was expected and
//! the closest valid value, rendered as a source snippet.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
/// How bad a diagnostic is.
pub enum Severity {
    /// The file does not compile.
    Error,
    /// It compiles, but probably not as meant.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A problem in an input file, located for its author: file, line, column, what was expected, and the closest valid value.
///
/// # Examples
///
/// ```
/// let errors = coursecal::compile("demo-101", "demo-101.yaml", "course:\n  titel: Demo\n").unwrap_err();
/// let first = &errors[0];
/// assert!(first.is_error());
/// assert!(first.location().starts_with("demo-101.yaml:2:"));
/// assert!(coursecal::Diagnostic::render_all(&errors).contains("title"));
/// ```
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file.
    pub path: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u32,
    /// 1-based column (0 when the whole file is meant).
    pub column: u32,
    /// Length of the offending text in characters (at least 1 when located).
    pub width: u32,
    /// One line: what is wrong.
    pub message: String,
    /// What was expected, shown under the offending text.
    pub label: Option<String>,
    /// The closest valid value or how to fix it.
    pub help: Option<String>,
    /// The text of `line`, for the snippet.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// An error about the file `path`, not yet located.
    pub fn error(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            width: 0,
            message: message.into(),
            label: None,
            help: None,
            source_line: None,
        }
    }

    /// A warning about the file `path`, not yet located.
    pub fn warning(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Locate the diagnostic in `source` (1-based line/column in characters).
    pub fn at(self, source: &str, line: u32, column: u32, width: u32) -> Self {
        match source.lines().nth(line.saturating_sub(1) as usize) {
            Some(text) => self.at_line(text, line, column, width),
            None => Diagnostic {
                line,
                column: column.max(1),
                width: width.max(1),
                source_line: None,
                ..self
            },
        }
    }

    /// Like [`Diagnostic::at`] with the text of `line` at hand, so a file
    /// with thousands of problems is not rescanned for each one.
    pub fn at_line(mut self, line_text: &str, line: u32, column: u32, width: u32) -> Self {
        self.line = line;
        self.column = column.max(1);
        self.width = width.max(1);
        self.source_line = Some(line_text.trim_end_matches('\r').to_owned());
        self
    }

    /// Show paths under `dir` relative to it: its
    /// file (`dir` itself becomes `.`), and `dir/…` paths quoted in its
    /// texts (`looked for `…``). For `/healthz`, which must not show where
    /// the server keeps its files.
    pub fn make_relative_to(&mut self, dir: &Path) {
        if let Ok(rel) = self.path.strip_prefix(dir) {
            self.path = if rel.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rel.to_path_buf()
            };
        }
        let shown = dir.display().to_string();
        let prefix = format!("{}/", shown.trim_end_matches('/'));
        if prefix != "/" {
            self.message = strip_path_prefix(&self.message, &prefix);
            for text in [&mut self.label, &mut self.help].into_iter().flatten() {
                *text = strip_path_prefix(text, &prefix);
            }
        }
    }

    /// What was expected there (shown under the snippet).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// How to fix it, e.g. the closest valid value.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether it stops the file from compiling.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, or just the file for whole-file problems.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column)
        }
    }

    /// A one-line form for logs and JSON (`/healthz`).
    pub fn short(&self) -> String {
        let mut s = format!("{}: {}", self.location(), self.message);
        if let Some(label) = &self.label {
            s.push_str(&format!(" ({label})"));
        }
        if let Some(help) = &self.help {
            s.push_str(&format!("; {help}"));
        }
        s
    }

    /// Each of `diagnostics` rendered, followed by a blank line: how the
    /// command line prints a list of them.
    pub fn render_all(diagnostics: &[Diagnostic]) -> String {
        diagnostics
            .iter()
            .map(|d| format!("{}\n\n", d.render()))
            .collect()
    }

    /// The full rendering with a source snippet, without colours.
    pub fn render(&self) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let path = self.path.display().to_string();
        let title = level.primary_title(self.message.as_str());
        let group = match (&self.source_line, self.line) {
            (Some(src), line) if line > 0 => {
                let start = char_to_byte(src, self.column.saturating_sub(1) as usize);
                let end = char_to_byte(src, (self.column - 1 + self.width) as usize).max(start);
                let mut annotation = AnnotationKind::Primary.span(start..end);
                if let Some(label) = &self.label {
                    annotation = annotation.label(label.as_str());
                }
                title.element(
                    Snippet::source(src.as_str())
                        .line_start(line as usize)
                        .path(path.as_str())
                        .annotation(annotation),
                )
            }
            _ => {
                let mut t = title.element(annotate_snippets::Origin::path(path.as_str()));
                if let Some(label) = &self.label {
                    t = t.element(Level::NOTE.message(label.as_str()));
                }
                t
            }
        };
        let group = match &self.help {
            Some(help) => group.element(Level::HELP.message(help.as_str())),
            None => group,
        };
        let out = Renderer::plain().render(&[group]);
        // Show the column in the header line too (`file:line:col`) as compilers do.
        out.to_string()
    }
}

/// `text` with `prefix` removed where a path starts: at the beginning or
/// after a space, quote, backtick or parenthesis (not inside a word or URL).
fn strip_path_prefix(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (i, _) in text.match_indices(prefix) {
        let starts_path = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, ' ' | '`' | '"' | '\'' | '('));
        if starts_path && i >= rest {
            out.push_str(&text[rest..i]);
            rest = i + prefix.len();
        }
    }
    out.push_str(&text[rest..]);
    out
}

fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relative_to_the_schedules_directory() {
        let dir = Path::new("/srv/cal/schedules");
        let mut d = Diagnostic::error(&dir.join("a.yaml"), "metadata file not found: `ocw/a.md`")
            .label("also defined by /srv/cal/schedules/b.yml")
            .help("looked for `/srv/cal/schedules/ocw/a.md` (not https://x/srv/cal/schedules/)");
        d.make_relative_to(dir);
        assert_eq!(
            d.short(),
            "a.yaml: metadata file not found: `ocw/a.md` (also defined by b.yml); \
             looked for `ocw/a.md` (not https://x/srv/cal/schedules/)"
        );
        let mut d = Diagnostic::error(dir, "cannot read the schedules directory");
        d.make_relative_to(dir);
        assert_eq!(d.short(), ".: cannot read the schedules directory");
    }

    #[test]
    fn renders_file_line_column_and_help() {
        let src = "units:\n  - nmae: x\n";
        let d = Diagnostic::error(Path::new("s/a.yaml"), "unknown key `nmae` in a unit")
            .at(src, 2, 5, 4)
            .label("expected one of `name`, `release`")
            .help("did you mean `name`?");
        let r = d.render();
        assert!(r.contains("s/a.yaml:2:5"), "{r}");
        assert!(r.contains("^^^^"), "{r}");
        assert!(r.contains("did you mean `name`?"), "{r}");
    }
}
