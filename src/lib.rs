//! coursecal: course schedules → RFC 5545 calendar feeds, served over HTTP
//! or exported as a static site.
//!
//! # Layers
//!
//! Data flows one way, and so do imports: each layer uses only the layers
//! below it (`tests/architecture.rs` fails the build otherwise, and on any
//! cycle between files).
//!
//! | layer | holds | uses |
//! |---|---|---|
//! | [`model`] | ids, kinds, courses and events (valid by construction), zones, the feed request | nothing of ours |
//! | [`schedule`] | reading, validating and resolving schedule files into a `Course`, with located diagnostics | `model` |
//! | [`import`] | a schedule file from a course page (text or HTML) | `schedule`, `model` |
//! | [`ics`] | the RFC 5545 writer, VTIMEZONE, feed rendering | `model` |
//! | [`history`] | earlier versions of each course (git commits or a journal) and what changed, per event | `schedule`, `model` |
//! | [`catalog`] | a directory of schedules: fingerprints, last good version, each course with its history | `history`, `schedule`, `model` |
//! | [`site`] | HTML pages, a catalog's feeds, the static export | `catalog`, `ics`, `model` |
//! | [`server`] | routes, caching, conditional GET, reload, the accept loop | all of the above |
//! | [`cli`] | arguments, printing, exit codes | all of the above |
//!
//! # Embedding
//!
//! ```no_run
//! # async fn demo() -> Result<(), coursecal::server::ServeError> {
//! let config = coursecal::server::ServeConfig::new("schedules".into(), "127.0.0.1:8080".parse().unwrap());
//! let shutdown = async { let _ = tokio::signal::ctrl_c().await; };
//! coursecal::server::run(config, shutdown).await
//! # }
//! ```
//!
//! See `examples/compile.rs` (one schedule from a string to a feed) and
//! `examples/embed.rs` (the server inside an application's own runtime).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalog;
pub mod cli;
pub mod history;
pub mod ics;
pub mod import;
pub mod model;
pub mod schedule;
pub mod server;
pub mod site;

pub use catalog::Catalog;
pub use model::{Course, Courses, Event, FeedRequest, Kind, KindSet, Variant, When, Zone};
pub use schedule::{Diagnostic, compile, compile_file};
pub use site::feed;
