//! The command line: clap definitions, one file per subcommand (parsing,
//! printing, exit codes), each calling the library's public API.
// The argument types' doc comments are --help text for a terminal, not
// Markdown (`main.rs` needs this module public, hidden from rustdoc).
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]

mod build;
mod changes;
mod check;
mod feed;
mod import;
mod serve;
mod shared;

pub use shared::CliError;

#[derive(Debug, clap::Parser)]
#[command(name = "coursecal", version)]
/// Course schedules → calendar feeds
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check every schedule file; print all problems (exit 1 if any).
    Check(shared::Schedules),
    /// Write every feed (courses/<id>.ics, calendar.ics) and the course
    /// pages to OUT, replacing OUT only when the whole build succeeded.
    Build(build::Build),
    /// Serve feeds over HTTP, reloading schedule files as they change.
    Serve(serve::Serve),
    /// Import a course page, spreadsheet, calendar or Open edX export for review.
    #[command(long_about = crate::import::ABOUT)]
    Import(import::Import),
    /// Print one feed variant to stdout (all courses when none is named).
    Feed(feed::Feed),
    /// Print what changed in the courses' history (all courses when none
    /// is named), newest first: moved, added, removed, cancelled,
    /// reinstated, renamed.
    Changes(changes::Changes),
}

/// Run one subcommand, printing diagnostics to stderr.
pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        Command::Check(a) => check::run(a),
        Command::Build(a) => build::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Import(a) => import::run(a),
        Command::Feed(a) => feed::run(a),
        Command::Changes(a) => changes::run(a),
    }
}
