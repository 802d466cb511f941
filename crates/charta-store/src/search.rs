//! Full-text search over the newest version of every specification, with
//! each backend's own engine: FTS5 on SQLite, `tsvector` on PostgreSQL.

use crate::{MATCH_END, MATCH_START, Pool, SearchHit, Store, StoreResult};

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
