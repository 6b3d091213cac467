//! Rendered feed variants, ready to serve: the bytes, their gzip and brotli
//! encodings and a strong ETag, computed once per variant and kept across
//! reloads while its courses are unchanged. The cache is bounded by total
//! bytes, so memory stays bounded however many (courses, zone, kinds)
//! variants clients ask for.

use crate::catalog::Catalog;
use crate::course::Course;
use crate::filter::{FeedRequest, FilterError};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
use std::time::SystemTime;

/// One feed variant in every encoding we serve.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub gzip: Bytes,
    pub br: Bytes,
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

impl Rendered {
    pub fn new(body: String, last_modified: Option<SystemTime>) -> Self {
        let body = Bytes::from(body);
        let digest: String = Sha256::digest(&body)[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let etag = |suffix: &str| {
            axum::http::HeaderValue::from_str(&format!("\"{digest}{suffix}\""))
                .unwrap_or(axum::http::HeaderValue::from_static("\"\""))
        };
        // Compression is most of a cold render; the two run side by side.
        let (gzip, br) = rayon::join(|| gzip(&body), || brotli(&body));
        Rendered {
            gzip,
            br,
            body,
            etags: [etag(""), etag("-gz"), etag("-br")],
            last_modified_header: last_modified
                .and_then(|t| axum::http::HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok()),
            digest,
            last_modified,
            sources: Vec::new(),
        }
    }

    /// Bytes held, for the cache's weight.
    pub fn size(&self) -> usize {
        self.body.len() + self.gzip.len() + self.br.len() + 128
    }
}

fn gzip(data: &[u8]) -> Bytes {
    // GzEncoder writes mtime 0 and a fixed OS byte: deterministic output.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    Bytes::from(enc.finish().unwrap_or_default())
}

fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 4);
    // A window just large enough for the feed: the encoder's memory grows
    // with the window, and most feeds are tens of kilobytes.
    let lgwin = (usize::BITS - data.len().max(1).leading_zeros()).clamp(16, 22);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, lgwin);
        let _ = w.write_all(data);
    }
    Bytes::from(out)
}

/// Render a variant (the slow path: no I/O, but rendering and compression).
pub fn render(catalog: &Catalog, req: &FeedRequest) -> Result<Rendered, FilterError> {
    let sources: Vec<Arc<Course>> = catalog
        .select_shared(&req.courses)?
        .into_iter()
        .cloned()
        .collect();
    let courses: Vec<&Course> = sources.iter().map(|c| c.as_ref()).collect();
    let feed = crate::ics::render(&courses, req.zone, req.kinds);
    let mut rendered = Rendered::new(feed.body, feed.last_modified.map(SystemTime::from));
    rendered.sources = sources;
    Ok(rendered)
}

/// Whether `r`, rendered for `req` from an earlier catalog, is what `req`
/// would render from `catalog`.
fn still_valid(catalog: &Catalog, req: &FeedRequest, r: &Rendered) -> bool {
    catalog.select_shared(&req.courses).is_ok_and(|now| {
        now.len() == r.sources.len() && now.iter().zip(&r.sources).all(|(a, b)| Arc::ptr_eq(a, b))
    })
}

#[derive(Clone)]
struct Weigh;

impl quick_cache::Weighter<FeedRequest, Arc<Rendered>> for Weigh {
    fn weight(&self, _: &FeedRequest, v: &Arc<Rendered>) -> u64 {
        v.size() as u64
    }
}

/// Bounded map of variants for one catalog version.
pub struct FeedCache {
    inner: quick_cache::sync::Cache<FeedRequest, Arc<Rendered>, Weigh>,
}

/// Default byte budget of the feed cache.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl FeedCache {
    pub fn new(max_bytes: u64) -> Self {
        FeedCache {
            inner: quick_cache::sync::Cache::with_weighter(4096, max_bytes, Weigh),
        }
    }

    /// The cached variant, or the one `make` produces. Concurrent requests
    /// for the same missing variant wait for one render instead of each
    /// rendering it (no thundering herd after a reload). The flag says
    /// whether it was a hit.
    pub async fn get_or_render<E, Fut>(
        &self,
        req: &FeedRequest,
        make: impl FnOnce() -> Fut,
    ) -> Result<(Arc<Rendered>, bool), E>
    where
        Fut: std::future::Future<Output = Result<Arc<Rendered>, E>>,
    {
        match self.inner.get_value_or_guard_async(req).await {
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
            }
        }
        (next, kept)
    }

    pub fn get(&self, req: &FeedRequest) -> Option<Arc<Rendered>> {
        self.inner.get(req)
    }

    pub fn insert(&self, req: FeedRequest, r: Arc<Rendered>) {
        self.inner.insert(req, r);
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
