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

/// The q-values an Accept-Encoding header gives the codings we serve
/// (RFC 9110 §12.5.3): the first listing of a coding counts, `*` stands
/// for codings not listed.
#[derive(Default)]
struct Accepted {
    br: Option<f32>,
    gzip: Option<f32>,
    x_gzip: Option<f32>,
    star: Option<f32>,
}

impl Accepted {
    /// Read every Accept-Encoding line in one pass, without copying: a
    /// list may span several lines, and a line that is not text counts for
    /// nothing. This runs on every cached request.
    fn of(headers: &HeaderMap) -> Accepted {
        let mut a = Accepted::default();
        let parts = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for part in parts {
            let mut it = part.split(';');
            let name = it.next().unwrap_or_default().trim();
            let slot = if name.eq_ignore_ascii_case("br") {
                &mut a.br
            } else if name.eq_ignore_ascii_case("gzip") {
                &mut a.gzip
            } else if name.eq_ignore_ascii_case("x-gzip") {
                &mut a.x_gzip
            } else if name == "*" {
                // The last `*` counts, like any other repeated parameter.
                a.star = Some(q(it));
                continue;
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(q(it));
            }
        }
        a
    }
}

/// The q-value among a listed coding's parameters (1 when absent or not a
/// number).
fn q<'a>(params: impl Iterator<Item = &'a str>) -> f32 {
    params
        .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
        .find_map(|v| v.trim().parse::<f32>().ok())
        .unwrap_or(1.0)
}

/// Brotli if accepted, else gzip, else identity.
pub fn negotiate(headers: &HeaderMap) -> Coding {
    let a = Accepted::of(headers);
    let br = a.br.or(a.star).unwrap_or(0.0);
    // `x-gzip` is gzip's old name: it counts only when gzip is not listed.
    let gz = a.gzip.or(a.star).or(a.x_gzip).unwrap_or(0.0);
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

/// `Vary`, made per request by pages (`…, User-Agent`): its usual value is
/// used as it is (no copy, no check), anything else is checked.
fn vary_value(v: &str) -> Option<HeaderValue> {
    const USUAL: &str = "Accept-Encoding";
    match v {
        USUAL => Some(HeaderValue::from_static(USUAL)),
        v => HeaderValue::from_str(v).ok(),
    }
}

/// The response for a cached body: 200 with the negotiated encoding (once
/// it is made), or 304 when the client's copy is current. Its headers are
/// put in a map sized for them, from values made once (the ETags, the date)
/// or literals, since this runs on every cached request.
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
    // Ours, plus what the layers around add (CORS) without growing it.
    let mut out = HeaderMap::with_capacity(12 + how.extra.len());
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(how.cache_control),
    );
    if !how.vary.is_empty()
        && let Some(v) = vary_value(how.vary)
    {
        out.insert(header::VARY, v);
    }
    if let Some(lm) = &r.last_modified_header {
        out.insert(header::LAST_MODIFIED, lm.clone());
    }
    for (name, v) in how.extra {
        out.append(name, v);
    }
    if fresh {
        // The tag a 200 would carry now, without making its bytes.
        let etag = match coding.compression() {
            None => r.identity_etag(),
            Some(c) => r.etag(c, r.level(c)),
        };
        out.insert(header::ETAG, etag.clone());
        let mut res = Response::new(Body::empty());
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        *res.headers_mut() = out;
        return Ok(res);
    }
    let body = match coding.compression() {
        None => {
            out.insert(header::ETAG, r.identity_etag().clone());
            r.identity().await.ok_or(HttpError::Internal)?
        }
        Some(c) => {
            let (bytes, level) = r.encoded(c).await.ok_or(HttpError::Internal)?;
            let name = if c == Compression::Gzip { "gzip" } else { "br" };
            out.insert(header::ETAG, r.etag(c, level).clone());
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
            bytes
        }
    };
    if let Some(name) = how.filename
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        out.insert(header::CONTENT_DISPOSITION, v);
    }
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(how.content_type),
    );
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let mut res = Response::new(Body::from(body));
    *res.headers_mut() = out;
    Ok(res)
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
    fn negotiation_reads_old_names_wildcards_and_every_line() {
        // gzip's old name counts only when gzip itself is not listed.
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "x-gzip")])),
            Coding::Gzip
        );
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "gzip;q=0, x-gzip")])),
            Coding::Identity
        );
        // `*` stands for what is not listed, and the first listing counts.
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "br;q=0, *")])),
            Coding::Gzip
        );
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "gzip, gzip;q=0")])),
            Coding::Gzip
        );
        assert_eq!(
            negotiate(&h(&[("accept-encoding", "*;q=0")])),
            Coding::Identity
        );
        // A list spread over lines reads as one list.
        assert_eq!(
            negotiate(&h(&[
                ("accept-encoding", "gzip;q=0.5"),
                ("accept-encoding", "br;q=0.9")
            ])),
            Coding::Brotli
        );
        assert_eq!(
            negotiate(&h(&[
                ("accept-encoding", "br;q=0"),
                ("accept-encoding", "gzip")
            ])),
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
