//! View models shared by several pages: controls with their Markdown
//! rendered, mapping badges, HTML-escaping helpers, times and people as
//! readers name them, and which release of a specification is current.

use crate::error::Error;
use crate::markdown;
use crate::state::AppState;
use charta_domain::{Control, Spec};
use charta_store::ReleaseRow;
use std::collections::HashMap;

/// A mapping as a page shows it.
pub struct MappingView {
    pub target: String,
    pub relationship: &'static str,
    pub rationale: String,
    /// Slug of the catalog the item belongs to.
    pub catalog: String,
    /// Short label of the catalog, such as "CRA".
    pub catalog_label: &'static str,
    pub item_title: String,
}

/// A control as a page shows it.
pub struct ControlView {
    pub id: String,
    pub title: String,
    pub level: u8,
    pub withdrawn: bool,
    pub replaced_by: Vec<String>,
    pub statement_html: String,
    pub guidance_html: String,
    pub mappings: Vec<MappingView>,
}

/// A section with its controls.
pub struct SectionView {
    pub id: String,
    pub title: String,
    pub description_html: String,
    pub controls: Vec<ControlView>,
}

/// Short label for a catalog slug.
pub fn catalog_label(slug: &str) -> &'static str {
    match slug {
        "cra" => "CRA",
        "openssf-prs" => "OpenSSF PRS",
        "osps-baseline" => "OSPS Baseline",
        _ => "Catalog",
    }
}

impl ControlView {
    pub fn new(state: &AppState, c: &Control) -> Self {
        let mappings = c
            .mappings
            .iter()
            .map(|m| {
                let found = state.catalogs.item(&m.target);
                let catalog = found.map(|r| r.catalog.catalog.clone()).unwrap_or_default();
                MappingView {
                    target: m.target.clone(),
                    relationship: m.relationship.as_str(),
                    rationale: m.rationale.clone(),
                    catalog_label: catalog_label(&catalog),
                    catalog,
                    item_title: found.map(|r| r.item.title.clone()).unwrap_or_default(),
                }
            })
            .collect();
        Self {
            id: c.id.clone(),
            title: c.title.clone(),
            level: c.level.get(),
            withdrawn: c.status == charta_domain::ControlStatus::Withdrawn,
            replaced_by: c.replaced_by.clone(),
            statement_html: markdown::render(&c.statement),
            guidance_html: markdown::render(&c.guidance),
            mappings,
        }
    }
}

/// Groups a specification's controls by section, in file order, keeping only
/// controls at or below `max_level` when given.
pub fn sections(state: &AppState, spec: &Spec, max_level: Option<u8>) -> Vec<SectionView> {
    spec.sections
        .iter()
        .map(|s| SectionView {
            id: s.id.clone(),
            title: s.title.clone(),
            description_html: markdown::render(&s.description),
            controls: spec
                .controls
                .iter()
                .filter(|c| c.section == s.id)
                .filter(|c| max_level.is_none_or(|l| c.level.get() <= l))
                .map(|c| ControlView::new(state, c))
                .collect(),
        })
        .collect()
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub use charta_app::words::{date, datetime, day, when, when_text};

/// The names of the people behind actors such as `user:4`, as stored in
/// versions (`created_by`), audit entries and ballots.
#[derive(Debug, Default)]
pub struct People(HashMap<i64, String>);

impl People {
    /// Reads the names of every `user:{id}` among `actors`, once each.
    pub async fn of(state: &AppState, actors: &[&str]) -> Result<People, Error> {
        let ids: Vec<i64> = actors.iter().filter_map(|a| user_id(a)).collect();
        let mut names = HashMap::new();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
                // An account that no longer exists is named by its number.
                let name = state.store.user(id).await.map_or_else(
                    |_| format!("account {id}"),
                    |u| {
                        if u.name.trim().is_empty() {
                            u.email
                        } else {
                            u.name
                        }
                    },
                );
                e.insert(name);
            }
        }
        Ok(People(names))
    }

    /// How a page names an actor: a person's name for `user:{id}`, a
    /// sentence for the system's own actors, anything else as recorded
    /// (such as the tool that imported a file).
    pub fn name(&self, actor: &str) -> String {
        if let Some(id) = user_id(actor) {
            return self
                .0
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("account {id}"));
        }
        match actor {
            "anonymous" => "someone not signed in".into(),
            "deadline" => "the deadline".into(),
            other => other.to_string(),
        }
    }
}

fn user_id(actor: &str) -> Option<i64> {
    actor.strip_prefix("user:")?.parse().ok()
}

/// Where a release stands among its specification's releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The newest release that was not marked superseded: the one to use.
    Current,
    /// Marked superseded by the chair, for the stated reason.
    Withdrawn { reason: String },
    /// An older release: a newer one replaces it.
    Replaced { by: String },
}

impl Standing {
    /// Of each of `releases`, given newest first as the store lists them:
    /// only the newest release not marked superseded is current.
    pub fn of_all(releases: &[ReleaseRow]) -> Vec<Standing> {
        let current = releases.iter().position(|r| r.superseded_at.is_none());
        releases
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if r.superseded_at.is_some() {
                    Standing::Withdrawn {
                        reason: r.superseded_reason.clone(),
                    }
                } else if Some(i) == current {
                    Standing::Current
                } else {
                    // The release published right after this one.
                    let by = releases
                        .iter()
                        .rev()
                        .find(|n| n.id > r.id)
                        .map(|n| n.name.clone())
                        .unwrap_or_default();
                    Standing::Replaced { by }
                }
            })
            .collect()
    }

    /// The standing of the release named `name` among `releases`.
    pub fn of(releases: &[ReleaseRow], name: &str) -> Option<Standing> {
        releases
            .iter()
            .zip(Self::of_all(releases))
            .find(|(r, _)| r.name == name)
            .map(|(_, s)| s)
    }

    pub fn is_current(&self) -> bool {
        *self == Standing::Current
    }

    /// The release that replaced this one, for older releases.
    pub fn replaced_by(&self) -> Option<&str> {
        match self {
            Standing::Replaced { by } if !by.is_empty() => Some(by),
            _ => None,
        }
    }

    /// The chair's reason, for releases marked superseded.
    pub fn withdrawn_reason(&self) -> Option<&str> {
        match self {
            Standing::Withdrawn { reason } => Some(reason),
            _ => None,
        }
    }
}

/// The release a reader should use: the newest one not marked superseded.
pub fn current_release(releases: &[ReleaseRow]) -> Option<&ReleaseRow> {
    releases.iter().find(|r| r.superseded_at.is_none())
}

#[cfg(test)]
mod tests {
    use super::{datetime, day, escape, when, when_text};

    #[test]
    fn times_read_as_words() {
        let t = time::macros::datetime!(2026-12-03 10:12:30 +01:00);
        assert_eq!(day(t), "3 December 2026");
        assert_eq!(when(t), "3 December 2026, 09:12 UTC");
        assert_eq!(
            when_text("2026-01-09T23:59:00Z"),
            "9 January 2026, 23:59 UTC"
        );
        assert_eq!(when_text("yesterday"), "yesterday");
    }

    #[test]
    fn datetimes_are_minutes_in_utc() {
        let t = time::macros::datetime!(2026-11-20 14:05:59.25 +02:00);
        assert_eq!(datetime(t), "2026-11-20 12:05 UTC");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
