//! The resolved course: what every stage after the schedule reader works
//! with. Valid by construction — an [`Event`] is only built through
//! [`Event::new`], which refuses an end that is not after its start — so
//! nothing downstream re-checks.

use super::ids;
use super::kind::Kind;
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

/// The years any date may fall in — in a schedule, an import or a
/// learner's start date: four-digit years that every calendar client and
/// the iCalendar DATE-TIME syntax can represent.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// A resolved time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum When {
    /// The same calendar date everywhere.
    AllDay(chrono::NaiveDate),
    /// One instant.
    At(DateTime<Utc>),
}

impl When {
    /// Sort key: all-day items sort as midnight UTC of their date.
    pub fn sort_key(&self) -> DateTime<Utc> {
        match self {
            When::AllDay(d) => d.and_time(NaiveTime::MIN).and_utc(),
            When::At(t) => *t,
        }
    }
}

/// An end that is not after the start, or an end for an all-day item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an event must end after it starts, and only timed events have an end")]
pub struct BadSpan;

/// An event's facts from its course's history (RFC 5545 `SEQUENCE`,
/// `LAST-MODIFIED`, `DTSTAMP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHistory {
    /// Versions in which its start, end or status changed (plus the
    /// course's base sequence, see `history::fold`).
    pub sequence: i64,
    /// The instant of the version in which anything of it last changed.
    pub modified: DateTime<Utc>,
}

/// One dated item of a course.
///
/// Kept compact, as a catalog holds one per dated item of every course
/// (100,000 for 1,000 courses): texts are boxed to their exact length, and
/// the id is not stored apart but read from the UID that contains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What the item is.
    pub kind: Kind,
    /// Cancelled items stay in feeds with `STATUS:CANCELLED`.
    pub cancelled: bool,
    /// Where [`Event::id`] lies in `uid`.
    id_at: (u32, u32),
    /// RFC 5545 UID: course id + kind + id, nothing else.
    uid: Box<str>,
    /// The item's name as written.
    pub name: Box<str>,
    /// Longer text, if any.
    pub description: Option<Box<str>>,
    /// A link for the item (a recording, the assignment page).
    pub url: Option<Box<str>>,
    /// Where a live event happens.
    pub location: Option<Box<str>>,
    /// For assignments: the unit they belong to (one copy per unit).
    pub unit: Option<Arc<str>>,
    /// What the course's history says of this event, when it has one
    /// (`None`: feeds take DTSTAMP and SEQUENCE from `Course::updated`).
    pub history: Option<EventHistory>,
    start: When,
    end: Option<DateTime<Utc>>,
}

impl Event {
    /// An event of `kind` with the id `id` in course `course_id`, from
    /// `start` to `end` (timed events only, strictly after the start).
    pub fn new(
        course_id: &ids::CourseId,
        kind: Kind,
        id: &str,
        name: impl Into<Box<str>>,
        start: When,
        end: Option<DateTime<Utc>>,
    ) -> Result<Event, BadSpan> {
        match (start, end) {
            (_, None) => {}
            (When::At(s), Some(e)) if e > s => {}
            _ => return Err(BadSpan),
        }
        let uid = ids::uid(course_id, kind, id);
        let at = uid.len() - id.len() - ids::UID_SUFFIX.len();
        // Offsets into text read from a file of at most a few MiB.
        let offset = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let id_at = (offset(at), offset(at + id.len()));
        Ok(Event {
            kind,
            cancelled: false,
            id_at,
            uid: uid.into_boxed_str(),
            name: name.into(),
            description: None,
            url: None,
            location: None,
            unit: None,
            history: None,
            start,
            end,
        })
    }

    /// Stable id within the course (explicit `id:` or derived from the
    /// name, by the rule in `model/ids.rs`): ASCII, at most 100 bytes.
    pub fn id(&self) -> &str {
        self.uid
            .get(self.id_at.0 as usize..self.id_at.1 as usize)
            .unwrap_or_default()
    }

    /// RFC 5545 UID: course id + kind + id (+ the run's tag, see
    /// `Event::moved`).
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// When it starts.
    pub fn start(&self) -> When {
        self.start
    }

    /// When a timed event ends; always after [`Event::start`].
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.end
    }

    /// This event in a learner's own run, moved to `start`: a UID tagged
    /// with the run (calendars keep runs apart) and no end (runs leave out
    /// live events, the only ones with an end).
    pub(crate) fn moved(&self, start: When, tag: &str) -> Event {
        let uid = match self.uid.strip_suffix(ids::UID_SUFFIX) {
            Some(base) => format!("{base}.{tag}{}", ids::UID_SUFFIX),
            None => format!("{}.{tag}", self.uid),
        };
        Event {
            uid: uid.into_boxed_str(),
            start,
            end: None,
            ..self.clone()
        }
    }
}

/// A course with its events.
///
/// # Examples
///
/// ```
/// let yaml = "course:\n  title: Demo\n  timezone: UTC\n  updated: 2026-11-01T00:00:00Z\n\
///             milestones:\n  - name: Kick-off\n    date: 2026-12-01\n";
/// let course = coursecal::compile("demo-101", "demo-101.yaml", yaml).unwrap().course;
/// assert_eq!((course.id.as_str(), course.label()), ("demo-101", "Demo"));
/// assert_eq!(course.events[0].kind, coursecal::Kind::Milestone);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    /// The file stem: `res-cms-154`.
    pub id: ids::CourseId,
    /// Calendar name.
    pub title: String,
    /// e.g. `RES.CMS-154`.
    pub number: Option<String>,
    /// The course page.
    pub url: Option<String>,
    /// Feed description.
    pub description: Option<String>,
    /// Zone of naive times in the schedule, and of the course's own pages.
    pub timezone: Tz,
    /// Drives DTSTAMP, LAST-MODIFIED and SEQUENCE.
    pub updated: Option<DateTime<Utc>>,
    /// Sorted by start, then UID.
    pub events: Vec<Event>,
}

impl Course {
    /// "RES.CMS-154" or, without a number, the title.
    pub fn label(&self) -> &str {
        self.number.as_deref().unwrap_or(&self.title)
    }

    /// SEQUENCE of its events without history: minutes since 2000 of
    /// `updated`, so it grows with every edit that bumps `updated` (and fits
    /// a 32-bit integer until 6000 AD). With history, the count of an
    /// event's reschedules starts from the first version's base.
    pub fn base_sequence(&self) -> i64 {
        let base = chrono::TimeZone::with_ymd_and_hms(&Utc, 2000, 1, 1, 0, 0, 0).single();
        match (self.updated, base) {
            (Some(u), Some(b)) if u > b => (u - b).num_minutes(),
            _ => 0,
        }
    }

    /// This course holding only `event`: the feed behind an agenda's "add
    /// to calendar" link.
    pub fn with_only(&self, event: &Event) -> Course {
        Course {
            events: vec![event.clone()],
            ..self.clone_without_events()
        }
    }

    pub(crate) fn clone_without_events(&self) -> Course {
        Course {
            id: self.id.clone(),
            title: self.title.clone(),
            number: self.number.clone(),
            url: self.url.clone(),
            description: self.description.clone(),
            timezone: self.timezone,
            updated: self.updated,
            events: Vec::new(),
        }
    }
}

/// Default length of a live event without `duration` or `end`.
pub fn default_live_duration() -> chrono::Duration {
    chrono::Duration::hours(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_event_cannot_end_before_it_starts() {
        let t = Utc.with_ymd_and_hms(2017, 9, 29, 18, 0, 0).unwrap();
        let c: ids::CourseId = "c".parse().unwrap();
        let ev = |end| Event::new(&c, Kind::Live, "x", "X", When::At(t), end);
        assert!(ev(Some(t + chrono::Duration::hours(1))).is_ok());
        assert_eq!(ev(Some(t)), Err(BadSpan));
        assert_eq!(ev(Some(t - chrono::Duration::hours(1))), Err(BadSpan));
        let day = When::AllDay(t.date_naive());
        let all_day = Event::new(&c, Kind::Due, "x", "X", day, Some(t));
        assert_eq!(all_day, Err(BadSpan));
        let ok = ev(None).unwrap();
        assert_eq!((ok.uid(), ok.id()), ("c.live.x@coursecal", "x"));
    }
}
