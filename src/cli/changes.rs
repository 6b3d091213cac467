//! `coursecal changes`: what changed in the courses' history, for scripts.

use super::shared::{CliError, load_with_history, print};
use crate::model::{Courses, FeedRequest, RequestError, Variant, parse_zone};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(super) struct Changes {
    /// Course ids (file stems).
    courses: Vec<String>,
    #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
    /// Directory of schedule files.
    schedules: PathBuf,
    /// Only changes made on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    since: Option<String>,
    /// Print a JSON array instead of lines.
    #[arg(long)]
    json: bool,
    /// IANA time zone dates are shown in (default UTC, as in feeds).
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Directory of coursecal's state (the history journal when the
    /// schedules are not in git); default as for `serve`.
    #[arg(long, env = "COURSECAL_STATE")]
    state: Option<PathBuf>,
}

pub(super) fn run(args: Changes) -> Result<(), CliError> {
    let variant = Variant {
        zone: Some(parse_zone(&args.tz).map_err(RequestError::from)?),
        ..Variant::default()
    };
    let req = FeedRequest::new(Courses::from_ids(&args.courses), variant);
    let catalog = load_with_history(
        &args.schedules,
        crate::history::state_dir(args.state).as_deref(),
    )?;
    let text = crate::site::changes::listing(&catalog, &req, args.since.as_deref(), args.json)
        .map_err(CliError::from)?;
    print(text.as_bytes())
}
