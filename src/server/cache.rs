//! Rendered responses, ready to serve: feed variants, one-event feeds and
//! HTML pages, each with its bytes, (for feeds) gzip and brotli encodings
//! and a strong ETag, computed once and shared by every request for them —
//! N readers of one 10 MB page hold one copy. Feeds are kept across reloads
//! while their courses are unchanged. The cache is bounded by total bytes,
//! so memory stays bounded however many variants clients ask for.

use crate::catalog::Catalog;
use crate::model::Course;
use crate::model::FeedRequest;
use crate::site::render::Made;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
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
    /// The gzip and brotli encodings of `body` (feeds only), made after it
    /// off the request path: a request for the identity body of a cold
    /// variant does not wait for brotli-9, one for an encoding waits only
    /// for that encoding. They are always of this very body.
    gzip: Encoding,
    br: Encoding,
    pub compressed: bool,
    /// Pages mark past dates from the clock: a page is valid until the
    /// next date in it passes (`None`: forever).
    pub valid_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Hex digest of `body`: the same bytes give the same ETag on every
    /// replica.
    pub digest: String,
    pub last_modified: Option<SystemTime>,
    /// Header values, formatted once instead of per request.
    pub etags: [axum::http::HeaderValue; 3],
    pub last_modified_header: Option<axum::http::HeaderValue>,
    /// The courses it was made from: after a reload it is still valid when
    /// the same request selects these very courses (unchanged files keep
    /// their `Arc`).
    pub sources: Vec<Arc<Course>>,
}

/// One compressed encoding, made once however many requests wait for it.
#[derive(Debug, Default)]
struct Encoding(tokio::sync::OnceCell<Bytes>);

/// The compressed encodings we serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Brotli,
}

impl Rendered {
    /// A feed as `site::render` made it: its gzip and brotli encodings
    /// follow (see [`Rendered::precompress`] and [`Rendered::encoded`]).
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
            gzip: Encoding::default(),
            br: Encoding::default(),
            compressed: true,
            valid_until: None,
            body,
            etags: [etag(""), etag("-gz"), etag("-br")],
            last_modified_header: last_modified
                .and_then(|t| axum::http::HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok()),
            digest,
            last_modified,
            sources: Vec::new(),
        }
    }

    /// The body in `coding`: made now (once, off the async workers, at most
    /// a few at a time) unless already made. `None` if the compressing
    /// task failed.
    pub async fn encoded(&self, coding: Compression) -> Option<Bytes> {
        let body = self.body.clone();
        self.cell(coding)
            .0
            .get_or_try_init(|| async move {
                let permit = renders().acquire().await.map_err(|_| ())?;
                compress(body, coding, permit).await
            })
            .await
            .ok()
            .cloned()
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
            if let Some(b) = earlier.cell(coding).0.get() {
                let _ = self.cell(coding).0.set(b.clone());
            }
        }
    }

    fn cell(&self, coding: Compression) -> &Encoding {
        match coding {
            Compression::Gzip => &self.gzip,
            Compression::Brotli => &self.br,
        }
    }

    /// Make the compressed encodings in the background while the server
    /// has cores to spare: a busy server makes each only when a request
    /// asks for it (after an edit most variants are asked for in one
    /// encoding before the next edit replaces them).
    pub fn precompress(self: &Arc<Self>) {
        if !self.compressed {
            return;
        }
        // Idle: no render or compression under way but the caller's.
        if renders().available_permits() + 1 < render_slots() {
            return;
        }
        for coding in [Compression::Gzip, Compression::Brotli] {
            let Ok(permit) = renders().try_acquire() else {
                return;
            };
            let r = self.clone();
            tokio::spawn(async move {
                let body = r.body.clone();
                let _ = r
                    .cell(coding)
                    .0
                    .get_or_try_init(|| compress(body, coding, permit))
                    .await;
            });
        }
    }

    /// Bytes held, for the cache's weight: fixed when made (the cache
    /// weighs an entry again when it leaves), so the encodings, which may
    /// still be on their way, count at a bound: gzip and brotli of a feed
    /// are each well under a quarter of it.
    pub fn size(&self) -> usize {
        let encoded = if self.compressed {
            self.body.len() / 2
        } else {
            0
        };
        self.body.len() + encoded + 128
    }
}

/// Compress `body` off the async workers, holding `permit` meanwhile.
async fn compress(
    body: Bytes,
    coding: Compression,
    permit: tokio::sync::SemaphorePermit<'static>,
) -> Result<Bytes, ()> {
    let made = off_workers(move || match coding {
        Compression::Gzip => gzip(&body),
        Compression::Brotli => brotli(&body),
    })
    .await
    .ok_or_else(|| tracing::error!("compressing task failed"));
    drop(permit);
    made
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

fn gzip(data: &[u8]) -> Bytes {
    // GzEncoder writes mtime 0 and a fixed OS byte: deterministic output.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    exact(enc.finish().expect("writing to a Vec cannot fail"))
}

fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 4);
    // A window just large enough for the feed: the encoder's memory grows
    // with the window, and most feeds are tens of kilobytes.
    let lgwin = (usize::BITS - data.len().max(1).leading_zeros()).clamp(16, 22);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, lgwin);
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

/// Bounded map of rendered responses for one catalog version.
pub struct FeedCache {
    inner: quick_cache::sync::Cache<CacheKey, Arc<Rendered>, Weigh>,
    /// Feeds of the previous version that this reload invalidated, until
    /// rendered again: when the new bytes are the same (the edit was to
    /// events this variant leaves out), their encodings are reused. Bounded
    /// to an eighth of the budget, and dropped at the next reload.
    earlier: quick_cache::sync::Cache<CacheKey, Arc<Rendered>, Weigh>,
}

/// Default byte budget of the feed cache.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl FeedCache {
    pub fn new(max_bytes: u64) -> Self {
        FeedCache {
            inner: quick_cache::sync::Cache::with_weighter(4096, max_bytes, Weigh),
            earlier: quick_cache::sync::Cache::with_weighter(1024, max_bytes / 8, Weigh),
        }
    }

    /// The entry an earlier version held for `key`, if a reload dropped it
    /// and it was not rendered again since (taken: asked once).
    pub fn take_earlier(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        self.earlier.remove(key).map(|(_, r)| r)
    }

    /// The cached variant, or the one `make` produces. Concurrent requests
    /// for the same missing variant wait for one render instead of each
    /// rendering it (no thundering herd after a reload). The flag says
    /// whether it was a hit.
    pub async fn get_or_render<E, Fut>(
        &self,
        key: &CacheKey,
        make: impl FnOnce() -> Fut,
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
        match self.inner.get_value_or_guard_async(key).await {
            Ok(v) => Ok((v, true)),
            Err(guard) => {
                let v = make().await?;
                let _ = guard.insert(v.clone());
                Ok((v, false))
            }
        }
    }

    /// A cache for the reloaded `catalog` holding the variants that are
    /// still valid in it: editing one course keeps every feed that does not
    /// include it warm. Returns the new cache and how many were kept.
    pub fn carried_over(&self, catalog: &Catalog, max_bytes: u64) -> (FeedCache, usize) {
        let next = FeedCache::new(max_bytes);
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

/// Renders (and compressions) under way at once: two per core. Rendering is CPU work; more at
/// once only queues behind the cores, and a flood of distinct variants
/// (new zones, start dates, reminders) must not build a backlog that
/// outlives its requests.
pub(super) fn renders() -> &'static tokio::sync::Semaphore {
    static RENDERS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    RENDERS.get_or_init(|| tokio::sync::Semaphore::new(render_slots()))
}

fn render_slots() -> usize {
    static SLOTS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SLOTS.get_or_init(|| 2 * std::thread::available_parallelism().map_or(2, |n| n.get()))
}
