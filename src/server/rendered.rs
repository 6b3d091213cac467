//! One cached response: its bytes in the encodings asked for, its ETags
//! and dates, and the compressions that make them (a fast level on the
//! request path, the best one in the background).

use super::slots::{cold_slot, render_slots, renders};
use crate::model::Course;
use crate::site::render::Made;
use bytes::Bytes;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// One response body in the encodings asked for.
#[derive(Debug)]
pub struct Rendered {
    /// The identity body. A feed keeps it only while no compressed
    /// encoding is made or once a request asked for it: calendar clients
    /// almost all ask for gzip, and a feed's gzip is a fifth of its size,
    /// so a cache of compressed-only variants holds about five times as
    /// many. An identity request for a feed that dropped it inflates it
    /// again (once, like a compression) and keeps it.
    identity: arc_swap::ArcSwapOption<Bytes>,
    /// A request asked for the identity body: it is kept from then on.
    identity_asked: AtomicBool,
    /// Held while the identity body is inflated again (by the work, not
    /// the request, as [`Encoding::making`]).
    restoring: Arc<tokio::sync::Mutex<()>>,
    /// The gzip and brotli encodings of the body (feeds only). The first
    /// request for one makes it at a fast level; a request for it again
    /// queues an upgrade to the best level (see [`Encoding`]). They are
    /// always of this very body.
    gzip: Arc<Encoding>,
    br: Arc<Encoding>,
    pub compressed: bool,
    /// Pages mark past dates from the clock: a page is valid until the
    /// next date in it passes (`None`: forever).
    pub valid_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Hex digest of `body`: the same bytes give the same ETag on every
    /// replica.
    pub digest: String,
    pub last_modified: Option<SystemTime>,
    /// Header values, formatted once instead of per request: identity,
    /// gzip and brotli at the best level, then gzip and brotli at the fast
    /// level. The fast and the best bytes of one encoding differ, so they
    /// carry different strong ETags.
    etags: [axum::http::HeaderValue; 5],
    pub last_modified_header: Option<axum::http::HeaderValue>,
    /// The courses it was made from: after a reload it is still valid when
    /// the same request selects these very courses (unchanged files keep
    /// their `Arc`).
    pub sources: Vec<Arc<Course>>,
    /// Tells the cache holding it its new weight when the bytes it holds
    /// change (see [`Rendered::held`]); set by the cache when it takes it.
    home: std::sync::Mutex<Option<Home>>,
}

/// Tells a cache the new weight of the response it is given.
pub(super) type Tell = dyn Fn(&Arc<Rendered>) + Send + Sync;

/// What gives the cache holding a response its new weight.
#[derive(Clone)]
pub(super) struct Home(pub(super) Arc<Tell>);

impl std::fmt::Debug for Home {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Home")
    }
}

/// One compressed encoding of a body. A cold variant costs what its
/// identity costs plus a fast compression (brotli 4 or gzip 1, a fraction
/// of the render), never the best level: a client asking for a stream of
/// new `start=` values would otherwise buy ~10 ms of CPU with each request.
/// The best level is made only for bodies asked for again, one at a time,
/// in the background (see [`upgrades`]), and then replaces the fast bytes.
#[derive(Debug, Default)]
struct Encoding {
    /// What is served now: the fast bytes, then the best ones.
    made: arc_swap::ArcSwapOption<Encoded>,
    /// Held while the fast bytes are made: concurrent requests wait for one.
    /// Shared, so that the compression holds it, not the request.
    making: Arc<tokio::sync::Mutex<()>>,
    /// An upgrade is queued, under way or done.
    upgrading: AtomicBool,
}

#[derive(Debug)]
struct Encoded {
    bytes: Bytes,
    level: Level,
}

/// How hard an encoding was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// On the request path: brotli 4, gzip 1.
    Fast,
    /// In the background: brotli 9, gzip 9.
    Best,
}

/// The compressed encodings we serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Brotli,
}

impl Rendered {
    /// A feed as `site::render` made it: its gzip and brotli encodings are
    /// made when asked for (see [`Rendered::encoded`]).
    /// `last_modified` is the HTTP date of this catalog version (see
    /// [`crate::server::Snapshot::stamp`]): the feed's own dates come from
    /// `course.updated`, which an edit need not move.
    pub fn feed(made: Made, last_modified: SystemTime) -> Self {
        let mut r = Self::with(made.body, Some(last_modified));
        r.sources = made.sources;
        r
    }

    /// A page as `site::render` made it: identity only (pages were never
    /// compressed; brotli-9 of a large agenda would cost seconds), valid
    /// while it says it is.
    pub fn page(made: Made) -> Self {
        let mut r = Self::with(made.body, None);
        r.compressed = false;
        r.valid_until = made.valid_until;
        r
    }

    pub(super) fn with(body: String, last_modified: Option<SystemTime>) -> Self {
        let body = exact(body.into_bytes());
        let digest = crate::model::ids::hex(&Sha256::digest(&body)[..16]);
        let etag = |suffix: &str| {
            axum::http::HeaderValue::from_str(&format!("\"{digest}{suffix}\""))
                .expect("a quoted hex digest is a valid header value")
        };
        Rendered {
            identity: arc_swap::ArcSwapOption::from_pointee(body),
            identity_asked: AtomicBool::new(false),
            restoring: Arc::default(),
            gzip: Arc::default(),
            br: Arc::default(),
            compressed: true,
            valid_until: None,
            etags: [
                etag(""),
                etag("-gz"),
                etag("-br"),
                etag("-gz-fast"),
                etag("-br-fast"),
            ],
            last_modified_header: last_modified
                .and_then(|t| axum::http::HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok()),
            digest,
            last_modified,
            sources: Vec::new(),
            home: std::sync::Mutex::new(None),
        }
    }

    /// The strong ETag of the identity body.
    pub fn identity_etag(&self) -> &axum::http::HeaderValue {
        &self.etags[0]
    }

    /// The strong ETag of `coding` at `level`.
    pub fn etag(&self, coding: Compression, level: Level) -> &axum::http::HeaderValue {
        let i = match coding {
            Compression::Gzip => 1,
            Compression::Brotli => 2,
        };
        &self.etags[if level == Level::Fast { i + 2 } else { i }]
    }

    /// The level a request for `coding` would be served at now (made or
    /// not), for the ETag of a 304.
    pub fn level(&self, coding: Compression) -> Level {
        self.cell(coding)
            .made
            .load()
            .as_ref()
            .map_or(Level::Fast, |m| m.level)
    }

    /// The identity body: held, or inflated again from an encoding (once,
    /// off the async workers) and kept from now on. `None` if inflating
    /// failed.
    pub async fn identity(self: &Arc<Self>) -> Option<Bytes> {
        // Checked first: a shared flag is written once, not per request.
        if !self.identity_asked.load(Ordering::Relaxed) {
            self.identity_asked.store(true, Ordering::Relaxed);
        }
        if let Some(b) = self.identity.load_full() {
            return Some(Bytes::clone(&b));
        }
        let permit = cold_slot().await?;
        let restoring = self.restoring.clone().lock_owned().await;
        if let Some(b) = self.identity.load_full() {
            return Some(Bytes::clone(&b));
        }
        let held = self.held_encoding()?;
        let this = self.clone();
        // Stored by the work: a request cancelled meanwhile leaves the body
        // for the next one (see `encoded`).
        let body = off_workers(move || {
            let _held = (permit, restoring);
            let body = inflate(&held)?;
            this.identity.store(Some(Arc::new(body.clone())));
            this.reweigh();
            Some(body)
        })
        .await
        .flatten();
        if body.is_none() {
            tracing::error!("inflating a cached body failed");
        }
        body
    }

    /// An encoding that is made, to inflate the body from.
    fn held_encoding(&self) -> Option<(Compression, Bytes)> {
        [Compression::Gzip, Compression::Brotli]
            .into_iter()
            .find_map(|c| Some((c, self.cell(c).made.load_full()?.bytes.clone())))
    }

    /// The identity body, held or inflated from an encoding (not kept).
    fn body_now(&self) -> Option<Bytes> {
        match self.identity.load_full() {
            Some(b) => Some(Bytes::clone(&b)),
            None => inflate(&self.held_encoding()?),
        }
    }

    /// The body in `coding`, and its level: made now at the fast level
    /// (once, off the async workers) unless already made; when the fast
    /// bytes are asked for again, the best level is queued. `None` if the
    /// compressing task failed.
    pub async fn encoded(self: &Arc<Self>, coding: Compression) -> Option<(Bytes, Level)> {
        let cell = self.cell(coding);
        if let Some(m) = cell.made.load_full() {
            if m.level == Level::Fast {
                queue_upgrade(self, coding);
            }
            return Some((m.bytes.clone(), m.level));
        }
        // A slot like a render's: compression is CPU work too. Taken
        // before the lock, so a client with a backlog of cold work waits in
        // its own queue, never while holding a lock everyone else needs.
        let permit = cold_slot().await?;
        let making = cell.making.clone().lock_owned().await;
        if let Some(m) = cell.made.load_full() {
            return Some((m.bytes.clone(), m.level));
        }
        let this = self.clone();
        // The slot and the lock go with the work, and the work stores its
        // bytes (and weighs the response again): a request cancelled
        // meanwhile (its client gone) leaves them for the next request
        // instead of a second compression, and its slot is given back only
        // when the compression ends.
        let bytes = off_workers(move || {
            let _held = (permit, making);
            let bytes = compress(&this.body_now()?, coding, Level::Fast);
            this.cell(coding).store(bytes.clone(), Level::Fast);
            this.drop_identity_unless_asked();
            this.reweigh();
            Some(bytes)
        })
        .await
        .flatten()
        .or_else(|| {
            tracing::error!("compressing task failed");
            None
        })?;
        Some((bytes, Level::Fast))
    }

    /// A feed's identity body goes once an encoding holds the same bytes,
    /// unless a request asked for it.
    fn drop_identity_unless_asked(&self) {
        if self.compressed
            && !self.identity_asked.load(Ordering::Relaxed)
            && self.held_encoding().is_some()
        {
            self.identity.store(None);
        }
    }

    /// Take the encodings `earlier` has made when it holds these very
    /// bytes (an edit that does not change this variant): they are then
    /// served without compressing again, and the identity body is kept
    /// only if it was asked for. Encodings of other bytes are never taken.
    pub fn adopt_encodings(&mut self, earlier: &Rendered) {
        // The digest names the bytes (it is their strong ETag).
        if !self.compressed || !earlier.compressed || earlier.digest != self.digest {
            return;
        }
        for coding in [Compression::Gzip, Compression::Brotli] {
            if let Some(m) = earlier.cell(coding).made.load_full() {
                self.cell(coding).made.store(Some(m));
            }
        }
        let asked = earlier.identity_asked.load(Ordering::Relaxed);
        self.identity_asked.store(asked, Ordering::Relaxed);
        self.drop_identity_unless_asked();
    }

    fn cell(&self, coding: Compression) -> &Arc<Encoding> {
        match coding {
            Compression::Gzip => &self.gzip,
            Compression::Brotli => &self.br,
        }
    }

    /// Bytes held now, for the cache's weight: the bodies it holds and
    /// what every response carries besides (the struct, its encodings'
    /// cells, ETags, digest, dates, sources). The cache stores the weight
    /// it was given and is given a new one whenever this changes (see
    /// [`Rendered::reweigh`]).
    pub fn held(&self) -> usize {
        let identity = self.identity.load().as_ref().map_or(0, |b| b.len());
        let encodings: usize = [&self.gzip, &self.br]
            .iter()
            .map(|c| {
                let made = c.made.load();
                let bytes = made.as_ref().map_or(0, |m| {
                    m.bytes.len() + std::mem::size_of::<Encoded>() + ARC_HEADER
                });
                bytes + std::mem::size_of::<Encoding>() + ARC_HEADER
            })
            .sum();
        let headers: usize = self.etags.iter().map(|e| e.len() + ALLOC_OVERHEAD).sum();
        let dates = self
            .last_modified_header
            .as_ref()
            .map_or(0, |h| h.len() + ALLOC_OVERHEAD);
        std::mem::size_of::<Self>()
            + ARC_HEADER
            + identity
            + encodings
            + headers
            + dates
            + self.digest.capacity()
            + self.sources.capacity() * std::mem::size_of::<Arc<Course>>()
    }

    /// Give the cache holding this response its new weight (after an
    /// encoding was made or the identity body dropped or inflated).
    fn reweigh(self: &Arc<Self>) {
        let home = match self.home.lock() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(Home(tell)) = home {
            tell(self);
        }
    }

    /// Where [`Rendered::reweigh`] tells its new weight from now on.
    pub(super) fn set_home(&self, home: Home) {
        match self.home.lock() {
            Ok(mut h) => *h = Some(home),
            Err(poisoned) => *poisoned.into_inner() = Some(home),
        }
    }
}

/// What an `Arc` adds to its value: the two reference counts.
const ARC_HEADER: usize = 2 * std::mem::size_of::<usize>();
/// What the allocator adds to a small allocation (glibc: a size word,
/// rounded up to 16 bytes).
const ALLOC_OVERHEAD: usize = 16;

/// Compressions made since start, by level: what a flood of cold variants
/// costs shows here (`/metrics`), and tests assert on it.
pub(super) fn compressions() -> &'static Family<LevelLabel, Counter> {
    static MADE: std::sync::OnceLock<Family<LevelLabel, Counter>> = std::sync::OnceLock::new();
    MADE.get_or_init(Family::default)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
pub(super) struct LevelLabel {
    level: &'static str,
}

impl Encoding {
    /// Serve `bytes` from now on, and count them once they are served.
    fn store(&self, bytes: Bytes, level: Level) {
        self.made.store(Some(Arc::new(Encoded { bytes, level })));
        compressions()
            .get_or_create(&LevelLabel {
                level: match level {
                    Level::Fast => "fast",
                    Level::Best => "best",
                },
            })
            .inc();
    }
}

fn compress(body: &[u8], coding: Compression, level: Level) -> Bytes {
    let best = level == Level::Best;
    match coding {
        Compression::Gzip => gzip(body, if best { 9 } else { 1 }),
        Compression::Brotli => brotli(body, if best { 9 } else { 4 }),
    }
}

/// Upgrades waiting for the background thread. Bounded: under a flood the
/// rest are dropped (and queued again by their next request), so the queue
/// never outlives its work.
const UPGRADE_QUEUE: usize = 64;

/// A queued upgrade holds the variant weakly: one evicted (or replaced by
/// an edit) while it waits costs neither memory nor a compression.
type Upgrade = (std::sync::Weak<Rendered>, Compression);

/// Queue the best-level encoding of `r`'s body unless it is queued or made.
fn queue_upgrade(r: &Arc<Rendered>, coding: Compression) {
    let cell = r.cell(coding);
    if cell.upgrading.swap(true, Ordering::AcqRel) {
        return;
    }
    let Some(tx) = upgrades() else {
        return;
    };
    if tx.try_send((Arc::downgrade(r), coding)).is_err() {
        cell.upgrading.store(false, Ordering::Release);
    }
}

/// One background thread makes the best levels, one at a time and only
/// while no cold render or fast compression waits for a slot: it takes at
/// most one core, and never from a request. `None` if it cannot start.
fn upgrades() -> Option<&'static std::sync::mpsc::SyncSender<Upgrade>> {
    static TX: std::sync::OnceLock<Option<std::sync::mpsc::SyncSender<Upgrade>>> =
        std::sync::OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Upgrade>(UPGRADE_QUEUE);
        std::thread::Builder::new()
            .name("coursecal-upgrade".into())
            .spawn(move || {
                below_requests();
                for (variant, coding) in rx {
                    // Idle: every render slot free. Requests come first.
                    while renders().available_permits() < render_slots() {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    let Some(r) = variant.upgrade() else {
                        continue;
                    };
                    let (body, cell) = (r.body_now(), r.cell(coding).clone());
                    drop(r);
                    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        body.map(|body| compress(&body, coding, Level::Best))
                    }));
                    match made {
                        Ok(Some(bytes)) => cell.store(bytes, Level::Best),
                        _ => tracing::error!("compressing task failed"),
                    }
                    // Still cached: its weight changes with the new bytes.
                    if let Some(r) = variant.upgrade() {
                        r.reweigh();
                    }
                }
            })
            .map_err(|e| tracing::error!(error = %e, "cannot start the compressing thread"))
            .ok()?;
        Some(tx)
    })
    .as_ref()
}

/// Run CPU work (renders, compression) on the server's render pool: one
/// thread per core, so it never takes more cores than there are, and the
/// large buffers it allocates and frees stay in those few threads' heaps
/// instead of spreading over every blocking thread's (which kept the
/// server's RSS well above what the cache holds). Its threads run
/// [`below_requests`]: a flood of cold variants keeps them busy on every
/// core, and a cached request must not wait for a core behind them.
/// `None` if `f` panicked.
pub(super) async fn off_workers<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let work = move || {
        // A panic drops the sender: the waiting request fails alone.
        if let Ok(made) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            let _ = tx.send(made);
        }
    };
    match render_pool() {
        Some(pool) => pool.spawn(work),
        None => rayon::spawn(work),
    }
    rx.await.ok()
}

/// The pool [`off_workers`] runs on (`None` if its threads cannot start:
/// then rayon's global pool, at the requests' priority). Its own, not the
/// global one, which loading the catalog may already have started.
fn render_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("coursecal-render-{i}"))
            .start_handler(|_| below_requests())
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot start the render threads"))
            .ok()
    })
    .as_ref()
}

/// Lower the calling thread's CPU priority below the request handlers'
/// (Linux nice 19: a waking request handler takes the core at once). Cold
/// work still gets every core the requests leave idle; cached requests, a
/// few microseconds each, no longer queue behind it. Measured with
/// `scripts/bench-flood.py` (p99 of another client's cached requests
/// during a flood of cold variants, 2 cores): 5.9 ms at nice 0, 2.8–3.5
/// at 10, 1.3 at 19, against 1.0 with no flood. The price is paid by renders
/// while cached requests fill every core: the soak's p99 (requests that
/// wait for an edit's re-render) went 20 → 29 ms, under its 50 ms target.
/// Nice only orders threads inside one scheduling group (a cgroup, or a
/// session with autogrouping): under the systemd unit or in a container
/// that is coursecal's own, but beside busy processes in one group the
/// renders wait for those too (`scripts/bench-neighbours.sh`).
/// Elsewhere a no-op.
fn below_requests() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICE) {
        // Still correct, only fairer to cold work than it should be.
        tracing::warn!(error = %e, "cannot lower the render threads' priority");
    }
}

/// How far [`below_requests`] lowers a thread (0 is normal, 19 the lowest).
#[cfg(target_os = "linux")]
const NICE: i32 = 19;

fn gzip(data: &[u8], level: u32) -> Bytes {
    // GzEncoder writes mtime 0 and a fixed OS byte: deterministic output.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(data).expect("writing to a Vec cannot fail");
    exact(enc.finish().expect("writing to a Vec cannot fail"))
}

fn brotli(data: &[u8], quality: u32) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 4);
    // A window just large enough for the feed: the encoder's memory grows
    // with the window, and most feeds are tens of kilobytes.
    let lgwin = (usize::BITS - data.len().max(1).leading_zeros()).clamp(16, 22);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, lgwin);
        w.write_all(data).expect("writing to a Vec cannot fail");
    }
    exact(out)
}

/// The body `held` encodes; `None` if the bytes do not decode (they are
/// our own encoder's: a bug).
fn inflate((coding, bytes): &(Compression, Bytes)) -> Option<Bytes> {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len() * 5);
    let read = match coding {
        Compression::Gzip => flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out),
        Compression::Brotli => brotli::Decompressor::new(&bytes[..], 4096).read_to_end(&mut out),
    };
    read.ok()?;
    Some(exact(out))
}

/// Bytes held for as long as the cache keeps them: without the spare
/// capacity a growing buffer leaves (up to as much again), so that what an
/// entry weighs is what it holds.
fn exact(mut v: Vec<u8>) -> Bytes {
    v.shrink_to_fit();
    Bytes::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::slots::ONE_AT_A_TIME;
    use std::task::{Context, Waker};

    /// Cold work runs below the requests: a flood of cold variants must
    /// not keep a cached request from a core (see [`below_requests`]).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn renders_run_at_a_lower_priority_than_requests() {
        let mine = rustix::process::getpriority_process(None).expect("own priority");
        let theirs = off_workers(|| {
            rustix::process::getpriority_process(Some(rustix::thread::gettid()))
                .expect("the render thread's priority")
        })
        .await
        .expect("the render ran");
        assert_eq!(theirs, NICE.max(mine));
        assert!(theirs > mine || mine >= NICE, "not below the requests");
    }

    /// A request cancelled while its fast compression runs leaves the
    /// bytes to the next request: one compression, not two.
    #[test]
    fn a_cancelled_compression_is_stored_for_the_next_request() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let fast = || {
            compressions()
                .get_or_create(&LevelLabel { level: "fast" })
                .get()
        };
        let before = fast();
        let r = Arc::new(Rendered::with("BEGIN:VCALENDAR\r\n".repeat(500), None));
        let cx = &mut Context::from_waker(Waker::noop());
        let mut cancelled = Box::pin(r.encoded(Compression::Brotli));
        assert!(
            cancelled.as_mut().poll(cx).is_pending(),
            "compressed inline"
        );
        drop(cancelled);
        // The work runs on its own: wait for it to end (bounded), not for
        // a time. It gives its slot back after storing the bytes.
        let done = || r.br.made.load().is_some() && renders().available_permits() == render_slots();
        for _ in 0..10_000 {
            if done() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(done(), "the compression never ended");
        let mut next = Box::pin(r.encoded(Compression::Brotli));
        let std::task::Poll::Ready(Some((bytes, Level::Fast))) = next.as_mut().poll(cx) else {
            panic!("the cancelled request's bytes were not kept");
        };
        assert!(!bytes.is_empty());
        assert_eq!(fast() - before, 1);
    }

    /// A feed asked for compressed drops its identity body, and a request
    /// for identity cancelled while it is inflated leaves the body to the
    /// next request: the same bytes, inflated once, kept from then on.
    #[test]
    fn identity_is_dropped_for_compressed_requests_and_inflated_once() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let body = "BEGIN:VCALENDAR\r\n".repeat(500);
        let r = Arc::new(Rendered::with(body.clone(), None));
        let whole = r.held();
        let cx = &mut Context::from_waker(Waker::noop());
        let wait = |done: &dyn Fn() -> bool| {
            for _ in 0..10_000 {
                if done() {
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            false
        };
        let mut gz = Box::pin(r.encoded(Compression::Gzip));
        let gz = loop {
            if let std::task::Poll::Ready(made) = gz.as_mut().poll(cx) {
                break made.expect("compressed");
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        assert!(r.identity.load().is_none(), "identity kept");
        assert!(
            r.held() < whole && r.held() >= gz.0.len(),
            "{} of {whole}",
            r.held()
        );
        let mut cancelled = Box::pin(r.identity());
        // Started (or, on a fast worker, already done), then cancelled.
        let _ = cancelled.as_mut().poll(cx);
        drop(cancelled);
        let idle =
            || r.identity.load().is_some() && renders().available_permits() == render_slots();
        assert!(wait(&idle), "the inflation never ended");
        let mut next = Box::pin(r.identity());
        let std::task::Poll::Ready(Some(bytes)) = next.as_mut().poll(cx) else {
            panic!("the cancelled request's body was not kept");
        };
        assert_eq!(bytes, body.as_bytes());
        assert!(
            r.held() >= whole,
            "identity and gzip weigh more than identity alone"
        );
    }
}
