//! A bounded in-memory cache of parsed and serialised spec versions.
//!
//! Stored versions never change, so a cached entry is valid forever; the only
//! policy needed is a size bound, enforced by evicting the oldest entries.
//! Serving a cached version costs no database round trip and no
//! serialisation, which is what lets the JSON endpoint keep up with load.

use axum::body::Bytes;
use charta_domain::Spec;
use charta_store::VersionMeta;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// A version ready to serve.
#[derive(Debug)]
pub struct CachedVersion {
    /// Whether the specification was public when this entry was made.
    pub public: bool,
    pub spec_slug: String,
    pub meta: VersionMeta,
    pub spec: Spec,
    /// The API representation, already serialised.
    pub json: Bytes,
    /// Strong entity tag for the JSON representation.
    pub etag: String,
    /// The JSON gzip-compressed, with its own tag, made the first time a
    /// client asks for it; `None` inside for versions too small to gain.
    pub gzip: std::sync::OnceLock<Option<(String, Bytes)>>,
}

impl CachedVersion {
    /// The gzip representation and its tag, compressed on first use.
    pub fn gzipped(&self) -> Option<&(String, Bytes)> {
        self.gzip
            .get_or_init(|| {
                let hash = self.etag.trim_matches('"');
                gzip(&self.json).map(|g| (format!("\"{hash}-gzip\""), g))
            })
            .as_ref()
    }
}

type Key = (String, i64);

/// See the module documentation.
pub struct VersionCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Arc<CachedVersion>>,
    order: VecDeque<Key>,
    bytes: usize,
}

impl VersionCache {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn get(&self, slug: &str, number: i64) -> Option<Arc<CachedVersion>> {
        let inner = self.inner.lock().ok()?;
        inner.map.get(&(slug.to_string(), number)).cloned()
    }

    /// Adds an entry (replacing none: the first insert of a key wins, since
    /// both would be identical) and evicts the oldest entries over the bound.
    pub fn insert(&self, v: CachedVersion) -> Arc<CachedVersion> {
        let v = Arc::new(v);
        let Ok(mut inner) = self.inner.lock() else {
            return v;
        };
        let key = (v.spec_slug.clone(), v.meta.number);
        if let Some(existing) = inner.map.get(&key) {
            return existing.clone();
        }
        inner.bytes += weight(&v);
        inner.map.insert(key.clone(), v.clone());
        inner.order.push_back(key);
        while inner.bytes > self.max_bytes && inner.order.len() > 1 {
            if let Some(old) = inner.order.pop_front()
                && let Some(e) = inner.map.remove(&old)
            {
                inner.bytes = inner.bytes.saturating_sub(weight(&e));
            }
        }
        v
    }

    /// Number of entries, for tests and metrics.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.map.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Approximate memory held by an entry: the JSON plus about as much again
/// for the parsed form.
fn weight(v: &CachedVersion) -> usize {
    // The JSON, about as much again for the parsed form, and room for a
    // compressed copy (about a sixth).
    v.json.len() * 2 + v.json.len() / 6
}

/// Responses smaller than this are sent as they are: compressing them saves
/// less than a packet.
const GZIP_MIN_BYTES: usize = 8 * 1024;

/// `json` gzip-compressed, if it is large enough to be worth it.
pub fn gzip(json: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    if json.len() < GZIP_MIN_BYTES {
        return None;
    }
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 4),
        flate2::Compression::new(6),
    );
    enc.write_all(json).ok()?;
    enc.finish().ok().map(Bytes::from)
}

/// Parsed specification texts by content hash, bounded by size. Amendment
/// revisions, like versions, never change, and the same text always has the
/// same hash, so an amendment page or a rebase parses each 1 MB revision
/// once per process instead of several times per request.
pub struct SpecCache {
    max_bytes: usize,
    inner: Mutex<SpecInner>,
}

#[derive(Default)]
struct SpecInner {
    map: HashMap<String, (Arc<Spec>, usize)>,
    order: VecDeque<String>,
    bytes: usize,
}

impl SpecCache {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(SpecInner::default()),
        }
    }

    /// The parsed form of `text`, whose content hash is `hash`; parsed with
    /// `parse` on a miss.
    pub fn get_or_parse<E>(
        &self,
        hash: &str,
        text: &str,
        parse: impl FnOnce(&str) -> Result<Spec, E>,
    ) -> Result<Arc<Spec>, E> {
        if let Some(hit) = self
            .inner
            .lock()
            .ok()
            .and_then(|i| i.map.get(hash).map(|(s, _)| s.clone()))
        {
            return Ok(hit);
        }
        let spec = Arc::new(parse(text)?);
        // About as much again as the text for the parsed form.
        let weight = text.len() * 2;
        if let Ok(mut inner) = self.inner.lock()
            && !inner.map.contains_key(hash)
        {
            inner.bytes += weight;
            inner.map.insert(hash.to_string(), (spec.clone(), weight));
            inner.order.push_back(hash.to_string());
            while inner.bytes > self.max_bytes && inner.order.len() > 1 {
                if let Some(old) = inner.order.pop_front()
                    && let Some((_, w)) = inner.map.remove(&old)
                {
                    inner.bytes = inner.bytes.saturating_sub(w);
                }
            }
        }
        Ok(spec)
    }
}

/// Small derived facts keyed by content (such as the controls a revision
/// changes against its base), kept up to a number of entries; when full it
/// starts over, which costs only recomputation.
pub struct Memo<V> {
    max_entries: usize,
    inner: Mutex<HashMap<String, Arc<V>>>,
}

impl<V> Memo<V> {
    pub fn new(max_entries: usize) -> Self {
        Self {
            max_entries,
            inner: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<V>> {
        self.inner.lock().ok()?.get(key).cloned()
    }

    pub fn insert(&self, key: String, v: V) -> Arc<V> {
        let v = Arc::new(v);
        if let Ok(mut m) = self.inner.lock() {
            if m.len() >= self.max_entries {
                m.clear();
            }
            m.insert(key, v.clone());
        }
        v
    }
}
