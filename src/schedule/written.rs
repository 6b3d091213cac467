//! The schedule as written: shape-checked and parsed, but times not yet
//! placed in a zone and ids not yet derived (that is `schedule::resolve`).

use super::node::Pos;
use crate::schedule::time::TimeValue;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseBlock {
    pub title: Option<String>,
    pub number: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub timezone: Option<Tz>,
    pub updated: Option<DateTime<Utc>>,
    pub metadata: Option<Located<String>>,
    /// The `course:` key, for problems of the block as a whole.
    pub pos: Pos,
}

/// Keys every dated item shares.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemKeys {
    pub name: Located<String>,
    pub id: Option<Located<String>>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub item: ItemKeys,
    pub release: Located<TimeValue>,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub item: ItemKeys,
    pub due: Located<TimeValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventEnd {
    Default,
    Duration(Located<Duration>),
    End(Located<TimeValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    pub item: ItemKeys,
    pub start: Located<TimeValue>,
    pub end: EventEnd,
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    pub item: ItemKeys,
    pub date: Located<TimeValue>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    pub course: CourseBlock,
    pub units: Vec<Unit>,
    pub live_events: Vec<LiveEvent>,
    pub milestones: Vec<Milestone>,
}
