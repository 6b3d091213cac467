//! The one home of rendering: a catalog snapshot and a request in, bytes
//! out. The server's cache, the static export and the CLI all come here.

use crate::catalog::Catalog;
use crate::ics::Feed;
use crate::model::{Courses, FeedRequest, RequestError, Variant};
use crate::schedule::Diagnostic;
use std::path::Path;

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
