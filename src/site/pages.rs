//! The three pages: the course list, a course's agenda, its widget.

use super::agenda::{self, next_change};
use super::changes;
use super::layout::{Doc, controls, document};
use super::subscribe::{self, FeedLink};
use super::{Client, Mode, Page, Site, all_courses_name, display_zone, rfc3339};
use crate::catalog::What;
use crate::model::{Course, Kind, KindSet, Pace, Variant, When};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

fn count_text(upcoming: Option<usize>, total: usize) -> String {
    let dates = if total == 1 { "date" } else { "dates" };
    match upcoming {
        Some(n) => format!("{n} upcoming · {total} {dates}"),
        None => format!("{total} {dates}"),
    }
}

fn course_feed(c: &Course) -> FeedLink<'_> {
    FeedLink {
        path: format!("courses/{}.ics", c.id),
        qr: format!("courses/{}/qr.svg", c.id),
        name: &c.title,
        key: &c.id,
        label: c.label(),
    }
}

fn external(url: &str, text: &str) -> Markup {
    html! {
        a.external href=(url) rel="noopener" { (text) span.vh { " (opens the course site)" } }
    }
}

/// `GET /`: every course with its subscribe buttons, and all courses at once.
pub fn index(site: &Site, view: Variant) -> (String, Option<DateTime<Utc>>) {
    let page = Page::Index;
    let variant = site.links_variant(view);
    let courses: Vec<&Course> = site.catalog.courses.values().map(|c| c.as_ref()).collect();
    let all_name = all_courses_name(&courses);
    let all = FeedLink {
        path: "calendar.ics".into(),
        qr: "qr.svg".into(),
        name: &all_name,
        key: "all",
        label: "all courses",
    };
    let content = html! {
        section.intro {
            h1 { "Course calendars" }
            p.lead {
                "Put course dates — unit releases, suggested due dates, live events — into the "
                "calendar you already use. Subscribed calendars update by themselves when dates change."
            }
        }
        (controls(site, display_zone(view, None), view.kinds, site.links_variant(view), site.mode == Mode::Serve))
        section.card.all-courses aria-labelledby="all-h" {
            div.card-head {
                h2 #all-h { "All courses" }
                p.count { (count_text(None, courses.iter().map(|c| c.events.len()).sum())) " in one calendar" }
            }
            (subscribe::block(site, page, &all, variant, false))
        }
        h2.section-title { "Courses" }
        @if courses.is_empty() {
            p.empty { "No courses yet." }
        }
        ul.courses {
            @for c in &courses {
                @let ends = agenda::ends(c);
                @let upcoming = site.now.map(|now| ends.iter().filter(|e| **e > now).count());
                @let heading = format!("course-h-{}", c.id);
                li.card.course aria-labelledby=(heading) {
                    div.card-head {
                        @if let Some(n) = &c.number { p.number { (n) } }
                        h3 #(heading) {
                            a href=(site.rel(page, &site.page_path(Page::Course(&c.id)))) { (c.title) }
                        }
                        p.count {
                            span data-upcoming data-total=(c.events.len())
                                data-ends=(ends.iter().map(|t| rfc3339(*t)).collect::<Vec<_>>().join(" ")) {
                                (count_text(upcoming, c.events.len()))
                            }
                        }
                        p.links {
                            a href=(site.rel(page, &site.page_path(Page::Course(&c.id)))) { "See all dates" span.vh { " of " (c.label()) } }
                            @if let Some(u) = &c.url {
                                " · " (external(u, "Course page"))
                            }
                        }
                    }
                    (subscribe::block(site, page, &course_feed(c), variant, false))
                }
            }
        }
    };
    let doc = Doc {
        page,
        title: "Course calendars",
        description: "Subscribe to course dates in your calendar app.",
        body_class: "index",
        changes: Some((
            format!("changes.atom{}", view.changes_query()),
            "Changes to all courses".to_owned(),
        )),
    };
    let shown = display_zone(view, None);
    let until = site.now.and_then(|now| next_change(&courses, shown, now));
    (document(site, &doc, content).into_string(), until)
}

fn published(c: &Course) -> Option<Markup> {
    c.updated.map(|u| {
        html! {
            "Published "
            time datetime=(rfc3339(u)) { (u.format("%-d %b %Y, %H:%M UTC")) }
        }
    })
}

fn zone_note(tz: Tz) -> Markup {
    html! {
        p.zone-note {
            "Times in " strong data-zone-label { (tz.name()) } ". Hover a time to see it in UTC."
        }
    }
}

/// The course as this reader sees it: their own run when they asked for
/// one (only a server can shift; a static page shows the course's dates).
fn as_seen(site: &Site, view: Variant, c: &Course) -> Option<Course> {
    match (site.mode, view.shift) {
        (Mode::Serve, Some(shift)) => Some(shift.apply(c)),
        _ => None,
    }
}

/// `Start on my own date` and `Remind me`: a GET form, so it works without
/// JavaScript (the script only fills in today's date in the reader's zone).
fn personal(site: &Site, page: Page, view: Variant, c: &Course) -> Markup {
    let all_past = site
        .now
        .is_some_and(|now| agenda::ends(c).iter().all(|e| *e <= now));
    let class = if all_past {
        "card personal prominent"
    } else {
        "card personal"
    };
    let start = view.shift.map(|s| s.start.format("%Y-%m-%d").to_string());
    let pace = view.shift.map_or(Pace::NORMAL, |s| s.pace).to_param();
    let alarm = view.alarms.to_param();
    const PACES: &[(&str, &str)] = &[
        ("1", "As scheduled"),
        ("0.5", "Twice as fast"),
        ("1.5", "1.5 × the time between items"),
        ("2", "Twice the time between items"),
    ];
    const ALARMS: &[(&str, &str)] = &[
        ("", "No reminders"),
        ("15m", "15 minutes before"),
        ("1h", "1 hour before"),
        ("1d", "1 day before"),
        ("1h,1d", "1 day and 1 hour before"),
        ("1w", "1 week before"),
    ];
    let custom_alarm = !ALARMS.iter().any(|(v, _)| *v == alarm);
    let own_dates = site.rel(page, &site.page_path(page));
    html! {
        section class=(class) aria-labelledby="own-h" data-personal-card {
            h2 #own-h { "Start on my own date" }
            @if site.mode == Mode::Serve {
                p {
                    @if all_past { "All dates of this course are in the past. " }
                    "Taking it at your own pace? Pick the day you start: every release, due date and milestone moves with it, in the calendar you subscribe to as well."
                }
                form.personal method="get" data-personal {
                    input type="hidden" name="tz" value=[view.zone.map(|z| z.name())];
                    @if !view.kinds.is_all() { input type="hidden" name="kinds" value=(view.kinds.to_param()); }
                    div.field {
                        label for="start" { "I start on" }
                        input #start type="date" name="start" value=[start.as_deref()] min="1900-01-01" max="2199-12-31" data-today;
                    }
                    div.field {
                        label for="pace" { "Pace" }
                        select #pace name="pace" {
                            @for (v, label) in PACES { option value=(v) selected[*v == pace] { (label) } }
                        }
                    }
                    div.field {
                        label for="alarm" { "Remind me" }
                        select #alarm name="alarm" {
                            @if custom_alarm { option value=(alarm) selected { (alarm) " before" } }
                            @for (v, label) in ALARMS { option value=(v) selected[*v == alarm] { (label) } }
                        }
                    }
                    button.btn type="submit" { "Show my dates" }
                }
                @if view.shift.is_some() {
                    p.hint {
                        "These are your own dates, and the calendar links below subscribe to them. Live events happened once and are listed as past sessions. "
                        a href=(own_dates) { "Back to the course’s own dates" }
                    }
                }
                p.hint { "Reminders show up in Apple Calendar and Thunderbird; Google Calendar ignores reminders in subscribed calendars." }
            } @else {
                p.hint { "Personal start dates and reminders need the coursecal server; this copy shows the course’s own dates." }
            }
        }
    }
}

/// Live events of a shifted course: they happened once, at a fixed instant.
fn past_sessions(c: &Course, tz: Tz) -> Markup {
    let live: Vec<_> = c.events.iter().filter(|e| e.kind == Kind::Live).collect();
    html! {
        @if !live.is_empty() {
            section.card aria-labelledby="past-h" {
                h2 #past-h { "Past live sessions" }
                ul.past-sessions {
                    @for e in &live {
                        li {
                            (e.name)
                            @if let When::At(t) = e.start() {
                                " — " time datetime=(rfc3339(t)) {
                                    (t.with_timezone(&tz).format("%a %-d %b %Y, %H:%M").to_string()) " " (tz.name())
                                }
                            }
                            @if let Some(u) = &e.url { " · " (external(u, "recording")) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /courses/<id>`: the agenda, subscribe block and embed snippet.
pub fn course(site: &Site, view: Variant, original: &Course) -> (String, Option<DateTime<Utc>>) {
    let own = as_seen(site, view, original);
    let c = own.as_ref().unwrap_or(original);
    let page = Page::Course(&c.id);
    let tz = display_zone(view, Some(c));
    let kinds = site.links_variant(view).kinds;
    let embed_path = site.page_path(Page::Embed(&c.id));
    let (embed_url, _) = site.url(page, &embed_path);
    let snippet = |src: &str| {
        format!(
            "<iframe src=\"{src}\" title=\"{} dates\" width=\"100%\" height=\"520\" loading=\"lazy\" style=\"border:0;max-width:42rem\"></iframe>",
            c.label()
                .replace('&', "&amp;")
                .replace('"', "&quot;")
                .replace('<', "&lt;")
        )
    };
    let content = html! {
        nav.crumbs aria-label="Breadcrumb" {
            a href=(site.rel(page, &site.page_path(Page::Index))) { "← All courses" }
        }
        header.course-head {
            @if let Some(n) = &c.number { p.number { (n) } }
            h1 { (c.title) }
            p.meta {
                @if let Some(u) = &c.url { (external(u, "Course page")) " · " }
                @if let Some(p) = published(c) { (p) " · " }
                (count_text(None, c.events.len()))
            }
            // The first paragraph: OCW descriptions run long.
            @if let Some(d) = c.description.as_deref().and_then(|d| d.split("\n\n").next()) {
                p.desc { (d) }
            }
        }
        (controls(site, tz, kinds, site.links_variant(view), site.mode == Mode::Serve))
        (personal(site, page, view, original))
        section.card aria-labelledby="sub-h" {
            h2 #sub-h { "Subscribe" }
            (subscribe::block(site, page, &course_feed(c), site.links_variant(view), true))
        }
        section.card.agenda aria-labelledby="dates-h" data-agenda {
            h2 #dates-h { @if own.is_some() { "Your dates" } @else { "Dates" } }
            (zone_note(tz))
            (agenda::agenda(site, page, c, Variant { kinds, ..view }, false))
        }
        @if own.is_some() { (past_sessions(original, tz)) }
        (recent_changes(site, page, view, original, tz))
        section.card aria-labelledby="embed-h" {
            h2 #embed-h { "Embed on your course site" }
            p { "Paste this into a page of your course site to show these dates, in each visitor’s own time zone." }
            label for="embed-code" { "Embed code" }
            textarea #embed-code.code readonly rows="3" data-embed=(site.rel(page, &embed_path)) data-label=(c.label()) {
                (snippet(&embed_url))
            }
            div.copy-row {
                button.btn.copy-btn type="button" data-copy="embed-code" hidden { "Copy embed code" }
                a href=(site.rel(page, &embed_path)) { "Preview the widget" }
            }
            p.hint.copied role="status" aria-live="polite" {}
        }
    };
    let title = format!("{} — dates and calendar feed", c.label());
    let description = format!(
        "Dates of {} and buttons to add them to your calendar.",
        c.title
    );
    let doc = Doc {
        page,
        title: &title,
        description: &description,
        body_class: "course",
        changes: Some((
            format!("courses/{}.atom{}", c.id, view.changes_query()),
            format!("Changes to {}", c.label()),
        )),
    };
    let until = site.now.and_then(|now| next_change(&[c], tz, now));
    (document(site, &doc, content).into_string(), until)
}

/// `GET /courses/<id>/embed`: a compact agenda made for an iframe.
pub fn embed(site: &Site, view: Variant, original: &Course) -> (String, Option<DateTime<Utc>>) {
    let own = as_seen(site, view, original);
    let c = own.as_ref().unwrap_or(original);
    let page = Page::Embed(&c.id);
    let tz = display_zone(view, Some(c));
    let feed = course_feed(c);
    let variant = Variant {
        kinds: KindSet::ALL,
        ..site.links_variant(view)
    };
    let s = subscribe::links(site, page, &feed, variant);
    let (base, _) = site.url(page, &feed.path);
    let course_page = site.rel(page, &site.page_path(Page::Course(&c.id)));
    let google_web = format!("{course_page}#{}", subscribe::google_web_id(feed.key));
    let content = html! {
        main.widget data-tz-fixed=[view.zone.map(|z| z.name())] {
            header.widget-head {
                p.number { (c.label()) }
                h1 { a href=(course_page) target="_blank" rel="noopener" { (c.title) } }
                (zone_note(tz))
            }
            div.subscribe.compact data-subscribe data-feed=(base) data-name=(feed.name)
                data-google-web=(google_web) {
                ul.buttons {
                    li { a.btn.primary data-link="webcal" href=(s.webcal) target="_blank" rel="noopener" { "Subscribe" } }
                    // On Android, Google's web flow on the course page (the app cannot subscribe).
                    li { a.btn data-link="google" href=(if site.client == Client::Android { &google_web } else { &s.google })
                        target="_blank" rel="noopener" { "Google" } }
                    li { a.btn data-link="outlook" href=(s.outlook) target="_blank" rel="noopener" { "Outlook" } }
                    li { a.btn.ghost href=(course_page) target="_blank" rel="noopener" { "More options" } }
                }
            }
            section data-agenda aria-labelledby="dates-h" {
                h2 #dates-h .vh { "Dates" }
                (agenda::agenda(site, page, c, Variant { kinds: KindSet::ALL, ..view }, true))
            }
            (recent_changes(site, page, view, original, tz))
        }
    };
    let title = format!("{} dates", c.label());
    let doc = Doc {
        page,
        title: &title,
        description: &title,
        body_class: "embed",
        changes: Some((
            format!("courses/{}.atom{}", c.id, view.changes_query()),
            format!("Changes to {}", c.label()),
        )),
    };
    let until = site.now.and_then(|now| next_change(&[c], tz, now));
    (document(site, &doc, content).into_string(), until)
}

/// "Recent changes": what changed in the last [`changes::PAGE_WINDOW`]
/// (from now when serving, from the newest change in a static build), each
/// with its old and new date as `<time>`, and the change feed to follow.
/// Nothing without history.
fn recent_changes(site: &Site, page: Page, view: Variant, c: &Course, tz: chrono_tz::Tz) -> Markup {
    let Some(all) = site.catalog.changes.get(&c.id) else {
        return html! {};
    };
    let Some(newest) = all.iter().map(|ch| ch.at).max() else {
        return html! {};
    };
    let from = site.now.unwrap_or(newest);
    let since = from
        .checked_sub_signed(changes::PAGE_WINDOW)
        .unwrap_or(from);
    let mut recent: Vec<&crate::catalog::Change> = all.iter().filter(|ch| ch.at >= since).collect();
    recent.sort_by(|a, b| (b.at, &a.uid).cmp(&(a.at, &b.uid)));
    recent.truncate(changes::MAX_PAGE_CHANGES);
    let feed = site.rel(
        page,
        &format!("courses/{}.atom{}", c.id, view.changes_query()),
    );
    let when = |w: crate::model::When| {
        html! { time datetime=(changes::machine(w)) { (changes::show(w, tz)) } }
    };
    html! {
        section.card.changes aria-labelledby="changes-h" {
            h2 #changes-h { "Recent changes" }
            @if recent.is_empty() {
                p { "No dates changed in the last 30 days." }
            } @else {
                ul.changes {
                    @for ch in &recent {
                        li {
                            time datetime=(rfc3339(ch.at)) { (ch.at.with_timezone(&tz).format("%-d %b %Y").to_string()) }
                            ": " strong { (changes::verb(&ch.what)) } " " (ch.kind.summary_prefix()) (ch.name)
                            @match &ch.what {
                                What::Moved { from } => { " — from " (when(from.start)) " to " (when(ch.when.start)) }
                                What::Renamed { from } => { " (was " (from) ")" }
                                _ => { " — " (when(ch.when.start)) }
                            }
                        }
                    }
                }
            }
            p { a href=(feed) type="application/atom+xml" { "Follow changes (Atom feed)" } }
        }
    }
}
