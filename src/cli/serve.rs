//! `coursecal serve`: the flags become a `ServeConfig`; the server does the rest.

use super::shared::{CliError, Schedules, State, base};
use crate::server::{DEFAULT_CACHE_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_WRITE_TIMEOUT_SECS};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub(super) struct Serve {
    #[command(flatten)]
    dir: Schedules,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "COURSECAL_ADDR", default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Byte budget of the in-memory cache of rendered feed variants.
    #[arg(long, env = "COURSECAL_CACHE_BYTES", default_value_t = DEFAULT_CACHE_BYTES)]
    cache_bytes: u64,
    /// Absolute URL of the site for links in pages (default: from each
    /// request's Host header).
    #[arg(long, env = "COURSECAL_BASE_URL")]
    base_url: Option<String>,
    /// Take the site's host and scheme from X-Forwarded-Host and
    /// X-Forwarded-Proto (only behind a proxy that sets them).
    #[arg(long)]
    trust_proxy: bool,
    /// Open connections at most; more are answered 503 and closed
    /// (also capped below the file descriptor limit).
    #[arg(long, env = "COURSECAL_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a client gets to send a request's headers; idle
    /// keep-alive connections are closed after the same time.
    #[arg(long, env = "COURSECAL_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a response may wait for a client that stopped reading;
    /// then its connection is closed (frees its slot and memory).
    #[arg(long, env = "COURSECAL_WRITE_TIMEOUT", default_value_t = DEFAULT_WRITE_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    write_timeout: u64,
    #[command(flatten)]
    state: State,
}

pub(super) fn run(args: Serve) -> Result<(), CliError> {
    let mut config = crate::ServeConfig::new(args.dir.schedules, args.addr);
    config.max_connections = args.max_connections;
    config.header_timeout = Duration::from_secs(args.header_timeout);
    config.write_timeout = Duration::from_secs(args.write_timeout);
    config.cache_bytes = args.cache_bytes;
    config.base_url = base(args.base_url)?;
    config.trust_proxy = args.trust_proxy;
    config.state = crate::history::state_dir(args.state.state);
    Ok(crate::serve(config)?)
}
