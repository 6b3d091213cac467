//! The resolved, validated course: the one type every later stage uses.
//! Building it is where cross-item rules hold (unique ids, end after start,
//! naive times placed in the course zone), so nothing downstream re-checks.

use crate::diagnostic::Diagnostic;
use crate::ics::uid;
use crate::schedule::SourceFile;
use crate::schedule::model::{EventEnd, Item, Located, Schedule};
use crate::schedule::ocw::Metadata;
use crate::time::{LocalTimeError, TimeValue, When, offset_text, resolve_local};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// What a dated item is. Its text is used in URLs (`kinds=`) and CATEGORIES.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Release,
    Due,
    Live,
    Milestone,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Release, Kind::Due, Kind::Live, Kind::Milestone];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Release => "release",
            Kind::Due => "due",
            Kind::Live => "live",
            Kind::Milestone => "milestone",
        }
    }

    /// Human label, for pages and summaries.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Release => "Unit release",
            Kind::Due => "Suggested due date",
            Kind::Live => "Live event",
            Kind::Milestone => "Milestone",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: Kind,
    /// Stable id within the course (explicit `id:` or derived from the name,
    /// see [`uid::derived_id`]): ASCII, at most [`uid::MAX_ID_BYTES`].
    pub id: String,
    /// RFC 5545 UID: course id + kind + id, nothing else.
    pub uid: String,
    pub name: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub location: Option<String>,
    /// For assignments: the unit they belong to.
    pub unit: Option<String>,
    pub start: When,
    /// Only live events have an end; it is always after `start`.
    pub end: Option<DateTime<Utc>>,
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub number: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub timezone: Tz,
    pub updated: Option<DateTime<Utc>>,
    /// Sorted by start, then UID.
    pub events: Vec<Event>,
}

impl Course {
    /// "RES.CMS-154" or, without a number, the title.
    pub fn label(&self) -> &str {
        self.number.as_deref().unwrap_or(&self.title)
    }
}

/// Default length of a live event without `duration` or `end`.
pub fn default_live_duration() -> Duration {
    Duration::hours(1)
}

struct Resolver<'a> {
    src: &'a SourceFile,
    tz: Tz,
    diags: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    ids: HashMap<String, (Kind, Located<String>)>,
    events: Vec<Event>,
    course_id: &'a str,
}

impl Resolver<'_> {
    fn when(&mut self, t: &Located<TimeValue>) -> Option<When> {
        match t.value {
            TimeValue::Date(d) => Some(When::AllDay(d)),
            TimeValue::Instant(i) => Some(When::At(i.with_timezone(&Utc))),
            TimeValue::Naive(n) => match resolve_local(self.tz, n) {
                Ok(i) => Some(When::At(i)),
                Err(LocalTimeError::Gap { before, after }) => {
                    let d = self
                        .src
                        .error(
                            t.pos,
                            format!("{n} does not exist in {}: the clocks skip it", self.tz),
                        )
                        .label(format!(
                            "falls in the DST gap between {} and {}",
                            offset_text(before),
                            offset_text(after)
                        ))
                        .help(format!(
                            "write an explicit offset, e.g. `{}{}` or `{}{}`",
                            n.format("%Y-%m-%dT%H:%M:%S"),
                            offset_text(before),
                            n.format("%Y-%m-%dT%H:%M:%S"),
                            offset_text(after)
                        ));
                    self.diags.push(d);
                    None
                }
                Err(LocalTimeError::Overlap { first, second }) => {
                    let d = self
                        .src
                        .error(
                            t.pos,
                            format!("{n} happens twice in {}: the clocks repeat it", self.tz),
                        )
                        .label(format!(
                            "ambiguous between offsets {} and {}",
                            offset_text(first),
                            offset_text(second)
                        ))
                        .help(format!(
                            "write an explicit offset: `{}{}` (first) or `{}{}` (second)",
                            n.format("%Y-%m-%dT%H:%M:%S"),
                            offset_text(first),
                            n.format("%Y-%m-%dT%H:%M:%S"),
                            offset_text(second)
                        ));
                    self.diags.push(d);
                    None
                }
            },
        }
    }

    /// Derive the id and check it is unique within the course.
    fn id(&mut self, kind: Kind, item: &Item) -> Option<String> {
        let (id, pos) = match &item.id {
            Some(id) => (id.value.clone(), id.pos),
            None => {
                let derived = uid::derived_id(&item.name.value);
                if derived.is_empty() {
                    let d = self
                        .src
                        .error(item.name.pos, "cannot derive an id from this name")
                        .label("the name has no letters or digits")
                        .help("add an explicit `id:` to this item");
                    self.diags.push(d);
                    return None;
                }
                (derived, item.name.pos)
            }
        };
        let located = Located {
            value: id.clone(),
            pos,
        };
        if let Some((other_kind, other)) = self.ids.get(&id) {
            let how = if item.id.is_some() {
                "this id"
            } else {
                "the id derived from this name"
            };
            let d = self
                .src
                .error(pos, format!("duplicate id `{id}` in this course"))
                .label(format!(
                    "{how} is already used by {} on line {}",
                    item_noun(*other_kind),
                    other.pos.line
                ))
                .help("give one of them a different explicit `id:` (ids keep calendar entries stable)");
            self.diags.push(d);
            return None;
        }
        self.ids.insert(id.clone(), (kind, located));
        Some(id)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: Kind,
        item: &Item,
        start: Option<When>,
        end: Option<DateTime<Utc>>,
        location: Option<String>,
        unit: Option<String>,
    ) {
        let id = self.id(kind, item);
        let (Some(id), Some(start)) = (id, start) else {
            return;
        };
        self.events.push(Event {
            kind,
            uid: uid::uid(self.course_id, kind, &id),
            id,
            name: item.name.value.clone(),
            description: item.description.clone(),
            url: item.url.clone(),
            location,
            unit,
            start,
            end,
            cancelled: item.cancelled,
        });
    }
}

/// The item a kind of event comes from, as the author wrote it.
fn item_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Release => "a unit",
        Kind::Due => "an assignment",
        Kind::Live => "a live event",
        Kind::Milestone => "a milestone",
    }
}

/// The time exactly as written in the file.
fn written(src: &SourceFile, t: &Located<TimeValue>) -> String {
    src.text
        .get(t.pos.start..t.pos.end)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or_else(
            || match t.value {
                TimeValue::Date(d) => d.format("%Y-%m-%d").to_string(),
                TimeValue::Instant(i) => i.to_rfc3339(),
                TimeValue::Naive(n) => n.format("%Y-%m-%dT%H:%M:%S").to_string(),
            },
            str::to_owned,
        )
}

/// `end:` at or before `start:`. Both are shown as written; when they were
/// written with different offsets, also in the course zone so they compare.
fn end_not_after_start(
    src: &SourceFile,
    tz: Tz,
    start: &Located<TimeValue>,
    end: &Located<TimeValue>,
    s: DateTime<Utc>,
    e: DateTime<Utc>,
) -> Diagnostic {
    let relation = if e == s { "the same time as" } else { "before" };
    let mut label = format!(
        "`{}` is {relation} the start `{}` (line {})",
        written(src, end),
        written(src, start),
        start.pos.line
    );
    let comparable = match (start.value, end.value) {
        (TimeValue::Naive(_), TimeValue::Naive(_)) => true,
        (TimeValue::Instant(a), TimeValue::Instant(b)) => a.offset() == b.offset(),
        _ => false,
    };
    if !comparable {
        let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M");
        label.push_str(&format!(
            "; in {tz}: ends {}, starts {}",
            local(e),
            local(s)
        ));
    }
    src.error(end.pos, "the event must end after it starts")
        .label(label)
        .help("check the date, or use `duration:` instead of `end:`")
}

/// Resolve a checked schedule into a course (all errors at once).
pub fn resolve(
    id: &str,
    src: &SourceFile,
    schedule: &Schedule,
    meta: Option<&Metadata>,
) -> Result<(Course, Vec<Diagnostic>), Vec<Diagnostic>> {
    let block = &schedule.course;
    let mut r = Resolver {
        src,
        tz: block.timezone.unwrap_or(Tz::UTC),
        diags: Vec::new(),
        warnings: Vec::new(),
        ids: HashMap::new(),
        events: Vec::new(),
        course_id: id,
    };
    let title = block
        .title
        .clone()
        .or_else(|| meta.and_then(|m| m.course_title.clone()))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if title.is_none() {
        let d = match (&block.metadata, meta) {
            (Some(rel), Some(_)) => src
                .error(rel.pos, format!("`{}` has no `course_title`", rel.value))
                .label("expected `course_title:` in this metadata file")
                .help("add `course_title:` to it, or `title:` to the `course` block"),
            _ => src
                .error(block.pos, "the course has no title")
                .label("expected a `title:` entry in this block")
                .help("add `title: …` under `course:`, or a `metadata:` file with `course_title`"),
        };
        r.diags.push(d);
    }
    for unit in &schedule.units {
        let start = r.when(&unit.release);
        r.push(Kind::Release, &unit.item, start, None, None, None);
        for a in &unit.assignments {
            let due = r.when(&a.due);
            r.push(
                Kind::Due,
                &a.item,
                due,
                None,
                None,
                Some(unit.item.name.value.clone()),
            );
        }
    }
    for ev in &schedule.live_events {
        let start = r.when(&ev.start);
        let end = match (&ev.end, start) {
            (EventEnd::Default, Some(When::At(s))) => Some(s + default_live_duration()),
            (EventEnd::Duration(d), Some(When::At(s))) => Some(s + d.value),
            (EventEnd::End(e), Some(When::At(s))) => match r.when(e) {
                Some(When::At(end)) if end > s => Some(end),
                Some(When::At(end)) => {
                    let d = end_not_after_start(src, r.tz, &ev.start, e, s, end);
                    r.diags.push(d);
                    None
                }
                _ => None,
            },
            _ => None,
        };
        r.push(
            Kind::Live,
            &ev.item,
            start.filter(|_| end.is_some()),
            end,
            ev.location.clone(),
            None,
        );
    }
    for m in &schedule.milestones {
        let date = r.when(&m.date);
        r.push(Kind::Milestone, &m.item, date, None, None, None);
    }
    if !r.diags.is_empty() {
        return Err(r.diags);
    }
    let mut events = r.events;
    events.sort_by(|a, b| (a.start.sort_key(), &a.uid).cmp(&(b.start.sort_key(), &b.uid)));
    let course = Course {
        id: id.to_owned(),
        title: title.unwrap_or_default(),
        number: block
            .number
            .clone()
            .or_else(|| meta.and_then(|m| m.primary_course_number.clone())),
        url: block.url.clone().or_else(|| meta.and_then(Metadata::url)),
        description: block
            .description
            .clone()
            .or_else(|| meta.and_then(|m| m.course_description.clone()))
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty()),
        timezone: r.tz,
        updated: block.updated,
        events,
    };
    Ok((course, r.warnings))
}
