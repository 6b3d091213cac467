//! `coursecal serve`: the HTTP server. Feeds are rendered once per variant
//! and catalog version and served from memory; schedule files are watched
//! and reloaded without a restart.

pub mod cache;
pub mod conditional;
pub mod config;
pub mod conformance;
pub mod error;
pub mod feeds;
pub mod health;
pub mod listen;
pub mod metrics;
pub mod pages;
pub mod query;
pub mod router;
pub mod state;
pub mod watch;
pub mod write_timeout;

pub use config::{DEFAULT_MAX_CONNECTIONS, DEFAULT_WRITE_TIMEOUT_SECS, ServeConfig};
pub use listen::{ServeError, Server, run, serve};
pub use router::router;
pub use state::{AppState, Snapshot};
