//! Feed routes: `/courses/<id>.ics` and `/calendar.ics`.

use super::cache::{CacheKey, Rendered};
use super::conditional::{Sending, respond};
use super::error::HttpError;
use super::state::AppState;
use super::state::cached;
use crate::model::ids::is_course_id as plausible_id;
use crate::model::suggest::quoted;
use crate::model::{Courses, FeedRequest};
use crate::site::query::{Params, parse};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::sync::Arc;

async fn rendered(state: &AppState, req: FeedRequest) -> Result<Arc<Rendered>, HttpError> {
    let key = req.clone();
    cached(state, CacheKey::Feed(key), move |snap| {
        let pieces = |c: &Arc<crate::model::Course>, of: &crate::ics::PieceOf| {
            snap.cache.pieces().get(c, of)
        };
        let made = crate::site::render::feed_made(&snap.catalog, &req, &pieces)?;
        Ok(Rendered::feed(made, snap.stamp))
    })
    .await
}

fn request(courses: Courses, p: &Params) -> FeedRequest {
    FeedRequest::new(courses, p.variant)
}

/// `courses=` of a merged feed: 404 naming the first id no course can have.
fn merged_courses(p: &Params) -> Result<Courses, HttpError> {
    let courses = p.courses();
    if let Courses::Some(ids) = &courses
        && let Some(bad) = ids.iter().find(|id| !plausible_id(id))
    {
        return Err(HttpError::unknown_course(bad));
    }
    Ok(courses)
}

/// `/courses/<file>` names a feed of course `id` only if a course can
/// have that id: else 404.
fn feed_of(id: &str, file: &str) -> Result<(), HttpError> {
    match plausible_id(id) {
        true => Ok(()),
        false => Err(HttpError::NotFound(format!(
            "no such feed: /courses/{}",
            quoted(file)
        ))),
    }
}

/// `/courses/<id>.ics`; any other name is the agenda page `/courses/<id>`.
pub async fn course(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    if let Some(id) = file.strip_suffix(".atom") {
        feed_of(id, &file)?;
        let p = parse(uri.query())?;
        let req = request(Courses::Some(vec![id.to_owned()]), &p);
        return changes_feed(&state, req, false, &headers).await;
    }
    let Some(id) = file.strip_suffix(".ics") else {
        return super::pages::course(&state, &file, &uri, &headers).await;
    };
    let p = parse(uri.query())?;
    feed_of(id, &file)?;
    let req = request(Courses::Some(vec![id.to_owned()]), &p);
    // Named only for a download (not on every request).
    let name = p.download.then(|| format!("{id}.ics"));
    let r = rendered(&state, req).await?;
    respond(&r, &headers, Sending::feed(name.as_deref())).await
}

/// `/calendar.ics`: the merged feed of `courses=` (default all).
pub async fn calendar(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let p = parse(uri.query())?;
    let courses = merged_courses(&p)?;
    let req = request(courses, &p);
    let r = rendered(&state, req).await?;
    respond(
        &r,
        &headers,
        Sending::feed(p.download.then_some("calendar.ics")),
    )
    .await
}

/// `/changes.atom`: the merged change feed of `courses=` (default all).
pub async fn changes(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let p = parse(uri.query())?;
    let courses = merged_courses(&p)?;
    changes_feed(&state, request(courses, &p), true, &headers).await
}

/// A change feed (Atom), cached and conditional like the calendar feeds.
/// Its links are relative unless `--base-url` fixes the site's address:
/// replicas then send the same bytes and ETags whatever Host they are
/// reached by.
async fn changes_feed(
    state: &AppState,
    req: FeedRequest,
    merged: bool,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    // A change feed lists what a course team changed: a learner's own run
    // and reminders change nothing in it. Refused rather than ignored, so
    // a self link never claims a run the content does not show, and each
    // new value cannot cost a cold render.
    if req.variant.shift.is_some() || req.variant.alarms != crate::model::Alarms::default() {
        return Err(HttpError::BadRequest(
            "a change feed takes no `start=`, `pace=` or `alarm=` (they shape a calendar, not what changed): use `courses=`, `tz=` and `kinds=`",
        ));
    }
    let base = state.base_url.clone();
    let key = CacheKey::Changes {
        req: req.clone(),
        merged,
        base: base.clone(),
    };
    let r = cached(state, key, move |snap| {
        let made = crate::site::render::changes_made(&snap.catalog, &req, merged, base.as_deref())?;
        Ok(Rendered::feed(made, snap.stamp))
    })
    .await?;
    let mut how = Sending::feed(None);
    how.content_type = "application/atom+xml; charset=utf-8";
    respond(&r, headers, how).await
}
