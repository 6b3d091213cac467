//! `coursecal serve`: the HTTP server. Feeds are rendered once per variant
//! and catalog version and served from memory; schedule files are watched
//! and reloaded without a restart.

pub(crate) mod cache;
pub(crate) mod conditional;
pub(crate) mod config;
pub(crate) mod conformance;
pub(crate) mod error;
pub(crate) mod feeds;
pub(crate) mod health;
pub(crate) mod listen;
pub(crate) mod metrics;
pub(crate) mod pages;
pub(crate) mod rendered;
pub(crate) mod router;
pub(crate) mod slots;
pub(crate) mod state;
pub(crate) mod watch;
pub(crate) mod write_timeout;

pub use cache::DEFAULT_CACHE_BYTES;
pub use config::{DEFAULT_MAX_CONNECTIONS, DEFAULT_WRITE_TIMEOUT_SECS, ServeConfig};
pub use listen::{ServeError, Server, serve};
pub use router::router;
pub use state::AppState;
