//! Every URL the pages print: feed variants, the subscribe links of each
//! calendar app, and page-to-page links. `assets/site.js` rebuilds the same
//! forms in the browser, so the two must stay in step.

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

/// Google Calendar's "From URL" page: the fallback when its one-click
/// link fails (the reader pastes the feed address there).
pub const GOOGLE_ADD_BY_URL: &str = "https://calendar.google.com/calendar/r/settings/addbyurl";

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
            google: google(&feed),
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

/// Google's one-click subscribe link. `cid=` carries the feed's own
/// http(s) URL: in 2026 Google stored `cid=webcal://…` verbatim and synced
/// nothing (README, "Subscribing"), though older reports said the
/// opposite, hence the "From URL" fallback printed beside it.
pub fn google(feed: &str) -> String {
    format!(
        "https://calendar.google.com/calendar/render?cid={}",
        component(feed)
    )
}

/// `https://x/…` → `webcal://x/…` (what Apple Calendar and most desktop
/// apps open as "subscribe").
pub fn webcal(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    format!("webcal://{rest}")
}

/// A base URL as given on the command line, normalised to end in `/`:
/// `http` or `https`, a host (DNS name, IPv4 or `[IPv6]`), an optional port
/// 1–65535 and an optional path; no userinfo, query, fragment, whitespace or
/// control characters. Scheme and host are lowercased.
///
/// Parsed by hand rather than with the `url` crate: only this narrow form is
/// wanted (the crate accepts and silently repairs far more — userinfo,
/// percent-encoded controls, IDNA), so checks would be needed on top of it,
/// and it would add about twenty crates (ICU normalisation) for one flag.
pub fn normalize_base(input: &str) -> Result<String, String> {
    /// A DNS name (labels of letters, digits and inner `-`, at most 63
    /// characters each, 253 in all) or, when its last label is numeric (as
    /// browsers read it), an IPv4 address.
    fn check_host_name(name: &str) -> Result<(), String> {
        if name.is_empty() {
            return Err("expected a host name after the scheme".into());
        }
        let last = name.rsplit('.').next().unwrap_or_default();
        if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
            return match name.parse::<std::net::Ipv4Addr>() {
                Ok(_) => Ok(()),
                Err(_) => Err(format!("`{name}` is not an IPv4 address")),
            };
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if name.len() > 253 || !name.split('.').all(label_ok) {
            return Err(format!(
                "`{}` is not a host name (letters, digits, `-` and `.`)",
                name.escape_debug()
            ));
        }
        Ok(())
    }

    /// A path of unreserved characters, `%XX`, and `! $ & + , ; = : @`, in
    /// segments other than `.` and `..` (empty for the root).
    fn check_base_path(path: &str) -> Result<(), String> {
        let bytes = path.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let ok = match b {
                b'%' => {
                    let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                    i += 2;
                    hex(i - 1) && hex(i)
                }
                _ => b.is_ascii_alphanumeric() || b"-._~!$&+,;=:@/".contains(&b),
            };
            if !ok {
                let c = path.get(i.min(path.len())..).and_then(|t| t.chars().next());
                return Err(match (b, c) {
                    (b'%', _) => "a `%` in the path must be followed by two hex digits".into(),
                    (_, Some(c)) => format!("`{}` cannot appear in the path", c.escape_debug()),
                    _ => "the path holds a character that cannot appear in a URL".into(),
                });
            }
            i += 1;
        }
        if path.split('/').any(|seg| seg == "." || seg == "..") {
            return Err("the path has a `.` or `..` segment".into());
        }
        Ok(())
    }

    const EXAMPLE: &str = "expected an http:// or https:// URL such as https://cal.example.edu/";
    // Surrounding spaces are dropped; a tab or line break anywhere is an error.
    let s = input.trim_matches(' ');
    // Shown escaped: the input may hold line breaks or terminal escapes.
    let shown = s.escape_debug().to_string();
    let fail = |why: &str| Err(format!("`{shown}`: {why}"));
    if let Some(c) = s.chars().find(|c| c.is_control() || c.is_whitespace()) {
        let what = if c.is_control() {
            "a control character"
        } else {
            "whitespace"
        };
        return fail(&format!("contains {what} (U+{:04X}); {EXAMPLE}", c as u32));
    }
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        ("https", &s[8..])
    } else if lower.starts_with("http://") {
        ("http", &s[7..])
    } else {
        return fail(EXAMPLE);
    };
    if s.contains(['?', '#']) {
        return fail("a base URL has no query (`?`) or fragment (`#`)");
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return fail("a base URL has no user name or password (`user@`)");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let Some((addr, after)) = v6.split_once(']') else {
                return fail("an IPv6 address needs its closing `]`");
            };
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return fail(&format!("`[{addr}]` is not an IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return fail("expected `:port` or `/` after the IPv6 address"),
                },
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        }
        None => {
            let (name, port) = match authority.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (authority, None),
            };
            if let Err(why) = check_host_name(name) {
                return fail(&why);
            }
            (name.to_ascii_lowercase(), port)
        }
    };
    let port = match port {
        None => String::new(),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => format!(":{n}"),
            _ => return fail(&format!("`{p}` is not a port (expected 1–65535)")),
        },
    };
    if let Err(why) = check_base_path(path) {
        return fail(&why);
    }
    let slash = if path.ends_with('/') { "" } else { "/" };
    Ok(format!("{scheme}://{host}{port}{path}{slash}"))
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
            "https://calendar.google.com/calendar/render?cid=https%3A%2F%2Fcal.example.edu%2Fcourses%2Fa.ics%3Ftz%3DAsia%2FKolkata"
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
        for (input, normal) in [
            ("HTTPS://Cal.Example.EDU", "https://cal.example.edu/"),
            (
                "https://cal.example.edu:8443/a/b",
                "https://cal.example.edu:8443/a/b/",
            ),
            ("http://[::1]:8080", "http://[::1]:8080/"),
            ("http://[2001:DB8::1]/", "http://[2001:db8::1]/"),
            (
                "https://x.example/caf%C3%A9/",
                "https://x.example/caf%C3%A9/",
            ),
            ("http://localhost:65535", "http://localhost:65535/"),
        ] {
            assert_eq!(normalize_base(input).as_deref(), Ok(normal), "{input}");
        }
        for bad in [
            "https://x.example/\n<script>",
            "https://x.example/\t",
            "https://x.exa\u{1}mple/",
            "https://x.example/a b",
            "https://x.example/\u{85}",
            "https://x.example:0/",
            "https://x.example:65536/",
            "https://x.example:+80/",
            "https://x.example:/",
            "https://x.example:80:80/",
            "https://user:pw@x.example/",
            "https://x.example/#top",
            "https://[::1/",
            "https://[nope]/",
            "https://999.1.1.1/",
            "https://1.2.3/",
            "https://-x.example/",
            "https://x..example/",
            "https://x_y.example/",
            "https://x.example/\"><script>",
            "https://x.example/a<b",
            "https://x.example/%zz",
            "https://x.example/a/../b",
            "javascript:alert(1)",
        ] {
            let err = normalize_base(bad).expect_err(bad);
            assert!(!err.contains(['\n', '\t', '\u{1}']), "{err:?}");
        }
        assert!(valid_host("[::1]:8080"));
        assert!(!valid_host("evil.com/\"><script>"));
    }
}
