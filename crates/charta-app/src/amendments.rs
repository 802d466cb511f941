//! Amendments: proposing, revising, reviewing, changing state, merging
//! and rebasing. Each function checks the viewer's right with the domain's
//! policy and the amendment's state with the domain's state machine, then
//! makes its change in one store transaction with its audit entry.

use crate::amend::{self, Context, actor, check_proposal, require_steward};
use crate::app::App;
use crate::error::Error;
use crate::lookup;
use crate::viewer::Viewer;
use charta_domain::access::{Action, Role};
use charta_domain::amendment::{AmendmentEvent, AmendmentState, CheckStatus, apply, gate_passes};
use charta_domain::format::{content_hash, to_canonical};
use charta_domain::merge::{MergeOutcome, Side, merge_specs, resolve};
use charta_domain::validate::{check_spec, check_succession};
use charta_store::{NewAmendment, NewRevision, NewThread, NewVersion};
use std::sync::Arc;

/// What an amendment's title must be.
pub const TITLE_RULE: &str = "give the amendment a title of 1 to 200 characters";

/// What a comment's text must be.
pub const COMMENT_RULE: &str = "a comment needs text (at most 20,000 characters)";

/// A new amendment.
#[derive(Debug, Clone, Copy)]
pub struct Proposal<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The whole proposed specification file.
    pub content: &'a str,
    /// Open for review at once, rather than kept as a draft.
    pub open: bool,
}

/// A new review thread: on the whole amendment (no control), on a control,
/// or on lines of a control's statement or guidance.
#[derive(Debug, Clone, Copy)]
pub struct Comment<'a> {
    pub body: &'a str,
    pub control: Option<&'a str>,
    /// `statement` or `guidance`.
    pub field: Option<&'a str>,
    /// First and last line, from 1, in the field of the text named by `on`.
    pub lines: Option<(i64, i64)>,
    /// Which text the lines are in: the newest revision (the default), an
    /// earlier revision, or the version the amendment is based on. Reviewers
    /// comment on either side of a redline; a comment on removed text
    /// anchors to the text that had it.
    pub on: CommentOn,
    /// An objection: it blocks merging until settled.
    pub blocking: bool,
    /// A suggested replacement for the lines (empty for none), which the
    /// author can apply with one click.
    pub suggestion: &'a str,
}

/// The text a line comment's lines are counted in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommentOn {
    /// The newest revision.
    #[default]
    Newest,
    /// An earlier (or the newest) revision, by number.
    Revision(i64),
    /// The specification version the newest revision is based on; stored as
    /// revision 0.
    Base,
}

impl CommentOn {
    /// Reads `base` or a revision number, as in the pages' `from` and the
    /// API's `on`; empty is the newest revision.
    pub fn parse(raw: &str) -> Result<CommentOn, Error> {
        match raw.trim() {
            "" => Ok(CommentOn::Newest),
            "base" => Ok(CommentOn::Base),
            n => n
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .map(CommentOn::Revision)
                .ok_or_else(|| {
                    Error::BadRequest(format!(
                        "comment on `base` or on a revision number, not {n:?}"
                    ))
                }),
        }
    }
}

/// Parses a thread id from a path: anything but a positive number is a
/// thread that does not exist.
pub fn parse_thread_id(raw: &str) -> Result<i64, Error> {
    raw.parse()
        .ok()
        .filter(|n: &i64| *n > 0)
        .ok_or_else(|| Error::NotFound(format!("thread {raw}")))
}

/// Proposes an amendment to the specification's newest version; returns
/// its number.
pub async fn propose(
    app: &App,
    viewer: &Viewer,
    spec: &str,
    p: Proposal<'_>,
) -> Result<i64, Error> {
    let Proposal {
        title,
        description,
        content,
        open,
    } = p;
    let row = lookup::spec(app, viewer, spec).await?;
    viewer.require(Action::Propose {
        group_id: row.group_id,
    })?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(Error::BadRequest(TITLE_RULE.into()));
    }
    let head = amend::version_spec(app, &row, row.head_version).await?;
    let (_, canonical) = check_proposal(app, head, content).await?;
    let user = viewer.user()?;
    let hash = content_hash(&canonical);
    let number = app
        .store
        .create_amendment(NewAmendment {
            spec_id: row.id,
            spec_slug: &row.slug,
            title,
            description: description.trim(),
            author_id: user.id,
            state: if open { "open" } else { "draft" },
            revision: NewRevision {
                base_version: row.head_version,
                content: &canonical,
                content_hash: &hash,
                author_id: user.id,
                message: "First revision",
            },
        })
        .await?;
    Ok(number)
}

/// Adds a revision on the newest revision's base; `expected` is the
/// revision the author edited, so that a concurrent revision is a conflict
/// rather than lost. Returns the new revision's number.
pub async fn revise(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    content: &str,
    message: &str,
    expected: i64,
) -> Result<i64, Error> {
    revise_applying(
        app,
        viewer,
        ctx,
        Proposed::Text(content),
        message,
        expected,
        &[],
    )
    .await
}

/// A new text for an amendment: as sent, or already parsed (a control
/// edit, applied suggestions), which saves parsing a large file again.
enum Proposed<'a> {
    Text(&'a str),
    Parsed(charta_domain::Spec),
}

/// [`revise`], settling the threads whose suggestions the text applies.
async fn revise_applying(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    content: Proposed<'_>,
    message: &str,
    expected: i64,
    applies: &[i64],
) -> Result<i64, Error> {
    require_steward(viewer, ctx)?;
    apply(ctx.state, AmendmentEvent::Revise, false).map_err(|e| Error::Conflict(e.to_string()))?;
    let base = amend::version_spec(app, &ctx.spec, ctx.latest().base_version).await?;
    let (proposed, canonical) = match content {
        Proposed::Text(text) => check_proposal(app, base.clone(), text).await?,
        Proposed::Parsed(spec) => amend::check_proposed_spec(app, base.clone(), spec).await?,
    };
    if canonical == ctx.latest().content {
        return Err(Error::BadRequest(
            "this revision is identical to the newest one".into(),
        ));
    }
    let user = viewer.user()?;
    let hash = content_hash(&canonical);
    let message = if message.trim().is_empty() {
        "Revised"
    } else {
        message.trim()
    };
    // Whether votes on an open ballot stand depends on the change and the
    // ballot's rules; the store decides with the ballot row locked.
    let previous = amend::revision_spec(app, ctx.latest()).await?;
    let (base_spec, proposed) = (base.clone(), Arc::new(proposed));
    let change = app
        .cpu
        .run(move |_| {
            Ok(charta_domain::diff::revision_change(
                &base_spec.spec,
                &previous,
                &base_spec.spec,
                &proposed,
            ))
        })
        .await?;
    Ok(app
        .store
        .add_classified_revision(
            &ctx.amendment,
            expected,
            NewRevision {
                base_version: ctx.latest().base_version,
                content: &canonical,
                content_hash: &hash,
                author_id: user.id,
                message,
            },
            change,
            applies,
        )
        .await?)
}

/// Opens a review thread on the newest revision; returns its id.
pub async fn comment(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    c: Comment<'_>,
) -> Result<i64, Error> {
    let Comment {
        body,
        control,
        field,
        lines,
        blocking,
        suggestion,
        on,
    } = c;
    let suggestion = suggestion.trim_end();
    if !suggestion.is_empty() && lines.is_none() {
        return Err(Error::BadRequest(
            "a suggestion replaces lines: choose the lines it replaces".into(),
        ));
    }
    if suggestion.len() > 20_000 {
        return Err(Error::BadRequest(
            "a suggestion has at most 20,000 characters".into(),
        ));
    }
    viewer.require(Action::Comment {
        group_id: ctx.spec.group_id,
    })?;
    if ctx.state.is_closed() {
        return Err(Error::Conflict(format!(
            "the amendment is {}; its discussion is closed",
            ctx.state
        )));
    }
    let body = body.trim();
    if body.is_empty() || body.len() > 20_000 {
        return Err(Error::BadRequest(COMMENT_RULE.into()));
    }
    let latest = ctx.latest();
    let (revision, spec, text_name) = match on {
        CommentOn::Newest => (
            latest.number,
            amend::Held::Revision(amend::revision_spec(app, latest).await?),
            format!("revision {}", latest.number),
        ),
        CommentOn::Revision(n) => {
            // A revision named in the comment is input, not an address.
            let r = ctx.revision(n).map_err(|_| {
                Error::BadRequest(format!(
                    "amendment {} has no revision {n}; it has {}",
                    ctx.amendment.number,
                    ctx.revisions.len()
                ))
            })?;
            (
                n,
                amend::Held::Revision(amend::revision_spec(app, r).await?),
                format!("revision {n}"),
            )
        }
        CommentOn::Base => (
            0,
            amend::Held::Version(amend::version_spec(app, &ctx.spec, latest.base_version).await?),
            format!("version {}", latest.base_version),
        ),
    };
    let anchor_text = match (control, field, lines) {
        (None, None, None) => String::new(),
        (Some(c), Some(f), Some((a, b))) => {
            let ctl = spec
                .control(c)
                .ok_or_else(|| Error::BadRequest(format!("{text_name} has no control {c}")))?;
            let text = match f {
                "statement" => &ctl.statement,
                "guidance" => &ctl.guidance,
                other => {
                    return Err(Error::BadRequest(format!(
                        "comments attach to the statement or the guidance, not {other:?}"
                    )));
                }
            };
            let lines: Vec<&str> = text.lines().collect();
            if a < 1 || b < a || b as usize > lines.len() {
                return Err(Error::BadRequest(format!(
                    "lines {a} to {b} are not in the {f} of {c}, which has {} lines",
                    lines.len()
                )));
            }
            lines[(a - 1) as usize..b as usize].join("\n")
        }
        (Some(_), None, None) => String::new(),
        _ => {
            return Err(Error::BadRequest(
                "to comment on lines, name the control, the field and the lines".into(),
            ));
        }
    };
    if !suggestion.is_empty() && suggestion == anchor_text {
        return Err(Error::BadRequest(
            "the suggestion is the same as the lines it would replace".into(),
        ));
    }
    let user = viewer.user()?;
    Ok(app
        .store
        .create_thread(
            &ctx.amendment,
            NewThread {
                amendment_id: ctx.amendment.id,
                revision,
                control_id: control,
                field,
                first_line: lines.map(|l| l.0),
                last_line: lines.map(|l| l.1),
                anchor_text: &anchor_text,
                blocking,
                author_id: user.id,
                body,
                suggestion,
            },
        )
        .await?)
}

/// Replies in a thread.
pub async fn reply(
    app: &App,
    viewer: &Viewer,
    ctx: &amend::Subject,
    thread: i64,
    body: &str,
) -> Result<(), Error> {
    viewer.require(Action::Comment {
        group_id: ctx.spec.group_id,
    })?;
    let body = body.trim();
    if body.is_empty() || body.len() > 20_000 {
        return Err(Error::BadRequest(
            "a reply needs text (at most 20,000 characters)".into(),
        ));
    }
    app.store
        .reply(&ctx.amendment, thread, viewer.user()?.id, body)
        .await?;
    Ok(())
}

/// Settles (`resolved`) or reopens a thread. An objection is withdrawn by
/// whoever raised it; anyone else settling it overrides a member's
/// objection, which only the chair may do, with a fresh multi-factor
/// sign-in and a `reason` added to the thread for everyone to read.
pub async fn settle(
    app: &App,
    viewer: &Viewer,
    ctx: &amend::Subject,
    thread: i64,
    resolved: bool,
    reason: &str,
) -> Result<(), Error> {
    viewer.require(Action::Comment {
        group_id: ctx.spec.group_id,
    })?;
    let t = app
        .store
        .threads(ctx.amendment.id)
        .await?
        .into_iter()
        .find(|t| t.id == thread)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "thread {thread} on amendment {}",
                ctx.amendment.number
            ))
        })?;
    let mine = viewer.user.as_ref().is_some_and(|u| u.id == t.author_id);
    if t.blocking && !mine {
        viewer.require(Action::SettleObjection {
            group_id: ctx.spec.group_id,
        })?;
        if resolved {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > 2000 {
                return Err(Error::BadRequest(
                    "say why you settle this objection (at most 2,000 characters): the reason is added to the thread for the objector and everyone to read".into(),
                ));
            }
            let user = viewer.user()?;
            app.store
                .reply(
                    &ctx.amendment,
                    thread,
                    user.id,
                    &format!("Objection settled by the chair: {reason}"),
                )
                .await?;
        }
    }
    app.store
        .set_thread_resolved(&ctx.amendment, thread, resolved, &amend::actor(viewer))
        .await?;
    Ok(())
}

/// Submits, withdraws, rejects or reopens an amendment (revising and
/// merging have their own functions); returns the state it is now in.
pub async fn change_state(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    event: AmendmentEvent,
    reason: &str,
) -> Result<AmendmentState, Error> {
    if matches!(event, AmendmentEvent::Revise | AmendmentEvent::Merge) {
        return Err(Error::BadRequest(format!(
            "{} is not a state change of its own: use submit, withdraw, reject or reopen",
            event.as_str()
        )));
    }
    require_transition(app, viewer, ctx, event).await?;
    let to = apply(ctx.state, event, false).map_err(|e| Error::Conflict(e.to_string()))?;
    app.store
        .set_amendment_state(
            &ctx.amendment,
            ctx.state.as_str(),
            to.as_str(),
            reason.trim(),
            &amend::actor(viewer),
        )
        .await?;
    Ok(to)
}

/// Who may make a state change: rejecting is a decision of the group (the
/// chair, or an editor where the rules allow, with a multi-factor
/// sign-in); the amendment's stewards do the rest.
pub async fn require_transition(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    event: AmendmentEvent,
) -> Result<(), Error> {
    match event {
        AmendmentEvent::Reject => require_merge_right(app, viewer, ctx).await,
        _ => require_steward(viewer, ctx),
    }
}

/// The right to merge or reject `ctx`'s amendment under its group's rules.
pub async fn require_merge_right(app: &App, viewer: &Viewer, ctx: &Context) -> Result<(), Error> {
    let rules = app.store.group_rules(ctx.spec.group_id).await?;
    viewer.require(Action::Merge {
        group_id: ctx.spec.group_id,
        editors_may: rules.editors_may_merge,
    })
}

/// Merges the newest revision into a new version; returns its number. The new version and the amendment'sapp
/// change are one transaction that fails with a conflict if the
/// specification changed meanwhile.
pub async fn merge(app: &App, viewer: &Viewer, ctx: &Context) -> Result<i64, Error> {
    check_merge(app, viewer, ctx).await?;
    let latest = ctx.latest();
    let spec = amend::revision_spec(app, latest).await?;
    let message = format!(
        "Merge amendment {}: {}",
        ctx.amendment.number, ctx.amendment.title
    );
    let version = app
        .store
        .append_version(NewVersion {
            spec: &spec,
            canonical: &latest.content,
            message: &message,
            created_by: &amend::actor(viewer),
            expected_head: latest.base_version,
            draft: false,
            merges_amendment: Some(ctx.amendment.id),
        })
        .await?;
    Ok(version)
}

/// Whether `viewer` may merge the amendment now: the policy, then its
/// state and the merge gate.
pub async fn check_merge(app: &App, viewer: &Viewer, ctx: &Context) -> Result<(), Error> {
    require_merge_right(app, viewer, ctx).await?;
    let gate = amend::gate(app, ctx).await?;
    apply(ctx.state, AmendmentEvent::Merge, gate_passes(&gate)).map_err(|e| {
        let failing: Vec<String> = gate
            .iter()
            .filter(|c| c.status == CheckStatus::Failed)
            .map(|c| c.detail.clone())
            .collect();
        Error::Conflict(if failing.is_empty() {
            e.to_string()
        } else {
            format!("{e}: {}", failing.join("; "))
        })
    })?;
    Ok(())
}

/// The merge of the amendment's newest revision onto the current version.
pub async fn rebase_outcome(app: &App, ctx: &Context) -> Result<MergeOutcome, Error> {
    let latest = ctx.latest();
    let base = amend::version_spec(app, &ctx.spec, latest.base_version).await?;
    let head = amend::version_spec(app, &ctx.spec, ctx.spec.head_version).await?;
    let revision = amend::revision_spec(app, latest).await?;
    app.cpu
        .run(move |_| Ok(merge_specs(&base.spec, &head.spec, &revision)))
        .await
}

/// Rebases the amendment onto the specification's newest version, with
/// the author's `choice` for each conflict (by its index in
/// [`rebase_outcome`]); returns the new revision's number.
pub async fn rebase(
    app: &App,
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
    let o = rebase_outcome(app, ctx).await?;
    let resolutions: Vec<_> = o
        .conflicts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| choice(i).map(|side| c.choose(side)))
        .collect();
    let head = amend::version_spec(app, &ctx.spec, ctx.spec.head_version).await?;
    let latest = ctx.latest();
    let old_base = amend::version_spec(app, &ctx.spec, latest.base_version).await?;
    let revision = amend::revision_spec(app, latest).await?;
    let catalogs = app.catalogs.clone();
    // Resolving, checking and classifying the merged text is the heavy part
    // of a rebase: one pooled piece of work, stopped between its steps if
    // the request is abandoned.
    let (canonical, change) = app
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
    Ok(app
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
            &[],
        )
        .await?)
}

/// Someone who can be asked to review an amendment: a member of its group
/// who may comment (observers only read), other than its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub user_id: i64,
    pub name: String,
    /// Already asked.
    pub requested: bool,
}

/// The people the amendment's author or the group's stewards can ask for a
/// review, and whether they were asked.
pub async fn reviewers(app: &App, ctx: &Context) -> Result<Vec<Reviewer>, Error> {
    let asked = app.store.review_requests(ctx.amendment.id).await?;
    let mut out: Vec<Reviewer> = Vec::new();
    for m in app.store.group_members(ctx.spec.group_id).await? {
        if m.user_id == ctx.amendment.author_id || m.role == Role::Observer.as_str() {
            continue;
        }
        if out.iter().any(|r| r.user_id == m.user_id) {
            continue;
        }
        out.push(Reviewer {
            user_id: m.user_id,
            requested: asked.contains(&m.user_id),
            name: m.user_name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Asks a member of the group to review an open amendment; they hear of
/// it and find it on their "my work" page. The author or the group's chair
/// and editors ask; asking someone twice changes nothing.
pub async fn request_review(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    reviewer: i64,
) -> Result<(), Error> {
    require_steward(viewer, ctx)?;
    if ctx.amendment.state != AmendmentState::Open {
        return Err(Error::Conflict(format!(
            "amendment {} is {}; reviews are asked for while it is open for review",
            ctx.amendment.number,
            ctx.amendment.state.as_str()
        )));
    }
    let candidates = reviewers(app, ctx).await?;
    if !candidates.iter().any(|r| r.user_id == reviewer) {
        return Err(Error::BadRequest(format!(
            "person {reviewer} cannot review this amendment: reviewers are members of the group who may comment, other than its author"
        )));
    }
    app.store
        .request_review(&ctx.amendment, reviewer, &actor(viewer))
        .await?;
    Ok(())
}

/// Where an edit of one control goes.
#[derive(Debug, Clone, Copy)]
pub enum EditInto<'a> {
    /// A new amendment with this title and description, a draft unless
    /// `open`.
    New {
        title: &'a str,
        description: &'a str,
        open: bool,
    },
    /// A new revision of this amendment (a draft gathering several edits,
    /// or an open one), which the person must be able to revise.
    Amendment(i64),
}

/// What an edit of one control produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edited {
    pub amendment: i64,
    pub revision: i64,
}

/// Changes or adds one control, as a new amendment or a new revision of an
/// existing one: the text is the specification as it stands (the newest
/// version, or the amendment's newest revision) with that control
/// replaced, checked and stored exactly like a proposal of the whole file.
/// Withdrawing is a change of status (with `replaced_by`).
pub async fn edit_control(
    app: &App,
    viewer: &Viewer,
    spec: &str,
    control: charta_domain::Control,
    kind: charta_domain::edit::EditKind,
    into: EditInto<'_>,
) -> Result<Edited, Error> {
    use charta_domain::edit::{EditKind, apply_control};
    let message = match kind {
        EditKind::Change => format!("Edit {}", control.id),
        EditKind::Add => format!("Add {}", control.id),
    };
    match into {
        EditInto::New {
            title,
            description,
            open,
        } => {
            let row = lookup::spec(app, viewer, spec).await?;
            viewer.require(Action::Propose {
                group_id: row.group_id,
            })?;
            let head = amend::version_spec(app, &row, row.head_version).await?;
            let edited = apply_control(&head.spec, control, kind).map_err(Error::BadRequest)?;
            let content = to_canonical(&edited);
            let amendment = propose(
                app,
                viewer,
                spec,
                Proposal {
                    title,
                    description,
                    content: &content,
                    open,
                },
            )
            .await?;
            Ok(Edited {
                amendment,
                revision: 1,
            })
        }
        EditInto::Amendment(number) => {
            let ctx = amend::load(app, viewer, spec, &number.to_string()).await?;
            require_steward(viewer, &ctx)?;
            let latest = amend::revision_spec(app, ctx.latest()).await?;
            let edited = apply_control(&latest, control, kind).map_err(Error::BadRequest)?;
            let content = to_canonical(&edited);
            let revision =
                revise(app, viewer, &ctx, &content, &message, ctx.latest().number).await?;
            Ok(Edited {
                amendment: number,
                revision,
            })
        }
    }
}

/// Amendments of a specification the viewer can add an edit to: open or
/// draft ones they may revise, newest first.
pub async fn editable_amendments(
    app: &App,
    viewer: &Viewer,
    spec: &charta_store::SpecRow,
) -> Result<Vec<charta_store::AmendmentRow>, Error> {
    let Some(user) = viewer.user.as_ref() else {
        return Ok(Vec::new());
    };
    let steward = viewer.decide(Action::Decide {
        group_id: spec.group_id,
    }) == charta_domain::access::Decision::Allow;
    // Stewards may revise any amendment of the group; others their own.
    let mut out: Vec<charta_store::AmendmentRow> = if steward {
        app.store.amendments(spec.id).await?
    } else {
        app.store
            .work_of(user.id)
            .await?
            .authored
            .into_iter()
            .filter(|a| a.spec_id == spec.id)
            .collect()
    };
    out.retain(|a| matches!(a.state, AmendmentState::Draft | AmendmentState::Open));
    Ok(out)
}

/// Applies reviewers' suggestions (by thread) to the newest revision as one
/// new revision, crediting them in its message; their threads are settled
/// by the change. The author or the group's chair and editors apply them;
/// a suggestion whose lines changed since, or two on the same lines, are
/// refused with the reason.
pub async fn apply_suggestions(
    app: &App,
    viewer: &Viewer,
    ctx: &Context,
    threads: &[i64],
) -> Result<i64, Error> {
    use charta_domain::suggest::{SuggestError, apply as apply_all};
    require_steward(viewer, ctx)?;
    if threads.is_empty() {
        return Err(Error::BadRequest("choose the suggestions to apply".into()));
    }
    let all = app.store.threads(ctx.amendment.id).await?;
    let mut chosen = Vec::new();
    let mut credits: Vec<String> = Vec::new();
    for id in threads {
        let t = all
            .iter()
            .find(|t| t.id == *id)
            .ok_or_else(|| Error::NotFound(format!("thread {id} of this amendment")))?;
        if t.suggestion.is_empty() {
            return Err(Error::BadRequest(format!(
                "thread {id} suggests no wording"
            )));
        }
        if let Some(r) = t.applied_in {
            return Err(Error::Conflict(format!(
                "the suggestion in thread {id} was applied in revision {r}"
            )));
        }
        let s = suggestion_of(t)
            .ok_or_else(|| Error::BadRequest(format!("thread {id} is not on lines")))?;
        chosen.push(s);
        if !credits.contains(&t.author_name) {
            credits.push(t.author_name.clone());
        }
    }
    let latest = amend::revision_spec(app, ctx.latest()).await?;
    let applied = apply_all(&latest, &chosen).map_err(|e| match e {
        SuggestError::NoChange => Error::BadRequest(e.to_string()),
        _ => Error::Conflict(e.to_string()),
    })?;
    let numbers: Vec<String> = threads.iter().map(i64::to_string).collect();
    let message = format!(
        "Applied suggestions by {} (thread{} {})",
        credits.join(", "),
        if threads.len() == 1 { "" } else { "s" },
        numbers.join(", ")
    );
    revise_applying(
        app,
        viewer,
        ctx,
        Proposed::Parsed(applied),
        &message,
        ctx.latest().number,
        threads,
    )
    .await
}

/// The suggestion a thread carries, if it has one on lines.
fn suggestion_of(t: &charta_store::ThreadRow) -> Option<charta_domain::suggest::Suggestion> {
    let (Some(control), Some(field), Some(first), Some(last)) =
        (&t.control_id, &t.field, t.first_line, t.last_line)
    else {
        return None;
    };
    if t.suggestion.is_empty() {
        return None;
    }
    Some(charta_domain::suggest::Suggestion {
        thread: t.id,
        anchor: charta_domain::anchor::Anchor {
            control_id: control.clone(),
            field: field.clone(),
            first_line: usize::try_from(first).ok()?,
            last_line: usize::try_from(last).ok()?,
            text: t.anchor_text.clone(),
        },
        text: t.suggestion.clone(),
    })
}

/// Threads whose suggestions, not yet applied, change the same lines of
/// `latest` as another's, with the threads each conflicts with.
pub fn suggestion_conflicts(
    threads: &[charta_store::ThreadRow],
    latest: &charta_domain::Spec,
) -> Vec<(i64, i64)> {
    let pending: Vec<_> = threads
        .iter()
        .filter(|t| t.applied_in.is_none())
        .filter_map(suggestion_of)
        .collect();
    charta_domain::suggest::conflicts(latest, &pending)
}
