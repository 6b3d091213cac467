//! `coursecal feed`: one feed variant of a directory to stdout.

use super::shared::{CliError, Schedules, load, print};
use crate::{Courses, FeedRequest, Variant};

#[derive(Debug, clap::Args)]
pub(super) struct Feed {
    /// Course ids (file stems).
    courses: Vec<String>,
    #[command(flatten)]
    dir: Schedules,
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
    let (start, pace) = (args.start.as_deref(), args.pace.as_deref());
    let variant = Variant::parse(Some(&args.tz), &args.kinds, start, pace, &args.alarm)?;
    let req = FeedRequest::new(Courses::from_ids(&args.courses), variant);
    let catalog = load(&args.dir, None)?;
    print(crate::feed(&catalog, &req)?.body.as_bytes())
}
