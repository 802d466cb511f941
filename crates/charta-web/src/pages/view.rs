//! View models shared by several pages: controls with their Markdown
//! rendered, mapping badges, and HTML-escaping helpers.

use crate::markdown;
use crate::state::AppState;
use charta_domain::{Control, Spec};

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

/// Formats a timestamp as a date a reader can scan, in UTC.
pub fn date(t: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Formats a timestamp as date and minute, in UTC, such as
/// `2026-11-20 14:05 UTC`: for events where the time of day matters, like
/// votes and deadlines.
pub fn datetime(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", date(t), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::{datetime, escape};

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
