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
pub use source::{Load, Source};

/// The state directory (the journal lives there): `given` (`--state`,
/// `COURSECAL_STATE`), else `$XDG_STATE_HOME/coursecal`, else
/// `~/.local/state/coursecal`; `None` when none of them is known (no
/// journal then, and no error).
pub fn state_dir(given: Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    given
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("coursecal")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/coursecal")))
}
