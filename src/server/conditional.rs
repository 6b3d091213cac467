//! HTTP caching for cached responses (feeds and pages): strong ETags,
//! If-None-Match / If-Modified-Since, content-coding negotiation over the
//! pre-compressed encodings.

use super::cache::{Compression, Rendered};
use super::error::HttpError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use std::sync::Arc;
use std::time::SystemTime;

/// How long clients and CDNs may reuse a feed without asking again.
pub const CACHE_CONTROL: &str = "public, max-age=300";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    fn compression(self) -> Option<Compression> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some(Compression::Gzip),
            Coding::Brotli => Some(Compression::Brotli),
        }
    }
}

/// q-value of `coding` in an Accept-Encoding header (RFC 9110 §12.5.3).
fn q_of(accept: &str, coding: &str) -> Option<f32> {
    let mut star = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let name = it.next().unwrap_or_default().trim();
        let q = it
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return Some(q);
        }
        if name == "*" {
            star = Some(q);
        }
    }
    star
}

/// Brotli if accepted, else gzip, else identity.
pub fn negotiate(headers: &HeaderMap) -> Coding {
    let accept = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let br = q_of(&accept, "br").unwrap_or(0.0);
    let gz = q_of(&accept, "gzip")
        .or(q_of(&accept, "x-gzip"))
        .unwrap_or(0.0);
    if br > 0.0 && br >= gz {
        Coding::Brotli
    } else if gz > 0.0 {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// Does If-None-Match match any encoding of this variant? The list may
/// span several header lines (RFC 9110 §5.3); a line that is not text
/// matches nothing.
fn none_match(headers: &HeaderMap, digest: &str) -> Option<bool> {
    let mut lines = headers.get_all(header::IF_NONE_MATCH).iter().peekable();
    lines.peek()?;
    let mut tags = lines
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim);
    Some(tags.any(|tag| {
        if tag == "*" {
            return true;
        }
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        tag.strip_prefix(digest)
            .is_some_and(|rest| matches!(rest, "" | "-gz" | "-br" | "-gz-fast" | "-br-fast"))
    }))
}

fn not_modified_since(headers: &HeaderMap, last_modified: Option<SystemTime>) -> bool {
    let (Some(lm), Some(since)) = (
        last_modified,
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok()),
    ) else {
        return false;
    };
    lm <= since
}

/// How a cached body is sent besides its bytes.
#[derive(Debug, Clone)]
pub struct Sending<'a> {
    pub content_type: &'static str,
    pub cache_control: &'static str,
    /// `Vary`: always `Accept-Encoding` for compressed bodies, plus what
    /// else the body depends on (`Host` when links come from it).
    pub vary: &'a str,
    /// `Content-Disposition: attachment; filename="…"` (a plain ASCII name).
    pub filename: Option<&'a str>,
    pub extra: Vec<(header::HeaderName, HeaderValue)>,
}

impl Sending<'_> {
    /// A feed: public, five minutes.
    pub fn feed(filename: Option<&str>) -> Sending<'_> {
        Sending {
            content_type: "text/calendar; charset=utf-8",
            cache_control: CACHE_CONTROL,
            vary: "Accept-Encoding",
            filename,
            extra: Vec::new(),
        }
    }
}

/// The response for a cached body: 200 with the negotiated encoding (once
/// it is made), or 304 when the client's copy is current.
pub async fn respond(
    r: &Arc<Rendered>,
    headers: &HeaderMap,
    how: Sending<'_>,
) -> Result<Response<Body>, HttpError> {
    let coding = if r.compressed {
        negotiate(headers)
    } else {
        Coding::Identity
    };
    let fresh = match none_match(headers, &r.digest) {
        Some(matched) => matched,
        // If-Modified-Since only counts without If-None-Match (RFC 9110 §13.1.3).
        None => not_modified_since(headers, r.last_modified),
    };
    let mut builder = Response::builder().header(header::CACHE_CONTROL, how.cache_control);
    if !how.vary.is_empty() {
        builder = builder.header(header::VARY, how.vary);
    }
    if let Some(lm) = &r.last_modified_header {
        builder = builder.header(header::LAST_MODIFIED, lm.clone());
    }
    for (name, value) in how.extra {
        builder = builder.header(name, value);
    }
    if fresh {
        // The tag a 200 would carry now, without making its bytes.
        let etag = match coding.compression() {
            None => r.identity_etag(),
            Some(c) => r.etag(c, r.level(c)),
        };
        return Ok(builder
            .header(header::ETAG, etag.clone())
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("static status and valid header values"));
    }
    let body = match coding.compression() {
        None => {
            builder = builder.header(header::ETAG, r.identity_etag().clone());
            r.identity().await.ok_or(HttpError::Internal)?
        }
        Some(c) => {
            let (bytes, level) = r.encoded(c).await.ok_or(HttpError::Internal)?;
            let name = if c == Compression::Gzip { "gzip" } else { "br" };
            builder = builder
                .header(header::ETAG, r.etag(c, level).clone())
                .header(header::CONTENT_ENCODING, name);
            bytes
        }
    };
    if let Some(name) = how.filename
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        builder = builder.header(header::CONTENT_DISPOSITION, v);
    }
    Ok(builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, how.content_type)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("static status and valid header values"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    #[test]
    fn negotiation_honours_q_values() {
        assert_eq!(negotiate(&h(&[])), Coding::Identity);
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "gzip, br")])),
            Coding::Brotli
        );
        assert_eq!(negotiate(&h(&[("accept-encoding", "gzip")])), Coding::Gzip);
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "br;q=0, gzip")])),
            Coding::Gzip
        );
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "identity")])),
            Coding::Identity
        );
        assert_eq!(negotiate(&h(&[("accept-encoding", "*")])), Coding::Brotli);
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "gzip;q=1, br;q=0.5")])),
            Coding::Gzip
        );
    }

    #[test]
    fn etags_match_across_encodings() {
        assert_eq!(
            none_match(&h(&[("if-none-match", "\"abc-gz\"")]), "abc"),
            Some(true)
        );
        assert_eq!(
            none_match(&h(&[("if-none-match", "W/\"abc\"")]), "abc"),
            Some(true)
        );
        assert_eq!(
            none_match(&h(&[("if-none-match", "\"abd\", \"x\"")]), "abc"),
            Some(false)
        );
        assert_eq!(
            none_match(&h(&[("if-none-match", "\"abcdef\"")]), "abc"),
            Some(false)
        );
        assert_eq!(none_match(&h(&[]), "abc"), None);
        // The list may span header lines: a tag on the second one counts.
        assert_eq!(
            none_match(
                &h(&[("if-none-match", "\"x\""), ("if-none-match", "\"abc-br\"")]),
                "abc"
            ),
            Some(true)
        );
    }
}
