//! Tables — HTML `<table>` rows and text rows split by `|` or tabs — read
//! by their header: a column headed release/open/available holds releases,
//! due/deadline/submission dues, event/session/lecture events; other dated
//! columns are read like lines, with the row's name.

use crate::import::dates::{find_dates, looks_dated};

/// What a table column holds, by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Release,
    Due,
    Event,
    /// Dates of no stated kind ("Date", "When"): read like a line.
    Date,
    /// Names and anything else.
    Other,
}

fn column_of(header: &str) -> Column {
    let h = header.to_lowercase();
    let words: Vec<&str> = h
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |ws: &[&str]| ws.iter().any(|w| words.contains(w));
    if has(&[
        "due",
        "deadline",
        "deadlines",
        "submission",
        "submit",
        "closes",
        "close",
    ]) {
        Column::Due
    } else if has(&[
        "release",
        "released",
        "assigned",
        "out",
        "releases",
        "open",
        "opens",
        "available",
        "start",
        "starts",
        "begins",
    ]) {
        Column::Release
    } else if has(&[
        "event", "events", "session", "sessions", "lecture", "live", "webinar", "exam",
    ]) {
        Column::Event
    } else if has(&["date", "dates", "when", "day"]) {
        Column::Date
    } else {
        Column::Other
    }
}

/// The cells of a table row (`a | b | c`, outer bars optional), if it has
/// at least two.
pub(super) fn cells(text: &str) -> Option<Vec<String>> {
    if !text.contains('|') {
        return None;
    }
    let t = text.trim().trim_start_matches('|').trim_end_matches('|');
    let cells: Vec<String> = t.split('|').map(|c| c.trim().to_owned()).collect();
    (cells.len() >= 2).then_some(cells)
}

/// A header row: cells, no date, and a column of a dated kind.
pub(super) fn header(text: &str) -> Option<Vec<Column>> {
    let cells = cells(text)?;
    if cells
        .iter()
        .any(|c| !find_dates(c).is_empty() || looks_dated(c))
    {
        return None;
    }
    let cols: Vec<Column> = cells.iter().map(|c| column_of(c)).collect();
    cols.iter()
        .any(|c| matches!(c, Column::Release | Column::Due | Column::Event))
        .then_some(cols)
}
