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
/// (100,000 for 1,000 courses): its texts (UID, name, description, link,
/// location) lie end to end in one allocation of their exact length, and
/// the id is not stored apart but read from the UID that contains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What the item is.
    pub kind: Kind,
    /// Cancelled items stay in feeds with `STATUS:CANCELLED`.
    pub cancelled: bool,
    /// Which texts are present, a bit per [`Text`] (the UID and the name
    /// always are).
    present: u8,
    /// Where [`Event::id`] lies in the UID.
    id_at: (u32, u32),
    /// Where each text but the last ends in `text`, in [`Text`] order.
    ends: [u32; 4],
    /// The texts, end to end: UID (course id + kind + id, nothing else),
    /// name, description, link, location.
    text: Box<str>,
    /// For assignments: the unit they belong to (one copy per unit).
    pub unit: Option<Arc<str>>,
    /// What the course's history says of this event, when it has one
    /// (`None`: feeds take DTSTAMP and SEQUENCE from `Course::updated`).
    pub history: Option<EventHistory>,
    start: When,
    end: Option<DateTime<Utc>>,
}

/// The texts of an event, in the order they lie in [`Event`]'s buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Uid,
    Name,
    Description,
    Url,
    Location,
}

impl Text {
    const ALL: [Text; 5] = [
        Text::Uid,
        Text::Name,
        Text::Description,
        Text::Url,
        Text::Location,
    ];
}

/// Offsets into texts read from a file of at most a few MiB.
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Event {
    /// An event of `kind` with the id `id` in course `course_id`, from
    /// `start` to `end` (timed events only, strictly after the start).
    pub fn new(
        course_id: &ids::CourseId,
        kind: Kind,
        id: &str,
        name: impl AsRef<str>,
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
        let id_at = (offset(at), offset(at + id.len()));
        let name = name.as_ref();
        let mut text = String::with_capacity(uid.len() + name.len());
        text.push_str(&uid);
        text.push_str(name);
        let (u, n) = (offset(uid.len()), offset(text.len()));
        Ok(Event {
            kind,
            cancelled: false,
            present: 0b11,
            id_at,
            ends: [u, n, n, n],
            text: text.into_boxed_str(),
            unit: None,
            history: None,
            start,
            end,
        })
    }

    fn get(&self, which: Text) -> &str {
        let i = which as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    fn optional(&self, which: Text) -> Option<&str> {
        (self.present & (1 << which as u8) != 0).then(|| self.get(which))
    }

    /// The texts laid out again with those `changed` (only while an event
    /// is built or moved, never per request).
    fn relayout(&mut self, changed: &[(Text, Option<&str>)]) {
        fn value<'a>(
            e: &'a Event,
            changed: &[(Text, Option<&'a str>)],
            t: Text,
        ) -> Option<&'a str> {
            match changed.iter().find(|(c, _)| *c == t) {
                Some((_, v)) => *v,
                None if matches!(t, Text::Uid | Text::Name) => Some(e.get(t)),
                None => e.optional(t),
            }
        }
        let len = Text::ALL
            .iter()
            .map(|&t| value(self, changed, t).map_or(0, str::len));
        let mut text = String::with_capacity(len.sum());
        let mut ends = [0; 4];
        let mut present = 0;
        for (i, &t) in Text::ALL.iter().enumerate() {
            if let Some(v) = value(self, changed, t) {
                text.push_str(v);
                present |= 1 << t as u8;
            }
            if let Some(end) = ends.get_mut(i) {
                *end = offset(text.len());
            }
        }
        self.text = text.into_boxed_str();
        self.ends = ends;
        self.present = present;
    }

    /// Stable id within the course (explicit `id:` or derived from the
    /// name, by the rule in `model/ids.rs`): ASCII, at most 100 bytes.
    pub fn id(&self) -> &str {
        self.uid()
            .get(self.id_at.0 as usize..self.id_at.1 as usize)
            .unwrap_or_default()
    }

    /// RFC 5545 UID: course id + kind + id (+ the run's tag, see
    /// `Event::moved`).
    pub fn uid(&self) -> &str {
        self.get(Text::Uid)
    }

    /// The item's name as written.
    pub fn name(&self) -> &str {
        self.get(Text::Name)
    }

    /// Longer text, if any.
    pub fn description(&self) -> Option<&str> {
        self.optional(Text::Description)
    }

    /// A link for the item (a recording, the assignment page).
    pub fn url(&self) -> Option<&str> {
        self.optional(Text::Url)
    }

    /// Where a live event happens.
    pub fn location(&self) -> Option<&str> {
        self.optional(Text::Location)
    }

    /// Set (or clear) the longer text and the link.
    pub fn set_details(&mut self, description: Option<&str>, url: Option<&str>) {
        self.relayout(&[(Text::Description, description), (Text::Url, url)]);
    }

    /// Set (or clear) where a live event happens.
    pub fn set_location(&mut self, location: Option<&str>) {
        self.relayout(&[(Text::Location, location)]);
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
        let uid = match self.uid().strip_suffix(ids::UID_SUFFIX) {
            Some(base) => format!("{base}.{tag}{}", ids::UID_SUFFIX),
            None => format!("{}.{tag}", self.uid()),
        };
        let mut moved = Event {
            start,
            end: None,
            ..self.clone()
        };
        moved.relayout(&[(Text::Uid, Some(&uid))]);
        moved
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

    /// A catalog holds one per dated item of every course: 112 bytes
    /// besides its one allocation of texts (176 with a pointer per text).
    #[test]
    fn an_event_stays_compact() {
        assert!(std::mem::size_of::<Event>() <= 112);
    }

    #[test]
    fn texts_set_one_by_one_keep_the_others() {
        let t = Utc.with_ymd_and_hms(2017, 9, 29, 18, 0, 0).unwrap();
        let c: ids::CourseId = "c".parse().unwrap();
        let mut e = Event::new(&c, Kind::Live, "x", "Név", When::At(t), None).unwrap();
        assert_eq!((e.description(), e.url(), e.location()), (None, None, None));
        e.set_details(Some("Leírás"), Some(""));
        e.set_location(Some("Room 1"));
        let texts = |e: &Event| {
            let owned = |s: Option<&str>| s.map(str::to_owned);
            let (d, u, l) = (owned(e.description()), owned(e.url()), owned(e.location()));
            (
                e.uid().to_owned(),
                e.id().to_owned(),
                e.name().to_owned(),
                d,
                u,
                l,
            )
        };
        let some = |s: &str| Some(s.to_owned());
        let (uid, name) = ("c.live.x@coursecal".to_owned(), "Név".to_owned());
        let x = "x".to_owned();
        let expected = (uid, x, name, some("Leírás"), some(""), some("Room 1"));
        assert_eq!(texts(&e), expected);
        e.set_details(None, Some("https://example.org/"));
        assert_eq!(
            (e.description(), e.url()),
            (None, Some("https://example.org/"))
        );
        assert_eq!((e.name(), e.location()), ("Név", Some("Room 1")));
        let day = When::AllDay(t.date_naive());
        let moved = e.moved(day, "s1");
        assert_eq!((moved.uid(), moved.id()), ("c.live.x.s1@coursecal", "x"));
        assert_eq!((moved.name(), moved.location()), ("Név", Some("Room 1")));
    }
}
