//! How `coursecal serve` runs: addresses, limits and timeouts.

use super::cache::DEFAULT_CACHE_BYTES;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Open connections at most, by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Seconds a blocked response write may wait for the client to read.
pub const DEFAULT_WRITE_TIMEOUT_SECS: u64 = 30;

#[derive(Debug, Clone)]
/// Everything `serve` needs; [`ServeConfig::new`] gives the defaults.
///
/// # Examples
///
/// ```
/// let mut config = coursecal::ServeConfig::new("schedules".into(), "127.0.0.1:0".parse().unwrap());
/// config.base_url = Some("https://cal.example.edu/".into());
/// assert_eq!(config.addr.port(), 0);
/// ```
pub struct ServeConfig {
    /// Directory of schedule files (watched).
    pub schedules: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    pub addr: SocketAddr,
    /// Byte budget of the cache of rendered feeds and pages.
    pub cache_bytes: u64,
    /// Requests handled at once; more wait (bounded by the OS backlog).
    pub max_concurrency: usize,
    /// Longest a request may take before a 503.
    pub request_timeout: Duration,
    /// Time a client gets to send a whole request head (slowloris guard).
    pub header_timeout: Duration,
    /// Time a response write may stay blocked (a client that stopped
    /// reading) before the connection is closed.
    pub write_timeout: Duration,
    /// Open connections at most; more are answered 503 and closed.
    pub max_connections: usize,
    /// Debounce of the schedule watcher.
    pub debounce: Duration,
    /// Absolute root for links in pages (`--base-url`), normalised to end
    /// in `/`; without it, taken from each request's Host.
    pub base_url: Option<String>,
    /// Believe `X-Forwarded-Host`/`-Proto` (only behind our own proxy).
    pub trust_proxy: bool,
    /// State directory: the history journal when the schedules are not in
    /// git (`None`: no journal).
    pub state: Option<PathBuf>,
}

impl ServeConfig {
    /// The defaults, serving `schedules` on `addr`.
    pub fn new(schedules: PathBuf, addr: SocketAddr) -> Self {
        ServeConfig {
            schedules,
            addr,
            cache_bytes: DEFAULT_CACHE_BYTES,
            max_concurrency: 1024,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(DEFAULT_WRITE_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            debounce: Duration::from_millis(250),
            base_url: None,
            trust_proxy: false,
            state: None,
        }
    }
}
