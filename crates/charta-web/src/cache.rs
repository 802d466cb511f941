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
    v.json.len() * 2
}
