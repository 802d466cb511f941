//! Bounded in-memory caches of what never changes once stored: parsed and
//! serialised spec versions, parsed amendment revisions, derived facts.
//!
//! A cached entry is valid forever; the only policy needed is a size bound,
//! enforced by evicting the oldest entries. Serving a cached version costs
//! no database round trip and no serialisation, which is what lets the JSON
//! endpoint keep up with load.

use bytes::Bytes;
use charta_domain::Spec;
use charta_store::VersionMeta;
use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
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

/// A map bounded by the total weight (approximate bytes) of its entries,
/// evicting the oldest first. What Charta caches never changes once stored
/// (versions, revisions, release files), so entries never go stale and the
/// first insert of a key wins: a second one would be identical.
pub struct Bounded<K, V> {
    max_bytes: usize,
    inner: Mutex<BoundedInner<K, V>>,
}

struct BoundedInner<K, V> {
    map: HashMap<K, (Arc<V>, usize)>,
    order: VecDeque<K>,
    bytes: usize,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(BoundedInner {
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let inner = self.inner.lock().ok()?;
        inner.map.get(key).map(|(v, _)| v.clone())
    }

    /// Adds `v` under `key`, counting `weight` bytes against the bound, and
    /// returns the cached value (an earlier one if the key was there).
    pub fn insert(&self, key: K, v: V, weight: usize) -> Arc<V> {
        let v = Arc::new(v);
        let Ok(mut inner) = self.inner.lock() else {
            return v;
        };
        if let Some((existing, _)) = inner.map.get(&key) {
            return existing.clone();
        }
        inner.bytes += weight;
        inner.map.insert(key.clone(), (v.clone(), weight));
        inner.order.push_back(key);
        while inner.bytes > self.max_bytes && inner.order.len() > 1 {
            if let Some(old) = inner.order.pop_front()
                && let Some((_, w)) = inner.map.remove(&old)
            {
                inner.bytes = inner.bytes.saturating_sub(w);
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

/// Versions by (specification slug, number).
pub type VersionCache = Bounded<(String, i64), CachedVersion>;

/// Approximate memory held by a cached version: the JSON, about as much
/// again for the parsed form, and room for a compressed copy (about a
/// sixth).
pub fn version_weight(v: &CachedVersion) -> usize {
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
pub struct SpecCache(Bounded<String, Spec>);

impl SpecCache {
    pub fn new(max_bytes: usize) -> Self {
        Self(Bounded::new(max_bytes))
    }

    /// The parsed form of the text whose content hash is `hash`, if cached.
    pub fn get(&self, hash: &str) -> Option<Arc<Spec>> {
        self.0.get(hash)
    }

    /// Keeps `spec`, parsed from a text of `text_len` bytes whose content
    /// hash is `hash`, and returns the cached form.
    pub fn insert(&self, hash: &str, spec: Spec, text_len: usize) -> Arc<Spec> {
        // About as much again as the text for the parsed form.
        self.0.insert(hash.to_string(), spec, text_len * 2)
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

#[cfg(test)]
mod tests {
    use super::Bounded;

    #[test]
    fn evicts_the_oldest_over_the_bound_and_keeps_the_first_insert() {
        let c: Bounded<String, &str> = Bounded::new(10);
        c.insert("a".into(), "first", 4);
        assert_eq!(*c.insert("a".into(), "second", 4), "first");
        c.insert("b".into(), "b", 4);
        assert_eq!(c.len(), 2);
        c.insert("c".into(), "c", 4);
        assert!(c.get("a").is_none(), "the oldest went");
        assert_eq!(c.get("b").as_deref(), Some(&"b"));
        assert_eq!(c.len(), 2);
        // One entry larger than the bound is still kept, alone.
        c.insert("big".into(), "big", 50);
        assert_eq!(c.len(), 1);
        assert!(c.get("big").is_some());
    }
}
