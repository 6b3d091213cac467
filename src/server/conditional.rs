//! HTTP caching for feeds: strong ETags, If-None-Match / If-Modified-Since,
//! content-coding negotiation over the pre-compressed encodings.

use crate::cache::Rendered;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
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
    fn index(self) -> usize {
        self as usize
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

/// Does If-None-Match match any encoding of this variant?
fn none_match(headers: &HeaderMap, digest: &str) -> Option<bool> {
    let value = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    Some(value.split(',').map(str::trim).any(|tag| {
        if tag == "*" {
            return true;
        }
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        tag.strip_prefix(digest)
            .is_some_and(|rest| matches!(rest, "" | "-gz" | "-br"))
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

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""))
}

/// The response for a feed variant: 200 with the negotiated encoding, or
/// 304 when the client's copy is current.
pub fn respond(r: &Rendered, headers: &HeaderMap, filename: Option<&str>) -> Response<Body> {
    let coding = negotiate(headers);
    let fresh = match none_match(headers, &r.digest) {
        Some(matched) => matched,
        // If-Modified-Since only counts without If-None-Match (RFC 9110 §13.1.3).
        None => not_modified_since(headers, r.last_modified),
    };
    let mut builder = Response::builder()
        .header(header::ETAG, r.etags[coding.index()].clone())
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .header(header::VARY, "Accept-Encoding");
    if let Some(lm) = &r.last_modified_header {
        builder = builder.header(header::LAST_MODIFIED, lm.clone());
    }
    if fresh {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    let body = match coding {
        Coding::Identity => r.body.clone(),
        Coding::Gzip => {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            r.gzip.clone()
        }
        Coding::Brotli => {
            builder = builder.header(header::CONTENT_ENCODING, "br");
            r.br.clone()
        }
    };
    if let Some(name) = filename {
        builder = builder.header(
            header::CONTENT_DISPOSITION,
            hv(&format!("attachment; filename=\"{name}\"")),
        );
    }
    builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/calendar; charset=utf-8")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap_or_default()
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
    }
}
