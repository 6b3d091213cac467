//! The page shell and the security headers that go with it.

use super::{Mode, Page, Site, assets};
use crate::model::{Kind, KindSet, Pace, Variant};

use chrono_tz::Tz;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// No inline script or style anywhere; only our own files.
const CSP_BASE: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'";

/// Content-Security-Policy of the pages (never framed).
pub fn csp_page() -> String {
    format!("{CSP_BASE}; frame-ancestors 'none'")
}

/// Content-Security-Policy of the widget, made to be framed by any site.
pub fn csp_embed() -> String {
    format!("{CSP_BASE}; frame-ancestors *")
}

pub struct Doc<'a> {
    pub page: Page<'a>,
    pub title: &'a str,
    pub description: &'a str,
    pub body_class: &'a str,
    /// The change feed to announce in `<head>` (site-relative path, title).
    pub changes: Option<(String, String)>,
}

pub fn document(site: &Site, doc: &Doc, content: Markup) -> Markup {
    let root = site.root(doc.page);
    let mode = match site.mode {
        Mode::Serve => "serve",
        Mode::Static => "static",
    };
    let embed = matches!(doc.page, Page::Embed(_));
    html! {
        (DOCTYPE)
        html lang="en" data-mode=(mode) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if site.mode == Mode::Static {
                    // A static host sends no headers of ours; frame-ancestors
                    // cannot be set this way (it is ignored in <meta>).
                    meta http-equiv="Content-Security-Policy" content=(CSP_BASE);
                }
                title { (doc.title) }
                meta name="description" content=(doc.description);
                meta name="color-scheme" content="light dark";
                link rel="icon" href=(format!("{root}{}", assets::path("icon.svg"))) type="image/svg+xml";
                link rel="stylesheet" href=(format!("{root}{}", assets::path("site.css")));
                @if let Some((path, title)) = &doc.changes {
                    link rel="alternate" type="application/atom+xml" title=(title) href=(site.rel(doc.page, path));
                }
                script src=(format!("{root}{}", assets::path("site.js"))) defer {}
            }
            body class=(doc.body_class) {
                @if embed {
                    (content)
                } @else {
                    a.skip href="#main" { "Skip to the content" }
                    header.site {
                        div.wrap {
                            a.brand href=(site.rel(doc.page, &site.page_path(Page::Index))) {
                                img src=(format!("{root}{}", assets::path("icon.svg"))) alt="" width="28" height="28";
                                span { "Course calendars" }
                            }
                        }
                    }
                    main #main.wrap { (content) }
                    footer.site {
                        div.wrap {
                            p {
                                "Calendar feeds follow RFC 5545 and update by themselves: subscribe once, "
                                "and changed dates move in your calendar. Made with coursecal."
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Every zone name of the tz database, aliases included, so whatever the
/// browser reports is in the list.
fn zone_options(selected: Tz) -> Markup {
    // Sorted once: every course page has the ~600 of them (a static export
    // of 1,000 courses sorted and formatted them a thousand times).
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names
    });
    let mut out = String::with_capacity(names.len() * 32);
    for &n in names {
        // Zone names are plain ASCII identifiers; nothing needs escaping.
        out.push_str(if n == selected.name() {
            "<option selected>"
        } else {
            "<option>"
        });
        out.push_str(n);
        out.push_str("</option>");
    }
    PreEscaped(out)
}

/// The time zone picker and kind checkboxes. Without JavaScript it is a
/// GET form; with it, changes apply at once and the Apply button hides.
pub fn controls(site: &Site, zone: Tz, kinds: KindSet, links: Variant, show_kinds: bool) -> Markup {
    html! {
        form.controls method="get" data-controls {
            // A reader's own run and reminders survive a change of zone.
            @if let Some(shift) = links.shift {
                input type="hidden" name="start" value=(shift.start.format("%Y-%m-%d").to_string());
                @if shift.pace != Pace::NORMAL { input type="hidden" name="pace" value=(shift.pace.to_param()); }
            }
            @if !links.alarms.is_empty() { input type="hidden" name="alarm" value=(links.alarms.to_param()); }
            div.field {
                label for="tz" { "Time zone" }
                select #tz name="tz" { (zone_options(zone)) }
            }
            @if show_kinds {
                fieldset.kinds {
                    legend { "Include" }
                    @for k in Kind::ALL {
                        label.kind-check {
                            input type="checkbox" name="kinds" value=(k.as_str()) checked[kinds.contains(k)];
                            span class=(format!("dot {}", k.css_class())) aria-hidden="true" {}
                            (k.plural())
                        }
                    }
                }
            }
            button.btn.apply type="submit" data-nojs { "Apply" }
            @if site.mode == Mode::Static {
                p.hint.static-note {
                    "Feeds here hold every date in UTC; your calendar app shows them in your own time zone."
                }
            }
        }
    }
}
