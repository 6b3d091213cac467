//! Reading a course page's lines into dated items: which item a date
//! belongs to, and what kind it is. General date extractors find dates;
//! the pairing is the job here, one line (or sentence, or table row) at a
//! time:
//!
//! 0. a date alone on its line ("Aug 27") → the day of the lines below;
//! 1. a due date ("suggested due date:", "due:", "Deadline:") → an
//!    assignment (under the unit above it, else the draft's rule: the unit
//!    released by then), named by the sentence before "due" or, after a
//!    label ("Updated Deadline: hand in the essay"), by the words after it;
//!    "HW 1 is posted …. Due: …" also releases HW 1 on the day above; a due
//!    without a time takes the one the page says once ("All assignments
//!    are due by 11:59 PM EDT"); several such items on a line are each read;
//! 2. a line that starts with "Unit"/"Module"/"Week"/"Chapter" → a release
//!    (two units joined by "& Unit" on one line → two releases); a line
//!    that says "… become(s) publicly available" → a release of the unit
//!    heading the lines above ("Module 1"), else of what it names;
//! 3. a date with a time → a live event (a zone label, a zone the page
//!    states in prose — "all times are UTC" — or `--timezone`);
//! 4. any other sentence with a date → a milestone ("Course concludes …"),
//!    every date of it ("Quiz 1 March 3; Quiz 2 March 10").
//!
//! Tables — HTML `<table>` rows and text rows split by `|` or tabs — are
//! read by their header: a column headed release/open/available/assigned
//! holds releases, due/deadline/submission dues, event/session/lecture
//! events; other dated columns are read like lines. A cell with several
//! dates, each labelled ("Feb 2 (Milestone) Feb 12 (everything)"), gives
//! one item per date. "Week 45, Monday, November 8." prefixes are dropped;
//! "(tentative)" becomes a note. A date without a year takes `--year`,
//! else the first year written on the page, then the year of the dates
//! before it (rolling on when it would fall half a year before the
//! previous one; a weekday written with it picks the year beside it that
//! has that weekday) — always noted. The title is the page's
//! heading, or its first line that is not navigation ("Skip to main
//! content", "Menu", "Sign in").
//!
//! Nothing is dropped silently: a line that holds something date-like but
//! makes no item is reported with its number.

mod lines;
mod phrases;
mod reader;
mod table;

use super::dates::{
    FoundDate, FoundTime, ZoneLabel, find_dates, find_time, looks_dated, zone_label,
};
use super::draft::{Draft, DraftItem, DraftUnit, Live};
use lines::{Line, lines, title};
use phrases::{
    CONNECTORS, clean_name, date_first, due_re, name_before, re, release_re, sentences,
    stated_due_time_re, tentative, unit_re,
};
use reader::{Reader, YearFrom, report_others};
use regex::Regex;
use std::sync::OnceLock;
use table::{Column, cells, header};

/// What the command line adds to what the page says.
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// `--timezone` given: a wall time without a zone label is read in it.
    pub has_zone: bool,
    /// `--year`: the year of dates written without one.
    pub year: Option<i32>,
    /// The HTML page's own heading (`<h1>`, else `<title>`).
    pub heading: Option<String>,
}

/// A zone the page states in prose for all its times ("All times are
/// UTC", "times are Eastern"), with the words and the line.
fn stated_zone(lines: &[Line]) -> Option<(ZoneLabel, String, usize)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(
        r"(?i)\b(?:all\s+)?(?:times|deadlines)\s+(?:are\s+|is\s+|shown\s+|listed\s+|given\s+)?(?:in\s+)?(?:the\s+)?\(?([a-z]+(?:/[a-z]+)?)\b",
        &RE,
    );
    lines.iter().find_map(|l| {
        re.captures_iter(&l.text).find_map(|c| {
            let label = zone_label(c.get(1)?.as_str())?;
            Some((label, c.get(0)?.as_str().to_owned(), l.n))
        })
    })
}

/// A time the page gives once for every due ("All assignments are due by
/// 11:59 PM EDT on the listed due date"), from a line without a date.
fn stated_due_time(lines: &[Line]) -> Option<(FoundTime, String, usize)> {
    lines.iter().find_map(|l| {
        if !find_dates(&l.text).is_empty() {
            return None;
        }
        stated_due_time_re().find_iter(&l.text).find_map(|m| {
            let t = find_time(&l.text, m.end()).filter(|t| t.span.0 == m.end())?;
            let said = l.text.get(m.start()..t.span.1)?.to_owned();
            Some((t, said, l.n))
        })
    })
}

/// Reads the page's lines (see the module's rules).
pub fn read(text: &str, options: &PageOptions) -> Draft {
    let lines = lines(text);
    let heading = title(&lines, options.heading.as_deref());
    // Years: `--year`, else the first written year on the page; then the
    // latest seen.
    let written = lines
        .iter()
        .flat_map(|l| find_dates(&date_first(&l.text).0))
        .find_map(|d| d.year);
    let mut r = Reader {
        draft: Draft {
            heading,
            ..Draft::default()
        },
        year: options.year.or(written),
        year_from: if options.year.is_some() {
            YearFrom::Option
        } else {
            YearFrom::FirstOnPage
        },
        last: None,
        has_zone: options.has_zone,
        zone: stated_zone(&lines),
        due_time: stated_due_time(&lines),
        weekday: None,
        heading_unit: None,
        day: None,
    };
    let mut table: Option<Vec<Column>> = None;
    for line in &lines {
        if let Some(cols) = header(&line.text) {
            // A table is its own run of dates: a year rolled on in the
            // table above does not carry into it.
            if r.year_from != YearFrom::Around {
                r.year = options.year.or(written);
                r.last = None;
            }
            table = Some(cols);
            continue;
        }
        match (&table, cells(&line.text)) {
            (Some(cols), Some(cells)) => {
                let cols = cols.clone();
                r.row(line, &cols, &cells);
            }
            _ => {
                table = None;
                r.line(line);
            }
        }
    }
    r.draft
}

impl Reader {
    fn line(&mut self, line: &Line) {
        // "Quiz 3 is posted. Due: Sept 17. Bonus set 1 is posted. Due:
        // Sept 17.": each item with its due is read on its own.
        if due_re().find_iter(&line.text).nth(1).is_some() {
            let groups = due_groups(&line.text);
            if groups.len() > 1 {
                for text in groups {
                    self.line(&Line { n: line.n, text });
                }
                return;
            }
        }
        let mut notes = Vec::new();
        let text = tentative(&line.text, &mut notes);
        // Table rows without a header ("2018-09-05 | Quiz 1"): read as
        // "Quiz 1 (2018-09-05)".
        let (text, weekday) = if let Some(cells) = cells(&text) {
            let (dated, rest): (Vec<String>, Vec<String>) =
                cells.into_iter().partition(|c| !find_dates(c).is_empty());
            let rest: Vec<String> = rest.into_iter().filter(|c| !c.is_empty()).collect();
            (format!("{} ({})", rest.join(" — "), dated.join(", ")), None)
        } else {
            date_first(&text)
        };
        let dates = find_dates(&text);
        self.weekday = weekday.filter(|_| dates.len() == 1);
        let Some(first) = dates.first() else {
            // A short undated "Module 1" line heads the lines below it.
            if unit_re().is_match(&text) && text.split_whitespace().count() <= 6 {
                self.heading_unit = Some(clean_name(&text));
            }
            if looks_dated(&text) {
                self.unread(line, "looks like a date, but none could be read");
            }
            return;
        };
        // 0. A date alone on its line heads the lines below it.
        if dates.len() == 1
            && clean_name(&format!(
                "{}{}",
                &text[..first.span.0],
                &text[first.span.1..]
            ))
            .trim_matches('.')
            .is_empty()
        {
            let mut day_notes = notes.clone();
            let Some(date) = self.resolve(first, &mut day_notes) else {
                let why = self.no_date("a date");
                self.unread(line, &why);
                return;
            };
            self.day = Some((date, day_notes, line.n));
            return;
        }
        // 1. A due date, under the unit above.
        if let Some(caps) = due_re()
            .captures(&text)
            .filter(|_| !unit_re().is_match(&text))
        {
            let Some(due) = caps.get(0) else { return };
            let used = dates
                .iter()
                .position(|d| d.span.0 >= due.start())
                .unwrap_or(0);
            let at = &dates[used];
            // "Problem Set 1 out; due …": the item is what comes before the
            // clause that says it was handed out.
            let head = text[..due.start()].replace('(', " ");
            let head = head.split(';').next().unwrap_or_default();
            // The sentence before "Due:", not the whole line.
            let head = sentences(head).last().copied().unwrap_or_default();
            let mut name = clean_name(head);
            // "HW 1 is posted on WebAssign. Due: …": released on the day
            // heading these lines.
            let posted = posted_re()
                .find(&name)
                .map(|m| m.start())
                .filter(|&i| i > 0);
            if let Some(i) = posted {
                name = clean_name(&name[..i]);
            }
            for verb in [
                " out",
                " released",
                " assigned",
                " handed out",
                " is",
                " are",
            ] {
                if let Some(stripped) = name.strip_suffix(verb) {
                    name = clean_name(stripped);
                }
            }
            // "Updated Deadline: handing in the essay (November 22)": a
            // label; the item is named after it.
            if due.as_str().contains(':')
                && [
                    "", "updated", "new", "revised", "extended", "final", "changed",
                ]
                .contains(&name.to_lowercase().as_str())
            {
                let tail = &text[due.end()..];
                let upto = tail
                    .find('(')
                    .unwrap_or(tail.len())
                    .min(find_dates(tail).first().map_or(tail.len(), |d| d.span.0));
                let after = clean_name(tail.get(..upto).unwrap_or_default());
                let after = clean_name(after.trim_end_matches('.'));
                if !after.is_empty() && find_time(&after, 0).is_none_or(|t| t.span.0 > 0) {
                    name = after;
                }
            }
            // "Deadline (optional):"
            if let Some(said) = caps.get(3) {
                notes.push(format!("the page says \"{}\"", said.as_str().trim()));
            }
            let Some(date) = self.resolve(at, &mut notes) else {
                let why = self.no_date("a due date");
                self.unread(line, &why);
                return;
            };
            if name.is_empty() {
                self.unread(line, "a due date without an assignment name");
                return;
            }
            // A time after "due" ("due 11.59 am", "due November 8, 5 pm"),
            // else the one the page gives for every due.
            let time = find_time(&text, due.end());
            let start = match self.due_start(date, time.as_ref(), &mut notes) {
                Ok(s) => s,
                Err(why) => {
                    self.unread(line, why);
                    return;
                }
            };
            if let (Some(_), Some((day, day_notes, n))) = (posted, &self.day) {
                let mut release_notes = day_notes.clone();
                release_notes.push(format!("released on the date heading line {n}"));
                self.draft.units.push(DraftUnit::new(DraftItem::new(
                    name.clone(),
                    *day,
                    release_notes,
                    line.n,
                )));
            }
            self.due(DraftItem {
                at: start,
                ..DraftItem::new(name, date, notes, line.n)
            });
            report_others(line, &text, &dates, used, &mut self.draft);
            return;
        }
        // 2. A unit release (or two on one line).
        if unit_re().is_match(&text) {
            let names = name_before(&text, first);
            let Some(date) = self.resolve(first, &mut notes) else {
                let why = self.no_date("a release date");
                self.unread(line, &why);
                return;
            };
            let word = text.split_whitespace().next().unwrap_or("Unit");
            let joiner = format!(" & {word} ");
            let mut parts: Vec<String> = Vec::new();
            for (i, part) in names.split(&joiner).enumerate() {
                parts.push(if i == 0 {
                    part.to_owned()
                } else {
                    format!("{word} {part}")
                });
            }
            if parts.len() > 1 {
                notes.push(format!(
                    "{} units released together on one line",
                    parts.len()
                ));
            }
            for name in parts {
                self.draft.units.push(DraftUnit::new(DraftItem::new(
                    clean_name(&name),
                    date,
                    notes.clone(),
                    line.n,
                )));
            }
            report_others(line, &text, &dates, 0, &mut self.draft);
            return;
        }
        // 2b. "The module 1 exercises become publicly available": a
        // release of the unit headed above, else of what the line names.
        if let Some(m) = release_re().find(&text) {
            let name = match self.heading_unit.take() {
                Some(unit) => unit,
                None => clean_name(&text[..m.start()]),
            };
            if !name.is_empty() {
                let Some(date) = self.resolve(first, &mut notes) else {
                    let why = self.no_date("a release date");
                    self.unread(line, &why);
                    return;
                };
                self.draft
                    .units
                    .push(DraftUnit::new(DraftItem::new(name, date, notes, line.n)));
                report_others(line, &text, &dates, 0, &mut self.draft);
                return;
            }
        }
        // 3. A live event: a date and a time (after it, or before it in a
        // table row: "Review, 14:00 GMT (2018-09-26)").
        let time = find_time(&text, first.span.1)
            .or_else(|| find_time(&text, 0).filter(|t| t.span.1 <= first.span.0));
        if let Some(time) = time {
            let name = if time.span.1 <= first.span.0 {
                clean_name(&text[..time.span.0])
            } else {
                name_before(&text, first)
            };
            let Some(date) = self.resolve(first, &mut notes) else {
                let why = self.no_date("an event date");
                self.unread(line, &why);
                return;
            };
            let start = match self.start(date, &time, &mut notes) {
                Ok(s) => s,
                Err(why) => {
                    self.unread(line, why);
                    return;
                }
            };
            if name.is_empty() {
                self.unread(line, "a time without an event name");
                return;
            }
            self.draft.live.push(Live::new(name, start, notes, line.n));
            report_others(line, &text, &dates, 0, &mut self.draft);
            return;
        }
        // 4. Milestones: every date of each sentence, named by the text
        // between it and the date before ("Quiz 1 March 3; Quiz 2 March 10").
        for sentence in sentences(&text) {
            let mut from = 0;
            for found in find_dates(sentence) {
                let head = &sentence[from..found.span.0];
                from = found.span.1;
                self.milestone(line, head, &found, &notes);
            }
        }
    }

    fn milestone(&mut self, line: &Line, head: &str, found: &FoundDate, line_notes: &[String]) {
        let mut notes = line_notes.to_vec();
        let mut name = clean_name(head);
        for word in [
            "around",
            "approximately",
            "about",
            "circa",
            "on",
            "by",
            "is",
            "are",
            "will be held",
            "takes place",
            "is held",
            ":",
        ] {
            if let Some(stripped) = name.strip_suffix(word)
                && (stripped.is_empty() || stripped.ends_with(' '))
            {
                if matches!(word, "around" | "approximately" | "about" | "circa") {
                    notes.push(format!("the page says \"{word}\" this date"));
                }
                name = clean_name(stripped);
            }
        }
        if CONNECTORS.contains(&name.to_lowercase().as_str()) {
            self.unread(
                line,
                "a date range: only its first date imported (set an end by hand)",
            );
            return;
        }
        let Some(date) = self.resolve(found, &mut notes) else {
            let why = self.no_date("a date");
            self.unread(line, &why);
            return;
        };
        if name.is_empty() {
            self.unread(line, "a date without a name for it");
            return;
        }
        self.draft
            .milestones
            .push(DraftItem::new(name, date, notes, line.n));
    }
}

/// "… is posted on WebAssign", "… released": where an item's name ends.
fn posted_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        r"(?i)\s(?:(?:is|are|was|were|will\s+be|gets?)\s+)?(?:posted|released|handed\s+out|assigned|out|available)\b",
        &RE,
    )
}

/// A line's sentences grouped so that each group ends with a due and its
/// date.
fn due_groups(text: &str) -> Vec<String> {
    let mut groups = Vec::new();
    let mut group = String::new();
    for sentence in sentences(text) {
        if !group.is_empty() {
            group.push(' ');
        }
        group.push_str(sentence);
        let closes = due_re()
            .find(&group)
            .is_some_and(|m| !find_dates(&group[m.end()..]).is_empty());
        if closes {
            groups.push(std::mem::take(&mut group));
        }
    }
    if !group.is_empty() {
        match groups.last_mut() {
            Some(last) => {
                last.push(' ');
                last.push_str(&group);
            }
            None => groups.push(group),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::draft::Start;
    use chrono::Weekday;

    #[test]
    fn the_shapes_of_the_seed_page() {
        let page = "Welcome!\n\
  • Unit 0:  Welcome (Available September 19, 2017)\n\
  • Unit 1: Launching Innovation in Schools (September 28, 2017)\n\
    Assignment 1.1: Description (suggested due date: October 11, 2017)\n\
- Welcome Live Event with Course Staff - September 29, 2017, 6:00 PM UTC\n\
  • Unit 3a: Refining a Vision & Unit 3b: Getting to Work (October 19, 2017) \n\
  • Unit 4: Working Together (October 26, 2017\n\
    Assignment 6: Final Deliverable (suggested due date: November 13, 2017\n\
    )\n\
Course concludes November 16, 2017. Certificates generated around November 24, 2017.\n";
        let d = read(page, &PageOptions::default());
        let units: Vec<&str> = d.units.iter().map(|u| u.release.name.as_str()).collect();
        assert_eq!(
            units,
            [
                "Unit 0: Welcome",
                "Unit 1: Launching Innovation in Schools",
                "Unit 3a: Refining a Vision",
                "Unit 3b: Getting to Work",
                "Unit 4: Working Together"
            ]
        );
        assert_eq!(
            d.units[1].assignments[0].name,
            "Assignment 1.1: Description"
        );
        assert_eq!(
            d.units[4].assignments[0].name,
            "Assignment 6: Final Deliverable"
        );
        assert_eq!(d.live[0].name, "Welcome Live Event with Course Staff");
        assert_eq!(
            d.live[0].start,
            Start::Instant("2017-09-29T18:00:00+00:00".parse().unwrap())
        );
        let ms: Vec<&str> = d.milestones.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(ms, ["Course concludes", "Certificates generated"]);
        assert_eq!(
            d.milestones[1].notes,
            ["the page says \"around\" this date"]
        );
        assert!(d.unread.is_empty(), "{:?}", d.unread);
    }

    #[test]
    fn words_that_contain_due_or_a_month_are_not_dates() {
        let d = read(
            "Unit 3: 10 Decisions (October 5, 2018)\nGuest talk on Dueling Models, October 6, 2018\n",
            &PageOptions::default(),
        );
        assert_eq!(d.units[0].release.name, "Unit 3: 10 Decisions");
        assert!(d.units[0].assignments.is_empty());
        assert_eq!(d.milestones[0].name, "Guest talk on Dueling Models");
    }

    #[test]
    fn verbs_around_a_name_are_not_part_of_it() {
        let d = read(
            "Week 1: Basics (Sept. 4, 2019)\n Problem Set 1 out; due Wednesday, September 11, 2019\nQuiz 1 will be held on October 2, 2019.\n",
            &PageOptions::default(),
        );
        assert_eq!(d.units[0].assignments[0].name, "Problem Set 1");
        assert_eq!(d.milestones[0].name, "Quiz 1");
    }

    #[test]
    fn sentences_keep_abbreviated_months() {
        assert_eq!(
            sentences("Quiz on Sept. 5, 2018. Exam on Oct. 1, 2018."),
            ["Quiz on Sept. 5, 2018.", "Exam on Oct. 1, 2018."]
        );
    }

    #[test]
    fn a_leading_date_moves_with_its_time_year_and_weekday() {
        assert_eq!(
            date_first("Week 47, Monday, November 22, 11.59 am. Deadline: the essay."),
            (
                "Deadline: the essay. (November 22, 11.59 am)".to_owned(),
                Some(Weekday::Mon)
            )
        );
        assert_eq!(
            date_first("Updated:  Week 2, 2022, Wednesday, January 12, 5 pm, Deadline: review").0,
            "Deadline: review (January 12, 2022, 5 pm)"
        );
        // A label not followed by a date stays.
        assert_eq!(date_first("Note: see below").0, "Note: see below");
    }

    #[test]
    fn the_weekday_picks_the_year_and_a_label_names_the_due() {
        let page = "Dates\n\nModule 1\n\n\
                    - Week 45, Monday, November 8. The exercises become publicly available.\n\
                    - Week 47, Monday, November 22, 11.59 am. Updated Deadline: hand in.\n\
                    - Week 2, 2022, Wednesday, January 12. Deadline (optional): review.\n";
        let d = read(
            page,
            &PageOptions {
                has_zone: true,
                ..PageOptions::default()
            },
        );
        assert!(d.unread.is_empty(), "{:?}", d.unread);
        let unit = &d.units[0];
        assert_eq!(unit.release.name, "Module 1");
        assert_eq!(unit.release.date.to_string(), "2021-11-08");
        let names: Vec<(&str, String)> = unit
            .assignments
            .iter()
            .map(|a| (a.name.as_str(), a.date.to_string()))
            .collect();
        assert_eq!(
            names,
            [
                ("hand in", "2021-11-22".to_owned()),
                ("review", "2022-01-12".to_owned())
            ]
        );
        assert!(
            unit.assignments[1]
                .notes
                .iter()
                .any(|n| n.contains("optional"))
        );
    }

    #[test]
    fn a_due_time_said_once_applies_to_every_due_without_one() {
        let page = "Homework\nAll work is due by 11:59 PM EDT on the due date.\n\
                    | Assignment | Assigned | Due |\n\
                    | HW 1 | Jan 22, 2026 | Feb 2 (draft) Feb 12 (final) |\n";
        let d = read(page, &PageOptions::default());
        assert!(d.unread.is_empty(), "{:?}", d.unread);
        assert_eq!(d.units.len(), 1);
        let dues: Vec<(&str, Option<Start>)> = d
            .dues
            .iter()
            .map(|due| (due.item.name.as_str(), due.item.at.clone()))
            .collect();
        assert_eq!(dues.len(), 2, "{dues:?}");
        assert_eq!(dues[0].0, "HW 1 (draft)");
        assert_eq!(dues[1].0, "HW 1 (final)");
        assert!(
            format!("{:?}", dues[1].1).contains("2026-02-12T23:59:00-04:00"),
            "{dues:?}"
        );
    }
}
