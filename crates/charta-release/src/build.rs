//! The release builder: one pure function from input to bundle.

use crate::ids::{Names, check_date, check_version_name, date_str, one_line};
use crate::manifest::{Manifest, ManifestCheckpoint, sha256_hex};
use crate::notes::{ReleaseNotes, render_markdown};
use crate::{
    AUDIT_CHECKPOINT, CATALOG_OSCAL, CROSSWALK_CSV, MANIFEST, MAPPING_OSCAL, NOTES_MD,
    RELEASE_JSON, ReleaseError, ReleaseInput, SIGNATURE, annex_za, csv, oscal, profile,
    release_json, sign_manifest,
};
use charta_domain::catalog::CatalogSet;
use charta_domain::coverage::coverage;
use charta_domain::format::{content_hash, to_canonical};
use charta_domain::validate::check_spec;
use ed25519_dalek::SigningKey;
use std::collections::BTreeMap;

/// A built, not yet signed, release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Every artefact and `manifest.json`, by file name.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The parsed form of `manifest.json`.
    pub manifest: Manifest,
    /// The generated notes, also inside `release.json` and `notes.md`, for
    /// the release page.
    pub notes: ReleaseNotes,
}

impl Bundle {
    /// The exact bytes of `manifest.json`, which is what gets signed.
    pub fn manifest_bytes(&self) -> &[u8] {
        self.files.get(MANIFEST).map_or(&[], Vec::as_slice)
    }

    /// `manifest.sig` for this bundle.
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        sign_manifest(key, self.manifest_bytes())
    }

    /// Every file of the published release: the artefacts, `manifest.json`
    /// and `manifest.sig`.
    pub fn into_signed_files(mut self, key: &SigningKey) -> BTreeMap<String, Vec<u8>> {
        let sig = self.sign(key);
        self.files.insert(SIGNATURE.to_string(), sig);
        self.files
    }
}

/// Builds every artefact of a release and its manifest.
///
/// Pure and deterministic: the same input and catalogs give byte-identical
/// files. It refuses an input that would publish something wrong: a
/// snapshot that is invalid or whose hash is not the one given, a slug that
/// is not the snapshot's, a version name or base URL that cannot be a
/// permanent address, or a specification with no mapping at all (OSCAL has
/// no empty mapping collection).
pub fn build(input: &ReleaseInput, catalogs: &CatalogSet) -> Result<Bundle, ReleaseError> {
    let spec = &input.spec;
    if spec.spec != input.spec_slug {
        return Err(ReleaseError::input(
            "spec slug",
            format!(
                "{:?} is not the snapshot's slug {:?}",
                input.spec_slug, spec.spec
            ),
        ));
    }
    if spec.group != input.group_slug {
        return Err(ReleaseError::input(
            "group slug",
            format!(
                "{:?} is not the snapshot's group {:?}",
                input.group_slug, spec.group
            ),
        ));
    }
    if one_line(&input.spec_title).is_empty() {
        return Err(ReleaseError::input("spec title", "it is empty"));
    }
    let names = Names::new(&input.base_url, &input.spec_slug, &input.version_name)?;
    check_date(input.date)?;
    if let Some(p) = &input.predecessor {
        check_version_name(&p.version_name)?;
        if p.version_name == input.version_name {
            return Err(ReleaseError::input(
                "predecessor",
                format!("it has the same version name {:?}", p.version_name),
            ));
        }
    }
    let actual = content_hash(&to_canonical(spec));
    if actual != input.content_hash {
        return Err(ReleaseError::ContentHashMismatch {
            given: input.content_hash.clone(),
            actual,
        });
    }
    check_spec(spec, catalogs, "").map_err(ReleaseError::InvalidSpec)?;

    let notes = ReleaseNotes::new(
        spec,
        input
            .predecessor
            .as_ref()
            .map(|p| (p.version_name.as_str(), &p.spec)),
        catalogs,
    );
    let coverage = coverage(spec, catalogs);

    let catalog = oscal::catalog(input, &names)?;
    let catalog_sha256 = sha256_hex(&catalog);
    let mapping = oscal::mapping_collection(input, &names, catalogs, &catalog_sha256)?;
    let mut artefacts: BTreeMap<&'static str, Vec<u8>> = BTreeMap::new();
    for (level, name) in (1u8..).zip(profile::PROFILES) {
        artefacts.insert(
            name,
            profile::profile(input, &names, level, &catalog_sha256)?,
        );
    }
    artefacts.insert(
        RELEASE_JSON,
        release_json::render(input, &names, &notes, &coverage, catalogs)?,
    );
    artefacts.insert(CATALOG_OSCAL, catalog);
    artefacts.insert(MAPPING_OSCAL, mapping);
    artefacts.insert(CROSSWALK_CSV, csv::render(spec, catalogs));
    artefacts.insert(
        crate::CATALOG_GEMARA,
        charta_domain::gemara::export(spec, catalogs)
            .map_err(ReleaseError::Gemara)?
            .into_bytes(),
    );
    let za = annex_za::correspondence(spec, catalogs);
    artefacts.insert(annex_za::ANNEX_ZA_CSV, annex_za::csv(&za));
    artefacts.insert(
        annex_za::ANNEX_ZA_ODT,
        crate::odt::annex_za(&za, &input.spec_title, &input.version_name)?,
    );
    artefacts.insert(
        annex_za::ANNEX_ZA_HTML,
        annex_za::html(&za, &names, &input.spec_title, &input.version_name),
    );
    artefacts.insert(
        NOTES_MD,
        render_markdown(input, &names, &notes, catalogs)?.into_bytes(),
    );

    let audit_checkpoint = match &input.audit_checkpoint {
        None => None,
        Some(doc) => {
            let c = crate::checkpoint::read_checkpoint(doc)
                .map_err(|e| ReleaseError::input("audit checkpoint", e.to_string()))?;
            if c.instance != input.base_url {
                return Err(ReleaseError::input(
                    "audit checkpoint",
                    format!(
                        "it was made by {:?}, not by this instance {:?}",
                        c.instance, input.base_url
                    ),
                ));
            }
            artefacts.insert(AUDIT_CHECKPOINT, doc.clone());
            Some(ManifestCheckpoint {
                seq: c.seq,
                hash: c.hash,
                at: c.at,
            })
        }
    };
    let manifest = Manifest::describe(
        Manifest {
            format: crate::manifest::FORMAT.to_string(),
            spec: input.spec_slug.clone(),
            version: input.version_name.clone(),
            spec_version: input.spec_version,
            content_hash: input.content_hash.clone(),
            date: date_str(input.date),
            url: names.release(),
            audit_checkpoint,
            artefacts: Vec::new(),
        },
        &artefacts,
    );
    let manifest_bytes = manifest.to_bytes()?;
    let mut files: BTreeMap<String, Vec<u8>> = artefacts
        .into_iter()
        .map(|(name, bytes)| (name.to_string(), bytes))
        .collect();
    files.insert(MANIFEST.to_string(), manifest_bytes);
    Ok(Bundle {
        files,
        manifest,
        notes,
    })
}
