//! What a release is built from.
//!
//! Everything the artefacts say comes from here: the caller reads the
//! version, its predecessor, the approving ballots and the merged amendments
//! from the store and passes them in, together with the publication date.
//! Nothing is looked up or timed inside the builder, which is what makes its
//! output reproducible.

use charta_domain::Spec;
use time::Date;

/// One release to build.
#[derive(Debug, Clone)]
pub struct ReleaseInput {
    /// Slug of the specification, as in `/releases/{spec}/…`. Must equal the
    /// snapshot's own `spec` field.
    pub spec_slug: String,
    /// The specification's title as published.
    pub spec_title: String,
    /// Slug of the working group that owns the specification.
    pub group_slug: String,
    /// Display name of the working group (the OSCAL creator party).
    pub group_name: String,
    /// The release's name in the group's scheme, such as `1.2.0` or
    /// `2026.11.22`. It becomes a path segment and the OSCAL document
    /// version, so it is limited to ASCII letters, digits, `.`, `-` and `_`.
    pub version_name: String,
    /// The stored version number of the specification the release freezes.
    pub spec_version: u64,
    /// Publication date, chosen by the caller (never read from a clock here).
    pub date: Date,
    /// The snapshot of that version.
    pub spec: Spec,
    /// `sha256:<hex>` of the snapshot's canonical text, as stored.
    pub content_hash: String,
    /// The previous release of the same specification, if any; the notes
    /// describe the changes since it.
    pub predecessor: Option<Predecessor>,
    /// The ballots that approved this release.
    pub ballots: Vec<BallotRef>,
    /// Amendments merged since the predecessor.
    pub amendments: Vec<AmendmentRef>,
    /// Absolute base URL of the instance, such as `https://charta.example.org`;
    /// every link in the artefacts is made absolute with it, so that a
    /// downloaded copy still points home.
    pub base_url: String,
    /// The signed audit checkpoint (a `charta-audit-checkpoint/1` document,
    /// byte for byte) made when the release was published; it becomes the
    /// artefact `audit-checkpoint.json` and is named in the manifest.
    pub audit_checkpoint: Option<Vec<u8>>,
}

/// The previous release: its name and the snapshot it froze.
#[derive(Debug, Clone)]
pub struct Predecessor {
    pub version_name: String,
    pub spec: Spec,
}

/// A ballot that approved the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotRef {
    /// The ballot's identifier as the group cites it.
    pub id: String,
    /// Path of the ballot's page on this instance, starting with `/`.
    pub path: String,
    /// One line on the outcome, such as "passed: 7 yes, 1 abstain".
    pub outcome: String,
}

/// An amendment merged since the predecessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentRef {
    /// The amendment's number within its specification.
    pub number: u64,
    pub title: String,
    /// Path of the amendment's page on this instance, starting with `/`.
    pub path: String,
}
