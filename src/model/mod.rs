//! The domain, bottom layer: ids, kinds, courses and their events (valid by
//! construction), zones, and the feed request every route, page, link and
//! the CLI share. It imports nothing else of ours.

pub mod course;
pub mod ids;
pub mod kind;
pub mod request;
pub mod shift;
pub mod suggest;
pub mod zone;

pub use course::{Course, Event, EventHistory, When, YEARS, default_live_duration};
pub use ids::{CourseId, InvalidCourseId};
pub use kind::{Kind, KindSet, UnknownKind};
pub use request::{Courses, FeedRequest, RequestError, Variant, parse_kinds, parse_personal};
pub use shift::{Alarms, Pace, Shift};
pub use zone::{UnknownZone, Zone, closest_zone, parse_zone};
