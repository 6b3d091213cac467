//! HTML routes: `/`, `/courses/<id>`, `/courses/<id>/embed`, per-event
//! feeds, QR codes and `/assets/*`. The HTML itself comes from
//! [`crate::site`], shared with `coursecal build`.

use super::AppState;
use super::conditional::respond;
use super::feeds::plain;
use crate::cache::Rendered;
use crate::catalog::plausible_id;
use crate::course::Course;
use crate::filter::{FilterError, KindSet, Zone, parse_kinds, parse_zone};
use crate::site::links::{Variant, valid_host};
use crate::site::{Mode, Site, View, assets, layout, pages, qr, single_event};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use std::sync::Arc;
use std::time::SystemTime;

/// `key=value` pairs of a query string, decoded (`+` is a space).
fn pairs(uri: &Uri) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// `?tz=` and `?kinds=` of a page. The no-JavaScript form sends one
/// `kinds=` per checked box; links send one comma-separated list.
fn view(uri: &Uri) -> Result<View, FilterError> {
    let pairs = pairs(uri);
    let tz = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "tz")
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty());
    let kinds: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "kinds")
        .map(|(_, v)| v.as_str())
        .collect();
    Ok(View {
        zone: tz.map(parse_zone).transpose()?,
        kinds: if kinds.is_empty() {
            None
        } else {
            Some(parse_kinds(&kinds.join(","))?)
        },
    })
}

fn first_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)?
        .to_str()
        .ok()?
        .split(',')
        .next()
        .map(str::trim)
}

/// The site's absolute root, for links calendar apps must follow:
/// `--base-url`, else the forwarded host (only behind a trusted proxy),
/// else the Host header.
fn origin(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Option<String> {
    if let Some(base) = &state.base_url {
        return Some(base.clone());
    }
    let forwarded = state
        .trust_proxy
        .then(|| first_value(headers, "x-forwarded-host"))
        .flatten();
    let (proto, host) = match forwarded {
        Some(host) => {
            let proto = match first_value(headers, "x-forwarded-proto") {
                Some(p) if p.eq_ignore_ascii_case("https") => "https",
                _ => "http",
            };
            (proto, host)
        }
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| uri.authority().map(|a| a.as_str()))?;
            ("http", host)
        }
    };
    valid_host(host).then(|| format!("{proto}://{host}/"))
}

fn html(body: String, embeddable: bool) -> Response {
    let csp = if embeddable {
        layout::csp_embed()
    } else {
        layout::csp_page()
    };
    let mut resp = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Pages show "past" and "next up" from the clock.
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        ],
        body,
    )
        .into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    if !embeddable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}

fn bad_request(e: FilterError) -> Response {
    plain(StatusCode::BAD_REQUEST, e)
}

fn find_course(state: &AppState, id: &str) -> Result<Arc<Course>, Response> {
    let snap = state.snapshot.load();
    plausible_id(id)
        .then(|| snap.catalog.courses.get(id).cloned())
        .flatten()
        .ok_or_else(|| plain(StatusCode::NOT_FOUND, format!("unknown course `{id}`")))
}

/// Render a page of the current catalog for this request.
fn page(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    render: impl FnOnce(&Site, View) -> String,
) -> Result<String, Response> {
    let view = view(uri).map_err(bad_request)?;
    let snap = state.snapshot.load();
    let site = Site {
        catalog: &snap.catalog,
        mode: Mode::Serve,
        base: origin(state, uri, headers),
        now: Some(chrono::Utc::now()),
    };
    Ok(render(&site, view))
}

pub async fn index(State(state): State<Arc<AppState>>, uri: Uri, headers: HeaderMap) -> Response {
    match page(&state, &uri, &headers, pages::index) {
        Ok(body) => html(body, false),
        Err(resp) => resp,
    }
}

/// `/courses/<id>` (the feed route hands over names without `.ics`).
pub fn course(state: &AppState, id: &str, uri: &Uri, headers: &HeaderMap) -> Response {
    let c = match find_course(state, id) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match page(state, uri, headers, |site, view| {
        pages::course(site, view, &c)
    }) {
        Ok(body) => html(body, false),
        Err(resp) => resp,
    }
}

pub async fn embed(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let c = match find_course(&state, &id) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match page(&state, &uri, &headers, |site, view| {
        pages::embed(site, view, &c)
    }) {
        Ok(body) => html(body, true),
        Err(resp) => resp,
    }
}

/// `/courses/<id>/events/<uid>.ics`: a feed of one event.
pub async fn event(
    State(state): State<Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let c = match find_course(&state, &id) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Some(ev) = file
        .strip_suffix(".ics")
        .and_then(|uid| c.events.iter().find(|e| e.uid == uid))
    else {
        return plain(StatusCode::NOT_FOUND, format!("no such event in `{id}`"));
    };
    let zone = match view(&uri) {
        Ok(v) => v.zone.unwrap_or(Zone::Utc),
        Err(e) => return bad_request(e),
    };
    let one = single_event(&c, ev);
    let feed = crate::ics::render(&[&one], zone, KindSet::ALL);
    let r = Rendered::new(feed.body, feed.last_modified.map(SystemTime::from));
    respond(&r, &headers, None)
}

fn qr(state: &AppState, feed_path: &str, uri: &Uri, headers: &HeaderMap) -> Response {
    let v = match view(uri) {
        Ok(v) => v,
        Err(e) => return bad_request(e),
    };
    let variant = Variant {
        zone: v.zone.unwrap_or(Zone::Utc),
        kinds: v.kinds.unwrap_or(KindSet::ALL),
    };
    let Some(base) = origin(state, uri, headers) else {
        return plain(StatusCode::NOT_FOUND, "no absolute URL for this request");
    };
    let url = format!("{base}{feed_path}{}", variant.query());
    match qr::svg(&url) {
        Some(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=300"),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            svg,
        )
            .into_response(),
        None => plain(StatusCode::NOT_FOUND, "URL too long for a QR code"),
    }
}

pub async fn qr_course(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match find_course(&state, &id) {
        Ok(c) => qr(&state, &format!("courses/{}.ics", c.id), &uri, &headers),
        Err(resp) => resp,
    }
}

pub async fn qr_all(State(state): State<Arc<AppState>>, uri: Uri, headers: HeaderMap) -> Response {
    qr(&state, "calendar.ics", &uri, &headers)
}

pub async fn asset(Path(name): Path<String>) -> Response {
    match assets::get(&name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, assets::CACHE_CONTROL),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

/// `/courses/<id>/` → `/courses/<id>` (relative, so a path prefix added by
/// a proxy survives), keeping the query.
pub async fn drop_slash(uri: Uri) -> Response {
    let path = uri.path().trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or_default();
    let target = match uri.query() {
        Some(q) => format!("../{last}?{q}"),
        None => format!("../{last}"),
    };
    match HeaderValue::from_str(&target) {
        Ok(v) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, v)]).into_response(),
        Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
    }
}
