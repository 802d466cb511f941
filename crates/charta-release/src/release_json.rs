//! `release.json`: the whole release in Charta's own JSON.
//!
//! OSCAL carries the controls and mappings in a form compliance tools read;
//! this document carries everything a reader of the release page sees, in
//! one file a script can consume without knowing OSCAL: the release's
//! identity and approvals, the controls with their mappings, the generated
//! notes and the coverage of each reference catalog. The full description
//! of the format is in `crates/charta-release/RELEASE_JSON.md`; in short:
//!
//! ```text
//! {
//!   "format": "charta-release/1",
//!   "spec": { "slug", "title", "url", "summary",
//!             "group": { "slug", "name", "url" } },
//!   "version": { "name", "number", "content-hash", "date", "url" },
//!   "predecessor": null | { "version", "url" },
//!   "ballots": [ { "id", "url", "outcome" } ],
//!   "amendments": [ { "number", "title", "url" } ],
//!   "artefacts": { "release-json", "catalog-oscal", "mapping-oscal",
//!                  "crosswalk-csv", "notes-md", "manifest", "signature" },
//!   "sections": [ { "id", "title", "description" } ],
//!   "controls": [ { "id", "url", "section", "title", "level", "status",
//!                   "replaced-by": [id], "statement", "guidance",
//!                   "mappings": [ { "target", "catalog", "item-title",
//!                                   "relationship", "oscal-relationship",
//!                                   "rationale" } ] } ],
//!   "coverage": [ { "catalog", "title", "edition", "items", "covered",
//!                   "gaps": [item id],
//!                   "levels": [ { "level", "items", "covered" } ] } ],
//!   "notes": { see ReleaseNotes },
//!   "caveat": "…"
//! }
//! ```
//!
//! Keys are written in this order, objects are pretty-printed with two
//! spaces and the file ends with a newline. URLs are absolute. Markdown
//! fields (`summary`, `description`, `statement`, `guidance`) are exactly as
//! in the specification.

use crate::ids::{Names, date_str};
use crate::notes::ReleaseNotes;
use crate::oscal::oscal_relationship;
use crate::{
    CATALOG_OSCAL, CAVEAT, CROSSWALK_CSV, MANIFEST, MAPPING_OSCAL, NOTES_MD, RELEASE_JSON,
    ReleaseError, ReleaseInput, SIGNATURE,
};
use charta_domain::catalog::CatalogSet;
use charta_domain::coverage::ItemCoverage;
use charta_domain::{Control, Relationship};
use serde::Serialize;

/// The value of `format`; bumped only for incompatible changes.
pub const FORMAT: &str = "charta-release/1";

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Doc<'a> {
    format: &'static str,
    spec: SpecDoc<'a>,
    version: VersionDoc<'a>,
    predecessor: Option<PredecessorDoc<'a>>,
    ballots: Vec<BallotDoc<'a>>,
    amendments: Vec<AmendmentDoc<'a>>,
    artefacts: ArtefactsDoc,
    sections: Vec<SectionDoc<'a>>,
    controls: Vec<ControlDoc<'a>>,
    coverage: Vec<CatalogCoverageDoc<'a>>,
    notes: &'a ReleaseNotes,
    caveat: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SpecDoc<'a> {
    slug: &'a str,
    title: &'a str,
    url: String,
    summary: &'a str,
    group: GroupDoc<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct GroupDoc<'a> {
    slug: &'a str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct VersionDoc<'a> {
    name: &'a str,
    number: u64,
    content_hash: &'a str,
    date: String,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct PredecessorDoc<'a> {
    version: &'a str,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct BallotDoc<'a> {
    id: &'a str,
    url: String,
    outcome: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct AmendmentDoc<'a> {
    number: u64,
    title: &'a str,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ArtefactsDoc {
    release_json: String,
    catalog_oscal: String,
    mapping_oscal: String,
    crosswalk_csv: String,
    notes_md: String,
    manifest: String,
    signature: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SectionDoc<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlDoc<'a> {
    id: &'a str,
    url: String,
    section: &'a str,
    title: &'a str,
    level: u8,
    status: &'static str,
    replaced_by: &'a [String],
    statement: &'a str,
    guidance: &'a str,
    mappings: Vec<MappingDoc<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct MappingDoc<'a> {
    target: &'a str,
    catalog: Option<&'a str>,
    item_title: Option<&'a str>,
    relationship: Relationship,
    oscal_relationship: &'static str,
    rationale: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct CatalogCoverageDoc<'a> {
    catalog: &'a str,
    title: &'a str,
    edition: &'a str,
    items: usize,
    covered: usize,
    gaps: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    levels: Vec<LevelCoverageDoc>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct LevelCoverageDoc {
    level: u8,
    items: usize,
    covered: usize,
}

/// Renders `release.json`.
pub(crate) fn render(
    input: &ReleaseInput,
    names: &Names<'_>,
    notes: &ReleaseNotes,
    coverage: &[ItemCoverage],
    catalogs: &CatalogSet,
) -> Result<Vec<u8>, ReleaseError> {
    let spec = &input.spec;
    let doc = Doc {
        format: FORMAT,
        spec: SpecDoc {
            slug: &input.spec_slug,
            title: &input.spec_title,
            url: names.spec(),
            summary: &spec.summary,
            group: GroupDoc {
                slug: &input.group_slug,
                name: &input.group_name,
                url: names.group(&input.group_slug),
            },
        },
        version: VersionDoc {
            name: &input.version_name,
            number: input.spec_version,
            content_hash: &input.content_hash,
            date: date_str(input.date),
            url: names.release(),
        },
        predecessor: input.predecessor.as_ref().map(|p| PredecessorDoc {
            version: &p.version_name,
            url: names.other_release_artefact(&p.version_name, ""),
        }),
        ballots: input
            .ballots
            .iter()
            .map(|b| {
                Ok(BallotDoc {
                    id: &b.id,
                    url: names.absolute("ballot path", &b.path)?,
                    outcome: &b.outcome,
                })
            })
            .collect::<Result<_, ReleaseError>>()?,
        amendments: input
            .amendments
            .iter()
            .map(|a| {
                Ok(AmendmentDoc {
                    number: a.number,
                    title: &a.title,
                    url: names.absolute("amendment path", &a.path)?,
                })
            })
            .collect::<Result<_, ReleaseError>>()?,
        artefacts: ArtefactsDoc {
            release_json: names.artefact(RELEASE_JSON),
            catalog_oscal: names.artefact(CATALOG_OSCAL),
            mapping_oscal: names.artefact(MAPPING_OSCAL),
            crosswalk_csv: names.artefact(CROSSWALK_CSV),
            notes_md: names.artefact(NOTES_MD),
            manifest: names.artefact(MANIFEST),
            signature: names.artefact(SIGNATURE),
        },
        sections: spec
            .sections
            .iter()
            .map(|s| SectionDoc {
                id: &s.id,
                title: &s.title,
                description: &s.description,
            })
            .collect(),
        controls: spec
            .controls
            .iter()
            .map(|c| control(c, names, catalogs))
            .collect(),
        coverage: catalog_coverage(coverage, catalogs),
        notes,
        caveat: CAVEAT,
    };
    to_json(RELEASE_JSON, &doc)
}

fn control<'a>(c: &'a Control, names: &Names<'_>, catalogs: &'a CatalogSet) -> ControlDoc<'a> {
    ControlDoc {
        id: &c.id,
        url: names.control(&c.id),
        section: &c.section,
        title: &c.title,
        level: c.level.get(),
        status: c.status.as_str(),
        replaced_by: &c.replaced_by,
        statement: &c.statement,
        guidance: &c.guidance,
        mappings: c
            .mappings
            .iter()
            .map(|m| {
                let item = catalogs.item(&m.target);
                MappingDoc {
                    target: &m.target,
                    catalog: item.map(|r| r.catalog.catalog.as_str()),
                    item_title: item.map(|r| r.item.title.as_str()),
                    relationship: m.relationship,
                    oscal_relationship: oscal_relationship(m.relationship),
                    rationale: &m.rationale,
                }
            })
            .collect(),
    }
}

/// Per catalog: how many items, how many have an active control, which are
/// gaps, and the same counts per level for levelled catalogs.
fn catalog_coverage<'a>(
    coverage: &'a [ItemCoverage],
    catalogs: &'a CatalogSet,
) -> Vec<CatalogCoverageDoc<'a>> {
    let mut out = Vec::with_capacity(catalogs.catalogs().len());
    // `coverage` lists every item of every catalog in catalog order, so each
    // catalog's items are the next `n` entries.
    let mut rest = coverage;
    for cat in catalogs.catalogs() {
        let n = cat.items().count().min(rest.len());
        let (mine, tail) = rest.split_at(n);
        rest = tail;
        let mut levels: Vec<LevelCoverageDoc> = Vec::new();
        for (item, cov) in cat.items().zip(mine) {
            if let Some(level) = item.level {
                let at = match levels.iter().position(|l| l.level == level) {
                    Some(i) => i,
                    None => {
                        levels.push(LevelCoverageDoc {
                            level,
                            items: 0,
                            covered: 0,
                        });
                        levels.len() - 1
                    }
                };
                levels[at].items += 1;
                if !cov.is_gap() {
                    levels[at].covered += 1;
                }
            }
        }
        levels.sort_by_key(|l| l.level);
        out.push(CatalogCoverageDoc {
            catalog: &cat.catalog,
            title: &cat.title,
            edition: &cat.version,
            items: mine.len(),
            covered: mine.iter().filter(|c| !c.is_gap()).count(),
            gaps: mine
                .iter()
                .filter(|c| c.is_gap())
                .map(|c| c.item.as_str())
                .collect(),
            levels,
        });
    }
    out
}

/// Pretty JSON with a final newline: stable, diffable and readable.
pub(crate) fn to_json<T: Serialize>(
    artefact: &'static str,
    value: &T,
) -> Result<Vec<u8>, ReleaseError> {
    let mut out = serde_json::to_vec_pretty(value)
        .map_err(|source| ReleaseError::Json { artefact, source })?;
    out.push(b'\n');
    Ok(out)
}
