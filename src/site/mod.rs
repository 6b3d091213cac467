//! The HTML side: the course list, each course's agenda and its embeddable
//! widget, rendered with `maud` (which escapes every text and attribute).
//! `coursecal serve` renders them per request; `coursecal build` writes the
//! same pages with relative links ([`export`]). Pages work without
//! JavaScript; `assets/site.js` only re-renders times in the reader's zone
//! and rewrites links when the time zone or kinds change.

pub(crate) mod agenda;
pub(crate) mod assets;
pub mod changes;
pub mod export;
pub(crate) mod layout;
pub(crate) mod links;
pub(crate) mod pages;
pub(crate) mod qr;
pub(crate) mod subscribe;

pub use assets::version as asset_version;
pub use links::component as encode_uri_component;

use crate::catalog::Catalog;
use crate::model::{Course, FeedRequest, RequestError, Variant, Zone};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Who renders: the server (queries work, the clock is known) or the
/// static export (fixed files, no clock: "past" and "next up" are left to
/// the script).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Serve,
    Static,
}

/// What the page knows of the reader's device, for the one flow that
/// depends on it: Google Calendar's Android app cannot subscribe from a
/// link. The server reads it from the User-Agent; a static file cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Client {
    /// Static export: both flows are printed, with the Android note.
    Unknown,
    Android,
    Other,
}

impl Client {
    /// From a User-Agent header. Only the Android bit is kept (it is all
    /// the pages vary by, so a client cannot multiply cached pages).
    pub fn from_user_agent(ua: Option<&str>) -> Client {
        // Every Android browser names the platform ("Linux; Android 14").
        let android = ua.is_some_and(|ua| {
            ua.as_bytes()
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"android"))
        });
        if android {
            Client::Android
        } else {
            Client::Other
        }
    }
}

/// Everything a page needs besides the course data.
#[derive(Debug, Clone)]
pub(crate) struct Site<'a> {
    pub catalog: &'a Catalog,
    pub mode: Mode,
    /// Absolute root of the site, ending in `/`, when known: from
    /// `--base-url` or the request's Host. Without it links stay relative.
    pub base: Option<String>,
    /// Now, in `serve` only (pages of a build never depend on the clock).
    pub now: Option<DateTime<Utc>>,
    pub client: Client,
}

/// The zone times are shown in on a page about `course` (or the list):
/// the reader's choice, else the course's own zone (UTC for the list).
pub(crate) fn display_zone(variant: Variant, course: Option<&Course>) -> Tz {
    match variant.zone {
        Some(z) => tz_of(z),
        None => course.map_or(Tz::UTC, |c| c.timezone),
    }
}

pub(crate) fn tz_of(zone: Zone) -> Tz {
    match zone {
        Zone::Utc => Tz::UTC,
        Zone::Named(tz) => tz,
    }
}

/// A page of the site; decides where its relative links point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page<'a> {
    Index,
    Course(&'a str),
    Embed(&'a str),
}

impl Site<'_> {
    /// The path from `page` back to the site root (`./`, `../`, …).
    pub fn root(&self, page: Page) -> &'static str {
        match (self.mode, page) {
            (_, Page::Index) => "./",
            // Served as /courses/<id> and /courses/<id>/embed; written as
            // courses/<id>/index.html and courses/<id>/embed/index.html.
            (Mode::Serve, Page::Course(_)) => "../",
            (Mode::Serve, Page::Embed(_)) | (Mode::Static, Page::Course(_)) => "../../",
            (Mode::Static, Page::Embed(_)) => "../../../",
        }
    }

    /// A page's path from the site root.
    pub fn page_path(&self, page: Page) -> String {
        let slash = if self.mode == Mode::Static { "/" } else { "" };
        match page {
            Page::Index => String::new(),
            Page::Course(id) => format!("courses/{id}{slash}"),
            Page::Embed(id) => format!("courses/{id}/embed{slash}"),
        }
    }

    /// The variant links on a page carry. Static files are single variants,
    /// so a static site links to them as they are.
    pub fn links_variant(&self, variant: Variant) -> Variant {
        match self.mode {
            Mode::Static => Variant::default(),
            Mode::Serve => variant,
        }
    }

    /// A link from `from` to the site-relative `path`.
    pub fn rel(&self, from: Page, path: &str) -> String {
        format!("{}{path}", self.root(from))
    }

    /// `path` as an absolute URL when the site's address is known.
    pub fn abs(&self, path: &str) -> Option<String> {
        self.base.as_ref().map(|b| format!("{b}{path}"))
    }

    /// Absolute if possible, else relative to `from`.
    pub fn url(&self, from: Page, path: &str) -> (String, bool) {
        match self.abs(path) {
            Some(a) => (a, true),
            None => (self.rel(from, path), false),
        }
    }
}

/// One feed of a loaded catalog: the courses `req` selects, rendered in its
/// variant (the static export, `serve` and `coursecal feed` all come here).
///
/// ```
/// use coursecal::{Catalog, Courses, FeedRequest, KindSet, Variant, parse_zone};
/// let catalog = Catalog::load_dir("schedules".as_ref()).catalog;
/// let request = FeedRequest::new(
///     Courses::All,
///     Variant { zone: Some(parse_zone("Asia/Kolkata").unwrap()), kinds: KindSet::ALL, ..Variant::default() },
/// );
/// let feed = coursecal::feed(&catalog, &request).unwrap();
/// assert!(feed.body.contains("TZID:Asia/Kolkata"));
/// ```
pub fn feed(catalog: &Catalog, req: &FeedRequest) -> Result<crate::ics::Feed, RequestError> {
    let courses = catalog.select(&req.courses)?;
    Ok(crate::ics::render_variant(&courses, &req.variant))
}

/// The calendar name of the merged feed, as the feed itself names it.
pub(crate) fn all_courses_name(courses: &[&Course]) -> String {
    crate::ics::feed::feed_name(courses)
}
