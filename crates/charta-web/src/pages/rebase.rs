//! Bringing an out-of-date amendment up to the specification's current
//! version by three-way merge: clean merges apply at once, conflicts are
//! shown field by field for the author to decide, and nothing is ever
//! resolved silently.

use super::Page;
use super::form::PageForm;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::amend::{self, Context, require_steward};
use charta_app::lookup;
use charta_domain::amendment::{AmendmentEvent, apply};
use charta_domain::format::{content_hash, to_canonical};
use charta_domain::merge::{Conflict, MergeOutcome, Side, Value, merge_specs, resolve};
use charta_domain::validate::{check_spec, check_succession};
use charta_store::{AmendmentRow, NewRevision, SpecRow};

/// A conflict as the page shows it.
pub struct ConflictView {
    pub index: usize,
    pub subject: String,
    pub field: String,
    pub base: String,
    pub head: String,
    pub revision: String,
}

#[derive(Template)]
#[template(path = "rebase.html")]
pub struct RebasePage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub amendment: AmendmentRow,
    pub base_version: i64,
    pub latest: i64,
    pub conflicts: Vec<ConflictView>,
    pub up_to_date: bool,
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Absent => "(not present)".into(),
        Value::Text(t) => t.clone(),
        Value::Level(l) => format!("level {l}"),
        Value::Status(s) => s.as_str().into(),
        Value::Ids(ids) => ids.join(", "),
        Value::Mapping(m) => format!(
            "{} ({}): {}",
            m.target,
            m.relationship.as_str(),
            m.rationale
        ),
        Value::Section(s) => format!("{} {}", s.id, s.title),
        Value::Control(c) => format!("{} {}: {}", c.id, c.title, c.statement),
    }
}

fn view(i: usize, c: &Conflict) -> ConflictView {
    ConflictView {
        index: i,
        subject: c.subject.to_string(),
        field: c.field.to_string(),
        base: show_value(&c.base),
        head: show_value(&c.head),
        revision: show_value(&c.revision),
    }
}

/// The merge of the amendment's newest revision onto the current version.
async fn outcome(state: &AppState, ctx: &Context) -> Result<MergeOutcome, Error> {
    let latest = ctx.latest();
    let base = amend::version_spec(state, &ctx.spec, latest.base_version).await?;
    let head = amend::version_spec(state, &ctx.spec, ctx.spec.head_version).await?;
    let revision = amend::revision_spec(state, latest).await?;
    state
        .cpu
        .run(move |_| Ok(merge_specs(&base.spec, &head.spec, &revision)))
        .await
}

/// Shows what a rebase would do: nothing to do, a clean merge, or the
/// conflicts to decide.
pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
) -> PageResult<Page<RebasePage>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    require_steward(&viewer, &ctx)?;
    let o = outcome(&state, &ctx).await?;
    Ok(Page(RebasePage {
        title: format!(
            "Update amendment {} to version {}",
            ctx.amendment.number, ctx.spec.head_version
        ),
        chrome: viewer.chrome(&state),
        up_to_date: !ctx.out_of_date(),
        base_version: ctx.latest().base_version,
        latest: ctx.latest().number,
        conflicts: o
            .conflicts
            .iter()
            .enumerate()
            .map(|(i, c)| view(i, c))
            .collect(),
        spec: ctx.spec,
        amendment: ctx.amendment,
    }))
}

/// Applies a rebase: the merged text becomes a new revision based on the
/// current version. Every conflict needs a `choice-N` of `head` or
/// `revision`; a missing one refuses the whole rebase.
pub async fn apply_rebase(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let expected =
        lookup::parse_version(get("expected").unwrap_or(""), "the revision you rebased")?;
    let choices = |i: usize| match get(&format!("choice-{i}")) {
        Some("head") => Some(Side::Head),
        Some("revision") => Some(Side::Revision),
        _ => None,
    };
    rebase(&state, &viewer, &ctx, expected, choices).await?;
    Ok(see_other(&ctx.path()).into_response())
}

/// Rebases with the author's choices; shared with the API.
pub async fn rebase(
    state: &AppState,
    viewer: &Viewer,
    ctx: &Context,
    expected: i64,
    choice: impl Fn(usize) -> Option<Side>,
) -> Result<i64, Error> {
    require_steward(viewer, ctx)?;
    apply(ctx.state, AmendmentEvent::Revise, false).map_err(|e| Error::Conflict(e.to_string()))?;
    if !ctx.out_of_date() {
        return Err(Error::Conflict(format!(
            "amendment {} is already based on the current version",
            ctx.amendment.number
        )));
    }
    let o = outcome(state, ctx).await?;
    let resolutions: Vec<_> = o
        .conflicts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| choice(i).map(|side| c.choose(side)))
        .collect();
    let head = amend::version_spec(state, &ctx.spec, ctx.spec.head_version).await?;
    let latest = ctx.latest();
    let old_base = amend::version_spec(state, &ctx.spec, latest.base_version).await?;
    let revision = amend::revision_spec(state, latest).await?;
    let catalogs = state.catalogs.clone();
    // Resolving, checking and classifying the merged text is the heavy part
    // of a rebase: one pooled piece of work, stopped between its steps if
    // the request is abandoned.
    let (canonical, change) = state
        .cpu
        .run(move |cancel| {
            let merged = if o.is_clean() {
                o.merged.clone()
            } else {
                resolve(&o, &resolutions).map_err(|e| {
                    Error::BadRequest(format!("choose a side for every conflict: {e}"))
                })?
            };
            cancel.check()?;
            let canonical = to_canonical(&merged);
            check_spec(&merged, &catalogs, &canonical)?;
            cancel.check()?;
            check_succession(&head.spec, &merged, &canonical)?;
            cancel.check()?;
            // Taking in the versions merged meanwhile changes nothing the
            // amendment proposes; resolving a conflict against its own text
            // may.
            let change = charta_domain::diff::revision_change(
                &old_base.spec,
                &revision,
                &head.spec,
                &merged,
            );
            Ok((canonical, change))
        })
        .await?;
    let user = viewer.user()?;
    let message = format!("Updated to version {}", ctx.spec.head_version);
    let hash = content_hash(&canonical);
    Ok(state
        .store
        .add_classified_revision(
            &ctx.amendment,
            expected,
            NewRevision {
                base_version: ctx.spec.head_version,
                content: &canonical,
                content_hash: &hash,
                author_id: user.id,
                message: &message,
            },
            change,
        )
        .await?)
}
