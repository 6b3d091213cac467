//! Tables — HTML `<table>` rows and text rows split by `|` or tabs — read
//! by their header: a column headed release/open/available holds releases,
//! due/deadline/submission dues, event/session/lecture events; other dated
//! columns are read like lines, with the row's name.

use super::lines::Line;
use super::phrases::{clean_name, tentative};
use super::reader::{Reader, label_after, report_others};
use crate::import::dates::{find_dates, find_time, looks_dated};
use crate::import::draft::{DraftItem, DraftUnit, Due, Live, UnitOf};

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

impl Reader {
    /// A table row read by its columns.
    pub(super) fn row(&mut self, line: &Line, cols: &[Column], cells: &[String]) {
        let mut notes = Vec::new();
        let cells: Vec<String> = cells.iter().map(|c| tentative(c, &mut notes)).collect();
        let col = |i: usize| cols.get(i).copied().unwrap_or(Column::Other);
        // The name: the undated cells of name columns; else (a "Date |
        // Event" table names its events in the event column) every
        // undated cell.
        let named = |only_names: bool| {
            cells
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    find_dates(c).is_empty() && (!only_names || col(*i) == Column::Other)
                })
                .map(|(_, c)| clean_name(c))
                .filter(|c| !c.is_empty() && !c.chars().all(|ch| "-–—:".contains(ch)))
                .collect::<Vec<_>>()
                .join(": ")
        };
        let name = Some(named(true))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| named(false));
        let mut released = false;
        for (i, cell) in cells.iter().enumerate() {
            let dates = find_dates(cell);
            let Some(found) = dates.first() else {
                if looks_dated(cell) {
                    self.unread(line, "looks like a date, but none could be read");
                }
                continue;
            };
            let kind = col(i);
            if matches!(kind, Column::Date | Column::Other) {
                // "Kickoff Thursday, Jan 29 5-7pm": the cell's own words
                // before its date name the item with the row.
                let text = if name.is_empty() {
                    cell.clone()
                } else if found.span.0 > 0 {
                    format!("{name}: {cell}")
                } else {
                    format!("{name} ({cell})")
                };
                self.line(&Line { n: line.n, text });
                continue;
            }
            if name.is_empty() {
                self.unread(line, "a dated table row without a name");
                return;
            }
            // "Feb 2 (Milestone) Feb 12 (everything)": one item per date,
            // named by the row and the label after the date. Without a
            // label for each, the first date is the item and the others
            // are reported.
            let ends: Vec<usize> = dates
                .iter()
                .skip(1)
                .map(|d| d.span.0)
                .chain([cell.len()])
                .collect();
            let labels: Vec<Option<String>> = dates
                .iter()
                .zip(&ends)
                .map(|(d, &end)| cell.get(d.span.1..end).and_then(label_after))
                .collect();
            let several = dates.len() > 1 && labels.iter().all(Option::is_some);
            let picked = if several { dates.len() } else { 1 };
            for k in 0..picked {
                let found = &dates[k];
                let item_name = match &labels[k] {
                    Some(label) => format!("{name} ({label})"),
                    None => name.clone(),
                };
                let mut notes = notes.clone();
                let Some(date) = self.resolve(found, &mut notes) else {
                    let why = self.no_date("a date");
                    self.unread(line, &why);
                    continue;
                };
                let time = find_time(cell, found.span.1)
                    .filter(|t| t.span.0 < ends[k])
                    .or_else(|| find_time(cell, 0).filter(|t| !several && t.span.0 < found.span.0));
                let at = if kind == Column::Due {
                    self.due_start(date, time.as_ref(), &mut notes)
                } else {
                    time.as_ref()
                        .map(|t| self.start(date, t, &mut notes))
                        .transpose()
                };
                let at = match at {
                    Ok(at) => at,
                    Err(why) => {
                        self.unread(line, why);
                        continue;
                    }
                };
                let item = DraftItem {
                    at: at.clone(),
                    ..DraftItem::new(item_name.clone(), date, notes.clone(), line.n)
                };
                match kind {
                    Column::Release => {
                        released = true;
                        self.draft.units.push(DraftUnit {
                            key: Some(name.clone()),
                            ..DraftUnit::new(item)
                        });
                    }
                    Column::Due => {
                        if released {
                            self.draft.dues.push(Due {
                                item,
                                unit: UnitOf::Named(name.clone()),
                            });
                        } else {
                            self.due(item);
                        }
                    }
                    _ => match at {
                        Some(start) => self
                            .draft
                            .live
                            .push(Live::new(item_name, start, notes, line.n)),
                        None => self.draft.milestones.push(item),
                    },
                }
            }
            if !several && dates.len() > 1 {
                report_others(line, cell, &dates, 0, &mut self.draft);
            }
        }
    }
}
