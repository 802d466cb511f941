//! Who casts an organisation's vote, and when an alternate may.
//!
//! Each member organisation has exactly one voice at any moment. Its
//! representative votes, unless a recorded delegation hands the vote to one
//! of the organisation's alternates for a while. Delegations are given by
//! the representative (or by the chair when the organisation has none),
//! start at a given time, may end, and may be revoked; at most one is in
//! force at a time. Without this rule any alternate could vote and silently
//! replace the representative's position, which is not one vote per
//! organisation.
//!
//! [`voter_at`] answers "who votes for this organisation at time T" from
//! plain data, so the vote path, the ballot record and the members page all
//! agree, and the rule is tested without a database.

use std::fmt;
use time::OffsetDateTime;

/// A delegation as recorded: the grant, and its revocation if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub id: i64,
    /// The alternate who votes while it is in force.
    pub alternate: i64,
    pub starts_at: OffsetDateTime,
    /// When it ends by itself; `None` runs until revoked.
    pub ends_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
}

impl Delegation {
    /// The moment it stops being in force, whichever comes first: its end
    /// or its revocation.
    pub fn until(&self) -> Option<OffsetDateTime> {
        match (self.ends_at, self.revoked_at) {
            (Some(e), Some(r)) => Some(e.min(r)),
            (e, r) => e.or(r),
        }
    }

    /// Whether it hands the vote over at `at`.
    pub fn in_force_at(&self, at: OffsetDateTime) -> bool {
        self.starts_at <= at && self.until().is_none_or(|u| at < u)
    }

    /// Whether it is in force at some moment of `[from, to)` (`to = None`
    /// meaning without end).
    pub fn overlaps(&self, from: OffsetDateTime, to: Option<OffsetDateTime>) -> bool {
        let starts_before_end = to.is_none_or(|t| self.starts_at < t);
        let ends_after_start = self.until().is_none_or(|u| from < u);
        starts_before_end && ends_after_start && self.until().is_none_or(|u| self.starts_at < u)
    }
}

/// Who may vote for an organisation at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    /// The organisation's representative.
    Representative(i64),
    /// An alternate, under the delegation with this id.
    Delegate { alternate: i64, delegation: i64 },
    /// Nobody: no representative and no delegation in force.
    Nobody,
}

impl Voice {
    /// The person who votes, if anybody does.
    pub fn person(self) -> Option<i64> {
        match self {
            Voice::Representative(p) => Some(p),
            Voice::Delegate { alternate, .. } => Some(alternate),
            Voice::Nobody => None,
        }
    }

    /// The delegation the vote is cast under, if any.
    pub fn delegation(self) -> Option<i64> {
        match self {
            Voice::Delegate { delegation, .. } => Some(delegation),
            _ => None,
        }
    }
}

/// Who votes for an organisation at `at`: the alternate of the delegation
/// in force, as long as that person is still one of the organisation's
/// `alternates`; otherwise the representative.
pub fn voter_at(
    representative: Option<i64>,
    alternates: &[i64],
    delegations: &[Delegation],
    at: OffsetDateTime,
) -> Voice {
    let delegated = delegations
        .iter()
        .filter(|d| d.in_force_at(at) && alternates.contains(&d.alternate))
        .max_by_key(|d| d.id);
    match (delegated, representative) {
        (Some(d), _) => Voice::Delegate {
            alternate: d.alternate,
            delegation: d.id,
        },
        (None, Some(r)) => Voice::Representative(r),
        (None, None) => Voice::Nobody,
    }
}

/// Why a delegation cannot be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelegationError {
    /// The named person is not an alternate of this organisation.
    NotAnAlternate,
    /// The end is not after the start.
    EndsBeforeStart,
    /// It would start in the past; delegations are never backdated, so no
    /// vote already cast changes its standing.
    Backdated,
    /// Another delegation of the organisation is in force during part of
    /// the requested period; the id names it.
    Overlaps(i64),
}

impl fmt::Display for DelegationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DelegationError::NotAnAlternate => f.write_str(
                "that person is not an alternate of this organisation; the chair can invite them as one first",
            ),
            DelegationError::EndsBeforeStart => {
                f.write_str("a delegation must end after it starts")
            }
            DelegationError::Backdated => f.write_str(
                "a delegation cannot start in the past; leave the start empty to start it now",
            ),
            DelegationError::Overlaps(id) => write!(
                f,
                "delegation {id} of this organisation is in force during part of that period; revoke it first or choose a period after it ends"
            ),
        }
    }
}

/// How far back a start may lie and still count as "now", for a form
/// submitted a moment after it was filled in.
const NOW_SLACK: time::Duration = time::Duration::minutes(5);

/// Checks a new delegation against the organisation's alternates and its
/// existing delegations, at `now`.
pub fn check_new(
    alternate: i64,
    alternates: &[i64],
    existing: &[Delegation],
    starts_at: OffsetDateTime,
    ends_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<(), DelegationError> {
    if !alternates.contains(&alternate) {
        return Err(DelegationError::NotAnAlternate);
    }
    if ends_at.is_some_and(|e| e <= starts_at) {
        return Err(DelegationError::EndsBeforeStart);
    }
    if starts_at < now - NOW_SLACK {
        return Err(DelegationError::Backdated);
    }
    match existing.iter().find(|d| d.overlaps(starts_at, ends_at)) {
        Some(d) => Err(DelegationError::Overlaps(d.id)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    const REP: i64 = 1;
    const ALT: i64 = 2;
    const ALT2: i64 = 3;

    fn t(hours: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::hours(hours)
    }

    fn d(id: i64, alternate: i64, from: i64, to: Option<i64>, revoked: Option<i64>) -> Delegation {
        Delegation {
            id,
            alternate,
            starts_at: t(from),
            ends_at: to.map(t),
            revoked_at: revoked.map(t),
        }
    }

    #[test]
    fn the_representative_votes_without_a_delegation() {
        assert_eq!(
            voter_at(Some(REP), &[ALT], &[], t(0)),
            Voice::Representative(REP)
        );
        assert_eq!(voter_at(None, &[ALT], &[], t(0)), Voice::Nobody);
    }

    #[test]
    fn a_delegation_hands_the_vote_over_for_its_period_only() {
        let ds = [d(7, ALT, 10, Some(20), None)];
        let at = |h| voter_at(Some(REP), &[ALT], &ds, t(h));
        assert_eq!(at(9), Voice::Representative(REP));
        assert_eq!(
            at(10),
            Voice::Delegate {
                alternate: ALT,
                delegation: 7
            }
        );
        assert_eq!(at(19).person(), Some(ALT));
        assert_eq!(at(20), Voice::Representative(REP), "the end is exclusive");
    }

    #[test]
    fn revocation_ends_it_early_and_never_reaches_back() {
        let ds = [d(7, ALT, 10, None, Some(15))];
        let at = |h| voter_at(Some(REP), &[ALT], &ds, t(h));
        assert_eq!(at(12).person(), Some(ALT));
        assert_eq!(at(15), Voice::Representative(REP));
        assert_eq!(at(1000), Voice::Representative(REP));
    }

    #[test]
    fn an_open_ended_delegation_runs_until_revoked() {
        let ds = [d(7, ALT, 10, None, None)];
        assert_eq!(
            voter_at(Some(REP), &[ALT], &ds, t(10_000)).person(),
            Some(ALT)
        );
        // Without a representative, the chair's delegation gives the
        // organisation its voice.
        assert_eq!(voter_at(None, &[ALT], &ds, t(11)).delegation(), Some(7));
    }

    #[test]
    fn someone_no_longer_an_alternate_no_longer_votes() {
        let ds = [d(7, ALT, 10, None, None)];
        assert_eq!(
            voter_at(Some(REP), &[ALT2], &ds, t(11)),
            Voice::Representative(REP)
        );
        assert_eq!(voter_at(None, &[], &ds, t(11)), Voice::Nobody);
    }

    #[test]
    fn new_delegations_are_checked() {
        let now = t(5);
        let ds = [
            d(7, ALT, 10, Some(20), None),
            d(8, ALT2, 30, None, Some(40)),
        ];
        let check =
            |alt, from, to: Option<i64>| check_new(alt, &[ALT, ALT2], &ds, t(from), to.map(t), now);
        assert_eq!(check(REP, 6, None), Err(DelegationError::NotAnAlternate));
        assert_eq!(
            check(ALT, 8, Some(8)),
            Err(DelegationError::EndsBeforeStart)
        );
        assert_eq!(check(ALT, 1, Some(3)), Err(DelegationError::Backdated));
        assert_eq!(check(ALT2, 6, Some(11)), Err(DelegationError::Overlaps(7)));
        assert_eq!(check(ALT2, 19, Some(21)), Err(DelegationError::Overlaps(7)));
        assert_eq!(check(ALT2, 6, None), Err(DelegationError::Overlaps(7)));
        assert_eq!(check(ALT, 39, None), Err(DelegationError::Overlaps(8)));
        // Touching periods do not overlap; a revoked one frees its rest.
        assert_eq!(check(ALT2, 6, Some(10)), Ok(()));
        assert_eq!(check(ALT2, 20, Some(30)), Ok(()));
        assert_eq!(check(ALT, 40, None), Ok(()));
        // A start within the slack counts as now.
        assert_eq!(check(ALT2, 5, Some(6)), Ok(()));
    }

    #[test]
    fn a_delegation_revoked_before_it_started_never_overlaps() {
        let gone = d(9, ALT, 10, None, Some(8));
        assert!(!gone.overlaps(t(0), None));
        assert!(!gone.in_force_at(t(10)));
    }
}
