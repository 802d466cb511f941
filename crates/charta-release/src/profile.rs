//! One OSCAL 1.2.3 profile per maturity level: `profile-level-1.oscal.json`
//! and so on.
//!
//! A project that claims a level must meet every control in force at that
//! level or below (levels are cumulative), and a compliance tool expresses
//! "the controls that apply to me" as a profile over a catalog. Each profile
//! imports this release's own `catalog.oscal.json`, named in its back matter
//! with the catalog's SHA-256 so that it selects from exactly those bytes,
//! and keeps the selected controls as they are (`merge: as-is`).
//!
//! A level at which no control applies still gets its profile, so every
//! release has the same files: it imports every control and excludes them
//! all, which resolves to an empty selection.

use crate::ids::{Names, oscal_id, uuid5};
use crate::oscal::{Metadata, metadata};
use crate::release_json::to_json;
use crate::{CATALOG_OSCAL, ReleaseError, ReleaseInput};
use serde::Serialize;

/// The profiles' file names, level 1 to 3.
pub const PROFILES: [&str; 3] = [
    "profile-level-1.oscal.json",
    "profile-level-2.oscal.json",
    "profile-level-3.oscal.json",
];

#[derive(Serialize)]
struct Root<'a> {
    profile: Profile<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Profile<'a> {
    uuid: String,
    metadata: Metadata<'a>,
    imports: [Import; 1],
    merge: Merge,
    back_matter: BackMatter,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Import {
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_all: Option<Empty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include_controls: Vec<Selection>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exclude_controls: Vec<Selection>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Selection {
    with_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Merge {
    as_is: bool,
}

#[derive(Serialize)]
struct BackMatter {
    resources: [Resource; 1],
}

#[derive(Serialize)]
struct Resource {
    uuid: String,
    title: String,
    rlinks: [Rlink; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Rlink {
    href: String,
    media_type: &'static str,
    hashes: [Hash; 1],
}

#[derive(Serialize)]
struct Hash {
    algorithm: &'static str,
    value: String,
}

/// Renders the profile of `level` (1 to 3). `catalog_sha256` is the hex
/// SHA-256 of the release's `catalog.oscal.json`.
pub(crate) fn profile(
    input: &ReleaseInput,
    names: &Names<'_>,
    level: u8,
    catalog_sha256: &str,
) -> Result<Vec<u8>, ReleaseError> {
    let name = PROFILES
        .get(usize::from(level.saturating_sub(1)))
        .copied()
        .ok_or_else(|| ReleaseError::input("level", format!("{level} is not 1, 2 or 3")))?;
    let spec = &input.spec;
    let selected: Vec<String> = spec
        .active_controls()
        .filter(|c| c.level.get() <= level)
        .map(|c| oscal_id(&c.id))
        .collect();
    let catalog_href = names.artefact(CATALOG_OSCAL);
    let resource = uuid5(&format!("{}#catalog", names.artefact(name)));
    let mut import = Import {
        href: format!("#{resource}"),
        include_all: None,
        include_controls: Vec::new(),
        exclude_controls: Vec::new(),
    };
    if selected.is_empty() {
        import.include_all = Some(Empty {});
        import.exclude_controls.push(Selection {
            with_ids: spec.controls.iter().map(|c| oscal_id(&c.id)).collect(),
        });
    } else {
        import
            .include_controls
            .push(Selection { with_ids: selected });
    }
    let title = crate::ids::one_line(&input.spec_title);
    let doc = Root {
        profile: Profile {
            uuid: uuid5(&names.artefact(name)),
            metadata: metadata(
                input,
                names,
                format!("{title}: the controls of level {level}"),
                name,
            )?,
            imports: [import],
            merge: Merge { as_is: true },
            back_matter: BackMatter {
                resources: [Resource {
                    uuid: resource,
                    title: format!("{title} {} (OSCAL catalog)", input.version_name),
                    rlinks: [Rlink {
                        href: catalog_href,
                        media_type: "application/json",
                        hashes: [Hash {
                            algorithm: "SHA-256",
                            value: catalog_sha256.to_string(),
                        }],
                    }],
                }],
            },
        },
    };
    to_json(name, &doc)
}
