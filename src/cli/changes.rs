//! `coursecal changes`: what changed in the courses' history, for scripts.

use super::shared::{CliError, Schedules, State, load, print};
use crate::model::{Courses, FeedRequest, RequestError, Variant, parse_zone};

#[derive(Debug, clap::Args)]
pub(super) struct Changes {
    /// Course ids (file stems).
    courses: Vec<String>,
    #[command(flatten)]
    dir: Schedules,
    /// Only changes made on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    since: Option<String>,
    /// Print a JSON array instead of lines.
    #[arg(long)]
    json: bool,
    /// IANA time zone dates are shown in (default UTC, as in feeds).
    #[arg(long, default_value = "UTC")]
    tz: String,
    #[command(flatten)]
    state: State,
}

pub(super) fn run(args: Changes) -> Result<(), CliError> {
    let variant = Variant {
        zone: Some(parse_zone(&args.tz).map_err(RequestError::from)?),
        ..Variant::default()
    };
    let req = FeedRequest::new(Courses::from_ids(&args.courses), variant);
    let catalog = load(&args.dir, Some(args.state))?;
    let text = crate::site::changes::listing(&catalog, &req, args.since.as_deref(), args.json)?;
    print(text.as_bytes())
}
