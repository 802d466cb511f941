//! What waits on a group's chair and editors, for the "my work" page:
//! amendments ready for a ballot or ready to merge, ballots to close, and
//! approved versions waiting to be published. Each item links to the page
//! where the action is, so nobody has to walk every specification to find
//! what the process is waiting for.

use crate::amend::{self, Context};
use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use crate::words::when;
use charta_domain::access::{Action, Decision};
use charta_domain::amendment::{
    AmendmentState, BallotGate, CHECK_BALLOT, CheckStatus, gate_passes, merge_gate,
};
use charta_domain::ballot::BallotState;
use charta_store::{AmendmentRow, SpecRow, now};

/// One thing to do, with where to do it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkItem {
    pub href: String,
    pub label: String,
    /// Why it waits, in a few words.
    pub detail: String,
}

/// What waits on the viewer as a chair or editor of some groups.
#[derive(Debug, Default, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StewardWork {
    /// Open amendments that pass every other check and need a ballot that
    /// has not been opened (chairs).
    pub ready_for_ballot: Vec<WorkItem>,
    /// Open amendments whose merge gate passes (chairs and editors).
    pub ready_to_merge: Vec<WorkItem>,
    /// Open ballots that may be closed early or are past their deadline
    /// (chairs).
    pub ballots_to_close: Vec<WorkItem>,
    /// Other open ballots the viewer runs, with how many have voted.
    pub ballots_running: Vec<WorkItem>,
    /// Versions whose release ballot passed and that are not released yet
    /// (chairs).
    pub to_publish: Vec<WorkItem>,
}

impl StewardWork {
    /// Whether nothing waits on the viewer as chair or editor (the page
    /// then leaves these sections out).
    pub fn is_empty(&self) -> bool {
        self.ready_for_ballot.is_empty()
            && self.ready_to_merge.is_empty()
            && self.ballots_to_close.is_empty()
            && self.ballots_running.is_empty()
            && self.to_publish.is_empty()
    }
}

fn allowed(viewer: &Viewer, action: Action) -> bool {
    // A chair without a multi-factor sign-in still has the work waiting; the
    // action's page asks for the second factor.
    matches!(viewer.decide(action), Decision::Allow | Decision::StepUp)
}

/// Collects what waits on the viewer in `specs` (the specifications they
/// may read) as chair or editor.
pub async fn steward_work(
    state: &App,
    viewer: &Viewer,
    specs: &[SpecRow],
) -> Result<StewardWork, Error> {
    let mut work = StewardWork::default();
    for spec in specs {
        let group_id = spec.group_id;
        let editors_may = state.store.group_rules(group_id).await?.editors_may_merge;
        let decides = allowed(
            viewer,
            Action::Merge {
                group_id,
                editors_may,
            },
        );
        let runs = allowed(viewer, Action::RunBallot { group_id });
        let publishes = allowed(viewer, Action::PublishRelease { group_id });
        if !(decides || runs || publishes) {
            continue;
        }
        if decides || runs {
            amendments(state, spec, decides, runs, &mut work).await?;
        }
        if runs {
            ballots(state, viewer, spec, &mut work).await?;
        }
        if publishes && spec.visibility == "public" {
            approved_versions(state, spec, &mut work).await?;
        }
    }
    Ok(work)
}

async fn amendments(
    state: &App,
    spec: &SpecRow,
    decides: bool,
    runs: bool,
    work: &mut StewardWork,
) -> Result<(), Error> {
    let open: Vec<AmendmentRow> = state
        .store
        .amendments(spec.id)
        .await?
        .into_iter()
        .filter(|a| a.state == AmendmentState::Open)
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let rules = state.store.group_rules(spec.group_id).await?;
    for a in open {
        let revisions = state.store.revisions_newest_text(a.id).await?;
        if revisions.is_empty() {
            continue;
        }
        let ctx = Context {
            spec: spec.clone(),
            amendment: a,
            state: AmendmentState::Open,
            revisions,
        };
        let threads = state.store.threads(ctx.amendment.id).await?;
        let ballots = state.store.ballots_of_amendment(ctx.amendment.id).await?;
        let ballot = crate::ballot::gate(state, &ctx, &rules, &ballots).await?;
        let checks = merge_gate(&amend::gate_input(&ctx, &threads, ballot));
        let href = ctx.path();
        let label = format!(
            "{} #{}: {}",
            spec.title, ctx.amendment.number, ctx.amendment.title
        );
        if gate_passes(&checks) {
            if decides {
                work.ready_to_merge.push(WorkItem {
                    href,
                    label,
                    detail: "every check of the merge gate passes: ready to merge".into(),
                });
            }
            continue;
        }
        let others_pass = checks
            .iter()
            .filter(|c| c.name != CHECK_BALLOT)
            .all(|c| c.status != CheckStatus::Failed);
        let detail = match ballot {
            BallotGate::Missing => {
                "every other check passes; the group's ballot has not been opened"
            }
            BallotGate::Stale | BallotGate::Edited => {
                "every other check passes; the text changed after the ballot passed, so a new ballot is needed"
            }
            _ => continue,
        };
        if runs && others_pass {
            work.ready_for_ballot.push(WorkItem {
                href,
                label,
                detail: detail.into(),
            });
        }
    }
    Ok(())
}

async fn ballots(
    state: &App,
    viewer: &Viewer,
    spec: &SpecRow,
    work: &mut StewardWork,
) -> Result<(), Error> {
    let at = now();
    for b in state.store.ballots_of_spec(spec.id).await? {
        if b.state != BallotState::Open {
            continue;
        }
        let l = crate::ballot::load(state, viewer, b.id).await?;
        let count = crate::ballot::count(&state.store, &l).await?;
        let voted = count
            .standings
            .iter()
            .filter(|s| s.position.is_some())
            .count();
        let votes = format!("{voted} of {} organisations voted", count.standings.len());
        let item = |detail: String| WorkItem {
            href: l.path(),
            label: format!("{} ({})", b.title, spec.title),
            detail,
        };
        if b.closes_at <= at {
            work.ballots_to_close.push(item(format!(
                "past its deadline ({}); {votes}",
                when(b.closes_at)
            )));
        } else if l.rules.early_close && count.tally.decided {
            work.ballots_to_close.push(item(format!(
                "the outcome can no longer change ({votes}): it can be closed early"
            )));
        } else {
            work.ballots_running
                .push(item(format!("{votes}; closes {}", when(b.closes_at))));
        }
    }
    Ok(())
}

async fn approved_versions(
    state: &App,
    spec: &SpecRow,
    work: &mut StewardWork,
) -> Result<(), Error> {
    for v in crate::release::awaiting_publication(state, spec.id).await? {
        work.to_publish.push(WorkItem {
            href: format!("/specs/{}/releases", spec.slug),
            label: format!("{}, version {v}", spec.title),
            detail: "its release ballot passed: publish it as a release".into(),
        });
    }
    Ok(())
}

/// Everything that waits on a signed-in person.
#[derive(Debug)]
pub struct MyWork {
    /// Open amendments the person wrote.
    pub authored: Vec<AmendmentRow>,
    /// Open amendments in the person's groups that they have not commented on.
    pub review: Vec<AmendmentRow>,
    /// Amendments with threads the person takes part in that have new replies.
    pub replies: Vec<AmendmentRow>,
    /// Open ballots where an organisation the person votes for has not voted.
    pub ballots: Vec<charta_store::BallotRow>,
    /// What waits on the person as a chair or editor.
    pub steward: StewardWork,
}

/// What waits on the viewer, limited to specifications they may read.
pub async fn my_work(app: &App, viewer: &Viewer) -> Result<MyWork, Error> {
    viewer.require(Action::ViewAccount)?;
    let user = viewer.user()?.id;
    let work = app.store.work_of(user).await?;
    let specs = crate::lookup::readable_specs(app, viewer).await?;
    let readable: std::collections::HashSet<&str> = specs.iter().map(|s| s.slug.as_str()).collect();
    let keep = |v: Vec<AmendmentRow>| -> Vec<AmendmentRow> {
        v.into_iter()
            .filter(|a| readable.contains(a.spec_slug.as_str()))
            .collect()
    };
    let ballots = app
        .store
        .ballots_awaiting(user)
        .await?
        .into_iter()
        .filter(|b| readable.contains(b.spec_slug.as_str()))
        .collect();
    Ok(MyWork {
        authored: keep(work.authored),
        review: keep(work.review),
        replies: keep(work.replies),
        ballots,
        steward: steward_work(app, viewer, &specs).await?,
    })
}
