//! What the API says about stored records. Each type here is the public,
//! documented shape of one kind of database row, built from the row by
//! `From`: the store can add, rename or retype columns without changing a
//! response, and a column is public only when it is listed here. Internal
//! ids (database keys of groups, specifications, organisations) never
//! appear.

use charta_domain::amendment::AmendmentState;
use charta_store::{
    AmendmentRow, BallotVoterRow, CommentRow, DelegationRow, GroupRow, OrgRow, ReleaseRow,
    RevisionRow, SearchHit, SpecRow, ThreadRow, TokenRow, UserRow, VersionMeta, VoteRow,
};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A specification as lists show it: its newest version number and who may read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpecificationSummary {
    pub slug: String,
    pub title: String,
    pub group_slug: String,
    pub group_name: String,
    /// Newest version number; versions are numbered from 1.
    pub head_version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// `draft` (readable by the group's members) or `public`.
    pub visibility: String,
}

impl From<SpecRow> for SpecificationSummary {
    fn from(r: SpecRow) -> SpecificationSummary {
        SpecificationSummary {
            slug: r.slug,
            title: r.title,
            group_slug: r.group_slug,
            group_name: r.group_name,
            head_version: r.head_version,
            updated_at: r.updated_at,
            visibility: r.visibility,
        }
    }
}

/// A working group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkingGroup {
    pub slug: String,
    pub name: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<GroupRow> for WorkingGroup {
    fn from(r: GroupRow) -> WorkingGroup {
        WorkingGroup {
            slug: r.slug,
            name: r.name,
            description: r.description,
            created_at: r.created_at,
        }
    }
}

/// A proposed change to a specification, with its state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Amendment {
    pub spec_slug: String,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub author_id: i64,
    pub author_name: String,
    pub state: AmendmentState,
    pub head_revision: i64,
    pub merged_version: Option<i64>,
    pub closed_reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<AmendmentRow> for Amendment {
    fn from(r: AmendmentRow) -> Amendment {
        Amendment {
            spec_slug: r.spec_slug,
            number: r.number,
            title: r.title,
            description: r.description,
            author_id: r.author_id,
            author_name: r.author_name,
            state: r.state,
            head_revision: r.head_revision,
            merged_version: r.merged_version,
            closed_reason: r.closed_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One revision of an amendment: the whole proposed specification, by hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmendmentRevision {
    pub number: i64,
    /// The specification version this revision is based on.
    pub base_version: i64,
    pub content_hash: String,
    pub author_name: String,
    pub message: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<RevisionRow> for AmendmentRevision {
    fn from(r: RevisionRow) -> AmendmentRevision {
        AmendmentRevision {
            number: r.number,
            base_version: r.base_version,
            content_hash: r.content_hash,
            author_name: r.author_name,
            message: r.message,
            created_at: r.created_at,
        }
    }
}

/// A review thread: on the whole amendment, on a control, or on lines of its statement or guidance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewThread {
    pub id: i64,
    /// The revision whose text the lines are counted in; 0 for the
    /// specification version the amendment was based on.
    pub revision: i64,
    pub control_id: Option<String>,
    pub field: Option<String>,
    pub first_line: Option<i64>,
    pub last_line: Option<i64>,
    pub anchor_text: String,
    /// An objection: the amendment cannot merge while it is unresolved.
    pub blocking: bool,
    pub resolved: bool,
    /// Replacement text for the anchored lines that the reviewer suggests;
    /// empty when there is none.
    pub suggestion: String,
    /// The revision that applied the suggestion.
    pub applied_in: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<ThreadRow> for ReviewThread {
    fn from(r: ThreadRow) -> ReviewThread {
        ReviewThread {
            id: r.id,
            revision: r.revision,
            control_id: r.control_id,
            field: r.field,
            first_line: r.first_line,
            last_line: r.last_line,
            anchor_text: r.anchor_text,
            blocking: r.blocking,
            resolved: r.resolved,
            suggestion: r.suggestion,
            applied_in: r.applied_in,
            author_id: r.author_id,
            author_name: r.author_name,
            created_at: r.created_at,
        }
    }
}

/// One comment in a review thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewComment {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<CommentRow> for ReviewComment {
    fn from(r: CommentRow) -> ReviewComment {
        ReviewComment {
            id: r.id,
            thread_id: r.thread_id,
            author_id: r.author_id,
            author_name: r.author_name,
            body: r.body,
            created_at: r.created_at,
        }
    }
}

/// A published release: the version it freezes and the signed manifest that names its files.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Release {
    pub spec_slug: String,
    pub spec_title: String,
    pub group_slug: String,
    /// The specification version the release freezes.
    pub version: i64,
    /// The release's name, such as `1.2.0`.
    pub name: String,
    /// Publication date, `YYYY-MM-DD`.
    pub published_on: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub published_at: OffsetDateTime,
    pub publisher_name: String,
    /// The previous release's name.
    pub predecessor_name: Option<String>,
    /// The release ballot that approved it.
    pub ballot_id: Option<i64>,
    /// SHA-256 of `manifest.json`, hex.
    pub manifest_sha256: String,
    /// The signing key's id.
    pub key_id: String,
    /// The audit entry pinned by the checkpoint the release carries
    /// (`audit-checkpoint.json`); none for releases made before checkpoints.
    pub audit_checkpoint_seq: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub superseded_at: Option<OffsetDateTime>,
    pub superseded_reason: String,
}

impl From<ReleaseRow> for Release {
    fn from(r: ReleaseRow) -> Release {
        Release {
            spec_slug: r.spec_slug,
            spec_title: r.spec_title,
            group_slug: r.group_slug,
            version: r.version,
            name: r.name,
            published_on: r.published_on,
            published_at: r.published_at,
            publisher_name: r.publisher_name,
            predecessor_name: r.predecessor_name,
            ballot_id: r.ballot_id,
            manifest_sha256: r.manifest_sha256,
            key_id: r.key_id,
            audit_checkpoint_seq: r.audit_checkpoint_seq,
            superseded_at: r.superseded_at,
            superseded_reason: r.superseded_reason,
        }
    }
}

/// A vote cast for an organisation; a newer vote of the same organisation and round replaces it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vote {
    pub id: i64,
    pub organization_slug: String,
    pub organization_name: String,
    pub voter_name: String,
    pub position: charta_domain::ballot::Position,
    pub rationale: String,
    pub round: i64,
    pub revision: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub cast_at: OffsetDateTime,
    /// The delegation the vote was cast under; `None` when the
    /// organisation's representative cast it.
    pub delegation_id: Option<i64>,
}

impl From<VoteRow> for Vote {
    fn from(r: VoteRow) -> Vote {
        Vote {
            id: r.id,
            organization_slug: r.organization_slug,
            organization_name: r.organization_name,
            voter_name: r.voter_name,
            position: r.position,
            rationale: r.rationale,
            round: r.round,
            revision: r.revision,
            cast_at: r.cast_at,
            delegation_id: r.delegation_id,
        }
    }
}

/// An organisation eligible in a ballot and who could vote for it when the ballot opened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BallotVoter {
    pub slug: String,
    pub name: String,
    /// Who could vote for it when the ballot opened; `None` when nobody
    /// could (no representative and no delegation in force).
    pub voter_at_opening: Option<String>,
    /// The delegation that made them the voter, if one did.
    pub delegation_id: Option<i64>,
}

impl From<BallotVoterRow> for BallotVoter {
    fn from(r: BallotVoterRow) -> BallotVoter {
        BallotVoter {
            slug: r.slug,
            name: r.name,
            voter_at_opening: r.voter_at_opening,
            delegation_id: r.delegation_id,
        }
    }
}

/// A delegation of an organisation's vote to its alternate for a time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoteDelegation {
    pub id: i64,
    pub organization_slug: String,
    pub organization_name: String,
    /// The alternate who votes while it is in force.
    pub alternate_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    /// Who gave it: the representative, or the chair.
    pub given_by_name: String,
    pub revoked_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
}

impl From<DelegationRow> for VoteDelegation {
    fn from(r: DelegationRow) -> VoteDelegation {
        VoteDelegation {
            id: r.id,
            organization_slug: r.organization_slug,
            organization_name: r.organization_name,
            alternate_name: r.alternate_name,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            revoked_at: r.revoked_at,
            given_by_name: r.given_by_name,
            revoked_by_name: r.revoked_by_name,
            recorded_at: r.recorded_at,
        }
    }
}

/// A personal API token, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    /// Space-separated scopes.
    pub scopes: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: r.scopes,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// An account, as its owner sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub name: String,
    pub platform_admin: bool,
    /// The provider vouched for `email` (its `email_verified` claim).
    pub email_verified: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<UserRow> for Account {
    fn from(r: UserRow) -> Account {
        Account {
            id: r.id,
            issuer: r.issuer,
            subject: r.subject,
            email: r.email,
            name: r.name,
            platform_admin: r.platform_admin,
            email_verified: r.email_verified,
            created_at: r.created_at,
        }
    }
}

/// A version of a specification, without its text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionSummary {
    pub number: i64,
    pub content_hash: String,
    pub title: String,
    pub control_count: i64,
    pub message: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<VersionMeta> for VersionSummary {
    fn from(r: VersionMeta) -> VersionSummary {
        VersionSummary {
            number: r.number,
            content_hash: r.content_hash,
            title: r.title,
            control_count: r.control_count,
            message: r.message,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// A control matching a search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResult {
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

impl From<SearchHit> for SearchResult {
    fn from(r: SearchHit) -> SearchResult {
        SearchResult {
            spec_slug: r.spec_slug,
            spec_title: r.spec_title,
            version: r.version,
            control_id: r.control_id,
            title: r.title,
            snippet: r.snippet,
        }
    }
}

/// A member organisation of a working group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub slug: String,
    pub name: String,
    pub url: String,
    /// When set, its representatives and alternates need a verified
    /// e-mail address in this domain.
    pub email_domain: Option<String>,
}

impl From<OrgRow> for Organization {
    fn from(r: OrgRow) -> Organization {
        Organization {
            slug: r.slug,
            name: r.name,
            url: r.url,
            email_domain: r.email_domain,
        }
    }
}

/// One control as it stood in one version, for its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ControlRevision {
    pub version: i64,
    pub title: String,
    pub level: i64,
    pub status: String,
    /// Hash of the control's own content; a change marks an edit.
    pub content_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<charta_store::ControlRevision> for ControlRevision {
    fn from(r: charta_store::ControlRevision) -> ControlRevision {
        ControlRevision {
            version: r.version,
            title: r.title,
            level: r.level,
            status: r.status,
            content_hash: r.content_hash,
            created_at: r.created_at,
        }
    }
}

/// A control, in the newest version of its specification, that maps to a given catalog item.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl From<charta_store::MappedControl> for MappedControl {
    fn from(r: charta_store::MappedControl) -> MappedControl {
        MappedControl {
            spec_slug: r.spec_slug,
            spec_title: r.spec_title,
            version: r.version,
            control_id: r.control_id,
            title: r.title,
            level: r.level,
            status: r.status,
            relationship: r.relationship,
            rationale: r.rationale,
        }
    }
}
