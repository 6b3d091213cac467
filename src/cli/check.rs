//! `coursecal check`: every problem of a directory, and feeds too large
//! for Google Calendar.

use super::shared::{CliError, print_diagnostics, valid};
use crate::Catalog;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(super) struct Check {
    #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
    /// Directory of schedule files.
    schedules: PathBuf,
}

pub(super) fn run(Check { schedules: dir }: Check) -> Result<(), CliError> {
    let mut report = Catalog::load_dir(&dir);
    let large = crate::site::render::large_feed_warnings(&report.catalog, &dir);
    report.warnings.extend(large);
    print_diagnostics(&report.warnings);
    print_diagnostics(&report.errors);
    eprintln!(
        "checked {}: {} course(s) ok, {} error(s), {} warning(s)",
        dir.display(),
        report.catalog.courses.len(),
        report.errors.len(),
        report.warnings.len(),
    );
    valid(report.errors.len())
}
