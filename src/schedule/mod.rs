//! Schedule files, second layer (uses `model` only): reading files safely
//! (`read`), YAML with locations (`node`, `yaml`), checking its shape into
//! the written schedule (`validate` → `written`), OCW metadata (`ocw`),
//! resolution into a [`crate::model::Course`] (`resolve`, `time`), all
//! errors as located [`Diagnostic`]s (`diagnostic`); `load` runs the steps.
//!
//! The public face: [`compile`] a schedule from text, [`compile_file`] from
//! a file, and [`Diagnostic`] for what went wrong.

pub mod diagnostic;
pub(crate) mod load;
pub(crate) mod node;
pub(crate) mod ocw;
pub(crate) mod read;
pub(crate) mod resolve;
pub(crate) mod source;
pub(crate) mod time;
pub(crate) mod validate;
pub(crate) mod written;
pub(crate) mod yaml;

pub use diagnostic::Diagnostic;
pub use load::{Compiled, MetadataEntry, compile, compile_file, compile_text};
