//! `coursecal feed`: one feed variant of a directory to stdout.

use super::shared::{CliError, load, print};
use crate::model::{
    Courses, FeedRequest, RequestError, Variant, parse_kinds, parse_personal, parse_zone,
};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(super) struct Feed {
    /// Course ids (file stems).
    courses: Vec<String>,
    #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
    /// Directory of schedule files.
    schedules: PathBuf,
    /// IANA time zone for timed events (default UTC).
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Kinds to include: release,due,live,milestone (default all).
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// Your own run: the first release moves to this date (YYYY-MM-DD);
    /// every other date keeps its distance from it. Live events are
    /// left out.
    #[arg(long)]
    start: Option<String>,
    /// With --start: 2 = twice the time between items, 0.5 = twice as
    /// fast (0.25 to 4, rounded to whole days).
    #[arg(long)]
    pace: Option<String>,
    /// Reminders before every event: e.g. 1d or 2h,15m (at most 3, at
    /// most 4w before).
    #[arg(long, value_delimiter = ',')]
    alarm: Vec<String>,
}

pub(super) fn run(args: Feed) -> Result<(), CliError> {
    let (shift, alarms) = parse_personal(args.start.as_deref(), args.pace.as_deref(), &args.alarm)
        .map_err(CliError::flag)?;
    let variant = Variant {
        zone: Some(parse_zone(&args.tz).map_err(RequestError::from)?),
        kinds: parse_kinds(&args.kinds)?,
        shift,
        alarms,
    };
    let req = FeedRequest::new(Courses::from_ids(&args.courses), variant);
    let catalog = load(&args.schedules)?;
    let feed = crate::feed(&catalog, &req)?;
    print(feed.body.as_bytes())
}
