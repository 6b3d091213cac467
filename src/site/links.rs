//! Every URL the pages print: feed variants, the subscribe links of each
//! calendar app, and page-to-page links. `assets/site.js` rebuilds the same
//! forms in the browser, so the two must stay in step.

use crate::filter::{KindSet, Zone};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What JavaScript's `encodeURIComponent` leaves alone.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');
/// Query values keep `/` and `,` readable: `tz=Asia/Kolkata&kinds=due,live`.
const QUERY_VALUE: &AsciiSet = &COMPONENT.add(b'!').add(b'*').add(b'\'').add(b'(').add(b')');
/// A path segment (UIDs carry `@`).
const SEGMENT: &AsciiSet = &COMPONENT.remove(b'@');

/// Like `encodeURIComponent`.
pub fn component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// A query value, `/` and `,` kept as they are.
pub fn query_value(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE)
        .to_string()
        .replace("%2F", "/")
        .replace("%2C", ",")
}

pub fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Which feed variant links ask for. Defaults are left out to keep URLs
/// short (Google has refused long subscription URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    pub zone: Zone,
    pub kinds: KindSet,
}

impl Default for Variant {
    fn default() -> Self {
        Variant {
            zone: Zone::Utc,
            kinds: KindSet::ALL,
        }
    }
}

impl Variant {
    /// `""`, `?tz=…`, `?kinds=…` or `?tz=…&kinds=…`.
    pub fn query(&self) -> String {
        self.query_with(&[])
    }

    /// The variant's query plus extra `key=value` pairs (values already encoded).
    pub fn query_with(&self, extra: &[(&str, &str)]) -> String {
        let mut parts = Vec::new();
        if let Zone::Named(tz) = self.zone {
            parts.push(format!("tz={}", query_value(tz.name())));
        }
        if !self.kinds.is_all() {
            parts.push(format!("kinds={}", self.kinds.to_param()));
        }
        parts.extend(extra.iter().map(|(k, v)| format!("{k}={v}")));
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// The links of one feed's subscribe block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// The feed over http(s): absolute when the site's address is known,
    /// else relative to the page (JavaScript then makes it absolute).
    pub feed: String,
    pub absolute: bool,
    pub webcal: String,
    pub google: String,
    pub outlook: String,
    pub office: String,
    pub download: String,
    /// Calendar name shown by Outlook.
    pub name: String,
}

impl Subscribe {
    /// `feed` is the feed URL with its variant query; `download` the
    /// download link (same-origin, may be relative).
    pub fn new(feed: String, absolute: bool, download: String, name: &str) -> Self {
        if !absolute {
            // Calendar apps need an absolute URL; without one every button
            // falls back to the plain feed link until the script fixes it.
            return Subscribe {
                webcal: feed.clone(),
                google: feed.clone(),
                outlook: feed.clone(),
                office: feed.clone(),
                feed,
                absolute,
                download,
                name: name.to_owned(),
            };
        }
        let webcal = webcal(&feed);
        let outlook = |host: &str| {
            format!(
                "https://{host}/calendar/0/addfromweb?url={}&name={}",
                component(&feed),
                component(name)
            )
        };
        Subscribe {
            google: format!(
                "https://calendar.google.com/calendar/render?cid={}",
                component(&webcal)
            ),
            outlook: outlook("outlook.live.com"),
            office: outlook("outlook.office.com"),
            webcal,
            feed,
            absolute,
            download,
            name: name.to_owned(),
        }
    }
}

/// `https://x/…` → `webcal://x/…` (Google accepts only this form for `cid=`).
pub fn webcal(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    format!("webcal://{rest}")
}

/// A base URL as given on the command line, normalised to end in `/`.
/// Only http(s) URLs without query or fragment make sense as a site root.
pub fn normalize_base(input: &str) -> Result<String, String> {
    let s = input.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("`{s}`: expected an http:// or https:// URL"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || !valid_host(host) {
        return Err(format!("`{s}`: expected a host name after the scheme"));
    }
    if s.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
        return Err(format!(
            "`{s}`: a base URL has no query, fragment or spaces"
        ));
    }
    Ok(if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    })
}

/// A Host header we are willing to print into links: a name or address
/// and an optional port, nothing that could break out of a URL.
pub fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{parse_kinds, parse_zone};

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(
            component("webcal://h:1/a.ics?tz=Asia/Kolkata&kinds=due,live"),
            "webcal%3A%2F%2Fh%3A1%2Fa.ics%3Ftz%3DAsia%2FKolkata%26kinds%3Ddue%2Clive"
        );
        assert_eq!(component("A & B's (x)"), "A%20%26%20B's%20(x)");
        assert_eq!(query_value("Etc/GMT+5"), "Etc/GMT%2B5");
        assert_eq!(segment("a.due.x@coursecal"), "a.due.x@coursecal");
        assert_eq!(segment("é/x"), "%C3%A9%2Fx");
    }

    #[test]
    fn variant_queries_omit_defaults() {
        assert_eq!(Variant::default().query(), "");
        let v = Variant {
            zone: parse_zone("asia/kolkata").unwrap(),
            kinds: parse_kinds("live,release").unwrap(),
        };
        assert_eq!(v.query(), "?tz=Asia/Kolkata&kinds=release,live");
        assert_eq!(
            v.query_with(&[("download", "1")]),
            "?tz=Asia/Kolkata&kinds=release,live&download=1"
        );
    }

    #[test]
    fn subscribe_links() {
        let s = Subscribe::new(
            "https://cal.example.edu/courses/a.ics?tz=Asia/Kolkata".into(),
            true,
            "a.ics".into(),
            "Intro & More",
        );
        assert_eq!(
            s.webcal,
            "webcal://cal.example.edu/courses/a.ics?tz=Asia/Kolkata"
        );
        assert_eq!(
            s.google,
            "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fcal.example.edu%2Fcourses%2Fa.ics%3Ftz%3DAsia%2FKolkata"
        );
        assert_eq!(
            s.outlook,
            "https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fcal.example.edu%2Fcourses%2Fa.ics%3Ftz%3DAsia%2FKolkata&name=Intro%20%26%20More"
        );
        assert!(
            s.office
                .starts_with("https://outlook.office.com/calendar/0/addfromweb?url=")
        );
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base("https://x.edu/cal").unwrap(),
            "https://x.edu/cal/"
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:8/").unwrap(),
            "http://127.0.0.1:8/"
        );
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("https://x/?q").is_err());
        assert!(normalize_base("https://").is_err());
        assert!(valid_host("[::1]:8080"));
        assert!(!valid_host("evil.com/\"><script>"));
    }
}
