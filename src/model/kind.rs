//! What a dated item is, and everything said about a kind: its name in
//! URLs and CATEGORIES, its labels on pages, its summary prefix in feeds,
//! its colour class. Adding a kind is a change to this file (and the
//! schedule format that produces it).

use std::fmt;
use std::str::FromStr;

/// What a dated item is. Its text is used in URLs (`kinds=`) and CATEGORIES.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A unit becomes available.
    Release,
    /// A (suggested) due date of an assignment.
    Due,
    /// A live event at a fixed instant.
    Live,
    /// Anything else on the calendar (course end, certificates).
    Milestone,
}

impl Kind {
    /// Every kind, in the order feeds and pages list them.
    pub const ALL: [Kind; 4] = [Kind::Release, Kind::Due, Kind::Live, Kind::Milestone];

    /// Its name in URLs (`kinds=`) and CATEGORIES.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Release => "release",
            Kind::Due => "due",
            Kind::Live => "live",
            Kind::Milestone => "milestone",
        }
    }

    /// What feeds put before an item's name in SUMMARY.
    pub fn summary_prefix(self) -> &'static str {
        match self {
            Kind::Release => "Available: ",
            Kind::Due => "Due: ",
            Kind::Live | Kind::Milestone => "",
        }
    }

    /// The CSS class pages colour it with.
    pub fn css_class(self) -> &'static str {
        match self {
            Kind::Release => "k-release",
            Kind::Due => "k-due",
            Kind::Live => "k-live",
            Kind::Milestone => "k-milestone",
        }
    }

    /// Plural label (the kind checkboxes).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Release => "Unit releases",
            Kind::Due => "Suggested due dates",
            Kind::Live => "Live events",
            Kind::Milestone => "Milestones",
        }
    }

    /// The schedule item it comes from, as an author would name it.
    pub fn item_noun(self) -> &'static str {
        match self {
            Kind::Release => "a unit",
            Kind::Due => "an assignment",
            Kind::Live => "a live event",
            Kind::Milestone => "a milestone",
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

/// Not one of `release`, `due`, `live`, `milestone`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{}`: expected one of release, due, live, milestone", crate::model::suggest::quoted(.0))]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownKind(s.trim().to_owned()))
    }
}

/// A set of kinds, in the fixed order of [`Kind::ALL`].
///
/// # Examples
///
/// ```
/// let kinds = coursecal::parse_kinds(["due", "live"]).unwrap();
/// assert!(kinds.contains(coursecal::Kind::Due) && !kinds.contains(coursecal::Kind::Release));
/// assert!(coursecal::KindSet::ALL.is_all());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindSet(u8);

impl KindSet {
    /// Every kind.
    pub const ALL: KindSet = KindSet(0b1111);

    fn bit(k: Kind) -> u8 {
        1 << (k as u8)
    }

    /// Whether `k` is in the set.
    pub fn contains(self, k: Kind) -> bool {
        self.0 & Self::bit(k) != 0
    }

    /// Whether every kind is in the set.
    pub fn is_all(self) -> bool {
        self == Self::ALL
    }

    /// The kinds in the set, in [`Kind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// `release,due` (canonical order), for URLs and cache keys.
    pub fn to_param(self) -> String {
        self.iter().map(Kind::as_str).collect::<Vec<_>>().join(",")
    }
}

impl FromIterator<Kind> for KindSet {
    fn from_iter<I: IntoIterator<Item = Kind>>(iter: I) -> Self {
        KindSet(iter.into_iter().fold(0, |acc, k| acc | Self::bit(k)))
    }
}
