//! `coursecal build`: load (printing every problem), then write the site.

use super::shared::{CliError, base, load_with_history};
use crate::{ExportOptions, export};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(super) struct Build {
    #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
    /// Directory of schedule files.
    schedules: PathBuf,
    #[arg(long)]
    /// Directory to write the site to (replaced whole on success).
    out: PathBuf,
    /// Absolute URL the site will be served from (e.g.
    /// https://cal.example.edu/): subscribe links and QR codes need it.
    #[arg(long)]
    base_url: Option<String>,
    /// Write only the .ics feeds, not the HTML site.
    #[arg(long)]
    feeds_only: bool,
    /// Directory of coursecal's own state (the history journal used when
    /// the schedules are not in git); default $XDG_STATE_HOME/coursecal,
    /// else ~/.local/state/coursecal.
    #[arg(long, env = "COURSECAL_STATE")]
    state: Option<PathBuf>,
}

pub(super) fn run(args: Build) -> Result<(), CliError> {
    let base_url = base(args.base_url)?;
    let catalog = load_with_history(
        &args.schedules,
        crate::history::state_dir(args.state).as_deref(),
    )?;
    let options = ExportOptions {
        base_url: base_url.as_deref(),
        feeds_only: args.feeds_only,
    };
    let summary = export(&catalog, &args.out, &options)?;
    let what = if args.feeds_only {
        ""
    } else {
        " and the site's pages"
    };
    eprintln!(
        "wrote {} feed(s){what} to {}",
        summary.feeds,
        args.out.display()
    );
    Ok(())
}
