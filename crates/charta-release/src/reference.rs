//! The reference catalogs (CRA, OpenSSF Principles, OSPS Baseline) as OSCAL
//! 1.2.3 catalogs, served at `/catalogs/{catalog}/catalog.oscal.json`.
//!
//! A release's mapping collection points at these documents, so an OSCAL
//! tool can follow every map to the clause or requirement it names. Charta's
//! item identifiers (`CRA:AnnexI.P2.5`, `OSPS-BR-01.02`) are not OSCAL
//! tokens, so each item gets a token derived from its identifier by
//! [`item_token`]: a fixed rule, so the token never changes while the
//! identifier does not, on every instance. The Charta identifier stays on
//! the control as OSCAL's `alt-identifier` property, and the citation the
//! source uses as its `label`.
//!
//! * One `group` per catalog section (id `section-` and the section's id).
//! * One `control` per item, with its statement part holding Charta's
//!   paraphrase. An item with a parent (a requirement of an OSPS control, a
//!   lettered point of a paragraph) is a control inside its parent's
//!   control, which is how OSCAL nests enhancements.
//! * A retired or withdrawn item is kept, with OSCAL's `status` property
//!   `withdrawn` and Charta's `item-status` property giving the source's own
//!   word (`retired`, `withdrawn`), so older mappings still resolve.
//!
//! Like a release, the document is a pure function of the catalog and the
//! instance's base URL: its `last-modified` is the catalog's `revised` day
//! and its UUID is derived from the catalog's content.

use crate::ReleaseError;
use crate::ids::{one_line, uuid5};
use crate::manifest::sha256_hex;
use crate::oscal::{Link, OSCAL_VERSION, Part, Prop};
use crate::release_json::to_json;
use charta_domain::catalog::{Catalog, CatalogItem};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// File name of a reference catalog's OSCAL rendering, beside its page.
pub const REFERENCE_OSCAL: &str = "catalog.oscal.json";

/// The OSCAL token of a catalog item: its identifier in lower case, with
/// every character other than an ASCII letter or digit replaced by `-`
/// (`CRA:AnnexI.P1.2.a` becomes `cra-annexi-p1-2-a`, `OSPS-BR-01.02`
/// becomes `osps-br-01-02`). A token must start with a letter, so an
/// identifier that does not is prefixed with `_`. Two identifiers of one
/// catalog that would give the same token are refused when the catalog is
/// rendered.
pub fn item_token(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 1);
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.push('_');
    }
    out.extend(id.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '-'
        }
    }));
    out
}

/// The address of a catalog's page on the instance at `base`.
pub fn catalog_page_url(base: &str, slug: &str) -> String {
    format!("{}/catalogs/{slug}", base.trim_end_matches('/'))
}

/// The address of a catalog's OSCAL rendering on the instance at `base`.
pub fn catalog_oscal_url(base: &str, slug: &str) -> String {
    format!("{}/{REFERENCE_OSCAL}", catalog_page_url(base, slug))
}

#[derive(Serialize)]
struct Root<'a> {
    catalog: Doc<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Doc<'a> {
    uuid: String,
    metadata: Metadata,
    groups: Vec<Group<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    last_modified: String,
    version: String,
    oscal_version: &'static str,
    props: Vec<Prop>,
    links: Vec<Link>,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Group<'a> {
    id: String,
    class: &'static str,
    title: String,
    props: [Prop; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    controls: Vec<Control<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Control<'a> {
    id: String,
    class: &'static str,
    title: String,
    props: Vec<Prop>,
    links: Vec<Link>,
    parts: [Part<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    controls: Vec<Control<'a>>,
}

const REMARKS: &str = "Titles and statements are Charta's paraphrases of the source, not its text, and have no authority of their own: follow each control's reference link for the authoritative wording. Each control's id is derived from its Charta identifier (kept as the alt-identifier property) by lower-casing it and replacing every character other than a letter or digit with a hyphen, so ids stay the same for as long as the identifiers do. A mapping to an item records a working group's analysis; it is not a claim of compliance.";

/// Renders a reference catalog as an OSCAL catalog for the instance at
/// `base` (an absolute `http(s)` URL without a trailing path).
pub fn catalog(cat: &Catalog, base: &str) -> Result<Vec<u8>, ReleaseError> {
    let invalid = |reason: String| ReleaseError::InvalidInput {
        field: "reference catalog",
        reason: format!("{}: {reason}", cat.catalog),
    };
    let revised = cat.revised.as_deref().ok_or_else(|| {
        invalid("it has no revised day, which OSCAL's last-modified needs".into())
    })?;
    let mut tokens: HashMap<String, &str> = HashMap::new();
    for item in cat.items() {
        if let Some(other) = tokens.insert(item_token(&item.id), &item.id) {
            return Err(invalid(format!(
                "{} and {other} would have the same OSCAL id {}",
                item.id,
                item_token(&item.id)
            )));
        }
    }
    let mut children: BTreeMap<&str, Vec<&CatalogItem>> = BTreeMap::new();
    for item in cat.items() {
        if let Some(p) = &item.parent {
            children.entry(p.as_str()).or_default().push(item);
        }
    }
    let mut placed = HashSet::new();
    let mut groups = Vec::with_capacity(cat.sections.len());
    for s in &cat.sections {
        let controls = s
            .items
            .iter()
            .filter(|i| i.parent.is_none())
            .map(|i| control(i, &children, base, &cat.catalog, &mut placed))
            .collect();
        groups.push(Group {
            id: format!("section-{}", item_token(&s.id)),
            class: "section",
            title: one_line(&s.title),
            props: [Prop::oscal("label", one_line(&s.title))],
            controls,
        });
    }
    if let Some(lost) = cat.items().find(|i| !placed.contains(i.id.as_str())) {
        return Err(invalid(format!(
            "item {} is not reachable from a top-level item (its parents form a cycle)",
            lost.id
        )));
    }
    let content = serde_json::to_vec(cat).map_err(|source| ReleaseError::Json {
        artefact: REFERENCE_OSCAL,
        source,
    })?;
    let url = catalog_oscal_url(base, &cat.catalog);
    let mut links = vec![
        Link::new(url.clone(), "canonical", Some("application/json")),
        Link::new(
            catalog_page_url(base, &cat.catalog),
            "alternate",
            Some("text/html"),
        ),
    ];
    if !cat.source.trim().is_empty() {
        links.push(Link::new(cat.source.trim().to_string(), "reference", None));
    }
    let doc = Root {
        catalog: Doc {
            uuid: uuid5(&format!("{url}#{}", sha256_hex(&content))),
            metadata: Metadata {
                title: one_line(&cat.title),
                last_modified: format!("{revised}T00:00:00Z"),
                version: one_line(&cat.version),
                oscal_version: OSCAL_VERSION,
                props: vec![
                    Prop::charta("catalog", cat.catalog.clone()),
                    Prop::charta("publisher", one_line(&cat.publisher)),
                ],
                links,
                remarks: format!("{}\n\n{REMARKS}", cat.description.trim_end()),
            },
            groups,
        },
    };
    to_json(REFERENCE_OSCAL, &doc)
}

fn control<'a>(
    item: &'a CatalogItem,
    children: &BTreeMap<&str, Vec<&'a CatalogItem>>,
    base: &str,
    slug: &str,
    placed: &mut HashSet<&'a str>,
) -> Control<'a> {
    placed.insert(item.id.as_str());
    let id = item_token(&item.id);
    let mut props = vec![
        Prop::oscal(
            "label",
            item.reference
                .as_deref()
                .map_or_else(|| item.id.clone(), one_line),
        ),
        Prop::oscal("alt-identifier", item.id.clone()),
    ];
    if let Some(level) = item.level {
        props.push(Prop::charta("level", level.to_string()));
    }
    if let Some(n) = item.standardisation_request {
        props.push(Prop::charta("standardisation-request", n.to_string()));
    }
    if let Some(status) = item.status {
        props.push(Prop::oscal("status", "withdrawn"));
        props.push(Prop::charta("item-status", status.as_str()));
    }
    let mut links = Vec::new();
    if let Some(link) = &item.link {
        links.push(Link::new(link.clone(), "reference", Some("text/html")));
    }
    links.push(Link::new(
        format!(
            "{}/items/{}",
            catalog_page_url(base, slug),
            crate::ids::segment(&item.id)
        ),
        "alternate",
        Some("text/html"),
    ));
    let controls = children
        .get(item.id.as_str())
        .into_iter()
        .flatten()
        .map(|c| control(c, children, base, slug, placed))
        .collect();
    Control {
        parts: [Part {
            id: format!("{id}_smt"),
            name: "statement",
            prose: &item.text,
        }],
        id,
        class: "item",
        title: one_line(&item.title),
        props,
        links,
        controls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(item_token("CRA:AnnexI.P1.2.a"), "cra-annexi-p1-2-a");
        assert_eq!(item_token("OSPS-BR-01.02"), "osps-br-01-02");
        assert_eq!(item_token("OSSF-PRS:AUTHN-1.1"), "ossf-prs-authn-1-1");
        assert_eq!(item_token("1.2d"), "_1-2d");
    }

    #[test]
    fn colliding_tokens_are_refused() {
        let text = "catalog: t\ntitle: T\nversion: '1'\nrevised: '2026-01-01'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n      - id: T.1\n        title: Two\n        text: y\n";
        let cat = Catalog::parse(text).unwrap();
        let err = catalog(&cat, "https://c.example").unwrap_err();
        assert!(err.to_string().contains("same OSCAL id t-1"), "{err}");
    }
}
