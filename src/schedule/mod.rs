//! Schedule files: reading YAML with locations (`node`, `load`), checking its
//! shape (`validate`) into the written model (`model`), and OCW metadata (`ocw`).

pub mod load;
pub mod model;
pub mod node;
pub mod ocw;
pub mod validate;

use crate::diagnostic::Diagnostic;
use node::Pos;
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
        Diagnostic::error(&self.path, message).at(
            &self.text,
            pos.line,
            pos.column,
            u32::try_from(width).unwrap_or(u32::MAX),
        )
    }

    pub fn warning(&self, pos: Pos, message: impl Into<String>) -> Diagnostic {
        let mut d = self.error(pos, message);
        d.severity = crate::diagnostic::Severity::Warning;
        d
    }
}
