//! Whether a passed ballot on an amendment still approves the text that
//! would be merged.
//!
//! Members vote on one revision of an amendment. If the text changes after
//! the ballot passed, merging would put words into the specification that
//! nobody voted on, so by default any later change makes the approval
//! stale: normative or editorial, including section titles and
//! descriptions and the specification's own title and summary. A group
//! whose chair turns on [`Rules::editorial_changes_after_approval`] lets
//! editorial changes through; a normative change always needs a new ballot.
//! A revision that only takes in other merged amendments (a rebase)
//! changes nothing the amendment proposes and never makes an approval
//! stale.
//!
//! Votes cast while a ballot is open follow the same rule ([`resets_votes`]):
//! a revision that would make a passed ballot stale starts a new round.
//!
//! The rules that count are the ones the ballot was opened under, like
//! every other rule of a ballot: changing the group's rules afterwards
//! cannot widen an approval already given.

use crate::amendment::BallotGate;
use crate::ballot::Rules;
use crate::diff::TextChange;

/// One revision of an amendment and how it changed the amendment's text
/// compared with the revision before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevisionStep {
    pub number: i64,
    pub change: TextChange,
}

/// What the merge gate says about a ballot that passed on revision `voted`,
/// given the amendment's revisions (any order; those up to `voted` are not
/// looked at) and the rules the ballot ran under: [`BallotGate::Passed`],
/// [`BallotGate::Stale`] after a normative change, or
/// [`BallotGate::Edited`] after editorial changes the rules do not let
/// through.
pub fn passed_ballot_gate(voted: i64, revisions: &[RevisionStep], rules: &Rules) -> BallotGate {
    let since = revisions
        .iter()
        .filter(|r| r.number > voted)
        .map(|r| r.change)
        .max()
        .unwrap_or(TextChange::None);
    match since {
        TextChange::None => BallotGate::Passed,
        TextChange::Editorial if rules.editorial_changes_after_approval => BallotGate::Passed,
        TextChange::Editorial => BallotGate::Edited,
        TextChange::Normative => BallotGate::Stale,
    }
}

/// Whether a revision posted while a ballot is open resets the votes cast
/// so far. A vote approves the text it was cast on, so the rule is the one
/// for a passed ballot: a normative change always resets them, an editorial
/// one unless the rules let editorial changes follow an approval.
pub fn resets_votes(change: TextChange, rules: &Rules) -> bool {
    match change {
        TextChange::None => false,
        TextChange::Editorial => !rules.editorial_changes_after_approval,
        TextChange::Normative => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amendment::{CheckStatus, GateInput, gate_passes, merge_gate};
    use crate::diff::revision_change;
    use crate::spec::{Control, ControlStatus, Level, Section, Spec};
    use TextChange::{Editorial, None, Normative};

    fn steps(changes: &[TextChange]) -> Vec<RevisionStep> {
        // Revision 1 is the first text; revision n + 1 carries changes[n - 1].
        std::iter::once(RevisionStep {
            number: 1,
            change: Normative,
        })
        .chain(changes.iter().enumerate().map(|(i, c)| RevisionStep {
            number: i as i64 + 2,
            change: *c,
        }))
        .collect()
    }

    fn strict() -> Rules {
        Rules::default()
    }

    fn lenient() -> Rules {
        Rules {
            editorial_changes_after_approval: true,
            ..Rules::default()
        }
    }

    #[test]
    fn an_editorial_change_after_the_pass_is_stale_by_default() {
        let revs = steps(&[Editorial]);
        assert_eq!(passed_ballot_gate(1, &revs, &strict()), BallotGate::Edited);
        let checks = merge_gate(&GateInput {
            unresolved_blocking_threads: 0,
            up_to_date: true,
            ballot: BallotGate::Edited,
        });
        assert_eq!(checks[2].status, CheckStatus::Failed);
        assert!(
            checks[2].detail.contains("editorial"),
            "{}",
            checks[2].detail
        );
        assert!(
            checks[2].detail.contains("new ballot"),
            "{}",
            checks[2].detail
        );
        assert!(!gate_passes(&checks));
    }

    #[test]
    fn editorial_changes_pass_where_the_rules_allow_them() {
        let revs = steps(&[Editorial, Editorial]);
        assert_eq!(passed_ballot_gate(1, &revs, &lenient()), BallotGate::Passed);
    }

    #[test]
    fn a_normative_change_is_always_stale() {
        for rules in [strict(), lenient()] {
            assert_eq!(
                passed_ballot_gate(1, &steps(&[Normative]), &rules),
                BallotGate::Stale
            );
            // Also when an editorial revision came first or after it.
            assert_eq!(
                passed_ballot_gate(1, &steps(&[Editorial, Normative, Editorial]), &rules),
                BallotGate::Stale
            );
        }
    }

    #[test]
    fn votes_on_an_open_ballot_reset_by_the_same_rule() {
        assert!(resets_votes(Normative, &strict()) && resets_votes(Normative, &lenient()));
        assert!(resets_votes(Editorial, &strict()));
        assert!(!resets_votes(Editorial, &lenient()));
        assert!(!resets_votes(None, &strict()));
    }

    #[test]
    fn only_revisions_after_the_voted_one_count() {
        let revs = steps(&[Normative, Editorial]);
        // Voted on revision 3, the newest: nothing changed since.
        assert_eq!(passed_ballot_gate(3, &revs, &strict()), BallotGate::Passed);
        // A rebase that took in other merged changes changes nothing.
        let revs = steps(&[None, None]);
        assert_eq!(passed_ballot_gate(1, &revs, &strict()), BallotGate::Passed);
    }

    fn spec() -> Spec {
        Spec {
            spec: "s".into(),
            group: "g".into(),
            title: "S".into(),
            summary: String::new(),
            sections: vec![Section {
                id: "VM".into(),
                title: "VM".into(),
                description: String::new(),
            }],
            controls: vec![Control {
                id: "A-1".into(),
                section: "VM".into(),
                title: "A".into(),
                level: Level::new(1).unwrap(),
                status: ControlStatus::Active,
                replaced_by: vec![],
                statement: "MUST do x.".into(),
                guidance: String::new(),
                mappings: vec![],
            }],
        }
    }

    #[test]
    fn a_metadata_only_change_after_the_pass_is_stale() {
        let base = spec();
        let mut voted = base.clone();
        voted.controls[0].statement = "MUST do x within 7 days.".into();
        let mut titled = voted.clone();
        titled.title = "S, renamed after the vote".into();
        let mut sectioned = voted.clone();
        sectioned.sections[0].description = "Added after the vote.".into();
        for later in [titled, sectioned] {
            let revs = [
                RevisionStep {
                    number: 1,
                    change: Normative,
                },
                RevisionStep {
                    number: 2,
                    change: revision_change(&base, &voted, &base, &later),
                },
            ];
            assert_eq!(passed_ballot_gate(1, &revs, &strict()), BallotGate::Edited);
            assert_eq!(passed_ballot_gate(1, &revs, &lenient()), BallotGate::Passed);
        }
    }
}
