//! HTML routes: `/`, `/courses/<id>`, `/courses/<id>/embed`, per-event
//! feeds, QR codes and `/assets/*`. The HTML itself comes from
//! [`crate::site`], shared with `coursecal build`.

use super::cache::{CacheKey, Rendered};
use super::conditional::{Sending, respond};
use super::error::{HttpError, plain};
use super::state::AppState;
use super::state::cached;
use crate::model::Course;
use crate::model::ids::is_course_id as plausible_id;
use crate::model::suggest::quoted;
use crate::model::{KindSet, Variant};
use crate::site::links::valid_host;
use crate::site::query::{Params, parse};
use crate::site::render::{self, PageOf};
use crate::site::{Client, Mode, Site, assets, layout, qr};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The last value of a header that may be a list over several lines.
fn last_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(name)
        .iter()
        .next_back()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()
        .map(str::trim)
}

/// The site's absolute root for links calendar apps must follow, and the
/// request headers it was taken from (for `Vary`).
pub struct Origin {
    pub base: Option<String>,
    pub vary: &'static str,
}

/// `--base-url`, else the forwarded host (only behind a trusted proxy),
/// else the request target's authority (absolute-form, RFC 9112 §3.2.2),
/// else the Host header.
pub fn origin(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Origin {
    if let Some(base) = &state.base_url {
        return Origin {
            base: Some(base.clone()),
            vary: "",
        };
    }
    // A proxy that appends to X-Forwarded-Host puts its own value last:
    // earlier ones came from the client.
    let forwarded = state
        .trust_proxy
        .then(|| last_value(headers, "x-forwarded-host"))
        .flatten();
    let (proto, host, vary) = match forwarded {
        Some(host) => {
            let proto = match last_value(headers, "x-forwarded-proto") {
                Some(p) if p.eq_ignore_ascii_case("https") => "https",
                _ => "http",
            };
            (proto, host, "X-Forwarded-Host, X-Forwarded-Proto")
        }
        None => {
            let host = uri
                .authority()
                .map(|a| a.as_str())
                .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()));
            let proto = match uri.scheme_str() {
                Some(s) if s.eq_ignore_ascii_case("https") => "https",
                _ => "http",
            };
            (proto, host.unwrap_or_default(), "Host")
        }
    };
    Origin {
        base: valid_host(host).then(|| format!("{proto}://{host}/")),
        vary,
    }
}

fn find_course(state: &AppState, id: &str) -> Result<Arc<Course>, HttpError> {
    let snap = state.snapshot.load();
    plausible_id(id)
        .then(|| snap.catalog.courses.get(id).cloned())
        .flatten()
        .ok_or_else(|| HttpError::unknown_course(id))
}

/// Which page a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Course,
    Embed,
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::Index => "index",
            Route::Course => "course",
            Route::Embed => "embed",
        }
    }
}

/// A page of the current catalog, rendered once per (page, view, origin)
/// until the clock passes one of its dates, and shared by every reader.
async fn page(
    state: &AppState,
    route: Route,
    course: Option<&str>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    let p = parse(uri.query())?;
    let origin = origin(state, uri, headers);
    let Params { variant, .. } = p;
    let client = Client::from_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let key = CacheKey::Page {
        route: route.name(),
        course: course.map(str::to_owned),
        variant,
        base: origin.base.clone(),
        android: client == Client::Android,
    };
    let id = course.map(str::to_owned);
    let base = origin.base.clone();
    let rendered = cached(state, key, move |snap| {
        let now = chrono::Utc::now();
        let site = Site {
            catalog: &snap.catalog,
            mode: Mode::Serve,
            base,
            now: Some(now),
            client,
        };
        let course = match &id {
            Some(id) => Some(
                snap.catalog
                    .courses
                    .get(id.as_str())
                    .ok_or_else(|| HttpError::unknown_course(id))?,
            ),
            None => None,
        };
        let of = match (route, course) {
            (Route::Course, Some(c)) => PageOf::Course(c),
            (Route::Embed, Some(c)) => PageOf::Embed(c),
            _ => PageOf::Index,
        };
        Ok(Rendered::page(render::page(&site, of, variant)))
    })
    .await?;
    // The Google button differs on Android (the key holds only that bit).
    let vary = match origin.vary {
        "" => "User-Agent".to_owned(),
        v => format!("{v}, User-Agent"),
    };
    respond(&rendered, headers, html(route == Route::Embed, &vary)).await
}

/// How pages are sent.
fn html(embeddable: bool, vary: &str) -> Sending<'_> {
    let csp = if embeddable {
        layout::csp_embed()
    } else {
        layout::csp_page()
    };
    let mut extra = vec![
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
    ];
    if let Ok(v) = HeaderValue::from_str(&csp) {
        extra.push((header::CONTENT_SECURITY_POLICY, v));
    }
    if !embeddable {
        extra.push((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    }
    Sending {
        content_type: "text/html; charset=utf-8",
        // Pages show "past" and "next up" from the clock: revalidate (the
        // ETag makes that a 304 while nothing changed).
        cache_control: "no-cache",
        vary,
        filename: None,
        extra,
    }
}

/// `/`: the course list.
pub async fn index(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    page(&state, Route::Index, None, &uri, &headers).await
}

/// `/courses/<id>` (the feed route hands over names without `.ics`).
pub async fn course(
    state: &AppState,
    id: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    let c = find_course(state, id)?;
    page(state, Route::Course, Some(&c.id), uri, headers).await
}

/// `/courses/<id>/embed`: the widget.
pub async fn embed(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let c = find_course(&state, &id)?;
    page(&state, Route::Embed, Some(&c.id), &uri, &headers).await
}

/// `/courses/<id>/events/<uid>.ics`: a feed of one event.
pub async fn event(
    State(state): State<Arc<AppState>>,
    Path((id, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let c = find_course(&state, &id)?;
    let variant = Variant {
        kinds: KindSet::ALL,
        ..parse(uri.query())?.variant
    }
    .for_feed();
    let uid = file
        .strip_suffix(".ics")
        .ok_or_else(|| HttpError::NotFound(format!("no such event in `{}`", quoted(&id))))?
        .to_owned();
    let key = CacheKey::Event {
        course: c.id.to_string(),
        uid: uid.clone(),
        variant,
    };
    let course_id = id.clone();
    let rendered = cached(&state, key, move |snap| {
        // The course of this very snapshot (with the reader's run, its
        // events carry the run's UIDs).
        let original = snap
            .catalog
            .courses
            .get(course_id.as_str())
            .ok_or_else(|| HttpError::unknown_course(&course_id))?;
        let made = render::event_feed(original, &uid, variant).ok_or_else(|| {
            HttpError::NotFound(format!("no such event in `{}`", quoted(&course_id)))
        })?;
        Ok(Rendered::feed(made, snap.stamp))
    })
    .await?;
    respond(&rendered, &headers, Sending::feed(None)).await
}

fn qr(
    state: &AppState,
    feed_path: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    let variant = parse(uri.query())?.variant;
    let origin = origin(state, uri, headers);
    let Some(base) = &origin.base else {
        return Err(HttpError::NotFound(
            "no absolute URL for this request".into(),
        ));
    };
    let url = format!("{base}{feed_path}{}", variant.query());
    let Some(svg) = qr::svg(&url) else {
        return Err(HttpError::NotFound("URL too long for a QR code".into()));
    };
    // The code encodes a URL built from the request's headers unless
    // `--base-url` fixes it: then no shared cache may keep it for others.
    let cache_control = if origin.vary.is_empty() {
        "public, max-age=300"
    } else {
        "private, max-age=300"
    };
    let mut resp = (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, cache_control),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        svg,
    )
        .into_response();
    if !origin.vary.is_empty() {
        resp.headers_mut()
            .insert(header::VARY, HeaderValue::from_static(origin.vary));
    }
    Ok(resp)
}

/// `/courses/<id>/qr.svg`: the QR code of a course feed.
pub async fn qr_course(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let c = find_course(&state, &id)?;
    qr(&state, &format!("courses/{}.ics", c.id), &uri, &headers)
}

/// `/qr.svg`: the QR code of the merged feed.
pub async fn qr_all(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
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
