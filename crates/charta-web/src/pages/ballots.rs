//! Ballot pages: a specification's ballots, a ballot with its live tally and
//! every organisation's position, voting, extending, cancelling and closing,
//! and a group's ballot rules.

use super::confirm::{ConfirmPage, TextField};
use super::form::{FieldErrors, PageForm};
use super::view::datetime;
use super::{Page, Rejected, rejected_status};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::paging::{self, PageParams};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Response};
use charta_app::amend;
use charta_app::ballot::{self, Loaded, Standing};
use charta_app::lookup;
use charta_domain::access::{Action, Decision};
use charta_domain::ballot::{BallotState, Outcome, Position, Rules, Tally, Threshold};
use charta_domain::diff::{SpecDiff, diff_specs};
use charta_store::{AuditEntry, BallotRow, BallotVoterRow, DelegationRow, SpecRow, VoteRow};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "ballots/list.html")]
pub struct ListPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub ballots: Vec<BallotRow>,
    pub can_run: bool,
    pub default_days: u32,
    /// The address of the page of older ballots, if any.
    pub next: Option<String>,
    /// Whether this page continues an earlier one.
    pub continued: bool,
}

/// Audit entries a ballot page shows at most.
const AUDIT_SHOWN: i64 = 50;

/// The ballots on a specification and its amendments, newest first, a page
/// at a time.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> PageResult<Page<ListPage>> {
    let request = p.request()?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let page = state.store.ballots_of_spec_page(row.id, &request).await?;
    let ballots = charta_app::ballot::visible(&viewer, &row, page.items);
    let rules = state.store.group_rules(row.group_id).await?;
    Ok(Page(ListPage {
        title: format!("Ballots on {}", row.title),
        chrome: viewer.chrome(&state),
        can_run: !matches!(
            viewer.decide(Action::RunBallot {
                group_id: row.group_id
            }),
            Decision::Deny(_) | Decision::SignIn
        ),
        default_days: rules.default_days,
        ballots,
        next: page.next.map(|k| paging::next_url("", &uri, &k)),
        continued: request.after.is_some(),
        spec: row,
    }))
}

impl ListPage {
    /// A ballot's state or outcome as a word for its badge.
    pub fn word(s: &str) -> &str {
        word_of(s)
    }
}

/// A ballot's stored state or outcome as a word for its badge: "Open",
/// "Passed".
pub fn word_of(s: &str) -> &str {
    match s {
        "open" => "Open",
        "closed" => "Closed",
        "cancelled" => "Cancelled",
        "passed" => "Passed",
        "failed" => "Failed",
        other => other,
    }
}

/// Opening a ballot.
#[derive(Debug, Deserialize)]
pub struct OpenForm {
    /// Days the ballot runs; the group's default when empty.
    #[serde(default)]
    pub days: String,
    /// For a release ballot: the version to release.
    #[serde(default)]
    pub version: String,
}

/// Opens a release ballot on a version of the specification.
pub async fn open_release(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    PageForm(f): PageForm<OpenForm>,
) -> PageResult<Response> {
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let version = if f.version.trim().is_empty() {
        row.head_version
    } else {
        lookup::parse_version(&f.version, "the version")?
    };
    let id = ballot::open_on_version(&state, &viewer, &row, version, ballot::parse_days(&f.days)?)
        .await?;
    Ok(see_other(&format!("/ballots/{id}")).into_response())
}

/// Opens a ballot on merging an amendment.
pub async fn open_amendment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, number)): Path<(String, String)>,
    PageForm(f): PageForm<OpenForm>,
) -> PageResult<Response> {
    let ctx = amend::load(&state, &viewer, &spec, &number).await?;
    let id = ballot::open_on_amendment(&state, &viewer, &ctx, ballot::parse_days(&f.days)?).await?;
    Ok(see_other(&format!("/ballots/{id}")).into_response())
}

/// What changed in an amendment since an organisation's vote was reset.
pub struct SinceVote {
    pub organization: String,
    pub from: i64,
    pub to: i64,
    /// What changed: the specification's title or summary, sections and
    /// controls, each as a name, a title and whether it is normative.
    pub controls: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "ballots/show.html")]
pub struct BallotPage {
    pub title: String,
    pub chrome: Chrome,
    pub ballot: BallotRow,
    pub open: bool,
    pub state_label: &'static str,
    pub opened: String,
    pub closes: String,
    pub closed: String,
    /// The explanation of a closed ballot's result, without the "passes:"
    /// that the live tally starts with.
    pub result: String,
    pub rules: Vec<String>,
    pub tally: Tally,
    pub threshold: String,
    pub standings: Vec<Standing>,
    pub history: Vec<VoteRow>,
    /// The organisations eligible, with who could vote for each at opening.
    pub eligible: Vec<BallotVoterRow>,
    /// The delegations in force while the ballot ran.
    pub delegations: Vec<DelegationRow>,
    /// The newest entries of the ballot's audit trail, oldest first.
    pub audit: Vec<AuditEntry>,
    /// Whether older entries were left out of [`BallotPage::audit`].
    pub audit_cut: bool,
    /// Organisations the viewer may vote for.
    pub mine: Vec<BallotVoterRow>,
    pub since_vote: Vec<SinceVote>,
    pub can_extend: bool,
    pub can_run: bool,
    pub can_close_early: bool,
    /// Positions offered: (value, label).
    pub positions: Vec<(&'static str, &'static str)>,
    /// The tally in one or two plain sentences.
    pub tally_sentence: String,
    /// For each organisation the viewer votes for that has voted: its
    /// current vote in words, and the rationale given.
    pub current: Vec<(String, String)>,
    /// "Your vote (Approve) for … was recorded", just after voting.
    pub recorded: Option<String>,
    /// The vote form as typed, when it came back with problems.
    pub draft: VoteDraft,
}

/// A vote form as typed, shown again with its problems.
#[derive(Debug, Default)]
pub struct VoteDraft {
    pub organization: String,
    pub position: String,
    pub rationale: String,
    /// Problems by field: `position`, `rationale`, `organization`.
    pub errors: FieldErrors,
}

/// What the ballot page is asked to show besides the ballot.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    /// The organisation whose vote was just recorded.
    #[serde(default)]
    pub voted: String,
}

/// The ballot page.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Page<BallotPage>> {
    let voted = Some(q.voted).filter(|v| !v.is_empty());
    Ok(Page(
        ballot_page(&state, &viewer, &id, VoteDraft::default(), voted).await?,
    ))
}

/// The ballot page, with the vote form holding `draft` and, when `voted`
/// names an organisation, the confirmation of its recorded vote.
async fn ballot_page(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    draft: VoteDraft,
    voted: Option<String>,
) -> Result<BallotPage, Error> {
    let l = ballot::load(state, viewer, ballot::parse_id(id)?).await?;
    let count = ballot::count(&state.store, &l).await?;
    let mine = if l.state == BallotState::Open {
        ballot::voting_for(&state.store, viewer, &l, &count.voters).await?
    } else {
        Vec::new()
    };
    let since_vote = since_vote(state, &l, &count.standings, &mine).await?;
    let current = current_votes(&count.standings, &mine);
    let recorded = voted.and_then(|slug| {
        count
            .standings
            .iter()
            .find(|s| s.organization == slug && mine.iter().any(|m| m.slug == slug))
            .and_then(|s| {
                s.position.map(|p| {
                    format!(
                        "Your vote ({}) for {} was recorded.",
                        word(p),
                        s.organization_name
                    )
                })
            })
    });
    let tally_sentence = tally_sentence(&count.tally, l.state == BallotState::Open);
    // A ballot whose votes keep changing grows its trail without bound; the
    // page shows the newest entries and the API pages through all of them.
    let (audit, audit_cut) = {
        let mut a = state
            .store
            .audit_entries_for_latest(&l.ballot.audit_object(), AUDIT_SHOWN + 1)
            .await?;
        let cut = a.len() > usize::try_from(AUDIT_SHOWN).unwrap_or(usize::MAX);
        a.truncate(usize::try_from(AUDIT_SHOWN).unwrap_or(usize::MAX));
        a.reverse();
        // Shown with people's names and times in words; the JSON keeps the
        // hashed text.
        let actors: Vec<&str> = a.iter().map(|e| e.actor.as_str()).collect();
        let people = super::view::People::of(state, &actors).await?;
        for e in &mut a {
            e.actor = people.name(&e.actor);
            e.at = super::view::when_text(&e.at);
        }
        (a, cut)
    };
    let group_id = l.ballot.group_id;
    let open = l.state == BallotState::Open;
    // Chairs without a multi-factor sign-in see the buttons and are sent
    // to step up when they use them.
    let can_run = open
        && matches!(
            viewer.decide(Action::RunBallot { group_id }),
            Decision::Allow | Decision::StepUp
        );
    Ok(BallotPage {
        current,
        recorded,
        draft,
        tally_sentence,
        title: l.ballot.title.clone(),
        chrome: viewer.chrome(state),
        open,
        state_label: match l.state {
            BallotState::Open => "Open",
            BallotState::Closed => "Closed",
            BallotState::Cancelled => "Cancelled",
        },
        opened: datetime(l.ballot.opened_at),
        closes: datetime(l.ballot.closes_at),
        closed: l.ballot.closed_at.map(datetime).unwrap_or_default(),
        result: final_wording(&count.tally.explanation),
        rules: l.rules.describe(),
        threshold: l.rules.threshold(l.kind).describe(),
        can_extend: open
            && viewer.decide(Action::ExtendBallot {
                group_id,
                members_may: l.rules.members_may_extend,
            }) == Decision::Allow,
        can_close_early: can_run && l.rules.early_close && count.tally.decided,
        can_run,
        tally: count.tally,
        standings: count.standings,
        history: count.history,
        eligible: count.voters,
        delegations: count.delegations,
        audit,
        audit_cut,
        mine,
        since_vote,
        positions: Position::ALL
            .iter()
            .map(|p| (p.as_str(), p.label()))
            .collect(),
        ballot: l.ballot,
    })
}

/// A position as one word: "Approve", not "Approve (+1)".
fn word(p: Position) -> &'static str {
    p.label().split(" (").next().unwrap_or("")
}

/// A time as people write it: "3 December 2026 at 09:12 UTC".
fn long_datetime(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {} {} at {:02}:{:02} UTC",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The current vote of each organisation the viewer votes for, in words,
/// with its rationale.
fn current_votes(standings: &[Standing], mine: &[BallotVoterRow]) -> Vec<(String, String)> {
    let whose = |s: &Standing| {
        if mine.len() == 1 {
            "Your organisation's current vote".to_string()
        } else {
            format!("Current vote of {}", s.organization_name)
        }
    };
    standings
        .iter()
        .filter(|s| mine.iter().any(|m| m.slug == s.organization))
        .map(|s| match (s.position, &s.voter, s.cast_at) {
            (Some(p), Some(by), Some(at)) => (
                format!(
                    "{}: {}, cast by {by} on {}.",
                    whose(s),
                    word(p),
                    long_datetime(at)
                ),
                s.rationale.clone(),
            ),
            (Some(p), _, _) => (format!("{}: {}.", whose(s), word(p)), s.rationale.clone()),
            (None, _, _) => (
                if mine.len() == 1 {
                    "Your organisation has not voted yet.".to_string()
                } else {
                    format!("{} has not voted yet.", s.organization_name)
                },
                String::new(),
            ),
        })
        .collect()
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The tally as plain sentences: who has voted and how, then what passing
/// needs and how far the ballot is from it. `open` words it for a ballot
/// still taking votes.
pub fn tally_sentence(t: &Tally, open: bool) -> String {
    let voted = t.approve + t.abstain + t.object + t.recuse;
    let members = voted + t.not_voted;
    let mut parts = Vec::new();
    for (n, what) in [
        (t.approve, "approve"),
        (t.object, "object"),
        (t.abstain, "abstain"),
        (t.recuse, "recused"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let how = match parts.as_slice() {
        [] => String::new(),
        [one] => format!(": {one}"),
        [rest @ .., last] => format!(": {} and {last}", rest.join(", ")),
    };
    let first = if voted == 0 {
        format!(
            "None of the {} has voted yet.",
            plural(members, "organisation", "organisations")
        )
    } else {
        format!(
            "{voted} of {} {} voted{how}.",
            plural(members, "organisation", "organisations"),
            if voted == 1 { "has" } else { "have" }
        )
    };
    let explanation = t.explanation.as_str();
    let second = if let Some(who) = explanation.strip_prefix("blocked by an objection from ") {
        format!("An objection from {who} blocks it under this ballot's rules.")
    } else if explanation.starts_with("fails: no organisation") {
        "No organisation is eligible to vote, so it cannot pass.".to_string()
    } else {
        let participating = t.approve + t.abstain + t.object;
        let short = t.quorum_needed.saturating_sub(participating);
        match (t.outcome, t.approvals_needed) {
            (Outcome::Passed, _) if open => "It would pass if it closed now.".to_string(),
            (Outcome::Passed, _) => "It passed.".to_string(),
            (Outcome::Failed, _) if short > 0 && open => format!(
                "It needs {short} more {} to reach the quorum of {}.",
                if short == 1 { "vote" } else { "votes" },
                t.quorum_needed
            ),
            (Outcome::Failed, _) if short > 0 => format!(
                "It fell {} short of the quorum of {}.",
                plural(short, "vote", "votes"),
                t.quorum_needed
            ),
            (Outcome::Failed, Some(k)) if open => format!(
                "It needs {k} more {} to pass.",
                if k == 1 { "approval" } else { "approvals" }
            ),
            (Outcome::Failed, _) if open => {
                "It can no longer pass with the votes still to come.".to_string()
            }
            (Outcome::Failed, _) => "It did not reach the majority it needed.".to_string(),
        }
    };
    format!("{first} {second}")
}

/// For each organisation the viewer votes for whose vote a revision reset:
/// what changed since the revision it voted on.
async fn since_vote(
    state: &AppState,
    l: &Loaded,
    standings: &[Standing],
    mine: &[BallotVoterRow],
) -> Result<Vec<SinceVote>, Error> {
    let (Some(amendment_id), Some(current)) = (l.ballot.amendment_id, l.ballot.revision) else {
        return Ok(Vec::new());
    };
    let reset: Vec<(&Standing, i64)> = standings
        .iter()
        .filter(|s| mine.iter().any(|m| m.slug == s.organization))
        .filter_map(|s| s.reset_from_revision.map(|from| (s, from)))
        .collect();
    if reset.is_empty() {
        return Ok(Vec::new());
    }
    let revisions = state.store.revisions(amendment_id).await?;
    let revision = |n: i64| {
        revisions
            .iter()
            .find(|r| r.number == n)
            .ok_or_else(|| Error::Internal(format!("revision {n} is missing")))
    };
    let new = amend::revision_spec(state, revision(current)?).await?;
    let mut out = Vec::new();
    for (s, from) in reset {
        let (old, new) = (
            amend::revision_spec(state, revision(from)?).await?,
            new.clone(),
        );
        let controls = state
            .cpu
            .run(move |_| Ok(changed_parts(&diff_specs(&old, &new))))
            .await?;
        out.push(SinceVote {
            organization: s.organization_name.clone(),
            from,
            to: current,
            controls,
        });
    }
    Ok(out)
}

/// Every changed part of a comparison, in the order pages show them: the
/// specification's own fields, sections, then controls.
fn changed_parts(d: &SpecDiff) -> Vec<(String, String, bool)> {
    let meta = d
        .meta
        .iter()
        .map(|f| (format!("Specification {}", f.field), String::new(), false));
    let sections = d
        .sections
        .iter()
        .map(|s| (format!("Section {}", s.id), s.title.clone(), false));
    let controls = d
        .changed()
        .map(|c| (c.id.clone(), c.title.clone(), c.normative));
    meta.chain(sections).chain(controls).collect()
}

/// A vote.
#[derive(Debug, Deserialize)]
pub struct VoteForm {
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub rationale: String,
}

/// Casts or changes an organisation's vote, then shows the ballot page
/// with the vote confirmed. A vote the form cannot take (no position, an
/// objection without a rationale) comes back as the ballot page with what
/// was typed and the problem next to its field.
pub async fn vote(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<VoteForm>,
) -> PageResult<Response> {
    let mut draft = VoteDraft {
        organization: f.organization.clone(),
        position: f.position.trim().to_string(),
        rationale: f.rationale.clone(),
        errors: FieldErrors::new(),
    };
    let e = if f.position.trim().is_empty() {
        Error::BadRequest("choose a position: approve, abstain, object or recuse".into())
    } else {
        let cast = async {
            let position = ballot::parse_position(&f.position)?;
            ballot::cast(
                &state,
                &viewer,
                ballot::parse_id(&id)?,
                Some(f.organization.as_str()),
                position,
                &f.rationale,
            )
            .await
        };
        match cast.await {
            Ok(_) => {
                let voted = crate::error::url_encode(f.organization.trim());
                return Ok(see_other(&format!("/ballots/{id}?voted={voted}#vote")).into_response());
            }
            Err(e @ Error::BadRequest(_)) => e,
            Err(e) => return Err(e.into()),
        }
    };
    let message = e.message();
    let field = if message.contains("rationale") {
        "rationale"
    } else if message.contains("position") {
        "position"
    } else {
        "organization"
    };
    draft.errors.add(field, message);
    let page = ballot_page(&state, &viewer, &id, draft, None).await?;
    Ok(Rejected(rejected_status(&e), page).into_response())
}

/// An extension.
#[derive(Debug, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    pub days: String,
}

/// Extends an open ballot.
pub async fn extend(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ExtendForm>,
) -> PageResult<Response> {
    ballot::extend(
        &state,
        &viewer,
        ballot::parse_id(&id)?,
        ballot::parse_days(&f.days)?,
    )
    .await?;
    Ok(see_other(&format!("/ballots/{id}")).into_response())
}

/// The confirmation page for cancelling a ballot: checked as cancelling
/// is, it says what cancelling does and asks for the reason.
pub async fn confirm_cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Page<ConfirmPage>> {
    let l = open_for_chair(&state, &viewer, &id).await?;
    let back = l.path();
    let page = ConfirmPage::new(
        format!("Cancel ballot {}?", l.ballot.id),
        viewer.chrome(&state),
        format!("{back}/cancel"),
        "Cancel the ballot",
        back.clone(),
    )
    .crumb(back, format!("Ballot {}: {}", l.ballot.id, l.ballot.title))
    .says("Cancelling stops the ballot at once, without a result; this cannot be undone.")
    .says("The votes cast so far stay in its history but count for nothing. A new ballot can be opened afterwards.")
    .field(TextField {
        name: "reason",
        label: "Reason (shown on the ballot)",
        required: true,
        value: String::new(),
    });
    Ok(Page(page))
}

/// The confirmation page for closing a ballot early: checked as closing
/// is (the policy, the rules and a settled outcome), it says what the
/// result will be.
pub async fn confirm_close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Page<ConfirmPage>> {
    let l = open_for_chair(&state, &viewer, &id).await?;
    let count = ballot::count(&state.store, &l).await?;
    charta_domain::ballot::may_close_early(&l.rules, &count.tally)
        .map_err(|e| Error::Conflict(e.0))?;
    let back = l.path();
    let result = match count.tally.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
    };
    let page = ConfirmPage::new(
        format!("Close ballot {} now?", l.ballot.id),
        viewer.chrome(&state),
        format!("{back}/close"),
        "Close the ballot now",
        back.clone(),
    )
    .crumb(back, format!("Ballot {}: {}", l.ballot.id, l.ballot.title))
    .says(format!(
        "Closing now ends the ballot before its deadline ({}) with the result: {result}. This cannot be undone.",
        datetime(l.ballot.closes_at)
    ))
    .says(tally_sentence(&count.tally, true))
    .says("Organisations that have not voted can no longer vote, and no vote can be changed.");
    Ok(Page(page))
}

/// Refuses to confirm an action on a ballot that has ended.
/// The ballot `id`, for a confirmation page of the chair's (closing or
/// cancelling): checked as the action is, and still open.
async fn open_for_chair(state: &AppState, viewer: &Viewer, id: &str) -> Result<Loaded, Error> {
    let l = ballot::load(state, viewer, ballot::parse_id(id)?).await?;
    viewer.require(Action::RunBallot {
        group_id: l.ballot.group_id,
    })?;
    still_open(&l)?;
    Ok(l)
}

fn still_open(l: &Loaded) -> Result<(), Error> {
    if l.state == BallotState::Open {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "ballot {} is {}; it can no longer be closed or cancelled",
            l.ballot.id, l.ballot.state
        )))
    }
}

/// A cancellation.
#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    pub reason: String,
}

/// Cancels an open ballot.
pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<CancelForm>,
) -> PageResult<Response> {
    ballot::cancel(&state, &viewer, ballot::parse_id(&id)?, &f.reason).await?;
    Ok(see_other(&format!("/ballots/{id}")).into_response())
}

/// The early-close form carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CloseForm {}

/// Closes a ballot early.
pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(_): PageForm<CloseForm>,
) -> PageResult<Response> {
    ballot::close_early(&state, &viewer, ballot::parse_id(&id)?).await?;
    Ok(see_other(&format!("/ballots/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "ballots/rules.html")]
pub struct RulesPage {
    pub title: String,
    pub chrome: Chrome,
    pub group_slug: String,
    pub group_name: String,
    pub rules: Rules,
    pub described: Vec<String>,
    pub can_edit: bool,
    pub amendment_rule: String,
    pub release_rule: String,
}

/// A threshold as the rules form reads it, with the rule it is for.
fn parse_threshold(raw: &str, what: &str) -> Result<Threshold, Error> {
    raw.parse().map_err(|e: charta_domain::ballot::RulesError| {
        Error::BadRequest(format!("the rule for {what}: {e}"))
    })
}

/// A group's ballot rules, and the chair's form to change them.
pub async fn rules(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> PageResult<Page<RulesPage>> {
    let (g, rules) = charta_app::rules::of(&state, &group).await?;
    Ok(Page(RulesPage {
        title: format!("Ballot rules of {}", g.name),
        chrome: viewer.chrome(&state),
        can_edit: !matches!(
            viewer.decide(Action::SetRules { group_id: g.id }),
            Decision::Deny(_) | Decision::SignIn
        ),
        described: rules.describe(),
        amendment_rule: rules.amendment.to_string(),
        release_rule: rules.release.to_string(),
        rules,
        group_slug: g.slug,
        group_name: g.name,
    }))
}

/// The rules form.
#[derive(Debug, Deserialize)]
pub struct RulesForm {
    pub amendment: String,
    pub release: String,
    pub quorum_percent: String,
    pub default_days: String,
    pub min_days: String,
    /// Checkboxes: present ("on") when ticked.
    #[serde(default)]
    pub amendment_ballot_required: String,
    #[serde(default)]
    pub members_may_extend: String,
    #[serde(default)]
    pub objection_blocks: String,
    #[serde(default)]
    pub early_close: String,
    #[serde(default)]
    pub editors_may_merge: String,
    #[serde(default)]
    pub editorial_changes_after_approval: String,
    /// `semantic` or `calendar`.
    #[serde(default)]
    pub release_scheme: String,
}

fn number(raw: &str, what: &str) -> Result<u32, Error> {
    raw.trim()
        .parse()
        .map_err(|_| Error::BadRequest(format!("{what} must be a whole number, not {raw:?}")))
}

/// Sets a group's ballot rules; ballots already open keep theirs.
pub async fn set_rules(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    PageForm(f): PageForm<RulesForm>,
) -> PageResult<Response> {
    let g = state.store.group(&group).await?;
    // Who may not change the rules is told so, whatever the form holds.
    viewer.require(Action::SetRules { group_id: g.id })?;
    let ticked = |s: &str| s == "on" || s == "true";
    let rules = Rules {
        amendment: parse_threshold(&f.amendment, "amendments")?,
        release: parse_threshold(&f.release, "releases")?,
        amendment_ballot_required: ticked(&f.amendment_ballot_required),
        quorum_percent: number(&f.quorum_percent, "the quorum")?,
        default_days: number(&f.default_days, "the default duration")?,
        min_days: number(&f.min_days, "the minimum duration")?,
        members_may_extend: ticked(&f.members_may_extend),
        objection_blocks: ticked(&f.objection_blocks),
        early_close: ticked(&f.early_close),
        editors_may_merge: ticked(&f.editors_may_merge),
        editorial_changes_after_approval: ticked(&f.editorial_changes_after_approval),
        release_scheme: match f.release_scheme.as_str() {
            "" => charta_domain::release::ReleaseScheme::Semantic,
            s => charta_domain::release::ReleaseScheme::parse(s).ok_or_else(|| {
                Error::BadRequest(format!(
                    "releases are named by `semantic` version or by `calendar` date, not {s:?}"
                ))
            })?,
        },
    };
    charta_app::rules::set(&state, &viewer, &g, &rules).await?;
    Ok(see_other(&format!("/groups/{}/rules", g.slug)).into_response())
}

/// A live explanation reworded for a closed ballot: "passes: 3 approve…"
/// becomes "3 approve…", and there is no "yet" about a quorum any more.
fn final_wording(explanation: &str) -> String {
    let e = explanation
        .strip_prefix("passes: ")
        .or_else(|| explanation.strip_prefix("fails: "))
        .unwrap_or(explanation);
    e.replace("no quorum yet", "no quorum")
}

impl BallotPage {
    /// A vote's time, for the history.
    pub fn when(t: &time::OffsetDateTime) -> String {
        datetime(*t)
    }

    /// The label of a position, for templates.
    pub fn label(p: &Option<Position>) -> &'static str {
        p.map_or("not voted", Position::label)
    }

    pub fn is_amendment(&self) -> bool {
        self.ballot.kind == charta_domain::ballot::BallotKind::Amendment
    }
}

#[cfg(test)]
mod tests {
    use super::{final_wording, tally_sentence};
    use charta_domain::ballot::{Outcome, Tally};

    fn t(approve: u32, object: u32, not_voted: u32, quorum: u32, explanation: &str) -> Tally {
        let passed = explanation.starts_with("passes");
        Tally {
            members: approve + object + not_voted,
            approve,
            abstain: 0,
            object,
            recuse: 0,
            not_voted,
            eligible: approve + object + not_voted,
            quorum_needed: quorum,
            outcome: if passed {
                Outcome::Passed
            } else {
                Outcome::Failed
            },
            decided: false,
            approvals_needed: if passed { None } else { Some(1) },
            explanation: explanation.into(),
        }
    }

    #[test]
    fn tallies_read_as_plain_english() {
        assert_eq!(
            tally_sentence(
                &t(
                    0,
                    0,
                    3,
                    2,
                    "no quorum yet: 0 of 3 eligible organisations have taken part, 2 needed"
                ),
                true
            ),
            "None of the 3 organisations has voted yet. It needs 2 more votes to reach the quorum of 2."
        );
        assert_eq!(
            tally_sentence(
                &t(
                    1,
                    0,
                    2,
                    2,
                    "no quorum yet: 1 of 3 eligible organisations have taken part, 2 needed"
                ),
                true
            ),
            "1 of 3 organisations has voted: 1 approve. It needs 1 more vote to reach the quorum of 2."
        );
        assert_eq!(
            tally_sentence(
                &t(
                    2,
                    0,
                    1,
                    2,
                    "passes: 2 approve and 0 object among the votes cast; a simple majority of the votes cast needed"
                ),
                true
            ),
            "2 of 3 organisations have voted: 2 approve. It would pass if it closed now."
        );
        assert_eq!(
            tally_sentence(
                &t(
                    1,
                    1,
                    1,
                    2,
                    "needs 1 more approval: 1 of 3 eligible approve, a simple majority needed"
                ),
                true
            ),
            "2 of 3 organisations have voted: 1 approve and 1 object. It needs 1 more approval to pass."
        );
        assert_eq!(
            tally_sentence(&t(2, 1, 0, 2, "blocked by an objection from Cygnus"), false),
            "3 of 3 organisations have voted: 2 approve and 1 object. An objection from Cygnus blocks it under this ballot's rules."
        );
        assert_eq!(
            tally_sentence(&t(1, 0, 2, 2, "no quorum yet: 1 of 3"), false),
            "1 of 3 organisations has voted: 1 approve. It fell 1 vote short of the quorum of 2."
        );
    }

    #[test]
    fn closed_results_read_as_final() {
        assert_eq!(
            final_wording("passes: 2 approve and 0 object among the votes cast"),
            "2 approve and 0 object among the votes cast"
        );
        assert_eq!(
            final_wording("no quorum yet: 1 of 3 eligible organisations have taken part, 2 needed"),
            "no quorum: 1 of 3 eligible organisations have taken part, 2 needed"
        );
        assert_eq!(
            final_wording("blocked by an objection from Cygnus"),
            "blocked by an objection from Cygnus"
        );
    }
}
