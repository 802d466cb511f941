//! Atom feeds: releases per working group, per specification and per
//! catalog item (every release that changes a control mapped to it, such
//! as `/feeds/clauses/CRA:AnnexI.P2.5.atom`), and the activity of one
//! amendment or one ballot, read from the audit log.
//!
//! Feeds are written by hand rather than templated: the format is small,
//! and every text goes through one escaping function.

use crate::auth::Viewer;
use crate::error::{Error, PageResult};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use charta_app::lookup;
use charta_domain::diff::{ChangeKind, diff_specs};
use charta_store::ReleaseRow;
use std::fmt::Write;

/// One entry of a feed.
struct Entry {
    title: String,
    url: String,
    /// The entry's id: its URL unless several entries share a page.
    id: String,
    updated: String,
    author: String,
    summary: String,
    /// A machine-readable form of what the entry announces.
    json: Option<String>,
}

/// Strips the `.atom` suffix, or reports the feed as not found.
fn feed_name(file: &str) -> Result<&str, Error> {
    file.strip_suffix(".atom")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::NotFound(format!("feed {file} (feeds end in .atom)")))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Renders a feed. Its `updated` is its newest entry's, so an unchanged
/// feed stays byte-identical.
fn render(
    state: &AppState,
    path: &str,
    title: &str,
    alternate: &str,
    entries: &[Entry],
) -> Response {
    let base = &state.config.public_url;
    let updated = entries
        .iter()
        .map(|e| e.updated.as_str())
        .max()
        .unwrap_or("1970-01-01T00:00:00Z");
    let mut xml = String::new();
    let _ = write!(
        xml,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{}</title>\n  <id>{}{}</id>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}{}\"/>\n  <updated>{}</updated>\n  <generator>Charta</generator>\n",
        escape(title),
        escape(base),
        escape(path),
        escape(base),
        escape(path),
        escape(base),
        escape(alternate),
        updated
    );
    for e in entries {
        let related = match &e.json {
            Some(url) => format!(
                "\n    <link rel=\"related\" type=\"application/json\" href=\"{}\"/>",
                escape(url)
            ),
            None => String::new(),
        };
        let _ = write!(
            xml,
            "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>{}\n    <published>{}</published>\n    <updated>{}</updated>\n    <author><name>{}</name></author>\n    <summary>{}</summary>\n  </entry>\n",
            escape(&e.title),
            escape(&e.id),
            escape(&e.url),
            related,
            e.updated,
            e.updated,
            escape(&e.author),
            escape(&e.summary)
        );
    }
    xml.push_str("</feed>\n");
    let mut resp = Response::new(axum::body::Body::from(xml));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    resp
}

/// The releases of specifications the viewer may read (feeds are read
/// signed out, so in practice: public specifications), newest first.
async fn readable_releases(state: &AppState, viewer: &Viewer) -> Result<Vec<ReleaseRow>, Error> {
    let readable: std::collections::HashSet<String> = lookup::readable_specs(state, viewer)
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect();
    Ok(state
        .store
        .all_releases()
        .await?
        .into_iter()
        .filter(|r| readable.contains(&r.spec_slug))
        .collect())
}

fn entry(state: &AppState, r: &ReleaseRow, summary: String) -> Entry {
    let url = format!(
        "{}/releases/{}/{}/",
        state.config.public_url, r.spec_slug, r.name
    );
    Entry {
        title: format!(
            "{} {}{}",
            r.spec_title,
            r.name,
            if r.superseded_at.is_some() {
                " (superseded)"
            } else {
                ""
            }
        ),
        url: url.clone(),
        id: url.clone(),
        json: Some(format!("{url}release.json")),
        updated: rfc3339(r.published_at),
        author: r.group_slug.clone(),
        summary,
    }
}

fn default_summary(r: &ReleaseRow) -> String {
    format!(
        "Release {} of {}, freezing version {}, published {}.",
        r.name, r.spec_title, r.version, r.published_on
    )
}

/// Releases of every specification of a working group.
pub async fn group(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
) -> PageResult<Response> {
    let slug = feed_name(&file)?;
    let g = state.store.group(slug).await?;
    let entries: Vec<Entry> = readable_releases(&state, &viewer)
        .await?
        .iter()
        .filter(|r| r.group_slug == g.slug)
        .map(|r| entry(&state, r, default_summary(r)))
        .collect();
    Ok(render(
        &state,
        &format!("/feeds/groups/{file}"),
        &format!("Releases of {}", g.name),
        &format!("/groups/{}", g.slug),
        &entries,
    ))
}

/// Releases of one specification.
pub async fn spec(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
) -> PageResult<Response> {
    let slug = feed_name(&file)?;
    let row = lookup::spec(&state, &viewer, slug).await?;
    let entries: Vec<Entry> = state
        .store
        .releases(row.id)
        .await?
        .iter()
        .map(|r| entry(&state, r, default_summary(r)))
        .collect();
    Ok(render(
        &state,
        &format!("/feeds/specs/{file}"),
        &format!("Releases of {}", row.title),
        &format!("/specs/{}/releases", row.slug),
        &entries,
    ))
}

/// Every release that changes a control mapped to one catalog item: added,
/// withdrawn or removed controls mapped to it before or after, and changed
/// controls whose text or mapping to it changed.
pub async fn clause(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
) -> PageResult<Response> {
    let item = feed_name(&file)?;
    let found = state
        .catalogs
        .item(item)
        .ok_or_else(|| Error::NotFound(format!("catalog item {item}")))?;
    let item_title = found.item.title.clone();
    let mut entries = Vec::new();
    let releases = readable_releases(&state, &viewer).await?;
    // The versions come from the cache (or the store); comparing each
    // release with its predecessor is pooled work, stopped between releases
    // if the request is abandoned.
    let mut pairs = Vec::with_capacity(releases.len());
    for r in &releases {
        let new = lookup::version(&state, &viewer, &r.spec_slug, Some(r.version)).await?;
        // The predecessor is a release of the same specification, so it is
        // in the same list.
        let previous = r
            .predecessor_id
            .and_then(|id| releases.iter().find(|p| p.id == id));
        let old = match previous {
            Some(p) => Some(lookup::version(&state, &viewer, &r.spec_slug, Some(p.version)).await?),
            None => None,
        };
        pairs.push((old, new));
    }
    let target = item.to_string();
    let touched_by_release = state
        .cpu
        .run(move |cancel| {
            let mut out = Vec::with_capacity(pairs.len());
            for (old, new) in &pairs {
                cancel.check()?;
                out.push(touched(old.as_deref().map(|o| &o.spec), &new.spec, &target));
            }
            Ok(out)
        })
        .await?;
    for (r, touched) in releases.iter().zip(touched_by_release) {
        if !touched.is_empty() {
            let summary = format!(
                "Release {} of {} changes controls mapped to {item}: {}.",
                r.name,
                r.spec_title,
                touched.join(", ")
            );
            entries.push(entry(&state, r, summary));
        }
    }
    Ok(render(
        &state,
        &format!("/feeds/clauses/{file}"),
        &format!("Releases changing controls mapped to {item} ({item_title})"),
        &format!("/catalogs/{}/items/{item}", found.catalog.catalog),
        &entries,
    ))
}

/// The controls a release changes that map to catalog item `item`, before
/// or after, as "id (kind)"; `old` is the predecessor's specification, or
/// `None` for a first release, which changes every control it has.
fn touched(
    old: Option<&charta_domain::Spec>,
    new: &charta_domain::Spec,
    item: &str,
) -> Vec<String> {
    let empty = charta_domain::Spec {
        spec: new.spec.clone(),
        group: new.group.clone(),
        title: new.title.clone(),
        summary: String::new(),
        sections: Vec::new(),
        controls: Vec::new(),
    };
    let old = old.unwrap_or(&empty);
    let maps = |s: &charta_domain::Spec, id: &str| {
        s.control(id)
            .is_some_and(|c| c.mappings.iter().any(|m| m.target == item))
    };
    diff_specs(old, new)
        .changed()
        .filter(|c| c.kind != ChangeKind::Unchanged)
        .filter(|c| maps(old, &c.id) || maps(new, &c.id))
        .map(|c| format!("{} ({})", c.id, c.kind.as_str()))
        .collect()
}

/// Names of the people who appear as `user:ID` actors, looked up once each.
async fn actor_names(
    state: &AppState,
    entries: &[charta_store::AuditEntry],
) -> Result<std::collections::HashMap<String, String>, Error> {
    let mut names = std::collections::HashMap::new();
    for e in entries {
        if names.contains_key(&e.actor) {
            continue;
        }
        let name = match e.actor.strip_prefix("user:").and_then(|id| id.parse().ok()) {
            Some(id) => match state.store.user(id).await {
                Ok(u) if !u.name.is_empty() => u.name,
                _ => e.actor.clone(),
            },
            None => "Charta".to_string(),
        };
        names.insert(e.actor.clone(), name);
    }
    Ok(names)
}

/// Shortens text for a summary.
fn clip(text: &str) -> String {
    const MAX: usize = 600;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// What happens to one amendment: revisions, threads, replies, review
/// requests and state changes, newest first.
pub async fn amendment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, file)): Path<(String, String)>,
) -> PageResult<Response> {
    let number: i64 = feed_name(&file)?
        .parse()
        .map_err(|_| Error::NotFound(format!("feed {file} (amendment feeds are NUMBER.atom)")))?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let a = state.store.amendment(row.id, number).await?;
    let log = state
        .store
        .audit_of(&format!("amendment:{}/{number}", row.slug), 200)
        .await?;
    let names = actor_names(&state, &log).await?;
    let comments = state.store.comments(a.id).await?;
    let page = format!(
        "{}/specs/{}/amendments/{number}",
        state.config.public_url, row.slug
    );
    let entries: Vec<Entry> = log
        .iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let text = |k: &str| {
                d.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let thread = d.get("thread").and_then(|v| v.as_i64());
            let body_of = |id: Option<i64>, thread: Option<i64>| {
                comments
                    .iter()
                    .find(|c| Some(c.id) == id || (id.is_none() && Some(c.thread_id) == thread))
                    .map(|c| clip(&c.body))
                    .unwrap_or_default()
            };
            let (title, summary) = match e.action.as_str() {
                "amendment.create" => ("Proposed".to_string(), text("title")),
                "amendment.revise" => ("New revision".to_string(), text("message")),
                "amendment.state" => (format!("{} → {}", text("from"), text("to")), text("reason")),
                "review.thread.create"
                    if d.get("blocking").and_then(|v| v.as_bool()) == Some(true) =>
                {
                    ("Objection raised".to_string(), body_of(None, thread))
                }
                "review.thread.create" => ("New thread".to_string(), body_of(None, thread)),
                "review.comment" => (
                    "Reply".to_string(),
                    body_of(d.get("comment").and_then(|v| v.as_i64()), thread),
                ),
                "review.request" => ("Review requested".to_string(), String::new()),
                other => (other.to_string(), String::new()),
            };
            let url = match thread {
                Some(t) => format!("{page}#thread-{t}"),
                None => page.clone(),
            };
            Entry {
                title,
                id: format!("{page}#event-{}", e.seq),
                url,
                updated: e.at.clone(),
                author: names.get(&e.actor).cloned().unwrap_or_default(),
                summary,
                json: None,
            }
        })
        .collect();
    Ok(render(
        &state,
        &format!("/feeds/amendments/{}/{file}", row.slug),
        &format!("Amendment {number} of {}: {}", row.title, a.title),
        &format!("/specs/{}/amendments/{number}", row.slug),
        &entries,
    ))
}

/// What happens to one ballot: opening, votes, extensions, reminders and
/// its close, newest first; for those who may read the ballot.
pub async fn ballot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
) -> PageResult<Response> {
    let id = charta_app::ballot::parse_id(feed_name(&file)?)?;
    let b = state.store.ballot(id).await?;
    let spec = lookup::spec(&state, &viewer, &b.spec_slug).await?;
    if charta_app::ballot::visible(&viewer, &spec, vec![b.clone()]).is_empty() {
        return Err(Error::NotFound(format!("ballot {id}")).into());
    }
    let log = state.store.audit_of(&format!("ballot:{id}"), 500).await?;
    let names = actor_names(&state, &log).await?;
    let orgs: std::collections::HashMap<i64, String> = state
        .store
        .organizations(b.group_id)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let page = format!("{}/ballots/{id}", state.config.public_url);
    let entries: Vec<Entry> = log
        .iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let text = |k: &str| {
                d.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let (title, summary) = match e.action.as_str() {
                "ballot.open" => (
                    "Ballot opened".to_string(),
                    format!("Closes {}", text("closes_at")),
                ),
                "ballot.vote" => {
                    let org = d
                        .get("organization")
                        .and_then(|v| v.as_i64())
                        .and_then(|o| orgs.get(&o).cloned())
                        .unwrap_or_default();
                    (
                        format!("{org}: {}", text("position")),
                        clip(&text("rationale")),
                    )
                }
                "ballot.extend" => ("Deadline extended".to_string(), text("closes_at")),
                "ballot.remind" => ("Voters reminded of the deadline".to_string(), String::new()),
                "ballot.close" => (format!("Closed: {}", text("outcome")), text("explanation")),
                "ballot.cancel" => ("Cancelled".to_string(), text("reason")),
                other => (other.to_string(), String::new()),
            };
            Entry {
                title,
                id: format!("{page}#event-{}", e.seq),
                url: page.clone(),
                updated: e.at.clone(),
                author: names.get(&e.actor).cloned().unwrap_or_default(),
                summary,
                json: Some(format!("{}/api/v1/ballots/{id}", state.config.public_url)),
            }
        })
        .collect();
    Ok(render(
        &state,
        &format!("/feeds/ballots/{file}"),
        &format!("Ballot {id}: {}", b.title),
        &format!("/ballots/{id}"),
        &entries,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(escape("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert!(feed_name("x.atom").is_ok());
        assert!(feed_name(".atom").is_err());
        assert!(feed_name("x.rss").is_err());
    }
}
