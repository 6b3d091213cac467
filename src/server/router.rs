//! Every route with its middleware.

use super::config::ServeConfig;
use super::state::AppState;
use super::{conformance, error, feeds, health, metrics, pages};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

async fn not_found() -> axum::response::Response {
    error::plain(StatusCode::NOT_FOUND, "not found")
}

/// All routes, with their middleware.
pub fn router(state: Arc<AppState>, config: &ServeConfig) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD])
        .expose_headers([
            axum::http::header::ETAG,
            axum::http::header::LAST_MODIFIED,
            axum::http::header::CONTENT_DISPOSITION,
        ]);
    Router::new()
        .route("/", get(pages::index))
        // Feeds (`<id>.ics`) and agenda pages (`<id>`) share this route.
        .route("/courses/{file}", get(feeds::course))
        .route("/courses/{id}/", get(pages::drop_slash))
        .route("/courses/{id}/embed", get(pages::embed))
        .route("/courses/{id}/embed/", get(pages::drop_slash))
        .route("/courses/{id}/events/{file}", get(pages::event))
        .route("/courses/{id}/qr.svg", get(pages::qr_course))
        .route("/qr.svg", get(pages::qr_all))
        .route("/assets/{file}", get(pages::asset))
        .route("/calendar.ics", get(feeds::calendar))
        .route("/changes.atom", get(feeds::changes))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .fallback(not_found)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(axum::middleware::from_fn_with_state(
                    state.metrics.clone(),
                    metrics::track,
                ))
                .layer(axum::middleware::from_fn(conformance::check))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    config.request_timeout,
                ))
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    config.max_concurrency,
                ))
                .layer(cors),
        )
        .with_state(state)
}
