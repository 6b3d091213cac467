//! coursecal: course schedules → RFC 5545 calendar feeds.
//!
//! Data flows one way: `schedule` (YAML with locations) → `course` (resolved
//! events) → `ics` (feed bytes), with `filter` describing which feed and
//! `catalog` holding the loaded courses.
#![forbid(unsafe_code)]
// Diagnostics are large but only travel on the error path of file loading.
#![allow(clippy::result_large_err)]

pub mod catalog;
pub mod cli;
pub mod ics;
pub mod model;
pub mod schedule;
pub mod server;
pub mod site;
