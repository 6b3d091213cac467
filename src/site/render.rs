//! The one home of rendering: a catalog snapshot and a request in, bytes
//! out — feeds, one-event feeds and pages, each with what it was made from
//! and until when it holds. The server's cache only stores and compresses
//! what this returns; the static export and the CLI call the same
//! functions. (`tests/architecture.rs` checks that nothing else calls
//! `ics::render*`.)

use super::{Site, pages};
use crate::catalog::Catalog;
use crate::ics::Feed;
use crate::model::{Course, Courses, Event, FeedRequest, RequestError, Variant};
use crate::schedule::Diagnostic;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;

/// Bytes made from a catalog snapshot, with what they were made from and
/// until when they hold.
#[derive(Debug)]
pub struct Made {
    /// The feed's iCalendar text or the page's HTML.
    pub body: String,
    /// The courses it was made from: after a reload it still holds while
    /// the same request selects these very courses (an unchanged file keeps
    /// its `Arc`). Empty for pages, which show more than their courses.
    pub sources: Vec<Arc<Course>>,
    /// A page marks past dates from the clock: it holds until the next date
    /// on it passes. `None`: until the catalog changes.
    pub valid_until: Option<DateTime<Utc>>,
}

/// A page of the site: the course list, a course's agenda or its widget.
#[derive(Debug, Clone, Copy)]
pub enum PageOf<'a> {
    /// `/`.
    Index,
    /// `/courses/<id>`.
    Course(&'a Course),
    /// `/courses/<id>/embed`.
    Embed(&'a Course),
}

/// One feed variant of the courses `req` selects, with those courses.
pub fn feed_made(catalog: &Catalog, req: &FeedRequest) -> Result<Made, RequestError> {
    let sources: Vec<Arc<Course>> = catalog
        .select_shared(&req.courses)?
        .into_iter()
        .cloned()
        .collect();
    let courses: Vec<&Course> = sources.iter().map(|c| c.as_ref()).collect();
    let body = crate::ics::render_variant(&courses, &req.variant).body;
    Ok(Made {
        body,
        sources,
        valid_until: None,
    })
}

/// The change feed (Atom) of the courses `req` selects, with those
/// courses; `merged`: the catalog-wide feed (`/changes.atom`), else one
/// course's. Links from `base`, else relative (replicas then agree).
pub fn changes_made(
    catalog: &Catalog,
    req: &FeedRequest,
    merged: bool,
    base: Option<&str>,
) -> Result<Made, RequestError> {
    let sources: Vec<Arc<Course>> = catalog
        .select_shared(&req.courses)?
        .into_iter()
        .cloned()
        .collect();
    let links = super::changes::links(req, merged, base, false);
    let body = super::changes::atom(catalog, req, &links)?;
    Ok(Made {
        body,
        sources,
        valid_until: None,
    })
}

/// The feed of one event of `course`, as `variant` shows it (its run, if
/// any, already applied to `course`: the event is one of its own).
pub fn one_event(course: &Course, event: &Event, variant: Variant) -> Feed {
    let one = course.with_only(event);
    crate::ics::render_variant(
        &[&one],
        &Variant {
            shift: None,
            ..variant
        },
    )
}

/// The feed of the event `uid` of `original` in `variant`: with a
/// learner's run, the run's dates and UIDs. `None`: no such event.
pub fn event_feed(original: &Arc<Course>, uid: &str, variant: Variant) -> Option<Made> {
    let shifted = variant.shift.map(|shift| shift.apply(original));
    let course = shifted.as_ref().unwrap_or(original);
    let event = course.events.iter().find(|e| e.uid() == uid)?;
    Some(Made {
        body: one_event(course, event, variant).body,
        sources: vec![original.clone()],
        valid_until: None,
    })
}

/// A page in `view`; it holds until the next date on it passes (by
/// `site.now`; a static page, without a clock, holds forever).
pub fn page(site: &Site, of: PageOf, view: Variant) -> Made {
    let (body, valid_until) = match of {
        PageOf::Index => pages::index(site, view),
        PageOf::Course(c) => pages::course(site, view, c),
        PageOf::Embed(c) => pages::embed(site, view, c),
    };
    Made {
        body,
        sources: Vec::new(),
        valid_until,
    }
}

/// Google Calendar stops reading feeds past about this size.
pub const LARGE_FEED_BYTES: usize = 1024 * 1024;

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
pub fn feed(catalog: &Catalog, req: &FeedRequest) -> Result<Feed, RequestError> {
    let courses = catalog.select(&req.courses)?;
    Ok(crate::ics::render_variant(&courses, &req.variant))
}

/// A warning for each default feed of `catalog` (one per course, and the
/// merged one) larger than [`LARGE_FEED_BYTES`]: Google Calendar truncates
/// them, so authors hear it before learners notice. `dir` is where the
/// warnings point.
pub fn large_feed_warnings(catalog: &Catalog, dir: &Path) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let mut feeds: Vec<(String, FeedRequest)> = catalog
        .courses
        .keys()
        .map(|id| {
            let req = FeedRequest::new(Courses::Some(vec![id.to_string()]), Variant::default());
            (format!("courses/{id}.ics"), req)
        })
        .collect();
    feeds.push(("calendar.ics".into(), FeedRequest::default()));
    // Only a feed that may pass the limit is rendered (for its exact size),
    // and those on every core; the warnings keep the order of `feeds`.
    let sizes: Vec<Option<usize>> = feeds
        .par_iter()
        .map(|(_, req)| {
            let courses = catalog.select(&req.courses).ok()?;
            if crate::ics::feed::default_size_bound(&courses) <= LARGE_FEED_BYTES {
                return None;
            }
            feed(catalog, req).ok().map(|feed| feed.body.len())
        })
        .collect();
    feeds
        .iter()
        .zip(sizes)
        .filter_map(|((name, _), size)| {
            let size = size.filter(|&s| s > LARGE_FEED_BYTES)?;
            Some(
                Diagnostic::warning(dir, format!("the feed {name} is {size} bytes"))
                    .label("Google Calendar stops reading feeds larger than 1 MB")
                    .help("split the course, or subscribe learners to filtered feeds (kinds=…)"),
            )
        })
        .collect()
}

/// What `coursecal check` reports for `dir`: every problem of its files,
/// and [`large_feed_warnings`].
pub fn check(dir: &Path) -> crate::catalog::LoadReport {
    let mut report = Catalog::load_dir(dir);
    let large = large_feed_warnings(&report.catalog, dir);
    report.warnings.extend(large);
    report
}
