//! How to import: what the command line adds to what the source says.

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `metadata:` to write (a path relative to the schedule file).
    pub metadata: Option<String>,
    /// The course's zone: naive times are read in it, and it is written
    /// as `timezone:` (default: the source's own zone, else UTC).
    pub timezone: Option<chrono_tz::Tz>,
    /// Where the source came from, for the header comment.
    pub source: String,
}
