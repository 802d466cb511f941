//! Full-text search over the newest version of every specification, with
//! each backend's own engine: FTS5 on SQLite, `tsvector` on PostgreSQL.

use crate::page::{Page, PageKey, PageRequest};
use crate::{MATCH_END, MATCH_START, Pool, SearchHit, Store, StoreError, StoreResult};

/// Longest query accepted, in characters; longer input is cut, not refused.
const MAX_QUERY_CHARS: usize = 200;

/// Splits user input into words (letters and digits). Everything else,
/// including each engine's query operators, is treated as a separator, so no
/// input can be a syntax error or change the query's meaning.
pub(crate) fn words(q: &str) -> Vec<String> {
    q.chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_lowercase)
        .collect()
}

impl Store {
    /// Finds controls whose identifier, title, statement or guidance contain
    /// every word of `q` (as a word or word prefix), best matches first.
    pub async fn search(&self, q: &str, limit: i64) -> StoreResult<Vec<SearchHit>> {
        let words = words(q);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let start = MATCH_START.to_string();
        let end = MATCH_END.to_string();
        let hits = match &self.pool {
            Pool::Sqlite(p) => {
                let fts: Vec<String> = words.iter().map(|w| format!("\"{w}\"*")).collect();
                sqlx::query_as(
                    "SELECT s.slug AS spec_slug, s.title AS spec_title, f.version, f.control_id, f.title,
                            snippet(control_search, 2, $1, $2, ' … ', 16) AS snippet
                     FROM control_search f
                     JOIN specs s ON s.id = f.spec_id AND s.head_version = f.version
                     WHERE control_search MATCH $3
                     ORDER BY bm25(control_search, 10.0, 5.0, 1.0), f.control_id
                     LIMIT $4",
                )
                .bind(&start)
                .bind(&end)
                .bind(fts.join(" AND "))
                .bind(limit)
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                let tsq: Vec<String> = words.iter().map(|w| format!("{w}:*")).collect();
                let options = format!(
                    "StartSel={start}, StopSel={end}, MaxWords=24, MinWords=8, ShortWord=2, FragmentDelimiter=\" … \", MaxFragments=2"
                );
                sqlx::query_as(
                    "SELECT s.slug AS spec_slug, s.title AS spec_title, c.version, c.control_id, c.title,
                            ts_headline('english', c.statement || ' ' || c.guidance, q, $1) AS snippet
                     FROM version_controls c
                     JOIN specs s ON s.id = c.spec_id AND s.head_version = c.version,
                          to_tsquery('simple', $2) q
                     WHERE c.search @@ (q || to_tsquery('english', $2))
                     ORDER BY ts_rank(c.search, q || to_tsquery('english', $2)) DESC, c.control_id
                     LIMIT $3",
                )
                .bind(options)
                .bind(tsq.join(" & "))
                .bind(limit)
                .fetch_all(p)
                .await?
            }
        };
        Ok(hits)
    }
}

/// A search result with its place in the ranking: `score` sorts best first
/// (bm25 on SQLite; the negated rank on PostgreSQL), then the
/// specification and the control break ties.
#[derive(sqlx::FromRow)]
struct RankedHit {
    score: f64,
    spec_slug: String,
    spec_title: String,
    version: i64,
    control_id: String,
    title: String,
    snippet: String,
}

impl RankedHit {
    fn key(&self) -> PageKey {
        PageKey {
            text: format!("{}\n{}", self.spec_slug, self.control_id),
            number: i64::from_ne_bytes(self.score.to_bits().to_ne_bytes()),
        }
    }
}

/// The ranking position a search cursor stands for.
fn ranked_after(page: &PageRequest) -> StoreResult<(f64, String, String)> {
    let Some(key) = &page.after else {
        return Ok((f64::MIN, String::new(), String::new()));
    };
    let score = f64::from_bits(u64::from_ne_bytes(key.number.to_ne_bytes()));
    match key.text.split_once('\n') {
        Some((spec, control)) if score.is_finite() => Ok((score, spec.into(), control.into())),
        _ => Err(StoreError::Cursor(
            "the cursor is not a position in search results".into(),
        )),
    }
}

impl Store {
    /// One page of [`Store::search`]'s results, best first. The ranking
    /// is computed for every match, then the page after the cursor's
    /// position is kept; a cursor outlives changes to the specifications
    /// only as well as the ranking does.
    pub async fn search_page(&self, q: &str, page: &PageRequest) -> StoreResult<Page<SearchHit>> {
        let words = words(q);
        if words.is_empty() {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let (score, spec, control) = ranked_after(page)?;
        let start = MATCH_START.to_string();
        let end = MATCH_END.to_string();
        let rows: Vec<RankedHit> = match &self.pool {
            Pool::Sqlite(p) => {
                let fts: Vec<String> = words.iter().map(|w| format!("\"{w}\"*")).collect();
                sqlx::query_as(
                    "WITH h AS MATERIALIZED (
                       SELECT bm25(control_search, 10.0, 5.0, 1.0) AS score,
                              s.slug AS spec_slug, s.title AS spec_title, f.version, f.control_id, f.title,
                              snippet(control_search, 2, $1, $2, ' … ', 16) AS snippet
                       FROM control_search f
                       JOIN specs s ON s.id = f.spec_id AND s.head_version = f.version
                       WHERE control_search MATCH $3)
                     SELECT * FROM h
                     WHERE score > $4 OR (score = $4 AND (spec_slug > $5 OR (spec_slug = $5 AND control_id > $6)))
                     ORDER BY score, spec_slug, control_id
                     LIMIT $7",
                )
                .bind(&start)
                .bind(&end)
                .bind(fts.join(" AND "))
                .bind(score)
                .bind(&spec)
                .bind(&control)
                .bind(page.fetch())
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                let tsq: Vec<String> = words.iter().map(|w| format!("{w}:*")).collect();
                let options = format!(
                    "StartSel={start}, StopSel={end}, MaxWords=24, MinWords=8, ShortWord=2, FragmentDelimiter=\" … \", MaxFragments=2"
                );
                sqlx::query_as(
                    "WITH h AS (
                       SELECT -(ts_rank(c.search, q || to_tsquery('english', $2))::float8) AS score,
                              s.slug AS spec_slug, s.title AS spec_title, c.version, c.control_id, c.title,
                              c.statement, c.guidance, q
                       FROM version_controls c
                       JOIN specs s ON s.id = c.spec_id AND s.head_version = c.version,
                            to_tsquery('simple', $2) q
                       WHERE c.search @@ (q || to_tsquery('english', $2)))
                     SELECT score, spec_slug, spec_title, version, control_id, title,
                            ts_headline('english', statement || ' ' || guidance, q, $1) AS snippet
                     FROM h
                     WHERE score > $3 OR (score = $3 AND (spec_slug > $4 OR (spec_slug = $4 AND control_id > $5)))
                     ORDER BY score, spec_slug, control_id
                     LIMIT $6",
                )
                .bind(options)
                .bind(tsq.join(" & "))
                .bind(score)
                .bind(&spec)
                .bind(&control)
                .bind(page.fetch())
                .fetch_all(p)
                .await?
            }
        };
        let page = Page::from_rows(rows, page, RankedHit::key);
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|h| SearchHit {
                    spec_slug: h.spec_slug,
                    spec_title: h.spec_title,
                    version: h.version,
                    control_id: h.control_id,
                    title: h.title,
                    snippet: h.snippet,
                })
                .collect(),
            next: page.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn operators_become_separators() {
        assert_eq!(words("SVH-VM-03"), ["svh", "vm", "03"]);
        assert_eq!(words("\"a\" OR b*:) & !c"), ["a", "or", "b", "c"]);
        assert!(words("  -- ").is_empty());
        assert_eq!(words(&"x ".repeat(50)).len(), 12);
    }
}
