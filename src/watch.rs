//! Watching the schedules directory: debounced file events trigger a reload;
//! a file that breaks keeps its last good version (see `catalog::Loader`).

use crate::server::{AppState, ServeError};
use notify_debouncer_mini::{DebounceEventResult, new_debouncer, notify::RecursiveMode};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The watcher stops when this is dropped.
pub type Watcher =
    notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>;

pub fn watch(state: Arc<AppState>, dir: &Path, debounce: Duration) -> Result<Watcher, ServeError> {
    let err = |e: notify_debouncer_mini::notify::Error| ServeError::Watch {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut debouncer = new_debouncer(debounce, move |res: DebounceEventResult| match res {
        Ok(events) if !events.is_empty() => state.reload(),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "watch error; reloading to be safe");
            state.reload();
        }
    })
    .map_err(err)?;
    // Recursive: OCW metadata files live in a subdirectory.
    debouncer
        .watcher()
        .watch(dir, RecursiveMode::Recursive)
        .map_err(err)?;
    Ok(debouncer)
}
