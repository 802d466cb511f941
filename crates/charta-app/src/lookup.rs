//! Loading what pages and API handlers show, shared by both so that a page
//! and its JSON twin can never disagree.

use crate::app::App;
use crate::cache::CachedVersion;
use crate::error::Error;
use crate::viewer::Viewer;
use bytes::Bytes;
use charta_domain::Spec;
use charta_domain::diff::{SpecDiff, diff_specs};
use charta_domain::format::parse_spec;
use charta_store::{SpecRow, VersionMeta};
use serde::Serialize;
use std::sync::Arc;

/// Parses a version number from a path or query, with a message that says
/// what was expected.
pub fn parse_version(raw: &str, what: &str) -> Result<i64, Error> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(Error::BadRequest(format!(
            "{what} must be a version number (1, 2, 3 ...), not {raw:?}"
        ))),
    }
}

/// The JSON representation of one version of a specification.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionDocument<'a> {
    /// Version number, from 1.
    pub version: i64,
    /// SHA-256 of the canonical file, `sha256:<hex>`.
    pub content_hash: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: time::OffsetDateTime,
    pub message: &'a str,
    #[serde(flatten)]
    pub spec: &'a Spec,
}

/// Loads a specification the viewer may read. A draft of a group the viewer
/// is not in is reported as not found, exactly like a specification that
/// does not exist, so guessing slugs reveals nothing.
pub async fn spec(state: &App, viewer: &Viewer, slug: &str) -> Result<SpecRow, Error> {
    let row = state.store.spec(slug).await?;
    if viewer.can_read(&row) {
        Ok(row)
    } else {
        Err(Error::NotFound(format!("specification {slug}")))
    }
}

/// Every specification the viewer may read.
pub async fn readable_specs(state: &App, viewer: &Viewer) -> Result<Vec<SpecRow>, Error> {
    Ok(state
        .store
        .specs()
        .await?
        .into_iter()
        .filter(|s| viewer.can_read(s))
        .collect())
}

/// Loads version `number` of `slug` (the newest when `None`), from the cache
/// when possible.
pub async fn version(
    state: &App,
    viewer: &Viewer,
    slug: &str,
    number: Option<i64>,
) -> Result<Arc<CachedVersion>, Error> {
    // Public versions are served from the cache without a database round
    // trip; publishing is one-way, so a cached public entry stays public.
    if let Some(n) = number
        && let Some(hit) = state.versions.get(&(slug.to_string(), n))
        && hit.public
    {
        return Ok(hit);
    }
    let row = spec(state, viewer, slug).await?;
    let n = number.unwrap_or(row.head_version);
    version_of(state, &row, n).await
}

/// Version `n` of a specification the caller already may read, from the
/// cache when possible: parsed once per process, never again.
pub async fn version_of(state: &App, row: &SpecRow, n: i64) -> Result<Arc<CachedVersion>, Error> {
    let slug = row.slug.as_str();
    if let Some(hit) = state.versions.get(&(slug.to_string(), n)) {
        return Ok(hit);
    }
    let v = state.store.version(row, n).await?;
    // A miss reads the stored parsed form (or, when there is none yet,
    // parses the canonical YAML, about twenty times slower) and serialises
    // the version: pooled work, like every other parse. A hit (above) never
    // waits for the pool.
    let what = format!("version {n} of {slug}");
    let (v, spec, json, parsed_now) = state
        .cpu
        .run(move |cancel| {
            let stored = v.parsed.as_deref().and_then(|p| {
                serde_json::from_str::<Spec>(p)
                    .inspect_err(|e| {
                        tracing::warn!("the stored parsed form of {what} does not read back ({e}); parsing its text instead");
                    })
                    .ok()
            });
            let (spec, parsed_now) = match stored {
                Some(spec) => (spec, None),
                None => {
                    let spec = parse_spec(&v.content).map_err(|e| {
                        Error::Internal(format!("stored {what} does not parse: {e}"))
                    })?;
                    let json = serde_json::to_string(&spec).ok();
                    (spec, json)
                }
            };
            cancel.check()?;
            let json = serde_json::to_vec(&VersionDocument {
                version: v.meta.number,
                content_hash: &v.meta.content_hash,
                created_at: v.meta.created_at,
                message: &v.meta.message,
                spec: &spec,
            })
            .map_err(|e| Error::Internal(format!("serialising {what}: {e}")))?;
            Ok((v, spec, json, parsed_now))
        })
        .await?;
    // A version stored before parsed forms were kept (or whose stored form
    // did not read back) gets one now, so its next first view is fast too. It is derived data: a failure to store
    // it costs only speed.
    if let Some(parsed) = parsed_now
        && let Err(e) = state.store.save_parsed(row.id, n, &parsed).await
    {
        tracing::warn!("keeping the parsed form of version {n} of {slug}: {e}");
    }
    let hash = v.meta.content_hash.trim_start_matches("sha256:");
    let etag = format!("\"{hash}\"");
    let v = CachedVersion {
        public: row.visibility == "public",
        spec_slug: slug.to_string(),
        meta: v.meta,
        spec,
        json: Bytes::from(json),
        etag,
        gzip: std::sync::OnceLock::new(),
    };
    let weight = crate::cache::version_weight(&v);
    Ok(state.versions.insert((slug.to_string(), n), v, weight))
}

/// Which two versions a diff compares, from the `from` and `to` query
/// parameters. Defaults: `to` is the newest version, `from` the one before.
pub fn diff_range(
    row: &SpecRow,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(i64, i64), Error> {
    let to = match to.filter(|s| !s.is_empty()) {
        Some(t) => parse_version(t, "`to`")?,
        None => row.head_version,
    };
    let from = match from.filter(|s| !s.is_empty()) {
        Some(f) => parse_version(f, "`from`")?,
        None => (to - 1).max(1),
    };
    for n in [from, to] {
        if n > row.head_version {
            return Err(Error::NotFound(format!(
                "version {n} of specification {} (it has versions 1 to {})",
                row.slug, row.head_version
            )));
        }
    }
    Ok((from, to))
}

/// Two versions and their comparison.
pub struct Compared {
    pub from: Arc<CachedVersion>,
    pub to: Arc<CachedVersion>,
    pub diff: SpecDiff,
}

/// Loads and compares two versions of a specification.
pub async fn compare(
    state: &App,
    viewer: &Viewer,
    slug: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(SpecRow, Compared), Error> {
    let row = spec(state, viewer, slug).await?;
    let (f, t) = diff_range(&row, from, to)?;
    let from = version(state, viewer, slug, Some(f)).await?;
    let to = version(state, viewer, slug, Some(t)).await?;
    let (a, b) = (from.clone(), to.clone());
    let diff = state
        .cpu
        .run(move |_| Ok(diff_specs(&a.spec, &b.spec)))
        .await?;
    Ok((row, Compared { from, to, diff }))
}

/// Version metadata, newest first.
pub async fn versions(state: &App, row: &SpecRow) -> Result<Vec<VersionMeta>, Error> {
    Ok(state.store.versions(row.id).await?)
}
