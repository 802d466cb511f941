//! The life of an amendment, and the gate it must pass to be merged.
//!
//! An amendment is a proposed change to one specification. Its states and the
//! events that move it between them form an explicit state machine
//! ([`apply`]), so that the storage and web crates cannot invent a transition,
//! and so that every refusal comes with a sentence telling the person what to
//! do instead.
//!
//! | state \ event | Submit | Revise | Merge       | Reject   | Withdraw  | Reopen |
//! |---------------|--------|--------|-------------|----------|-----------|--------|
//! | Draft         | Open   | Draft  | –           | –        | Withdrawn | –      |
//! | Open          | –      | Open   | Merged[^g]  | Rejected | Withdrawn | –      |
//! | Merged        | –      | –      | –           | –        | –         | –      |
//! | Rejected      | –      | –      | –           | –        | –         | Open   |
//! | Withdrawn     | –      | –      | –           | –        | –         | Open   |
//!
//! [^g]: only when the merge gate ([`merge_gate`]) passes.
//!
//! **Reopening.** Like a closed pull request on GitHub, an abandoned change in
//! Gerrit ("restore") or a discarded review request in Review Board, a
//! rejected or withdrawn amendment can be reopened, and it returns to
//! [`AmendmentState::Open`]. Every revision and review thread is kept, so the
//! discussion goes on where it stopped, and the merge gate checks everything
//! again; a reopened amendment is usually out of date and must be rebased
//! before it can merge. Reopening always goes to `Open`, even for an amendment
//! withdrawn while still a draft: reopening is a deliberate request for
//! review. Who may reopen (the author after a withdrawal, an editor or chair
//! after a rejection) is a question for the access policy, not for the
//! lifecycle. A merged amendment never reopens: its text is part of an
//! immutable version of the specification, and a further change is a new
//! amendment.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an amendment is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AmendmentState {
    /// Being written; only its author and the group's editors see it as work
    /// in progress, and nobody is asked to review it yet.
    Draft,
    /// Open for review: reviewers comment, the author revises, and an editor
    /// merges once the gate passes.
    Open,
    /// Merged into a new version of the specification. Final.
    Merged,
    /// Closed by the group without merging. Can be reopened.
    Rejected,
    /// Closed by its author without merging. Can be reopened.
    Withdrawn,
}

/// Reading a stored state: the store decodes its text column with this, so
/// a row never carries a state the state machine does not know.
impl TryFrom<String> for AmendmentState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        AmendmentState::parse(&s).ok_or_else(|| format!("unknown amendment state {s:?}"))
    }
}

impl AmendmentState {
    /// Every state, in the order of a typical life.
    pub const ALL: [AmendmentState; 5] = [
        Self::Draft,
        Self::Open,
        Self::Merged,
        Self::Rejected,
        Self::Withdrawn,
    ];

    /// The name stored in the database and used in URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Merged => "merged",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Reads a stored state name back; `None` for anything else, so that a
    /// corrupt row is noticed rather than guessed at.
    pub fn parse(s: &str) -> Option<AmendmentState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A human label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Open => "Open for review",
            Self::Merged => "Merged",
            Self::Rejected => "Rejected",
            Self::Withdrawn => "Withdrawn",
        }
    }

    /// Whether the amendment is closed: nobody needs to act on it, and it no
    /// longer counts when flagging amendments that touch the same control.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Merged | Self::Rejected | Self::Withdrawn)
    }

    /// The events this state accepts, assuming the merge gate passes; pages
    /// use it to decide which buttons to show.
    pub fn events(self) -> Vec<AmendmentEvent> {
        AmendmentEvent::ALL
            .into_iter()
            .filter(|e| apply(self, *e, true).is_ok())
            .collect()
    }
}

impl fmt::Display for AmendmentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happens to an amendment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AmendmentEvent {
    /// The author asks for review: draft → open.
    Submit,
    /// The author posts a new revision: draft → draft, open → open.
    Revise,
    /// An editor merges it into a new version: open → merged.
    Merge,
    /// The group declines it: open → rejected.
    Reject,
    /// The author gives it up: draft or open → withdrawn.
    Withdraw,
    /// It is put back under review: rejected or withdrawn → open.
    Reopen,
}

impl AmendmentEvent {
    /// Every event.
    pub const ALL: [AmendmentEvent; 6] = [
        Self::Submit,
        Self::Revise,
        Self::Merge,
        Self::Reject,
        Self::Withdraw,
        Self::Reopen,
    ];

    /// The name used in the audit log and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Revise => "revise",
            Self::Merge => "merge",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
            Self::Reopen => "reopen",
        }
    }

    /// Reads an event name back.
    pub fn parse(s: &str) -> Option<AmendmentEvent> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for AmendmentEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an event was refused. The message says what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The event makes no sense in this state.
    #[error("{}", refusal(*from, *event))]
    Refused {
        from: AmendmentState,
        event: AmendmentEvent,
    },
    /// The amendment is open, but a check of the merge gate has not passed.
    #[error(
        "the merge gate has not passed; every check must pass or be not required before the amendment is merged"
    )]
    GateNotPassed,
}

/// Moves an amendment from `state` through `event`. `gate_passed` is the
/// result of [`gate_passes`] and matters only for [`AmendmentEvent::Merge`];
/// taking it as an argument keeps the gate's inputs (threads, versions,
/// ballots) out of the state machine.
pub fn apply(
    state: AmendmentState,
    event: AmendmentEvent,
    gate_passed: bool,
) -> Result<AmendmentState, TransitionError> {
    use AmendmentEvent as E;
    use AmendmentState as S;
    match (state, event) {
        (S::Draft, E::Submit) => Ok(S::Open),
        (S::Draft, E::Revise) => Ok(S::Draft),
        (S::Open, E::Revise) => Ok(S::Open),
        (S::Open, E::Merge) if gate_passed => Ok(S::Merged),
        (S::Open, E::Merge) => Err(TransitionError::GateNotPassed),
        (S::Open, E::Reject) => Ok(S::Rejected),
        (S::Draft | S::Open, E::Withdraw) => Ok(S::Withdrawn),
        (S::Rejected | S::Withdrawn, E::Reopen) => Ok(S::Open),
        (from, event) => Err(TransitionError::Refused { from, event }),
    }
}

/// The sentence shown for a refused transition.
fn refusal(from: AmendmentState, event: AmendmentEvent) -> &'static str {
    use AmendmentEvent as E;
    use AmendmentState as S;
    match (from, event) {
        (S::Draft, E::Merge) => "a draft cannot be merged; submit it for review first",
        (S::Draft, E::Reject) => {
            "a draft is not under review, so it cannot be rejected; its author can withdraw it"
        }
        (S::Draft, E::Reopen) => "a draft is not closed, so there is nothing to reopen",
        (S::Open, E::Submit) => "the amendment is already open for review",
        (S::Open, E::Reopen) => "the amendment is already open for review",
        (S::Merged, E::Revise) => "a merged amendment cannot be revised; propose a new amendment",
        (S::Merged, E::Merge) => "the amendment is already merged",
        (S::Merged, _) => {
            "a merged amendment is final: its text is part of a version of the specification; propose a new amendment"
        }
        (S::Rejected, E::Reject) => "the amendment is already rejected",
        (S::Rejected, E::Revise) => {
            "a rejected amendment cannot be revised; reopen it first, then post the revision"
        }
        (S::Rejected, _) => "a rejected amendment is closed; reopen it to put it back under review",
        (S::Withdrawn, E::Withdraw) => "the amendment is already withdrawn",
        (S::Withdrawn, E::Revise) => {
            "a withdrawn amendment cannot be revised; reopen it first, then post the revision"
        }
        (S::Withdrawn, _) => {
            "a withdrawn amendment is closed; reopen it to put it back under review"
        }
        // Allowed transitions never reach here; keep a sentence anyway
        // rather than panic.
        _ => "this change of state is not allowed",
    }
}

/// The state of a group's ballot on an amendment, as far as the gate cares.
/// A group's rules say whether amendments need a passed ballot; a ballot
/// held anyway counts even where it is not required.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BallotGate {
    /// The group does not require a ballot, and none was held.
    NotRequired,
    /// The group requires a ballot and none has been opened (or the last
    /// one was cancelled).
    Missing,
    /// A ballot is open.
    Pending,
    /// A ballot passed, but a later revision changed normative text, so
    /// the text to be merged is not the text that was approved.
    Stale,
    /// A ballot passed, but a later revision changed editorial text (a
    /// title, guidance, a section, the specification's title or summary)
    /// and the rules the ballot ran under do not let editorial changes
    /// follow an approval; see [`crate::approval`].
    Edited,
    /// The ballot closed and passed.
    Passed,
    /// The ballot closed and failed.
    Failed,
}

/// What the merge gate needs to know about an amendment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateInput {
    /// Review threads marked blocking (objections) that are not resolved.
    pub unresolved_blocking_threads: usize,
    /// Whether the amendment's base is the specification's current version.
    pub up_to_date: bool,
    pub ballot: BallotGate,
}

/// The result of one check of the gate.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Passed,
    Failed,
    /// The check does not apply to this amendment; it does not hold it back.
    NotRequired,
}

/// One named check of the merge gate, shown on the amendment page as a line
/// with its state and a sentence, as Gerrit shows submit requirements.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateCheck {
    /// Stable name: `no-blocking-objections`, `up-to-date` or `ballot`.
    pub name: &'static str,
    pub status: CheckStatus,
    /// Why the check has this state, for people.
    pub detail: String,
}

/// Name of the check that no objection is left standing.
pub const CHECK_NO_BLOCKING: &str = "no-blocking-objections";
/// Name of the check that the amendment is based on the current version.
pub const CHECK_UP_TO_DATE: &str = "up-to-date";
/// Name of the check that a required ballot passed.
pub const CHECK_BALLOT: &str = "ballot";

/// Evaluates every check of the merge gate, in the order they are shown.
pub fn merge_gate(input: &GateInput) -> Vec<GateCheck> {
    vec![
        blocking_check(input.unresolved_blocking_threads),
        up_to_date_check(input.up_to_date),
        ballot_check(input.ballot),
    ]
}

/// Whether an editor may merge: no check failed.
pub fn gate_passes(checks: &[GateCheck]) -> bool {
    checks.iter().all(|c| c.status != CheckStatus::Failed)
}

fn blocking_check(unresolved: usize) -> GateCheck {
    let (status, detail) = match unresolved {
        0 => (
            CheckStatus::Passed,
            "no blocking threads are unresolved".to_string(),
        ),
        1 => (
            CheckStatus::Failed,
            "1 blocking thread is unresolved".to_string(),
        ),
        n => (
            CheckStatus::Failed,
            format!("{n} blocking threads are unresolved"),
        ),
    };
    GateCheck {
        name: CHECK_NO_BLOCKING,
        status,
        detail,
    }
}

fn up_to_date_check(up_to_date: bool) -> GateCheck {
    let (status, detail) = if up_to_date {
        (
            CheckStatus::Passed,
            "based on the specification's current version",
        )
    } else {
        (
            CheckStatus::Failed,
            "the specification has changed since this amendment's base; rebase it",
        )
    };
    GateCheck {
        name: CHECK_UP_TO_DATE,
        status,
        detail: detail.to_string(),
    }
}

fn ballot_check(ballot: BallotGate) -> GateCheck {
    let (status, detail) = match ballot {
        BallotGate::NotRequired => (
            CheckStatus::NotRequired,
            "the group does not require a ballot for amendments",
        ),
        BallotGate::Missing => (
            CheckStatus::Failed,
            "the group requires a ballot; the chair opens one",
        ),
        BallotGate::Pending => (CheckStatus::Failed, "the ballot has not closed yet"),
        BallotGate::Stale => (
            CheckStatus::Failed,
            "the ballot passed on an earlier revision and normative text changed since; a new ballot is needed",
        ),
        BallotGate::Edited => (
            CheckStatus::Failed,
            "the ballot passed on an earlier revision and the text changed since (editorial changes only); the rules the ballot ran under do not allow editorial changes after approval, so a new ballot is needed",
        ),
        BallotGate::Passed => (CheckStatus::Passed, "the ballot passed"),
        BallotGate::Failed => (CheckStatus::Failed, "the ballot failed"),
    };
    GateCheck {
        name: CHECK_BALLOT,
        status,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AmendmentEvent as E;
    use AmendmentState as S;

    /// What every (state, event) pair does with the gate passed: the new
    /// state, or a word the refusal message must contain.
    const TABLE: [(S, E, Result<S, &str>); 30] = [
        (S::Draft, E::Submit, Ok(S::Open)),
        (S::Draft, E::Revise, Ok(S::Draft)),
        (S::Draft, E::Merge, Err("submit it for review first")),
        (S::Draft, E::Reject, Err("its author can withdraw it")),
        (S::Draft, E::Withdraw, Ok(S::Withdrawn)),
        (S::Draft, E::Reopen, Err("nothing to reopen")),
        (S::Open, E::Submit, Err("already open")),
        (S::Open, E::Revise, Ok(S::Open)),
        (S::Open, E::Merge, Ok(S::Merged)),
        (S::Open, E::Reject, Ok(S::Rejected)),
        (S::Open, E::Withdraw, Ok(S::Withdrawn)),
        (S::Open, E::Reopen, Err("already open")),
        (S::Merged, E::Submit, Err("propose a new amendment")),
        (
            S::Merged,
            E::Revise,
            Err("a merged amendment cannot be revised; propose a new amendment"),
        ),
        (S::Merged, E::Merge, Err("already merged")),
        (S::Merged, E::Reject, Err("a merged amendment is final")),
        (S::Merged, E::Withdraw, Err("a merged amendment is final")),
        (S::Merged, E::Reopen, Err("a merged amendment is final")),
        (S::Rejected, E::Submit, Err("reopen it")),
        (S::Rejected, E::Revise, Err("reopen it first")),
        (S::Rejected, E::Merge, Err("reopen it")),
        (S::Rejected, E::Reject, Err("already rejected")),
        (S::Rejected, E::Withdraw, Err("reopen it")),
        (S::Rejected, E::Reopen, Ok(S::Open)),
        (S::Withdrawn, E::Submit, Err("reopen it")),
        (S::Withdrawn, E::Revise, Err("reopen it first")),
        (S::Withdrawn, E::Merge, Err("reopen it")),
        (S::Withdrawn, E::Reject, Err("reopen it")),
        (S::Withdrawn, E::Withdraw, Err("already withdrawn")),
        (S::Withdrawn, E::Reopen, Ok(S::Open)),
    ];

    #[test]
    fn table_covers_every_pair_once() {
        for s in S::ALL {
            for e in E::ALL {
                let rows = TABLE.iter().filter(|r| r.0 == s && r.1 == e).count();
                assert_eq!(rows, 1, "{s} × {e} has {rows} rows");
            }
        }
    }

    #[test]
    fn every_transition_follows_the_table() {
        for (state, event, expected) in TABLE {
            let got = apply(state, event, true);
            match expected {
                Ok(next) => assert_eq!(got, Ok(next), "{state} × {event}"),
                Err(words) => {
                    let err = got.expect_err(&format!("{state} × {event} must be refused"));
                    assert_eq!(err, TransitionError::Refused { from: state, event });
                    let msg = err.to_string();
                    assert!(msg.contains(words), "{state} × {event}: {msg}");
                    assert!(!msg.contains("not allowed"), "{state} × {event}: {msg}");
                }
            }
        }
    }

    #[test]
    fn the_gate_only_matters_for_merging_an_open_amendment() {
        for (state, event, expected) in TABLE {
            let got = apply(state, event, false);
            if (state, event) == (S::Open, E::Merge) {
                let err = got.unwrap_err();
                assert_eq!(err, TransitionError::GateNotPassed);
                assert!(err.to_string().contains("merge gate has not passed"));
            } else {
                assert_eq!(got.is_ok(), expected.is_ok(), "{state} × {event}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for e in E::ALL {
            assert_eq!(E::parse(e.as_str()), Some(e));
        }
        assert_eq!(S::parse("Open"), None);
        assert_eq!(E::parse(""), None);
    }

    #[test]
    fn closed_states_and_buttons() {
        assert!(!S::Draft.is_closed() && !S::Open.is_closed());
        assert!(S::Merged.is_closed() && S::Rejected.is_closed() && S::Withdrawn.is_closed());
        assert!(S::Merged.events().is_empty());
        assert_eq!(S::Rejected.events(), [E::Reopen]);
        assert_eq!(
            S::Open.events(),
            [E::Revise, E::Merge, E::Reject, E::Withdraw]
        );
    }

    fn gate(blocking: usize, up_to_date: bool, ballot: BallotGate) -> Vec<GateCheck> {
        merge_gate(&GateInput {
            unresolved_blocking_threads: blocking,
            up_to_date,
            ballot,
        })
    }

    #[test]
    fn gate_passes_with_no_objections_up_to_date_and_no_ballot_required() {
        let checks = gate(0, true, BallotGate::NotRequired);
        let names: Vec<_> = checks.iter().map(|c| c.name).collect();
        assert_eq!(names, ["no-blocking-objections", "up-to-date", "ballot"]);
        assert_eq!(checks[2].status, CheckStatus::NotRequired);
        assert!(checks[2].detail.contains("does not require a ballot"));
        assert!(gate_passes(&checks));
        assert!(gate_passes(&gate(0, true, BallotGate::Passed)));
    }

    #[test]
    fn each_failing_check_blocks_the_merge_and_says_why() {
        let checks = gate(2, true, BallotGate::NotRequired);
        assert_eq!(checks[0].status, CheckStatus::Failed);
        assert_eq!(checks[0].detail, "2 blocking threads are unresolved");
        assert!(!gate_passes(&checks));
        assert_eq!(
            gate(1, true, BallotGate::NotRequired)[0].detail,
            "1 blocking thread is unresolved"
        );

        let checks = gate(0, false, BallotGate::NotRequired);
        assert_eq!(checks[1].status, CheckStatus::Failed);
        assert!(checks[1].detail.contains("rebase"));
        assert!(!gate_passes(&checks));

        for ballot in [
            BallotGate::Missing,
            BallotGate::Pending,
            BallotGate::Stale,
            BallotGate::Edited,
            BallotGate::Failed,
        ] {
            let checks = gate(0, true, ballot);
            assert_eq!(checks[2].status, CheckStatus::Failed, "{ballot:?}");
            assert!(!gate_passes(&checks));
        }
    }
}
