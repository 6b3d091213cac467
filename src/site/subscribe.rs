//! The subscribe block of one feed: a button per calendar app, download,
//! copy and a QR code. `data-` attributes carry what the script needs to
//! rebuild every link for another zone or set of kinds.

use super::links::{GOOGLE_ADD_BY_URL, Subscribe};
use super::{Client, Mode, Page, Site};
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
    let fallback = format!("#{}", google_web_id(feed.key));
    let android = site.client == Client::Android;
    html! {
        div.subscribe data-subscribe data-feed=(base) data-name=(feed.name) data-file=(file)
            data-google-web=(fallback) {
            ul.buttons {
                li { a.btn.primary data-link="webcal" href=(s.webcal) {
                    span.app { "Apple Calendar" } span.hint { "or any calendar app" } (to) } }
                li { (google_button(site, &s, &fallback, &to)) }
                li { a.btn data-link="outlook" href=(s.outlook) {
                    span.app { "Outlook.com" } span.hint { "personal" } (to) } }
                li { a.btn data-link="office" href=(s.office) {
                    span.app { "Outlook" } span.hint { "work or school" } (to) } }
                li { a.btn.ghost data-link="download" href=(s.download) download=(file)
                    {
                    span.app { "Download .ics" } span.hint { "one-time import" } (to) } }
            }
            (google_web(feed, &s, &input_id, &to, android || site.client == Client::Unknown))
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
fn google_web(
    feed: &FeedLink,
    s: &Subscribe,
    input_id: &str,
    to: &Markup,
    android_note: bool,
) -> Markup {
    html! {
        div.google-web id=(google_web_id(feed.key)) {
            @if android_note {
                p.android-note {
                    strong { "On Android:" } " "
                    "the Google Calendar app cannot subscribe to a calendar from a link. "
                    "Add it once on the web, as below (on a computer, or in this phone’s "
                    "browser with “Desktop site” on): it then shows up in the app by itself."
                }
            }
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

/// The element id of a feed's Google fallback (the Android button's target).
pub fn google_web_id(key: &str) -> String {
    format!("google-web-{key}")
}

/// Google's button: one click, except on Android, where the app cannot
/// subscribe and the button leads to the web flow (`fallback`) instead.
/// A static page cannot know; the script redirects it there on Android.
pub fn google_button(site: &Site, s: &Subscribe, fallback: &str, to: &Markup) -> Markup {
    html! {
        @if site.client == Client::Android {
            a.btn data-link="google" href=(fallback) {
                span.app { "Google Calendar" } span.hint { "add it on the web" } (to)
            }
        } @else {
            a.btn data-link="google" href=(s.google) {
                span.app { "Google Calendar" } span.hint { "one click" } (to)
            }
        }
    }
}
