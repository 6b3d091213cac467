//! What a feed request asks for — which courses, and the variant (zone,
//! kinds) they are shown in — parsed and validated once, for the HTTP
//! routes, the pages, their links and the CLI alike.

use super::kind::{Kind, KindSet};
use super::shift::{Alarms, Shift};
use super::suggest::{closest, quoted};
use super::zone::{UnknownZone, Zone, parse_zone};
use std::fmt;

/// A request names something that does not exist (always the reader's
/// mistake: a 400 or 404, exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    /// Not a zone of the tz database.
    UnknownZone(#[from] UnknownZone),
    #[error("unknown kind `{input}`: expected one of release, due, live, milestone{}", suggest(.suggestion))]
    /// Not one of the four kinds.
    UnknownKind {
        /// What was sent (cut to a few dozen characters).
        input: String,
        /// The closest kind, if it looks like a typo of one.
        suggestion: Option<&'static str>,
    },
    #[error("no kinds selected: expected one or more of release, due, live, milestone")]
    /// `kinds=` given, but empty after splitting (`kinds=,`).
    NoKinds,
    /// A `start`, `pace` or `alarm` value that means nothing. The field is
    /// named neutrally; each edge spells it its own way (`pace=`, `--pace`).
    #[error("`{field}`: {message}")]
    BadParameter {
        /// The field: `start`, `pace` or `alarm`.
        field: &'static str,
        /// What was expected, and what came.
        message: String,
    },
    #[error("unknown course `{input}`{}", suggest(.suggestion))]
    /// No course with this id.
    UnknownCourse {
        /// What was sent.
        input: String,
        /// The closest course id, if any.
        suggestion: Option<String>,
    },
}

fn suggest<T: fmt::Display>(s: &Option<T>) -> String {
    s.as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Kind names (`release`, `due`, …), as tokens: none means all kinds;
/// blank tokens are ignored, but tokens that are all blank (`kinds=,`) ask
/// for no kind at all, which is an error.
///
/// ```
/// use coursecal::{Kind, KindSet, parse_kinds};
/// let kinds = parse_kinds(["due", "live"]).unwrap();
/// assert!(kinds.contains(Kind::Due) && !kinds.contains(Kind::Release));
/// assert_eq!(parse_kinds(Vec::<&str>::new()).unwrap(), KindSet::ALL);
/// ```
pub fn parse_kinds<S: AsRef<str>>(
    names: impl IntoIterator<Item = S>,
) -> Result<KindSet, RequestError> {
    let all = ["release", "due", "live", "milestone"];
    let (mut kinds, mut given) = (Vec::new(), false);
    for name in names {
        given = true;
        let part = name.as_ref().trim();
        if part.is_empty() {
            continue;
        }
        match part.parse::<Kind>() {
            Ok(k) => kinds.push(k),
            Err(_) => {
                return Err(RequestError::UnknownKind {
                    input: quoted(part),
                    suggestion: closest(part, all),
                });
            }
        }
    }
    match (kinds.is_empty(), given) {
        (true, false) => Ok(KindSet::ALL),
        (true, true) => Err(RequestError::NoKinds),
        (false, _) => Ok(kinds.into_iter().collect()),
    }
}

/// A learner's run and reminders from the `start` and `pace` values and the
/// `alarm` tokens (blank values and tokens mean none). An error names the
/// field neutrally (`` `pace` ``); each edge spells it (`pace=`, `--pace`).
///
/// ```
/// use coursecal::parse_personal;
/// let (shift, alarms) = parse_personal(Some("2026-12-01"), Some("2"), ["1d", "2h"]).unwrap();
/// assert_eq!(shift.unwrap().pace.to_param(), "2");
/// assert_eq!(alarms.to_param(), "2h,1d");
/// let e = parse_personal(None, Some("3"), [""; 0]).unwrap_err();
/// assert!(e.to_string().starts_with("`pace`: "));
/// ```
pub fn parse_personal<S: AsRef<str>>(
    start: Option<&str>,
    pace: Option<&str>,
    alarms: impl IntoIterator<Item = S>,
) -> Result<(Option<Shift>, Alarms), RequestError> {
    fn given(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let bad =
        |field: &'static str| move |message: String| RequestError::BadParameter { field, message };
    let start = given(start)
        .map(Shift::parse_start)
        .transpose()
        .map_err(bad("start"))?;
    let pace = given(pace)
        .map(super::shift::Pace::parse)
        .transpose()
        .map_err(bad("pace"))?;
    let shift = match (start, pace) {
        (Some(start), pace) => Some(Shift {
            start,
            pace: pace.unwrap_or(super::shift::Pace::NORMAL),
        }),
        // The form always sends its pace; the schedule's own pace means
        // nothing without a start date, any other one is a mistake.
        (None, Some(p)) if p == super::shift::Pace::NORMAL => None,
        (None, Some(_)) => {
            return Err(bad("pace")(
                "a pace needs a start date (YYYY-MM-DD) too".into(),
            ));
        }
        (None, None) => None,
    };
    let alarms = Alarms::parse(alarms).map_err(bad("alarm"))?;
    Ok((shift, alarms))
}

/// Which courses a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Courses {
    /// Every course of the catalog.
    #[default]
    All,
    /// Sorted, de-duplicated ids.
    Some(Vec<String>),
}

impl Courses {
    /// Course ids, as tokens (blank ones ignored); none means all courses.
    pub fn from_ids<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Courses {
        let mut ids: Vec<String> = ids
            .into_iter()
            .map(|s| s.as_ref().trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            Courses::All
        } else {
            Courses::Some(ids)
        }
    }
}

/// How the dates of a feed or page are shown: the dimensions a reader
/// picks besides the courses (more, such as a personal start date, go
/// here).
///
/// # Examples
///
/// ```
/// let v = coursecal::Variant::parse(None, ["release", "due"], Some("2027-01-04"), Some("2"), ["1d"]).unwrap();
/// assert_eq!(v.feed_zone(), coursecal::Zone::Utc);
/// assert!(v.kinds.contains(coursecal::Kind::Due) && !v.kinds.contains(coursecal::Kind::Live));
/// // A pace without a start date means nothing.
/// assert!(coursecal::Variant::parse(None, [""; 0], None, Some("2"), [""; 0]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    /// `None`: not chosen — feeds use UTC (`…Z` times), pages show each
    /// course in its own zone.
    pub zone: Option<Zone>,
    /// Which kinds of dates.
    pub kinds: KindSet,
    /// A learner's own run (`start=`, `pace=`), if asked for.
    pub shift: Option<Shift>,
    /// Reminders (`alarm=`) on every event.
    pub alarms: Alarms,
}

impl Default for Variant {
    fn default() -> Self {
        Variant {
            zone: None,
            kinds: KindSet::ALL,
            shift: None,
            alarms: Alarms::default(),
        }
    }
}

impl Variant {
    /// A variant from its fields as a reader gave them, whatever the
    /// transport: a zone name (blank: not chosen), kind names, a start date
    /// and pace, and reminder lead times (blank values and tokens mean the
    /// default). Errors name the field neutrally.
    pub fn parse<K: AsRef<str>, A: AsRef<str>>(
        zone: Option<&str>,
        kinds: impl IntoIterator<Item = K>,
        start: Option<&str>,
        pace: Option<&str>,
        alarms: impl IntoIterator<Item = A>,
    ) -> Result<Variant, RequestError> {
        let zone = zone.map(str::trim).filter(|z| !z.is_empty());
        let zone = zone.map(parse_zone).transpose()?;
        let kinds = parse_kinds(kinds)?;
        let (shift, alarms) = parse_personal(start, pace, alarms)?;
        Ok(Variant {
            zone,
            kinds,
            shift,
            alarms,
        })
    }

    /// The zone feed times are written in.
    pub fn feed_zone(&self) -> Zone {
        self.zone.unwrap_or(Zone::Utc)
    }

    /// The same variant as a feed renders it: a chosen UTC is the default,
    /// so both spellings share one rendering (and one cache entry).
    pub fn for_feed(self) -> Variant {
        Variant {
            zone: self.zone.filter(|z| *z != Zone::Utc),
            ..self
        }
    }
}

/// One feed: the unit of rendering and caching.
///
/// # Examples
///
/// ```
/// let variant = coursecal::Variant::parse(Some("Europe/Berlin"), ["due"], None, None, [""; 0]).unwrap();
/// let req = coursecal::FeedRequest::new(coursecal::Courses::from_ids(["res-cms-154"]), variant);
/// let catalog = coursecal::Catalog::load_dir("schedules".as_ref()).catalog;
/// let feed = coursecal::feed(&catalog, &req).unwrap();
/// assert!(feed.body.starts_with("BEGIN:VCALENDAR"));
/// assert_eq!(req.variant.feed_zone().name(), "Europe/Berlin");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FeedRequest {
    /// Which courses it holds.
    pub courses: Courses,
    /// How their dates are shown.
    pub variant: Variant,
}

impl FeedRequest {
    /// A request in its canonical feed form (see [`Variant::for_feed`]).
    pub fn new(courses: Courses, variant: Variant) -> Self {
        FeedRequest {
            courses,
            variant: variant.for_feed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(parse_kinds([""; 0]), Ok(KindSet::ALL));
        let k = parse_kinds(["due", " live"]).unwrap();
        assert!(k.contains(Kind::Due) && k.contains(Kind::Live) && !k.contains(Kind::Release));
        assert_eq!(k.to_param(), "due,live");
        assert!(matches!(
            parse_kinds(["releases"]),
            Err(RequestError::UnknownKind {
                suggestion: Some("release"),
                ..
            })
        ));
        assert_eq!(parse_kinds(["", ""]), Err(RequestError::NoKinds));
    }
}
