//! The loaded set of courses. The server swaps a whole catalog atomically on
//! reload; the CLI builds one and renders from it.

use crate::course::Course;
use crate::diagnostic::Diagnostic;
use crate::filter::{Courses, FeedRequest, FilterError};
use crate::ics::{Feed, render};
use crate::schedule::load::{Loaded, load_course};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// By course id, so every listing is sorted.
    pub courses: BTreeMap<String, Arc<Course>>,
}

/// The outcome of reading a schedules directory.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub catalog: Catalog,
    /// Errors of files that did not compile (their courses are absent).
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Files each loaded course was made from, for reload.
    pub inputs: BTreeMap<String, Vec<PathBuf>>,
}

/// Schedule files in `dir`: `*.yaml`/`*.yml`, not starting with `.` or `_`.
pub fn schedule_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::error(dir, format!("cannot read the schedules directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Diagnostic::error(dir, format!("cannot list: {e}")))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_schedule = name.ends_with(".yaml") || name.ends_with(".yml");
        if is_schedule && !name.starts_with('.') && !name.starts_with('_') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

impl Catalog {
    /// Load every schedule in `dir`. Files that fail are reported, never
    /// half-loaded.
    pub fn load_dir(dir: &Path) -> LoadReport {
        let mut report = LoadReport::default();
        let files = match schedule_files(dir) {
            Ok(f) => f,
            Err(d) => {
                report.errors.push(d);
                return report;
            }
        };
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in files {
            match load_course(&path) {
                Ok(Loaded {
                    course,
                    warnings,
                    inputs,
                }) => {
                    if let Some(first) = seen.get(&course.id) {
                        report.errors.push(
                            Diagnostic::error(
                                &path,
                                format!("course id `{}` is defined twice", course.id),
                            )
                            .label(format!("also defined by {}", first.display()))
                            .help("keep one of the two files"),
                        );
                        report.catalog.courses.remove(&course.id);
                        continue;
                    }
                    seen.insert(course.id.clone(), path.clone());
                    report.warnings.extend(warnings);
                    report.inputs.insert(course.id.clone(), inputs);
                    report
                        .catalog
                        .courses
                        .insert(course.id.clone(), Arc::new(course));
                }
                Err(diags) => report.errors.extend(diags),
            }
        }
        report
    }

    /// The courses a request names, or the 404-style error for the first
    /// unknown one.
    pub fn select(&self, courses: &Courses) -> Result<Vec<&Course>, FilterError> {
        match courses {
            Courses::All => Ok(self.courses.values().map(|c| c.as_ref()).collect()),
            Courses::Some(ids) => ids
                .iter()
                .map(|id| {
                    self.courses.get(id).map(|c| c.as_ref()).ok_or_else(|| {
                        FilterError::UnknownCourse {
                            input: id.clone(),
                            suggestion: crate::diagnostic::closest(
                                id,
                                self.courses.keys().map(String::as_str),
                            )
                            .map(str::to_owned),
                        }
                    })
                })
                .collect(),
        }
    }

    /// Render one feed variant.
    pub fn feed(&self, req: &FeedRequest) -> Result<Feed, FilterError> {
        let courses = self.select(&req.courses)?;
        Ok(render(&courses, req.zone, req.kinds))
    }
}
