//! The published form of a self-assessment: its JSON document, an OSCAL
//! assessment-results document and an attestation signed with the
//! instance's release key.
//!
//! Like the release bundle, these are pure functions of their input (no
//! clock, no randomness, UUIDv5 identifiers), so the bytes can be rebuilt
//! and compared. The attestation follows the audit checkpoint's shape: a
//! JSON document whose signature covers the canonical JSON of every other
//! field. It names the release's manifest hash, so a verifier holding the
//! release can tell exactly which text was assessed, and the SHA-256 of
//! the other two files, so one signature covers all three.
//!
//! ```json
//! {
//!   "format": "charta-assessment-attestation/1",
//!   "instance": "https://charta.example.org",
//!   "assessment": "https://charta.example.org/assessments/7",
//!   "subject": {"kind": "project", "name": "…", "url": "https://…"},
//!   "specification": "steward-baseline",
//!   "release": "1.0.0",
//!   "release-manifest-sha256": "<hex>",
//!   "target-level": 2,
//!   "achieved-level": 1,
//!   "published-at": "2026-12-07T10:00:00Z",
//!   "files": {"assessment.json": "<hex>", "assessment-results.oscal.json": "<hex>"},
//!   "statement": "This is a self-assessment …",
//!   "key-id": "sha256:…",
//!   "signature": "<standard base64 of the Ed25519 signature>"
//! }
//! ```

use crate::ReleaseError;
use crate::ids::{oscal_id, uuid5};
use crate::oscal::OSCAL_VERSION;
use crate::sign::key_id;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use charta_domain::assessment::{Answer, Evaluation, Status};
use charta_domain::spec::Control;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The assessment's own JSON document.
pub const ASSESSMENT_JSON: &str = "assessment.json";
/// The OSCAL assessment-results document.
pub const ASSESSMENT_OSCAL: &str = "assessment-results.oscal.json";
/// The signed attestation.
pub const ATTESTATION: &str = "attestation.json";
/// The `format` of an attestation.
pub const ATTESTATION_FORMAT: &str = "charta-assessment-attestation/1";

/// What every published assessment says about itself.
pub const SELF_ASSESSMENT: &str = "This is a self-assessment by its owner against a working group's specification. It is not a certification, an audit or a claim of compliance with the Cyber Resilience Act or any other regulation, and the instance that signed it has not checked the answers.";

/// The subject assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// `project`, `repository` or `package`.
    pub kind: String,
    pub name: String,
    pub url: String,
}

/// Everything a published assessment states.
#[derive(Debug, Clone)]
pub struct AssessmentInput {
    /// The instance's public URL, without a trailing slash.
    pub instance: String,
    pub id: i64,
    pub subject: Subject,
    pub owner: String,
    pub organization: Option<String>,
    pub spec: String,
    pub spec_title: String,
    pub release: String,
    pub release_manifest_sha256: String,
    pub target_level: u8,
    /// RFC 3339, UTC.
    pub published_at: String,
    /// The release's controls in force, in order, with their answers.
    pub controls: Vec<(Control, Option<Answer>)>,
    pub evaluation: Evaluation,
}

impl AssessmentInput {
    /// The assessment's public page.
    pub fn page(&self) -> String {
        format!("{}/assessments/{}", self.instance, self.id)
    }

    fn release_url(&self, file: &str) -> String {
        format!(
            "{}/releases/{}/{}/{file}",
            self.instance, self.spec, self.release
        )
    }
}

fn json_bytes(v: &Value) -> Result<Vec<u8>, ReleaseError> {
    let mut out = serde_json::to_vec_pretty(v)
        .map_err(|e| ReleaseError::PublicKey(format!("cannot encode the assessment: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

/// `assessment.json`: the subject, the release, the standing per level
/// and every control's answer.
pub fn document(input: &AssessmentInput) -> Result<Vec<u8>, ReleaseError> {
    let controls: Vec<Value> = input
        .controls
        .iter()
        .map(|(c, a)| {
            json!({
                "id": c.id,
                "title": c.title,
                "level": c.level.get(),
                "status": a.as_ref().and_then(|a| a.status).map(Status::as_str),
                "justification": a.as_ref().map(|a| a.justification.as_str()).unwrap_or(""),
                "evidence": a.as_ref().map(|a| a.evidence.clone()).unwrap_or_default(),
                "to-review": a.as_ref().and_then(|a| a.review).map(|r| r.as_str()),
            })
        })
        .collect();
    json_bytes(&json!({
        "assessment": input.page(),
        "statement": SELF_ASSESSMENT,
        "subject": input.subject,
        "owner": input.owner,
        "organization": input.organization,
        "specification": input.spec,
        "specification-title": input.spec_title,
        "release": input.release,
        "release-manifest-sha256": input.release_manifest_sha256,
        "target-level": input.target_level,
        "achieved-level": input.evaluation.achieved,
        "published-at": input.published_at,
        "levels": input.evaluation.levels,
        "controls": controls,
    }))
}

/// The profile of a level in a release, as releases name it.
pub fn profile_name(level: u8) -> String {
    format!("profile-level-{level}.oscal.json")
}

/// `assessment-results.oscal.json`: one result whose findings are the
/// answers, each with an observation carrying the justification and
/// evidence, against the release's catalog and the target level's profile.
pub fn oscal(input: &AssessmentInput) -> Result<Vec<u8>, ReleaseError> {
    let page = input.page();
    let catalog = input.release_url(crate::CATALOG_OSCAL);
    let profile = input.release_url(&profile_name(input.target_level));
    let catalog_uuid = uuid5(&catalog);
    let profile_uuid = uuid5(&profile);
    let in_scope: Vec<&(Control, Option<Answer>)> = input
        .controls
        .iter()
        .filter(|(c, _)| c.level.get() <= input.target_level)
        .collect();
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for (c, a) in &in_scope {
        let oid = oscal_id(&c.id);
        let status = a.as_ref().and_then(|a| a.status);
        let to_review = a.as_ref().is_some_and(|a| a.review.is_some());
        let satisfied = a.as_ref().is_some_and(Answer::satisfies);
        let (state, reason) = if satisfied {
            ("satisfied", "pass")
        } else if status.is_none() || to_review {
            ("not-satisfied", "other")
        } else {
            ("not-satisfied", "fail")
        };
        let obs_uuid = uuid5(&format!("{page}#observation-{oid}"));
        let mut finding = json!({
            "uuid": uuid5(&format!("{page}#finding-{oid}")),
            "title": format!("{} {}", c.id, one_line(&c.title)),
            "description": match status {
                Some(s) if !to_review => format!("The owner answers: {}.", s.label().to_lowercase()),
                Some(_) => "The control changed since the owner answered; the answer awaits review.".into(),
                None => "The owner has not answered this control.".into(),
            },
            "target": {
                "type": "objective-id",
                "target-id": oid,
                "status": {"state": state, "reason": reason},
            },
        });
        if let Some(a) = a {
            let mut obs = json!({
                "uuid": obs_uuid,
                "description": if a.justification.trim().is_empty() {
                    "No justification given.".to_string()
                } else {
                    a.justification.clone()
                },
                "methods": ["EXAMINE"],
                "types": ["control-objective"],
                "collected": input.published_at,
            });
            if !a.evidence.is_empty() {
                obs["relevant-evidence"] = Value::Array(
                    a.evidence
                        .iter()
                        .map(|href| json!({"href": href, "description": "Evidence linked by the owner."}))
                        .collect(),
                );
            }
            observations.push(obs);
            finding["related-observations"] = json!([{"observation-uuid": obs_uuid}]);
            if status == Some(Status::NotApplicable) {
                finding["target"]["implementation-status"] = json!({"state": "not-applicable"});
            } else if status == Some(Status::PartlyMet) {
                finding["target"]["implementation-status"] = json!({"state": "partial"});
            }
        }
        findings.push(finding);
    }
    let mut result = json!({
        "uuid": uuid5(&format!("{page}#result")),
        "title": format!("Self-assessment of {} against level {}", one_line(&input.subject.name), input.target_level),
        "description": SELF_ASSESSMENT,
        "start": input.published_at,
        "end": input.published_at,
        "props": [
            {"name": "achieved-level", "ns": format!("{}/ns/oscal", input.instance), "value": input.evaluation.achieved.map(|l| l.to_string()).unwrap_or_else(|| "none".into())},
            {"name": "target-level", "ns": format!("{}/ns/oscal", input.instance), "value": input.target_level.to_string()},
        ],
        "reviewed-controls": {
            "control-selections": [{
                "description": format!("The controls of release {} of {} required at level {} or below.", input.release, input.spec, input.target_level),
                "include-controls": in_scope.iter().map(|(c, _)| json!({"control-id": oscal_id(&c.id)})).collect::<Vec<_>>(),
            }],
        },
    });
    if in_scope.is_empty() {
        result["reviewed-controls"]["control-selections"][0]
            .as_object_mut()
            .map(|o| o.remove("include-controls"));
        result["reviewed-controls"]["control-selections"][0]["include-all"] = json!({});
    }
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    let doc = json!({
        "assessment-results": {
            "uuid": uuid5(&format!("{page}#assessment-results")),
            "metadata": {
                "title": format!("Self-assessment of {} against {} {}", one_line(&input.subject.name), input.spec_title, input.release),
                "published": input.published_at,
                "last-modified": input.published_at,
                "version": "1",
                "oscal-version": OSCAL_VERSION,
                "links": [
                    {"href": page, "rel": "alternate", "media-type": "text/html"},
                ],
                "remarks": SELF_ASSESSMENT,
            },
            "import-ap": {
                "href": format!("#{profile_uuid}"),
                "remarks": "There is no separate assessment plan: the plan is the target level's profile of the release, listed in the back matter.",
            },
            "results": [result],
            "back-matter": {
                "resources": [
                    {"uuid": profile_uuid, "title": format!("Level {} profile of {} {}", input.target_level, input.spec, input.release), "rlinks": [{"href": profile, "media-type": "application/oscal.profile+json"}]},
                    {"uuid": catalog_uuid, "title": format!("Catalog of {} {}", input.spec, input.release), "rlinks": [{"href": catalog, "media-type": "application/oscal.catalog+json"}]},
                ],
            },
        }
    });
    json_bytes(&doc)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What an attestation states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Attestation {
    pub format: String,
    pub instance: String,
    /// The assessment's page.
    pub assessment: String,
    pub subject: Subject,
    pub specification: String,
    pub release: String,
    /// SHA-256 hex of the release's `manifest.json`.
    pub release_manifest_sha256: String,
    pub target_level: u8,
    pub achieved_level: Option<u8>,
    pub published_at: String,
    /// SHA-256 hex of each other file of the published assessment.
    pub files: BTreeMap<String, String>,
    pub statement: String,
    pub key_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Signed {
    #[serde(flatten)]
    attestation: Attestation,
    signature: String,
}

fn signed_bytes(a: &Attestation) -> Result<Vec<u8>, ReleaseError> {
    let value = serde_json::to_value(a)
        .map_err(|e| ReleaseError::PublicKey(format!("cannot encode the attestation: {e}")))?;
    Ok(charta_domain::audit::canonical_json(&value).into_bytes())
}

/// Builds all three files of a published assessment, the attestation
/// signed with `key`, by name.
pub fn publish(
    input: &AssessmentInput,
    key: &SigningKey,
) -> Result<BTreeMap<String, Vec<u8>>, ReleaseError> {
    let mut files = BTreeMap::new();
    files.insert(ASSESSMENT_JSON.to_string(), document(input)?);
    files.insert(ASSESSMENT_OSCAL.to_string(), oscal(input)?);
    let attestation = Attestation {
        format: ATTESTATION_FORMAT.into(),
        instance: input.instance.clone(),
        assessment: input.page(),
        subject: input.subject.clone(),
        specification: input.spec.clone(),
        release: input.release.clone(),
        release_manifest_sha256: input.release_manifest_sha256.clone(),
        target_level: input.target_level,
        achieved_level: input.evaluation.achieved,
        published_at: input.published_at.clone(),
        files: files
            .iter()
            .map(|(n, c)| (n.clone(), hex::encode(Sha256::digest(c))))
            .collect(),
        statement: SELF_ASSESSMENT.into(),
        key_id: key_id(&key.verifying_key()),
    };
    let signature = key.sign(&signed_bytes(&attestation)?);
    let doc = Signed {
        attestation,
        signature: B64.encode(signature.to_bytes()),
    };
    let mut out = serde_json::to_vec_pretty(&doc)
        .map_err(|e| ReleaseError::PublicKey(format!("cannot encode the attestation: {e}")))?;
    out.push(b'\n');
    files.insert(ATTESTATION.to_string(), out);
    Ok(files)
}

/// Why an attestation is not to be believed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttestationError {
    #[error("not a Charta assessment attestation: {0}")]
    Malformed(String),
    #[error("the attestation was signed with key {signed_with}, not with {expected}")]
    WrongKey {
        signed_with: String,
        expected: String,
    },
    #[error("the attestation's signature does not match its contents")]
    BadSignature,
    #[error("{file} does not match the SHA-256 the attestation names")]
    FileMismatch { file: String },
}

/// Reads an attestation and checks its signature against `key`.
pub fn verify_attestation(doc: &[u8], key: &VerifyingKey) -> Result<Attestation, AttestationError> {
    let signed: Signed =
        serde_json::from_slice(doc).map_err(|e| AttestationError::Malformed(e.to_string()))?;
    let a = signed.attestation;
    if a.format != ATTESTATION_FORMAT {
        return Err(AttestationError::Malformed(format!(
            "format {:?}, expected {ATTESTATION_FORMAT}",
            a.format
        )));
    }
    let expected = key_id(key);
    if a.key_id != expected {
        return Err(AttestationError::WrongKey {
            signed_with: a.key_id,
            expected,
        });
    }
    let raw = B64
        .decode(signed.signature.as_bytes())
        .map_err(|_| AttestationError::BadSignature)?;
    let sig = Signature::from_slice(&raw).map_err(|_| AttestationError::BadSignature)?;
    let bytes = signed_bytes(&a).map_err(|e| AttestationError::Malformed(e.to_string()))?;
    key.verify_strict(&bytes, &sig)
        .map_err(|_| AttestationError::BadSignature)?;
    Ok(a)
}

/// Checks a file of the published assessment against the SHA-256 the
/// (already verified) attestation names.
pub fn check_file(a: &Attestation, name: &str, content: &[u8]) -> Result<(), AttestationError> {
    match a.files.get(name) {
        Some(h) if *h == hex::encode(Sha256::digest(content)) => Ok(()),
        _ => Err(AttestationError::FileMismatch { file: name.into() }),
    }
}
