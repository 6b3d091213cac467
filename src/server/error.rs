//! Plain-text error answers, and how request errors map to status codes.

use crate::model::RequestError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

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

pub fn filter_error(e: RequestError) -> Response {
    let status = match e {
        RequestError::UnknownCourse { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    plain(status, e)
}
