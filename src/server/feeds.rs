//! Feed routes: `/courses/<id>.ics` and `/calendar.ics`.

use super::AppState;
use super::conditional::respond;
use crate::cache::{Rendered, render};
use crate::catalog::plausible_id;
use crate::filter::{Courses, FeedRequest, FilterError, parse_kinds, parse_zone};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// Query parameters of both feed routes; unknown ones are ignored (calendar
/// clients and trackers append their own).
#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    pub tz: Option<String>,
    pub kinds: Option<String>,
    pub courses: Option<String>,
    pub download: Option<String>,
}

pub fn plain(status: StatusCode, msg: impl std::fmt::Display) -> Response {
    (
        status,
        [("content-type", "text/plain; charset=utf-8")],
        format!("{msg}\n"),
    )
        .into_response()
}

fn filter_error(e: FilterError) -> Response {
    let status = match e {
        FilterError::UnknownCourse { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    plain(status, e)
}

fn wants_download(q: &FeedQuery) -> bool {
    matches!(q.download.as_deref(), Some("1" | "true" | "yes"))
}

fn request(courses: Courses, q: &FeedQuery) -> Result<FeedRequest, FilterError> {
    Ok(FeedRequest {
        courses,
        zone: parse_zone(q.tz.as_deref().unwrap_or("UTC"))?,
        kinds: parse_kinds(q.kinds.as_deref().unwrap_or(""))?,
    })
}

/// The warm path is a cache lookup; a miss renders off the async workers,
/// once per variant however many requests wait for it.
async fn rendered(state: &AppState, req: FeedRequest) -> Result<Arc<Rendered>, Response> {
    let snap = state.snapshot.load_full();
    let result = snap
        .cache
        .get_or_render(&req, || {
            let snap = snap.clone();
            let key = req.clone();
            async move {
                match tokio::task::spawn_blocking(move || render(&snap.catalog, &key)).await {
                    Ok(Ok(r)) => Ok(Arc::new(r)),
                    Ok(Err(e)) => Err(filter_error(e)),
                    Err(e) => {
                        tracing::error!(error = %e, "rendering task failed");
                        Err(plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
                    }
                }
            }
        })
        .await;
    match result {
        Ok((r, hit)) => {
            if hit {
                state.metrics.cache_hits.inc();
            } else {
                state.metrics.cache_misses.inc();
            }
            Ok(r)
        }
        Err(resp) => Err(resp),
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
        return super::pages::course(&state, &file, &uri, &headers);
    };
    let q = match Query::<FeedQuery>::try_from_uri(&uri) {
        Ok(Query(q)) => q,
        Err(rejection) => return rejection.into_response(),
    };
    let Some(id) = Some(id).filter(|id| plausible_id(id)) else {
        return plain(
            StatusCode::NOT_FOUND,
            format!("no such feed: /courses/{file}"),
        );
    };
    let req = match request(Courses::Some(vec![id.to_owned()]), &q) {
        Ok(r) => r,
        Err(e) => return filter_error(e),
    };
    match rendered(&state, req).await {
        Ok(r) => respond(
            &r,
            &headers,
            wants_download(&q).then_some(&format!("{id}.ics")),
        ),
        Err(resp) => resp,
    }
}

pub async fn calendar(
    State(state): State<Arc<AppState>>,
    Query(q): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let courses = Courses::parse(q.courses.as_deref().unwrap_or(""));
    if let Courses::Some(ids) = &courses
        && let Some(bad) = ids.iter().find(|id| !plausible_id(id))
    {
        return plain(StatusCode::NOT_FOUND, format!("unknown course `{bad}`"));
    }
    let req = match request(courses, &q) {
        Ok(r) => r,
        Err(e) => return filter_error(e),
    };
    match rendered(&state, req).await {
        Ok(r) => respond(&r, &headers, wants_download(&q).then_some("calendar.ics")),
        Err(resp) => resp,
    }
}
