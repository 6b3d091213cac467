//! The static export (`coursecal build`): every feed, and the same HTML as
//! `serve` with relative links. [`files`] is a pure function of the catalog
//! and the base URL, so two builds are byte-identical; [`write()`] puts the
//! tree on disk atomically.

use super::render::{self, PageOf};
use super::{Client, Mode, Site, assets, qr};
use crate::catalog::Catalog;
use crate::ics::pieces::Assembly;
use crate::model::{Course, Variant};
use crate::model::{Courses, FeedRequest, RequestError};
use std::path::{Path, PathBuf};

/// How to export.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions<'a> {
    /// Absolute URL the site will be served from: subscribe links and QR
    /// codes need it (already checked, ending in `/`).
    pub base_url: Option<&'a str>,
    /// Only the `.ics` feeds, no HTML.
    pub feeds_only: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Feeds written: one per course plus the merged `calendar.ics`.
    pub feeds: usize,
    /// Whether the HTML pages were written too (not `feeds_only`).
    pub pages: bool,
}

impl Summary {
    /// The closing line of `coursecal build` for the site written to `out`.
    pub fn report(&self, out: &Path) -> String {
        let pages = if self.pages {
            " and the site's pages"
        } else {
            ""
        };
        format!("wrote {} feed(s){pages} to {}", self.feeds, out.display())
    }
}

/// Why an export failed; the previous output is then untouched.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing, renaming or creating failed (full or read-only disk, …).
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// `out` holds something an export did not write.
    #[error("{path}: {why}; refusing to replace it (choose another --out, or remove it first)")]
    Refused {
        /// The output directory.
        path: PathBuf,
        /// What is there.
        why: String,
    },
    /// A feed of the catalog could not be selected (a bug: every course
    /// of a catalog exists in it).
    #[error(transparent)]
    Request(#[from] RequestError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Write the whole static site (feeds, and unless `feeds_only` the pages)
/// to `out`: into a sibling temp dir first, then swapped in, so a failed
/// export leaves the previous output intact and leaves no temp files. Only
/// an empty directory or one an earlier export wrote is replaced.
///
/// ```
/// let catalog = coursecal::Catalog::load_dir("schedules".as_ref()).catalog;
/// let out = std::env::temp_dir().join(format!("coursecal-doc-{}", std::process::id()));
/// let summary = coursecal::export(&catalog, &out, &coursecal::ExportOptions::default()).unwrap();
/// assert_eq!(summary.feeds, catalog.courses.len() + 1);
/// assert!(out.join("index.html").is_file());
/// # std::fs::remove_dir_all(&out).unwrap();
/// ```
pub fn write(
    catalog: &Catalog,
    out: &Path,
    options: &ExportOptions,
) -> Result<Summary, ExportError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    check_replaceable(out)?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_tree(catalog, &tmp, options).and_then(|n| {
        swap_in(&tmp, out)?;
        Ok(n)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(Summary {
        feeds: result?,
        pages: !options.feeds_only,
    })
}

/// Written into every build: `build` replaces a directory whole, so it only
/// replaces one it wrote itself (or an empty one), never a user's files.
const MARKER: &str = ".coursecal-build";

fn check_replaceable(out: &Path) -> Result<(), ExportError> {
    let refuse = |why: &str| ExportError::Refused {
        path: out.to_path_buf(),
        why: why.to_owned(),
    };
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(out)(e)),
        Ok(m) if !m.is_dir() => Err(refuse("exists and is not a directory")),
        Ok(_) => {
            let mut entries = std::fs::read_dir(out).map_err(io(out))?;
            if out.join(MARKER).is_file() || entries.next().is_none() {
                Ok(())
            } else {
                Err(refuse(&format!(
                    "is not empty and was not written by `coursecal build` (no {MARKER} file)"
                )))
            }
        }
    }
}

fn write_tree(
    catalog: &Catalog,
    root: &Path,
    options: &ExportOptions,
) -> Result<usize, ExportError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(root).map_err(io(root))?;
    put(
        &root.join(MARKER),
        b"Written by `coursecal build`, which replaces this directory whole.\n",
    )?;
    let courses_dir = root.join("courses");
    std::fs::create_dir_all(&courses_dir).map_err(io(&courses_dir))?;
    let site = (!options.feeds_only).then(|| static_site(catalog, options.base_url));
    // The merged feed is as large as all the courses together: it is
    // rendered alongside them, not after, and its courses' pieces on every
    // core, so no core waits for it at the end.
    let write_all = || -> Result<(), ExportError> {
        let path = root.join("calendar.ics");
        render::merged_feed(catalog, |feed| write_assembly(&path, feed))??;
        // The change feeds go with the pages that link them: `--feeds-only`
        // writes the `.ics` feeds and nothing else, as it says.
        if site.is_none() {
            return Ok(());
        }
        let req = FeedRequest::default();
        let links = super::changes::links(&req, true, options.base_url, true);
        let atom = super::changes::atom(catalog, &req, &links)?;
        put(&root.join("changes.atom"), atom.as_bytes())
    };
    // Courses are independent: each is rendered and written on whichever
    // core is free, a file at a time, and dropped once on disk, so the
    // export never holds more than a few courses' files in memory.
    let write_courses = || -> Result<(), ExportError> {
        catalog
            .courses
            .iter()
            .collect::<Vec<_>>()
            .par_iter()
            .try_for_each(|&(id, c)| {
                let req = FeedRequest::new(Courses::Some(vec![id.to_string()]), Variant::default());
                // With pages, the course's events are rendered once for
                // its feed and its one-event feeds; without, as before.
                let (feed, events) = match &site {
                    Some(_) => {
                        let (feed, events) = render::course_and_event_feeds(c);
                        (feed, Some(events))
                    }
                    None => (render::feed(catalog, &req)?, None),
                };
                put(&courses_dir.join(format!("{id}.ics")), feed.body.as_bytes())?;
                drop(feed);
                if let Some(site) = &site {
                    // The change feed, where the course page's <head> links it.
                    let links = super::changes::links(&req, false, options.base_url, true);
                    let atom = super::changes::atom(catalog, &req, &links)?;
                    put(&courses_dir.join(format!("{id}.atom")), atom.as_bytes())?;
                    let mut result = Ok(());
                    let mut emit = |rel: String, bytes: Vec<u8>| {
                        if result.is_ok() {
                            result = put(&root.join(rel), &bytes);
                        }
                    };
                    if let Some((rel, svg)) = course_qr(site, id) {
                        emit(rel, svg);
                    }
                    course_files(site, id, c, &mut emit);
                    result?;
                    if let Some(piece) = events
                        && !c.events.is_empty()
                    {
                        let dir = EventsDir::create(root.join(format!("courses/{id}/events")))?;
                        let mut name = String::new();
                        render::for_each_event_feed(c, &piece, |uid, body| {
                            // Named by the raw UID: static hosts percent-decode the link.
                            name.clear();
                            name.push_str(uid);
                            name.push_str(".ics");
                            dir.put(&name, body.as_bytes())
                        })?;
                    }
                }
                Ok(())
            })
    };
    // The pages about the whole catalog (index, assets, its QR code) go with
    // the merged feed, beside the courses: the index of 1,000 courses, done
    // last on one core, left the other idle.
    let write_all_and_index = || -> Result<(), ExportError> {
        write_all()?;
        if let Some(site) = &site {
            for (rel, bytes) in site_files(site) {
                put(&root.join(rel), &bytes)?;
            }
        }
        Ok(())
    };
    let (courses, all) = rayon::join(write_courses, write_all_and_index);
    courses?;
    all?;
    Ok(catalog.courses.len() + 1)
}

/// Write an assembled feed to `path`: ranges of its events are copied out
/// of their pieces and written at their offsets by whichever core is free
/// (one core copying a 72 MB merged feed was the last tenth of a
/// 1,000-course build), never a second whole copy of it in memory.
fn write_assembly(path: &Path, feed: &Assembly) -> Result<(), ExportError> {
    use rayon::prelude::*;
    /// Events per write: about 0.7 MB.
    const EVENTS: usize = 1024;
    let file = std::fs::File::create(path).map_err(io(path))?;
    let n = feed.events();
    let ranges: Vec<_> = (0..n.div_ceil(EVENTS).max(1))
        .map(|k| k * EVENTS..((k + 1) * EVENTS).min(n))
        .collect();
    let lens: Vec<usize> = ranges
        .par_iter()
        .map(|r| feed.range_len(r.clone()))
        .collect();
    let offsets: Vec<usize> = lens
        .iter()
        .scan(0, |at, len| {
            let start = *at;
            *at += len;
            Some(start)
        })
        .collect();
    let writes: Vec<_> = ranges.into_iter().zip(lens).zip(offsets).collect();
    writes
        .into_par_iter()
        .try_for_each(|((range, len), offset)| {
            let mut bytes = Vec::with_capacity(len);
            feed.parts(range)
                .for_each(|part| bytes.extend_from_slice(part.as_bytes()));
            write_at(&file, &bytes, offset)
        })
        .map_err(io(path))
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], offset: usize) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset as u64)
}

#[cfg(not(unix))]
fn write_at(mut file: &std::fs::File, bytes: &[u8], offset: usize) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    // Elsewhere one range at a time: the file's cursor is shared.
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    file.seek(SeekFrom::Start(offset as u64))?;
    file.write_all(bytes)
}

/// Write one file, creating its directory on first use.
fn put(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    match std::fs::write(path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(path, bytes).map_err(io(path))
        }
        other => other.map_err(io(path)),
    }
}

/// Where a course's one-event feeds go: a hundred files a course, 100,000
/// in a large export. On Linux the directory is opened once and each file
/// created relative to it, so the kernel does not walk the whole path for
/// each (path walks were ~5 % of a 1,000-course export's CPU).
struct EventsDir {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<rustix::fd::OwnedFd>,
}

impl EventsDir {
    fn create(path: PathBuf) -> Result<Self, ExportError> {
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        #[cfg(target_os = "linux")]
        let fd = {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            // Without it, files are written by their whole path.
            rustix::fs::open(&path, flags, Mode::empty()).ok()
        };
        Ok(EventsDir {
            path,
            #[cfg(target_os = "linux")]
            fd,
        })
    }

    /// Write `name` as [`put`] does (same flags and mode).
    fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
        #[cfg(target_os = "linux")]
        if let Some(dir) = &self.fd
            && !name.contains('/')
        {
            use rustix::fs::{Mode, OFlags};
            use std::io::Write;
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
            let mode = Mode::from_bits_truncate(0o666);
            return rustix::fs::openat(dir, name, flags, mode)
                .map_err(std::io::Error::from)
                .and_then(|fd| std::fs::File::from(fd).write_all(bytes))
                .map_err(io(&self.path.join(name)));
        }
        put(&self.path.join(name), bytes)
    }
}

fn swap_in(tmp: &Path, out: &Path) -> Result<(), ExportError> {
    if out.exists() {
        // Linux swaps the two directories in one step: a static server
        // reading `out` sees the old tree or the new one, never neither.
        #[cfg(target_os = "linux")]
        if rustix::fs::renameat_with(
            rustix::fs::CWD,
            tmp,
            rustix::fs::CWD,
            out,
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .is_ok()
        {
            let _ = std::fs::remove_dir_all(tmp);
            return Ok(());
        }
        let old = out.with_file_name(format!(
            ".{}.old-{}",
            out.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id()
        ));
        std::fs::rename(out, &old).map_err(io(out))?;
        if let Err(e) = std::fs::rename(tmp, out) {
            // Put the previous output back before reporting.
            let _ = std::fs::rename(&old, out);
            return Err(io(out)(e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(tmp, out).map_err(io(out))?;
    }
    Ok(())
}

fn static_site<'a>(catalog: &'a Catalog, base: Option<&str>) -> Site<'a> {
    Site {
        catalog,
        mode: Mode::Static,
        base: base.map(str::to_owned),
        now: None,
        client: Client::Unknown,
    }
}

/// The files about the whole catalog: the index, the assets, the merged
/// feed's QR code.
fn site_files(site: &Site) -> Vec<(String, Vec<u8>)> {
    let view = Variant::default();
    let mut out = vec![(
        "index.html".to_owned(),
        render::page(site, PageOf::Index, view).body.into_bytes(),
    )];
    for a in assets::ASSETS {
        out.push((format!("assets/{}", a.name), a.body.as_bytes().to_vec()));
    }
    out.extend(qr_file(site, "qr.svg", "calendar.ics"));
    out
}

fn qr_file(site: &Site, path: &str, feed: &str) -> Option<(String, Vec<u8>)> {
    let svg = site.abs(feed).and_then(|url| qr::svg(&url))?;
    Some((path.to_owned(), svg.into_bytes()))
}

/// A course's QR code (only with a base URL).
fn course_qr(site: &Site, id: &str) -> Option<(String, Vec<u8>)> {
    qr_file(
        site,
        &format!("courses/{id}/qr.svg"),
        &format!("courses/{id}.ics"),
    )
}

/// A course's page and widget, handed to `emit` one at a time.
fn course_files(site: &Site, id: &str, c: &Course, emit: &mut dyn FnMut(String, Vec<u8>)) {
    let view = Variant::default();
    emit(
        format!("courses/{id}/index.html"),
        render::page(site, PageOf::Course(c), view)
            .body
            .into_bytes(),
    );
    emit(
        format!("courses/{id}/embed/index.html"),
        render::page(site, PageOf::Embed(c), view).body.into_bytes(),
    );
}
