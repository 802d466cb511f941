//! The search page.

use super::Page;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::PageResult;
use crate::params::SearchParams;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use charta_app::search::LIMIT;
use charta_store::{MATCH_END, MATCH_START, SearchHit};

/// A hit with its excerpt as safe HTML, matched words in `<mark>`.
pub struct HitView {
    pub hit: SearchHit,
    pub snippet_html: String,
    /// Whether the control is withdrawn in the version found: still
    /// searchable, but not to be followed.
    pub withdrawn: bool,
}

#[derive(Template)]
#[template(path = "search/show.html")]
pub struct SearchPage {
    pub title: String,
    pub chrome: Chrome,
    pub q: String,
    pub hits: Vec<HitView>,
    pub limit: i64,
}

/// Renders the excerpt as Markdown with the sanitising renderer (so
/// nothing in it is markup unless Markdown made it), then turns the store's
/// match markers into `<mark>`. A marker inside a tag (a link's address) is
/// dropped, and a highlight is closed before every tag and opened again
/// after it, so the highlight never breaks the elements around it.
pub fn highlight(snippet: &str) -> String {
    // A link's address carries the markers percent-encoded; drop them there.
    let html = crate::markdown::render(snippet)
        .replace("%EE%80%80", "")
        .replace("%EE%80%81", "");
    let mut out = String::with_capacity(html.len() + 32);
    let (mut in_tag, mut open) = (false, false);
    for c in html.chars() {
        match c {
            MATCH_START | MATCH_END if in_tag => {}
            MATCH_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            MATCH_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MATCH_START | MATCH_END => {}
            '<' => {
                if open {
                    out.push_str("</mark>");
                }
                in_tag = true;
                out.push(c);
            }
            '>' if in_tag => {
                in_tag = false;
                out.push(c);
                if open {
                    out.push_str("<mark>");
                }
            }
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out.replace("<mark></mark>", "")
}

/// Searches controls by identifier and text.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(p): Query<SearchParams>,
) -> PageResult<Page<SearchPage>> {
    let found = charta_app::search::readable_hits(&state, &viewer, &p.q).await?;
    let specs: std::collections::HashMap<String, charta_store::SpecRow> =
        charta_app::lookup::readable_specs(&state, &viewer)
            .await?
            .into_iter()
            .map(|s| (s.slug.clone(), s))
            .collect();
    let mut hits = Vec::with_capacity(found.len());
    for hit in found {
        let Some(spec) = specs.get(&hit.spec_slug) else {
            continue;
        };
        // Versions come from the cache: one parse per version, not per hit.
        let v = charta_app::lookup::version_of(&state, spec, hit.version).await?;
        let withdrawn = v
            .spec
            .control(&hit.control_id)
            .is_some_and(|c| c.status == charta_domain::ControlStatus::Withdrawn);
        hits.push(HitView {
            snippet_html: highlight(&hit.snippet),
            withdrawn,
            hit,
        });
    }
    Ok(Page(SearchPage {
        title: if p.q.is_empty() {
            "Search".into()
        } else {
            format!("Search: {}", p.q)
        },
        chrome: viewer.chrome(&state),
        q: p.q,
        hits,
        limit: LIMIT,
    }))
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn snippets_render_markdown_with_highlights() {
        let html = highlight(
            "Use **\u{E000}MFA\u{E001}** <script>x</script> [a](https://x.example/\u{E000}q\u{E001})",
        );
        assert!(html.contains("<strong><mark>MFA</mark></strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("href=\"https://x.example/q\""), "{html}");
        assert!(
            html.contains("<a href=\"https://x.example/q\">a</a>"),
            "{html}"
        );
    }

    #[test]
    fn highlights_never_cross_elements() {
        let html = highlight("\u{E000}a *b* c\u{E001} and `\u{E000}d\u{E001}`");
        assert!(
            html.contains("<mark>a </mark><em><mark>b</mark></em><mark> c</mark>"),
            "{html}"
        );
        assert!(html.contains("<code><mark>d</mark></code>"), "{html}");
    }
}
