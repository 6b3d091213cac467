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
        self.zone.wall_zone()
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
    let assembly = Assembly::new(courses, pieces, zone, kinds);
    let mut body = String::with_capacity(assembly.len());
    for part in assembly.parts(0..assembly.events()) {
        body.push_str(part);
    }
    Feed {
        body,
        last_modified: courses.iter().filter_map(|c| c.updated).max(),
    }
}

/// A feed to be assembled from pieces: its head, which event of which
/// piece comes n-th, and its end. Each part is a slice of a piece, so a
/// range of events can be copied out by whichever core is free (the static
/// export writes a merged feed as large as every course together that way).
pub struct Assembly<'a> {
    head: String,
    end: String,
    pieces: &'a [&'a Piece],
    /// (piece, event in it), in the feed's order.
    order: Vec<(u32, u32)>,
    len: usize,
}

impl<'a> Assembly<'a> {
    /// The feed of `courses` showing `kinds`, from their `pieces`, as
    /// [`render_assembled`] describes.
    pub fn new(courses: &[&Course], pieces: &'a [&'a Piece], zone: Zone, kinds: KindSet) -> Self {
        debug_assert_eq!(courses.len(), pieces.len());
        let tz = zone.wall_zone();
        let end = calendar_end();
        let mut years = None;
        let mut len = end.len();
        // The merged order, as the whole render's stable sort of every
        // course's events in course order: start, then UID, then the
        // earlier course (each piece is in that order already). The keys
        // are unique (a piece and an event in it), so an unstable sort
        // gives the one order.
        let mut keyed: Vec<(DateTime<Utc>, &str, u32, u32)> = Vec::new();
        for (p, piece) in (0u32..).zip(pieces.iter()) {
            for (i, e) in (0u32..).zip(&piece.events) {
                if kinds.contains(e.kind) {
                    years = span_union(years, e.years);
                    len += piece.event(i as usize).len();
                    keyed.push((e.start, &e.uid, p, i));
                }
            }
        }
        if pieces.len() > 1 {
            keyed.sort_unstable();
        }
        let order = keyed.into_iter().map(|(_, _, p, i)| (p, i)).collect();
        let mut w = Writer::with_capacity(4096);
        write_head(&mut w, courses, tz, years);
        let head = w.finish();
        len += head.len();
        Assembly {
            head,
            end,
            pieces,
            order,
            len,
        }
    }

    /// The feed's size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// How many events it shows.
    pub fn events(&self) -> usize {
        self.order.len()
    }

    /// The parts holding the events `range` (in the feed's order), with
    /// the head when the range starts the feed and the end when it ends it:
    /// consecutive ranges give consecutive bytes.
    pub fn parts(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &str> + '_ {
        let head = (range.start == 0).then_some(self.head.as_str());
        let end = (range.end == self.order.len()).then_some(self.end.as_str());
        let events = self.order[range]
            .iter()
            .map(|&(p, i)| self.pieces[p as usize].event(i as usize));
        head.into_iter().chain(events).chain(end)
    }

    /// The size of [`Assembly::parts`] of `range` (the parts are slices:
    /// no event's bytes are read).
    pub fn range_len(&self, range: std::ops::Range<usize>) -> usize {
        self.parts(range).map(str::len).sum()
    }
}

/// Each one-event feed of `piece` (of `course` alone, for `zone`, no run),
/// in event order, handed to `each` with its event's UID: the course's head
/// with the VTIMEZONE that event needs, the event's bytes as the piece holds
/// them, the end. Byte-identical to rendering the course holding only that
/// event. A head is written once for a run of events that need the same one
/// (once per course in UTC, which has no VTIMEZONE) into one reused buffer:
/// a 1,000-course export writes 100,000 of these, and rendering a head and
/// allocating a feed for each was a tenth of its user time.
pub fn for_each_sliced<E>(
    course: &Course,
    piece: &Piece,
    zone: Zone,
    mut each: impl FnMut(&str, &str) -> Result<(), E>,
) -> Result<(), E> {
    let tz = zone.wall_zone();
    let end = calendar_end();
    // The head depends on the course, the zone and (with a zone) the years.
    let mut head: Option<(Option<(i32, i32)>, String)> = None;
    let mut buf = String::new();
    for (i, e) in piece.events.iter().enumerate() {
        let years = tz.and(e.years);
        let head = match &mut head {
            Some((y, text)) if *y == years => text,
            slot => {
                let mut w = Writer::with_capacity(2048);
                write_head(&mut w, &[course], tz, years);
                &mut slot.insert((years, w.finish())).1
            }
        };
        let event = piece.event(i);
        buf.clear();
        buf.reserve(head.len() + event.len() + end.len());
        buf.push_str(head);
        buf.push_str(event);
        buf.push_str(&end);
        each(&e.uid, &buf)?;
    }
    Ok(())
}

/// The line that ends every feed, as the writer writes it.
fn calendar_end() -> String {
    let mut w = Writer::with_capacity(16);
    w.end("VCALENDAR");
    w.finish()
}

impl Piece {
    /// The UID of its `i`-th event (a one-event feed is named by it).
    pub fn uid(&self, i: usize) -> &str {
        &self.events[i].uid
    }
}
