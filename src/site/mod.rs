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
pub(crate) mod query;
pub mod render;
pub(crate) mod subscribe;

pub use assets::version as asset_version;
pub use links::component as encode_uri_component;
pub use links::normalize_base;

use crate::catalog::Catalog;

/// An instant as RFC 3339 in UTC, to the second (`<time datetime>`,
/// `data-` attributes, Atom, JSON): the one spelling of an instant in the
/// site. Written field by field: a pattern string is parsed on every call,
/// and pages write one per event (~3 % of a 1,000-course export).
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&t.year()) {
        return t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
use crate::model::{Course, Variant};
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
        Some(z) => z.tz(),
        None => course.map_or(Tz::UTC, |c| c.timezone),
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

/// The calendar name of the merged feed, as the feed itself names it.
pub(crate) fn all_courses_name(courses: &[&Course]) -> String {
    crate::ics::feed::feed_name(courses)
}

#[cfg(test)]
mod tests {
    use super::Client;

    #[test]
    fn only_the_android_bit_of_a_user_agent_counts() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(Client::from_user_agent(Some(android)), Client::Android);
        assert_eq!(
            Client::from_user_agent(Some("x ANDROID y")),
            Client::Android
        );
        for other in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)",
            "Mozilla/5.0 (X11; Linux x86_64)",
            "Androi",
            "",
        ] {
            assert_eq!(
                Client::from_user_agent(Some(other)),
                Client::Other,
                "{other}"
            );
        }
        assert_eq!(Client::from_user_agent(None), Client::Other);
    }
}

#[cfg(test)]
mod rfc3339_tests {
    use chrono::{DateTime, TimeZone, Utc};

    #[test]
    fn written_field_by_field_as_the_pattern_writes_it() {
        let instants = [
            Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2017, 9, 29, 18, 5, 9).unwrap(),
            Utc.with_ymd_and_hms(2199, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            Utc.timestamp_opt(1_700_000_000, 999_999_999).unwrap(),
        ];
        for t in instants {
            assert_eq!(
                super::rfc3339(t),
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
    }
}
