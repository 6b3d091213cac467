//! `coursecal import`: a schedule file, for review, from the dates a course
//! team already wrote — a course page (plain text or HTML), a spreadsheet
//! (.csv), a calendar export (.ics) or an Open edX course export (`olx/`).
//! A layer beside `schedule` (uses `schedule` to read files and check what
//! it wrote, and `model`).
//!
//! Every source reads into a `Draft` (`draft.rs`); `write.rs` writes it.
//!
//! Ids are written only where the source has stable ones (OLX `url_name`,
//! calendar UIDs); elsewhere they derive from names, so re-importing an
//! edited page keeps the ids (and feed UIDs) of every item whose name did
//! not change. Assumptions become YAML comments next to the item; lines with
//! something date-like that became no item are returned as [`Unread`].

mod calendar;
mod dates;
mod draft;
mod html;
mod olx;
mod options;
mod page;
mod save;
mod sheet;
mod text;
mod write;

pub use draft::Unread;
pub use options::ImportOptions;
pub use save::{SaveError, save};
pub use text::one_line;

use draft::Draft;
use std::path::Path;

/// A source read into a schedule.
///
/// # Examples
///
/// ```
/// let imported = coursecal::import_sheet("Date,Item\n2026-12-08,Quiz 1\n", &Default::default());
/// assert!(imported.items >= 1 && imported.unread.is_empty());
/// assert!(imported.checked.is_ok());
/// assert!(imported.summary("quiz.csv").starts_with("imported "));
/// ```
#[derive(Debug, Clone)]
pub struct Imported {
    /// The schedule, YAML per docs/schedule-format.md.
    pub yaml: String,
    /// Dated items found.
    pub items: usize,
    /// Dated things that became no item (the import is partial).
    pub unread: Vec<Unread>,
    /// Things skipped on purpose (reported; the import is complete).
    pub skipped: Vec<Unread>,
    /// The YAML compiled as `check` would, as the course
    /// [`ImportOptions::id`] (a `metadata:` entry is not read: its file
    /// need not exist yet).
    pub checked: Result<crate::schedule::Compiled, Vec<crate::schedule::Diagnostic>>,
}

/// `coursecal import --help`: what a source can be and what the exit
/// code says.
pub const ABOUT: &str = "\
Import a course page, spreadsheet, calendar or Open edX export for review.

Unit releases, due dates, live events and milestones. SOURCE is read
by what it is:
  *.csv          a spreadsheet (Excel, Google Sheets): columns by name
  *.ics          a calendar export (Google Calendar, Canvas, Moodle)
  a directory with course.xml, *.tar.gz, *.tgz
                 an Open edX course export (OLX): chapters, subsections
  anything else  a course page, plain text or HTML

Exit 0 when everything dated became an item, 1 when something dated
could not be read (each is listed on stderr with its file and line;
the YAML is still written). Deliberate skips are listed as skipped
and do not make the import partial.";

impl Imported {
    /// What `coursecal import` tells its user about `source` (as named on
    /// its command line), every line escaped by `one_line`: one line per
    /// thing skipped on purpose and per dated line not read
    /// (`source[/file]:line: why: text`).
    pub fn problems(&self, source: &str) -> Vec<String> {
        let at = one_line(source);
        let place = |u: &Unread| match &u.file {
            Some(f) => format!("{at}/{}:{}", one_line(f), u.line),
            None => format!("{at}:{}", u.line),
        };
        let skipped = self.skipped.iter().map(|u| (u, "skipped: "));
        let unread = self.unread.iter().map(|u| (u, ""));
        skipped
            .chain(unread)
            .map(|(u, tag)| {
                format!(
                    "{}: {tag}{}: {}",
                    place(u),
                    one_line(&u.why),
                    one_line(&u.text)
                )
            })
            .collect()
    }

    /// The closing line: how many items, how many lines not read or
    /// skipped.
    pub fn summary(&self, source: &str) -> String {
        let skipped = match self.skipped.len() {
            0 => String::new(),
            n => format!("; {n} skipped on purpose"),
        };
        let listed = match (self.unread.len(), self.skipped.len()) {
            (0, 0) => "",
            _ => " (listed above)",
        };
        format!(
            "imported {} item(s) from {}; {} dated line(s) not read{skipped}{listed}",
            self.items,
            one_line(source),
            self.unread.len()
        )
    }
}

/// The kinds of source `coursecal import` reads, chosen by what the path
/// is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A course page, plain text or HTML (anything not matched below).
    Page,
    /// A spreadsheet exported as `.csv`.
    Sheet,
    /// An Open edX course export directory (with `course.xml`).
    OlxDir,
    /// Studio's course export, `.tar.gz` or `.tgz`.
    OlxArchive,
    /// A calendar export (`.ics`).
    Calendar,
}

impl Source {
    /// What `path` is: decided by its name (and, for a directory, its
    /// contents), never by guessing at its bytes.
    pub fn of(path: &Path) -> Source {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".csv") {
            Source::Sheet
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Source::OlxArchive
        } else if path.is_dir() && path.join("course.xml").exists() {
            Source::OlxDir
        } else if name.ends_with(".ics") {
            Source::Calendar
        } else {
            Source::Page
        }
    }
}

/// Why a source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file (or a file inside the source) could not be read.
    #[error("{}: {}", one_line(path), one_line(&source.to_string()))]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: crate::schedule::read::ReadError,
    },
    /// An Open edX export that is no course export, or not readable.
    #[error("{}: {}", one_line(path), one_line(&source.to_string()))]
    Olx {
        /// The export (directory or archive).
        path: String,
        /// What is wrong, and in which file inside it.
        source: olx::OlxError,
    },
}

/// Read the source at `path` (see [`Source::of`]) into a schedule.
///
/// ```
/// let path = std::env::temp_dir().join(format!("coursecal-doc-{}.csv", std::process::id()));
/// std::fs::write(&path, "Date,Item\n2026-12-08,Problem set 1 due\n").unwrap();
/// let imported = coursecal::import_path(&path, &coursecal::ImportOptions::default()).unwrap();
/// assert!(imported.yaml.contains("Problem set 1"));
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn import_path(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let text = |path: &Path| {
        crate::schedule::read::read_text(path)
            .map(|f| f.text)
            .map_err(|source| ImportError::Read {
                path: path.display().to_string(),
                source,
            })
    };
    Ok(match Source::of(path) {
        Source::Page => import_page(&text(path)?, options),
        Source::Sheet => import_sheet(&text(path)?, options),
        Source::OlxDir => import_olx_dir(path, options)?,
        Source::OlxArchive => {
            let limit = olx::archive::Limits::DEFAULT.archive;
            let shown = path.display().to_string();
            let bytes = match crate::schedule::read::read_bytes(path, limit, false) {
                Ok(b) => b,
                Err(crate::schedule::read::ReadError::TooLarge) => {
                    let source = olx::archive::ArchiveError::FileTooLarge(limit).into();
                    return Err(ImportError::Olx {
                        path: shown,
                        source,
                    });
                }
                Err(source) => {
                    return Err(ImportError::Read {
                        path: shown,
                        source,
                    });
                }
            };
            import_olx_archive(&bytes, options).map_err(|e| match e {
                ImportError::Olx { source, .. } => ImportError::Olx {
                    path: path.display().to_string(),
                    source,
                },
                e => e,
            })?
        }
        Source::Calendar => import_calendar(&text(path)?, options),
    })
}

/// Read an Open edX course export directory (the one with `course.xml`).
///
/// ```
/// let dir = std::path::Path::new("tests/fixtures/import/olx-course");
/// let imported = coursecal::import_olx_dir(dir, &coursecal::ImportOptions::default()).unwrap();
/// assert!(imported.items > 0);
/// ```
pub fn import_olx_dir(dir: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let export = olx::Export::Dir(dir.to_path_buf());
    olx::read(&export)
        .map(|draft| finish(draft, options))
        .map_err(|source| ImportError::Olx {
            path: dir.display().to_string(),
            source,
        })
}

/// Read Studio's course export (`.tar.gz`) from memory: never written to
/// disk, every size bounded. Never panics, whatever the bytes.
///
/// ```
/// let err = coursecal::import_olx_archive(b"not gzip", &coursecal::ImportOptions::default());
/// assert!(err.is_err());
/// ```
pub fn import_olx_archive(bytes: &[u8], options: &ImportOptions) -> Result<Imported, ImportError> {
    let olx = |source| ImportError::Olx {
        path: options.source.clone(),
        source,
    };
    let files =
        olx::archive::unpack(bytes, olx::archive::Limits::DEFAULT).map_err(|e| olx(e.into()))?;
    olx::read(&olx::Export::Files(files))
        .map(|draft| finish(draft, options))
        .map_err(olx)
}

/// Read `page` (plain text, or HTML when it looks like HTML) into a
/// schedule. Never fails: what cannot be read is in [`Imported::unread`].
///
/// ```
/// let page = "Unit 1: Basics (December 1, 2026)\n  Assignment 1.1: Essay (due date: December 8, 2026)\n";
/// let imported = coursecal::import_page(page, &coursecal::ImportOptions::default());
/// assert_eq!(imported.items, 2);
/// // Check the draft by compiling it like any schedule.
/// coursecal::compile("demo-101", "demo-101.yaml", &imported.yaml).unwrap();
/// ```
pub fn import_page(page: &str, options: &ImportOptions) -> Imported {
    let (text, heading) = if html::is_html(page) {
        (html::to_text(page), html::heading(page))
    } else {
        (page.to_owned(), None)
    };
    let page_options = page::PageOptions {
        has_zone: options.timezone.is_some(),
        year: options.year,
        heading,
    };
    finish(page::read(&text, &page_options), options)
}

/// Read a spreadsheet (CSV, as Excel or Google Sheets export it) into a
/// schedule; see the `sheet` module for the columns it understands.
///
/// ```
/// let csv = "Date,Item\n2026-12-08,Problem set 1 due\n";
/// let imported = coursecal::import_sheet(csv, &coursecal::ImportOptions::default());
/// assert!(imported.items >= 1 && imported.yaml.contains("Problem set 1"));
/// ```
pub fn import_sheet(csv: &str, options: &ImportOptions) -> Imported {
    finish(sheet::read(csv, options.timezone), options)
}

/// Read a calendar export (`.ics`: Google Calendar, Canvas, Moodle) into
/// a schedule; see the `calendar` module for how events map to items.
///
/// ```
/// let ics = std::fs::read_to_string("tests/fixtures/import/ics-google/calendar.ics").unwrap();
/// let imported = coursecal::import_calendar(&ics, &coursecal::ImportOptions::default());
/// assert!(imported.items > 0);
/// ```
pub fn import_calendar(text: &str, options: &ImportOptions) -> Imported {
    finish(calendar::read(text, options.timezone), options)
}

fn finish(mut draft: Draft, options: &ImportOptions) -> Imported {
    draft.settle();
    let yaml = write::yaml(&draft, options);
    let id = options.course_id();
    let checked = crate::schedule::compile_text(
        &id,
        &format!("{id}.yaml"),
        &yaml,
        crate::schedule::MetadataEntry::NotRead,
    );
    Imported {
        yaml,
        items: draft.items(),
        unread: draft.unread,
        skipped: draft.skipped,
        checked,
    }
}
