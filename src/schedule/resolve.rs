//! Resolution: a checked [`Schedule`] (plus its OCW metadata) becomes a
//! [`model::Course`]. This is where cross-item rules hold (unique ids, end
//! after start, naive times placed in the course zone), so nothing
//! downstream re-checks.

use super::diagnostic::Diagnostic;
use super::ocw::Metadata;
use super::source::SourceFile;
use super::time::{LocalTimeError, TimeValue, offset_text, resolve_local};
use super::written::{EventEnd, ItemKeys, LiveEvent, Located, Schedule, Unit};
use crate::model::{self, Course, Event, Kind, When, default_live_duration, ids};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::Arc;

struct Resolver<'a> {
    src: &'a SourceFile,
    tz: Tz,
    diags: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    ids: HashMap<String, (Kind, Located<String>)>,
    events: Vec<Event>,
    course_id: &'a model::CourseId,
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
    fn id(&mut self, kind: Kind, item: &ItemKeys) -> Option<String> {
        let (id, pos) = match &item.id {
            Some(id) => (id.value.clone(), id.pos),
            None => {
                let derived = ids::derived_id(&item.name.value);
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
                    other_kind.item_noun(),
                    other.pos.line
                ))
                .help("give one of them a different explicit `id:` (ids keep calendar entries stable)");
            self.diags.push(d);
            return None;
        }
        self.ids.insert(id.clone(), (kind, located));
        Some(id)
    }

    /// Add the event of `item` (when its id and time resolved) and hand
    /// it back for the fields only some kinds have.
    fn push(
        &mut self,
        kind: Kind,
        item: &mut ItemKeys,
        start: Option<When>,
        end: Option<DateTime<Utc>>,
    ) -> Option<&mut Event> {
        let id = self.id(kind, item);
        let (id, start) = (id?, start?);
        // Ends were checked against starts above, with located errors: a
        // failure here is a bug, not an input error.
        // Moved, not copied: the schedule is not read after resolution.
        let name = std::mem::take(&mut item.name.value);
        let mut event = Event::new(self.course_id, kind, &id, name, start, end)
            .expect("ends are checked against starts before events are built");
        event.set_details(item.description.as_deref(), item.url.as_deref());
        event.cancelled = item.cancelled;
        self.events.push(event);
        self.events.last_mut()
    }

    fn units(&mut self, units: &mut [Unit]) {
        for unit in units {
            // One copy of the unit's name for all its assignments.
            let name: Option<Arc<str>> =
                (!unit.assignments.is_empty()).then(|| unit.item.name.value.as_str().into());
            let start = self.when(&unit.release);
            self.push(Kind::Release, &mut unit.item, start, None);
            for a in &mut unit.assignments {
                let due = self.when(&a.due);
                if let Some(e) = self.push(Kind::Due, &mut a.item, due, None) {
                    e.unit.clone_from(&name);
                }
            }
        }
    }

    fn live(&mut self, ev: &mut LiveEvent) {
        let start = self.when(&ev.start);
        let end = match (&ev.end, start) {
            (EventEnd::Default, Some(When::At(s))) => Some(s + default_live_duration()),
            (EventEnd::Duration(d), Some(When::At(s))) => Some(s + d.value),
            (EventEnd::End(e), Some(When::At(s))) => match self.when(e) {
                Some(When::At(end)) if end > s => Some(end),
                Some(When::At(end)) => {
                    let d = end_not_after_start(self.src, self.tz, &ev.start, e, s, end);
                    self.diags.push(d);
                    None
                }
                _ => None,
            },
            _ => None,
        };
        let start = start.filter(|_| end.is_some());
        if let Some(e) = self.push(Kind::Live, &mut ev.item, start, end) {
            e.set_location(ev.location.as_deref());
        }
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

/// The course title: the schedule's, else the metadata's; an error when
/// neither gives one.
fn title(
    src: &SourceFile,
    schedule: &Schedule,
    meta: Option<&Metadata>,
) -> Result<String, Box<Diagnostic>> {
    let block = &schedule.course;
    let title = block
        .title
        .clone()
        .or_else(|| meta.and_then(|m| m.course_title.clone()))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(title) = title {
        return Ok(title);
    }
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
    Err(Box::new(d))
}

/// Resolve a checked schedule into a course (all errors at once).
pub fn resolve(
    id: &model::CourseId,
    src: &SourceFile,
    mut schedule: Schedule,
    meta: Option<&Metadata>,
) -> Result<(Course, Vec<Diagnostic>), Vec<Diagnostic>> {
    let tz = schedule.course.timezone.unwrap_or(Tz::UTC);
    let mut r = Resolver {
        src,
        tz,
        diags: Vec::new(),
        warnings: Vec::new(),
        ids: HashMap::new(),
        // Sized once: a catalog holds this vector for every course.
        events: Vec::with_capacity(
            schedule
                .units
                .iter()
                .map(|u| 1 + u.assignments.len())
                .sum::<usize>()
                + schedule.live_events.len()
                + schedule.milestones.len(),
        ),
        course_id: id,
    };
    let title = title(src, &schedule, meta)
        .map_err(|d| r.diags.push(*d))
        .ok();
    r.units(&mut schedule.units);
    for ev in &mut schedule.live_events {
        r.live(ev);
    }
    for m in &mut schedule.milestones {
        let date = r.when(&m.date);
        r.push(Kind::Milestone, &mut m.item, date, None);
    }
    let block = &schedule.course;
    let (Some(title), true) = (title, r.diags.is_empty()) else {
        return Err(r.diags);
    };
    let mut events = r.events;
    events.sort_by(|a, b| (a.start().sort_key(), a.uid()).cmp(&(b.start().sort_key(), b.uid())));
    // Items that failed to resolve leave nothing behind (they are errors).
    events.shrink_to_fit();
    let course = model::Course {
        id: id.clone(),
        title,
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
