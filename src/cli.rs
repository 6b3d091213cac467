//! Command line: clap definitions and the subcommand runners.

use crate::catalog::{Catalog, LoadReport};
use crate::diagnostic::Diagnostic;
use crate::filter::{Courses, FeedRequest, FilterError, parse_kinds, parse_zone};
use crate::ics::feed::LARGE_FEED_BYTES;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "coursecal",
    version,
    about = "Course schedules → calendar feeds"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every schedule file; print all problems (exit 1 if any).
    Check {
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        schedules: PathBuf,
    },
    /// Write every feed (courses/<id>.ics, calendar.ics) and the course
    /// pages to OUT, replacing OUT only when the whole build succeeded.
    Build {
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        schedules: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Absolute URL the site will be served from (e.g.
        /// https://cal.example.edu/): subscribe links and QR codes need it.
        #[arg(long)]
        base_url: Option<String>,
        /// Write only the .ics feeds, not the HTML site.
        #[arg(long)]
        feeds_only: bool,
    },
    /// Serve feeds over HTTP, reloading schedule files as they change.
    Serve {
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        schedules: PathBuf,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "COURSECAL_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Byte budget of the in-memory cache of rendered feed variants.
        #[arg(long, env = "COURSECAL_CACHE_BYTES", default_value_t = crate::server::cache::DEFAULT_CACHE_BYTES)]
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
    },
    /// Print one feed variant to stdout (all courses when none is named).
    Feed {
        /// Course ids (file stems).
        courses: Vec<String>,
        #[arg(long, env = "COURSECAL_SCHEDULES", default_value = "schedules")]
        schedules: PathBuf,
        /// IANA time zone for timed events (default UTC).
        #[arg(long, default_value = "UTC")]
        tz: String,
        /// Kinds to include: release,due,live,milestone (default all).
        #[arg(long, default_value = "")]
        kinds: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{count} error(s) in the schedules")]
    Invalid { count: usize },
    #[error("{0}")]
    Filter(#[from] FilterError),
    #[error("--base-url {0}")]
    BaseUrl(String),
    #[error("{0}")]
    Serve(#[from] crate::server::ServeError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Invalid { .. } | CliError::Io { .. } | CliError::Serve(_) => 1,
            CliError::Filter(_) | CliError::BaseUrl(_) => 2,
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
    let report = Catalog::load_dir(dir);
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

pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        Command::Check { schedules } => check(&schedules),
        Command::Build {
            schedules,
            out,
            base_url,
            feeds_only,
        } => build(&schedules, &out, base(base_url)?.as_deref(), feeds_only),
        Command::Serve {
            schedules,
            addr,
            cache_bytes,
            base_url,
            trust_proxy,
            max_connections,
            header_timeout,
            write_timeout,
        } => {
            let mut config = crate::server::ServeConfig::new(schedules, addr);
            config.max_connections = max_connections;
            config.header_timeout = std::time::Duration::from_secs(header_timeout);
            config.write_timeout = std::time::Duration::from_secs(write_timeout);
            config.cache_bytes = cache_bytes;
            config.base_url = base(base_url)?;
            config.trust_proxy = trust_proxy;
            Ok(crate::server::serve(config)?)
        }
        Command::Feed {
            courses,
            schedules,
            tz,
            kinds,
        } => {
            let req = FeedRequest {
                courses: Courses::parse(&courses.join(",")),
                zone: parse_zone(&tz)?,
                kinds: parse_kinds(&kinds)?,
            };
            let report = load(&schedules)?;
            let feed = report.catalog.feed(&req)?;
            let stdout = std::io::stdout();
            stdout
                .lock()
                .write_all(feed.body.as_bytes())
                .map_err(io(Path::new("<stdout>")))
        }
    }
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
            let req = FeedRequest {
                courses: Courses::Some(vec![id.clone()]),
                ..FeedRequest::default()
            };
            (format!("courses/{id}.ics"), req)
        })
        .collect();
    feeds.push(("calendar.ics".into(), FeedRequest::default()));
    for (name, req) in &feeds {
        if let Ok(feed) = report.catalog.feed(req)
            && feed.body.len() > LARGE_FEED_BYTES
        {
            warnings.push(
                Diagnostic::warning(dir, format!("the feed {name} is {} bytes", feed.body.len()))
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
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Invalid {
            count: report.errors.len(),
        })
    }
}

/// Write into a sibling temp dir, then swap it in, so a failed build leaves
/// the previous output intact.
fn build(dir: &Path, out: &Path, base_url: Option<&str>, feeds_only: bool) -> Result<(), CliError> {
    let report = load(dir)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    check_replaceable(out)?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_tree(&report.catalog, &tmp, base_url, feeds_only).and_then(|n| {
        swap_in(&tmp, out)?;
        Ok(n)
    });
    match result {
        Ok(n) => {
            let what = if feeds_only {
                ""
            } else {
                " and the site's pages"
            };
            eprintln!("wrote {n} feed(s){what} to {}", out.display());
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Written into every build: `build` replaces a directory whole, so it only
/// replaces one it wrote itself (or an empty one), never a user's files.
const MARKER: &str = ".coursecal-build";

fn check_replaceable(out: &Path) -> Result<(), CliError> {
    let refuse = |why: &str| CliError::Io {
        path: out.to_path_buf(),
        source: std::io::Error::other(format!(
            "{why}; refusing to replace it (choose another --out, or remove it first)"
        )),
    };
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(out)(e)),
        Ok(m) if !m.is_dir() => Err(refuse("exists and is not a directory")),
        Ok(_) => {
            let mut entries = std::fs::read_dir(out).map_err(io(out))?;
            if out.join(MARKER).is_file() || entries.next().is_none() {
                Ok(())
            } else {
                Err(refuse(&format!(
                    "is not empty and was not written by `coursecal build` (no {MARKER} file)"
                )))
            }
        }
    }
}

fn write_tree(
    catalog: &Catalog,
    root: &Path,
    base_url: Option<&str>,
    feeds_only: bool,
) -> Result<usize, CliError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(root).map_err(io(root))?;
    let marker = root.join(MARKER);
    std::fs::write(
        &marker,
        "Written by `coursecal build`, which replaces this directory whole.\n",
    )
    .map_err(io(&marker))?;
    let courses_dir = root.join("courses");
    std::fs::create_dir_all(&courses_dir).map_err(io(&courses_dir))?;
    // Courses are independent: render and write them on every core.
    catalog
        .courses
        .keys()
        .collect::<Vec<_>>()
        .par_iter()
        .try_for_each(|id| {
            let req = FeedRequest {
                courses: Courses::Some(vec![(*id).clone()]),
                ..FeedRequest::default()
            };
            let feed = catalog.feed(&req)?;
            let path = courses_dir.join(format!("{id}.ics"));
            std::fs::write(&path, feed.body).map_err(io(&path))
        })?;
    let all = catalog.feed(&FeedRequest::default())?;
    let path = root.join("calendar.ics");
    std::fs::write(&path, all.body).map_err(io(&path))?;
    if !feeds_only {
        // The HTML site: index, a page and a widget per course, assets.
        for (rel, bytes) in crate::site::export::files(catalog, base_url) {
            let path = root.join(&rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&path, bytes).map_err(io(&path))?;
        }
    }
    Ok(catalog.courses.len() + 1)
}

fn swap_in(tmp: &Path, out: &Path) -> Result<(), CliError> {
    if out.exists() {
        // Linux swaps the two directories in one step: a static server
        // reading `out` sees the old tree or the new one, never neither.
        #[cfg(target_os = "linux")]
        if rustix::fs::renameat_with(
            rustix::fs::CWD,
            tmp,
            rustix::fs::CWD,
            out,
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .is_ok()
        {
            let _ = std::fs::remove_dir_all(tmp);
            return Ok(());
        }
        let old = out.with_file_name(format!(
            ".{}.old-{}",
            out.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id()
        ));
        std::fs::rename(out, &old).map_err(io(out))?;
        if let Err(e) = std::fs::rename(tmp, out) {
            // Put the previous output back before reporting.
            let _ = std::fs::rename(&old, out);
            return Err(io(out)(e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, out).map_err(io(out))?;
    }
    Ok(())
}
