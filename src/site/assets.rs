//! The site's static files, compiled in: one stylesheet, one script, an
//! icon. Pages link them with `?v=<hash>` so they can be cached for a year.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

pub const ASSETS: &[Asset] = &[
    Asset {
        name: "site.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/site.css"),
    },
    Asset {
        name: "site.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/site.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("assets/icon.svg"),
    },
];

/// `Cache-Control` of the assets: their URLs change with their content.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// A short hash of all assets, for cache-busting links.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        for a in ASSETS {
            h.update(a.body.as_bytes());
        }
        crate::model::ids::hex(&h.finalize()[..5])
    })
}

/// `assets/<name>?v=…`, relative to the site root.
pub fn path(name: &str) -> String {
    format!("assets/{name}?v={}", version())
}
