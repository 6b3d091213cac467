//! A schedule or metadata file being read, so that any stage can point
//! into it with a located diagnostic.

use super::diagnostic::Diagnostic;
use super::node::Pos;
use std::path::PathBuf;

/// A file being read, so that any stage can point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// An error located at `pos`.
    pub fn error(&self, pos: Pos, message: impl Into<String>) -> Diagnostic {
        let width = self
            .text
            .get(pos.start..pos.end)
            .map_or(1, |s| s.chars().count().max(1));
        let width = u32::try_from(width).unwrap_or(u32::MAX);
        let d = Diagnostic::error(&self.path, message);
        match self.line_at(pos) {
            Some(line) => d.at_line(line, pos.line, pos.column, width),
            None => d.at(&self.text, pos.line, pos.column, width),
        }
    }

    /// The line holding `pos`, found from its byte offset.
    fn line_at(&self, pos: Pos) -> Option<&str> {
        // Offset 0 past line 1 means the parser gave no offset.
        if pos.start == 0 && pos.line > 1 {
            return None;
        }
        let begin = self.text.get(..pos.start)?.rfind('\n').map_or(0, |i| i + 1);
        let end = self
            .text
            .get(pos.start..)?
            .find('\n')
            .map_or(self.text.len(), |i| pos.start + i);
        self.text.get(begin..end)
    }
}
