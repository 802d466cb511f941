//! Full-text search over the newest version of every specification the
//! reader may see.

use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_store::SearchHit;

/// Most results returned by one search.
pub const LIMIT: i64 = 50;

/// The slugs of the specifications the viewer may read.
pub async fn readable_slugs(
    state: &App,
    viewer: &Viewer,
) -> Result<std::collections::HashSet<String>, Error> {
    Ok(crate::lookup::readable_specs(state, viewer)
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect())
}

/// Search results in specifications the viewer may read. The store searches
/// everything, so more are fetched than shown and the rest filtered out.
pub async fn readable_hits(state: &App, viewer: &Viewer, q: &str) -> Result<Vec<SearchHit>, Error> {
    let readable = readable_slugs(state, viewer).await?;
    Ok(state
        .store
        .search(q, LIMIT * 4)
        .await?
        .into_iter()
        .filter(|h| readable.contains(&h.spec_slug))
        .take(usize::try_from(LIMIT).unwrap_or(50))
        .collect())
}
