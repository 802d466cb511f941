//! Gemara layer-2 control catalogs, the format the OSPS Baseline's
//! maintainers publish it in: reading one into a reference catalog, and
//! writing a specification as one.
//!
//! Two shapes of the format are read, both as upstream writes them:
//!
//! * a **family file** of the Baseline's releases (v2026.02.19): `title`,
//!   `description` and `controls`, each control with `objective`,
//!   `guideline-mappings` and `assessment-requirements`, each requirement
//!   with `text`, `applicability` (`Maturity Level 1` …, or `retired`) and
//!   `recommendation`;
//! * a **whole catalog** in the newer shape: `metadata`, `groups` and
//!   `controls` naming their `group`, requirements with `applicability`
//!   (`maturity-1` …) and `state` (`Retired`).
//!
//! Each control becomes an item, and each of its assessment requirements an
//! item under it with the lowest maturity level it applies at. A retired
//! requirement is kept and marked, and the control's guideline mappings are
//! kept in the source's notation. The texts are the source's; the project's
//! own catalog files paraphrase them instead and take only the facts
//! (identifiers, levels, retirements, mappings) from an import.
//!
//! [`export`] writes a specification in the newer shape: a Gemara control
//! per Charta control, with one assessment requirement (`{id}.01`) that
//! carries the statement, the levels it applies at and the guidance, and
//! the control's mappings as guideline mappings to Charta's catalogs.

use crate::catalog::{
    Catalog, CatalogItem, CatalogSection, CatalogSet, GuidelineMapping, ItemStatus,
};
use crate::format::{FormatError, Problem};
use crate::spec::{ControlStatus, Spec};
use serde::{Deserialize, Serialize};

/// What an imported catalog says about itself, which Gemara family files
/// do not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogHeader {
    pub catalog: String,
    pub title: String,
    pub version: String,
    pub revised: Option<String>,
    pub publisher: String,
    pub source: String,
    pub description: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<GControl>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Group {
    id: String,
    title: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct GControl {
    id: String,
    title: String,
    #[serde(default)]
    objective: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    guideline_mappings: Option<Vec<GMapping>>,
    #[serde(default)]
    assessment_requirements: Vec<GRequirement>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct GMapping {
    reference_id: String,
    #[serde(default)]
    entries: Option<Vec<GEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct GEntry {
    reference_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct GRequirement {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    applicability: Vec<String>,
    #[serde(default)]
    state: Option<String>,
}

/// The maturity level an applicability entry names: `Maturity Level 2`
/// (release files) or `maturity-2` (newer files).
fn level_of(entry: &str) -> Option<u8> {
    let e = entry.trim().to_ascii_lowercase();
    let n = e
        .strip_prefix("maturity level ")
        .or_else(|| e.strip_prefix("maturity-"))?;
    n.trim().parse().ok().filter(|l| (1..=3).contains(l))
}

/// The Charta identifier of a CRA clause as the Baseline writes it: `1.1`
/// is Annex I, Part I, point (1); `1.2d` is Annex I, Part I, point (2)(d);
/// `2.5` is Annex I, Part II, point (5). A Charta identifier (`CRA:…`)
/// stands for itself. Anything else has no Charta counterpart.
pub fn cra_item(entry: &str) -> Option<String> {
    let e = entry.trim();
    if e.starts_with("CRA:") {
        return Some(e.to_string());
    }
    let (part, rest) = e.split_once('.')?;
    match (part, rest.as_bytes()) {
        ("1", [b'1']) => Some("CRA:AnnexI.P1.1".into()),
        ("1", [b'2', l @ b'a'..=b'm']) => Some(format!("CRA:AnnexI.P1.2.{}", char::from(*l))),
        ("2", [d @ b'1'..=b'8']) => Some(format!("CRA:AnnexI.P2.{}", char::from(*d))),
        _ => None,
    }
}

/// Whether a framework name is the CRA, however the source writes it.
pub fn is_cra(reference_id: &str) -> bool {
    reference_id.eq_ignore_ascii_case("cra")
}

/// A short title for a requirement, which Gemara does not title: its first
/// sentence, cut at a word boundary.
fn requirement_title(text: &str, id: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = one.split(". ").next().unwrap_or("").trim_end_matches('.');
    if first.is_empty() {
        return format!("Requirement {id}");
    }
    if first.chars().count() <= 90 {
        return first.to_string();
    }
    let mut out = String::new();
    for w in first.split(' ') {
        if out.chars().count() + w.chars().count() > 86 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    format!("{out} …")
}

/// Reads Gemara files (`(name, text)`, each a family file or a whole
/// catalog) into one reference catalog and checks it like a catalog file.
pub fn import(files: &[(String, String)], header: &CatalogHeader) -> Result<Catalog, FormatError> {
    let mut sections: Vec<CatalogSection> = Vec::new();
    let mut description = header.description.clone();
    for (name, text) in files {
        let file: File = crate::format::from_yaml(text).map_err(|mut e| {
            for p in &mut e.problems {
                p.message = format!("{name}: {}", p.message);
            }
            e
        })?;
        if description.trim().is_empty()
            && let Some(d) = file.metadata.as_ref().and_then(|m| m.description.clone())
        {
            description = d;
        }
        if file.controls.is_empty() {
            return Err(FormatError::single(
                None,
                format!("{name}: no controls: not a Gemara control catalog"),
            ));
        }
        let file_title = file
            .title
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        for c in &file.controls {
            let family = c
                .group
                .clone()
                .or_else(|| c.id.split('-').nth(1).map(str::to_string))
                .unwrap_or_else(|| "controls".into());
            let sid = family.to_ascii_lowercase();
            let at = match sections.iter().position(|s| s.id == sid) {
                Some(i) => i,
                None => {
                    let group_title = file
                        .groups
                        .iter()
                        .find(|g| g.id.eq_ignore_ascii_case(&family))
                        .map(|g| g.title.trim().to_string())
                        .unwrap_or_else(|| file_title.clone());
                    let title = if group_title.is_empty() {
                        family.to_ascii_uppercase()
                    } else {
                        format!("{group_title} ({})", family.to_ascii_uppercase())
                    };
                    sections.push(CatalogSection {
                        id: sid,
                        title,
                        items: Vec::new(),
                    });
                    sections.len() - 1
                }
            };
            let items = &mut sections[at].items;
            items.push(CatalogItem {
                id: c.id.trim().to_string(),
                reference: None,
                title: c.title.trim().to_string(),
                text: c.objective.as_deref().unwrap_or("").trim().to_string(),
                level: None,
                parent: None,
                link: None,
                status: None,
                guideline_mappings: c
                    .guideline_mappings
                    .iter()
                    .flatten()
                    .map(|m| GuidelineMapping {
                        reference_id: m.reference_id.trim().to_string(),
                        entries: m
                            .entries
                            .iter()
                            .flatten()
                            .map(|e| e.reference_id.trim().to_string())
                            .collect(),
                    })
                    .filter(|m| !m.entries.is_empty())
                    .collect(),
                standardisation_request: None,
            });
            for r in &c.assessment_requirements {
                let retired = r
                    .applicability
                    .iter()
                    .any(|a| a.trim().eq_ignore_ascii_case("retired"))
                    || r.state
                        .as_deref()
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case("retired"));
                let text = r.text.as_deref().unwrap_or("").trim().to_string();
                items.push(CatalogItem {
                    id: r.id.trim().to_string(),
                    reference: None,
                    title: requirement_title(&text, r.id.trim()),
                    text,
                    level: if retired {
                        None
                    } else {
                        r.applicability.iter().filter_map(|a| level_of(a)).min()
                    },
                    parent: Some(c.id.trim().to_string()),
                    link: None,
                    status: retired.then_some(ItemStatus::Retired),
                    guideline_mappings: Vec::new(),
                    standardisation_request: None,
                });
            }
        }
    }
    let mut problems = Vec::new();
    for s in &sections {
        for i in &s.items {
            if i.parent.is_some() && i.status.is_none() && i.level.is_none() {
                problems.push(Problem::new(
                    None,
                    format!("requirement {} names no maturity level it applies at", i.id),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(FormatError { problems });
    }
    let cat = Catalog {
        catalog: header.catalog.clone(),
        title: header.title.clone(),
        version: header.version.clone(),
        revised: header.revised.clone(),
        publisher: header.publisher.clone(),
        source: header.source.clone(),
        description,
        sections,
    };
    // The same checks as a catalog file: unique identifiers, known
    // parents, levels from 1 to 3.
    Catalog::parse(&to_yaml(&cat)?)
}

/// A catalog as a catalog file, the form `specs/catalogs/` holds.
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, FormatError> {
    serde_yaml_ng::to_string(value)
        .map_err(|e| FormatError::single(None, format!("cannot write YAML: {e}")))
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OutCatalog<'a> {
    title: &'a str,
    metadata: OutMetadata<'a>,
    groups: Vec<OutGroup<'a>>,
    controls: Vec<OutControl<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OutMetadata<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'a str,
    applicability_groups: Vec<OutApplicability>,
    mapping_references: Vec<OutReference<'a>>,
}

#[derive(Serialize)]
struct OutApplicability {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct OutReference<'a> {
    id: &'a str,
    title: &'a str,
    version: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct OutGroup<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OutControl<'a> {
    id: &'a str,
    title: &'a str,
    objective: &'a str,
    group: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    guideline_mappings: Vec<OutMapping<'a>>,
    assessment_requirements: [OutRequirement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OutMapping<'a> {
    reference_id: &'a str,
    entries: Vec<OutEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OutEntry<'a> {
    reference_id: &'a str,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OutRequirement<'a> {
    id: String,
    text: &'a str,
    applicability: Vec<String>,
    #[serde(skip_serializing_if = "str::is_empty")]
    recommendation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
}

/// Writes a specification as a Gemara control catalog (the newer, single
/// file shape). Levels are cumulative, so a control of level 2 applies at
/// maturity levels 2 and 3; a withdrawn control's requirement is
/// `Retired`. Mappings become guideline mappings to the Charta catalog
/// they name (reference `cra`, `osps-baseline`, `openssf-prs`), each entry
/// remarking the relationship and the rationale.
pub fn export(spec: &Spec, catalogs: &CatalogSet) -> Result<String, FormatError> {
    let mut used: Vec<&Catalog> = Vec::new();
    let controls = spec
        .controls
        .iter()
        .map(|c| {
            let mut mappings: Vec<OutMapping<'_>> = Vec::new();
            for m in &c.mappings {
                let Some(r) = catalogs.item(&m.target) else {
                    continue;
                };
                if !used.iter().any(|u| u.catalog == r.catalog.catalog) {
                    used.push(r.catalog);
                }
                let entry = OutEntry {
                    reference_id: &m.target,
                    remarks: format!("{}: {}", m.relationship.as_str(), m.rationale.trim()),
                };
                match mappings
                    .iter_mut()
                    .find(|x| x.reference_id == r.catalog.catalog)
                {
                    Some(x) => x.entries.push(entry),
                    None => mappings.push(OutMapping {
                        reference_id: &r.catalog.catalog,
                        entries: vec![entry],
                    }),
                }
            }
            let retired = c.status == ControlStatus::Withdrawn;
            OutControl {
                id: &c.id,
                title: &c.title,
                objective: &c.statement,
                group: &c.section,
                guideline_mappings: mappings,
                assessment_requirements: [OutRequirement {
                    id: format!("{}.01", c.id),
                    text: &c.statement,
                    applicability: if retired {
                        vec!["retired".into()]
                    } else {
                        (c.level.get()..=3)
                            .map(|l| format!("Maturity Level {l}"))
                            .collect()
                    },
                    recommendation: &c.guidance,
                    state: retired.then_some("Retired"),
                }],
            }
        })
        .collect();
    used.sort_by(|a, b| a.catalog.cmp(&b.catalog));
    let doc = OutCatalog {
        title: &spec.title,
        metadata: OutMetadata {
            id: &spec.spec,
            kind: "ControlCatalog",
            description: &spec.summary,
            applicability_groups: (1..=3)
                .map(|l| OutApplicability {
                    id: format!("maturity-{l}"),
                    title: format!("Maturity Level {l}"),
                })
                .collect(),
            mapping_references: used
                .iter()
                .map(|c| OutReference {
                    id: &c.catalog,
                    title: &c.title,
                    version: &c.version,
                    url: &c.source,
                })
                .collect(),
        },
        groups: spec
            .sections
            .iter()
            .map(|s| OutGroup {
                id: &s.id,
                title: &s.title,
                description: &s.description,
            })
            .collect(),
        controls,
    };
    to_yaml(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cra_notation() {
        assert_eq!(cra_item("1.1").as_deref(), Some("CRA:AnnexI.P1.1"));
        assert_eq!(cra_item("1.2d").as_deref(), Some("CRA:AnnexI.P1.2.d"));
        assert_eq!(cra_item("2.5").as_deref(), Some("CRA:AnnexI.P2.5"));
        assert_eq!(cra_item("CRA:Art24.1").as_deref(), Some("CRA:Art24.1"));
        for no in ["1.2z", "2.9", "3.1", "1.2", "x"] {
            assert_eq!(cra_item(no), None, "{no}");
        }
    }

    #[test]
    fn levels() {
        assert_eq!(level_of("Maturity Level 2"), Some(2));
        assert_eq!(level_of("maturity-3"), Some(3));
        assert_eq!(level_of("retired"), None);
        assert_eq!(level_of("Maturity Level 4"), None);
    }
}
