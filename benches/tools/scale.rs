//! One row of the scaling table, measured through the library's real paths.
//!
//!     cargo run --release --example scale -- SCHEDULES_DIR
//!
//! Prints: courses, events, load (s), RSS after load (MB), cold render of the
//! merged feed (s, bytes), reload after touching one file (ms, files re-read).

use coursecal::FeedRequest;
use coursecal::Loader;
use std::time::{Duration, Instant, SystemTime};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: scale SCHEDULES_DIR");
        std::process::exit(2);
    };
    let mut loader = Loader::new(&dir);
    let t = Instant::now();
    let report = loader.reload();
    let load = t.elapsed();
    assert!(report.errors.is_empty(), "{:?}", report.errors.first());
    let courses = report.catalog.courses.len();
    let events: usize = report
        .catalog
        .courses
        .values()
        .map(|c| c.events.len())
        .sum();
    let rss = rss_mb();

    let t = Instant::now();
    let feed = coursecal::feed(&report.catalog, &FeedRequest::default()).map(|f| f.body.len());
    let render = t.elapsed();

    // Touch one schedule (a newer mtime), then reload: only it is re-read.
    let first = report
        .catalog
        .courses
        .keys()
        .next()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let path = std::path::Path::new(&dir).join(format!("{first}.yaml"));
    let file = std::fs::OpenOptions::new().append(true).open(&path);
    if let Ok(f) = file {
        let _ = f.set_modified(SystemTime::now() + Duration::from_secs(1));
    }
    let t = Instant::now();
    let again = loader.reload();
    let reload = t.elapsed();

    println!(
        "{courses} {events} {:.3} {:.0} {:.3} {} {:.1} {}",
        load.as_secs_f64(),
        rss,
        render.as_secs_f64(),
        feed.unwrap_or(0),
        reload.as_secs_f64() * 1e3,
        again.reread
    );
}
