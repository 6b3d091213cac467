//! Prometheus metrics and the middleware that records every request.

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabel, Histogram>,
    pub reloads: Counter,
    pub load_errors: Gauge,
    pub courses: Gauge,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
}

fn latency_histogram() -> Histogram {
    // 10 µs … ~5 s
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.000_01, 3.0, 13,
    ))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("coursecal");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency =
            Family::<RouteLabel, Histogram>::new_with_constructor(latency_histogram as fn() -> _);
        let reloads = Counter::default();
        let load_errors = Gauge::default();
        let courses = Gauge::default();
        let cache_hits = Counter::default();
        let cache_misses = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to produce a response",
            latency.clone(),
        );
        registry.register("reloads", "Schedule reloads", reloads.clone());
        registry.register(
            "load_errors",
            "Errors in the current schedules",
            load_errors.clone(),
        );
        registry.register("courses", "Courses being served", courses.clone());
        registry.register(
            "feed_cache_hits",
            "Feed variants served from cache",
            cache_hits.clone(),
        );
        registry.register(
            "feed_cache_misses",
            "Feed variants rendered",
            cache_misses.clone(),
        );
        registry.register(
            "compressions",
            "Feed encodings made, by level (fast on the request path, best in the background)",
            super::cache::compressions().clone(),
        );
        registry.register(
            "course_pieces_rendered",
            "Course pieces rendered for feeds of several courses (one per edited course, not per variant)",
            super::cache::pieces_rendered().clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            reloads,
            load_errors,
            courses,
            cache_hits,
            cache_misses,
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Longest request target accepted; feed URLs are short.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest total of request header bytes accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Count, time and guard every request.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let uri_len = req.uri().path().len() + req.uri().query().map_or(0, str::len);
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let response = if uri_len > MAX_URI_BYTES {
        super::error::plain(StatusCode::URI_TOO_LONG, "request URI too long")
    } else if header_len > MAX_HEADER_BYTES {
        super::error::plain(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request headers too large",
        )
    } else {
        next.run(req).await
    };
    let status = response.status().as_u16();
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route: route.clone(),
            status,
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabel { route })
        .observe(start.elapsed().as_secs_f64());
    response
}
