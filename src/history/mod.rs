//! Earlier versions of each course and what changed between them, per
//! event. A version is a compiled course and the instant it was made (a
//! git commit's committer date, or when a journal recorded it); [`fold`]
//! turns versions, oldest first, into the facts feeds carry (`SEQUENCE`,
//! `LAST-MODIFIED`, removed items as cancelled) and the list of changes
//! the change feeds and `coursecal changes` show.
//!
//! Where versions come from: [`git`] (the schedules directory lies in a git
//! work tree) or [`journal`] (an SQLite file in the state directory).
//! Everything here is a pure function of the versions: no clock.

mod fold;
pub mod git;
pub mod journal;
mod source;

pub use fold::{Change, History, Span, Version, What, fold};
pub use source::Source;
