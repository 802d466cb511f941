//! What ballot pages and API handlers share: loading a ballot the viewer may
//! see, its standing (tally, positions, history), opening, voting,
//! extending, cancelling and closing, the merge gate's view of ballots, and
//! the background task that closes ballots at their deadline.

use crate::amend::{self, Context};
use crate::app::App;
use crate::error::Error;
use crate::lookup;
use crate::viewer::Viewer;
use charta_domain::access::{Action, Decision, Visibility};
use charta_domain::amendment::{AmendmentState, BallotGate};
use charta_domain::approval::{RevisionStep, passed_ballot_gate};
use charta_domain::ballot::{BallotKind, BallotState, MAX_DAYS, Position, Rules, Tally, tally};
use charta_domain::diff::{TextChange, revision_change};
use charta_store::{
    BallotRow, BallotVoterRow, Closing, DelegationRow, NewBallot, NewVote, SpecRow, Store, VoteRow,
    current_positions, now,
};
use serde::Serialize;
use time::OffsetDateTime;

/// A ballot with what every view of it needs.
pub struct Loaded {
    pub ballot: BallotRow,
    pub spec: SpecRow,
    pub rules: Rules,
    pub kind: BallotKind,
    pub state: BallotState,
}

impl Loaded {
    /// The page of the ballot.
    pub fn path(&self) -> String {
        format!("/ballots/{}", self.ballot.id)
    }

    fn closed(&self) -> bool {
        self.state != BallotState::Open
    }
}

/// One organisation's standing in a ballot.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standing {
    pub organization: String,
    pub organization_name: String,
    /// approve, abstain, object or recuse; `None` if it has not voted.
    pub position: Option<Position>,
    pub rationale: String,
    /// Who cast the current vote.
    pub voter: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub cast_at: Option<OffsetDateTime>,
    /// The amendment revision the current vote was cast on.
    pub revision: Option<i64>,
    /// The revision of this organisation's last vote in an earlier round,
    /// when a revision since reset it.
    pub reset_from_revision: Option<i64>,
}

/// The count, the positions and the full vote history of a ballot.
pub struct Count {
    /// The organisations eligible in the ballot.
    pub voters: Vec<BallotVoterRow>,
    pub tally: Tally,
    pub standings: Vec<Standing>,
    pub history: Vec<VoteRow>,
    /// The delegations in force at some moment while the ballot ran.
    pub delegations: Vec<DelegationRow>,
}

/// Parses a ballot id from a path: anything but a positive number is a
/// ballot that does not exist.
pub fn parse_id(raw: &str) -> Result<i64, Error> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::NotFound(format!("ballot {raw}")))
}

/// Loads ballot `id` without checking who reads it; callers check.
async fn fetch(state: &App, viewer: &Viewer, id: i64) -> Result<Loaded, Error> {
    let ballot = state.store.ballot(id).await?;
    // A ballot on another group's draft does not exist for this viewer.
    let spec = lookup::spec(state, viewer, &ballot.spec_slug)
        .await
        .map_err(|_| Error::NotFound(format!("ballot {id}")))?;
    let rules = ballot.rules()?;
    let (kind, st) = (ballot.kind, ballot.state);
    Ok(Loaded {
        ballot,
        spec,
        rules,
        kind,
        state: st,
    })
}

/// Loads a ballot the viewer may read: closed ballots of public
/// specifications are public; open ones are for the group's members.
pub async fn load(state: &App, viewer: &Viewer, id: i64) -> Result<Loaded, Error> {
    let l = fetch(state, viewer, id).await?;
    viewer.require(read_action(&l))?;
    Ok(l)
}

fn read_action(l: &Loaded) -> Action {
    Action::ReadBallot {
        group_id: l.ballot.group_id,
        visibility: Visibility::parse(&l.spec.visibility).unwrap_or(Visibility::Draft),
        closed: l.closed(),
    }
}

/// Counts a ballot: the recorded final tally once closed, the live one
/// while open.
pub async fn count(store: &Store, l: &Loaded) -> Result<Count, Error> {
    let voters = store.ballot_voters(l.ballot.id).await?;
    let history = store.votes(l.ballot.id).await?;
    // A ballot closed at its deadline counts what was cast before it.
    let until = match (l.state, l.ballot.closed_by.as_deref()) {
        (BallotState::Closed, Some("deadline")) => Some(l.ballot.closes_at),
        _ => None,
    };
    let current = current_positions(&voters, &history, l.ballot.round, until);
    let tally = match l.ballot.final_tally()? {
        Some(t) => t,
        None => tally(
            &l.rules,
            l.kind,
            &current.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>(),
        ),
    };
    let standings = standings(&voters, &history, &current, l.ballot.round);
    let ran_until = l.ballot.closed_at.unwrap_or(l.ballot.closes_at);
    let delegations = store
        .delegations_during(l.ballot.group_id, l.ballot.opened_at, ran_until)
        .await?;
    Ok(Count {
        voters,
        tally,
        standings,
        history,
        delegations,
    })
}

fn standings(
    voters: &[BallotVoterRow],
    history: &[VoteRow],
    current: &[(charta_domain::ballot::Voter, Option<VoteRow>)],
    round: i64,
) -> Vec<Standing> {
    voters
        .iter()
        .zip(current)
        .map(|(o, (v, vote))| {
            let earlier = history
                .iter()
                .filter(|h| h.organization_id == o.organization_id && h.round < round)
                .max_by_key(|h| h.id);
            Standing {
                organization: o.slug.clone(),
                organization_name: o.name.clone(),
                position: v.position,
                rationale: vote
                    .as_ref()
                    .map(|x| x.rationale.clone())
                    .unwrap_or_default(),
                voter: vote.as_ref().map(|x| x.voter_name.clone()),
                cast_at: vote.as_ref().map(|x| x.cast_at),
                revision: vote.as_ref().and_then(|x| x.revision),
                reset_from_revision: if vote.is_none() {
                    earlier.and_then(|h| h.revision)
                } else {
                    None
                },
            }
        })
        .collect()
}

/// The organisations among a ballot's `voters` the viewer speaks for (the
/// access policy): the representative's or alternate's organisations.
fn speaking_for(viewer: &Viewer, l: &Loaded, voters: &[BallotVoterRow]) -> Vec<BallotVoterRow> {
    voters
        .iter()
        .filter(|o| {
            viewer.decide(Action::Vote {
                group_id: l.ballot.group_id,
                organization_id: o.organization_id,
            }) == Decision::Allow
        })
        .cloned()
        .collect()
}

/// The organisations among a ballot's `voters` the viewer votes for right
/// now: those they speak for and whose one current voter they are.
pub async fn voting_for(
    store: &Store,
    viewer: &Viewer,
    l: &Loaded,
    voters: &[BallotVoterRow],
) -> Result<Vec<BallotVoterRow>, Error> {
    let Some(user) = viewer.user.as_ref() else {
        return Ok(Vec::new());
    };
    let at = now();
    let mut mine = Vec::new();
    for o in speaking_for(viewer, l, voters) {
        if store.voice(o.organization_id, at).await?.person() == Some(user.id) {
            mine.push(o);
        }
    }
    Ok(mine)
}

/// Casts (or changes) an organisation's vote. `organization` may be left
/// out when the viewer speaks for exactly one eligible organisation.
pub async fn cast(
    state: &App,
    viewer: &Viewer,
    id: i64,
    organization: Option<&str>,
    position: Position,
    rationale: &str,
) -> Result<i64, Error> {
    let l = fetch(state, viewer, id).await?;
    let rationale = rationale.trim();
    if position.needs_rationale() && rationale.is_empty() {
        return Err(Error::BadRequest(
            "an objection needs a rationale: say what would have to change for your organisation to approve".into(),
        ));
    }
    if rationale.chars().count() > 5000 {
        return Err(Error::BadRequest(
            "a rationale has at most 5,000 characters".into(),
        ));
    }
    let voters = state.store.ballot_voters(l.ballot.id).await?;
    let org = match organization.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => {
            let o = voters.into_iter().find(|o| o.slug == slug).ok_or_else(|| {
                Error::BadRequest(format!(
                    "{slug} is not one of the organisations voting in this ballot"
                ))
            })?;
            viewer.require(Action::Vote {
                group_id: l.ballot.group_id,
                organization_id: o.organization_id,
            })?;
            // Whether this person holds the organisation's vote right now
            // (or an alternate does) is checked where the vote is written.
            o
        }
        None => {
            let mine = voting_for(&state.store, viewer, &l, &voters).await?;
            let speaks = speaking_for(viewer, &l, &voters);
            match (mine.as_slice(), speaks.as_slice()) {
                ([one], _) => one.clone(),
                // Someone who speaks for one organisation without holding
                // its vote now: the store refuses and says who holds it.
                ([], [only]) => only.clone(),
                ([], _) => {
                    // Explain as the policy would: sign in, or not allowed.
                    viewer.require(read_action(&l))?;
                    return Err(Error::Forbidden(
                        "only an organisation's representative, or an alternate it delegated its vote to, can vote for it".into(),
                    ));
                }
                _ => {
                    return Err(Error::BadRequest(
                        "you speak for several organisations in this ballot; name the one you vote for"
                            .into(),
                    ));
                }
            }
        }
    };
    if l.closed() {
        return Err(Error::Conflict(format!(
            "ballot {} is {}; votes are no longer accepted",
            l.ballot.id, l.ballot.state
        )));
    }
    let user = viewer.user()?;
    Ok(state
        .store
        .cast_vote(
            &l.ballot,
            NewVote {
                organization_id: org.organization_id,
                user_id: user.id,
                position,
                rationale,
                at: now(),
            },
        )
        .await?)
}

/// Reads a position as typed or sent.
pub fn parse_position(raw: &str) -> Result<Position, Error> {
    Position::parse(raw.trim()).ok_or_else(|| {
        Error::BadRequest(format!(
            "the position must be approve, abstain, object or recuse, not {raw:?}"
        ))
    })
}

/// Reads a duration in days from a form; empty means "the default".
pub fn parse_days(raw: &str) -> Result<Option<u32>, Error> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| Error::BadRequest(format!("days must be a whole number, not {raw:?}")))
}

/// Opens a ballot on an amendment open for review.
pub async fn open_on_amendment(
    state: &App,
    viewer: &Viewer,
    ctx: &Context,
    days: Option<u32>,
) -> Result<i64, Error> {
    viewer.require(Action::RunBallot {
        group_id: ctx.spec.group_id,
    })?;
    if ctx.state != AmendmentState::Open {
        return Err(Error::Conflict(format!(
            "the amendment is {}; only an amendment open for review goes to ballot",
            ctx.state
        )));
    }
    let a = &ctx.amendment;
    open(
        state,
        viewer,
        &ctx.spec,
        days,
        Opening {
            kind: BallotKind::Amendment,
            amendment_id: Some(a.id),
            version: None,
            revision: Some(ctx.latest().number),
            title: format!("Merge amendment {}: {}", a.number, a.title),
            subject: format!("amendment:{}/{}", ctx.spec.slug, a.number),
        },
    )
    .await
}

/// Opens a ballot on releasing a version of a specification.
pub async fn open_on_version(
    state: &App,
    viewer: &Viewer,
    spec: &SpecRow,
    version: i64,
    days: Option<u32>,
) -> Result<i64, Error> {
    viewer.require(Action::RunBallot {
        group_id: spec.group_id,
    })?;
    if version < 1 || version > spec.head_version {
        return Err(Error::NotFound(format!(
            "version {version} of {}",
            spec.slug
        )));
    }
    open(
        state,
        viewer,
        spec,
        days,
        Opening {
            kind: BallotKind::Release,
            amendment_id: None,
            version: Some(version),
            revision: None,
            title: format!("Release version {version} of {}", spec.title),
            subject: format!("spec:{}@{version}", spec.slug),
        },
    )
    .await
}

/// What a new ballot is about.
struct Opening {
    kind: BallotKind,
    amendment_id: Option<i64>,
    version: Option<i64>,
    revision: Option<i64>,
    title: String,
    subject: String,
}

/// Opens a ballot under the group's current rules, for the chosen number
/// of days (the rules' default when none is given).
async fn open(
    state: &App,
    viewer: &Viewer,
    spec: &SpecRow,
    days: Option<u32>,
    o: Opening,
) -> Result<i64, Error> {
    let rules = state.store.group_rules(spec.group_id).await?;
    let days = days.unwrap_or(rules.default_days);
    rules
        .check_duration(days)
        .map_err(|e| Error::BadRequest(e.0))?;
    let opened_at = now();
    Ok(state
        .store
        .open_ballot(NewBallot {
            group_id: spec.group_id,
            spec_id: spec.id,
            kind: o.kind,
            amendment_id: o.amendment_id,
            version: o.version,
            revision: o.revision,
            title: &o.title,
            rules: &rules,
            opened_by: viewer.user()?.id,
            opened_at,
            closes_at: opened_at + time::Duration::days(i64::from(days)),
            subject: &o.subject,
        })
        .await?)
}

/// Moves a ballot's deadline `days` later, up to thirty days after it opened.
pub async fn extend(state: &App, viewer: &Viewer, id: i64, days: Option<u32>) -> Result<(), Error> {
    let l = load(state, viewer, id).await?;
    viewer.require(Action::ExtendBallot {
        group_id: l.ballot.group_id,
        members_may: l.rules.members_may_extend,
    })?;
    let days = days.unwrap_or(7);
    if days == 0 {
        return Err(Error::BadRequest("extend by at least one day".into()));
    }
    let closes_at = l.ballot.closes_at + time::Duration::days(i64::from(days));
    let limit = l.ballot.opened_at + time::Duration::days(i64::from(MAX_DAYS));
    if closes_at > limit {
        return Err(Error::BadRequest(format!(
            "a ballot runs at most {MAX_DAYS} days: it can be extended until {} at the latest",
            limit.date()
        )));
    }
    state
        .store
        .extend_ballot(&l.ballot, closes_at, now(), &amend::actor(viewer))
        .await?;
    Ok(())
}

/// Cancels an open ballot, with a reason.
pub async fn cancel(state: &App, viewer: &Viewer, id: i64, reason: &str) -> Result<(), Error> {
    let l = load(state, viewer, id).await?;
    viewer.require(Action::RunBallot {
        group_id: l.ballot.group_id,
    })?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::BadRequest(
            "say why the ballot is cancelled (at most 2,000 characters)".into(),
        ));
    }
    state
        .store
        .cancel_ballot(&l.ballot, reason, now(), &amend::actor(viewer))
        .await?;
    Ok(())
}

/// Closes a ballot before its deadline, when its rules allow it and the
/// outcome can no longer change.
pub async fn close_early(state: &App, viewer: &Viewer, id: i64) -> Result<Tally, Error> {
    let l = load(state, viewer, id).await?;
    viewer.require(Action::RunBallot {
        group_id: l.ballot.group_id,
    })?;
    let actor = amend::actor(viewer);
    state
        .store
        .close_ballot(l.ballot.id, Closing::Early { actor: &actor }, now())
        .await?
        .ok_or_else(|| Error::Conflict(format!("ballot {} is no longer open", l.ballot.id)))
}

/// What the merge gate sees of an amendment's ballots.
/// `ballots` are the amendment's, newest first.
pub async fn gate(
    state: &App,
    ctx: &Context,
    rules: &Rules,
    ballots: &[BallotRow],
) -> Result<BallotGate, Error> {
    let Some(b) = ballots.iter().find(|b| b.state != BallotState::Cancelled) else {
        return Ok(if rules.amendment_ballot_required {
            BallotGate::Missing
        } else {
            BallotGate::NotRequired
        });
    };
    if b.state == BallotState::Open {
        return Ok(BallotGate::Pending);
    }
    if b.outcome != Some(charta_domain::ballot::Outcome::Passed) {
        return Ok(BallotGate::Failed);
    }
    let voted = b.revision.unwrap_or(ctx.latest().number);
    let steps = revision_steps(state, ctx, voted).await?;
    Ok(passed_ballot_gate(voted, &steps, &b.rules()?))
}

/// How each revision after `voted` changed the amendment's text compared
/// with the revision before it.
async fn revision_steps(
    state: &App,
    ctx: &Context,
    voted: i64,
) -> Result<Vec<RevisionStep>, Error> {
    let mut steps = Vec::new();
    for pair in ctx.revisions.windows(2) {
        let [before, after] = pair else { continue };
        if after.number <= voted {
            continue;
        }
        steps.push(RevisionStep {
            number: after.number,
            change: step_change(state, ctx, before, after).await?,
        });
    }
    Ok(steps)
}

/// How `after` changed the amendment compared with `before`, computed once
/// per process for each pair (stored revisions never change).
async fn step_change(
    state: &App,
    ctx: &Context,
    before: &charta_store::RevisionRow,
    after: &charta_store::RevisionRow,
) -> Result<TextChange, Error> {
    let key = format!(
        "{}:{}:{}:{}:{}",
        ctx.spec.id,
        before.base_version,
        before.content_hash,
        after.base_version,
        after.content_hash
    );
    if let Some(hit) = state.revision_changes.get(&key) {
        return Ok(*hit);
    }
    let old_base = amend::version_spec(state, &ctx.spec, before.base_version).await?;
    let new_base = amend::version_spec(state, &ctx.spec, after.base_version).await?;
    let old = amend::revision_spec(state, before).await?;
    let new = amend::revision_spec(state, after).await?;
    // Comparing two whole texts is heavy work: it runs in the pool.
    let change = state
        .cpu
        .run(move |_| Ok(revision_change(&old_base.spec, &old, &new_base.spec, &new)))
        .await?;
    Ok(*state.revision_changes.insert(key, change))
}

/// The ballots of `spec` the viewer may read: open ones only for members.
pub fn visible(viewer: &Viewer, spec: &SpecRow, ballots: Vec<BallotRow>) -> Vec<BallotRow> {
    let visibility = charta_domain::access::Visibility::parse(&spec.visibility)
        .unwrap_or(charta_domain::access::Visibility::Draft);
    ballots
        .into_iter()
        .filter(|b| {
            viewer.decide(Action::ReadBallot {
                group_id: spec.group_id,
                visibility,
                closed: b.state != BallotState::Open,
            }) == Decision::Allow
        })
        .collect()
}
