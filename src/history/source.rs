//! Where a schedules directory's versions come from: git or the journal.

use super::fold::Version;
use super::{git, journal};
use crate::model::Course;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What every course of one load shares: the instant the load began
/// (it stamps new versions) and the git repository as opened for it.
#[derive(Debug)]
pub struct Load {
    now: DateTime<Utc>,
    opened: git::Opened,
}

impl Load {
    /// A load that began at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Load {
            now,
            opened: git::Opened::default(),
        }
    }
}

/// Where a schedules directory's versions come from, decided once.
#[derive(Debug)]
pub enum Source {
    /// The directory lies in a git work tree.
    Git {
        /// The repository, with what was read of it.
        repo: Box<git::Repo>,
        /// `HEAD` at the last load.
        head: Option<gix::ObjectId>,
        /// Per schedule file, every uncommitted version this process
        /// served, each stamped when it was first loaded. They stay after
        /// a commit, so SEQUENCE never goes back: an edit reverted before
        /// it was committed is a move back, and a second edit before a
        /// commit is a second move. Held in memory only: a restart forgets
        /// them (then the commits alone count, as on every replica).
        uncommitted: BTreeMap<std::path::PathBuf, Vec<Version>>,
    },
    /// A journal in the state directory.
    Journal(Box<journal::Journal>),
}

impl Source {
    /// Git when `dir` lies in a work tree, else the journal in `state`
    /// (`None`: no history at all).
    pub fn new(dir: &std::path::Path, state: Option<&std::path::Path>) -> Option<Source> {
        if let Some(repo) = git::Repo::discover(dir) {
            return Some(Source::Git {
                repo: Box::new(repo),
                head: None,
                uncommitted: BTreeMap::new(),
            });
        }
        state.map(|s| Source::Journal(Box::new(journal::Journal::new(s, dir))))
    }

    /// "git" or "journal <path>", for logs and `/healthz`.
    pub fn describe(&self) -> String {
        match self {
            Source::Git { repo, .. } if repo.shallow => {
                "git (a shallow clone: versions before its boundary are not seen, so SEQUENCE and the change feeds differ from a full clone's; fetch with --unshallow)".to_owned()
            }
            Source::Git { .. } => "git".to_owned(),
            Source::Journal(j) => format!("journal {}", j.path().display()),
        }
    }

    /// Before a load: whether every course's history must be read again
    /// (`HEAD` moved), else only those of files re-read.
    pub fn begin(&mut self, load: &mut Load) -> Result<bool, String> {
        match self {
            Source::Git { repo, head, .. } => {
                let now = repo.head(&mut load.opened)?;
                let moved = now != *head;
                *head = now;
                Ok(moved)
            }
            Source::Journal(j) => {
                j.begin()?;
                Ok(false)
            }
        }
    }

    /// After a load: make what it recorded durable (the journal's one
    /// transaction per load).
    pub fn finish(&mut self) -> Result<(), String> {
        match self {
            Source::Git { .. } => Ok(()),
            Source::Journal(j) => j.finish(),
        }
    }

    /// The versions of the course `current`, just loaded from `inputs`
    /// (its schedule file, then the metadata file it names), oldest first,
    /// `current` last; the load's `now` stamps it when it is new (an
    /// uncommitted edit, or a version the journal records).
    pub fn versions(
        &mut self,
        load: &mut Load,
        current: &Arc<Course>,
        texts: &str,
        inputs: &[std::path::PathBuf],
    ) -> Result<Vec<Version>, String> {
        let now = load.now;
        let Some(path) = inputs.first() else {
            return Ok(Vec::new());
        };
        match self {
            Source::Git {
                repo,
                uncommitted,
                head,
            } => {
                let committed = repo.versions(&mut load.opened, *head, path, &current.id)?;
                let served = uncommitted.entry(path.clone()).or_default();
                let mut versions = interleave(committed.clone(), served);
                if versions.last().is_none_or(|v| *v.course != **current) {
                    let v = Version {
                        at: now,
                        course: current.clone(),
                    };
                    served.push(v.clone());
                    versions = interleave(committed, served);
                }
                Ok(versions)
            }
            Source::Journal(j) => j.record_and_load(&current.id, current, texts, inputs, now),
        }
    }
}

/// Commits and uncommitted versions in the order they were made (a commit
/// first on a tie), a version equal to the one before it dropped.
fn interleave(committed: Vec<Version>, served: &[Version]) -> Vec<Version> {
    let mut all = committed;
    all.extend(served.iter().cloned());
    // Stable: commits (pushed first) stay before saves of the same instant.
    all.sort_by_key(|v| v.at);
    all.dedup_by(|later, earlier| *later.course == *earlier.course);
    all
}
