//! Versions folded into per-event facts and a list of changes.

use crate::model::{Course, Event, EventHistory, Kind, When};
use chrono::{DateTime, Duration, Utc};
use sha2::Digest;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A removed item stays in feeds (cancelled) until its date has passed and
/// it has been gone this long, both measured at the newest version.
pub const KEEP_REMOVED: Duration = Duration::days(14);

/// One version of a course.
#[derive(Debug, Clone)]
pub struct Version {
    /// When it was made: committer date, or when the journal recorded it.
    pub at: DateTime<Utc>,
    /// The course as it compiled then.
    pub course: Arc<Course>,
}

/// When an event happens: its start and, for timed events, its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The start.
    pub start: When,
    /// The end of a timed event.
    pub end: Option<DateTime<Utc>>,
}

impl Span {
    fn of(e: &Event) -> Span {
        Span {
            start: e.start(),
            end: e.end(),
        }
    }
}

/// What happened to an event in one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// Its start or end moved (from → the change's `when`).
    Moved {
        /// Where it was.
        from: Span,
    },
    /// Set to `status: cancelled`.
    Cancelled,
    /// Cancelled before, now on again.
    Reinstated,
    /// New in this version (or back after a removal).
    Added,
    /// Deleted from the schedule: feeds keep it as cancelled for a while.
    Removed,
    /// Its name changed (an item with an explicit `id`, so the same UID).
    Renamed {
        /// The name it had.
        from: String,
    },
}

impl What {
    /// A word for scripts and entry ids.
    pub fn tag(&self) -> &'static str {
        match self {
            What::Moved { .. } => "moved",
            What::Cancelled => "cancelled",
            What::Reinstated => "reinstated",
            What::Added => "added",
            What::Removed => "removed",
            What::Renamed { .. } => "renamed",
        }
    }
}

/// One change of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The instant of the version that made it.
    pub at: DateTime<Utc>,
    /// The event's UID.
    pub uid: String,
    /// Its kind.
    pub kind: Kind,
    /// Its name in that version (the last name it had, when removed).
    pub name: String,
    /// When it is in that version (when it was, when removed).
    pub when: Span,
    /// What happened.
    pub what: What,
}

impl Change {
    /// The same on every replica and every fetch: made of the course, the
    /// event, the version's instant and what happened, nothing else.
    pub fn id(&self, course: &str) -> String {
        let mut h = sha2::Sha256::new();
        // The span is part of it: commits made in one second (a rebase, a
        // cherry-picked series) that move one event twice are two entries.
        let end = self.when.end.map(|e| e.timestamp().to_string());
        for part in [
            course,
            &self.uid,
            &self.at.timestamp().to_string(),
            self.what.tag(),
            &self.when.start.sort_key().timestamp().to_string(),
            end.as_deref().unwrap_or("-"),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        let hex = crate::model::ids::hex(&digest[..12]);
        format!("tag:coursecal,2026:{course}/{hex}")
    }
}

/// A course with what its history says: every event with its
/// [`EventHistory`], removed items back as cancelled, and the changes.
#[derive(Debug, Clone)]
pub struct History {
    /// The newest version, with history facts and cancelled removals.
    pub course: Course,
    /// Every change, oldest first.
    pub changes: Vec<Change>,
}

struct Track {
    event: Event,
    sequence: i64,
    modified: DateTime<Utc>,
    removed_at: Option<DateTime<Utc>>,
}

/// Fold versions (oldest first) into a [`History`]. One version (or none)
/// is no history: `None`, and feeds keep `course.updated`'s meaning.
///
/// SEQUENCE is the highest base of any version (`Course::base_sequence`,
/// 0 without `updated`; the highest, so it is never below what a feed
/// without history says for the newest version) plus one for each version
/// in which the event's start, end or status changed (removal and return
/// included). LAST-MODIFIED is the instant of the version in which
/// anything of it last changed; instants that go back (a rebased commit)
/// count as the latest seen, so neither ever decreases as versions are
/// added. A version stamped before 1970 or after 9999 (a corrupt journal
/// row, a crafted commit date) is no version.
pub fn fold(versions: &[Version]) -> Option<History> {
    let plausible: Vec<&Version> = versions.iter().filter(|v| plausible(v.at)).collect();
    let (first, rest) = plausible.split_first()?;
    let latest = plausible.last()?;
    if rest.is_empty() {
        return None;
    }
    let base = plausible
        .iter()
        .map(|v| v.course.base_sequence())
        .max()
        .unwrap_or(0);
    let mut clock = first.at;
    let mut tracks: BTreeMap<String, Track> = first
        .course
        .events
        .iter()
        .map(|e| {
            let t = Track {
                event: e.clone(),
                sequence: base,
                modified: first.at,
                removed_at: None,
            };
            (e.uid().to_owned(), t)
        })
        .collect();
    let mut changes = Vec::new();
    for v in rest.iter() {
        let at = clock.max(v.at);
        clock = at;
        let mut present = std::collections::BTreeSet::new();
        for e in &v.course.events {
            present.insert(e.uid());
            let change = |what| Change {
                at,
                uid: e.uid().to_owned(),
                kind: e.kind,
                name: e.name().to_string(),
                when: Span::of(e),
                what,
            };
            let Some(t) = tracks.get_mut(e.uid()) else {
                tracks.insert(
                    e.uid().to_owned(),
                    Track {
                        event: e.clone(),
                        sequence: base,
                        modified: at,
                        removed_at: None,
                    },
                );
                changes.push(change(What::Added));
                continue;
            };
            if t.removed_at.take().is_some() {
                t.sequence += 1;
                t.modified = at;
                t.event = e.clone();
                changes.push(change(What::Added));
                continue;
            }
            if t.event == *e {
                continue;
            }
            let mut rescheduled = false;
            if Span::of(&t.event) != Span::of(e) {
                rescheduled = true;
                changes.push(change(What::Moved {
                    from: Span::of(&t.event),
                }));
            }
            if t.event.cancelled != e.cancelled {
                rescheduled = true;
                changes.push(change(if e.cancelled {
                    What::Cancelled
                } else {
                    What::Reinstated
                }));
            }
            if t.event.name() != e.name() {
                changes.push(change(What::Renamed {
                    from: t.event.name().to_string(),
                }));
            }
            if rescheduled {
                t.sequence += 1;
            }
            t.modified = at;
            t.event = e.clone();
        }
        for (uid, t) in tracks.iter_mut() {
            if t.removed_at.is_none() && !present.contains(uid.as_str()) {
                t.removed_at = Some(at);
                t.sequence += 1;
                t.modified = at;
                changes.push(Change {
                    at,
                    uid: uid.clone(),
                    kind: t.event.kind,
                    name: t.event.name().to_string(),
                    when: Span::of(&t.event),
                    what: What::Removed,
                });
            }
        }
    }
    let mut course = (*latest.course).clone();
    for e in &mut course.events {
        if let Some(t) = tracks.get(e.uid()) {
            e.history = Some(EventHistory {
                sequence: t.sequence,
                modified: t.modified,
            });
        }
    }
    // `clock` is a plausible instant, so this cannot overflow; the check
    // keeps it that way if the range ever changes.
    let horizon = clock.checked_sub_signed(KEEP_REMOVED).unwrap_or(clock);
    for t in tracks.values() {
        let Some(removed_at) = t.removed_at else {
            continue;
        };
        let date = t.event.end().unwrap_or(t.event.start().sort_key());
        if date < clock && removed_at <= horizon {
            continue;
        }
        let mut e = t.event.clone();
        e.cancelled = true;
        e.history = Some(EventHistory {
            sequence: t.sequence,
            modified: t.modified,
        });
        course.events.push(e);
    }
    course
        .events
        .sort_by(|a, b| (a.start().sort_key(), a.uid()).cmp(&(b.start().sort_key(), b.uid())));
    Some(History { course, changes })
}

/// An instant a version can have: from 1970 to the end of 9999 (what
/// RFC 3339 and iCalendar can write, and no commit or save was ever made
/// before 1970).
fn plausible(at: DateTime<Utc>) -> bool {
    (0..=253_402_300_799).contains(&at.timestamp())
}
