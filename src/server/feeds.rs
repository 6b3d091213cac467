//! Feed routes: `/courses/<id>.ics` and `/calendar.ics`.

use super::AppState;
use super::conditional::{Sending, respond};
use super::query::{self, Params, QueryError};
use crate::cache::{CacheKey, Rendered, render};
use crate::catalog::plausible_id;
use crate::filter::{Courses, FeedRequest, FilterError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A plain-text answer (errors, mostly). `nosniff`: the body may quote the
/// request, and must never be taken for HTML.
pub fn plain(status: StatusCode, msg: impl std::fmt::Display) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        format!("{msg}\n"),
    )
        .into_response()
}

pub fn filter_error(e: FilterError) -> Response {
    let status = match e {
        FilterError::UnknownCourse { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    plain(status, e)
}

/// The query of any feed or page route, by the one rule of [`query`].
pub fn params(uri: &Uri) -> Result<Params, Response> {
    query::parse(uri.query()).map_err(|e| match e {
        QueryError::Filter(e) => filter_error(e),
        e => plain(StatusCode::BAD_REQUEST, e),
    })
}

/// The warm path is a cache lookup; a miss renders off the async workers,
/// once per key however many requests wait for it.
pub async fn cached<F>(state: &AppState, key: CacheKey, make: F) -> Result<Arc<Rendered>, Response>
where
    F: FnOnce(&super::Snapshot) -> Result<Rendered, Response> + Send + 'static,
{
    let snap = state.snapshot.load_full();
    let result = snap
        .cache
        .get_or_render(&key, || {
            let snap = snap.clone();
            async move {
                match tokio::task::spawn_blocking(move || make(&snap)).await {
                    Ok(Ok(r)) => Ok(Arc::new(r)),
                    Ok(Err(resp)) => Err(resp),
                    Err(e) => {
                        tracing::error!(error = %e, "rendering task failed");
                        Err(plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
                    }
                }
            }
        })
        .await;
    let (r, hit) = result?;
    if hit {
        state.metrics.cache_hits.inc();
    } else {
        state.metrics.cache_misses.inc();
    }
    Ok(r)
}

async fn rendered(state: &AppState, req: FeedRequest) -> Result<Arc<Rendered>, Response> {
    let key = req.clone();
    cached(state, CacheKey::Feed(key), move |snap| {
        render(&snap.catalog, &req, snap.stamp).map_err(filter_error)
    })
    .await
}

fn request(courses: Courses, p: &Params) -> FeedRequest {
    FeedRequest {
        courses,
        zone: p.zone_or_utc(),
        kinds: p.kinds_or_all(),
    }
}

/// `/courses/<id>.ics`; any other name is the agenda page `/courses/<id>`.
pub async fn course(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(id) = file.strip_suffix(".ics") else {
        return super::pages::course(&state, &file, &uri, &headers).await;
    };
    let p = match params(&uri) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    if !plausible_id(id) {
        return plain(
            StatusCode::NOT_FOUND,
            format!("no such feed: /courses/{}", crate::filter::quoted(&file)),
        );
    }
    let req = request(Courses::Some(vec![id.to_owned()]), &p);
    let name = format!("{id}.ics");
    match rendered(&state, req).await {
        Ok(r) => respond(&r, &headers, Sending::feed(p.download.then_some(&name))),
        Err(resp) => resp,
    }
}

pub async fn calendar(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let p = match params(&uri) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let courses = p.courses();
    if let Courses::Some(ids) = &courses
        && let Some(bad) = ids.iter().find(|id| !plausible_id(id))
    {
        return plain(
            StatusCode::NOT_FOUND,
            format!("unknown course `{}`", crate::filter::quoted(bad)),
        );
    }
    let req = request(courses, &p);
    match rendered(&state, req).await {
        Ok(r) => respond(
            &r,
            &headers,
            Sending::feed(p.download.then_some("calendar.ics")),
        ),
        Err(resp) => resp,
    }
}
