//! Rendered responses, ready to serve: feed variants, one-event feeds and
//! HTML pages, each with its bytes, (for feeds) gzip and brotli encodings
//! and a strong ETag, computed once and shared by every request for them —
//! N readers of one 10 MB page hold one copy. Feeds are kept across reloads
//! while their courses are unchanged. The cache is bounded by total bytes,
//! so memory stays bounded however many variants clients ask for.

use super::slots::{self, ColdSlot, cold_slot, render_slots, renders, try_turn};
use crate::catalog::Catalog;
use crate::ics::{Piece, PieceOf};
use crate::model::Course;
use crate::model::FeedRequest;
use crate::model::ids::CourseId;
use crate::site::render::Made;
use bytes::Bytes;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// What the cache holds: one entry per distinct response body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    /// A feed variant (`/courses/<id>.ics`, `/calendar.ics`).
    Feed(FeedRequest),
    /// A change feed (`/courses/<id>.atom`, or `/changes.atom` when
    /// `merged`) with the `--base-url` its links use.
    Changes {
        req: FeedRequest,
        merged: bool,
        base: Option<String>,
    },
    /// A one-event feed (`/courses/<id>/events/<uid>.ics`).
    Event {
        course: String,
        uid: String,
        variant: crate::model::Variant,
    },
    /// An HTML page: what it shows depends on the route, the course, the
    /// reader's view and the absolute root its links use.
    Page {
        route: &'static str,
        course: Option<String>,
        variant: crate::model::Variant,
        base: Option<String>,
        /// Android or not (never the raw User-Agent: one cached page per
        /// value a client can send would let it flood the cache).
        android: bool,
    },
}

/// One response body in every encoding we serve.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    /// The gzip and brotli encodings of `body` (feeds only). The first
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

    fn with(body: String, last_modified: Option<SystemTime>) -> Self {
        let body = exact(body.into_bytes());
        let digest: String = Sha256::digest(&body)[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let etag = |suffix: &str| {
            axum::http::HeaderValue::from_str(&format!("\"{digest}{suffix}\""))
                .expect("a quoted hex digest is a valid header value")
        };
        Rendered {
            gzip: Arc::default(),
            br: Arc::default(),
            compressed: true,
            valid_until: None,
            body,
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
        let (body, cell) = (self.body.clone(), cell.clone());
        // The slot and the lock go with the work, and the work stores its
        // bytes: a request cancelled meanwhile (its client gone) leaves
        // them for the next request instead of a second compression, and
        // its slot is given back only when the compression ends.
        let bytes = off_workers(move || {
            let _held = (permit, making);
            let bytes = compress(&body, coding, Level::Fast);
            cell.store(bytes.clone(), Level::Fast);
            bytes
        })
        .await
        .or_else(|| {
            tracing::error!("compressing task failed");
            None
        })?;
        Some((bytes, Level::Fast))
    }

    /// Take the encodings `earlier` has made when it holds these very
    /// bytes (an edit that does not change this variant): they are then
    /// served without compressing again. Encodings of other bytes are never
    /// taken.
    pub fn adopt_encodings(&mut self, earlier: &Rendered) {
        if !self.compressed || !earlier.compressed || earlier.body != self.body {
            return;
        }
        for coding in [Compression::Gzip, Compression::Brotli] {
            if let Some(m) = earlier.cell(coding).made.load_full() {
                self.cell(coding).made.store(Some(m));
            }
        }
    }

    fn cell(&self, coding: Compression) -> &Arc<Encoding> {
        match coding {
            Compression::Gzip => &self.gzip,
            Compression::Brotli => &self.br,
        }
    }

    /// Bytes held, for the cache's weight: fixed when made (the cache
    /// weighs an entry again when it leaves), so the encodings, which may
    /// still be on their way, count at a bound: gzip and brotli of a feed
    /// are each well under a quarter of it, at either level, and the best
    /// bytes replace the fast ones.
    pub fn size(&self) -> usize {
        let encoded = if self.compressed {
            self.body.len() / 2
        } else {
            0
        };
        self.body.len() + encoded + 128
    }
}

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
                for (variant, coding) in rx {
                    // Idle: every render slot free. Requests come first.
                    while renders().available_permits() < render_slots() {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    let Some(r) = variant.upgrade() else {
                        continue;
                    };
                    let (body, cell) = (r.body.clone(), r.cell(coding).clone());
                    drop(r);
                    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        compress(&body, coding, Level::Best)
                    }));
                    match made {
                        Ok(bytes) => cell.store(bytes, Level::Best),
                        Err(_) => tracing::error!("compressing task failed"),
                    }
                }
            })
            .map_err(|e| tracing::error!(error = %e, "cannot start the compressing thread"))
            .ok()?;
        Some(tx)
    })
    .as_ref()
}

/// Run CPU work (renders, compression) on the rayon pool: one thread per
/// core, so it never takes more cores than there are, and the large
/// buffers it allocates and frees stay in those few threads' heaps instead
/// of spreading over every blocking thread's (which kept the server's RSS
/// well above what the cache holds). `None` if `f` panicked.
pub(super) async fn off_workers<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // A panic drops the sender: the waiting request fails alone.
        if let Ok(made) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            let _ = tx.send(made);
        }
    });
    rx.await.ok()
}

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

/// Bytes held for as long as the cache keeps them: without the spare
/// capacity a growing buffer leaves (up to as much again), so that what an
/// entry weighs is what it holds.
fn exact(mut v: Vec<u8>) -> Bytes {
    v.shrink_to_fit();
    Bytes::from(v)
}

/// Whether `r`, rendered for `key` from an earlier catalog, is what `key`
/// would render from `catalog`. Pages are not carried over: the list page
/// shows every course.
fn still_valid(catalog: &Catalog, key: &CacheKey, r: &Rendered) -> bool {
    let same = |now: Vec<&Arc<Course>>| {
        now.len() == r.sources.len() && now.iter().zip(&r.sources).all(|(a, b)| Arc::ptr_eq(a, b))
    };
    match key {
        CacheKey::Feed(req) | CacheKey::Changes { req, .. } => {
            catalog.select_shared(&req.courses).is_ok_and(same)
        }
        CacheKey::Event { course, .. } => catalog
            .courses
            .get(course.as_str())
            .is_some_and(|c| same(vec![c])),
        CacheKey::Page { .. } => false,
    }
}

#[derive(Clone)]
struct Weigh;

impl quick_cache::Weighter<CacheKey, Arc<Rendered>> for Weigh {
    fn weight(&self, _: &CacheKey, v: &Arc<Rendered>) -> u64 {
        v.size() as u64
    }
}

/// Course pieces (see [`crate::ics::PieceOf`]) by course and what they
/// depend on, with the course they were rendered from: held only while
/// that very course is served (an edit gives the course a new `Arc`).
/// Shared by every catalog version, so after an edit a merged variant
/// renders the edited course's piece and reuses the others'.
pub struct Pieces {
    inner: quick_cache::sync::Cache<(CourseId, PieceOf), Held, WeighPiece>,
}

/// A piece and the course it was made from. `Weak`: a stale piece must not
/// keep an old course alive, and while the `Weak` lives no other course
/// can take the old one's address, so pointer equality is identity.
#[derive(Clone)]
struct Held {
    from: std::sync::Weak<Course>,
    piece: Arc<Piece>,
}

#[derive(Clone)]
struct WeighPiece;

impl quick_cache::Weighter<(CourseId, PieceOf), Held> for WeighPiece {
    fn weight(&self, _: &(CourseId, PieceOf), v: &Held) -> u64 {
        v.piece.size() as u64 + 128
    }
}

impl Pieces {
    fn new(max_bytes: u64) -> Self {
        Pieces {
            inner: quick_cache::sync::Cache::with_weighter(1024, max_bytes, WeighPiece),
        }
    }

    /// The piece of `course` for `of`: held, or rendered now (and counted
    /// in [`pieces_rendered`]). Two requests missing the same piece at
    /// once may both render it; both get the same bytes.
    pub fn get(&self, course: &Arc<Course>, of: &PieceOf) -> Arc<Piece> {
        let key = (course.id.clone(), *of);
        if let Some(held) = self.inner.get(&key)
            && std::ptr::eq(held.from.as_ptr(), Arc::as_ptr(course))
        {
            return held.piece;
        }
        let piece = Arc::new(crate::site::render::piece(course, of));
        pieces_rendered().inc();
        self.inner.insert(
            key,
            Held {
                from: Arc::downgrade(course),
                piece: piece.clone(),
            },
        );
        piece
    }
}

/// Course pieces rendered since start (`/metrics`): after an edit of one
/// course, a merged variant renders one piece, not one per course.
pub(super) fn pieces_rendered() -> &'static Counter {
    static MADE: std::sync::OnceLock<Counter> = std::sync::OnceLock::new();
    MADE.get_or_init(Counter::default)
}

/// Bounded map of rendered responses for one catalog version.
pub struct FeedCache {
    inner: quick_cache::sync::Cache<CacheKey, Arc<Rendered>, Weigh>,
    /// Course pieces, shared with the versions before and after this one.
    pieces: Arc<Pieces>,
    /// Feeds of the previous version that this reload invalidated, until
    /// rendered again: when the new bytes are the same (the edit was to
    /// events this variant leaves out), their encodings are reused. Bounded
    /// to an eighth of the budget, and dropped at the next reload.
    earlier: quick_cache::sync::Cache<CacheKey, Arc<Rendered>, Weigh>,
}

/// Default byte budget of the feed cache.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl FeedCache {
    /// A cache of `max_bytes` of responses, and a quarter of that more
    /// for course pieces (the pieces of one zone weigh what the merged
    /// feed of every kind does: the soak's 10 courses in 21 zones need
    /// ~13 MB; with an eighth they were evicted and rendered again four
    /// times as often). Not carved out of the responses: a smaller response
    /// cache costs more cold variants (each a compression) than pieces save.
    pub fn new(max_bytes: u64) -> Self {
        Self::with_pieces(max_bytes, Arc::new(Pieces::new(max_bytes / 4)))
    }

    fn with_pieces(max_bytes: u64, pieces: Arc<Pieces>) -> Self {
        FeedCache {
            inner: quick_cache::sync::Cache::with_weighter(4096, max_bytes, Weigh),
            pieces,
            earlier: quick_cache::sync::Cache::with_weighter(1024, max_bytes / 8, Weigh),
        }
    }

    /// The course pieces merged feeds are assembled from.
    pub fn pieces(&self) -> &Pieces {
        &self.pieces
    }

    /// The entry an earlier version held for `key`, if a reload dropped it
    /// and it was not rendered again since (taken: asked once).
    pub fn take_earlier(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        self.earlier.remove(key).map(|(_, r)| r)
    }

    /// The cached variant, or the one `make` produces with a cold slot
    /// (see [`cold_slot`]), which it holds until its CPU work ends: moved
    /// into that work, a request cancelled mid-render (its client gone)
    /// keeps the slot until the render it started is over, so a client
    /// cannot queue renders on the workers by hanging up. Concurrent
    /// requests for the same missing variant wait for one render instead of
    /// each rendering it (no thundering herd after a reload). The flag says
    /// whether it was a hit; `closed()` is the error when the slots are
    /// gone.
    pub(super) async fn get_or_render<E, Fut>(
        &self,
        key: &CacheKey,
        make: impl FnOnce(ColdSlot) -> Fut,
        closed: impl Fn() -> E,
    ) -> Result<(Arc<Rendered>, bool), E>
    where
        Fut: std::future::Future<Output = Result<Arc<Rendered>, E>>,
    {
        // A page whose next date has passed is rendered again.
        if let Some(v) = self.inner.get(key)
            && v.valid_until.is_some_and(|t| t <= chrono::Utc::now())
        {
            self.inner.remove(key);
        }
        // The key's guard comes first: requests for a variant being
        // rendered join that render, even when it is too big to be kept (a
        // 10 MB page read by 30 clients is one copy; waiting for the
        // client's turn first would make each render it again,
        // `tests/connection_limits.rs`). But the guard is never held while
        // queued behind the client's own backlog: without a free turn it is
        // handed on (to another request for the key, whose client may have
        // one) and the request queues for its turn holding nothing others
        // need. With its turn in hand it takes the key again, so it gives
        // the guard up at most once: no livelock.
        let mut turn = None;
        loop {
            let guard = match self.inner.get_value_or_guard_async(key).await {
                Ok(v) => return Ok((v, true)),
                Err(guard) => guard,
            };
            let Some(now) = turn.take().or_else(try_turn) else {
                drop(guard);
                turn = Some(slots::turn().await.ok_or_else(&closed)?);
                continue;
            };
            // The server-wide queue is waited for holding the guard: it
            // holds at most a share per client, each of them under way.
            let slot = now.slot().await.ok_or_else(&closed)?;
            let v = make(slot).await?;
            let _ = guard.insert(v.clone());
            return Ok((v, false));
        }
    }

    /// A cache for the reloaded `catalog` holding the variants that are
    /// still valid in it: editing one course keeps every feed that does not
    /// include it warm. Returns the new cache and how many were kept.
    pub fn carried_over(&self, catalog: &Catalog, max_bytes: u64) -> (FeedCache, usize) {
        let next = FeedCache::with_pieces(max_bytes, self.pieces.clone());
        let mut kept = 0;
        for (req, r) in self.inner.iter() {
            if still_valid(catalog, &req, &r) {
                next.insert(req, r);
                kept += 1;
            } else if r.compressed {
                next.earlier.insert(req, r);
            }
        }
        (next, kept)
    }

    pub fn get(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        self.inner.get(key)
    }

    pub fn insert(&self, key: CacheKey, r: Arc<Rendered>) {
        self.inner.insert(key, r);
    }

    pub fn len(&self) -> usize {
        self.inner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    pub fn weight(&self) -> u64 {
        self.inner.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::slots::{ONE_AT_A_TIME, as_client};
    use std::cell::RefCell;
    use std::future::Future;
    use std::net::IpAddr;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::{Context, Waker};

    type Task<'a> = Option<Pin<Box<dyn Future<Output = ()> + 'a>>>;

    /// Poll every unfinished task, round after round, enough rounds for a
    /// hand-off to pass through all of them: no clock and no threads, so
    /// the same interleaving on every run.
    fn settle(tasks: &mut [Task<'_>]) {
        for _ in 0..=tasks.len() {
            for t in tasks.iter_mut() {
                if let Some(f) = t
                    && f.as_mut()
                        .poll(&mut Context::from_waker(Waker::noop()))
                        .is_ready()
                {
                    *t = None;
                }
            }
        }
    }

    fn key(name: &str) -> CacheKey {
        CacheKey::Page {
            route: "test",
            course: Some(name.to_owned()),
            variant: crate::model::Variant::default(),
            base: None,
            android: false,
        }
    }

    /// What happened, in order: renders finished and answers given, by
    /// client and key (answers with whether they were hits).
    #[derive(Default)]
    struct Log {
        rendered: RefCell<Vec<(&'static str, String)>>,
        answered: RefCell<Vec<(&'static str, String, bool)>>,
    }

    /// A request from `client` (`who` in the log) for `name`. Its render,
    /// once started, needs one of `cpu`'s permits: the test hands them out
    /// one at a time, so renders finish in an order it controls.
    fn request<'a>(
        cache: &'a FeedCache,
        cpu: &'a tokio::sync::Semaphore,
        log: &Rc<Log>,
        (who, client): (&'static str, IpAddr),
        name: &str,
    ) -> Task<'a> {
        let (log, name) = (log.clone(), name.to_owned());
        Some(Box::pin(as_client(client, async move {
            let render = {
                let (log, name) = (log.clone(), name.clone());
                move |slot| async move {
                    let _slot = slot;
                    cpu.acquire().await.map_err(|_| ())?.forget();
                    log.rendered.borrow_mut().push((who, name.clone()));
                    Ok(Arc::new(Rendered::with(name, None)))
                }
            };
            if let Ok((_, hit)) = cache.get_or_render(&key(&name), render, || ()).await {
                log.answered.borrow_mut().push((who, name, hit));
            }
        })))
    }

    /// Hand out one render's CPU at a time until every task is done.
    fn run_out(tasks: &mut [Task<'_>], cpu: &tokio::sync::Semaphore) {
        for _ in 0..1000 {
            settle(tasks);
            if tasks.iter().all(Option::is_none) {
                return;
            }
            cpu.add_permits(1);
        }
        panic!("tasks still waiting after 1000 renders");
    }

    /// A client with a backlog of cold variants also asks for a popular
    /// one, then another client asks for it: the second client's request
    /// renders it at once (a share of the server's slots is free for it),
    /// instead of waiting for the first client's request to reach the end
    /// of its own queue; the first client's request then gets that render.
    /// Asserted on the order renders finish in, not on time.
    #[test]
    fn a_clients_backlog_never_holds_a_key_another_client_waits_for() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let cache = FeedCache::new(1 << 20);
        let cpu = tokio::sync::Semaphore::new(0);
        let log = Rc::new(Log::default());
        let a = ("A", IpAddr::from([10, 0, 1, 1]));
        let b = ("B", IpAddr::from([10, 0, 1, 2]));
        let share = (render_slots() / 2).max(1);
        let backlog = 8;
        let mut tasks: Vec<Task> = Vec::new();
        // A's share of the slots busy rendering, then its backlog queued.
        for i in 0..share + backlog {
            tasks.push(request(&cache, &cpu, &log, a, &format!("a{i}")));
            settle(&mut tasks);
        }
        assert_eq!(renders().available_permits(), render_slots() - share);
        // A asks for the popular variant on several connections: each
        // hands the key on at most once.
        let again = 3;
        for _ in 0..again {
            tasks.push(request(&cache, &cpu, &log, a, "popular"));
            settle(&mut tasks);
        }
        tasks.push(request(&cache, &cpu, &log, b, "popular"));
        run_out(&mut tasks, &cpu);

        let rendered = log.rendered.borrow();
        let popular: Vec<usize> = (0..rendered.len())
            .filter(|&i| rendered[i].1 == "popular")
            .collect();
        assert_eq!(popular.len(), 1, "one render, shared: {rendered:?}");
        let at = popular[0];
        assert_eq!(rendered[at].0, "B", "{rendered:?}");
        // Only the renders already under way when B asked went first.
        let before = rendered[..at].iter().filter(|(w, _)| *w == "A").count();
        assert!(
            before <= share,
            "{before} of A's renders first: {rendered:?}"
        );
        assert_eq!(rendered.len(), share + backlog + 1);
        let answered = log.answered.borrow();
        let popular: Vec<_> = answered.iter().filter(|(_, k, _)| k == "popular").collect();
        // B's answer is its own render; every one of A's is that render.
        let mut expected = vec![("B", "popular".to_owned(), false)];
        expected.extend((0..again).map(|_| ("A", "popular".to_owned(), true)));
        assert_eq!(popular, expected.iter().collect::<Vec<_>>());
        assert_eq!(answered.len(), share + backlog + again + 1);
        assert_eq!(renders().available_permits(), render_slots());
    }

    /// A request dropped (its client gone) while it renders a key hands the
    /// key on to a request waiting for it, which renders it once for every
    /// other waiter; and every slot and turn comes back.
    #[test]
    fn a_request_dropped_mid_render_hands_the_key_on_and_gives_its_slots_back() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let cache = FeedCache::new(1 << 20);
        let cpu = tokio::sync::Semaphore::new(0);
        let log = Rc::new(Log::default());
        let a = ("A", IpAddr::from([10, 0, 2, 1]));
        let b = ("B", IpAddr::from([10, 0, 2, 2]));
        let c = ("C", IpAddr::from([10, 0, 2, 3]));
        let mut tasks: Vec<Task> = vec![request(&cache, &cpu, &log, a, "k")];
        settle(&mut tasks);
        assert_eq!(renders().available_permits(), render_slots() - 1);
        tasks.push(request(&cache, &cpu, &log, b, "k"));
        tasks.push(request(&cache, &cpu, &log, c, "k"));
        settle(&mut tasks);
        tasks[0] = None;
        run_out(&mut tasks, &cpu);
        let rendered = log.rendered.borrow();
        assert_eq!(rendered.len(), 1, "{rendered:?}");
        assert_ne!(rendered[0].0, "A");
        let mut hits: Vec<bool> = log.answered.borrow().iter().map(|a| a.2).collect();
        hits.sort();
        assert_eq!(hits, [false, true]);
        assert_eq!(renders().available_permits(), render_slots());
        // A's whole share is free again.
        let share = (render_slots() / 2).max(1);
        let mut turns = Vec::new();
        for _ in 0..share {
            let mut t = Box::pin(as_client(a.1, async { slots::try_turn() }));
            let ready = t.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            turns.push(matches!(ready, std::task::Poll::Ready(Some(_))));
        }
        assert_eq!(turns, vec![true; share]);
    }

    /// `make` gets the slot to hold for as long as its work runs: a request
    /// cancelled mid-render hands the key on at once, but its slot comes
    /// back only when the work it started ends (a client hanging up cannot
    /// pile renders up on the workers).
    #[test]
    fn a_cancelled_render_keeps_its_slot_until_its_work_ends() {
        let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let cache = FeedCache::new(1 << 20);
        let worker: RefCell<Vec<ColdSlot>> = RefCell::default();
        let client = IpAddr::from([10, 0, 3, 1]);
        let w = key("w");
        let mut cancelled = Box::pin(as_client(
            client,
            cache.get_or_render(
                &w,
                |slot| {
                    worker.borrow_mut().push(slot);
                    std::future::pending::<Result<Arc<Rendered>, ()>>()
                },
                || (),
            ),
        ));
        let cx = &mut Context::from_waker(Waker::noop());
        assert!(cancelled.as_mut().poll(cx).is_pending());
        drop(cancelled);
        assert_eq!(renders().available_permits(), render_slots() - 1);
        // The key is free for another request at once.
        let mut again = Box::pin(cache.get_or_render(
            &w,
            |slot| async move {
                let _slot = slot;
                Ok::<_, ()>(Arc::new(Rendered::with("w".to_owned(), None)))
            },
            || (),
        ));
        assert!(matches!(
            again.as_mut().poll(cx),
            std::task::Poll::Ready(Ok((_, false)))
        ));
        assert_eq!(renders().available_permits(), render_slots() - 1);
        worker.borrow_mut().clear();
        assert_eq!(renders().available_permits(), render_slots());
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
}
