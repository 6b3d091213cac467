//! What every request reads: the current catalog with its cache (swapped
//! whole on reload), the metrics and the settings links depend on.

use super::cache::{CacheKey, FeedCache, Rendered, off_workers};
use super::config::ServeConfig;
use super::error::HttpError;
use super::metrics;
use crate::catalog::{Catalog, Loader};
use arc_swap::ArcSwap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// One loaded catalog with its feed cache; replaced whole on reload.
pub struct Snapshot {
    pub catalog: Catalog,
    pub cache: FeedCache,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Where history comes from ("git", "journal <path>"), if anywhere.
    pub history: Option<String>,
    pub generation: u64,
    pub loaded_at: SystemTime,
    /// `Last-Modified` of everything rendered from this version: whole
    /// seconds, later than the previous version's and than any `Date` sent
    /// before it was swapped in. `course.updated` cannot serve: an edit
    /// need not move it, and changed bytes must never earn a 304.
    pub stamp: SystemTime,
}

/// The stamp of a catalog version swapped in now (see [`Snapshot::stamp`]).
fn next_stamp(previous: Option<SystemTime>) -> SystemTime {
    let secs = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    let after = |t: Option<SystemTime>| t.map_or(0, |t| secs(t).saturating_add(1));
    let at = after(Some(SystemTime::now())).max(after(previous));
    SystemTime::UNIX_EPOCH + Duration::from_secs(at)
}

/// What every request reads.
pub struct AppState {
    /// The current catalog and its cache, swapped whole on reload.
    pub snapshot: ArcSwap<Snapshot>,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    loader: Mutex<Loader>,
    cache_bytes: u64,
    /// `--base-url`, normalised to end in `/`.
    pub base_url: Option<String>,
    /// Believe `X-Forwarded-Host`/`-Proto` (last value).
    pub trust_proxy: bool,
}

impl AppState {
    /// Load the schedules (whatever is valid) and build the state.
    pub fn load(config: &ServeConfig) -> Arc<Self> {
        let state = Arc::new(AppState {
            snapshot: ArcSwap::from_pointee(Snapshot {
                catalog: Catalog::default(),
                cache: FeedCache::new(config.cache_bytes),
                errors: Vec::new(),
                warnings: Vec::new(),
                history: None,
                generation: 0,
                loaded_at: SystemTime::now(),
                stamp: next_stamp(None),
            }),
            metrics: Arc::new(metrics::Metrics::new()),
            loader: Mutex::new(
                Loader::new(&config.schedules).with_history(config.state.as_deref()),
            ),
            cache_bytes: config.cache_bytes,
            base_url: config.base_url.clone(),
            trust_proxy: config.trust_proxy,
        });
        state.reload();
        state
    }

    /// Re-read changed schedule files and swap the catalog in atomically.
    /// Files that became invalid keep their last good version.
    pub fn reload(&self) {
        let started = std::time::Instant::now();
        let report = match self.loader.lock() {
            Ok(mut loader) => loader.reload(),
            Err(poisoned) => poisoned.into_inner().reload(),
        };
        let previous = self.snapshot.load();
        if !report.changed {
            // Spurious event (e.g. our own reads): keep the warm cache.
            return;
        }
        for e in &report.errors {
            tracing::warn!(error = %e.short(), "schedule error");
        }
        for e in &report.history_errors {
            tracing::error!(error = %e, "history unavailable; feeds served without it");
        }
        let (cache, kept) = previous
            .cache
            .carried_over(&report.catalog, self.cache_bytes);
        let snapshot = Snapshot {
            errors: report.errors.iter().map(|d| d.short()).collect(),
            warnings: report
                .warnings
                .iter()
                .map(|d| d.short())
                .chain(report.history_errors.iter().cloned())
                .collect(),
            history: report.history.clone(),
            catalog: report.catalog,
            cache,
            generation: previous.generation + 1,
            loaded_at: SystemTime::now(),
            stamp: next_stamp(Some(previous.stamp)),
        };
        self.metrics.reloads.inc();
        self.metrics.load_errors.set(snapshot.errors.len() as i64);
        self.metrics
            .courses
            .set(snapshot.catalog.courses.len() as i64);
        tracing::info!(
            courses = snapshot.catalog.courses.len(),
            errors = snapshot.errors.len(),
            reread = report.reread,
            cached_kept = kept,
            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
            generation = snapshot.generation,
            "schedules loaded"
        );
        self.snapshot.store(Arc::new(snapshot));
    }
}

/// The warm path is a cache lookup; a miss renders off the async workers,
/// once per key however many requests wait for it, holding a cold slot. A
/// request dropped while it waits (its client gone, or past the request
/// timeout) gives back what it holds (its place in a queue, its turn, the
/// key's guard) before it queues any work; a render it started keeps its
/// slot until it ends.
pub async fn cached<F>(state: &AppState, key: CacheKey, make: F) -> Result<Arc<Rendered>, HttpError>
where
    F: FnOnce(&Snapshot) -> Result<Rendered, HttpError> + Send + 'static,
{
    let snap = state.snapshot.load_full();
    let result = snap
        .cache
        .get_or_render(
            &key,
            |slot| {
                let snap = snap.clone();
                let key = key.clone();
                async move {
                    let made = off_workers(move || {
                        // Held until the render is over, even if the
                        // request is cancelled first (see `get_or_render`).
                        let _slot = slot;
                        let mut r = make(&snap)?;
                        // Unchanged bytes keep the encodings already made.
                        if let Some(earlier) = snap.cache.take_earlier(&key) {
                            r.adopt_encodings(&earlier);
                        }
                        Ok(r)
                    });
                    match made.await {
                        // Encodings are made when asked for (see `Rendered::encoded`).
                        Some(Ok(r)) => Ok(Arc::new(r)),
                        Some(Err(resp)) => Err(resp),
                        None => {
                            tracing::error!("rendering task failed");
                            Err(HttpError::Internal)
                        }
                    }
                }
            },
            || {
                tracing::error!("the cold slots are closed");
                HttpError::Internal
            },
        )
        .await;
    let (r, hit) = result?;
    if hit {
        state.metrics.cache_hits.inc();
    } else {
        state.metrics.cache_misses.inc();
    }
    Ok(r)
}
