//! What an importer found, before it is written as YAML: every source
//! (page, spreadsheet, calendar, course export) reads into a [`Draft`], and
//! one writer (`write.rs`) turns it into a schedule file.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use std::collections::{HashMap, HashSet};

/// When a timed item happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A zone label (or the source's own zone) gave the instant.
    Instant(DateTime<FixedOffset>),
    /// A wall time in the course's zone (`--timezone`).
    Wall(NaiveDateTime),
}

/// One dated item as found, with the assumptions made to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftItem {
    /// The name as written (whitespace collapsed).
    pub name: String,
    /// An explicit id, when the source has stable ones (OLX `url_name`,
    /// a calendar UID); `None`: derived from the name.
    pub id: Option<String>,
    /// Its date (all-day items; for timed ones, the date of `at`, used to
    /// order items).
    pub date: NaiveDate,
    /// The time, when the source gives one (a deadline at 23:59).
    pub at: Option<Start>,
    /// Longer text, when the source has it (a spreadsheet's Notes).
    pub description: Option<String>,
    /// Kept in the feed as `STATUS:CANCELLED`.
    pub cancelled: bool,
    /// Assumptions, written as YAML comments next to it.
    pub notes: Vec<String>,
    /// 1-based line of the source.
    pub line: usize,
}

impl DraftItem {
    /// An all-day item as most sources find it: no id, time, description
    /// or cancellation.
    pub fn new(name: String, date: NaiveDate, notes: Vec<String>, line: usize) -> Self {
        DraftItem {
            name,
            id: None,
            date,
            at: None,
            description: None,
            cancelled: false,
            notes,
            line,
        }
    }
}

/// A unit and its assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftUnit {
    /// The unit's release.
    pub release: DraftItem,
    /// Due dates under it.
    pub assignments: Vec<DraftItem>,
    /// What due dates name it by besides its release's name (a sheet's
    /// unit cell: "Module 1" for the release "Module 1: Getting Started").
    pub key: Option<String>,
}

impl DraftUnit {
    /// A unit released by `release`, no assignment yet.
    pub fn new(release: DraftItem) -> Self {
        DraftUnit {
            release,
            assignments: Vec::new(),
            key: None,
        }
    }
}

/// Which unit a due date belongs under (the schedule format puts every
/// due under one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitOf {
    /// The unit whose key or release name is this (case aside).
    Named(String),
    /// The latest unit released by the due's date.
    ByDate,
}

/// A due date read, its unit to be found when every release is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The due date.
    pub item: DraftItem,
    /// Where it belongs.
    pub unit: UnitOf,
}

/// A live event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// The name as written.
    pub name: String,
    /// An explicit id (see [`DraftItem::id`]).
    pub id: Option<String>,
    /// When it starts.
    pub start: Start,
    /// How long, when the source says (else the format's default hour).
    pub duration_minutes: Option<i64>,
    /// Longer text, when the source has it.
    pub description: Option<String>,
    /// Where, when the source says.
    pub location: Option<String>,
    /// Kept in the feed as `STATUS:CANCELLED`.
    pub cancelled: bool,
    /// Assumptions.
    pub notes: Vec<String>,
    /// 1-based line of the source.
    pub line: usize,
}

impl Live {
    /// A live event as most sources find it: no id, length, description,
    /// location or cancellation.
    pub fn new(name: String, start: Start, notes: Vec<String>, line: usize) -> Self {
        Live {
            name,
            id: None,
            start,
            duration_minutes: None,
            description: None,
            location: None,
            cancelled: false,
            notes,
            line,
        }
    }
}

/// Something dated that became no item (or was skipped on purpose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// The file inside the source it is in (an OLX export has many);
    /// `None`: the source itself.
    pub file: Option<String>,
    /// 1-based line.
    pub line: usize,
    /// Its text.
    pub text: String,
    /// Why.
    pub why: String,
}

impl Unread {
    /// Something in the source itself (not a file inside it) at `line`.
    pub fn new(line: usize, text: impl Into<String>, why: impl Into<String>) -> Self {
        Unread {
            file: None,
            line,
            text: text.into(),
            why: why.into(),
        }
    }
}

/// Everything read from a source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The first line of the page (a title, usually, but a guess).
    pub heading: Option<String>,
    /// The course title, when the source names it for certain.
    pub title: Option<String>,
    /// The course number (OLX org + course).
    pub number: Option<String>,
    /// The course description, when the source has one.
    pub description: Option<String>,
    /// The source's own zone (a calendar's), used when `--timezone` is not
    /// given.
    pub timezone: Option<chrono_tz::Tz>,
    /// Units in source order.
    pub units: Vec<DraftUnit>,
    /// Due dates not yet under a unit ([`Draft::settle`] places them).
    pub dues: Vec<Due>,
    /// Live events in source order.
    pub live: Vec<Live>,
    /// Milestones in source order.
    pub milestones: Vec<DraftItem>,
    /// What could not be read: the import is partial.
    pub unread: Vec<Unread>,
    /// What was skipped on purpose (staff-only content, placeholder dates):
    /// reported, but the import is complete.
    pub skipped: Vec<Unread>,
}

impl Draft {
    /// Dated items found.
    pub fn items(&self) -> usize {
        self.units
            .iter()
            .map(|u| 1 + u.assignments.len())
            .sum::<usize>()
            + self.dues.len()
            + self.live.len()
            + self.milestones.len()
    }

    /// The rules every source shares, once everything is read: due dates
    /// under their units, then explicit ids made unique.
    pub fn settle(&mut self) {
        self.place_dues();
        self.unique_ids();
    }

    /// Each due under its unit: the one it names, else the latest
    /// released by its date; with none, a unit of its own released on the
    /// due date (no date is invented). Units end in release order. Linear
    /// after sorting: names by a map, dates by a binary search.
    fn place_dues(&mut self) {
        if self.dues.is_empty() {
            return;
        }
        self.units.sort_by_key(|u| u.release.date);
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, u) in self.units.iter().enumerate() {
            if let Some(k) = &u.key {
                by_name.entry(k.to_lowercase()).or_insert(i);
            }
        }
        for (i, u) in self.units.iter().enumerate() {
            by_name.entry(u.release.name.to_lowercase()).or_insert(i);
        }
        let real = self.units.len();
        let mut dues = std::mem::take(&mut self.dues);
        dues.sort_by_key(|d| {
            (
                d.unit != UnitOf::ByDate,
                d.item.date,
                d.item.at.as_ref().map(Start::sort_key),
            )
        });
        // The latest unit of its own made for a due before any release.
        let mut own: Option<usize> = None;
        for due in dues {
            let home = match &due.unit {
                UnitOf::Named(name) => by_name.get(&name.to_lowercase()).copied(),
                UnitOf::ByDate => {
                    let released =
                        self.units[..real].partition_point(|u| u.release.date <= due.item.date);
                    released.checked_sub(1).or(own)
                }
            };
            if let Some(i) = home {
                self.units[i].assignments.push(due.item);
                continue;
            }
            let (name, why) = match &due.unit {
                UnitOf::Named(u) => (u.clone(), format!("no release row for unit \"{u}\"")),
                UnitOf::ByDate => (
                    format!("Unit for {}", due.item.name),
                    "a due date before any unit".to_owned(),
                ),
            };
            let release = DraftItem {
                id: due.item.id.as_ref().map(|id| format!("unit-{id}")),
                cancelled: due.item.cancelled,
                ..DraftItem::new(
                    name,
                    due.item.date,
                    vec![format!(
                        "{why}: a unit of its own, released on the due date"
                    )],
                    due.item.line,
                )
            };
            let i = self.units.len();
            match &due.unit {
                UnitOf::Named(u) => {
                    by_name.insert(u.to_lowercase(), i);
                }
                UnitOf::ByDate => own = Some(i),
            }
            self.units.push(DraftUnit {
                assignments: vec![due.item],
                ..DraftUnit::new(release)
            });
        }
        self.units.sort_by_key(|u| u.release.date);
    }

    /// Explicit ids unique across the course (two calendar UIDs may slug
    /// alike): a repeated one gets `-2`, `-3`, … in document order.
    fn unique_ids(&mut self) {
        let mut ids = Ids::default();
        let mut fix = |id: &mut Option<String>| {
            if let Some(base) = id.as_deref() {
                *id = Some(ids.claim(base));
            }
        };
        for u in &mut self.units {
            fix(&mut u.release.id);
            for a in &mut u.assignments {
                fix(&mut a.id);
            }
        }
        for l in &mut self.live {
            fix(&mut l.id);
        }
        for m in &mut self.milestones {
            fix(&mut m.id);
        }
    }
}

impl Start {
    /// Seconds to order starts by (a wall time as if it were UTC).
    pub fn sort_key(&self) -> i64 {
        match self {
            Start::Instant(t) => t.timestamp(),
            Start::Wall(n) => n.and_utc().timestamp(),
        }
    }

    /// As a schedule time value: an instant with its offset (`Z` for
    /// UTC), a wall time without one.
    pub fn text(&self) -> String {
        match self {
            Start::Instant(t) => instant_text(t),
            Start::Wall(t) => t.format("%Y-%m-%dT%H:%M").to_string(),
        }
    }
}

/// `Fixed(0)` written as `Z`, other offsets as `±HH:MM`.
pub fn instant_text(t: &DateTime<FixedOffset>) -> String {
    if t.offset().local_minus_utc() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// Ids unique across a course. A repeated base gets `-2`, `-3`, … in
/// document order; each base remembers where its count stopped, so `n`
/// items with one name cost `n` steps, not `n²/2` (a 10,000-row sheet
/// with one title is a second, not a quarter of a minute).
#[derive(Debug, Default)]
pub struct Ids {
    taken: HashSet<String>,
    next: HashMap<String, u64>,
}

impl Ids {
    /// Take `id` as it is; false when it was taken already.
    pub fn insert(&mut self, id: &str) -> bool {
        self.taken.insert(id.to_owned())
    }

    /// `base` when free, else the first free `base-N` (N from 2), taken.
    /// A base long enough that the counter would pass the id limit is
    /// shortened to make room.
    pub fn claim(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        let n = self.next.entry(base.to_owned()).or_insert(2);
        loop {
            let suffix = format!("-{n}");
            *n += 1;
            let room = crate::model::ids::MAX_ID_BYTES.saturating_sub(suffix.len());
            let id = format!("{}{suffix}", crate::model::ids::truncate_ascii(base, room));
            if self.taken.insert(id.clone()) {
                return id;
            }
        }
    }
}
