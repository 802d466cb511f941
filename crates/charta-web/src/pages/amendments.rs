//! Amendment pages: the list, proposing, the redline review page with its
//! threads, revising, state changes and merging.

use super::confirm::{ConfirmPage, TextField};
use super::diff::{
    CommentTarget, ControlChangeView, FieldView, SectionChangeView, ThreadMark, field_view,
    review_field_view, section_views,
};
use super::form::{FieldErrors, PageForm, field, values, whole_number};
use super::view::date;
use super::{Page, Rejected, rejected_status};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, ProblemBody, see_other};
use crate::paging::{self, PageParams};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Response};
use charta_app::amend::{self, Context, require_steward};
use charta_app::amendments::{self, COMMENT_RULE, Comment, CommentOn, Proposal, TITLE_RULE};
use charta_app::lookup;
use charta_domain::access::{Action, Decision};
use charta_domain::amendment::{
    AmendmentEvent, AmendmentState, BallotGate, CheckStatus, apply, gate_passes, merge_gate,
};
use charta_domain::diff::{ChangeKind, DiffSummary, diff_specs};
use charta_store::{AmendmentRow, CommentRow, SpecRow, ThreadRow};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "amendments/list.html")]
pub struct ListPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub amendments: Vec<AmendmentRow>,
    pub can_propose: bool,
    /// The address of the page of older amendments, if any.
    pub next: Option<String>,
    /// Whether this page continues an earlier one.
    pub continued: bool,
}

impl ListPage {
    /// An amendment's state as words for its badge.
    pub fn label(state: &AmendmentState) -> &'static str {
        state.label()
    }
}

/// The amendments of a specification, newest first, a page at a time.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> PageResult<Page<ListPage>> {
    let request = p.request()?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let page = state.store.amendments_page(row.id, &request).await?;
    Ok(Page(ListPage {
        title: format!("Amendments to {}", row.title),
        chrome: viewer.chrome(&state),
        can_propose: !matches!(
            viewer.decide(Action::Propose {
                group_id: row.group_id
            }),
            Decision::Deny(_)
        ),
        amendments: page.items,
        next: page.next.map(|k| paging::next_url("", &uri, &k)),
        continued: request.after.is_some(),
        spec: row,
    }))
}

#[derive(Template)]
#[template(path = "amendments/new.html")]
pub struct NewPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    /// What the form holds: the newest version at first, what was typed
    /// when the form comes back with problems.
    pub amendment_title: String,
    pub description: String,
    pub content: String,
    pub open: bool,
    pub errors: FieldErrors,
    /// Problems in the specification text, each with its line.
    pub problems: Vec<ProblemBody>,
}

impl NewPage {
    /// Line `n` (from 1) of the text as typed, shown next to its problem;
    /// empty when there is no such line.
    pub fn source_line(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.content.lines().nth(i))
            .map_or("", str::trim_end)
    }
}

/// The form to propose an amendment, prefilled with the newest version.
pub async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
) -> PageResult<Page<NewPage>> {
    let row = lookup::spec(&state, &viewer, &spec).await?;
    viewer.require(Action::Propose {
        group_id: row.group_id,
    })?;
    let head = state.store.version(&row, row.head_version).await?;
    Ok(Page(NewPage {
        title: format!("Propose an amendment to {}", row.title),
        chrome: viewer.chrome(&state),
        spec: row,
        amendment_title: String::new(),
        description: String::new(),
        content: head.content,
        open: true,
        errors: FieldErrors::new(),
        problems: Vec::new(),
    }))
}

/// The proposal form.
#[derive(Debug, Deserialize)]
pub struct ProposeForm {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub content: String,
    /// `open` to ask for review at once, anything else keeps a draft.
    #[serde(default)]
    pub open: String,
}

/// Creates an amendment from a whole proposed specification text. A
/// proposal that does not pass its checks comes back as the same form, with
/// everything typed kept and each problem next to its field.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    PageForm(f): PageForm<ProposeForm>,
) -> PageResult<Response> {
    let result = amendments::propose(
        &state,
        &viewer,
        &spec,
        Proposal {
            title: &f.title,
            description: &f.description,
            content: &f.content,
            open: f.open == "open",
        },
    )
    .await;
    let e = match result {
        Ok(number) => {
            return Ok(see_other(&format!("/specs/{spec}/amendments/{number}")).into_response());
        }
        Err(e @ (Error::BadRequest(_) | Error::Invalid(_))) => e,
        Err(e) => return Err(e.into()),
    };
    let mut errors = FieldErrors::new();
    let mut problems = Vec::new();
    match &e {
        Error::BadRequest(m) if m == TITLE_RULE => errors.add("title", m.clone()),
        Error::Invalid(format) => {
            errors.add("content", e.message());
            problems = format
                .problems
                .iter()
                .map(|p| ProblemBody {
                    line: p.line,
                    message: p.message.clone(),
                })
                .collect();
        }
        other => errors.add("content", other.message()),
    }
    let row = lookup::spec(&state, &viewer, &spec).await?;
    Ok(Rejected(
        rejected_status(&e),
        NewPage {
            title: format!("Propose an amendment to {}", row.title),
            chrome: viewer.chrome(&state),
            spec: row,
            amendment_title: f.title,
            description: f.description,
            content: f.content,
            open: f.open == "open",
            errors,
            problems,
        },
    )
    .into_response())
}

/// Which revisions to compare.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    /// `base` (default) or a revision number.
    pub from: Option<String>,
    /// A revision number (default: the newest).
    pub to: Option<String>,
    pub view: Option<String>,
    /// `CONTROL:FIELD:FIRST-LAST`: open the comment form on those lines
    /// (what a paragraph's "Comment" link asks for).
    pub comment: Option<String>,
    /// With `comment`: the lines are in this older text (`base` or a
    /// revision number) rather than in the newest revision.
    pub on: Option<String>,
}

impl ShowQuery {
    /// The comparison `from`, `to` and `view` of a form that came back,
    /// so the page is shown as it was read.
    fn compared(from: &str, to: &str, view: &str) -> ShowQuery {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ShowQuery {
            from: some(from),
            to: some(to),
            view: some(view),
            comment: None,
            on: None,
        }
    }
}

/// A thread as shown, with where it now applies.
pub struct ThreadView {
    pub thread: ThreadRow,
    pub comments: Vec<CommentRow>,
    /// The anchor's lines no longer exist in the newest revision.
    pub outdated: bool,
    /// Where the anchored lines are in the newest revision.
    pub lines: Option<(i64, i64)>,
    /// The viewer raised it.
    pub mine: bool,
    /// Threads whose suggestions change the same lines as this one's.
    pub conflicts: Vec<i64>,
}

/// A changed control on the amendment page, with its threads.
pub struct ChangeView {
    pub change: ControlChangeView,
    /// The control's fields in the compared-to revision, with numbered lines,
    /// for commenting on line ranges.
    pub fields: Vec<(&'static str, Vec<(usize, String)>)>,
}

#[derive(Template)]
#[template(path = "amendments/show.html")]
pub struct AmendmentPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub amendment: AmendmentRow,
    pub state_label: &'static str,
    pub closed: bool,
    pub created: String,
    pub base_version: i64,
    pub latest: i64,
    pub revisions: Vec<(i64, String, String)>,
    pub from: String,
    pub to: i64,
    pub split: bool,
    pub out_of_date: bool,
    pub summary: DiffSummary,
    pub changes: Vec<ChangeView>,
    pub meta: Vec<FieldView>,
    pub sections: Vec<SectionChangeView>,
    pub gate_lines: Vec<GateLine>,
    pub gate_ok: bool,
    pub general: Vec<ThreadView>,
    pub anchored: Vec<ThreadView>,
    pub content: String,
    pub can_comment: bool,
    pub can_steward: bool,
    pub can_decide: bool,
    /// State changes offered as plain buttons (submit, reopen).
    pub routine_events: Vec<&'static str>,
    /// State changes that go through a confirmation page: (state it leads
    /// to, button text).
    pub weighty_events: Vec<(&'static str, &'static str)>,
    /// The comment form as typed, when it came back with problems.
    pub draft: CommentDraft,
    /// Catalog items that gain or lose mapped controls with this change.
    pub impact: Vec<charta_domain::coverage::ItemImpact>,
    /// Other open amendments changing some of the same controls.
    pub overlaps: Vec<Overlap>,
    /// Ballots on this amendment the viewer may see, newest first.
    pub ballots: Vec<charta_store::BallotRow>,
    /// Whether an open ballot exists that the viewer may not see.
    pub ballot_hidden: bool,
    /// Whether the viewer may open a ballot (possibly after stepping up).
    pub can_run_ballot: bool,
    pub ballot_days: u32,
    /// The names of the people asked to review.
    pub asked: Vec<String>,
    /// Members who can still be asked to review.
    pub askable: Vec<charta_app::amendments::Reviewer>,
}

/// Another open amendment that changes some of the same controls.
pub struct Overlap {
    pub number: i64,
    pub title: String,
    pub controls: Vec<String>,
}

/// Controls an amendment's newest revision changes against its own base,
/// worked out once per revision.
async fn changed_controls(
    state: &AppState,
    spec: &SpecRow,
    a: &AmendmentRow,
) -> Result<std::sync::Arc<std::collections::BTreeSet<String>>, Error> {
    let Some((_, base_version, hash)) = state.store.latest_revision_key(a.id).await? else {
        return Ok(Default::default());
    };
    let key = format!("{hash}@{base_version}");
    if let Some(hit) = state.changed_controls.get(&key) {
        return Ok(hit);
    }
    let revs = state.store.revisions(a.id).await?;
    let Some(latest) = revs.last() else {
        return Ok(Default::default());
    };
    let base = amend::version_spec(state, spec, latest.base_version).await?;
    let revision = amend::revision_spec(state, latest).await?;
    let set = state
        .cpu
        .run(move |_| {
            Ok(diff_specs(&base.spec, &revision)
                .changed()
                .map(|c| c.id.clone())
                .collect())
        })
        .await?;
    Ok(state.changed_controls.insert(key, set))
}

/// Open amendments of the same specification that touch the same controls.
async fn overlaps(state: &AppState, ctx: &Context) -> Result<Vec<Overlap>, Error> {
    let mine = changed_controls(state, &ctx.spec, &ctx.amendment).await?;
    let mut out = Vec::new();
    for other in state.store.amendments(ctx.spec.id).await? {
        if other.id == ctx.amendment.id || other.state != AmendmentState::Open {
            continue;
        }
        let theirs = changed_controls(state, &ctx.spec, &other).await?;
        let shared: Vec<String> = mine.intersection(&theirs).cloned().collect();
        if !shared.is_empty() {
            out.push(Overlap {
                number: other.number,
                title: other.title,
                controls: shared,
            });
        }
    }
    Ok(out)
}

/// The review page: the redline of a revision against the base or another
/// revision, the threads, the merge gate and the actions.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Page<AmendmentPage>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let draft = q
        .comment
        .as_deref()
        .and_then(|c| CommentDraft::asked_for(c, q.on.as_deref().unwrap_or_default()))
        .unwrap_or_default();
    Ok(Page(review_page(&state, &viewer, ctx, &q, draft).await?))
}

/// The review page of a loaded amendment, with a comment form holding
/// `draft` (what was typed, when a comment came back with problems).
async fn review_page(
    state: &AppState,
    viewer: &Viewer,
    ctx: Context,
    q: &ShowQuery,
    mut draft: CommentDraft,
) -> Result<AmendmentPage, Error> {
    let latest = ctx.latest().clone();
    let to = match q.to.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => lookup::parse_version(t, "`to`")?,
        None => latest.number,
    };
    let to_rev = ctx.revision(to)?.clone();
    let from_label = q
        .from
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "base".into());
    // Hold whichever cached form the comparison starts from.
    let from_spec = if from_label == "base" {
        amend::Held::Version(amend::version_spec(state, &ctx.spec, to_rev.base_version).await?)
    } else {
        let n = lookup::parse_version(&from_label, "`from`")?;
        amend::Held::Revision(amend::revision_spec(state, ctx.revision(n)?).await?)
    };
    let split = match q.view.as_deref() {
        None | Some("") | Some("unified") => false,
        Some("split") => true,
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "view must be unified or split, not {other:?}"
            )));
        }
    };
    let to_spec = amend::revision_spec(state, &to_rev).await?;
    let latest_spec = amend::revision_spec(state, &latest).await?;
    if draft.has_lines() {
        // The form shows the lines it is about, as they read.
        let quoted = match draft.on.as_str() {
            "" => quote_lines(&latest_spec, &draft),
            "base" => {
                let v = amend::version_spec(state, &ctx.spec, latest.base_version).await?;
                quote_lines(&v.spec, &draft)
            }
            n => match n.parse().ok().and_then(|n| ctx.revision(n).ok()) {
                Some(r) => {
                    let spec = amend::revision_spec(state, r).await?;
                    quote_lines(&spec, &draft)
                }
                None => None,
            },
        };
        draft.quote = quoted.unwrap_or_default();
    }
    let (diff, impact) = {
        let (from, to) = (from_spec.clone(), to_spec.clone());
        let catalogs = state.catalogs.clone();
        state
            .cpu
            .run(move |cancel| {
                let diff = diff_specs(&from, &to);
                cancel.check()?;
                let impact = charta_domain::coverage::coverage_impact(&from, &to, &catalogs);
                Ok((diff, impact))
            })
            .await?
    };
    // Paragraphs of the newest revision take comments where they are read.
    let commenting = to == latest.number
        && !ctx.state.is_closed()
        && viewer.decide(Action::Comment {
            group_id: ctx.spec.group_id,
        }) == Decision::Allow;
    let page_path = ctx.path();
    let compare = {
        let mut parts = Vec::new();
        if from_label != "base" {
            parts.push(format!("from={from_label}"));
        }
        if split {
            parts.push("view=split".to_string());
        }
        parts.join("&")
    };
    let threads = state.store.threads(ctx.amendment.id).await?;
    // Where each thread's lines are in the newest revision, worked out once
    // for the marks in the redline and for the threads themselves.
    let placed: Vec<(bool, Option<(i64, i64)>)> =
        threads.iter().map(|t| relocate(t, &latest_spec)).collect();
    // Threads show at their lines when the newest revision is read.
    let marks: Vec<(String, ThreadMark)> = if to == latest.number {
        threads
            .iter()
            .zip(&placed)
            .filter_map(|(t, &(outdated, lines))| {
                let lines = lines.filter(|_| !outdated)?;
                Some((
                    t.control_id.clone()?,
                    ThreadMark {
                        thread: t.id,
                        field: t.field.clone()?,
                        lines,
                        state: match (t.resolved, t.blocking) {
                            (true, _) => "resolved",
                            (false, true) => "open objection",
                            (false, false) => "open",
                        },
                    },
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    let changes = diff
        .changed()
        .map(|d| {
            let on_control: Vec<ThreadMark> = marks
                .iter()
                .filter(|(c, _)| *c == d.id)
                .map(|(_, m)| m.clone())
                .collect();
            let target = CommentTarget {
                page: &page_path,
                control: &d.id,
                compare: &compare,
                old: Some(from_label.as_str()),
            };
            let target = (commenting && d.kind != ChangeKind::Removed).then_some(&target);
            ChangeView {
                fields: numbered_fields(&to_spec, &d.id),
                change: ControlChangeView {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    kind: d.kind.as_str(),
                    normative: d.normative,
                    removed: d.kind == ChangeKind::Removed,
                    fields: d
                        .fields
                        .iter()
                        .map(|f| review_field_view(f, target, &on_control))
                        .collect(),
                    mappings: d.mappings.clone(),
                },
            }
        })
        .collect();

    let comments = state.store.comments(ctx.amendment.id).await?;
    let rules = state.store.group_rules(ctx.spec.group_id).await?;
    let all_ballots = state.store.ballots_of_amendment(ctx.amendment.id).await?;
    let ballot_gate = charta_app::ballot::gate(state, &ctx, &rules, &all_ballots).await?;
    let gate = merge_gate(&amend::gate_input(&ctx, &threads, ballot_gate));
    // Open ballots are shown to the group's members only: others read that
    // one is under way, with no link to it.
    let all_count = all_ballots.len();
    let ballots = charta_app::ballot::visible(viewer, &ctx.spec, all_ballots);
    let ballot_hidden = ballots.len() < all_count;
    let gate_lines = gate_lines(&gate, &ctx, &threads, ballot_gate, &ballots);
    let clashes = amendments::suggestion_conflicts(&threads, &latest_spec);
    let (mut general, mut anchored) = (Vec::new(), Vec::new());
    for (t, placed) in threads.into_iter().zip(placed) {
        let conflicts = clashes
            .iter()
            .filter_map(|&(a, b)| match t.id {
                id if id == a => Some(b),
                id if id == b => Some(a),
                _ => None,
            })
            .collect();
        let cs: Vec<CommentRow> = comments
            .iter()
            .filter(|c| c.thread_id == t.id)
            .cloned()
            .collect();
        let (outdated, lines) = placed;
        let mine = viewer.user.as_ref().is_some_and(|u| u.id == t.author_id);
        let view = ThreadView {
            thread: t,
            comments: cs,
            outdated,
            lines,
            mine,
            conflicts,
        };
        if view.thread.control_id.is_some() {
            anchored.push(view)
        } else {
            general.push(view)
        }
    }
    let group_id = ctx.spec.group_id;
    let overlaps = if ctx.state.is_closed() {
        Vec::new()
    } else {
        overlaps(state, &ctx).await?
    };
    let ballot_days = rules.default_days;
    // Merging and rejecting are decisions: offered to whoever may take them,
    // the confirmation page then asks for a fresh multi-factor sign-in.
    let decide = matches!(
        viewer.decide(Action::Merge {
            group_id,
            editors_may: rules.editors_may_merge,
        }),
        Decision::Allow | Decision::StepUp
    );
    let can_steward = require_steward(viewer, &ctx).is_ok();
    let (asked, askable): (Vec<_>, Vec<_>) = charta_app::amendments::reviewers(state, &ctx)
        .await?
        .into_iter()
        .partition(|r| r.requested);
    let asked = asked.into_iter().map(|r| r.name).collect();
    let events: Vec<AmendmentEvent> = ctx
        .state
        .events()
        .into_iter()
        .filter(|e| !matches!(e, AmendmentEvent::Revise | AmendmentEvent::Merge))
        .filter(|e| match e {
            AmendmentEvent::Reject => decide,
            _ => can_steward,
        })
        .collect();
    Ok(AmendmentPage {
        asked,
        askable,
        impact,
        overlaps,
        gate_lines,
        draft,
        // Once a ballot is open, or has passed on this text, there is
        // nothing to open a ballot for.
        can_run_ballot: ctx.state == AmendmentState::Open
            && !matches!(ballot_gate, BallotGate::Pending | BallotGate::Passed)
            && !ballots
                .iter()
                .any(|b| b.state == charta_domain::ballot::BallotState::Open)
            && matches!(
                viewer.decide(Action::RunBallot { group_id }),
                Decision::Allow | Decision::StepUp
            ),
        ballots,
        ballot_hidden,
        ballot_days,
        title: format!(
            "Amendment {}: {}",
            ctx.amendment.number, ctx.amendment.title
        ),
        chrome: viewer.chrome(state),
        state_label: ctx.state.label(),
        closed: ctx.state.is_closed(),
        created: date(ctx.amendment.created_at),
        base_version: latest.base_version,
        latest: latest.number,
        revisions: ctx
            .revisions
            .iter()
            .map(|r| (r.number, date(r.created_at), r.message.clone()))
            .collect(),
        from: from_label,
        to,
        split,
        out_of_date: ctx.out_of_date() && !ctx.state.is_closed(),
        summary: diff.summary,
        meta: diff.meta.iter().map(field_view).collect(),
        sections: section_views(&diff.sections),
        changes,
        gate_ok: gate_passes(&gate),
        general,
        anchored,
        content: latest.content.clone(),
        can_comment: viewer.decide(Action::Comment { group_id }) == Decision::Allow,
        can_steward,
        can_decide: decide,
        routine_events: events
            .iter()
            .filter(|e| !weighty(**e))
            .map(|e| e.as_str())
            .collect(),
        weighty_events: events
            .iter()
            .filter_map(|e| match e {
                AmendmentEvent::Reject => Some(("rejected", "Reject…")),
                AmendmentEvent::Withdraw => Some(("withdrawn", "Withdraw…")),
                _ => None,
            })
            .collect(),
        spec: ctx.spec,
        amendment: ctx.amendment,
    })
}

/// Events that end an amendment's review and so ask for confirmation first.
fn weighty(e: AmendmentEvent) -> bool {
    matches!(e, AmendmentEvent::Reject | AmendmentEvent::Withdraw)
}

/// One check of the merge gate, in words, with a link to what blocks it.
pub struct GateLine {
    /// The check's stable name, for styling and tests.
    pub name: &'static str,
    pub status: CheckStatus,
    pub sentence: String,
    /// Where to go about a failed check: (address, text).
    pub link: Option<(String, String)>,
}

/// The merge gate as sentences a reviewer reads at a glance.
fn gate_lines(
    gate: &[charta_domain::amendment::GateCheck],
    ctx: &Context,
    threads: &[ThreadRow],
    ballot: BallotGate,
    ballots: &[charta_store::BallotRow],
) -> Vec<GateLine> {
    use charta_domain::amendment::{CHECK_BALLOT, CHECK_NO_BLOCKING, CHECK_UP_TO_DATE};
    let base = ctx.latest().base_version;
    let head = ctx.spec.head_version;
    // `ballots` holds those the viewer may see, newest first.
    let newest = ballots
        .iter()
        .find(|b| b.state != charta_domain::ballot::BallotState::Cancelled);
    let newest_open = newest
        .filter(|b| b.state == charta_domain::ballot::BallotState::Open)
        .map(|b| (format!("/ballots/{}", b.id), format!("Ballot {}", b.id)));
    let newest_ballot = newest.map(|b| (format!("/ballots/{}", b.id), format!("Ballot {}", b.id)));
    gate.iter()
        .map(|c| {
            let (sentence, link) = match c.name {
                CHECK_NO_BLOCKING => {
                    let open: Vec<&ThreadRow> =
                        threads.iter().filter(|t| t.blocking && !t.resolved).collect();
                    match open.as_slice() {
                        [] => ("No open objections".to_string(), None),
                        [t] => (
                            "1 open objection".to_string(),
                            Some((format!("#thread-{}", t.id), "See the objection".into())),
                        ),
                        [t, ..] => (
                            format!("{} open objections", open.len()),
                            Some((format!("#thread-{}", t.id), "See the first objection".into())),
                        ),
                    }
                }
                CHECK_UP_TO_DATE if c.status == CheckStatus::Passed => {
                    (format!("Up to date with version {head}"), None)
                }
                CHECK_UP_TO_DATE => (
                    format!(
                        "Based on version {base}, but the specification is now at version {head}"
                    ),
                    Some((
                        format!("{}/rebase", ctx.path()),
                        format!("Update it to version {head}"),
                    )),
                ),
                CHECK_BALLOT => match ballot {
                    BallotGate::NotRequired => (
                        "No ballot needed: the group's rules do not require one".into(),
                        None,
                    ),
                    BallotGate::Missing => (
                        "A ballot must pass first; none has been opened yet".into(),
                        Some(("#ballots".into(), "Ballot section".into())),
                    ),
                    BallotGate::Pending => ("The ballot is still open".into(), newest_open.clone()),
                    BallotGate::Stale => (
                        "The ballot passed on an earlier revision, and normative text changed since; a new ballot is needed".into(),
                        newest_ballot.clone(),
                    ),
                    BallotGate::Edited => (
                        "The ballot passed on an earlier revision, and the text changed since (editorial changes only); the group's rules for that ballot do not allow changes after approval, so a new ballot is needed".into(),
                        newest_ballot.clone(),
                    ),
                    BallotGate::Passed => ("Ballot passed".into(), newest_ballot.clone()),
                    BallotGate::Failed => ("The ballot failed".into(), newest_ballot.clone()),
                },
                _ => (c.detail.clone(), None),
            };
            GateLine {
                name: c.name,
                status: c.status,
                sentence,
                link,
            }
        })
        .collect()
}

/// The text fields of a control, split into numbered lines (from 1).
fn numbered_fields(
    spec: &charta_domain::Spec,
    id: &str,
) -> Vec<(&'static str, Vec<(usize, String)>)> {
    let Some(c) = spec.control(id) else {
        return Vec::new();
    };
    [("statement", &c.statement), ("guidance", &c.guidance)]
        .into_iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(f, t)| {
            (
                f,
                t.lines()
                    .enumerate()
                    .map(|(i, l)| (i + 1, l.to_string()))
                    .collect(),
            )
        })
        .collect()
}

/// Where a thread's anchored lines are in the newest revision: the same
/// block of lines in the same field of the same control, or outdated.
fn relocate(t: &ThreadRow, latest: &charta_domain::Spec) -> (bool, Option<(i64, i64)>) {
    let (Some(control), Some(field)) = (&t.control_id, &t.field) else {
        return (false, None);
    };
    let Some(c) = latest.control(control) else {
        return (true, None);
    };
    let text = match field.as_str() {
        "statement" => &c.statement,
        "guidance" => &c.guidance,
        "title" => &c.title,
        _ => return (true, None),
    };
    if t.anchor_text.is_empty() {
        return (false, None);
    }
    let lines: Vec<&str> = text.lines().collect();
    let anchor: Vec<&str> = t.anchor_text.lines().collect();
    let old = t.first_line.unwrap_or(1);
    let found = (0..lines.len().saturating_sub(anchor.len())
        + usize::from(lines.len() >= anchor.len()))
        .filter(|&i| lines.get(i..i + anchor.len()) == Some(&anchor[..]))
        .map(|i| i as i64 + 1)
        .min_by_key(|&start| (start - old).abs());
    match found {
        Some(start) => (false, Some((start, start + anchor.len() as i64 - 1))),
        None => (true, None),
    }
}

/// The revision form.
#[derive(Debug, Deserialize)]
pub struct ReviseForm {
    pub content: String,
    #[serde(default)]
    pub message: String,
    /// The newest revision the author saw, so a concurrent revision is not
    /// overwritten.
    pub expected: String,
}

/// Posts a new revision.
pub async fn revise(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(f): PageForm<ReviseForm>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let expected = lookup::parse_version(&f.expected, "the revision you edited")?;
    amendments::revise(&state, &viewer, &ctx, &f.content, &f.message, expected).await?;
    Ok(see_other(&ctx.path()).into_response())
}

/// A new thread: on the whole amendment, or on lines of a control's field.
#[derive(Debug, Deserialize)]
pub struct ThreadForm {
    pub body: String,
    #[serde(default)]
    pub control: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub first_line: String,
    #[serde(default)]
    pub last_line: String,
    #[serde(default)]
    pub blocking: String,
    /// A suggested replacement for the lines.
    #[serde(default)]
    pub suggestion: String,
    /// Set by the "Preview" button: show the comment, store nothing.
    #[serde(default)]
    pub preview: String,
    /// The older text the lines are in (`base` or a revision number);
    /// empty for the newest revision.
    #[serde(default)]
    pub on: String,
    /// The comparison the form was posted from, to show the page again as
    /// it was read.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub view: String,
}

/// A comment form as typed, shown again with its problems.
#[derive(Debug, Default)]
pub struct CommentDraft {
    /// The control the comment is on; empty for the whole amendment.
    pub control: String,
    pub field: String,
    pub first_line: String,
    pub last_line: String,
    pub body: String,
    pub blocking: bool,
    pub suggestion: String,
    /// Problems by field: `lines` (the line range) and `body`.
    pub errors: FieldErrors,
    /// Opened by a paragraph's "Comment" link rather than sent back.
    pub asked: bool,
    /// "Preview": the comment as it will read (and its suggestion).
    pub preview: Option<(String, String)>,
    /// The older text the lines are in (`base` or a revision number);
    /// empty for the newest revision.
    pub on: String,
    /// The lines commented on, as they read in that text; empty when the
    /// form has no lines yet or they are not in it.
    pub quote: String,
}

impl CommentDraft {
    /// Whether this draft belongs to the form on `control` ("" for the
    /// form on the whole amendment).
    pub fn is_for(&self, control: &str) -> bool {
        (self.asked || !self.errors.is_empty()) && self.control == control
    }

    /// The form a "Comment" link asks for: `CONTROL:FIELD:FIRST-LAST`.
    /// Anything else opens no form.
    fn asked_for(q: &str, on: &str) -> Option<CommentDraft> {
        let mut parts = q.splitn(3, ':');
        let (control, field, lines) = (parts.next()?, parts.next()?, parts.next()?);
        let (a, b) = lines.split_once('-').unwrap_or((lines, lines));
        let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
        if !matches!(field, "statement" | "guidance") || control.is_empty() {
            return None;
        }
        Some(CommentDraft {
            control: control.to_string(),
            field: field.to_string(),
            first_line: a.to_string(),
            last_line: b.to_string(),
            asked: true,
            on: CommentOn::parse(on).map(|_| on.trim().to_string()).ok()?,
            ..CommentDraft::default()
        })
    }

    /// Whether the form names lines (rather than the control as a whole).
    pub fn has_lines(&self) -> bool {
        !self.field.is_empty() && !self.first_line.trim().is_empty()
    }

    /// Where the lines are, in words: "lines 3–4 of the statement of the
    /// base version".
    pub fn where_words(&self) -> String {
        let (a, b) = (self.first_line.trim(), self.last_line.trim());
        let lines = if b.is_empty() || a == b {
            format!("line {a}")
        } else {
            format!("lines {a}–{b}")
        };
        let text = match self.on.as_str() {
            "" => String::new(),
            "base" => " of the base version".to_string(),
            n => format!(" of revision {n}"),
        };
        format!("{lines} of the {}{text}", self.field)
    }
}

/// The text of lines `first`–`last` (from 1) of a control's statement or
/// guidance, if they are there.
fn quote_lines(spec: &charta_domain::Spec, d: &CommentDraft) -> Option<String> {
    let c = spec.control(&d.control)?;
    let text = charta_domain::anchor::field_text(c, &d.field)?;
    let a: usize = d.first_line.trim().parse().ok()?;
    let b: usize = match d.last_line.trim() {
        "" => a,
        b => b.parse().ok()?,
    };
    let lines: Vec<&str> = text.lines().collect();
    (a >= 1 && b >= a && b <= lines.len()).then(|| lines[a - 1..b].join("\n"))
}

/// Opens a review thread. A comment with an empty text or lines that are
/// not in the control comes back as the review page with the comment form
/// holding what was typed and the problem next to the field.
pub async fn thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(f): PageForm<ThreadForm>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    // Who may not comment is told so, whatever the form holds.
    viewer.require(Action::Comment {
        group_id: ctx.spec.group_id,
    })?;
    let mut draft = CommentDraft {
        control: f.control.trim().to_string(),
        field: f.field.trim().to_string(),
        first_line: f.first_line.clone(),
        last_line: f.last_line.clone(),
        body: f.body.clone(),
        blocking: f.blocking == "on" || f.blocking == "true",
        suggestion: f.suggestion.clone(),
        errors: FieldErrors::new(),
        asked: false,
        preview: None,
        on: f.on.trim().to_string(),
        quote: String::new(),
    };
    let on = match CommentOn::parse(&f.on) {
        Ok(on) => on,
        Err(e) => {
            draft.errors.add("lines", e.message());
            CommentOn::Newest
        }
    };
    let lines = match (f.first_line.trim(), f.last_line.trim()) {
        ("", "") => None,
        (a, "") => Some((a, a)),
        (a, b) => Some((a, b)),
    };
    let lines = match lines {
        None => None,
        Some((a, b)) => match (whole_number(a, "From line"), whole_number(b, "To line")) {
            (Ok(a), Ok(b)) => Some((a, b)),
            (Err(m), _) | (_, Err(m)) => {
                draft.errors.add("lines", m);
                None
            }
        },
    };
    if !f.preview.is_empty() {
        // Nothing is stored: the page comes back with the form open, the
        // text kept and rendered as it will read.
        draft.asked = true;
        draft.preview = Some((
            crate::markdown::render(&f.body),
            crate::markdown::render(&f.suggestion),
        ));
        let q = ShowQuery::compared(&f.from, &f.to, &f.view);
        let page = review_page(&state, &viewer, ctx, &q, draft).await?;
        return Ok(Page(page).into_response());
    }
    if f.body.trim().is_empty() {
        draft.errors.add("body", COMMENT_RULE);
    }
    if draft.errors.is_empty() {
        let control = Some(draft.control.as_str()).filter(|c| !c.is_empty());
        // A field without lines is a comment on the control as a whole:
        // the form always sends its field choice.
        let field = Some(draft.field.as_str()).filter(|c| !c.is_empty() && lines.is_some());
        let opened = amendments::comment(
            &state,
            &viewer,
            &ctx,
            Comment {
                body: &f.body,
                control,
                field,
                lines,
                blocking: draft.blocking,
                suggestion: &f.suggestion,
                on,
            },
        )
        .await;
        match opened {
            // Back to the new thread, where the person was reading.
            Ok(thread) => {
                return Ok(see_other(&format!("{}#thread-{thread}", ctx.path())).into_response());
            }
            Err(Error::BadRequest(m)) if m == COMMENT_RULE => draft.errors.add("body", m),
            // Every other refusal of the input is about the lines.
            Err(Error::BadRequest(m)) => draft.errors.add("lines", m),
            Err(e) => return Err(e.into()),
        }
    }
    let q = ShowQuery::compared(&f.from, &f.to, &f.view);
    let page = review_page(&state, &viewer, ctx, &q, draft).await?;
    Ok(Rejected(axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A reply.
#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    pub body: String,
}

/// Replies in a thread.
pub async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number, thread)): Path<(String, String, String)>,
    PageForm(f): PageForm<ReplyForm>,
) -> PageResult<Response> {
    let ctx = amend::load_subject(&state, &viewer, &spec, &number).await?;
    let id = amendments::parse_thread_id(&thread)?;
    amendments::reply(&state, &viewer, &ctx, id, &f.body).await?;
    Ok(see_other(&ctx.path()).into_response())
}

/// Resolving or reopening.
#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    /// `true` to resolve, `false` to reopen.
    pub resolved: String,
    /// Why the chair settles someone else's objection; shown in the thread.
    #[serde(default)]
    pub reason: String,
}

/// Resolves or reopens a thread. A blocking thread (an objection) is
/// resolved only by the person who raised it or by the chair and editors.
pub async fn resolve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number, thread)): Path<(String, String, String)>,
    PageForm(f): PageForm<ResolveForm>,
) -> PageResult<Response> {
    let ctx = amend::load_subject(&state, &viewer, &spec, &number).await?;
    let id = amendments::parse_thread_id(&thread)?;
    amendments::settle(&state, &viewer, &ctx, id, f.resolved == "true", &f.reason).await?;
    Ok(see_other(&ctx.path()).into_response())
}

/// Which state change to confirm.
#[derive(Debug, Deserialize)]
pub struct ConfirmStateQuery {
    /// `rejected` or `withdrawn`.
    #[serde(default)]
    pub to: String,
}

/// The confirmation page for rejecting or withdrawing an amendment: it
/// checks access as the state change does and says what will happen.
pub async fn confirm_transition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    Query(q): Query<ConfirmStateQuery>,
) -> PageResult<Page<ConfirmPage>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let event = match q.to.as_str() {
        "rejected" => AmendmentEvent::Reject,
        "withdrawn" => AmendmentEvent::Withdraw,
        other => {
            return Err(Error::BadRequest(format!(
                "an amendment can be confirmed as rejected or withdrawn here, not {other:?}"
            ))
            .into());
        }
    };
    amendments::require_transition(&state, &viewer, &ctx, event).await?;
    apply(ctx.state, event, false).map_err(|e| Error::Conflict(e.to_string()))?;
    let a = &ctx.amendment;
    let (title, button, says) = match event {
        AmendmentEvent::Reject => (
            format!("Reject amendment {}?", a.number),
            "Reject amendment",
            "Rejecting ends the review: the amendment is closed without changing the specification, and its discussion is closed.",
        ),
        _ => (
            format!("Withdraw amendment {}?", a.number),
            "Withdraw amendment",
            "Withdrawing gives the amendment up: it is closed without changing the specification, and its discussion is closed.",
        ),
    };
    let back = ctx.path();
    Ok(Page(
        ConfirmPage::new(
            title,
            viewer.chrome(&state),
            format!("{back}/state"),
            button,
            back.clone(),
        )
        .crumb(format!("/specs/{}", ctx.spec.slug), ctx.spec.title.clone())
        .crumb(back, format!("#{} {}", a.number, a.title))
        .says(says)
        .says("A steward can reopen it later for review; everything said stays on record.")
        .hidden("event", event.as_str())
        .field(TextField {
            name: "reason",
            label: "Reason (shown on the amendment)",
            required: false,
            value: String::new(),
        }),
    ))
}

/// A state change.
#[derive(Debug, Deserialize)]
pub struct StateForm {
    /// submit, withdraw, reject or reopen.
    pub event: String,
    #[serde(default)]
    pub reason: String,
}

/// Submits, withdraws, rejects or reopens an amendment.
pub async fn transition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(f): PageForm<StateForm>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let event = AmendmentEvent::parse(&f.event)
        .filter(|e| !matches!(e, AmendmentEvent::Revise | AmendmentEvent::Merge))
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "unknown action {:?}: use submit, withdraw, reject or reopen",
                f.event
            ))
        })?;
    amendments::change_state(&state, &viewer, &ctx, event, &f.reason).await?;
    Ok(see_other(&ctx.path()).into_response())
}

/// The merge form.
#[derive(Debug, Deserialize)]
pub struct MergeForm {}

/// The confirmation page for merging: checked as merging is (the policy
/// and the merge gate), it says which version merging creates.
pub async fn confirm_merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
) -> PageResult<Page<ConfirmPage>> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    amendments::check_merge(&state, &viewer, &ctx).await?;
    let latest = ctx.latest();
    let back = ctx.path();
    Ok(Page(
        ConfirmPage::new(
            format!("Merge amendment {}?", ctx.amendment.number),
            viewer.chrome(&state),
            format!("{back}/merge"),
            format!("Merge into version {}", ctx.spec.head_version + 1),
            back.clone(),
        )
        .crumb(format!("/specs/{}", ctx.spec.slug), ctx.spec.title.clone())
        .crumb(
            back,
            format!("#{} {}", ctx.amendment.number, ctx.amendment.title),
        )
        .says(format!(
            "Merging creates version {} of {} from revision {} of this amendment; this cannot be undone.",
            ctx.spec.head_version + 1,
            ctx.spec.title,
            latest.number
        ))
        .says("The amendment is then closed as merged, and its discussion with it. A later change needs a new amendment."),
    ))
}

/// Merges an open amendment whose gate passes into a new version.
pub async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(_): PageForm<MergeForm>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let version = amendments::merge(&state, &viewer, &ctx).await?;
    Ok(see_other(&format!("/specs/{spec}/versions/{version}")).into_response())
}

/// What waits on a person.
#[derive(Template)]
#[template(path = "amendments/my_work.html")]
pub struct WorkPage {
    pub title: String,
    pub chrome: Chrome,
    pub authored: Vec<AmendmentRow>,
    pub review: Vec<AmendmentRow>,
    pub replies: Vec<AmendmentRow>,
    /// Open ballots where an organisation the person speaks for has not voted.
    pub ballots: Vec<WorkBallot>,
    /// What waits on the person as a chair or editor.
    pub steward: charta_app::work::StewardWork,
}

/// A ballot awaiting the person's organisation, with its deadline in words.
pub struct WorkBallot {
    pub ballot: charta_store::BallotRow,
    pub closes: String,
}

/// The "my work" page.
pub async fn my_work(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<WorkPage>> {
    let work = charta_app::work::my_work(&state, &viewer).await?;
    Ok(Page(WorkPage {
        steward: work.steward,
        title: "My work".into(),
        chrome: viewer.chrome(&state),
        authored: work.authored,
        review: work.review,
        replies: work.replies,
        ballots: work
            .ballots
            .into_iter()
            .map(|ballot| WorkBallot {
                closes: super::view::when(ballot.closes_at),
                ballot,
            })
            .collect(),
    }))
}

impl AmendmentPage {
    /// Threads anchored to one control.
    pub fn threads_on(&self, control: &str) -> Vec<&ThreadView> {
        self.anchored
            .iter()
            .filter(|t| t.thread.control_id.as_deref() == Some(control))
            .collect()
    }

    /// Anchored threads whose control is not among the shown changes.
    /// A comment's Markdown, rendered by the pages' sanitising renderer.
    pub fn markdown(&self, text: &str) -> String {
        crate::markdown::render(text)
    }

    pub fn other_threads(&self) -> Vec<&ThreadView> {
        self.anchored
            .iter()
            .filter(|t| {
                !self
                    .changes
                    .iter()
                    .any(|c| Some(c.change.id.as_str()) == t.thread.control_id.as_deref())
            })
            .collect()
    }

    /// Whether some thread holds a suggestion that can still be applied.
    pub fn has_suggestions(&self) -> bool {
        self.anchored.iter().any(|t| {
            !t.thread.suggestion.is_empty() && t.thread.applied_in.is_none() && !t.outdated
        })
    }

    pub fn is_open_state(&self) -> bool {
        self.amendment.state == AmendmentState::Open
    }

    /// A ballot's state or outcome as a word for its badge.
    pub fn word(s: &str) -> &str {
        super::ballots::word_of(s)
    }
}

/// Asks a member of the group to review the amendment (field `reviewer`).
pub async fn request_review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let reviewer = field(&f, "reviewer")
        .trim()
        .parse::<i64>()
        .map_err(|_| Error::BadRequest("choose the person to ask for a review".into()))?;
    amendments::request_review(&state, &viewer, &ctx, reviewer).await?;
    Ok(see_other(&format!("{}#reviewers", ctx.path())).into_response())
}

/// Applies the chosen suggestions (repeated `thread` fields) as a new
/// revision, then shows it.
pub async fn apply_suggestions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let threads = values(&f, "thread")
        .into_iter()
        .map(|v| amendments::parse_thread_id(v.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let revision = amendments::apply_suggestions(&state, &viewer, &ctx, &threads).await?;
    Ok(see_other(&format!(
        "{}?from={}&to={revision}",
        ctx.path(),
        revision - 1
    ))
    .into_response())
}
