//! An occurrence placed in the draft: a live event, a due (timed or all
//! day), a unit release or a milestone, its time in the course zone.

use super::kind::{canvas_assignment, is_due, is_release};
use super::occurrence::Occurrence;
use super::vevent::{IcsTime, VEvent};
use crate::import::draft::{Draft, DraftItem, DraftUnit, Due, Live, Start, UnitOf, Unread};
use crate::model::YEARS;
use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};
use chrono_tz::Tz;

/// An instant or wall time for the draft, in the course zone.
fn start_of(w: IcsTime, zone: Option<Tz>, notes: &mut Vec<String>) -> Result<Start, String> {
    let show = |t: DateTime<Utc>| -> DateTime<FixedOffset> {
        match zone {
            Some(z) => t.with_timezone(&z).fixed_offset(),
            None => t.fixed_offset(),
        }
    };
    match w {
        IcsTime::Instant(t, _) => Ok(Start::Instant(show(t))),
        IcsTime::Floating(n) => {
            let z = zone.ok_or(
                "a time without a zone (floating): give --timezone for the calendar's zone",
            )?;
            let local = z.from_local_datetime(&n);
            let t = local
                .earliest()
                .ok_or_else(|| format!("{n} does not exist in {}", z.name()))?;
            if local.latest() != Some(t) {
                notes.push(format!("{n} occurs twice in {}: the earlier", z.name()));
            }
            Ok(Start::Instant(t.fixed_offset()))
        }
        IcsTime::Date(_) => Err("an all-day date where a time is needed".into()),
    }
}

/// Minutes from start to end (or DURATION), when positive.
fn minutes(e: &VEvent, notes: &mut Vec<String>) -> Option<i64> {
    let m = match (e.start, e.end, &e.duration) {
        (IcsTime::Instant(a, _), Some(IcsTime::Instant(b, _)), _) => Some((b - a).num_minutes()),
        (IcsTime::Floating(a), Some(IcsTime::Floating(b)), _) => Some((b - a).num_minutes()),
        (_, None, Some(d)) => match crate::schedule::time::parse_duration(d) {
            Ok(d) => Some(d.num_minutes()),
            Err(_) => {
                notes.push(format!("DURATION {d} not read: the default hour"));
                None
            }
        },
        _ => None,
    };
    match m {
        Some(m) if m > 366 * 24 * 60 => {
            notes.push("lasts more than a year: the default hour".into());
            None
        }
        Some(m) if m > 0 => Some(m),
        Some(_) => {
            notes.push("ends at or before its start: the default hour".into());
            None
        }
        None => None,
    }
}

/// Put the occurrence `o` in the draft as the item its kind makes.
pub(super) fn place(o: Occurrence<'_>, zone: Option<Tz>, draft: &mut Draft) {
    let e = o.event;
    let mut notes = o.notes;
    let name = match &e.summary {
        Some(s) => s.clone(),
        None => {
            notes.push("no SUMMARY in the calendar: name it".into());
            "Untitled event".to_owned()
        }
    };
    let due = is_due(&name, &e.categories) || canvas_assignment(e.uid.as_deref());
    let unread = |why: String| Unread::new(e.line, name.clone(), why);
    // An all-day occurrence is on its date; a timed one starts in the zone.
    let (date, at) = match o.start {
        IcsTime::Date(date) => {
            if let Some(IcsTime::Date(end)) = e.end
                && end > date.succ_opt().unwrap_or(date)
            {
                notes.push(format!(
                    "all day until {}: imported on its first day",
                    end.pred_opt().unwrap_or(end)
                ));
            }
            (date, None)
        }
        timed => match start_of(timed, zone, &mut notes) {
            Ok(start @ Start::Instant(t)) => (t.date_naive(), Some(start)),
            Ok(start @ Start::Wall(n)) => (n.date(), Some(start)),
            Err(why) => {
                draft.unread.push(unread(why));
                return;
            }
        },
    };
    if !YEARS.contains(&date.year()) {
        let (from, to) = (YEARS.start(), YEARS.end());
        draft
            .unread
            .push(unread(format!("{date}: a year outside {from}–{to}")));
        return;
    }
    let at = match (at, due) {
        (Some(start), false) => {
            let duration_minutes = minutes(e, &mut notes);
            draft.live.push(Live {
                name,
                id: o.id,
                start,
                duration_minutes,
                description: e.description.clone(),
                location: e.location.clone(),
                cancelled: e.cancelled,
                notes,
                line: e.line,
            });
            return;
        }
        (at, _) => at,
    };
    if let Some(l) = &e.location {
        notes.push(format!("location: {l}"));
    }
    let item = DraftItem {
        name,
        id: o.id,
        date,
        at,
        description: e.description.clone(),
        cancelled: e.cancelled,
        notes,
        line: e.line,
    };
    if due {
        draft.dues.push(Due {
            item,
            unit: UnitOf::ByDate,
        });
    } else if is_release(&item.name, &e.categories) {
        draft.units.push(DraftUnit::new(item));
    } else {
        draft.milestones.push(item);
    }
}
