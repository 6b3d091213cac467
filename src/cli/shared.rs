//! What the commands share: error and exit code, flags, printing, loading.

use crate::{Catalog, LoadReport, Loader, RequestError};
use std::io::Write;
use std::path::PathBuf;

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
    /// An argument that means nothing: an unknown zone, kind or course, a
    /// `--start`, `--pace`, `--alarm` or `--base-url` that cannot be read.
    #[error("{0}")]
    Usage(String),
    /// The server could not start.
    #[error("{0}")]
    Serve(#[from] crate::server::ServeError),
    /// The static export failed (the previous output is untouched).
    #[error("{0}")]
    Export(#[from] crate::ExportError),
    /// Writing the output failed.
    #[error("<stdout>: {0}")]
    Stdout(#[from] std::io::Error),
}

impl CliError {
    /// 2 for a bad request or argument, 1 for everything else (0 is success).
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// A field's error names the CLI's option (`--pace`), not the bare field.
impl From<RequestError> for CliError {
    fn from(e: RequestError) -> Self {
        CliError::Usage(match e {
            RequestError::BadParameter { field, message } => format!("`--{field}`: {message}"),
            e => e.to_string(),
        })
    }
}

/// `--schedules`, which every command but `import` reads.
#[derive(Debug, clap::Args)]
pub(super) struct Schedules {
    /// Directory of schedule files.
    #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
    pub schedules: PathBuf,
}

/// `--state`, for the commands that read history.
#[derive(Debug, clap::Args)]
pub(super) struct State {
    /// Directory of coursecal's own state (the history journal used when
    /// the schedules are not in git); default $XDG_STATE_HOME/coursecal,
    /// else ~/.local/state/coursecal.
    #[arg(long, env = "COURSECAL_STATE")]
    pub state: Option<PathBuf>,
}

/// The courses as [`checked`], with history when `state` is given (git, else
/// its journal; history that cannot be read is reported, and skipped).
pub(super) fn load(dir: &Schedules, state: Option<State>) -> Result<Catalog, CliError> {
    let mut loader = Loader::new(&dir.schedules).paths_as_given();
    if let Some(State { state }) = state {
        loader = loader.with_history(crate::history::state_dir(state).as_deref());
    }
    checked(loader.reload())
}

/// Print a load's problems; its courses, or an error when any file has
/// errors.
pub(super) fn checked(report: LoadReport) -> Result<Catalog, CliError> {
    eprint(&report.problems());
    match report.errors.len() {
        0 => Ok(report.catalog),
        count => Err(CliError::Invalid(count)),
    }
}

/// Write `text` to stderr; a stderr that cannot be written fails nothing.
pub(super) fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Write `bytes` to stdout.
pub(super) fn print(bytes: &[u8]) -> Result<(), CliError> {
    Ok(std::io::stdout().lock().write_all(bytes)?)
}

/// `--base-url`, checked and normalised.
pub(super) fn base(input: Option<String>) -> Result<Option<String>, CliError> {
    let base = input.map(|b| crate::site::normalize_base(&b)).transpose();
    base.map_err(|e| CliError::Usage(format!("--base-url {e}")))
}
