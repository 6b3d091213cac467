//! The pages of `coursecal build`: the same HTML as `serve`, with relative
//! links, as (path, bytes) pairs. A pure function of the catalog and the
//! base URL, so two builds are byte-identical.

use super::{Mode, Site, View, assets, pages, qr};
use crate::catalog::Catalog;
use crate::filter::{KindSet, Zone};
use crate::ics::render;

/// Every file of the site besides the course feeds, by path from the root.
pub fn files(catalog: &Catalog, base: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let site = Site {
        catalog,
        mode: Mode::Static,
        base: base.map(str::to_owned),
        now: None,
    };
    let view = View::default();
    let mut out = vec![(
        "index.html".to_owned(),
        pages::index(&site, view).into_bytes(),
    )];
    for a in assets::ASSETS {
        out.push((format!("assets/{}", a.name), a.body.as_bytes().to_vec()));
    }
    let mut qr_of = |path: &str, feed: &str| {
        if let Some(svg) = site.abs(feed).and_then(|url| qr::svg(&url)) {
            out.push((path.to_owned(), svg.into_bytes()));
        }
    };
    qr_of("qr.svg", "calendar.ics");
    for id in catalog.courses.keys() {
        qr_of(
            &format!("courses/{id}/qr.svg"),
            &format!("courses/{id}.ics"),
        );
    }
    for (id, c) in &catalog.courses {
        out.push((
            format!("courses/{id}/index.html"),
            pages::course(&site, view, c).into_bytes(),
        ));
        out.push((
            format!("courses/{id}/embed/index.html"),
            pages::embed(&site, view, c).into_bytes(),
        ));
        for ev in &c.events {
            // Named by the raw UID: static hosts percent-decode the link.
            let one = super::single_event(c, ev);
            let feed = render(&[&one], Zone::Utc, KindSet::ALL);
            out.push((
                format!("courses/{id}/events/{}.ics", ev.uid),
                feed.body.into_bytes(),
            ));
        }
    }
    out
}
