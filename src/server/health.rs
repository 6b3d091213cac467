//! `/healthz` (what is loaded and what is broken) and `/metrics`.

use super::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let snap = state.snapshot.load();
    let courses: Vec<_> = snap
        .catalog
        .courses
        .values()
        .map(|c| {
            json!({
                "id": c.id.as_str(),
                "number": c.number,
                "title": c.title,
                "events": c.events.len(),
            })
        })
        .collect();
    let status = if snap.errors.is_empty() {
        "ok"
    } else {
        "degraded"
    };
    let loaded_at = httpdate::fmt_http_date(snap.loaded_at);
    Json(json!({
        "status": status,
        "generation": snap.generation,
        "loaded_at": loaded_at,
        "courses": courses,
        "errors": snap.errors,
        "warnings": snap.warnings,
        "history": snap.history,
        "cached_variants": snap.cache.len(),
        // What the cache holds, as it counts it against `--cache-bytes`.
        "cached_bytes": snap.cache.weight(),
    }))
    .into_response()
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}
