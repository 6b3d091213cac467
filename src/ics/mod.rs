//! RFC 5545 output: the content-line writer (fold, escape, CRLF),
//! VTIMEZONE generation and the feed renderer that ties them together.
//! Depends on `model` only.

pub(crate) mod feed;
pub(crate) mod pieces;
pub mod read;
pub mod vtimezone;
pub mod writer;

pub use feed::{Feed, render, render_variant};
pub use pieces::{Piece, PieceOf};
