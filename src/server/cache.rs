//! Rendered responses, ready to serve: feed variants, one-event feeds and
//! HTML pages, each with its bytes, (for feeds) gzip and brotli encodings
//! and a strong ETag, computed once and shared by every request for them —
//! N readers of one 10 MB page hold one copy. Feeds are kept across reloads
//! while their courses are unchanged. The cache is bounded by the bytes its
//! entries hold, weighed again whenever that changes, so memory stays
//! bounded however many variants clients ask for.

use super::rendered::Home;
pub(super) use super::rendered::{Compression, Rendered, compressions, off_workers};
use super::slots::{self, ColdSlot, try_turn};
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
            && v.r.valid_until.is_some_and(|t| t <= chrono::Utc::now())
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
                Ok(v) => return Ok((v.r, true)),
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
            home(&v, &self.inner, key);
            let _ = guard.insert(Entry::of(v.clone()));
            return Ok((v, false));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::slots::{ONE_AT_A_TIME, as_client, render_slots, renders};
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
}
