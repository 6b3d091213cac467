//! Arbitrary request targets through the real router (feeds, health,
//! fallback). Invariants: no panic, never a 5xx, feeds only with 200/304.
#![no_main]

use axum::body::Body;
use axum::http::Request;
use coursecal::ServeConfig;
use coursecal::testing::{AppState, router};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

fn app() -> &'static (axum::Router, tokio::runtime::Runtime) {
    static APP: OnceLock<(axum::Router, tokio::runtime::Runtime)> = OnceLock::new();
    APP.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schedules");
        let config = ServeConfig::new(dir, "127.0.0.1:0".parse().unwrap());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let state: Arc<AppState> = AppState::load(&config);
        (router(state, &config), rt)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    let (app, rt) = app();
    let Ok(req) = Request::builder().uri(format!("/{target}")).body(Body::empty()) else {
        return;
    };
    let resp = rt.block_on(app.clone().oneshot(req)).unwrap();
    let status = resp.status().as_u16();
    assert!(status < 500 || status == 503, "{status} for {target:?}");
});
