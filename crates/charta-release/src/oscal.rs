//! The OSCAL 1.2.3 artefacts: `catalog.oscal.json` and `mapping.oscal.json`.
//!
//! Compliance tools ingest controls as an OSCAL catalog and crosswalks as an
//! OSCAL mapping collection, so a release offers both, valid against NIST's
//! JSON schema and following the constraints of the metaschemas:
//!
//! * **Catalog.** One `group` per section (id: the section id in lower case,
//!   with an `overview` part for the description), one `control` per control
//!   in specification order. OSCAL identifiers are tokens, by convention in
//!   lower case: `SVH-VM-03` becomes `svh-vm-03` and keeps its original form
//!   as the OSCAL `label` property. The statement and guidance are the parts
//!   `statement` (`…_smt`) and `guidance` (`…_gdn`), in Markdown as OSCAL's
//!   `markup-multiline` expects. The level is the property `level` in
//!   Charta's namespace [`NS`]; a withdrawn control carries OSCAL's `status`
//!   property `withdrawn` and one `incorporated-into` link per replacing
//!   control. Active controls carry no `status` property.
//! * **Mapping collection.** One `mapping` per reference catalog that any
//!   active control maps to (withdrawn controls claim nothing, as in
//!   coverage), with this release's catalog as `source-resource` and the
//!   reference catalog as `target-resource`, both back-matter resources.
//!   Each control-to-item mapping is one `map` whose source is the control
//!   (its OSCAL id) and whose target is the item's control in the reference
//!   catalog's own OSCAL rendering (see [`crate::reference`]), named by the
//!   token derived from its Charta identifier (`CRA:AnnexI.P2.5` becomes
//!   `cra-annexi-p2-5`), with the rationale as `remarks`. The target
//!   resource links to that rendering first, so every target resolves. The relationship reads from source to target: see
//!   [`oscal_relationship`].
//!
//! Every UUID is a UUIDv5 of an absolute URL: the documents' own UUIDs name
//! the artefact (so they change with each release, as OSCAL asks), while a
//! `mapping` and a `map` are named after the specification, catalog,
//! control and item they relate (so they stay the same across releases, as
//! OSCAL's per-subject rule asks).

use crate::ids::{Names, one_line, oscal_id, timestamp, uuid5};
use crate::reference::item_token;
use crate::release_json::to_json;
use crate::{CATALOG_OSCAL, CAVEAT, MAPPING_OSCAL, RELEASE_JSON, ReleaseError, ReleaseInput};
use charta_domain::catalog::CatalogSet;
use charta_domain::{Control, ControlStatus, Relationship};
use serde::Serialize;

/// The OSCAL version the documents conform to.
pub const OSCAL_VERSION: &str = "1.2.3";

/// Charta's namespace for the OSCAL properties OSCAL itself does not
/// define ([`PROPS`]). It is the same on every instance, because a tool
/// that reads documents from several instances must recognise the
/// properties as one vocabulary; and since no domain name is guaranteed
/// to outlive the project, it is a UUID URN (RFC 9562) rather than an
/// address: a name, not a page to fetch. Every instance documents it at
/// `/docs/oscal-props`. It never changes: a property whose meaning
/// changes gets a new name instead.
pub const NS: &str = "urn:uuid:e5e8608a-1b4b-4b5a-b06c-aaae6aedebbb";

/// One of Charta's own OSCAL properties, as documented to consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropDoc {
    pub name: &'static str,
    /// The documents and places that carry it.
    pub found_on: &'static str,
    /// What its value means (Markdown).
    pub meaning: &'static str,
}

/// Every property Charta writes in its namespace [`NS`]. The page that
/// documents the namespace is rendered from this list, and a test checks
/// that every property in every OSCAL document Charta writes is in it.
pub const PROPS: &[PropDoc] = &[
    PropDoc {
        name: "spec",
        found_on: "metadata of a release's catalog, mapping collection and profiles",
        meaning: "The specification's slug, as in `/specs/{spec}`.",
    },
    PropDoc {
        name: "spec-version",
        found_on: "metadata of a release's catalog, mapping collection and profiles",
        meaning: "The number of the stored specification version the release freezes (1, 2, …).",
    },
    PropDoc {
        name: "content-hash",
        found_on: "metadata of a release's catalog, mapping collection and profiles",
        meaning: "`sha256:` and the hex SHA-256 of the version's canonical YAML file, which `charta export` writes byte for byte.",
    },
    PropDoc {
        name: "level",
        found_on: "controls of a release's catalog; controls of a reference catalog",
        meaning: "The lowest maturity level (1, 2 or 3) at which the control or item applies. Levels are cumulative: a project at level 2 meets every level 1 and level 2 control.",
    },
    PropDoc {
        name: "catalog",
        found_on: "metadata of a reference catalog; back-matter resources of a mapping collection",
        meaning: "The reference catalog's slug (`cra`, `openssf-prs`, `osps-baseline`), as in `/catalogs/{catalog}`.",
    },
    PropDoc {
        name: "edition",
        found_on: "back-matter resources of a mapping collection",
        meaning: "The edition of the source the reference catalog follows, such as the Official Journal reference of the CRA or the Baseline's release tag.",
    },
    PropDoc {
        name: "publisher",
        found_on: "metadata of a reference catalog",
        meaning: "Who publishes the source the reference catalog paraphrases.",
    },
    PropDoc {
        name: "item-status",
        found_on: "controls of a reference catalog",
        meaning: "Present when the source no longer asks for the item, in the source's own word: `retired` or `withdrawn`. Such a control also carries OSCAL's own `status` property with the value `withdrawn`; it is kept so that older mappings still resolve.",
    },
    PropDoc {
        name: "standardisation-request",
        found_on: "controls of the CRA reference catalog (Annex I items)",
        meaning: "The number of the European standard that the Commission's standardisation request for the CRA (Implementing Decision C(2025) 618, Annex I) asks for on this essential requirement: 1 for Annex I, Part I, point (1); 2 to 14 for points (2)(a) to (m); 15 for Part II. The request numbers standards, not clauses.",
    },
];

/// The OSCAL relationship for a Charta mapping, read from the control
/// (source) to the catalog item (target). Charta's relationships are defined
/// from the control's side ("the control asks for part of what the item
/// requires" is `subset`), so each maps to the OSCAL value of the same
/// direction. `equivalent` becomes `equivalent-to`, not `equal-to`: the
/// wording of a control and of a regulation differ even when they mean the
/// same.
pub fn oscal_relationship(r: Relationship) -> &'static str {
    match r {
        Relationship::Equivalent => "equivalent-to",
        Relationship::Subset => "subset-of",
        Relationship::Superset => "superset-of",
        Relationship::Intersects => "intersects-with",
    }
}

#[derive(Serialize)]
struct CatalogRoot<'a> {
    catalog: Catalog<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Catalog<'a> {
    uuid: String,
    metadata: Metadata<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<Group<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Metadata<'a> {
    title: String,
    published: String,
    last_modified: String,
    version: &'a str,
    oscal_version: &'static str,
    props: Vec<Prop>,
    links: Vec<Link>,
    roles: [Role; 1],
    parties: [Party<'a>; 1],
    responsible_parties: [ResponsibleParty; 1],
    remarks: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Prop {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<&'static str>,
    value: String,
}

impl Prop {
    pub(crate) fn oscal(name: &'static str, value: impl Into<String>) -> Self {
        Self {
            name,
            ns: None,
            value: value.into(),
        }
    }

    pub(crate) fn charta(name: &'static str, value: impl Into<String>) -> Self {
        Self {
            name,
            ns: Some(NS),
            value: value.into(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Link {
    href: String,
    rel: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'static str>,
}

impl Link {
    pub(crate) fn new(href: String, rel: &'static str, media_type: Option<&'static str>) -> Self {
        Self {
            href,
            rel,
            media_type,
        }
    }
}

#[derive(Serialize)]
struct Role {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Party<'a> {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    short_name: &'a str,
    links: [Link; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleParty {
    role_id: &'static str,
    party_uuids: [String; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Group<'a> {
    id: String,
    class: &'static str,
    title: String,
    props: [Prop; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parts: Vec<Part<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    controls: Vec<OscalControl<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OscalControl<'a> {
    id: String,
    class: &'static str,
    title: String,
    props: Vec<Prop>,
    links: Vec<Link>,
    parts: Vec<Part<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Part<'a> {
    pub(crate) id: String,
    pub(crate) name: &'static str,
    pub(crate) prose: &'a str,
}

/// Shared metadata of the release's OSCAL documents.
pub(crate) fn metadata<'a>(
    input: &'a ReleaseInput,
    names: &Names<'_>,
    title: String,
    artefact: &'static str,
) -> Result<Metadata<'a>, ReleaseError> {
    let group_name = one_line(&input.group_name);
    if group_name.is_empty() {
        return Err(ReleaseError::input("group name", "it is empty"));
    }
    let party = uuid5(&names.group(&input.group_slug));
    let mut links = vec![
        Link {
            href: names.artefact(artefact),
            rel: "canonical",
            media_type: Some("application/json"),
        },
        Link {
            href: names.release(),
            rel: "alternate",
            media_type: Some("text/html"),
        },
        Link {
            href: names.artefact(RELEASE_JSON),
            rel: "alternate",
            media_type: Some("application/json"),
        },
    ];
    if let Some(p) = &input.predecessor {
        links.push(Link {
            href: names.other_release_artefact(&p.version_name, artefact),
            rel: "predecessor-version",
            media_type: Some("application/json"),
        });
    }
    Ok(Metadata {
        title,
        published: timestamp(input.date),
        last_modified: timestamp(input.date),
        version: &input.version_name,
        oscal_version: OSCAL_VERSION,
        props: vec![
            Prop::charta("spec", input.spec_slug.clone()),
            Prop::charta("spec-version", input.spec_version.to_string()),
            Prop::charta("content-hash", input.content_hash.clone()),
        ],
        links,
        roles: [Role {
            id: "creator",
            title: "Creator",
        }],
        parties: [Party {
            uuid: party.clone(),
            kind: "organization",
            name: group_name,
            short_name: &input.group_slug,
            links: [Link {
                href: names.group(&input.group_slug),
                rel: "homepage",
                media_type: None,
            }],
        }],
        responsible_parties: [ResponsibleParty {
            role_id: "creator",
            party_uuids: [party],
        }],
        remarks: CAVEAT,
    })
}

/// Renders `catalog.oscal.json`.
pub(crate) fn catalog(input: &ReleaseInput, names: &Names<'_>) -> Result<Vec<u8>, ReleaseError> {
    let spec = &input.spec;
    let mut groups: Vec<Group<'_>> = spec
        .sections
        .iter()
        .map(|s| {
            let id = oscal_id(&s.id);
            Group {
                parts: if s.description.trim().is_empty() {
                    Vec::new()
                } else {
                    vec![Part {
                        id: format!("{id}_ovw"),
                        name: "overview",
                        prose: &s.description,
                    }]
                },
                id,
                class: "section",
                title: one_line(&s.title),
                props: [Prop::oscal("label", s.id.clone())],
                controls: Vec::new(),
            }
        })
        .collect();
    for c in &spec.controls {
        // Validation guarantees the section exists; a release never drops
        // a control silently, so a stray one is an error.
        let Some(g) = spec.sections.iter().position(|s| s.id == c.section) else {
            return Err(ReleaseError::input(
                "specification",
                format!("control {} names unknown section {}", c.id, c.section),
            ));
        };
        groups[g].controls.push(control(c, names));
    }
    let doc = CatalogRoot {
        catalog: Catalog {
            uuid: uuid5(&names.artefact(CATALOG_OSCAL)),
            metadata: metadata(input, names, one_line(&input.spec_title), CATALOG_OSCAL)?,
            groups,
        },
    };
    to_json(CATALOG_OSCAL, &doc)
}

fn control<'a>(c: &'a Control, names: &Names<'_>) -> OscalControl<'a> {
    let id = oscal_id(&c.id);
    let mut props = vec![
        Prop::oscal("label", c.id.clone()),
        Prop::charta("level", c.level.to_string()),
    ];
    let mut links = Vec::new();
    if c.status == ControlStatus::Withdrawn {
        props.push(Prop::oscal("status", "withdrawn"));
        for r in &c.replaced_by {
            links.push(Link {
                href: format!("#{}", oscal_id(r)),
                rel: "incorporated-into",
                media_type: None,
            });
        }
    }
    links.push(Link {
        href: names.control(&c.id),
        rel: "alternate",
        media_type: Some("text/html"),
    });
    let mut parts = vec![Part {
        id: format!("{id}_smt"),
        name: "statement",
        prose: &c.statement,
    }];
    if !c.guidance.trim().is_empty() {
        parts.push(Part {
            id: format!("{id}_gdn"),
            name: "guidance",
            prose: &c.guidance,
        });
    }
    OscalControl {
        id,
        class: "control",
        title: one_line(&c.title),
        props,
        links,
        parts,
    }
}

#[derive(Serialize)]
struct MappingRoot<'a> {
    #[serde(rename = "mapping-collection")]
    collection: MappingCollection<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct MappingCollection<'a> {
    uuid: String,
    metadata: Metadata<'a>,
    provenance: Provenance,
    mappings: Vec<Mapping<'a>>,
    back_matter: BackMatter,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Provenance {
    method: &'static str,
    matching_rationale: &'static str,
    status: &'static str,
    mapping_description: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Mapping<'a> {
    uuid: String,
    source_resource: ResourceRef,
    target_resource: ResourceRef,
    maps: Vec<Map<'a>>,
}

#[derive(Serialize)]
struct ResourceRef {
    #[serde(rename = "type")]
    kind: &'static str,
    href: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Map<'a> {
    uuid: String,
    relationship: &'static str,
    sources: [MapItem<'a>; 1],
    targets: [MapItem<'a>; 1],
    remarks: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct MapItem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id_ref: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
struct BackMatter {
    resources: Vec<Resource>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Resource {
    uuid: String,
    title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    rlinks: Vec<Rlink>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Rlink {
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
}

#[derive(Serialize)]
struct Hash {
    algorithm: &'static str,
    value: String,
}

const MAPPING_DESCRIPTION: &str = "How each control of this specification relates to the items of the reference catalogs Charta ships (the EU Cyber Resilience Act, the OpenSSF Principles for Package Repository Security and the OSPS Baseline), as decided by the working group. The source of every map is a control of this release's catalog; the target is a control of the reference catalog's OSCAL rendering (the first link of the target resource), whose id is derived from the item's Charta identifier and which carries that identifier as its alt-identifier property. Only controls in force are mapped.";

/// Renders `mapping.oscal.json`. `catalog_sha256` is the hex SHA-256 of the
/// catalog artefact, recorded in the back matter so that the mappings name
/// exactly the catalog they were made against.
pub(crate) fn mapping_collection(
    input: &ReleaseInput,
    names: &Names<'_>,
    catalogs: &CatalogSet,
    catalog_sha256: &str,
) -> Result<Vec<u8>, ReleaseError> {
    let spec = &input.spec;
    let source_href = names.artefact(CATALOG_OSCAL);
    let source_uuid = uuid5(&format!("{source_href}#resource"));
    let mut resources = vec![Resource {
        uuid: source_uuid.clone(),
        title: format!(
            "{} {} (OSCAL catalog)",
            one_line(&input.spec_title),
            input.version_name
        ),
        props: Vec::new(),
        rlinks: vec![Rlink {
            href: source_href,
            media_type: Some("application/json"),
            hashes: vec![Hash {
                algorithm: "SHA-256",
                value: catalog_sha256.to_string(),
            }],
        }],
    }];
    let mut mappings = Vec::new();
    for cat in catalogs.catalogs() {
        let mut maps = Vec::new();
        for c in spec.active_controls() {
            for m in &c.mappings {
                let Some(item) = catalogs.item(&m.target) else {
                    return Err(ReleaseError::input(
                        "specification",
                        format!("control {} maps to unknown item {}", c.id, m.target),
                    ));
                };
                if item.catalog.catalog != cat.catalog {
                    continue;
                }
                maps.push(Map {
                    uuid: uuid5(&format!("{}/mappings/{}", names.control(&c.id), m.target)),
                    relationship: oscal_relationship(m.relationship),
                    sources: [MapItem {
                        kind: "control",
                        id_ref: oscal_id(&c.id).into(),
                    }],
                    targets: [MapItem {
                        kind: "control",
                        id_ref: item_token(&m.target).into(),
                    }],
                    remarks: &m.rationale,
                });
            }
        }
        if maps.is_empty() {
            continue;
        }
        let target_uuid = uuid5(&format!("{}#{}", names.catalog(&cat.catalog), cat.version));
        resources.push(Resource {
            uuid: target_uuid.clone(),
            title: one_line(&cat.title),
            props: vec![
                Prop::charta("catalog", cat.catalog.clone()),
                Prop::charta("edition", one_line(&cat.version)),
            ],
            rlinks: [
                Rlink {
                    href: names.catalog_oscal(&cat.catalog),
                    media_type: Some("application/json"),
                    hashes: Vec::new(),
                },
                Rlink {
                    href: names.catalog(&cat.catalog),
                    media_type: Some("text/html"),
                    hashes: Vec::new(),
                },
            ]
            .into_iter()
            .chain((!cat.source.trim().is_empty()).then(|| Rlink {
                href: cat.source.trim().to_string(),
                media_type: None,
                hashes: Vec::new(),
            }))
            .collect(),
        });
        mappings.push(Mapping {
            uuid: uuid5(&format!("{}/mappings/{}", names.spec(), cat.catalog)),
            source_resource: ResourceRef {
                kind: "catalog",
                href: format!("#{source_uuid}"),
            },
            target_resource: ResourceRef {
                kind: "catalog",
                href: format!("#{target_uuid}"),
            },
            maps,
        });
    }
    if mappings.is_empty() {
        return Err(ReleaseError::NoMappings);
    }
    let doc = MappingRoot {
        collection: MappingCollection {
            uuid: uuid5(&names.artefact(MAPPING_OSCAL)),
            metadata: metadata(
                input,
                names,
                format!(
                    "{}: mappings to reference catalogs",
                    one_line(&input.spec_title)
                ),
                MAPPING_OSCAL,
            )?,
            provenance: Provenance {
                method: "human",
                matching_rationale: "semantic",
                status: "complete",
                mapping_description: MAPPING_DESCRIPTION,
            },
            mappings,
            back_matter: BackMatter { resources },
        },
    };
    to_json(MAPPING_OSCAL, &doc)
}
