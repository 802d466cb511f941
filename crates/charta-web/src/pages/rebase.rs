//! Bringing an out-of-date amendment up to the specification's current
//! version by three-way merge: clean merges apply at once, conflicts are
//! shown field by field for the author to decide, and nothing is ever
//! resolved silently.

use super::Page;
use super::form::PageForm;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::amend::{self, require_steward};
use charta_app::amendments;
use charta_app::lookup;
use charta_domain::merge::{Conflict, Side};
use charta_store::{AmendmentRow, SpecRow};

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
#[template(path = "rebase/show.html")]
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

fn view(i: usize, c: &Conflict) -> ConflictView {
    ConflictView {
        index: i,
        subject: c.subject.to_string(),
        field: c.field.to_string(),
        base: c.base.to_string(),
        head: c.head.to_string(),
        revision: c.revision.to_string(),
    }
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
    let o = amendments::rebase_outcome(&state, &ctx).await?;
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
    amendments::rebase(&state, &viewer, &ctx, expected, choices).await?;
    Ok(see_other(&ctx.path()).into_response())
}
