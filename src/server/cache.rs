//! Rendered responses, ready to serve: feed variants, one-event feeds and
//! HTML pages, each with its bytes, (for feeds) gzip and brotli encodings
//! and a strong ETag, computed once and shared by every request for them —
//! N readers of one 10 MB page hold one copy. Feeds are kept across reloads
//! while their courses are unchanged. The cache is bounded by the bytes its
//! entries hold, weighed again whenever that changes, so memory stays
//! bounded however many variants clients ask for.

use super::rendered::Home;
pub(super) use super::rendered::{Compression, Rendered, compressions, off_workers};
use crate::catalog::Catalog;
use crate::ics::{Piece, PieceOf};
use crate::model::Course;
use crate::model::FeedRequest;
use crate::model::ids::CourseId;
use prometheus_client::metrics::counter::Counter;
use std::sync::Arc;

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

/// Make `cache` the home of `r` under `key`: when what `r` holds changes,
/// its entry there is replaced by one with its new weight, as long as the
/// cache still holds this very response for `key`.
fn home(r: &Rendered, cache: &Arc<Responses>, key: &CacheKey) {
    let (cache, key) = (Arc::downgrade(cache), key.clone());
    r.set_home(Home(Arc::new(move |r: &Arc<Rendered>| {
        let Some(cache) = cache.upgrade() else {
            return;
        };
        if cache.peek(&key).is_some_and(|e| Arc::ptr_eq(&e.r, r)) {
            // Soft: weighing again is no use of the entry.
            let _ = cache.replace(key.clone(), Entry::of(r.clone()), true);
        }
    })));
}

/// A cached response with the weight it was given: the cache must find
/// the same weight when the entry leaves as when it came in, so a change
/// of what the response holds replaces the entry with its new weight
/// (see [`Rendered::reweigh`]) instead of being read live.
#[derive(Clone)]
struct Entry {
    r: Arc<Rendered>,
    weight: u64,
}

impl Entry {
    fn of(r: Arc<Rendered>) -> Entry {
        Entry {
            weight: r.held() as u64,
            r,
        }
    }
}

#[derive(Clone)]
struct Weigh;

impl quick_cache::Weighter<CacheKey, Entry> for Weigh {
    fn weight(&self, key: &CacheKey, v: &Entry) -> u64 {
        v.weight + key_size(key) as u64
    }
}

/// Bytes a key holds (with its copy in the response's [`Home`]).
fn key_size(key: &CacheKey) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
    let request = |r: &FeedRequest| match &r.courses {
        crate::model::Courses::All => 0,
        crate::model::Courses::Some(ids) => ids
            .iter()
            .map(|id| id.capacity() + std::mem::size_of::<String>())
            .sum(),
    };
    let heap = match key {
        CacheKey::Feed(req) => request(req),
        CacheKey::Changes { req, base, .. } => request(req) + text(base),
        CacheKey::Event { course, uid, .. } => course.capacity() + uid.capacity(),
        CacheKey::Page { course, base, .. } => text(course) + text(base),
    };
    2 * (std::mem::size_of::<CacheKey>() + heap)
}

/// The responses of one catalog version.
type Responses = quick_cache::sync::Cache<CacheKey, Entry, Weigh>;

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
    inner: Arc<Responses>,
    /// Course pieces, shared with the versions before and after this one.
    pieces: Arc<Pieces>,
    /// Feeds of the previous version that this reload invalidated, until
    /// rendered again: when the new bytes are the same (the edit was to
    /// events this variant leaves out), their encodings are reused. Bounded
    /// to an eighth of the budget, and dropped at the next reload.
    earlier: Responses,
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
            inner: Arc::new(Responses::with_weighter(4096, max_bytes, Weigh)),
            pieces,
            earlier: Responses::with_weighter(1024, max_bytes / 8, Weigh),
        }
    }

    /// The course pieces merged feeds are assembled from.
    pub fn pieces(&self) -> &Pieces {
        &self.pieces
    }

    /// The entry an earlier version held for `key`, if a reload dropped it
    /// and it was not rendered again since (taken: asked once).
    pub fn take_earlier(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        self.earlier.remove(key).map(|(_, e)| e.r)
    }

    /// The cached variant, or the one `make` produces. Concurrent requests
    /// for the same missing variant wait for one render instead of each
    /// rendering it (no thundering herd after a reload). The flag says
    /// whether it was a hit.
    pub(super) async fn get_or_render<E, Fut>(
        &self,
        key: &CacheKey,
        make: impl FnOnce() -> Fut,
    ) -> Result<(Arc<Rendered>, bool), E>
    where
        Fut: std::future::Future<Output = Result<Arc<Rendered>, E>>,
    {
        // A page whose next date has passed is rendered again.
        if let Some(v) = self.inner.get(key)
            && v.r.valid_until.is_some_and(|t| t <= chrono::Utc::now())
        {
            self.inner.remove(key);
        }
        // The key's guard comes before the cold slot (taken in `make`):
        // requests for a variant being rendered join that render, even when
        // it is too big to be kept (a 10 MB page read by 30 clients is one
        // copy). Waiting for the slot first would queue them behind their
        // own client's gate until the render is over, and each would then
        // render it again (`tests/connection_limits.rs` measures that).
        match self.inner.get_value_or_guard_async(key).await {
            Ok(v) => Ok((v.r, true)),
            Err(guard) => {
                let v = make().await?;
                home(&v, &self.inner, key);
                let _ = guard.insert(Entry::of(v.clone()));
                Ok((v, false))
            }
        }
    }

    /// A cache for the reloaded `catalog` holding the variants that are
    /// still valid in it: editing one course keeps every feed that does not
    /// include it warm. Returns the new cache and how many were kept.
    pub fn carried_over(&self, catalog: &Catalog, max_bytes: u64) -> (FeedCache, usize) {
        let next = FeedCache::with_pieces(max_bytes, self.pieces.clone());
        let mut kept = 0;
        for (req, Entry { r, .. }) in self.inner.iter() {
            if still_valid(catalog, &req, &r) {
                next.insert(req, r);
                kept += 1;
            } else if r.compressed {
                next.earlier.insert(req, Entry::of(r));
            }
        }
        (next, kept)
    }

    pub fn get(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        self.inner.get(key).map(|e| e.r)
    }

    pub fn insert(&self, key: CacheKey, r: Arc<Rendered>) {
        home(&r, &self.inner, &key);
        self.inner.insert(key, Entry::of(r));
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
