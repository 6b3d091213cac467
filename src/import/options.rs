//! How to import: what the command line adds to what the source says.

/// How to import.
///
/// # Examples
///
/// ```
/// let options = coursecal::ImportOptions {
///     year: Some(2026),
///     ..coursecal::ImportOptions::default()
/// };
/// let imported = coursecal::import_page("Quiz 1 (December 8)\n", &options);
/// assert!(imported.yaml.contains("2026-12-08"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `metadata:` to write (a path relative to the schedule file).
    pub metadata: Option<String>,
    /// The course's zone: naive times are read in it, and it is written
    /// as `timezone:` (default: the source's own zone, else UTC).
    pub timezone: Option<chrono_tz::Tz>,
    /// The year of dates a page writes without one (`--year`).
    pub year: Option<i32>,
    /// Where the source came from, for the header comment.
    pub source: String,
    /// The course id the schedule is checked as (default: derived from
    /// [`ImportOptions::source`]'s name, else `imported`).
    pub id: Option<String>,
}

impl ImportOptions {
    /// How a source at `path` is named in the schedule's header comment:
    /// its file name only, so the schedule does not depend on where the
    /// source was on the importer's machine.
    pub fn source_name(path: &std::path::Path) -> String {
        match path.file_name() {
            Some(name) if !name.is_empty() => name.to_string_lossy().into_owned(),
            _ => path.display().to_string(),
        }
    }

    /// The course id to check the schedule as.
    pub fn course_id(&self) -> String {
        self.id.clone().unwrap_or_else(|| {
            // `course.tar.gz` → `course`: every extension off.
            let stem = self.source.split('.').next().unwrap_or_default();
            Some(crate::model::ids::derived_id(stem))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "imported".to_owned())
        })
    }
}
