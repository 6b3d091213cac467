//! `coursecal check`: every problem of a directory, and feeds too large.

use super::shared::{CliError, Schedules, checked};

pub(super) fn run(Schedules { schedules: dir }: Schedules) -> Result<(), CliError> {
    let report = crate::site::render::check(&dir);
    let summary = report.summary(&dir);
    let result = checked(report);
    eprintln!("{summary}");
    result.map(drop)
}
