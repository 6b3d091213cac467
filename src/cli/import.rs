//! `coursecal import`: the source in, YAML out, every unread or skipped
//! thing reported; the library checks what it wrote.

use super::shared::{CliError, eprint, print};
use crate::{Diagnostic, RequestError, Zone, parse_zone};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(super) struct Import {
    /// What to import (see above).
    source: PathBuf,
    /// Course id (default: from the source's file name).
    #[arg(long)]
    id: Option<String>,
    /// OCW metadata file to name in the schedule (relative to it).
    #[arg(long)]
    metadata: Option<String>,
    /// The source's time zone: times without a zone label are read in it
    /// and it becomes the course zone (default: the source's own, else UTC).
    #[arg(long)]
    timezone: Option<String>,
    /// Write the schedule here instead of stdout (a new file, written
    /// whole or not at all; never through a link, FIFO or device).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The year of dates a page writes without one (a later date earlier
    /// than the one before rolls into the next year; noted on each).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1900..=2199))]
    year: Option<i32>,
    /// Replace the file `--out` names if it exists.
    #[arg(long, requires = "out")]
    force: bool,
}

pub(super) fn run(args: Import) -> Result<(), CliError> {
    let zone = args.timezone.as_deref().map(parse_zone).transpose();
    let options = crate::import::ImportOptions {
        metadata: args.metadata,
        timezone: zone.map_err(RequestError::from)?.map(Zone::tz),
        source: crate::import::ImportOptions::source_name(&args.source),
        id: args.id,
        year: args.year,
    };
    let imported = crate::import::import_path(&args.source, &options).map_err(CliError::Import)?;
    let source = args.source.display().to_string();
    for line in imported.problems(&source) {
        eprintln!("{line}");
    }
    if let Err(diags) = &imported.checked {
        eprint(&Diagnostic::render_all(diags));
        return Err(CliError::Invalid(diags.len()));
    }
    match &args.out {
        Some(path) => crate::import::save(path, imported.yaml.as_bytes(), args.force)?,
        None => print(imported.yaml.as_bytes())?,
    }
    eprintln!("{}", imported.summary(&source));
    match imported.unread.len() {
        0 => Ok(()),
        count => Err(CliError::Partial(count)),
    }
}
