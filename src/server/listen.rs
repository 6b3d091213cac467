//! The listening side: binding, the accept loop (ours, not `axum::serve`:
//! it needs the header and write timeouts, the connection limit with a
//! clean 503, and graceful shutdown), and the runtime for `coursecal serve`.

use super::config::ServeConfig;
use super::router::router;
use super::state::AppState;
use super::{watch, write_timeout};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
/// Why the server could not start.
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    /// The address is taken or not ours.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    #[error(transparent)]
    /// The schedules directory cannot be watched.
    Watch(#[from] watch::WatchError),
    #[error("cannot start the runtime: {0}")]
    /// The tokio runtime could not start.
    Runtime(std::io::Error),
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Run the server until SIGINT/SIGTERM on a runtime of its own; in-flight
/// requests finish. Prints `listening on http://ADDR` to stdout (tests and
/// scripts read it to find the port when given `:0`).
///
/// ```no_run
/// let config = coursecal::ServeConfig::new("schedules".into(), "127.0.0.1:8080".parse().unwrap());
/// coursecal::serve(config).unwrap();
/// ```
pub fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Cold variants render on blocking threads; a few per core keep
        // memory bounded when many different variants are asked for at once.
        .max_blocking_threads(4 * std::thread::available_parallelism().map_or(2, |n| n.get()))
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async {
        let server = Server::bind(config).await?;
        println!("listening on http://{}", server.local_addr());
        server.run(shutdown_signal()).await
    })
}

/// A server that has loaded its schedules and is listening, not yet
/// accepting: [`Server::local_addr`] tells the port picked for `:0`. Runs in
/// the caller's tokio runtime and stops when the caller says so
/// (`examples/embed.rs` is the whole program).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), coursecal::ServeError> {
/// let config = coursecal::ServeConfig::new("schedules".into(), "127.0.0.1:0".parse().unwrap());
/// let server = coursecal::Server::bind(config).await?;
/// assert_ne!(server.local_addr().port(), 0);
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let running = tokio::spawn(server.run(async { let _ = stopped.await; }));
/// stop.send(()).unwrap();
/// running.await.unwrap()
/// # }
/// ```
pub struct Server {
    config: ServeConfig,
    state: Arc<AppState>,
    listener: TcpListener,
    local: SocketAddr,
    _watcher: watch::Watcher,
}

impl Server {
    /// Load the schedules, start watching them and bind the address.
    pub async fn bind(config: ServeConfig) -> Result<Server, ServeError> {
        // Loading reads and compiles every schedule: off the async workers.
        let load_config = config.clone();
        let state = tokio::task::spawn_blocking(move || AppState::load(&load_config))
            .await
            .map_err(|e| ServeError::Runtime(std::io::Error::other(e)))?;
        let reloading = state.clone();
        let watcher = watch::watch(&config.schedules, config.debounce, move || {
            reloading.reload()
        })?;
        let listener = listen(config.addr).map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
        let local = listener.local_addr().unwrap_or(config.addr);
        Ok(Server {
            config,
            state,
            listener,
            local,
            _watcher: watcher,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Accept connections until `shutdown` resolves.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServeError> {
        let Server {
            config,
            state,
            listener,
            local,
            _watcher,
        } = self;
        let app = router(state, &config);
        let max_connections = connection_budget(config.max_connections);
        tracing::info!(%local, max_connections, "listening");
        accept_loop(listener, app, &config, max_connections, shutdown).await;
        Ok(())
    }
}

async fn accept_loop(
    listener: TcpListener,
    app: Router,
    config: &ServeConfig,
    max_connections: usize,
    shutdown: impl std::future::Future<Output = ()>,
) {
    // HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in
    // front terminates, and cleartext h2 detection waits for a preface with
    // no timeout (a silent client would hold its connection forever).
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout);
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    let refusals = Arc::new(tokio::sync::Semaphore::new(REFUSING));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    // Refusals are bounded too: when that many are under way,
                    // stop accepting for a moment (the backlog holds the rest).
                    if let Ok(permit) = refusals.clone().acquire_owned().await {
                        tokio::spawn(async move {
                            refuse(stream).await;
                            drop(permit);
                        });
                    }
                    continue;
                };
                let service = TowerToHyperService::new(app.clone());
                let stream = write_timeout::WriteTimeout::new(stream, config.write_timeout);
                let conn = builder.serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(super::slots::as_client(peer.ip(), async move {
                    let _ = conn.await;
                    drop(slot);
                }));
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("in-flight requests did not finish within 30 s");
        },
    }
}

/// A listener with a backlog deep enough for bursts of thousands of
/// connections (tokio's `bind` asks for 1,024; the kernel caps it anyway).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Connections we can hold: the configured maximum, but below the file
/// descriptor limit (raised to its hard limit first), so that running out
/// of descriptors shows as a clean 503 rather than failed accepts.
fn connection_budget(wanted: usize) -> usize {
    const RESERVED: u64 = 64 + REFUSING as u64; // files, watcher, refusals
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let budget = usize::try_from(limit.saturating_sub(RESERVED).max(1)).unwrap_or(usize::MAX);
    if budget < wanted {
        tracing::warn!(
            wanted,
            budget,
            "file descriptor limit caps open connections"
        );
    }
    wanted.min(budget).max(1)
}

/// Connections being refused at once (each lingers up to 1 s).
const REFUSING: usize = 256;

const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
retry-after: 1\r\n\
content-length: 26\r\n\
connection: close\r\n\r\n\
too many open connections\n";

/// Over the connection limit: answer 503 and close. The request head is
/// read first (briefly): closing with unread data makes the kernel reset
/// the connection, and the client might never see the answer.
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(REFUSAL).await?;
        let mut buf = vec![0u8; 16 * 1024];
        let mut seen = 0;
        while seen < buf.len() {
            let n = stream.read(&mut buf[seen..]).await?;
            if n == 0 {
                break;
            }
            let from = seen.saturating_sub(3);
            seen += n;
            if buf[from..seen].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        stream.shutdown().await
    })
    .await;
}
