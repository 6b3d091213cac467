//! Change feeds for people: what moved, was added, removed, cancelled,
//! reinstated or renamed, per course and merged, as Atom (RFC 4287), the
//! lines `coursecal changes` prints, and the "Recent changes" of pages.
//! Pure functions of the catalog and the request: no clock (the window is
//! measured from the newest change), so replicas agree byte for byte.

use super::rfc3339;
use crate::catalog::{Catalog, Change, Span, What};
use crate::model::{Course, FeedRequest, RequestError, When};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// How far back a change feed goes, from its newest change.
pub const FEED_WINDOW: Duration = Duration::days(365);
/// At most this many entries in an Atom change feed (the newest): a
/// nightly import that renames every item must not make a feed of
/// megabytes. Feed readers poll; older entries were seen already.
pub const MAX_FEED_ENTRIES: usize = 200;
/// At most this many changes in a page's "Recent changes"; the change feed
/// has the rest.
pub const MAX_PAGE_CHANGES: usize = 20;
/// How far back a page's "Recent changes" go (from now when serving, from
/// the newest change in a static build).
pub const PAGE_WINDOW: Duration = Duration::days(30);

/// One change with its course, ready to show.
#[derive(Debug, Clone)]
pub struct Listed<'a> {
    /// The course it belongs to.
    pub course: &'a Course,
    /// The change.
    pub change: &'a Change,
}

/// The changes `req` selects (its courses and kinds), newest first, at
/// most `window` before the newest one.
pub fn select<'a>(
    catalog: &'a Catalog,
    req: &FeedRequest,
    window: Duration,
) -> Result<Vec<Listed<'a>>, RequestError> {
    let courses = catalog.select(&req.courses)?;
    let mut out: Vec<Listed> = courses
        .into_iter()
        .flat_map(|course| {
            catalog
                .changes
                .get(&course.id)
                .into_iter()
                .flat_map(|c| c.iter())
                .filter(|c| req.variant.kinds.contains(c.kind))
                .map(move |change| Listed { course, change })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            b.change.at,
            &a.course.id,
            &a.change.uid,
            a.change.what.tag(),
        )
            .cmp(&(
                a.change.at,
                &b.course.id,
                &b.change.uid,
                b.change.what.tag(),
            ))
    });
    if let Some(oldest) = out
        .first()
        .and_then(|l| l.change.at.checked_sub_signed(window))
    {
        out.retain(|l| l.change.at >= oldest);
    }
    Ok(out)
}

/// A date or time as readers see it in `tz`.
pub fn show(w: When, tz: Tz) -> String {
    match w {
        When::AllDay(d) => d.format("%a %-d %b %Y").to_string(),
        When::At(t) => t
            .with_timezone(&tz)
            .format("%a %-d %b %Y %H:%M %Z")
            .to_string(),
    }
}

/// The machine form of a date or time (`<time datetime>`, JSON).
pub fn machine(w: When) -> String {
    match w {
        When::AllDay(d) => d.format("%Y-%m-%d").to_string(),
        When::At(t) => super::rfc3339(t),
    }
}

fn span_text(s: &Span, tz: Tz) -> String {
    match (s.start, s.end) {
        (When::At(a), Some(b)) => {
            let (la, lb) = (a.with_timezone(&tz), b.with_timezone(&tz));
            if la.date_naive() == lb.date_naive() {
                format!("{}–{}", show(s.start, tz), lb.format("%H:%M"))
            } else {
                format!("{} – {}", show(s.start, tz), show(When::At(b), tz))
            }
        }
        _ => show(s.start, tz),
    }
}

/// "Moved", "Cancelled"… as a heading word.
pub fn verb(what: &What) -> &'static str {
    match what {
        What::Moved { .. } => "Moved",
        What::Cancelled => "Cancelled",
        What::Reinstated => "Reinstated",
        What::Added => "Added",
        What::Removed => "Removed",
        What::Renamed { .. } => "Renamed",
    }
}

/// One sentence about a change, dates in `tz`.
pub fn sentence(c: &Change, tz: Tz) -> String {
    let name = format!("{}{}", c.kind.summary_prefix(), c.name);
    match &c.what {
        What::Moved { from } => format!(
            "{name} moved from {} to {}",
            span_text(from, tz),
            span_text(&c.when, tz)
        ),
        What::Cancelled => format!("{name} ({}) is cancelled", span_text(&c.when, tz)),
        What::Reinstated => format!("{name} ({}) takes place again", span_text(&c.when, tz)),
        What::Added => format!("{name} added: {}", span_text(&c.when, tz)),
        What::Removed => format!(
            "{name} ({}) was removed from the schedule",
            span_text(&c.when, tz)
        ),
        What::Renamed { from } => {
            format!("{}{from} is now called {}", c.kind.summary_prefix(), c.name)
        }
    }
}

/// The zone a change is shown in: the reader's `tz=`, UTC by default, as
/// in the calendar feeds (one rule for both).
pub fn zone_for(req: &FeedRequest) -> Tz {
    req.variant.feed_zone().tz()
}

/// XML 1.0 text: markup escaped, characters XML cannot hold dropped.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Where a change feed and its page live, relative to the site root.
#[derive(Debug, Clone)]
pub struct AtomLinks {
    /// The feed's own URL (absolute when the site's address is known).
    pub self_url: Option<String>,
    /// The page it is about.
    pub page_url: Option<String>,
}

/// The links of the change feed of `req`: absolute from `base`, else
/// relative to where the feed lives (`/courses/<id>.atom`, `/changes.atom`;
/// `statik`: the static site's `courses/<id>/` page directories).
pub fn links(req: &FeedRequest, merged: bool, base: Option<&str>, statik: bool) -> AtomLinks {
    let one = match &req.courses {
        crate::model::Courses::Some(ids) if !merged => ids.first(),
        _ => None,
    };
    let slash = if statik { "/" } else { "" };
    let (self_path, page_path, self_rel, page_rel) = match one {
        Some(id) => (
            format!("courses/{id}.atom"),
            format!("courses/{id}{slash}"),
            format!("{id}.atom"),
            format!("{id}{slash}"),
        ),
        None => (
            "changes.atom".to_owned(),
            String::new(),
            "changes.atom".to_owned(),
            "./".to_owned(),
        ),
    };
    let query = match (&req.courses, merged) {
        (crate::model::Courses::Some(ids), true) => {
            req.variant.query_with(&[("courses", &ids.join(","))])
        }
        _ => req.variant.query(),
    };
    match base {
        Some(b) => AtomLinks {
            self_url: Some(format!("{b}{self_path}{query}")),
            page_url: Some(format!("{b}{page_path}{query}")),
        },
        None => AtomLinks {
            self_url: Some(format!("{self_rel}{query}")),
            page_url: Some(format!("{page_rel}{query}")),
        },
    }
}

/// The Atom change feed of `req`: one entry per change, newest first, the
/// last [`FEED_WINDOW`] at most.
pub fn atom(
    catalog: &Catalog,
    req: &FeedRequest,
    links: &AtomLinks,
) -> Result<String, RequestError> {
    let mut listed = select(catalog, req, FEED_WINDOW)?;
    listed.truncate(MAX_FEED_ENTRIES);
    let courses = catalog.select(&req.courses)?;
    let several = courses.len() > 1;
    let name = crate::ics::feed::feed_name(&courses);
    let feed_id = match (&req.courses, courses.as_slice()) {
        (crate::model::Courses::Some(_), [one]) => format!("tag:coursecal,2026:{}/changes", one.id),
        // Every course: one id that stays when a course is added.
        (crate::model::Courses::All, _) => "tag:coursecal,2026:changes".to_owned(),
        _ => format!(
            "tag:coursecal,2026:changes/{}",
            courses
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join("+")
        ),
    };
    let updated = listed
        .first()
        .map(|l| l.change.at)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut out = String::with_capacity(1024 + listed.len() * 600);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("  <id>{}</id>\n", xml(&feed_id)));
    out.push_str(&format!("  <title>Changes: {}</title>\n", xml(&name)));
    out.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    out.push_str("  <author><name>coursecal</name></author>\n");
    out.push_str("  <generator>coursecal</generator>\n");
    if let Some(url) = &links.self_url {
        out.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            xml(url)
        ));
    }
    if let Some(url) = &links.page_url {
        out.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml(url)
        ));
    }
    for l in &listed {
        let c = l.change;
        let tz = zone_for(req);
        let prefix = if several {
            format!("[{}] ", l.course.label())
        } else {
            String::new()
        };
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <id>{}</id>\n",
            xml(&c.id(l.course.id.as_str()))
        ));
        out.push_str(&format!(
            "    <title>{}</title>\n",
            xml(&format!(
                "{prefix}{}: {}{}",
                verb(&c.what),
                c.kind.summary_prefix(),
                c.name
            ))
        ));
        out.push_str(&format!("    <updated>{}</updated>\n", rfc3339(c.at)));
        out.push_str(&format!("    <category term=\"{}\"/>\n", xml(c.what.tag())));
        out.push_str(&format!(
            "    <content type=\"text\">{}</content>\n",
            xml(&sentence(c, tz))
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    Ok(out)
}

/// The changes `coursecal changes` prints: those `req` selects made on or
/// after `since` (all without), newest first.
pub fn since<'a>(
    catalog: &'a Catalog,
    req: &FeedRequest,
    since: Option<chrono::NaiveDate>,
) -> Result<Vec<Listed<'a>>, RequestError> {
    let mut listed = select(catalog, req, Duration::MAX)?;
    if let Some(day) = since {
        let from = day.and_time(chrono::NaiveTime::MIN).and_utc();
        listed.retain(|l| l.change.at >= from);
    }
    Ok(listed)
}

/// One line of `coursecal changes`: instant, course, sentence.
pub fn line(l: &Listed, req: &FeedRequest) -> String {
    format!(
        "{}  {}  {}\n",
        rfc3339(l.change.at),
        l.course.id,
        sentence(l.change, zone_for(req))
    )
}

/// A JSON string (RFC 8259): quotes, backslashes and control characters
/// escaped. Hand-written: the library does not depend on `serde_json`.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: Option<String>) -> String {
    s.map_or_else(|| "null".to_owned(), |s| json_str(&s))
}

/// What `coursecal changes` prints: the changes `req` selects made on or
/// after the day `since` (`YYYY-MM-DD`, UTC), newest first, one line each
/// or (`json`) an array of objects.
pub fn listing(
    catalog: &Catalog,
    req: &FeedRequest,
    since_day: Option<&str>,
    json: bool,
) -> Result<String, RequestError> {
    let day = since_day
        .map(|s| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                RequestError::BadParameter {
                    field: "since",
                    message: format!("`{s}` is not a day; expected YYYY-MM-DD"),
                }
            })
        })
        .transpose()?;
    let listed = since(catalog, req, day)?;
    if !json {
        return Ok(listed.iter().map(|l| line(l, req)).collect());
    }
    let end = |e: Option<DateTime<Utc>>| json_opt(e.map(|e| machine(When::At(e))));
    let items: Vec<String> = listed
        .iter()
        .map(|l| {
            let c = l.change;
            let from = match &c.what {
                What::Moved { from } => format!(
                    "{{\"start\": {}, \"end\": {}}}",
                    json_str(&machine(from.start)),
                    end(from.end)
                ),
                What::Renamed { from } => format!("{{\"name\": {}}}", json_str(from)),
                _ => "null".to_owned(),
            };
            format!(
                "  {{\"id\": {}, \"course\": {}, \"at\": {}, \"change\": {}, \"uid\": {}, \"kind\": {}, \"name\": {}, \"start\": {}, \"end\": {}, \"from\": {}, \"text\": {}}}",
                json_str(&c.id(l.course.id.as_str())),
                json_str(l.course.id.as_str()),
                json_str(&rfc3339(c.at)),
                json_str(c.what.tag()),
                json_str(&c.uid),
                json_str(c.kind.as_str()),
                json_str(&c.name),
                json_str(&machine(c.when.start)),
                end(c.when.end),
                from,
                json_str(&sentence(c, zone_for(req))),
            )
        })
        .collect();
    if items.is_empty() {
        return Ok("[]\n".to_owned());
    }
    Ok(format!("[\n{}\n]\n", items.join(",\n")))
}
