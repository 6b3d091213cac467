//! The one home of rendering: a catalog snapshot and a request in, bytes
//! out — feeds, one-event feeds and pages, each with what it was made from
//! and until when it holds. The server's cache only stores and compresses
//! what this returns; the static export and the CLI call the same
//! functions. (`tests/architecture.rs` checks that nothing else calls
//! `ics::render*`.)

use super::{Site, pages};
use crate::catalog::Catalog;
use crate::ics::pieces::Assembly;
use crate::ics::{Feed, Piece, PieceOf};
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

/// Where a feed of several courses gets each course's piece: a cache that
/// renders (with [`piece`]) only the pieces it does not hold for that very
/// course.
pub type PieceSource<'a> = &'a (dyn Fn(&Arc<Course>, &PieceOf) -> Arc<Piece> + Sync);

/// One feed variant of the courses `req` selects, with those courses. A
/// feed of several courses is assembled from their pieces, which `pieces`
/// keeps: after an edit of one course only its piece is rendered again.
pub fn feed_made(
    catalog: &Catalog,
    req: &FeedRequest,
    pieces: PieceSource,
) -> Result<Made, RequestError> {
    let sources: Vec<Arc<Course>> = catalog
        .select_shared(&req.courses)?
        .into_iter()
        .cloned()
        .collect();
    let courses: Vec<&Course> = sources.iter().map(|c| c.as_ref()).collect();
    let body = if sources.len() > 1 {
        let of = PieceOf::of(&req.variant, true);
        let made: Vec<Arc<Piece>> = sources.iter().map(|c| pieces(c, &of)).collect();
        let made: Vec<&Piece> = made.iter().map(|p| p.as_ref()).collect();
        let v = &req.variant;
        crate::ics::pieces::render_assembled(&courses, &made, v.feed_zone(), v.kinds).body
    } else {
        crate::ics::render_variant(&courses, &req.variant).body
    };
    Ok(Made {
        body,
        sources,
        valid_until: None,
    })
}

/// The merged feed of the whole catalog (the static export's
/// `calendar.ics`), handed to `with` as an [`Assembly`] of its courses'
/// pieces, each rendered on whichever core is free. Rendered whole, a feed
/// as large as all the courses together kept one core busy long after the
/// other had written every course. Its bytes are [`feed`]'s for the
/// default request.
pub fn merged_feed<R>(
    catalog: &Catalog,
    with: impl FnOnce(&Assembly) -> R,
) -> Result<R, RequestError> {
    use rayon::prelude::*;
    let req = FeedRequest::default();
    let courses = catalog.select(&req.courses)?;
    let v = &req.variant;
    let of = PieceOf::of(v, courses.len() > 1);
    let made: Vec<Piece> = courses.par_iter().map(|c| piece(c, &of)).collect();
    let made: Vec<&Piece> = made.iter().collect();
    Ok(with(&Assembly::new(
        &courses,
        &made,
        v.feed_zone(),
        v.kinds,
    )))
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

/// The piece of `course` for `of` (see [`feed_made`]).
pub fn piece(course: &Course, of: &PieceOf) -> Piece {
    crate::ics::pieces::render_piece(course, of)
}

/// The default feed of `course`, as [`feed`] renders it, and the piece its
/// one-event feeds are sliced from (see [`for_each_event_feed`]): the
/// course's events are rendered once for both.
pub fn course_and_event_feeds(course: &Course) -> (Feed, Piece) {
    let variant = Variant::default();
    let piece = piece(course, &PieceOf::of(&variant, false));
    let zone = variant.feed_zone();
    let whole = crate::ics::pieces::render_assembled(&[course], &[&piece], zone, variant.kinds);
    (whole, piece)
}

/// Each default one-event feed of `course`, as [`one_event`] renders it,
/// with its event's UID, from `piece` (of [`course_and_event_feeds`]):
/// the course's head, that event's bytes and the end.
pub fn for_each_event_feed<E>(
    course: &Course,
    piece: &Piece,
    each: impl FnMut(&str, &str) -> Result<(), E>,
) -> Result<(), E> {
    let zone = Variant::default().feed_zone();
    crate::ics::pieces::for_each_sliced(course, piece, zone, each)
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
            if req.courses == Courses::All {
                // Measured from its pieces: the whole catalog's feed is
                // never copied into one string only to be measured.
                return merged_feed(catalog, |feed| feed.len()).ok();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KindSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Courses that exercise the merge: shared dates and times across
    /// courses, zones with DST (a live event in New York's repeated hour
    /// goes out in UTC), years apart, long text that folds, with and
    /// without `updated`.
    fn generated() -> Vec<Arc<Course>> {
        let zones = [
            "America/New_York",
            "Europe/Berlin",
            "UTC",
            "Australia/Lord_Howe",
        ];
        (0..6)
            .map(|c| {
                let mut y = format!(
                    "course:\n  number: GEN.{c}\n  title: \"Généré {c} {}\"\n  url: https://example.edu/g{c}/\n  timezone: {}\n",
                    "très long titre, avec; virgules ".repeat(c % 3),
                    zones[c % zones.len()]
                );
                if c % 2 == 0 {
                    y.push_str("  updated: 2026-01-0");
                    y.push_str(&format!("{}T00:00:00Z\n", 1 + c));
                }
                y.push_str("units:\n");
                for u in 0..5 {
                    // Every course releases unit u on the same day.
                    let _ = std::fmt::Write::write_fmt(
                        &mut y,
                        format_args!(
                            "  - name: \"Unit {u}: {}\"\n    release: {}-0{}-1{u}\n    description: \"{}\"\n    assignments:\n      - name: \"A{u}\"\n        due: 2026-0{}-2{u}T23:59\n",
                            "naïve ".repeat(c + u),
                            2025 + (u % 3),
                            1 + u,
                            "desc, with; specials\\n ".repeat(u * 5 + 1),
                            1 + u
                        ),
                    );
                }
                y.push_str(
                    "live_events:\n  - name: Office hours\n    start: 2026-11-01T01:30:00-04:00\n    duration: 90m\n    location: \"Room 1, 2\"\n  - name: Kick-off\n    start: 2026-03-29T10:00\n    duration: 1h\n  - name: Wrap-up\n    start: 2027-06-01T09:00\n    duration: 30m\n",
                );
                y.push_str("milestones:\n  - name: Midterm\n    date: 2026-03-29\n");
                let course = crate::schedule::compile(&format!("gen-{c}"), "g.yaml", &y)
                    .expect("compiles")
                    .course;
                Arc::new(course)
            })
            .collect()
    }

    fn catalog_of(courses: &[Arc<Course>]) -> Catalog {
        Catalog {
            courses: courses.iter().map(|c| (c.id.clone(), c.clone())).collect(),
            changes: Default::default(),
        }
    }

    fn shipped() -> Vec<Arc<Course>> {
        let catalog = Catalog::load_dir("schedules".as_ref()).catalog;
        catalog.courses.values().cloned().collect()
    }

    fn variants() -> Vec<Variant> {
        let mut out = Vec::new();
        for zone in [
            None,
            Some("UTC"),
            Some("Europe/Berlin"),
            Some("America/New_York"),
            Some("Australia/Lord_Howe"),
            Some("Asia/Kathmandu"),
        ] {
            for kinds in [
                vec![],
                vec!["due"],
                vec!["release", "live"],
                vec!["milestone"],
            ] {
                for (start, alarms) in [
                    (None, vec![]),
                    (Some("2026-09-01"), vec![]),
                    (None, vec!["15m", "1d"]),
                ] {
                    out.push(
                        Variant::parse(zone, kinds.clone(), start, None, alarms)
                            .expect("a valid variant"),
                    );
                }
            }
        }
        assert!(out.iter().any(|v| v.kinds != KindSet::ALL));
        out
    }

    /// The one rule the cache relies on: a feed assembled from pieces is
    /// byte for byte the whole render, for every zone, kind filter, run
    /// and reminder set, for two courses and for many.
    #[test]
    fn assembled_feeds_are_the_whole_renders() {
        let shipped = shipped();
        let generated = generated();
        let all: Vec<Arc<Course>> = shipped.iter().chain(&generated).cloned().collect();
        let sets: Vec<&[Arc<Course>]> = vec![&shipped, &generated, &all, &generated[1..3]];
        let rendered = AtomicUsize::new(0);
        let pieces = |c: &Arc<Course>, of: &PieceOf| {
            rendered.fetch_add(1, Ordering::Relaxed);
            Arc::new(piece(c, of))
        };
        for set in sets {
            assert!(set.len() > 1);
            let catalog = catalog_of(set);
            for variant in variants() {
                let req = FeedRequest::new(Courses::All, variant);
                let made = feed_made(&catalog, &req, &pieces).expect("selects");
                let courses = catalog.select(&Courses::All).expect("selects");
                let whole = crate::ics::render_variant(&courses, &variant);
                assert!(
                    made.body == whole.body,
                    "{variant:?} of {} courses differs",
                    set.len()
                );
            }
        }
        assert!(rendered.load(Ordering::Relaxed) > 0);
    }

    /// The export's merged feed, assembled from pieces rendered on every
    /// core, is the feed the server renders for the default request.
    #[test]
    fn the_merged_feed_on_every_core_is_the_default_feed() {
        let shipped = shipped();
        let generated = generated();
        let all: Vec<Arc<Course>> = shipped.iter().chain(&generated).cloned().collect();
        for set in [&shipped[..1], &shipped[..], &generated[..], &all[..]] {
            let catalog = catalog_of(set);
            let whole = feed(&catalog, &FeedRequest::default()).expect("selects");
            // Copied out in ranges, as the export writes it.
            let (merged, len) = merged_feed(&catalog, |feed| {
                let n = feed.events();
                let mut merged = String::new();
                for range in [0..n / 3, n / 3..n / 2, n / 2..n] {
                    let before = merged.len();
                    feed.parts(range.clone()).for_each(|p| merged.push_str(p));
                    assert_eq!(merged.len() - before, feed.range_len(range));
                }
                (merged, feed.len())
            })
            .expect("selects");
            assert!(merged == whole.body, "{} courses", set.len());
            assert_eq!(len, whole.body.len());
        }
        assert!(all.len() > 6);
    }

    /// The export's one-event feeds, sliced from the course's render, are
    /// those the server renders one by one, for every event.
    #[test]
    fn sliced_one_event_feeds_are_the_rendered_ones() {
        let mut checked = 0;
        for course in shipped().iter().chain(&generated()) {
            let (whole, piece) = course_and_event_feeds(course);
            let req = FeedRequest::new(
                Courses::Some(vec![course.id.to_string()]),
                Variant::default(),
            );
            let catalog = catalog_of(std::slice::from_ref(course));
            assert_eq!(whole, feed(&catalog, &req).expect("selects"));
            let mut n = 0;
            for_each_event_feed(course, &piece, |uid, sliced| {
                let event = &course.events[n];
                assert_eq!(uid, event.uid());
                assert_eq!(
                    sliced,
                    one_event(course, event, Variant::default()).body,
                    "{uid}"
                );
                n += 1;
                Ok::<(), ()>(())
            })
            .expect("never fails");
            assert_eq!(n, course.events.len());
            checked += n;
        }
        assert!(checked > 50, "{checked}");
    }
}
