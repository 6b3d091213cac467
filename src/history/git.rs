//! Versions from git: the committed versions of a schedule file (and of the
//! metadata file it names) reachable from `HEAD`, each stamped with its
//! committer date, read in-process through `gix` (no `git` binary). Replicas
//! and CI builds at the same commit see the same versions, so their bytes
//! agree.
//!
//! Incremental: the walk is redone only when `HEAD` moves, and each
//! distinct (schedule blob, metadata blob) pair is compiled once per
//! process.

use super::fold::Version;
use crate::model::{Course, CourseId};
use crate::schedule::load::compile_version;
use crate::schedule::ocw::stays_inside;
use crate::schedule::read::MAX_FILE_BYTES;
use chrono::{DateTime, Utc};
use gix::ObjectId;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// One commit of the walk: its tree and committer date (seconds).
#[derive(Debug, Clone, Copy)]
struct Commit {
    tree: ObjectId,
    at: i64,
}

/// The git work tree a schedules directory lies in, with what was read.
#[derive(Debug)]
pub struct Repo {
    /// Where `gix` opens it: the work tree root (canonical).
    workdir: PathBuf,
    /// A shallow clone: the versions start at its boundary, so its feeds
    /// differ from a full clone's (said in `/healthz` and the logs).
    pub shallow: bool,
    /// The commits reachable from `HEAD`, oldest first, for that `HEAD`.
    walked: Option<(ObjectId, Arc<Vec<Commit>>)>,
    /// Each (course, schedule blob, metadata blob) compiled; `None`: did not
    /// compile. The course id is part of the key because UIDs are made from
    /// it: a file copied to start a new term has the same blob as its
    /// source, and must not take on the source's UIDs.
    compiled: HashMap<(CourseId, ObjectId, Option<ObjectId>), Option<Arc<Course>>>,
    /// The metadata file a schedule blob names (relative to its directory).
    metadata_of: HashMap<ObjectId, Option<String>>,
    /// Per schedules directory (relative to the work tree) and root tree:
    /// whether that tree holds the directory. Every course of a directory
    /// asks the same of each commit; a directory no commit holds (one that
    /// git ignores) then costs a lookup per commit once, not once per
    /// course — it was half of a `build` in a work tree with history.
    holds_dir: HashMap<PathBuf, HashMap<ObjectId, bool>>,
}

/// The repository as opened for one load (see [`Repo::versions`]).
#[derive(Default)]
pub struct Opened(Option<gix::Repository>);

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Opened(open)"
        } else {
            "Opened(not yet)"
        })
    }
}

fn err(e: impl std::fmt::Display) -> String {
    format!("git: {e}")
}

/// `base/rel` without `.` and `..`, as a path inside the repository, when
/// `rel` stays inside `base` (the live loader's rule, `ocw::stays_inside`);
/// `None` otherwise, so a version never reads what the live load refuses.
fn join_lexically(base: &Path, rel: &str) -> Option<PathBuf> {
    if !stays_inside(Path::new(rel)) {
        return None;
    }
    let mut out: Vec<&std::ffi::OsStr> = base
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    Some(out.iter().collect())
}

/// The blob `entry` names, if it is one (a tree or a submodule at the
/// schedule's path in some old commit is no version, not an error).
fn blob_of(entry: &gix::object::tree::Entry<'_>) -> Option<ObjectId> {
    entry.mode().is_blob().then(|| entry.object_id())
}

impl Repo {
    /// The work tree `dir` lies in, if any (`None`: no git here).
    pub fn discover(dir: &Path) -> Option<Repo> {
        let repo = gix::discover(dir).ok()?;
        let workdir = std::fs::canonicalize(repo.workdir()?).ok()?;
        Some(Repo {
            // Unknown (an unreadable `shallow` file) is said as shallow:
            // a warning too many, never a silent partial history.
            shallow: repo.is_shallow().unwrap_or(true),
            workdir,
            walked: None,
            compiled: HashMap::new(),
            metadata_of: HashMap::new(),
            holds_dir: HashMap::new(),
        })
    }

    /// The commit `HEAD` points at now (`None`: no commit yet), read from
    /// the repository as this load opened it.
    pub fn head(&self, open: &mut Opened) -> Result<Option<ObjectId>, String> {
        Ok(self.opened(open)?.head_id().ok().map(|id| id.detach()))
    }

    /// The commits reachable from `head` (`HEAD` as [`Repo::head`] read it
    /// at the start of the load: every course of one load sees one walk).
    fn walk(
        &mut self,
        repo: &gix::Repository,
        head: Option<ObjectId>,
    ) -> Result<Arc<Vec<Commit>>, String> {
        let Some(head) = head else {
            return Ok(Arc::new(Vec::new()));
        };
        if let Some((at, walked)) = &self.walked
            && *at == head
        {
            return Ok(walked.clone());
        }
        let mut commits = Vec::new();
        // First parents only: the versions main had, not the intermediate
        // states of merged branches (two branches moving two items would
        // otherwise read as moves back and forth).
        for info in repo
            .rev_walk([head])
            .first_parent_only()
            .all()
            .map_err(err)?
        {
            let info = info.map_err(err)?;
            let commit = repo.find_commit(info.id).map_err(err)?;
            let at = commit.time().map_err(err)?.seconds;
            let tree = commit.tree_id().map_err(err)?.detach();
            commits.push(Commit { tree, at });
        }
        // The walk lists children before parents; oldest first by committer
        // date, ties in walk order (a stable sort of the reversed walk).
        commits.reverse();
        commits.sort_by_key(|c| c.at);
        let walked = Arc::new(commits);
        self.walked = Some((head, walked.clone()));
        Ok(walked)
    }

    /// The repository, opened once for a whole load and kept in `open`:
    /// opening reads config files and the object database's index, which,
    /// once per course, was most of the history's cost in a `build` of
    /// 1,000 courses. (A `gix::Repository` is not `Send`, so it lives in
    /// the load, not in `Repo`; each load opens it again and sees packs
    /// written since, e.g. by `git gc`.)
    fn opened<'o>(&self, open: &'o mut Opened) -> Result<&'o gix::Repository, String> {
        let repo = match open.0.take() {
            Some(repo) => repo,
            None => {
                let mut repo = gix::open(&self.workdir).map_err(err)?;
                // Trees of neighbouring commits share most of their objects.
                repo.object_cache_size_if_unset(8 * 1024 * 1024);
                repo
            }
        };
        Ok(open.0.insert(repo))
    }

    /// The committed versions of the schedule file `path` (course `id`)
    /// reachable from `head` (the `HEAD` this load began with),
    /// oldest first. Versions that do not compile are left out.
    pub fn versions(
        &mut self,
        open: &mut Opened,
        head: Option<ObjectId>,
        path: &Path,
        id: &CourseId,
    ) -> Result<Vec<Version>, String> {
        let repo = self.opened(open)?;
        let canonical = std::fs::canonicalize(path).map_err(err)?;
        let Ok(rel) = canonical.strip_prefix(&self.workdir) else {
            return Ok(Vec::new());
        };
        let rel = rel.to_path_buf();
        let dir_rel = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        let commits = self.walk(repo, head)?;
        let mut versions: Vec<Version> = Vec::new();
        let mut last: Option<(CourseId, ObjectId, Option<ObjectId>)> = None;
        let mut holds_dir = self.holds_dir.remove(&dir_rel).unwrap_or_default();
        for c in commits.iter() {
            if holds_dir.get(&c.tree) == Some(&false) {
                continue;
            }
            let tree = repo.find_tree(c.tree).map_err(err)?;
            if let std::collections::hash_map::Entry::Vacant(slot) = holds_dir.entry(c.tree) {
                let holds = dir_rel.as_os_str().is_empty()
                    || tree
                        .lookup_entry_by_path(&dir_rel)
                        .map_err(err)?
                        .is_some_and(|e| e.mode().is_tree());
                slot.insert(holds);
                if !holds {
                    continue;
                }
            }
            let Some(entry) = tree.lookup_entry_by_path(&rel).map_err(err)? else {
                continue;
            };
            let Some(blob) = blob_of(&entry) else {
                continue;
            };
            let meta_rel = match self.metadata_of.get(&blob) {
                Some(m) => m.clone(),
                None => None,
            };
            let meta_blob = meta_blob_in(&tree, &dir_rel, meta_rel.as_deref())?;
            let key = (id.clone(), blob, meta_blob);
            if last.as_ref() == Some(&key) {
                continue;
            }
            last = Some(key.clone());
            let course = match self.compiled.get(&key) {
                Some(c) => c.clone(),
                None => {
                    let (course, named) = compile_at(repo, &tree, &rel, &dir_rel, blob, id)?;
                    // The first compile of a blob learns which metadata file
                    // it names; its key then includes that file's blob.
                    let first_time = !self.metadata_of.contains_key(&blob);
                    self.metadata_of.insert(blob, named.clone());
                    let key = match (&named, first_time) {
                        (Some(m), true) => {
                            let key = (id.clone(), blob, meta_blob_in(&tree, &dir_rel, Some(m))?);
                            last = Some(key.clone());
                            key
                        }
                        _ => key,
                    };
                    self.compiled.insert(key, course.clone());
                    course
                }
            };
            let Some(course) = course else { continue };
            let Some(at) = DateTime::<Utc>::from_timestamp(c.at, 0) else {
                continue;
            };
            // A commit that leaves the compiled course as it was (a comment)
            // is not a new version.
            if versions.last().is_some_and(|v| *v.course == *course) {
                continue;
            }
            versions.push(Version { at, course });
        }
        self.holds_dir.insert(dir_rel, holds_dir);
        Ok(versions)
    }
}

/// The blob of the metadata file `named` (relative to the schedule's
/// directory `dir_rel`) in `tree`, if it names one that is there.
fn meta_blob_in(
    tree: &gix::Tree<'_>,
    dir_rel: &Path,
    named: Option<&str>,
) -> Result<Option<ObjectId>, String> {
    let Some(path) = named.and_then(|m| join_lexically(dir_rel, m)) else {
        return Ok(None);
    };
    Ok(tree
        .lookup_entry_by_path(path)
        .map_err(err)?
        .as_ref()
        .and_then(blob_of))
}

/// A blob's text, when it is UTF-8 within the live loader's size limit
/// (the header is read first, so a huge blob in an old commit is never
/// loaded into memory).
fn small_text(repo: &gix::Repository, blob: ObjectId) -> Result<Option<String>, String> {
    if repo.find_header(blob).map_err(err)?.size() > MAX_FILE_BYTES {
        return Ok(None);
    }
    let data = repo.find_blob(blob).map_err(err)?.detach().data;
    Ok(String::from_utf8(data).ok())
}

/// Compile the schedule blob of one commit, reading the metadata file it
/// names from the same commit; also says which metadata file it named.
fn compile_at(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    rel: &Path,
    dir_rel: &Path,
    blob: ObjectId,
    id: &CourseId,
) -> Result<(Option<Arc<Course>>, Option<String>), String> {
    let Some(text) = small_text(repo, blob)? else {
        return Ok((None, None));
    };
    let mut named = None;
    let mut read_meta = |m: &str| -> Option<String> {
        named = Some(m.to_owned());
        let meta = meta_blob_in(tree, dir_rel, Some(m)).ok()??;
        small_text(repo, meta).ok()?
    };
    let course = compile_version(id, rel, text, &mut read_meta).ok();
    Ok((course.map(Arc::new), named))
}
