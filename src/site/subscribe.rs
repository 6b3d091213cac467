//! The subscribe block of one feed: a button per calendar app, download,
//! copy and a QR code. `data-` attributes carry what the script needs to
//! rebuild every link for another zone or set of kinds.

use super::links::{GOOGLE_ADD_BY_URL, Subscribe};
use super::{Mode, Page, Site};
use crate::model::Variant;
use maud::{Markup, html};

/// One feed to subscribe to.
pub struct FeedLink<'a> {
    /// Site-relative path of the feed (`courses/<id>.ics`, `calendar.ics`).
    pub path: String,
    /// Site-relative path of its QR code image.
    pub qr: String,
    /// Calendar name (Outlook shows it).
    pub name: &'a str,
    /// Unique on the page, for element ids.
    pub key: &'a str,
    /// What the buttons subscribe to, for screen readers ("RES.CMS-154").
    pub label: &'a str,
}

/// The links of `feed` in `variant`, as the page prints them.
pub fn links(site: &Site, from: Page, feed: &FeedLink, variant: Variant) -> Subscribe {
    let (url, absolute) = site.url(from, &feed.path);
    let download = site.rel(from, &feed.path);
    let download = match site.mode {
        Mode::Serve => format!("{download}{}", variant.query_with(&[("download", "1")])),
        Mode::Static => download,
    };
    Subscribe::new(
        format!("{url}{}", variant.query()),
        absolute,
        download,
        feed.name,
    )
}

pub fn block(site: &Site, from: Page, feed: &FeedLink, variant: Variant, open: bool) -> Markup {
    let s = links(site, from, feed, variant);
    let (base, _) = site.url(from, &feed.path);
    let file = feed.path.rsplit('/').next().unwrap_or("calendar.ics");
    // A QR code needs an absolute URL: a server always has one (from the
    // Host header); a static build only with --base-url.
    let qr = match site.mode {
        Mode::Serve => Some(format!("{}{}", site.rel(from, &feed.qr), variant.query())),
        Mode::Static => site.base.is_some().then(|| site.rel(from, &feed.qr)),
    };
    let qr_base = site.rel(from, &feed.qr);
    let input_id = format!("feed-url-{}", feed.key);
    // Visible text first, then what it subscribes to (WCAG "label in name").
    let to = html! { span.vh { " (" (feed.label) ")" } };
    html! {
        div.subscribe data-subscribe data-feed=(base) data-name=(feed.name) data-file=(file) {
            ul.buttons {
                li { a.btn.primary data-link="webcal" href=(s.webcal) {
                    span.app { "Apple Calendar" } span.hint { "or any calendar app" } (to) } }
                li { a.btn data-link="google" href=(s.google) {
                    span.app { "Google Calendar" } span.hint { "one click" } (to) } }
                li { a.btn data-link="outlook" href=(s.outlook) {
                    span.app { "Outlook.com" } span.hint { "personal" } (to) } }
                li { a.btn data-link="office" href=(s.office) {
                    span.app { "Outlook" } span.hint { "work or school" } (to) } }
                li { a.btn.ghost data-link="download" href=(s.download) download=(file)
                    {
                    span.app { "Download .ics" } span.hint { "one-time import" } (to) } }
            }
            (google_web(feed, &s, &input_id, &to))
            @if let Some(src) = qr {
                details.more open[open] {
                    summary { "QR code" span.vh { " of the feed address" (to) } }
                    figure.qr {
                        img src=(src) data-qr=(qr_base) width="144" height="144"
                            alt=(format!("QR code of the feed address of {}", feed.label));
                        figcaption { "Scan with a phone to subscribe." }
                    }
                }
            }
        }
    }
}

/// The way into Google Calendar that works whichever way its one-click
/// link behaves on the day: the feed address as text (selectable without
/// JavaScript; the script adds a copy button) and Google's "From URL" page.
fn google_web(feed: &FeedLink, s: &Subscribe, input_id: &str, to: &Markup) -> Markup {
    html! {
        div.google-web id=(format!("google-web-{}", feed.key)) {
            p.gw-steps {
                strong { "Google Calendar did not add it?" } " "
                "Copy the feed address, open "
                a data-link="google-web" href=(GOOGLE_ADD_BY_URL) rel="noopener" {
                    "Google Calendar’s “From URL” page"
                }
                ", paste the address into “URL of calendar” and choose “Add calendar”."
            }
            div.copy {
                label for=(input_id) { "Feed address" (to) }
                div.copy-row {
                    input id=(input_id) type="text" readonly value=(s.feed) data-link="feed";
                    button.btn.copy-btn type="button" data-copy=(input_id) hidden {
                        "Copy address" (to)
                    }
                }
                p.hint.copied role="status" aria-live="polite" {}
                p.hint { "Any calendar app that subscribes “from URL” takes this address." }
            }
        }
    }
}
