//! What amendment pages and API handlers share: loading an amendment the
//! viewer may see, checking a proposed text, who may act on it, and the
//! merge gate.

use crate::app::App;
use crate::cache::CachedVersion;
use crate::error::Error;
use crate::lookup::{self, parse_version};
use crate::viewer::Viewer;
use charta_domain::Spec;
use charta_domain::access::{Action, Decision};
use charta_domain::amendment::{AmendmentState, BallotGate, GateCheck, GateInput, merge_gate};
use charta_domain::format::{parse_spec, to_canonical};
use charta_domain::validate::{check_spec, check_succession};
use charta_store::{AmendmentRow, RevisionRow, SpecRow, ThreadRow};
use std::sync::Arc;

/// A parsed specification as one of the caches holds it, so that pooled
/// work can share it without copying.
#[derive(Clone)]
pub enum Held {
    Version(Arc<CachedVersion>),
    Revision(Arc<Spec>),
}

impl std::ops::Deref for Held {
    type Target = Spec;
    fn deref(&self) -> &Spec {
        match self {
            Held::Version(v) => &v.spec,
            Held::Revision(s) => s,
        }
    }
}

/// An amendment with everything about it that pages need.
pub struct Context {
    pub spec: SpecRow,
    pub amendment: AmendmentRow,
    pub state: AmendmentState,
    /// Oldest first; never empty. Only the newest carries its text; use
    /// [`revision_spec`] for any of them.
    pub revisions: Vec<RevisionRow>,
}

impl Context {
    /// The newest revision.
    pub fn latest(&self) -> &RevisionRow {
        // `load` refuses amendments without revisions, so this always exists.
        &self.revisions[self.revisions.len() - 1]
    }

    /// A revision by number.
    pub fn revision(&self, n: i64) -> Result<&RevisionRow, Error> {
        self.revisions
            .iter()
            .find(|r| r.number == n)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "revision {n} of amendment {}",
                    self.amendment.number
                ))
            })
    }

    /// Whether the specification moved on since the newest revision's base.
    pub fn out_of_date(&self) -> bool {
        self.latest().base_version < self.spec.head_version
    }

    /// How this amendment is named in the audit log and in URLs.
    pub fn path(&self) -> String {
        path(&self.spec, &self.amendment)
    }
}

/// An amendment and its specification without its revisions: what acting
/// on its review threads needs. Replying in a thread then reads no
/// specification text, which for a large specification is most of the
/// cost of loading a [`Context`].
pub struct Subject {
    pub spec: SpecRow,
    pub amendment: AmendmentRow,
}

impl Subject {
    /// How this amendment is named in the audit log and in URLs.
    pub fn path(&self) -> String {
        path(&self.spec, &self.amendment)
    }
}

/// How an amendment is named in the audit log and in URLs.
fn path(spec: &SpecRow, amendment: &AmendmentRow) -> String {
    format!("/specs/{}/amendments/{}", spec.slug, amendment.number)
}

/// Loads amendment `number` of `slug` without its revisions, if the viewer
/// may read the specification (drafts of other groups are not found).
pub async fn load_subject(
    state: &App,
    viewer: &Viewer,
    slug: &str,
    number: &str,
) -> Result<Subject, Error> {
    let spec = lookup::spec(state, viewer, slug).await?;
    let n = parse_version(number, "the amendment number")
        .map_err(|_| Error::NotFound(format!("amendment {number} of {slug}")))?;
    let amendment = state
        .store
        .amendment(spec.id, n)
        .await
        .map_err(|_| Error::NotFound(format!("amendment {n} of {slug}")))?;
    Ok(Subject { spec, amendment })
}

/// Loads amendment `number` of `slug` with its revisions, if the viewer
/// may read the specification (drafts of other groups are not found).
pub async fn load(
    state: &App,
    viewer: &Viewer,
    slug: &str,
    number: &str,
) -> Result<Context, Error> {
    let Subject { spec, amendment } = load_subject(state, viewer, slug, number).await?;
    let revisions = state.store.revisions_newest_text(amendment.id).await?;
    if revisions.is_empty() {
        return Err(Error::Internal(format!(
            "amendment {} of {slug} has no revision",
            amendment.number
        )));
    }
    let st = amendment.state;
    Ok(Context {
        spec,
        amendment,
        state: st,
        revisions,
    })
}

/// Parses a stored specification text (always valid when stored).
pub fn stored(text: &str, what: &str) -> Result<Spec, Error> {
    parse_spec(text).map_err(|e| Error::Internal(format!("stored {what} does not parse: {e}")))
}

/// A revision's specification, parsed once per process. A cached revision
/// is returned at once; parsing one (up to the body limit) runs in the
/// bounded pool. A revision read without its text (all but the newest in a
/// [`Context`]) has it read now.
pub async fn revision_spec(state: &App, r: &RevisionRow) -> Result<Arc<Spec>, Error> {
    if let Some(hit) = state.revisions.get(&r.content_hash) {
        return Ok(hit);
    }
    let text = if r.content_loaded {
        r.content.clone()
    } else {
        state.store.revision_text(r.amendment_id, r.number).await?
    };
    let weight = text.len();
    let spec = state.cpu.run(move |_| stored(&text, "revision")).await?;
    Ok(state.revisions.insert(&r.content_hash, spec, weight))
}

/// Version `n` of the amendment's specification, parsed once per process.
pub async fn version_spec(
    state: &App,
    spec: &SpecRow,
    n: i64,
) -> Result<Arc<crate::cache::CachedVersion>, Error> {
    lookup::version_of(state, spec, n).await
}

/// Checks a proposed text against the format, the catalogs and the version
/// it is based on, and returns it with its canonical form. A proposal must
/// keep the specification's identity and change something.
///
/// Anyone who may propose can send a text up to the body limit, so the
/// parsing and checking run in the bounded pool and stop between steps
/// when the request is abandoned.
pub async fn check_proposal(
    state: &App,
    base: Arc<CachedVersion>,
    text: &str,
) -> Result<(Spec, String), Error> {
    let catalogs = state.catalogs.clone();
    let text = text.to_string();
    state
        .cpu
        .run(move |cancel| {
            let proposed = parse_spec(&text)?;
            cancel.check()?;
            check_spec(&proposed, &catalogs, &text)?;
            cancel.check()?;
            check_succession(&base.spec, &proposed, &text)?;
            cancel.check()?;
            let canonical = to_canonical(&proposed);
            if canonical == to_canonical(&base.spec) {
                return Err(Error::BadRequest(
                    "the proposed text makes no change to the specification".into(),
                ));
            }
            Ok((proposed, canonical))
        })
        .await
}

/// [`check_proposal`] for a specification already in hand (a control edit
/// or applied suggestions): the same checks, against its canonical text,
/// without parsing a text first.
pub async fn check_proposed_spec(
    state: &App,
    base: Arc<CachedVersion>,
    proposed: Spec,
) -> Result<(Spec, String), Error> {
    let catalogs = state.catalogs.clone();
    state
        .cpu
        .run(move |cancel| {
            let canonical = to_canonical(&proposed);
            check_spec(&proposed, &catalogs, &canonical)?;
            cancel.check()?;
            check_succession(&base.spec, &proposed, &canonical)?;
            if canonical == to_canonical(&base.spec) {
                return Err(Error::BadRequest(
                    "the proposed text makes no change to the specification".into(),
                ));
            }
            Ok((proposed, canonical))
        })
        .await
}

/// Whether the viewer wrote the amendment.
pub fn is_author(viewer: &Viewer, ctx: &Context) -> bool {
    viewer
        .user
        .as_ref()
        .is_some_and(|u| u.id == ctx.amendment.author_id)
}

/// Revising, submitting and withdrawing: the author (who must still be
/// allowed to propose) or the group's chair and editors.
pub fn require_steward(viewer: &Viewer, ctx: &Context) -> Result<(), Error> {
    let group_id = ctx.spec.group_id;
    viewer.require(Action::Propose { group_id })?;
    if is_author(viewer, ctx) || viewer.decide(Action::Decide { group_id }) == Decision::Allow {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the amendment's author or the group's chair and editors can do this".into(),
        ))
    }
}

/// The merge gate for the amendment as it stands.
pub async fn gate(state: &App, ctx: &Context) -> Result<Vec<GateCheck>, Error> {
    let threads = state.store.threads(ctx.amendment.id).await?;
    let rules = state.store.group_rules(ctx.spec.group_id).await?;
    let ballots = state.store.ballots_of_amendment(ctx.amendment.id).await?;
    let ballot = crate::ballot::gate(state, ctx, &rules, &ballots).await?;
    Ok(merge_gate(&gate_input(ctx, &threads, ballot)))
}

/// What the merge gate looks at, from the amendment's threads and what its
/// ballots say, for callers that have read them already.
pub fn gate_input(ctx: &Context, threads: &[ThreadRow], ballot: BallotGate) -> GateInput {
    GateInput {
        unresolved_blocking_threads: threads.iter().filter(|t| t.blocking && !t.resolved).count(),
        up_to_date: !ctx.out_of_date(),
        ballot,
    }
}

/// How the viewer is named in the audit log.
pub fn actor(viewer: &Viewer) -> String {
    viewer
        .user
        .as_ref()
        .map_or_else(|| "anonymous".into(), |u| format!("user:{}", u.id))
}
