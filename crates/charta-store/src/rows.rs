//! Records read from the database. Field types decode identically on both
//! backends (`i64`, `String`, `OffsetDateTime`).

use time::OffsetDateTime;

/// A working group.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: OffsetDateTime,
}

/// A member organisation of a working group.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub group_id: i64,
    pub slug: String,
    pub name: String,
    pub url: String,
    /// When set, its representatives and alternates need a verified
    /// e-mail address in this domain.
    pub email_domain: Option<String>,
}

/// A specification with its owning group and newest version number.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SpecRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub group_slug: String,
    pub group_name: String,
    /// Newest version number; versions are numbered from 1.
    pub head_version: i64,
    pub updated_at: OffsetDateTime,
    pub group_id: i64,
    /// `draft` (readable by the group's members) or `public`.
    pub visibility: String,
}

/// What is known about a version without reading its content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionMeta {
    pub number: i64,
    pub content_hash: String,
    pub title: String,
    pub control_count: i64,
    pub message: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

/// A version with its canonical content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    #[sqlx(flatten)]
    pub meta: VersionMeta,
    /// The specification in canonical YAML.
    pub content: String,
    /// The parsed specification as JSON, when it is stored in the current
    /// [`crate::PARSED_FORMAT`]; reading it is much faster than parsing
    /// `content`.
    pub parsed: Option<String>,
}

/// One control as it stood in one version, for its history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ControlRevision {
    pub version: i64,
    pub title: String,
    pub level: i64,
    pub status: String,
    /// Hash of the control's own content; a change marks an edit.
    pub content_hash: String,
    pub created_at: OffsetDateTime,
}

/// A control, in the newest version of its specification, that maps to a
/// given catalog item.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MappedControl {
    pub spec_slug: String,
    pub spec_title: String,
    pub version: i64,
    pub control_id: String,
    pub title: String,
    pub level: i64,
    pub status: String,
    pub relationship: String,
    pub rationale: String,
}

/// A search result: a control in the newest version of its specification.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchHit {
    pub spec_slug: String,
    pub spec_title: String,
    pub version: i64,
    pub control_id: String,
    pub title: String,
    /// An excerpt in which matched words are wrapped in
    /// [`MATCH_START`]/[`MATCH_END`] so the caller can highlight them after
    /// escaping the text.
    pub snippet: String,
}

/// Marks the start of a matched word in [`SearchHit::snippet`] (a Unicode
/// private-use character, which never occurs in stored text's meaning).
pub const MATCH_START: char = '\u{E000}';
/// Marks the end of a matched word in [`SearchHit::snippet`].
pub const MATCH_END: char = '\u{E001}';
