//! Command line: clap definitions and the subcommand runners.
// Doc comments of the argument types are clap's --help text, written for a
// terminal: paths like `courses/<id>.ics` and bare URLs are meant literally.
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]

use crate::catalog::{Catalog, LoadReport};
use crate::ics::feed::LARGE_FEED_BYTES;
use crate::model::{
    Courses, FeedRequest, RequestError, Variant, parse_kinds, parse_personal, parse_zone,
};
use crate::schedule::diagnostic::Diagnostic;
use crate::site::export::ExportOptions;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "coursecal",
    version,
    about = "Course schedules → calendar feeds"
)]
/// `coursecal` command-line arguments.
pub struct Args {
    #[command(subcommand)]
    /// The subcommand to run.
    pub command: Command,
}

#[derive(Debug, Subcommand)]
/// The subcommands.
pub enum Command {
    /// Check every schedule file; print all problems (exit 1 if any).
    Check {
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        /// Directory of schedule files.
        schedules: PathBuf,
    },
    /// Write every feed (courses/<id>.ics, calendar.ics) and the course
    /// pages to OUT, replacing OUT only when the whole build succeeded.
    Build {
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
        /// Directory of coursecal's own state (the history journal used
        /// when the schedules are not in git); default
        /// $XDG_STATE_HOME/coursecal, else ~/.local/state/coursecal.
        #[arg(long, env = "COURSECAL_STATE")]
        state: Option<PathBuf>,
    },
    /// Serve feeds over HTTP, reloading schedule files as they change.
    Serve {
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        /// Directory of schedule files.
        schedules: PathBuf,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "COURSECAL_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Byte budget of the in-memory cache of rendered feed variants.
        #[arg(long, env = "COURSECAL_CACHE_BYTES", default_value_t = crate::server::DEFAULT_CACHE_BYTES)]
        cache_bytes: u64,
        /// Absolute URL of the site for links in pages (default: from each
        /// request's Host header).
        #[arg(long, env = "COURSECAL_BASE_URL")]
        base_url: Option<String>,
        /// Take the site's host and scheme from X-Forwarded-Host and
        /// X-Forwarded-Proto (only behind a proxy that sets them).
        #[arg(long)]
        trust_proxy: bool,
        /// Open connections at most; more are answered 503 and closed
        /// (also capped below the file descriptor limit).
        #[arg(long, env = "COURSECAL_MAX_CONNECTIONS", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
        max_connections: usize,
        /// Seconds a client gets to send a request's headers; idle
        /// keep-alive connections are closed after the same time.
        #[arg(long, env = "COURSECAL_HEADER_TIMEOUT", default_value_t = 10,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        header_timeout: u64,
        /// Seconds a response may wait for a client that stopped reading;
        /// then its connection is closed (frees its slot and memory).
        #[arg(long, env = "COURSECAL_WRITE_TIMEOUT", default_value_t = crate::server::DEFAULT_WRITE_TIMEOUT_SECS,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        write_timeout: u64,
        /// Directory of coursecal's own state (the history journal used
        /// when the schedules are not in git); default
        /// $XDG_STATE_HOME/coursecal, else ~/.local/state/coursecal.
        #[arg(long, env = "COURSECAL_STATE")]
        state: Option<PathBuf>,
    },
    /// Import a course page, spreadsheet, calendar or Open edX export for review.
    ///
    /// Unit releases, due dates, live events and milestones. SOURCE is read
    /// by what it is:
    ///   *.csv          a spreadsheet (Excel, Google Sheets): columns by name
    ///   *.ics          a calendar export (Google Calendar, Canvas, Moodle)
    ///   a directory with course.xml, *.tar.gz, *.tgz
    ///                  an Open edX course export (OLX): chapters, subsections
    ///   anything else  a course page, plain text or HTML
    ///
    /// Exit 0 when everything dated became an item, 1 when something dated
    /// could not be read (each is listed on stderr with its file and line;
    /// the YAML is still written). Deliberate skips are listed as skipped
    /// and do not make the import partial.
    #[command(verbatim_doc_comment)]
    Import {
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
        /// Replace the file `--out` names if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Print what changed in the courses' history (all courses when none
    /// is named), newest first: moved, added, removed, cancelled,
    /// reinstated, renamed.
    Changes {
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
    },
    /// Print one feed variant to stdout (all courses when none is named).
    Feed {
        /// Course ids (file stems).
        courses: Vec<String>,
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        /// Directory of schedule files.
        schedules: PathBuf,
        /// IANA time zone for timed events (default UTC).
        #[arg(long, default_value = "UTC")]
        tz: String,
        /// Kinds to include: release,due,live,milestone (default all).
        #[arg(long, default_value = "")]
        kinds: String,
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
        #[arg(long)]
        alarm: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
/// Why a command failed; each maps to an exit code.
pub enum CliError {
    #[error("{count} error(s) in the schedules")]
    /// Schedules with errors (all printed above).
    Invalid {
        /// How many.
        count: usize,
    },
    /// `import` could not read its source at all.
    #[error("{0}")]
    Import(crate::import::ImportError),
    /// `import --out` refused the path or could not write it.
    #[error("{0}")]
    Save(#[from] crate::import::SaveError),
    /// `import` wrote its YAML, but some dated lines became no item.
    #[error("import partial: {count} dated line(s) not read")]
    Partial {
        /// How many.
        count: usize,
    },
    #[error("{0}")]
    /// An unknown zone, kind or course was asked for.
    Filter(#[from] RequestError),
    #[error("--since {0}: expected a day as YYYY-MM-DD")]
    /// `--since` is not a date.
    Since(String),
    #[error("--base-url {0}")]
    /// `--base-url` is not a usable site root.
    BaseUrl(String),
    #[error("{0}")]
    /// The server could not start.
    Serve(#[from] crate::server::ServeError),
    #[error("{0}")]
    /// The static export failed (the previous output is untouched).
    Export(#[from] crate::site::export::ExportError),
    #[error("{path}: {source}")]
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl CliError {
    /// 0 ok, 1 invalid schedules or I/O, 2 a bad request or argument.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Invalid { .. }
            | CliError::Partial { .. }
            | CliError::Import(_)
            | CliError::Save(_)
            | CliError::Io { .. }
            | CliError::Serve(_)
            | CliError::Export(_) => 1,
            CliError::Filter(_) | CliError::BaseUrl(_) | CliError::Since(_) => 2,
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
    move |source| CliError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn print_diagnostics(diags: &[Diagnostic]) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in diags {
        let _ = writeln!(err, "{}\n", d.render());
    }
}

/// Load and print problems; fail when any file has errors.
fn load(dir: &Path) -> Result<LoadReport, CliError> {
    finish_load(Catalog::load_dir(dir))
}

/// Load with history (git, else the journal in `state`); a history that
/// cannot be read is reported, and the courses go on without it.
fn load_with_history(dir: &Path, state: Option<&Path>) -> Result<LoadReport, CliError> {
    let report = crate::catalog::Loader::new(dir)
        .paths_as_given()
        .with_history(state)
        .reload();
    for e in &report.history_errors {
        eprintln!("error: {e} (continuing without history)");
    }
    finish_load(report)
}

fn finish_load(report: LoadReport) -> Result<LoadReport, CliError> {
    print_diagnostics(&report.warnings);
    print_diagnostics(&report.errors);
    if report.errors.is_empty() {
        Ok(report)
    } else {
        Err(CliError::Invalid {
            count: report.errors.len(),
        })
    }
}

/// Run one subcommand, printing diagnostics to stderr.
pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        Command::Check { schedules } => check(&schedules),
        Command::Build {
            schedules,
            out,
            base_url,
            feeds_only,
            state,
        } => build(
            &schedules,
            &out,
            base(base_url)?.as_deref(),
            feeds_only,
            state_dir(state).as_deref(),
        ),
        Command::Serve {
            schedules,
            addr,
            cache_bytes,
            base_url,
            trust_proxy,
            max_connections,
            header_timeout,
            write_timeout,
            state,
        } => {
            let mut config = crate::server::ServeConfig::new(schedules, addr);
            config.state = state_dir(state);
            config.max_connections = max_connections;
            config.header_timeout = std::time::Duration::from_secs(header_timeout);
            config.write_timeout = std::time::Duration::from_secs(write_timeout);
            config.cache_bytes = cache_bytes;
            config.base_url = base(base_url)?;
            config.trust_proxy = trust_proxy;
            Ok(crate::server::serve(config)?)
        }
        Command::Import {
            source,
            id,
            metadata,
            timezone,
            out,
            force,
        } => import(&source, id, metadata, timezone, out.as_deref(), force),
        Command::Changes {
            courses,
            schedules,
            since,
            json,
            tz,
            state,
        } => {
            let since = since
                .map(|s| {
                    chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map_err(|_| CliError::Since(s.clone()))
                })
                .transpose()?;
            let variant = Variant {
                zone: Some(parse_zone(&tz).map_err(RequestError::from)?),
                ..Variant::default()
            };
            let req = FeedRequest::new(Courses::parse(&courses.join(",")), variant);
            let report = load_with_history(&schedules, state_dir(state).as_deref())?;
            let listed = crate::site::changes::since(&report.catalog, &req, since)?;
            let text = if json {
                changes_json(&listed, &req)
            } else {
                listed
                    .iter()
                    .map(|l| crate::site::changes::line(l, &req))
                    .collect()
            };
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(io(Path::new("<stdout>")))
        }
        Command::Feed {
            courses,
            schedules,
            tz,
            kinds,
            start,
            pace,
            alarm,
        } => {
            let (shift, alarms) =
                parse_personal(start.as_deref(), pace.as_deref(), alarm.as_deref())?;
            let variant = Variant {
                zone: Some(parse_zone(&tz).map_err(RequestError::from)?),
                kinds: parse_kinds(&kinds)?,
                shift,
                alarms,
            };
            let req = FeedRequest::new(Courses::parse(&courses.join(",")), variant);
            let report = load(&schedules)?;
            let feed = crate::site::feed(&report.catalog, &req)?;
            let stdout = std::io::stdout();
            stdout
                .lock()
                .write_all(feed.body.as_bytes())
                .map_err(io(Path::new("<stdout>")))
        }
    }
}

/// `coursecal import`: the source in, YAML out, every unread or skipped
/// thing reported; the library checks what it wrote.
fn import(
    page: &Path,
    id: Option<String>,
    metadata: Option<String>,
    timezone: Option<String>,
    out: Option<&Path>,
    force: bool,
) -> Result<(), CliError> {
    let timezone = match timezone.as_deref().map(parse_zone).transpose() {
        Ok(zone) => zone.map(|z| match z {
            crate::model::Zone::Utc => chrono_tz::Tz::UTC,
            crate::model::Zone::Named(tz) => tz,
        }),
        Err(e) => return Err(RequestError::from(e).into()),
    };
    let name = page
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = crate::import::ImportOptions {
        metadata,
        timezone,
        // The file name only: the schedule must not depend on where the
        // source was on the importer's machine.
        source: if name.is_empty() {
            page.display().to_string()
        } else {
            name
        },
        id,
    };
    let imported = crate::import::import_path(page, &options).map_err(CliError::Import)?;
    let shown = crate::import::one_line;
    let place = |u: &crate::import::Unread| match &u.file {
        Some(f) => format!(
            "{}/{}:{}",
            shown(&page.display().to_string()),
            shown(f),
            u.line
        ),
        None => format!("{}:{}", shown(&page.display().to_string()), u.line),
    };
    for u in &imported.skipped {
        eprintln!(
            "{}: skipped: {}: {}",
            place(u),
            shown(&u.why),
            shown(&u.text)
        );
    }
    for u in &imported.unread {
        eprintln!("{}: {}: {}", place(u), shown(&u.why), shown(&u.text));
    }
    if let Err(diags) = &imported.checked {
        print_diagnostics(diags);
        return Err(CliError::Invalid { count: diags.len() });
    }
    match out {
        Some(path) => crate::import::save(path, imported.yaml.as_bytes(), force)?,
        None => std::io::stdout()
            .lock()
            .write_all(imported.yaml.as_bytes())
            .map_err(io(Path::new("<stdout>")))?,
    }
    eprintln!(
        "imported {} item(s) from {}; {} dated line(s) not read{}{}",
        imported.items,
        shown(&page.display().to_string()),
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
    if imported.unread.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial {
            count: imported.unread.len(),
        })
    }
}

/// `coursecal changes --json`: one object per change.
fn changes_json(listed: &[crate::site::changes::Listed], req: &FeedRequest) -> String {
    use crate::site::changes::{machine, rfc3339, sentence, zone_for};
    use crate::{What, When};
    let items: Vec<serde_json::Value> = listed
        .iter()
        .map(|l| {
            let c = l.change;
            let from = match &c.what {
                What::Moved { from } => serde_json::json!({
                    "start": machine(from.start),
                    "end": from.end.map(|e| machine(When::At(e))),
                }),
                What::Renamed { from } => serde_json::json!({ "name": from }),
                _ => serde_json::Value::Null,
            };
            serde_json::json!({
                "id": c.id(l.course.id.as_str()),
                "course": l.course.id.as_str(),
                "at": rfc3339(c.at),
                "change": c.what.tag(),
                "uid": c.uid,
                "kind": c.kind.as_str(),
                "name": c.name,
                "start": machine(c.when.start),
                "end": c.when.end.map(|e| machine(When::At(e))),
                "from": from,
                "text": sentence(c, zone_for(req)),
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
    out.push('\n');
    out
}

/// `--state`, else the platform's state directory (`None`: none known,
/// so no journal).
fn state_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    given
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("coursecal")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/coursecal")))
}

fn base(input: Option<String>) -> Result<Option<String>, CliError> {
    input
        .map(|b| crate::site::links::normalize_base(&b).map_err(CliError::BaseUrl))
        .transpose()
}

fn check(dir: &Path) -> Result<(), CliError> {
    let report = Catalog::load_dir(dir);
    let mut warnings = report.warnings.clone();
    // Google Calendar truncates large feeds: warn before learners notice.
    let mut feeds: Vec<(String, FeedRequest)> = report
        .catalog
        .courses
        .keys()
        .map(|id| {
            let req = FeedRequest::new(Courses::Some(vec![id.to_string()]), Variant::default());
            (format!("courses/{id}.ics"), req)
        })
        .collect();
    feeds.push(("calendar.ics".into(), FeedRequest::default()));
    // Only a feed that may pass the limit is rendered (for its exact size),
    // and those on every core; the warnings keep the order of `feeds`.
    use rayon::prelude::*;
    let sizes: Vec<Option<usize>> = feeds
        .par_iter()
        .map(|(_, req)| {
            let courses = report.catalog.select(&req.courses).ok()?;
            if crate::ics::feed::default_size_bound(&courses) <= LARGE_FEED_BYTES {
                return None;
            }
            crate::site::feed(&report.catalog, req)
                .ok()
                .map(|feed| feed.body.len())
        })
        .collect();
    for ((name, _), size) in feeds.iter().zip(sizes) {
        if let Some(size) = size
            && size > LARGE_FEED_BYTES
        {
            warnings.push(
                Diagnostic::warning(dir, format!("the feed {name} is {size} bytes"))
                    .label("Google Calendar stops reading feeds larger than 1 MB")
                    .help("split the course, or subscribe learners to filtered feeds (kinds=…)"),
            );
        }
    }
    print_diagnostics(&warnings);
    print_diagnostics(&report.errors);
    let n = report.catalog.courses.len();
    eprintln!(
        "checked {dir}: {n} course(s) ok, {} error(s), {} warning(s)",
        report.errors.len(),
        warnings.len(),
        dir = dir.display()
    );
    let result = if report.errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Invalid {
            count: report.errors.len(),
        })
    };
    // As in `build`: the process exits next.
    std::mem::forget(report);
    result
}

/// `coursecal build`: load (printing every problem), then write the site.
fn build(
    dir: &Path,
    out: &Path,
    base_url: Option<&str>,
    feeds_only: bool,
    state: Option<&Path>,
) -> Result<(), CliError> {
    let report = load_with_history(dir, state)?;
    let options = ExportOptions {
        base_url,
        feeds_only,
    };
    let summary = crate::site::export::write(&report.catalog, out, &options)?;
    let what = if feeds_only {
        ""
    } else {
        " and the site's pages"
    };
    eprintln!("wrote {} feed(s){what} to {}", summary.feeds, out.display());
    // A one-shot command: the process exits next, and the system takes the
    // catalog back whole faster than freeing it event by event.
    std::mem::forget(report);
    Ok(())
}
