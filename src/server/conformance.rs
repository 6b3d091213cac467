//! Requests RFC 9112 / 9110 say a server must refuse, checked before any
//! route sees them: several `Host` lines or none in HTTP/1.1 (links and
//! QR codes are built from it), an unusable `Host`, and methods we do not
//! serve — `OPTIONS` only as a CORS preflight.

use super::error::HttpError;
use crate::site::links::valid_host;
use axum::extract::Request;
use axum::http::{Method, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn check(req: Request, next: Next) -> Response {
    if let Err(e) = conforms(&req) {
        return e.into_response();
    }
    next.run(req).await
}

fn conforms(req: &Request) -> Result<(), HttpError> {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Err(HttpError::BadRequest(
            "more than one Host header (RFC 9112 §3.2)",
        ));
    }
    match host {
        None if req.version() == Version::HTTP_11 => {
            return Err(HttpError::BadRequest(
                "HTTP/1.1 request without a Host header (RFC 9112 §3.2)",
            ));
        }
        Some(h) if !h.to_str().is_ok_and(valid_host) => {
            return Err(HttpError::BadRequest(
                "invalid Host header: expected a host name or address and an optional port",
            ));
        }
        _ => {}
    }
    let method = req.method();
    let preflight = method == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if method != Method::GET && method != Method::HEAD && !preflight {
        return Err(HttpError::MethodNotAllowed(method.as_str().to_owned()));
    }
    Ok(())
}
