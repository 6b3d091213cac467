//! How to import: what the command line adds to what the source says.

/// How to import.
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
