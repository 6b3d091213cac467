//! Watching the schedules directory: debounced file events call `on_change`
//! (the server reloads its catalog there; a file that breaks keeps its last
//! good version, see `catalog::Loader`). It knows nothing of the server.

use notify_debouncer_mini::{DebounceEventResult, new_debouncer, notify::RecursiveMode};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The directory could not be watched.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch {}: {message}", path.display())]
pub struct WatchError {
    pub path: PathBuf,
    pub message: String,
}

/// The watcher stops when this is dropped.
pub type Watcher =
    notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>;

pub fn watch(
    dir: &Path,
    debounce: Duration,
    on_change: impl Fn() + Send + 'static,
) -> Result<Watcher, WatchError> {
    let err = |e: notify_debouncer_mini::notify::Error| WatchError {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut debouncer = new_debouncer(debounce, move |res: DebounceEventResult| match res {
        Ok(events) if !events.is_empty() => on_change(),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "watch error; reloading to be safe");
            on_change();
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
