//! What goes wrong with a request, and the plain-text answer each gets:
//! one error type for the HTTP layer, turned into a response at the edge.

use crate::model::RequestError;
use crate::model::suggest::quoted;
use crate::site::query::QueryError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A request we refuse.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The query string breaks the one URL rule (400).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// An unknown zone or kind (400) or course (404).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// Nothing here (404); the text says what was looked for.
    #[error("{0}")]
    NotFound(String),
    /// A malformed request (400), e.g. two `Host` headers.
    #[error("{0}")]
    BadRequest(&'static str),
    /// Only GET and HEAD (and CORS preflights) are served (405).
    #[error("method {} not allowed: use GET or HEAD", quoted(.0))]
    MethodNotAllowed(String),
    /// A bug (500); logged where it happened.
    #[error("internal error")]
    Internal,
}

impl HttpError {
    /// `unknown course `<id>`` (404).
    pub fn unknown_course(id: &str) -> HttpError {
        HttpError::NotFound(format!("unknown course `{}`", quoted(id)))
    }

    fn status(&self) -> StatusCode {
        match self {
            HttpError::Query(QueryError::Filter(RequestError::UnknownCourse { .. }))
            | HttpError::Request(RequestError::UnknownCourse { .. })
            | HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::Query(_) | HttpError::Request(_) | HttpError::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            HttpError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut resp = plain(self.status(), &self);
        if matches!(self, HttpError::MethodNotAllowed(_)) {
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        resp
    }
}

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
