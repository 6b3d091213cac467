//! Every occurrence of the calendar's events: single events as they
//! are, recurring ones expanded (`recur`), overrides (`RECURRENCE-ID`) in
//! place of the occurrence they replace, each with a stable id from its
//! UID and date.

use super::recur;
use super::vevent::{IcsTime, VEvent};
use crate::import::draft::{Draft, Unread};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Occurrences imported from one calendar, at most: the rest is reported.
pub(super) const MAX_ITEMS: usize = 5000;
/// Recurring events expanded from one calendar, at most (a rule no date
/// satisfies costs the `rrule` crate its whole iteration limit, some
/// 10–20 ms: this bounds a hostile file to about a second).
pub(super) const MAX_RULES: usize = 50;
/// Room for an id built from a UID, leaving space for `unit-` and a
/// counter within the 100-byte id limit.
const ID_ROOM: usize = 90;

/// One occurrence to become an item.
pub(super) struct Occurrence<'a> {
    pub(super) event: &'a VEvent,
    pub(super) start: IcsTime,
    /// Its id, when the event has a UID.
    pub(super) id: Option<String>,
    pub(super) notes: Vec<String>,
}

/// `[a-z0-9][a-z0-9.-]*` from a UID and a suffix, at most [`ID_ROOM`]
/// bytes: the UID's ASCII slug, or (too long, or no letters) a readable
/// part and 12 hex digits of the SHA-256 of the UID.
pub(super) fn uid_id(uid: &str, suffix: &str) -> String {
    use sha2::{Digest, Sha256};
    let slug = crate::model::ids::ascii_slug(uid);
    let room = ID_ROOM.saturating_sub(suffix.len());
    if !slug.is_empty() && slug.len() <= room {
        return format!("{slug}{suffix}");
    }
    let hash = crate::model::ids::hex(&Sha256::digest(uid.as_bytes())[..6]);
    let readable = crate::model::ids::truncate_ascii(&slug, room.saturating_sub(14));
    if readable.is_empty() {
        format!("x{hash}{suffix}")
    } else {
        format!("{readable}-x{hash}{suffix}")
    }
}

/// Every occurrence: single events as they are, recurring ones expanded,
/// overrides in place of the occurrence they replace.
pub(super) fn occurrences<'a>(events: &'a [VEvent], draft: &mut Draft) -> Vec<Occurrence<'a>> {
    let mut out = Vec::new();
    // Overrides by (UID, original start).
    let mut overrides: HashMap<(String, (u8, i64)), &VEvent> = HashMap::new();
    for e in events {
        if let (Some(uid), Some(rid)) = (&e.uid, &e.recurrence_id) {
            overrides.insert((uid.clone(), rid.key()), e);
        }
    }
    let mut used: HashSet<(String, (u8, i64))> = HashSet::new();
    let mut rules = 0;
    let unread = |e: &VEvent, why: String| {
        Unread::new(
            e.line,
            e.summary.clone().unwrap_or_else(|| "VEVENT".into()),
            why,
        )
    };
    for e in events.iter().filter(|e| e.recurrence_id.is_none()) {
        if out.len() >= MAX_ITEMS {
            draft.unread.push(unread(
                e,
                format!(
                    "more than {MAX_ITEMS} occurrences in one calendar: this event not imported"
                ),
            ));
            continue;
        }
        if e.rule.is_none() && e.rdates.is_empty() {
            out.push(Occurrence {
                event: e,
                start: e.start,
                id: e.uid.as_deref().map(|u| uid_id(u, "")),
                notes: Vec::new(),
            });
            continue;
        }
        rules += 1;
        let mut start_added = false;
        let expanded = if rules > MAX_RULES {
            Err(format!(
                "more than {MAX_RULES} recurring events in one calendar: only the first occurrence imported"
            ))
        } else {
            recur::expand(&e.start, e.rule.as_deref(), &e.rdates, &e.exdates)
                .map_err(|why| format!("a recurrence this import cannot expand ({why}): only the first occurrence imported"))
        };
        let starts = match expanded {
            Ok(x) => {
                if let Some(last) = x.cut_unbounded {
                    draft.skipped.push(unread(
                        e,
                        format!(
                            "a rule without end: occurrences after {last} not imported (cut {} months or {} occurrences after its start)",
                            recur::HORIZON_MONTHS,
                            recur::MAX_PER_RULE
                        ),
                    ));
                }
                if x.cut_bounded {
                    draft.unread.push(unread(
                        e,
                        format!(
                            "more than {} occurrences (RRULE and RDATEs): only the first {} imported",
                            recur::MAX_PER_RULE,
                            x.starts.len()
                        ),
                    ));
                }
                start_added = x.start_added;
                x.starts
            }
            Err(why) => {
                draft.unread.push(unread(e, why));
                vec![e.start]
            }
        };
        let dates: Vec<NaiveDate> = starts.iter().map(IcsTime::date).collect();
        let same_day = dates.len() != dates.iter().collect::<HashSet<_>>().len();
        let room = MAX_ITEMS.saturating_sub(out.len());
        if starts.len() > room {
            draft.unread.push(unread(
                e,
                format!(
                    "more than {MAX_ITEMS} occurrences in one calendar: only {room} of this event's {} imported",
                    starts.len()
                ),
            ));
        }
        for s in starts.into_iter().take(room) {
            let suffix = match (s, same_day) {
                (IcsTime::Instant(t, Some(tz)), true) => {
                    format!("-{}", t.with_timezone(&tz).format("%Y%m%dt%H%M%S"))
                }
                (IcsTime::Instant(t, None), true) => format!("-{}", t.format("%Y%m%dt%H%M%S")),
                (IcsTime::Floating(n), true) => format!("-{}", n.format("%Y%m%dt%H%M%S")),
                _ => format!("-{}", s.date().format("%Y%m%d")),
            };
            let id = e.uid.as_deref().map(|u| uid_id(u, &suffix));
            let over = e.uid.as_ref().and_then(|u| {
                let k = (u.clone(), s.key());
                overrides.get(&k).map(|o| (k, *o))
            });
            match over {
                Some((k, o)) => {
                    used.insert(k);
                    let mut notes = Vec::new();
                    if o.start.key() != s.key() {
                        notes.push(format!("moved from {} (RECURRENCE-ID)", s.date()));
                    }
                    out.push(Occurrence {
                        event: o,
                        start: o.start,
                        id,
                        notes,
                    });
                }
                None => out.push(Occurrence {
                    event: e,
                    start: s,
                    id,
                    notes: if start_added && s.key() == e.start.key() {
                        vec![
                            "DTSTART is no instance of its RRULE: kept as the first one (RFC 5545)"
                                .to_owned(),
                        ]
                    } else {
                        Vec::new()
                    },
                }),
            }
        }
    }
    // Overrides of no occurrence found here (the series is not in the
    // file, or the rule does not give that date): items of their own.
    for e in events {
        let (Some(uid), Some(rid)) = (&e.uid, &e.recurrence_id) else {
            continue;
        };
        if used.contains(&(uid.clone(), rid.key())) {
            continue;
        }
        if out.len() >= MAX_ITEMS {
            draft.unread.push(unread(
                e,
                format!("more than {MAX_ITEMS} occurrences in one calendar: not imported"),
            ));
            continue;
        }
        out.push(Occurrence {
            event: e,
            start: e.start,
            id: Some(uid_id(uid, &format!("-{}", rid.date().format("%Y%m%d")))),
            notes: vec![format!(
                "an occurrence (RECURRENCE-ID {}) of a series not in the calendar",
                rid.date()
            )],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_uids_are_valid_short_and_stable() {
        assert_eq!(
            uid_id("7kukuq@google.com", "-20251105"),
            "7kukuq-google-com-20251105"
        );
        let long = "X".repeat(300);
        let id = uid_id(&long, "-20251105");
        assert!(id.len() <= ID_ROOM && id.ends_with("-20251105"), "{id}");
        assert_eq!(id, uid_id(&long, "-20251105"));
        let id = uid_id("日本", "");
        assert!(id.starts_with('x') && id.len() == 13, "{id}");
    }
}
