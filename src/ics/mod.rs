//! RFC 5545 output: the content-line writer, UID rules, VTIMEZONE generation
//! and the feed renderer that ties them together.

pub mod feed;
pub mod read;
pub mod uid;
pub mod vtimezone;
pub mod writer;

pub use feed::{Feed, render};
