//! What every command shares: its error and exit code, printing, loading.

use crate::{Catalog, Diagnostic, RequestError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a command failed; [`CliError::exit_code`] says how the process ends.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// This many schedules with errors (all printed above).
    #[error("{0} error(s) in the schedules")]
    Invalid(usize),
    /// `import` could not read its source at all.
    #[error("{0}")]
    Import(crate::import::ImportError),
    /// `import --out` refused the path or could not write it.
    #[error("{0}")]
    Save(#[from] crate::import::SaveError),
    /// `import` wrote its YAML, but this many dated lines became no item.
    #[error("import partial: {0} dated line(s) not read")]
    Partial(usize),
    /// An unknown zone, kind or course was asked for.
    #[error("{0}")]
    Filter(RequestError),
    /// A `--start`, `--pace` or `--alarm` value that means nothing.
    #[error("`--{0}`: {1}")]
    Flag(&'static str, String),
    /// `--base-url` is not a usable site root.
    #[error("--base-url {0}")]
    BaseUrl(String),
    /// The server could not start.
    #[error("{0}")]
    Serve(#[from] crate::server::ServeError),
    /// The static export failed (the previous output is untouched).
    #[error("{0}")]
    Export(#[from] crate::ExportError),
    /// Reading or writing this file failed.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
}

impl CliError {
    /// 2 for a bad request or argument, 1 for everything else (0 is success).
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Filter(_) | CliError::Flag(..) | CliError::BaseUrl(_) => 2,
            _ => 1,
        }
    }
}

/// A field's error names the CLI's option (`--pace`), not the bare field.
impl From<RequestError> for CliError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::BadParameter { field, message } => CliError::Flag(field, message),
            e => CliError::Filter(e),
        }
    }
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
    move |source| CliError::Io(path.to_path_buf(), source)
}

pub(super) fn print_diagnostics(diags: &[Diagnostic]) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in diags {
        let _ = writeln!(err, "{}\n", d.render());
    }
}

/// Write `bytes` to stdout.
pub(super) fn print(bytes: &[u8]) -> Result<(), CliError> {
    std::io::stdout()
        .lock()
        .write_all(bytes)
        .map_err(io(Path::new("<stdout>")))
}

/// Ok when there are no errors, else [`CliError::Invalid`] with their count.
pub(super) fn valid(errors: usize) -> Result<(), CliError> {
    match errors {
        0 => Ok(()),
        count => Err(CliError::Invalid(count)),
    }
}

/// Load a directory, print its problems; fail when any file has errors.
pub(super) fn load(dir: &Path) -> Result<Catalog, CliError> {
    let report = Catalog::load_dir(dir);
    print_diagnostics(&report.warnings);
    print_diagnostics(&report.errors);
    valid(report.errors.len()).map(|()| report.catalog)
}

/// Load with history (git, else the journal in `state`); a history that
/// cannot be read is reported, and the courses go on without it.
pub(super) fn load_with_history(dir: &Path, state: Option<&Path>) -> Result<Catalog, CliError> {
    let report = crate::Loader::new(dir)
        .paths_as_given()
        .with_history(state)
        .reload();
    for e in &report.history_errors {
        eprintln!("error: {e} (continuing without history)");
    }
    print_diagnostics(&report.warnings);
    print_diagnostics(&report.errors);
    valid(report.errors.len()).map(|()| report.catalog)
}

/// `--base-url`, checked and normalised.
pub(super) fn base(input: Option<String>) -> Result<Option<String>, CliError> {
    input
        .map(|b| crate::site::normalize_base(&b).map_err(CliError::BaseUrl))
        .transpose()
}
