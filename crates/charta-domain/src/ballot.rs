//! Ballots: one vote per member organisation, the group's rules, and the
//! tally that decides.
//!
//! A working group decides a merge or a release by ballot. Every member
//! organisation of the group has one vote, cast by its representative or an
//! alternate, and may change it until the ballot closes. The group's
//! [`Rules`] say what passes: a simple majority of the votes cast, or a
//! super-majority of the eligible organisations (the Eclipse Foundation
//! Specification Process asks two thirds of its specification committee for
//! a release); a quorum; whether one objection blocks (as an IETF DISCUSS
//! does); how long a ballot runs and whether it may close early.
//!
//! [`tally`] is a pure function of the rules, the organisations and their
//! current positions. It answers three questions at once: what the outcome
//! would be if the ballot closed now, whether the votes not yet cast can
//! still change that ([`Tally::decided`]), and a sentence a voter can act on
//! ("needs 1 more approval"). Recusal takes an organisation out of the
//! count entirely, so it lowers the denominator of a super-majority.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a ballot decides.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BallotKind {
    /// Whether to merge an amendment.
    Amendment,
    /// Whether to release a version of a specification.
    Release,
}

/// As stored and as the API names it.
impl fmt::Display for BallotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reading a stored value: the store decodes its text column with this.
impl TryFrom<String> for BallotKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        BallotKind::parse(&s).ok_or_else(|| format!("unknown ballot kind {s:?}"))
    }
}

impl BallotKind {
    pub const ALL: [BallotKind; 2] = [BallotKind::Amendment, BallotKind::Release];

    pub fn as_str(self) -> &'static str {
        match self {
            BallotKind::Amendment => "amendment",
            BallotKind::Release => "release",
        }
    }

    pub fn parse(s: &str) -> Option<BallotKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            BallotKind::Amendment => "merge an amendment",
            BallotKind::Release => "release a version",
        }
    }
}

/// An organisation's position on a ballot.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    /// +1.
    Approve,
    /// 0: takes part (counts towards the quorum) without taking a side.
    Abstain,
    /// −1, with a rationale.
    Object,
    /// Stands aside, for example for a conflict of interest: the
    /// organisation no longer counts as eligible.
    Recuse,
}

impl Position {
    pub const ALL: [Position; 4] = [
        Position::Approve,
        Position::Abstain,
        Position::Object,
        Position::Recuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Position::Approve => "approve",
            Position::Abstain => "abstain",
            Position::Object => "object",
            Position::Recuse => "recuse",
        }
    }

    pub fn parse(s: &str) -> Option<Position> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Position::Approve => "Approve (+1)",
            Position::Abstain => "Abstain (0)",
            Position::Object => "Object (−1)",
            Position::Recuse => "Recuse",
        }
    }

    /// Whether a vote with this position must explain itself.
    pub fn needs_rationale(self) -> bool {
        self == Position::Object
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What it takes to pass.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Threshold {
    /// More approvals than objections among the votes cast; abstentions and
    /// recusals do not count either way, and a tie fails.
    MajorityOfVotesCast,
    /// At least `numerator/denominator` of the eligible organisations (all
    /// members but those that recused) approve; silence counts against.
    SuperMajorityOfEligible { numerator: u32, denominator: u32 },
}

/// A threshold as people write it: `majority` (of the votes cast) or a
/// fraction of the eligible organisations such as `2/3`.
impl std::str::FromStr for Threshold {
    type Err = RulesError;

    fn from_str(raw: &str) -> Result<Threshold, RulesError> {
        let raw = raw.trim();
        if raw == "majority" {
            return Ok(Threshold::MajorityOfVotesCast);
        }
        let bad = || {
            RulesError(format!(
                "a threshold is `majority` (of votes cast) or a fraction of eligible organisations like `2/3`, not {raw:?}"
            ))
        };
        let (n, d) = raw.split_once('/').ok_or_else(bad)?;
        Ok(Threshold::SuperMajorityOfEligible {
            numerator: n.trim().parse().map_err(|_| bad())?,
            denominator: d.trim().parse().map_err(|_| bad())?,
        })
    }
}

/// The form [`FromStr`](std::str::FromStr) reads.
impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Threshold::MajorityOfVotesCast => f.write_str("majority"),
            Threshold::SuperMajorityOfEligible {
                numerator,
                denominator,
            } => write!(f, "{numerator}/{denominator}"),
        }
    }
}

impl Threshold {
    /// Two thirds of the eligible organisations.
    pub const TWO_THIRDS: Threshold = Threshold::SuperMajorityOfEligible {
        numerator: 2,
        denominator: 3,
    };

    /// How the rule reads on a ballot page.
    pub fn describe(self) -> String {
        match self {
            Threshold::MajorityOfVotesCast => "a simple majority of the votes cast".into(),
            Threshold::SuperMajorityOfEligible {
                numerator,
                denominator,
            } => format!(
                "{} of the eligible organisations",
                fraction(numerator, denominator)
            ),
        }
    }
}

fn fraction(n: u32, d: u32) -> String {
    match (n, d) {
        (2, 3) => "two thirds".into(),
        (3, 4) => "three quarters".into(),
        (1, 2) => "half".into(),
        (n, d) if n == d => "all".into(),
        (n, d) => format!("{n}/{d}"),
    }
}

/// The longest any ballot may run, extensions included, in days.
pub const MAX_DAYS: u32 = 30;

/// A working group's ballot rules, set by its chair. Each ballot keeps a
/// copy of the rules it was opened under, so changing the rules never
/// changes a ballot in progress.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Rules {
    /// What merging an amendment needs.
    pub amendment: Threshold,
    /// What releasing a version needs.
    pub release: Threshold,
    /// Whether an amendment may merge only after a passed ballot.
    pub amendment_ballot_required: bool,
    /// Share of the eligible organisations, in percent, that must take part
    /// (approve, abstain or object) for the result to count.
    pub quorum_percent: u32,
    /// How long a ballot runs unless its opener chooses otherwise.
    pub default_days: u32,
    /// The shortest a ballot may run.
    pub min_days: u32,
    /// Whether any member representative may extend a ballot (the chair
    /// always may), up to [`MAX_DAYS`] after it opened.
    pub members_may_extend: bool,
    /// Whether a single objection makes the ballot fail.
    pub objection_blocks: bool,
    /// Whether the chair may close a ballot before its deadline once the
    /// votes not yet cast can no longer change the outcome.
    pub early_close: bool,
    /// How the group names its releases.
    #[serde(default)]
    pub release_scheme: crate::release::ReleaseScheme,
    /// Whether the group's editors may merge and reject amendments (the
    /// chair always may).
    #[serde(default)]
    pub editors_may_merge: bool,
    /// Whether editorial changes (titles, guidance, sections, the
    /// specification's title and summary) may follow a passed ballot on an
    /// amendment without a new ballot. Off unless the chair turns it on:
    /// what members approved is then exactly what merges. Rules stored
    /// before this setting existed read as off.
    #[serde(default)]
    pub editorial_changes_after_approval: bool,
}

impl Default for Rules {
    /// Rules in the spirit of the Eclipse Foundation Specification Process:
    /// releases need two thirds of the eligible organisations, amendments a
    /// passed ballot with a simple majority of the votes cast, seven-day
    /// ballots that members may extend to thirty, no blocking objections.
    /// A new group therefore cannot merge an amendment no member voted on
    /// until its chair decides otherwise.
    fn default() -> Self {
        Rules {
            amendment: Threshold::MajorityOfVotesCast,
            release: Threshold::TWO_THIRDS,
            amendment_ballot_required: true,
            quorum_percent: 50,
            default_days: 7,
            min_days: 1,
            members_may_extend: true,
            objection_blocks: false,
            early_close: true,
            editors_may_merge: false,
            editorial_changes_after_approval: false,
            release_scheme: crate::release::ReleaseScheme::Semantic,
        }
    }
}

/// Why a set of rules was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RulesError(pub String);

impl Rules {
    /// The threshold for a kind of ballot.
    pub fn threshold(&self, kind: BallotKind) -> Threshold {
        match kind {
            BallotKind::Amendment => self.amendment,
            BallotKind::Release => self.release,
        }
    }

    /// Checks that the rules make sense together.
    pub fn check(&self) -> Result<(), RulesError> {
        for (name, t) in [("amendments", self.amendment), ("releases", self.release)] {
            if let Threshold::SuperMajorityOfEligible {
                numerator,
                denominator,
            } = t
                && (denominator == 0 || numerator == 0 || numerator > denominator)
            {
                return Err(RulesError(format!(
                    "the super-majority for {name} must be a fraction between 0 and 1, like 2/3; {numerator}/{denominator} is not"
                )));
            }
        }
        if self.quorum_percent > 100 {
            return Err(RulesError(
                "the quorum is a percentage from 0 to 100".into(),
            ));
        }
        if self.min_days == 0 {
            return Err(RulesError("a ballot must run for at least one day".into()));
        }
        if self.min_days > self.default_days {
            return Err(RulesError(format!(
                "the default duration ({} days) is shorter than the minimum ({} days)",
                self.default_days, self.min_days
            )));
        }
        if self.default_days > MAX_DAYS {
            return Err(RulesError(format!(
                "a ballot runs for at most {MAX_DAYS} days"
            )));
        }
        Ok(())
    }

    /// Checks a chosen duration for a new ballot.
    pub fn check_duration(&self, days: u32) -> Result<(), RulesError> {
        if days < self.min_days || days > MAX_DAYS {
            return Err(RulesError(format!(
                "a ballot of this group runs for {} to {MAX_DAYS} days, not {days}",
                self.min_days
            )));
        }
        Ok(())
    }

    /// The rules as sentences, for every ballot page.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![
            format!("Merging an amendment needs {}.", self.amendment.describe()),
            format!("Releasing a version needs {}.", self.release.describe()),
            if self.amendment_ballot_required {
                "An amendment merges only after a ballot passes.".into()
            } else {
                "Amendments merge without a ballot unless one is held.".into()
            },
            format!(
                "Quorum: {}% of the eligible organisations must take part (approve, abstain or object).",
                self.quorum_percent
            ),
            format!(
                "Ballots run {} days by default, at least {} and at most {MAX_DAYS}.",
                self.default_days, self.min_days
            ),
        ];
        out.push(if self.members_may_extend {
            format!("Any member representative may extend a ballot, up to {MAX_DAYS} days after it opened.")
        } else {
            format!("Only the chair may extend a ballot, up to {MAX_DAYS} days after it opened.")
        });
        out.push(if self.objection_blocks {
            "A single objection blocks the ballot.".into()
        } else {
            "Objections count as votes against; none blocks on its own.".into()
        });
        out.push(if self.early_close {
            "The chair may close a ballot early once the outcome can no longer change.".into()
        } else {
            "Ballots always run until their deadline.".into()
        });
        out.push(if self.editorial_changes_after_approval {
            "After a ballot on an amendment passes, editorial changes (titles, guidance, sections, the specification's title and summary) may follow without a new ballot; a normative change needs a new ballot.".into()
        } else {
            "After a ballot on an amendment passes, any change to its text, even editorial, needs a new ballot.".into()
        });
        out.push(if self.editors_may_merge {
            "The chair or an editor merges or rejects amendments.".into()
        } else {
            "Only the chair merges or rejects amendments.".into()
        });
        out.push(format!(
            "Releases are named {} (such as {}).",
            match self.release_scheme {
                crate::release::ReleaseScheme::Semantic => "by semantic version",
                crate::release::ReleaseScheme::Calendar => "by date",
            },
            self.release_scheme.example()
        ));
        out
    }
}

/// A member organisation and its current position, if it has voted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    pub name: String,
    pub position: Option<Position>,
}

/// The outcome a ballot has, or would have if it closed now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    Failed,
}

/// As stored and as the API names it.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reading a stored value: the store decodes its text column with this.
impl TryFrom<String> for Position {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Position::parse(&s).ok_or_else(|| format!("unknown position {s:?}"))
    }
}

impl TryFrom<String> for Outcome {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Outcome::parse(&s).ok_or_else(|| format!("unknown ballot outcome {s:?}"))
    }
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "passed" => Some(Outcome::Passed),
            "failed" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// The count of a ballot and what it means.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub members: u32,
    pub approve: u32,
    pub abstain: u32,
    pub object: u32,
    pub recuse: u32,
    /// Members that have not voted.
    pub not_voted: u32,
    /// Members minus recusals: the denominator of a super-majority and of
    /// the quorum.
    pub eligible: u32,
    /// Organisations that must take part for the quorum.
    pub quorum_needed: u32,
    /// The outcome if the ballot closed now.
    pub outcome: Outcome,
    /// Whether the votes not yet cast can no longer change [`Self::outcome`].
    pub decided: bool,
    /// Further approvals (from organisations not yet voted) that would make
    /// it pass, if any number could.
    pub approvals_needed: Option<u32>,
    /// One plain sentence: "passes: 5 of 6 eligible approve, two thirds
    /// needed", "needs 1 more approval", "blocked by an objection from X".
    pub explanation: String,
}

/// The counts of positions; what the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Counts {
    approve: u32,
    abstain: u32,
    object: u32,
    recuse: u32,
    silent: u32,
}

impl Counts {
    fn eligible(self) -> u32 {
        self.approve + self.abstain + self.object + self.silent
    }
    fn participating(self) -> u32 {
        self.approve + self.abstain + self.object
    }
}

fn quorum_needed(rules: &Rules, eligible: u32) -> u32 {
    // Smallest whole number of organisations that is at least the quorum
    // share of the eligible ones.
    (u64::from(eligible) * u64::from(rules.quorum_percent)).div_ceil(100) as u32
}

/// Which rule a count fails first, or `None` when it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failing {
    NoneEligible,
    Blocked,
    Quorum,
    Threshold,
}

fn failing(rules: &Rules, threshold: Threshold, c: Counts) -> Option<Failing> {
    let eligible = c.eligible();
    if eligible == 0 {
        return Some(Failing::NoneEligible);
    }
    if rules.objection_blocks && c.object > 0 {
        return Some(Failing::Blocked);
    }
    if c.participating() < quorum_needed(rules, eligible) {
        return Some(Failing::Quorum);
    }
    let meets = match threshold {
        Threshold::MajorityOfVotesCast => c.approve > c.object,
        Threshold::SuperMajorityOfEligible {
            numerator,
            denominator,
        } => {
            u64::from(c.approve) * u64::from(denominator)
                >= u64::from(numerator) * u64::from(eligible)
        }
    };
    (!meets).then_some(Failing::Threshold)
}

/// Counts the positions of `voters` under `rules` for a ballot of `kind`.
pub fn tally(rules: &Rules, kind: BallotKind, voters: &[Voter]) -> Tally {
    let threshold = rules.threshold(kind);
    let mut c = Counts::default();
    for v in voters {
        match v.position {
            Some(Position::Approve) => c.approve += 1,
            Some(Position::Abstain) => c.abstain += 1,
            Some(Position::Object) => c.object += 1,
            Some(Position::Recuse) => c.recuse += 1,
            None => c.silent += 1,
        }
    }
    let now = failing(rules, threshold, c);
    let outcome = if now.is_none() {
        Outcome::Passed
    } else {
        Outcome::Failed
    };

    // The outcome is settled when no choice of the silent organisations can
    // change it. Approving helps every rule at least as much as any other
    // position (see `decided_matches_brute_force` below), so "could still
    // pass" is "passes if every silent organisation approves". The rules are
    // a conjunction, so "passes whatever they do" holds when each rule holds
    // under its own worst case: silence for the quorum and the
    // super-majority, objection for blocking and for a majority of votes
    // cast.
    let all_approve = Counts {
        approve: c.approve + c.silent,
        silent: 0,
        ..c
    };
    let could_pass = failing(rules, threshold, all_approve).is_none();
    let all_object = Counts {
        object: c.object + c.silent,
        silent: 0,
        ..c
    };
    let must_pass =
        now.is_none() && failing(rules, threshold, all_object).is_none_or(|f| f == Failing::Quorum);
    let decided = match outcome {
        Outcome::Passed => must_pass,
        Outcome::Failed => !could_pass,
    };

    let approvals_needed = (0..=c.silent).find(|&k| {
        failing(
            rules,
            threshold,
            Counts {
                approve: c.approve + k,
                silent: c.silent - k,
                ..c
            },
        )
        .is_none()
    });

    let eligible = c.eligible();
    let needed = quorum_needed(rules, eligible);
    let rule = threshold.describe();
    let explanation = match now {
        None => match threshold {
            Threshold::MajorityOfVotesCast => format!(
                "passes: {} approve and {} object among the votes cast; {rule} needed",
                c.approve, c.object
            ),
            Threshold::SuperMajorityOfEligible { .. } => format!(
                "passes: {} of {eligible} eligible organisations approve; {rule} needed",
                c.approve
            ),
        },
        Some(Failing::NoneEligible) => {
            "fails: no organisation is eligible to vote (all recused or none are members)".into()
        }
        Some(Failing::Blocked) => {
            let names: Vec<&str> = voters
                .iter()
                .filter(|v| v.position == Some(Position::Object))
                .map(|v| v.name.as_str())
                .collect();
            format!("blocked by an objection from {}", join_names(&names))
        }
        Some(Failing::Quorum) => format!(
            "no quorum yet: {} of {eligible} eligible organisations have taken part, {needed} needed",
            c.participating()
        ),
        Some(Failing::Threshold) => match approvals_needed {
            Some(k) => format!(
                "needs {k} more approval{}: {} of {eligible} eligible approve, {rule} needed",
                if k == 1 { "" } else { "s" },
                c.approve
            ),
            None => format!(
                "cannot pass with the votes still to come: {} approve, {} object; {rule} needed",
                c.approve, c.object
            ),
        },
    };

    Tally {
        members: voters.len() as u32,
        approve: c.approve,
        abstain: c.abstain,
        object: c.object,
        recuse: c.recuse,
        not_voted: c.silent,
        eligible,
        quorum_needed: needed,
        outcome,
        decided,
        approvals_needed,
        explanation,
    }
}

fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The state of a ballot.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BallotState {
    /// Votes are being cast.
    Open,
    /// Closed with an outcome, at the deadline or early. Final.
    Closed,
    /// Stopped by the chair without an outcome. Final.
    Cancelled,
}

/// As stored and as the API names it.
impl fmt::Display for BallotState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reading a stored value: the store decodes its text column with this.
impl TryFrom<String> for BallotState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        BallotState::parse(&s).ok_or_else(|| format!("unknown ballot state {s:?}"))
    }
}

impl BallotState {
    pub fn as_str(self) -> &'static str {
        match self {
            BallotState::Open => "open",
            BallotState::Closed => "closed",
            BallotState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<BallotState> {
        match s {
            "open" => Some(BallotState::Open),
            "closed" => Some(BallotState::Closed),
            "cancelled" => Some(BallotState::Cancelled),
            _ => None,
        }
    }
}

/// Whether the chair may close an open ballot before its deadline.
pub fn may_close_early(rules: &Rules, t: &Tally) -> Result<(), RulesError> {
    if !rules.early_close {
        return Err(RulesError(
            "this ballot's rules do not allow closing before the deadline".into(),
        ));
    }
    if !t.decided {
        return Err(RulesError(format!(
            "the outcome can still change ({}); wait for more votes or the deadline",
            t.explanation
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voters(positions: &[Option<Position>]) -> Vec<Voter> {
        positions
            .iter()
            .enumerate()
            .map(|(i, p)| Voter {
                name: format!("Org{i}"),
                position: *p,
            })
            .collect()
    }

    use Position::*;
    const A: Option<Position> = Some(Approve);
    const B: Option<Position> = Some(Abstain);
    const O: Option<Position> = Some(Object);
    const R: Option<Position> = Some(Recuse);
    const N: Option<Position> = None;

    fn efsp() -> Rules {
        Rules::default()
    }

    fn ietf() -> Rules {
        // Like an IESG ballot: any objection (DISCUSS) blocks, recusal
        // stands aside, and approval needs a majority of those who voted.
        Rules {
            objection_blocks: true,
            quorum_percent: 0,
            ..Rules::default()
        }
    }

    /// Rules, kind, positions, outcome now, decided, explanation fragment.
    type Case = (
        Rules,
        BallotKind,
        Vec<Option<Position>>,
        Outcome,
        bool,
        &'static str,
    );

    #[test]
    fn table_of_outcomes() {
        use Outcome::*;
        // (rules, kind, positions, outcome now, decided, explanation fragment)
        let cases: Vec<Case> = vec![
            // EFSP release: two thirds of eligible.
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, A, A, N],
                Passed,
                true,
                "passes: 5 of 6 eligible organisations approve; two thirds",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, N, N, N],
                Failed,
                false,
                "needs 1 more approval",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, B, N, N],
                Failed,
                false,
                "needs 1 more approval",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, O, O, N, N],
                Failed,
                false,
                "needs 2 more approvals",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, O, O, O, N, N],
                Failed,
                true,
                "cannot pass",
            ),
            // Recusal lowers the denominator: 4 of 5 eligible (one recused) pass, 4 of 6 do too, 3 of 5 do not.
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, A, B, R],
                Passed,
                true,
                "4 of 5 eligible",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, B, B, N],
                Failed,
                false,
                "needs 1 more approval",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, B, B, R],
                Failed,
                true,
                "cannot pass",
            ),
            (
                efsp(),
                BallotKind::Release,
                vec![A, A, A, O, R, R],
                Passed,
                true,
                "3 of 4 eligible",
            ),
            // Everyone recused: nobody can decide.
            (
                efsp(),
                BallotKind::Release,
                vec![R, R, R],
                Failed,
                true,
                "no organisation is eligible",
            ),
            // Quorum failure: 50% of 6 is 3.
            (
                efsp(),
                BallotKind::Amendment,
                vec![A, A, N, N, N, N],
                Failed,
                false,
                "no quorum yet: 2 of 6",
            ),
            (
                efsp(),
                BallotKind::Amendment,
                vec![A, A, B, N, N, N],
                Passed,
                false,
                "passes: 2 approve and 0 object",
            ),
            // Simple majority of votes cast: a tie fails; abstentions do not count.
            (
                efsp(),
                BallotKind::Amendment,
                vec![A, O, B, B],
                Failed,
                true,
                "cannot pass",
            ),
            (
                efsp(),
                BallotKind::Amendment,
                vec![A, A, O, B],
                Passed,
                true,
                "passes: 2 approve and 1 object",
            ),
            (
                efsp(),
                BallotKind::Amendment,
                vec![A, O, N, B],
                Failed,
                false,
                "needs 1 more approval",
            ),
            // IETF style: one objection blocks; recusals step aside.
            (
                ietf(),
                BallotKind::Amendment,
                vec![A, A, A, O],
                Failed,
                true,
                "blocked by an objection from Org3",
            ),
            (
                ietf(),
                BallotKind::Amendment,
                vec![A, A, O, O],
                Failed,
                true,
                "blocked by an objection from Org2 and Org3",
            ),
            (
                ietf(),
                BallotKind::Amendment,
                vec![A, R, R, B],
                Passed,
                true,
                "passes: 1 approve and 0 object",
            ),
            (
                ietf(),
                BallotKind::Amendment,
                vec![A, A, N],
                Passed,
                false,
                "passes",
            ),
            // Nobody voted yet.
            (
                efsp(),
                BallotKind::Amendment,
                vec![N, N, N],
                Failed,
                false,
                "no quorum yet: 0 of 3",
            ),
        ];
        for (rules, kind, positions, outcome, decided, fragment) in cases {
            let t = tally(&rules, kind, &voters(&positions));
            assert_eq!(t.outcome, outcome, "{positions:?}: {}", t.explanation);
            assert_eq!(t.decided, decided, "{positions:?}: {}", t.explanation);
            assert!(
                t.explanation.contains(fragment),
                "{positions:?}: {:?} lacks {fragment:?}",
                t.explanation
            );
            assert_eq!(
                t.approve + t.abstain + t.object + t.recuse + t.not_voted,
                t.members
            );
        }
    }

    #[test]
    fn counts_and_quorum_round_up() {
        let t = tally(
            &efsp(),
            BallotKind::Release,
            &voters(&[A, A, B, O, R, N, N]),
        );
        assert_eq!(
            (t.approve, t.abstain, t.object, t.recuse, t.not_voted),
            (2, 1, 1, 1, 2)
        );
        assert_eq!(t.eligible, 6);
        assert_eq!(t.quorum_needed, 3);
        let t = tally(&efsp(), BallotKind::Release, &voters(&[N, N, N, N, N]));
        assert_eq!(t.quorum_needed, 3, "50% of 5 rounds up to 3");
        assert_eq!(t.approvals_needed, Some(4), "two thirds of 5 is 3.33, so 4");
    }

    /// Every way the silent organisations could still vote, as counts.
    fn futures(c: Counts) -> Vec<Counts> {
        let mut out = Vec::new();
        let s = c.silent;
        for a in 0..=s {
            for b in 0..=s - a {
                for o in 0..=s - a - b {
                    for r in 0..=s - a - b - o {
                        out.push(Counts {
                            approve: c.approve + a,
                            abstain: c.abstain + b,
                            object: c.object + o,
                            recuse: c.recuse + r,
                            silent: s - a - b - o - r,
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn decided_matches_brute_force() {
        let rule_sets = [
            efsp(),
            ietf(),
            Rules {
                quorum_percent: 100,
                ..efsp()
            },
            Rules {
                quorum_percent: 75,
                objection_blocks: true,
                ..efsp()
            },
        ];
        let thresholds = [
            Threshold::MajorityOfVotesCast,
            Threshold::TWO_THIRDS,
            Threshold::SuperMajorityOfEligible {
                numerator: 1,
                denominator: 2,
            },
            Threshold::SuperMajorityOfEligible {
                numerator: 1,
                denominator: 1,
            },
        ];
        let mut checked = 0;
        for rules in rule_sets {
            for threshold in thresholds {
                let rules = Rules {
                    amendment: threshold,
                    ..rules
                };
                for approve in 0..4 {
                    for abstain in 0..3 {
                        for object in 0..3 {
                            for recuse in 0..3 {
                                for silent in 0..4 {
                                    let c = Counts {
                                        approve,
                                        abstain,
                                        object,
                                        recuse,
                                        silent,
                                    };
                                    let mut positions = Vec::new();
                                    positions.extend(std::iter::repeat_n(A, approve as usize));
                                    positions.extend(std::iter::repeat_n(B, abstain as usize));
                                    positions.extend(std::iter::repeat_n(O, object as usize));
                                    positions.extend(std::iter::repeat_n(R, recuse as usize));
                                    positions.extend(std::iter::repeat_n(N, silent as usize));
                                    let t =
                                        tally(&rules, BallotKind::Amendment, &voters(&positions));
                                    let outcomes: Vec<bool> = futures(c)
                                        .into_iter()
                                        .map(|f| failing(&rules, threshold, f).is_none())
                                        .collect();
                                    let settled = outcomes.iter().all(|&p| p == outcomes[0]);
                                    assert_eq!(
                                        t.decided, settled,
                                        "{rules:?} {c:?}: {}",
                                        t.explanation
                                    );
                                    if t.decided {
                                        assert_eq!(outcomes[0], t.outcome == Outcome::Passed);
                                    }
                                    // The approvals-needed count is exact.
                                    if let Some(k) = t.approvals_needed {
                                        assert!(k <= silent);
                                    } else {
                                        assert!(
                                            !outcomes.iter().any(|&p| p)
                                                || silent == 0 && t.outcome == Outcome::Passed
                                        );
                                    }
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn early_close_needs_the_rule_and_a_settled_outcome() {
        let settled = tally(&efsp(), BallotKind::Release, &voters(&[A, A, A, A, A, N]));
        assert!(may_close_early(&efsp(), &settled).is_ok());
        let open = tally(&efsp(), BallotKind::Release, &voters(&[A, A, A, N, N, N]));
        let err = may_close_early(&efsp(), &open).unwrap_err();
        assert!(err.0.contains("can still change"), "{err}");
        let strict = Rules {
            early_close: false,
            ..efsp()
        };
        assert!(may_close_early(&strict, &settled).is_err());
    }

    #[test]
    fn rules_are_checked() {
        assert!(Rules::default().check().is_ok());
        let bad = [
            Rules {
                release: Threshold::SuperMajorityOfEligible {
                    numerator: 4,
                    denominator: 3,
                },
                ..Rules::default()
            },
            Rules {
                release: Threshold::SuperMajorityOfEligible {
                    numerator: 1,
                    denominator: 0,
                },
                ..Rules::default()
            },
            Rules {
                quorum_percent: 101,
                ..Rules::default()
            },
            Rules {
                min_days: 0,
                ..Rules::default()
            },
            Rules {
                min_days: 8,
                default_days: 7,
                ..Rules::default()
            },
            Rules {
                default_days: 31,
                ..Rules::default()
            },
        ];
        for r in bad {
            assert!(r.check().is_err(), "{r:?}");
        }
        let r = Rules::default();
        assert!(r.check_duration(7).is_ok());
        assert!(r.check_duration(30).is_ok());
        assert!(r.check_duration(31).is_err());
        assert!(r.check_duration(0).is_err());
        assert!(
            r.describe()
                .iter()
                .any(|s| s.contains("two thirds of the eligible"))
        );
    }

    #[test]
    fn rules_round_trip_as_json() {
        let r = ietf();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Rules>(&json).unwrap(), r);
        assert!(serde_json::from_str::<Rules>("{\"bogus\":1}").is_err());
    }

    #[test]
    fn new_groups_need_a_ballot_and_stored_rules_keep_reading() {
        let r = Rules::default();
        assert!(r.amendment_ballot_required);
        assert!(!r.editorial_changes_after_approval);
        assert!(r.describe().iter().any(|s| s.contains("even editorial")));
        // Rules stored before the editorial setting existed: it reads as off.
        let mut stored = serde_json::to_value(r).unwrap();
        stored
            .as_object_mut()
            .unwrap()
            .remove("editorial-changes-after-approval");
        let read: Rules = serde_json::from_value(stored).unwrap();
        assert_eq!(read, r);
        let allowed = Rules {
            editorial_changes_after_approval: true,
            ..r
        };
        assert!(
            allowed
                .describe()
                .iter()
                .any(|s| s.contains("editorial changes") && s.contains("without a new ballot"))
        );
    }

    #[test]
    fn positions_and_kinds_parse_back() {
        for p in Position::ALL {
            assert_eq!(Position::parse(p.as_str()), Some(p));
        }
        for k in BallotKind::ALL {
            assert_eq!(BallotKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Position::parse("+1"), None);
        assert!(Position::Object.needs_rationale());
        assert!(!Position::Approve.needs_rationale());
    }

    #[test]
    fn thresholds_read_as_written() {
        for t in ["majority", "2/3", "3/4"] {
            let parsed: Threshold = t.parse().unwrap();
            assert_eq!(parsed.to_string(), t);
        }
        assert_eq!(
            " 2 / 3 ".parse::<Threshold>().unwrap(),
            Threshold::TWO_THIRDS
        );
        for bad in ["", "most", "2/", "/3", "two/three", "2/3/4"] {
            let e = bad.parse::<Threshold>().unwrap_err();
            assert!(e.0.contains("majority"), "{bad:?}: {}", e.0);
        }
    }
}
