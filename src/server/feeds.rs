//! Feed routes: `/courses/<id>.ics` and `/calendar.ics`.

use super::cache::{CacheKey, Rendered, render};
use super::conditional::{Sending, respond};
use super::error::{filter_error, plain};
use super::query::{Params, params};
use super::state::AppState;
use super::state::cached;
use crate::model::ids::is_course_id as plausible_id;
use crate::model::{Courses, FeedRequest};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use std::sync::Arc;

async fn rendered(state: &AppState, req: FeedRequest) -> Result<Arc<Rendered>, Response> {
    let key = req.clone();
    cached(state, CacheKey::Feed(key), move |snap| {
        render(&snap.catalog, &req, snap.stamp).map_err(filter_error)
    })
    .await
}

fn request(courses: Courses, p: &Params) -> FeedRequest {
    FeedRequest::new(courses, p.variant)
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
            format!(
                "no such feed: /courses/{}",
                crate::model::suggest::quoted(&file)
            ),
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
            format!("unknown course `{}`", crate::model::suggest::quoted(bad)),
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
