//! The subscribe block of one feed: a button per calendar app, download,
//! copy and a QR code. `data-` attributes carry what the script needs to
//! rebuild every link for another zone or set of kinds.

use super::links::Subscribe;
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
                    span.app { "Google Calendar" } (to) } }
                li { a.btn data-link="outlook" href=(s.outlook) {
                    span.app { "Outlook.com" } span.hint { "personal" } (to) } }
                li { a.btn data-link="office" href=(s.office) {
                    span.app { "Outlook" } span.hint { "work or school" } (to) } }
                li { a.btn.ghost data-link="download" href=(s.download) download=(file)
                    {
                    span.app { "Download .ics" } span.hint { "one-time import" } (to) } }
            }
            details.more open[open] {
                summary { "Feed URL and QR code" }
                div.more-body {
                    div.copy {
                        label for=(input_id) { "Feed URL" }
                        div.copy-row {
                            input id=(input_id) type="text" readonly value=(s.feed) data-link="feed";
                            button.btn.copy-btn type="button" data-copy=(input_id) hidden { "Copy feed URL" }
                        }
                        p.hint.copied role="status" aria-live="polite" {}
                        p.hint { "Paste it into any calendar app that subscribes “from URL”." }
                    }
                    @if let Some(src) = qr {
                        figure.qr {
                            img src=(src) data-qr=(qr_base) width="144" height="144"
                                alt=(format!("QR code of the feed URL of {}", feed.label));
                            figcaption { "Scan with a phone to subscribe." }
                        }
                    }
                }
            }
        }
    }
}
