//! Feeds assembled from per-course pieces: the VEVENTs of one course,
//! rendered once for a (zone, run, reminders) and kept, so that a feed of
//! many courses costs a merge of bytes, and an edit of one course renders
//! that course again, not every feed that includes it. The assembled bytes
//! are those of [`super::render_variant`]: the head is written by the same
//! function, each event by the same writer calls, in the same order.

use super::feed::{
    CourseText, Feed, TimeProps, span_union, wall_time, write_alarms, write_event, write_head,
};
use super::writer::Writer;
use crate::model::{Alarms, Course, Event, Kind, KindSet, Shift, Variant, Zone};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a piece depends on besides its course: the kinds a feed shows are
/// picked when it is assembled, so every kind filter shares one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PieceOf {
    /// The zone timed events are written in.
    pub zone: Zone,
    /// A learner's run (dates moved, live events left out, UIDs of its own).
    pub shift: Option<Shift>,
    /// Reminders on every event.
    pub alarms: Alarms,
    /// For a feed of several courses: SUMMARY then starts with the
    /// course's number, and events are in the merged feed's order.
    pub several: bool,
}

impl PieceOf {
    /// The piece `variant` needs, for a feed of one course or of several.
    pub fn of(variant: &Variant, several: bool) -> Self {
        PieceOf {
            zone: variant.feed_zone(),
            shift: variant.shift,
            alarms: variant.alarms,
            several,
        }
    }

    fn tz(&self) -> Option<Tz> {
        match self.zone {
            Zone::Named(tz) => Some(tz),
            Zone::Utc => None,
        }
    }
}

/// The rendered VEVENTs of one course, one after the other, with what
/// assembling needs to know of each.
#[derive(Debug)]
pub struct Piece {
    body: String,
    events: Vec<PieceEvent>,
}

#[derive(Debug)]
struct PieceEvent {
    /// Where its bytes end in `body` (they start where the previous end).
    end: usize,
    /// The merged feed's order: start, then UID.
    start: DateTime<Utc>,
    uid: Box<str>,
    kind: Kind,
    /// Years of its wall times, when written as wall time.
    years: Option<(i32, i32)>,
}

impl Piece {
    /// Bytes held, for a cache's weight.
    pub fn size(&self) -> usize {
        self.body.len()
            + self
                .events
                .iter()
                .map(|e| std::mem::size_of::<PieceEvent>() + e.uid.len())
                .sum::<usize>()
    }

    fn event(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.events[i - 1].end };
        &self.body[start..self.events[i].end]
    }
}

/// The piece of `course` for `of`: with a run, of the run's events.
pub fn render_piece(course: &Course, of: &PieceOf) -> Piece {
    let shifted;
    let course = match of.shift {
        Some(shift) => {
            shifted = shift.apply(course);
            &shifted
        }
        None => course,
    };
    let text = CourseText::new(course, of.several);
    let tz = of.tz();
    let props = TimeProps::new(tz);
    let mut order: Vec<&Event> = course.events.iter().collect();
    if of.several {
        // Stable, as the whole render's sort: equal keys keep course order.
        order.sort_by(|a, b| (a.start().sort_key(), a.uid()).cmp(&(b.start().sort_key(), b.uid())));
    }
    let mut w = Writer::with_capacity(course.events.len() * 700);
    let mut events = Vec::with_capacity(order.len());
    for e in order {
        let (local, years) = wall_time(tz, e);
        write_event(&mut w, &text, e, &props, local);
        write_alarms(&mut w, &text, e, &of.alarms);
        w.end("VEVENT");
        events.push(PieceEvent {
            end: w.written(),
            start: e.start().sort_key(),
            uid: e.uid().into(),
            kind: e.kind,
            years,
        });
    }
    let mut body = w.finish();
    body.shrink_to_fit();
    events.shrink_to_fit();
    Piece { body, events }
}

/// The feed of `courses` showing `kinds`, from their pieces (`pieces[i]`
/// is the piece of `courses[i]`, all for one [`PieceOf`] whose `several`
/// is whether there are several courses, and whose zone is `zone`).
/// Byte-identical to rendering the feed whole.
pub fn render_assembled(
    courses: &[&Course],
    pieces: &[&Piece],
    zone: Zone,
    kinds: KindSet,
) -> Feed {
    let size = pieces
        .iter()
        .flat_map(|p| {
            (0..p.events.len())
                .filter(|&i| kinds.contains(p.events[i].kind))
                .map(|i| p.event(i).len())
        })
        .sum::<usize>();
    let mut body = String::with_capacity(4096 + size);
    assemble(courses, pieces, zone, kinds, &mut |part| {
        body.push_str(part)
    });
    Feed {
        body,
        last_modified: courses.iter().filter_map(|c| c.updated).max(),
    }
}

/// [`render_assembled`]'s bytes, handed to `emit` part by part (the head,
/// each event, the end) rather than gathered: a merged feed as large as
/// every course together goes to a file without a second copy in memory.
pub fn assemble(
    courses: &[&Course],
    pieces: &[&Piece],
    zone: Zone,
    kinds: KindSet,
    emit: &mut dyn FnMut(&str),
) {
    debug_assert_eq!(courses.len(), pieces.len());
    let tz = match zone {
        Zone::Named(tz) => Some(tz),
        Zone::Utc => None,
    };
    let shown = |p: &Piece, i: usize| kinds.contains(p.events[i].kind);
    let mut years = None;
    for p in pieces {
        for i in (0..p.events.len()).filter(|&i| shown(p, i)) {
            years = span_union(years, p.events[i].years);
        }
    }
    let mut w = Writer::with_capacity(4096);
    write_head(&mut w, courses, tz, years);
    emit(&w.finish());
    if let [one] = pieces {
        for i in (0..one.events.len()).filter(|&i| shown(one, i)) {
            emit(one.event(i));
        }
    } else {
        // A k-way merge of the pieces, each already in (start, UID) order:
        // ties go to the earlier course, as in the whole render's stable
        // sort of every course's events in course order.
        let next =
            |p: usize, from: usize| (from..pieces[p].events.len()).find(|&i| shown(pieces[p], i));
        let head = |p: usize, i: usize| {
            let e = &pieces[p].events[i];
            Reverse((e.start, &*e.uid, p, i))
        };
        let mut heads: BinaryHeap<_> = (0..pieces.len())
            .filter_map(|p| Some(head(p, next(p, 0)?)))
            .collect();
        while let Some(Reverse((_, _, p, i))) = heads.pop() {
            emit(pieces[p].event(i));
            if let Some(i) = next(p, i + 1) {
                heads.push(head(p, i));
            }
        }
    }
    let mut w = Writer::with_capacity(32);
    w.end("VCALENDAR");
    emit(&w.finish());
}

/// The one-event feed of the `i`-th event of `piece` (of `course` alone,
/// for `zone`, no run): the course's head with the VTIMEZONE that event
/// needs, the event's bytes as the piece holds them, the end. Byte-identical
/// to rendering the course holding only that event.
pub fn render_sliced(course: &Course, piece: &Piece, i: usize, zone: Zone) -> Feed {
    let tz = match zone {
        Zone::Named(tz) => Some(tz),
        Zone::Utc => None,
    };
    let event = piece.event(i);
    let mut w = Writer::with_capacity(2048 + event.len());
    write_head(&mut w, &[course], tz, piece.events[i].years);
    w.lines(event);
    w.end("VCALENDAR");
    Feed {
        body: w.finish(),
        last_modified: course.updated,
    }
}

impl Piece {
    /// The UID of its `i`-th event (a one-event feed is named by it).
    pub fn uid(&self, i: usize) -> &str {
        &self.events[i].uid
    }
}
