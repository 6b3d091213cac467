//! coursecal: course schedules (YAML) → RFC 5545 calendar feeds, served
//! over HTTP or exported as a static site; schedules can be imported from
//! course pages (text or HTML), spreadsheets (CSV), calendar exports (.ics)
//! and Open edX course exports.
//!
//! The layers, which layer may use which, the cargo features and why they
//! are features rather than crates are described once, in
//! `docs/architecture.md` (the one map). This page is the API an embedding
//! program uses: every module is private, and everything public is
//! re-exported here.
//!
//! # Features
//!
//! | feature | on by default | adds |
//! |---|---|---|
//! | (none) | — | [`compile`], [`Catalog`], [`feed`], [`render`], [`export`]: no web stack |
//! | `server` | yes | [`serve`], [`Server`], [`ServeConfig`] (tokio, hyper, axum) |
//! | `import` | yes | [`import_path`] and the other importers |
//! | `cli` | yes | the `coursecal` binary (clap) |
//!
//! An LMS plugin or a build script that only turns schedules into feeds
//! depends on `coursecal = { version = "0.1", default-features = false }`.
//!
//! # A schedule from text to a feed
//!
//! ```
//! let yaml = "course:\n  title: Demo\n  timezone: UTC\n  updated: 2026-11-01T00:00:00Z\n\
//!             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
//! let compiled = coursecal::compile("demo-101", "demo-101.yaml", yaml).unwrap();
//! let feed = coursecal::render(&[&compiled.course], coursecal::Zone::Utc, coursecal::KindSet::ALL);
//! assert!(feed.body.contains("SUMMARY:Kick-off"));
//! ```
//!
//! Errors come back as [`Diagnostic`]s with file, line, column and a hint:
//!
//! ```
//! let errors = coursecal::compile("demo-101", "demo-101.yaml", "course:\n  titel: Demo\n").unwrap_err();
//! assert!(errors.iter().any(|d| d.render().contains("title")));
//! ```
//!
//! # A directory of schedules
//!
//! [`Catalog::load_dir`] reads every `*.yaml` of a directory (bad files are
//! reported, not fatal); [`feed`] renders one request against it and
//! [`export`] writes the static site (pages and feeds).
//!
//! ```no_run
//! let report = coursecal::Catalog::load_dir("schedules".as_ref());
//! let feed = coursecal::feed(&report.catalog, &coursecal::FeedRequest::default()).unwrap();
//! println!("{}", feed.body);
//! ```
//!
//! # The server in an application's own runtime
//!
//! ```no_run
//! # #[cfg(feature = "server")]
//! # async fn demo() -> Result<(), coursecal::ServeError> {
//! let config = coursecal::ServeConfig::new("schedules".into(), "127.0.0.1:8080".parse().unwrap());
//! let server = coursecal::Server::bind(config).await?;
//! server.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
//!
//! See `examples/compile.rs` (a schedule string to a feed, library only) and
//! `examples/embed.rs` (the server inside an application's runtime).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Without the `server` and `import` features, helpers that only they call
// (query parsing, cache stamps, text rules for imports) are unused; the
// default build, which clippy checks with -D warnings, still flags dead code.
#![cfg_attr(
    not(all(feature = "server", feature = "import")),
    allow(dead_code, unused_imports)
)]

mod catalog;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
mod ics;
#[cfg(feature = "import")]
mod import;
mod model;
mod schedule;
#[cfg(feature = "server")]
mod server;
mod site;

pub use catalog::{Catalog, LoadReport, Loader};
pub use ics::{Feed, render};
pub use model::{
    Alarms, Course, CourseId, Courses, Event, FeedRequest, InvalidCourseId, Kind, KindSet, Pace,
    RequestError, Shift, UnknownKind, UnknownZone, Variant, When, Zone, parse_kinds,
    parse_personal, parse_zone,
};
pub use schedule::{Compiled, Diagnostic, MetadataEntry, compile, compile_file, compile_text};
pub use site::export::{ExportError, ExportOptions, Summary as ExportSummary, write as export};
pub use site::render::feed;

#[cfg(feature = "import")]
pub use import::{
    ImportError, ImportOptions, Imported, Source, Unread, import_calendar, import_olx_archive,
    import_olx_dir, import_page, import_path, import_sheet,
};
#[cfg(feature = "server")]
pub use server::{ServeConfig, ServeError, Server, serve};

/// Hooks for this crate's own tests, fuzzers and benchmarks: not part of
/// the API, may change in any release.
#[doc(hidden)]
pub mod testing {
    pub use crate::ics::read as ics_read;
    pub use crate::ics::vtimezone::transitions;
    pub use crate::ics::writer::Writer;
    pub use crate::site::{asset_version, encode_uri_component};

    #[cfg(feature = "server")]
    pub use crate::server::{AppState, router};
}
