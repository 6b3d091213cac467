//! The loaded set of courses. [`Loader`] reads a schedules directory and,
//! on reload, re-reads only files that changed and keeps the last good
//! version of a file that became invalid; the server swaps whole catalogs.

use crate::history;
pub use crate::history::{Change, Span, What};
use crate::model::Course;
use crate::model::{Courses, RequestError};
use crate::schedule::diagnostic::Diagnostic;
use crate::schedule::load::{Loaded, load_course_tracked};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

#[derive(Debug, Clone, Default)]
/// A set of loaded courses, by id.
///
/// # Examples
///
/// ```
/// let catalog = coursecal::Catalog::load_dir("schedules".as_ref()).catalog;
/// let all = catalog.select(&coursecal::Courses::All).unwrap();
/// assert_eq!(all.len(), catalog.courses.len());
/// assert!(catalog.select(&coursecal::Courses::from_ids(["no-such-course"])).is_err());
/// ```
pub struct Catalog {
    /// By course id, so every listing is sorted. With history, each course
    /// carries its events' history facts and its cancelled removals.
    pub courses: BTreeMap<crate::model::CourseId, Arc<Course>>,
    /// What changed in each course, oldest first (empty without history).
    pub changes: BTreeMap<crate::model::CourseId, Arc<[Change]>>,
}

/// The outcome of reading a schedules directory.
///
/// # Examples
///
/// ```
/// let dir = std::path::Path::new("schedules");
/// let report = coursecal::Catalog::load_dir(dir);
/// assert!(report.errors.is_empty(), "{}", report.problems());
/// assert!(report.summary(dir).starts_with("checked schedules: "));
/// ```
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    /// Every course that compiled (or its last good version).
    pub catalog: Catalog,
    /// Errors of files that did not compile. A course whose file broke after
    /// loading once stays in the catalog in its last good version.
    pub errors: Vec<Diagnostic>,
    /// Warnings of the files that compiled.
    pub warnings: Vec<Diagnostic>,
    /// Files re-read by this load (the rest were unchanged).
    pub reread: usize,
    /// Whether anything differs from the previous load (files re-read,
    /// removed, or the directory's readability changed).
    pub changed: bool,
    /// Where history comes from ("git", "journal PATH"), if anywhere.
    pub history: Option<String>,
    /// Why history could not be read or recorded: those courses are served
    /// without it (never a crash, never a reset of what was recorded).
    pub history_errors: Vec<String>,
}

impl LoadReport {
    /// Every problem as the command line prints it: history that could not
    /// be read, then each warning and error rendered with its snippet.
    pub fn problems(&self) -> String {
        let history = self.history_errors.iter();
        let history = history.map(|e| format!("error: {e} (continuing without history)\n"));
        let mut text: String = history.collect();
        text.push_str(&Diagnostic::render_all(&self.warnings));
        text.push_str(&Diagnostic::render_all(&self.errors));
        text
    }

    /// The closing line of `coursecal check` for the directory `dir`.
    pub fn summary(&self, dir: &Path) -> String {
        format!(
            "checked {}: {} course(s) ok, {} error(s), {} warning(s)",
            dir.display(),
            self.catalog.courses.len(),
            self.errors.len(),
            self.warnings.len(),
        )
    }
}

/// Schedule files in `dir`: `*.yaml`/`*.yml` (any case), not starting with
/// `.` or `_` (editor swap files, drafts).
pub fn schedule_files(dir: &Path) -> Result<Vec<PathBuf>, Box<Diagnostic>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::error(dir, format!("cannot read the schedules directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Diagnostic::error(dir, format!("cannot list: {e}")))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_lowercase();
        let is_schedule = name.ends_with(".yaml") || name.ends_with(".yml");
        if is_schedule && !name.starts_with('.') && !name.starts_with('_') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// What identifies one version of an input file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    /// Inode and status-change time (unix): a file swapped in by rename
    /// with the same size and mtime, or made unreadable by chmod, is a
    /// change too.
    #[cfg(unix)]
    ino: u64,
    #[cfg(unix)]
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
            #[cfg(unix)]
            ino: meta.ino(),
            #[cfg(unix)]
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// The stamp of each input (None when it cannot be stat'ed): a change
/// means re-read.
type Fingerprint = Vec<(PathBuf, Option<Stamp>)>;

fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path).ok().map(|m| Stamp::of(&m))
}

fn fingerprint(inputs: &[PathBuf]) -> Fingerprint {
    inputs.iter().map(|p| (p.clone(), stamp(p))).collect()
}

#[derive(Debug)]
struct Entry {
    fingerprint: Fingerprint,
    result: Result<Loaded, Vec<Diagnostic>>,
    last_good: Option<Loaded>,
}

/// Reads a schedules directory, remembering what it read.
///
/// # Examples
///
/// ```
/// let mut loader = coursecal::Loader::new(std::path::Path::new("schedules"));
/// let first = loader.reload();
/// assert!(first.changed && first.reread > 0);
/// // Nothing changed on disk: nothing is re-read.
/// let again = loader.reload();
/// assert_eq!(again.reread, 0);
/// ```
#[derive(Debug)]
pub struct Loader {
    dir: PathBuf,
    /// Whether diagnostics show paths relative to `dir` (the default: the
    /// server reports them on `/healthz`) or as given (the command line).
    relative_paths: bool,
    entries: BTreeMap<PathBuf, Entry>,
    dir_error: Option<String>,
    loaded_once: bool,
    history: Option<history::Source>,
    /// Per file: the course as loaded, and as its history made it.
    historic: BTreeMap<PathBuf, Historic>,
}

#[derive(Debug, Clone)]
struct Historic {
    loaded: Arc<Course>,
    course: Arc<Course>,
    changes: Arc<[Change]>,
}

impl Loader {
    /// A loader for the schedules directory `dir` (nothing read yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Loader {
            dir: dir.into(),
            relative_paths: true,
            entries: BTreeMap::new(),
            dir_error: None,
            loaded_once: false,
            history: None,
            historic: BTreeMap::new(),
        }
    }

    /// Courses carry their history: from git when the directory lies in a
    /// work tree, else from a journal in `state` (`None`: no journal).
    pub fn with_history(mut self, state: Option<&Path>) -> Self {
        self.history = history::Source::new(&self.dir, state);
        self
    }

    /// Diagnostics name files by their paths as given (`dir/<file>`), for
    /// the command line; by default they are relative to `dir`.
    pub fn paths_as_given(mut self) -> Self {
        self.relative_paths = false;
        self
    }

    /// The schedules directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// (Re)load the directory: new and changed files are read, deleted ones
    /// dropped, unchanged ones reused.
    ///
    /// ```
    /// let mut loader = coursecal::Loader::new("schedules");
    /// let first = loader.reload();
    /// assert!(first.reread > 0);
    /// // Nothing changed on disk: nothing is read again.
    /// assert_eq!(loader.reload().reread, 0);
    /// ```
    pub fn reload(&mut self) -> LoadReport {
        let mut report = LoadReport::default();
        let before = self.entries.len();
        let dir_error = match schedule_files(&self.dir) {
            Ok(files) => {
                let present: std::collections::HashSet<&PathBuf> = files.iter().collect();
                self.entries.retain(|p, _| present.contains(p));
                report.changed |= self.entries.len() != before;
                // Re-read a file only when one of its inputs changed. That
                // holds for files that failed too (their fingerprint covers
                // the schedule and any metadata file it names, present or
                // not): re-reading them on every event would make each read
                // (an inotify open event) trigger the next reload.
                let stale: Vec<PathBuf> = files
                    .into_iter()
                    .filter(|path| {
                        !self
                            .entries
                            .get(path)
                            .is_some_and(|e| fingerprint(&inputs_of(e)) == e.fingerprint)
                    })
                    .collect();
                let todo: Vec<(PathBuf, Option<Entry>)> = stale
                    .into_iter()
                    .map(|path| {
                        let previous = self.entries.remove(&path);
                        (path, previous)
                    })
                    .collect();
                report.reread = todo.len();
                // Parsing dominates a cold start: use every core.
                let loaded: Vec<(PathBuf, Entry)> = todo
                    .into_par_iter()
                    .map(|(path, previous)| {
                        let entry = load_entry(&path, previous);
                        (path, entry)
                    })
                    .collect();
                self.entries.extend(loaded);
                None
            }
            // The directory vanished or became unreadable: keep serving
            // what was loaded, and say so.
            Err(d) => {
                let text = d.short();
                report.errors.push(*d);
                Some(text)
            }
        };
        report.changed |= report.reread > 0 || dir_error != self.dir_error || !self.loaded_once;
        self.dir_error = dir_error;
        self.loaded_once = true;
        let mut seen: BTreeMap<crate::model::CourseId, &Path> = BTreeMap::new();
        let mut load = history::Load::new(chrono::Utc::now());
        let mut reread_all = false;
        if let Some(source) = &mut self.history {
            report.history = Some(source.describe());
            match source.begin(&mut load) {
                Ok(moved) => reread_all = moved,
                Err(e) => report.history_errors.push(e),
            }
        }
        report.changed |= reread_all;
        self.historic.retain(|p, _| self.entries.contains_key(p));
        for (path, entry) in &self.entries {
            let loaded = match &entry.result {
                Ok(l) => {
                    report.warnings.extend(l.warnings.iter().cloned());
                    Some(l)
                }
                Err(diags) => {
                    report.errors.extend(diags.iter().cloned());
                    entry.last_good.as_ref()
                }
            };
            let Some(l) = loaded else { continue };
            let id = l.course.id.clone();
            if let Some(first) = seen.get(&id) {
                report.errors.push(
                    Diagnostic::error(path, format!("course id `{id}` is defined twice"))
                        .label(format!("also defined by {}", first.display()))
                        .help("keep one of the two files"),
                );
                report.catalog.courses.remove(&id);
                continue;
            }
            seen.insert(id.clone(), path);
            let h = match &mut self.history {
                Some(source) => historic(
                    source,
                    &mut load,
                    self.historic.get(path),
                    reread_all,
                    l,
                    &inputs_of(entry),
                    &mut report.history_errors,
                ),
                None => None,
            };
            match h {
                Some(h) => {
                    report.changed |= self
                        .historic
                        .get(path)
                        .is_none_or(|old| !Arc::ptr_eq(&old.course, &h.course));
                    report.catalog.courses.insert(id.clone(), h.course.clone());
                    report.catalog.changes.insert(id, h.changes.clone());
                    self.historic.insert(path.clone(), h);
                }
                None => {
                    report.catalog.courses.insert(id, l.course.clone());
                }
            }
        }
        if let Some(source) = &mut self.history
            && let Err(e) = source.finish()
        {
            report.history_errors.push(e);
        }
        if self.relative_paths {
            for d in report.errors.iter_mut().chain(report.warnings.iter_mut()) {
                d.make_relative_to(&self.dir);
            }
        }
        report
    }
}

/// `loaded` with its history: the previous result while the loaded course
/// is the same `Arc` and `HEAD` did not move (`reread`), else read again.
/// Facts equal to the previous ones keep the previous `Arc`s, so a commit
/// that changes nothing of a course (a README edit, `git pull` of another
/// course) leaves its cached variants warm. A history that cannot be read
/// keeps the previous facts while the course itself is unchanged (a
/// transient error: a full disk, `git gc` repacking), else leaves the
/// course without history, and says so either way.
fn historic(
    source: &mut history::Source,
    load: &mut history::Load,
    previous: Option<&Historic>,
    reread: bool,
    loaded: &Loaded,
    inputs: &[PathBuf],
    errors: &mut Vec<String>,
) -> Option<Historic> {
    let (loaded, texts) = (&loaded.course, loaded.texts.as_str());
    let same_course = previous.filter(|p| Arc::ptr_eq(&p.loaded, loaded));
    if let Some(p) = same_course
        && !reread
    {
        return Some(p.clone());
    }
    let versions = match source.versions(load, loaded, texts, inputs) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            return same_course.cloned();
        }
    };
    let (course, changes): (Arc<Course>, Arc<[Change]>) = match history::fold(&versions) {
        // Unchanged facts keep the previous `Arc`: cached variants stay warm.
        Some(h) => match previous {
            Some(p) if *p.course == h.course && *p.changes == *h.changes => {
                (p.course.clone(), p.changes.clone())
            }
            _ => (Arc::new(h.course), h.changes.into()),
        },
        None => (loaded.clone(), Arc::from(Vec::new())),
    };
    Some(Historic {
        loaded: loaded.clone(),
        course,
        changes,
    })
}

/// Read one file, keeping the last good version if it now fails.
fn load_entry(path: &Path, previous: Option<Entry>) -> Entry {
    let guess = previous
        .as_ref()
        .map(inputs_of)
        .unwrap_or_else(|| vec![path.to_path_buf()]);
    // Fingerprint before reading: a write racing the read is then seen as a
    // change next time.
    let before = fingerprint(&guess);
    let (mut result, inputs) = load_course_tracked(path);
    // An edit that leaves the compiled course as it was (a comment, spacing,
    // a rewrite with the same content) keeps the previous `Arc`: every
    // cached variant of it stays valid and warm across the reload.
    if let (Ok(l), Some(Some(old))) = (&mut result, previous.as_ref().map(|p| p.last_good.as_ref()))
        && *l.course == *old.course
    {
        l.course = old.course.clone();
    }
    // Stamps taken before the read where we have them; inputs first seen
    // in this read (a metadata file) are stamped now.
    let fingerprint = inputs
        .iter()
        .map(|p| match before.iter().find(|(q, _)| q == p) {
            Some(stamped) => stamped.clone(),
            None => (p.clone(), stamp(p)),
        })
        .collect();
    let last_good = match (&result, previous) {
        (Ok(l), _) => Some(l.clone()),
        (Err(_), Some(p)) => p.last_good,
        (Err(_), None) => None,
    };
    Entry {
        fingerprint,
        result,
        last_good,
    }
}

/// The files an entry was made from (its schedule, then its metadata).
fn inputs_of(entry: &Entry) -> Vec<PathBuf> {
    entry.fingerprint.iter().map(|(p, _)| p.clone()).collect()
}

impl Catalog {
    /// Load every schedule in `dir` once.
    /// Diagnostics name files by their paths as given.
    ///
    /// ```
    /// let report = coursecal::Catalog::load_dir("schedules".as_ref());
    /// assert!(report.errors.is_empty());
    /// assert!(report.catalog.courses.len() >= 2);
    /// ```
    pub fn load_dir(dir: &Path) -> LoadReport {
        Loader::new(dir).paths_as_given().reload()
    }

    /// The courses a request names, or the error for the first unknown one.
    pub fn select(&self, courses: &Courses) -> Result<Vec<&Course>, RequestError> {
        Ok(self
            .select_shared(courses)?
            .into_iter()
            .map(|c| c.as_ref())
            .collect())
    }

    /// [`Catalog::select`], as the shared values: a course whose file did
    /// not change between reloads is the same `Arc`.
    pub fn select_shared(&self, courses: &Courses) -> Result<Vec<&Arc<Course>>, RequestError> {
        match courses {
            Courses::All => Ok(self.courses.values().collect()),
            Courses::Some(ids) => ids
                .iter()
                .map(|id| {
                    self.courses
                        .get(id.as_str())
                        .ok_or_else(|| RequestError::UnknownCourse {
                            input: id.clone(),
                            suggestion: crate::model::suggest::closest(
                                id,
                                self.courses.keys().map(|k| k.as_str()),
                            )
                            .map(str::to_owned),
                        })
                })
                .collect(),
        }
    }
}
