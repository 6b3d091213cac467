//! `coursecal import`: the source in, YAML out, every unread or skipped
//! thing reported.

use super::shared::{CliError, io, print, print_diagnostics};
use crate::model::{RequestError, parse_zone};
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
    /// Write the schedule here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(super) fn run(args: Import) -> Result<(), CliError> {
    let page = &args.source;
    let timezone = match args.timezone.as_deref().map(parse_zone).transpose() {
        Ok(zone) => zone.map(|z| z.tz()),
        Err(e) => return Err(RequestError::from(e).into()),
    };
    let name = page
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `course.tar.gz` → `course`: every extension off, not just the last.
    let stem = name.split('.').next().unwrap_or_default();
    let id = args
        .id
        .unwrap_or_else(|| crate::model::ids::derived_id(stem));
    let options = crate::import::ImportOptions {
        metadata: args.metadata.clone(),
        timezone,
        // The file name only: the schedule must not depend on where the
        // source was on the importer's machine.
        source: if name.is_empty() {
            page.display().to_string()
        } else {
            name
        },
    };
    let imported = crate::import::import_path(page, &options).map_err(CliError::Import)?;
    let shown = crate::import::one_line;
    let place = |u: &crate::import::Unread| match &u.file {
        Some(f) => format!("{}/{}:{}", page.display(), shown(f), u.line),
        None => format!("{}:{}", page.display(), u.line),
    };
    for u in &imported.skipped {
        eprintln!("{}: skipped: {}: {}", place(u), u.why, shown(&u.text));
    }
    for u in &imported.unread {
        eprintln!("{}: {}: {}", place(u), u.why, shown(&u.text));
    }
    // What was written must compile: check it the way `check` would (a
    // metadata file is not read here, so a title stands in for it).
    let checked = match &args.metadata {
        Some(_) => imported
            .yaml
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("metadata:") {
                    "  title: checked without its metadata file".to_owned()
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => imported.yaml.clone(),
    };
    if let Err(diags) = crate::compile(&id, &format!("{id}.yaml"), &checked) {
        print_diagnostics(&diags);
        return Err(CliError::Invalid(diags.len()));
    }
    match &args.out {
        Some(path) => std::fs::write(path, &imported.yaml).map_err(io(path))?,
        None => print(imported.yaml.as_bytes())?,
    }
    eprintln!(
        "imported {} item(s) from {}; {} dated line(s) not read{}{}",
        imported.items,
        page.display(),
        imported.unread.len(),
        if imported.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} skipped on purpose", imported.skipped.len())
        },
        if imported.unread.is_empty() && imported.skipped.is_empty() {
            ""
        } else {
            " (listed above)"
        }
    );
    match imported.unread.len() {
        0 => Ok(()),
        count => Err(CliError::Partial(count)),
    }
}
