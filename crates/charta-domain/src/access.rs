//! Who may do what: the one authorization policy every handler asks.
//!
//! The policy is a pure function of an [`Actor`] (who is asking, with which
//! roles, whether their sign-in used multiple factors, and with which token
//! scopes) and an [`Action`] on an object. Handlers never decide access
//! themselves; they translate the request into an action and obey the
//! [`Decision`]. Keeping it here makes the whole policy testable as a table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A role a person holds in one working group.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the group: sets its rules, manages roles, publishes.
    Chair,
    /// Edits specifications on the group's behalf.
    Editor,
    /// Casts the vote of a member organisation (one per organisation).
    Representative,
    /// Stands in for an organisation's representative.
    Alternate,
    /// Reads drafts and comments on them.
    Reviewer,
    /// Reads drafts.
    Observer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Chair,
        Role::Editor,
        Role::Representative,
        Role::Alternate,
        Role::Reviewer,
        Role::Observer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Chair => "chair",
            Role::Editor => "editor",
            Role::Representative => "representative",
            Role::Alternate => "alternate",
            Role::Reviewer => "reviewer",
            Role::Observer => "observer",
        }
    }

    /// Parses the stored or submitted name of a role.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role speaks for a member organisation (and so needs one).
    pub fn speaks_for_organization(self) -> bool {
        matches!(self, Role::Representative | Role::Alternate)
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Chair => "Chair",
            Role::Editor => "Editor",
            Role::Representative => "Voting representative",
            Role::Alternate => "Alternate representative",
            Role::Reviewer => "Reviewer",
            Role::Observer => "Observer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role held in a group, for an organisation where the role needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub group_id: i64,
    pub role: Role,
    pub organization_id: Option<i64>,
}

/// What a personal API token may be used for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Read what the owner can read, including their groups' drafts.
    Read,
    /// Propose changes to specifications.
    Propose,
    /// Comment on proposals.
    Comment,
    /// Vote for the owner's organisation.
    Vote,
    /// Start, answer, move and publish self-assessments.
    Assess,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Read,
        Scope::Propose,
        Scope::Comment,
        Scope::Vote,
        Scope::Assess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Propose => "propose",
            Scope::Comment => "comment",
            Scope::Vote => "vote",
            Scope::Assess => "assess",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// How a signed-in person is making this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; `mfa` is true when the sign-in used several factors.
    Session { mfa: bool },
    /// A personal API token with these scopes. Tokens never carry
    /// multi-factor assurance, so they never perform privileged actions.
    Token { scopes: Vec<Scope> },
}

/// A signed-in person and what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub platform_admin: bool,
    pub memberships: Vec<Membership>,
    pub credential: Credential,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    User(Principal),
}

/// Whether a specification can be read by everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    /// Readable by the owning group's members only.
    Draft,
    /// Readable by everyone.
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Draft => "draft",
            Visibility::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "draft" => Some(Visibility::Draft),
            "public" => Some(Visibility::Public),
            _ => None,
        }
    }
}

/// Something an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read a specification (and its versions, controls and diffs).
    ReadSpec {
        group_id: i64,
        visibility: Visibility,
    },
    /// Read material that is public by nature: groups, catalogs, search over
    /// public specifications.
    ReadPublic,
    /// See a group's member list with people and roles.
    ReadMembers { group_id: i64 },
    /// Publish a draft specification.
    PublishSpec { group_id: i64 },
    /// Invite people to a group and change or remove their roles.
    ManageRoles { group_id: i64 },
    /// Create working groups and member organisations; platform settings.
    Administer,
    /// See one's own account and tokens.
    ViewAccount,
    /// Create a personal API token.
    CreateToken,
    /// Revoke one of one's own tokens.
    RevokeToken,
    /// Accept an invitation addressed to oneself.
    AcceptInvitation,
    /// Propose a change to a group's specifications.
    Propose { group_id: i64 },
    /// Comment on a group's proposals.
    Comment { group_id: i64 },
    /// Cast an organisation's vote in a group. The policy only says who
    /// speaks for it; [`crate::delegation::voter_at`] decides which one of
    /// them votes at the moment.
    Vote { group_id: i64, organization_id: i64 },
    /// Give or revoke a delegation of an organisation's vote to one of its
    /// alternates: its representative, or the chair while the organisation
    /// has no representative.
    Delegate {
        group_id: i64,
        organization_id: i64,
        has_representative: bool,
    },
    /// Act on an amendment on the group's behalf: revise, submit or
    /// withdraw someone else's amendment.
    Decide { group_id: i64 },
    /// Merge an amendment into a new version, or reject it: a decision of
    /// the group, taken by its chair, or by an editor where the group's
    /// rules let editors merge (`editors_may`), always with a multi-factor
    /// browser sign-in.
    Merge { group_id: i64, editors_may: bool },
    /// Settle a blocking objection someone else raised: the chair, with a
    /// recorded reason and a multi-factor sign-in.
    SettleObjection { group_id: i64 },
    /// Set the group's ballot rules.
    SetRules { group_id: i64 },
    /// Register, remove and redeliver the group's webhooks, and read their
    /// delivery logs (which carry the group's events to other systems).
    ManageWebhooks { group_id: i64 },
    /// Publish a signed release of a specification version, or mark a
    /// release superseded.
    PublishRelease { group_id: i64 },
    /// Open, cancel or close a ballot early.
    RunBallot { group_id: i64 },
    /// Extend an open ballot's deadline; `members_may` is the ballot's rule
    /// letting member representatives extend, not only the chair.
    ExtendBallot { group_id: i64, members_may: bool },
    /// Read a ballot: its tally, positions and rationales. Closed ballots
    /// of public specifications are public; open ones are the group's.
    ReadBallot {
        group_id: i64,
        visibility: Visibility,
        closed: bool,
    },
    /// Start a self-assessment of a project against a release: anyone
    /// signed in, for themselves or for an organisation they speak for
    /// (`organization_id`).
    StartAssessment { organization_id: Option<i64> },
    /// Read an assessment: a published one is public; a draft belongs to
    /// its owner and the organisation that owns it, and is reported as not
    /// found to everyone else.
    ReadAssessment {
        owner_id: i64,
        organization_id: Option<i64>,
        published: bool,
    },
    /// Answer, move to a newer release or publish a draft assessment: its
    /// owner, or someone who speaks for the organisation that owns it.
    EditAssessment {
        owner_id: i64,
        organization_id: Option<i64>,
    },
}

impl Action {
    /// Actions that need a multi-factor sign-in.
    pub fn is_privileged(self) -> bool {
        matches!(
            self,
            Action::PublishSpec { .. }
                | Action::ManageRoles { .. }
                | Action::Administer
                | Action::SetRules { .. }
                | Action::ManageWebhooks { .. }
                | Action::RunBallot { .. }
                | Action::PublishRelease { .. }
                | Action::Merge { .. }
                | Action::SettleObjection { .. }
        )
    }

    /// The token scope that covers the action, if any scope does.
    fn scope(self) -> Option<Scope> {
        match self {
            Action::ReadSpec { .. }
            | Action::ReadPublic
            | Action::ReadMembers { .. }
            | Action::ViewAccount
            | Action::ReadBallot { .. }
            | Action::RevokeToken => Some(Scope::Read),
            Action::Propose { .. } | Action::Decide { .. } => Some(Scope::Propose),
            Action::Comment { .. } => Some(Scope::Comment),
            Action::ReadAssessment {
                published: true, ..
            } => Some(Scope::Read),
            Action::StartAssessment { .. }
            | Action::ReadAssessment { .. }
            | Action::EditAssessment { .. } => Some(Scope::Assess),
            Action::Vote { .. } | Action::ExtendBallot { .. } | Action::Delegate { .. } => {
                Some(Scope::Vote)
            }
            Action::SetRules { .. }
            | Action::ManageWebhooks { .. }
            | Action::RunBallot { .. }
            | Action::PublishRelease { .. }
            | Action::Merge { .. }
            | Action::SettleObjection { .. } => None,
            Action::PublishSpec { .. }
            | Action::ManageRoles { .. }
            | Action::Administer
            | Action::CreateToken
            | Action::AcceptInvitation => None,
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in; signing in may help.
    SignIn,
    /// Signed in, but this action needs a multi-factor sign-in.
    StepUp,
    /// Not allowed, whoever signs in; the reason is safe to show.
    Deny(&'static str),
}

impl Principal {
    fn roles_in(&self, group_id: i64) -> impl Iterator<Item = &Membership> {
        self.memberships
            .iter()
            .filter(move |m| m.group_id == group_id)
    }

    fn has_role(&self, group_id: i64, roles: &[Role]) -> bool {
        self.roles_in(group_id).any(|m| roles.contains(&m.role))
    }

    fn is_member(&self, group_id: i64) -> bool {
        self.roles_in(group_id).next().is_some()
    }
}

/// Decides whether `actor` may perform `action`.
pub fn decide(actor: &Actor, action: Action) -> Decision {
    // Public reading needs no account at all.
    let public = matches!(
        action,
        Action::ReadPublic
            | Action::ReadSpec {
                visibility: Visibility::Public,
                ..
            }
            | Action::ReadBallot {
                visibility: Visibility::Public,
                closed: true,
                ..
            }
            | Action::ReadAssessment {
                published: true,
                ..
            }
    );
    let p = match actor {
        Actor::Anonymous if public => return Decision::Allow,
        Actor::Anonymous => return Decision::SignIn,
        Actor::User(p) => p,
    };

    // A token works only within its scopes and never for privileged actions.
    let mfa = match &p.credential {
        Credential::Session { mfa } => *mfa,
        Credential::Token { scopes } => {
            match action.scope() {
                Some(s) if scopes.contains(&s) => {}
                Some(_) => {
                    return Decision::Deny(
                        "this API token does not have the scope this action needs",
                    );
                }
                None => {
                    return Decision::Deny(
                        "this decision needs a person signed in with a multi-factor sign-in in the browser (its session also works on /api/v1); an API token cannot make it",
                    );
                }
            }
            false
        }
    };

    let allowed = match action {
        Action::ReadPublic => true,
        Action::ReadSpec {
            group_id,
            visibility,
        } => visibility == Visibility::Public || p.platform_admin || p.is_member(group_id),
        Action::ReadMembers { group_id } => p.platform_admin || p.is_member(group_id),
        Action::StartAssessment { organization_id } => {
            organization_id.is_none_or(|o| p.speaks_for(o))
        }
        Action::ReadAssessment {
            owner_id,
            organization_id,
            published,
        } => published || owner_id == p.user_id || organization_id.is_some_and(|o| p.speaks_for(o)),
        Action::EditAssessment {
            owner_id,
            organization_id,
        } => owner_id == p.user_id || organization_id.is_some_and(|o| p.speaks_for(o)),
        Action::PublishSpec { group_id }
        | Action::ManageRoles { group_id }
        | Action::SetRules { group_id }
        | Action::ManageWebhooks { group_id }
        | Action::RunBallot { group_id }
        | Action::PublishRelease { group_id } => {
            p.platform_admin || p.has_role(group_id, &[Role::Chair])
        }
        Action::ExtendBallot {
            group_id,
            members_may,
        } => {
            p.has_role(group_id, &[Role::Chair])
                || (members_may && p.has_role(group_id, &[Role::Representative, Role::Alternate]))
        }
        Action::ReadBallot {
            group_id,
            visibility,
            closed,
        } => {
            (closed && visibility == Visibility::Public)
                || p.platform_admin
                || p.is_member(group_id)
        }
        Action::Administer => p.platform_admin,
        Action::ViewAccount
        | Action::CreateToken
        | Action::RevokeToken
        | Action::AcceptInvitation => true,
        Action::Propose { group_id } => p.has_role(
            group_id,
            &[
                Role::Chair,
                Role::Editor,
                Role::Representative,
                Role::Alternate,
            ],
        ),
        Action::Comment { group_id } => {
            p.is_member(group_id) && !p.has_only(group_id, Role::Observer)
        }
        Action::Decide { group_id } => p.has_role(group_id, &[Role::Chair, Role::Editor]),
        Action::Merge {
            group_id,
            editors_may,
        } => {
            p.has_role(group_id, &[Role::Chair])
                || (editors_may && p.has_role(group_id, &[Role::Editor]))
        }
        Action::SettleObjection { group_id } => p.has_role(group_id, &[Role::Chair]),
        Action::Vote {
            group_id,
            organization_id,
        } => p.roles_in(group_id).any(|m| {
            m.role.speaks_for_organization() && m.organization_id == Some(organization_id)
        }),
        Action::Delegate {
            group_id,
            organization_id,
            has_representative,
        } => {
            p.roles_in(group_id).any(|m| {
                m.role == Role::Representative && m.organization_id == Some(organization_id)
            }) || (!has_representative && p.has_role(group_id, &[Role::Chair]))
        }
    };
    if !allowed {
        return Decision::Deny(match action {
            Action::ReadSpec { .. } | Action::ReadMembers { .. } => {
                "only members of the working group can see this"
            }
            Action::PublishSpec { .. } | Action::ManageRoles { .. } => {
                "only the working group's chair or a platform administrator can do this"
            }
            Action::Administer => "only platform administrators can do this",
            Action::Propose { .. } => {
                "only the group's chair, editors and member representatives can propose changes"
            }
            Action::Comment { .. } => "only the group's members (other than observers) can comment",
            Action::Vote { .. } => {
                "only the organisation's representative, or an alternate it delegated its vote to, can vote for it"
            }
            Action::Delegate {
                has_representative: true,
                ..
            } => "only the organisation's representative can delegate its vote",
            Action::Delegate { .. } => {
                "only the working group's chair can delegate the vote of an organisation without a representative"
            }
            Action::Decide { .. } => {
                "only the amendment's author or the group's chair and editors can do this"
            }
            Action::Merge {
                editors_may: true, ..
            } => "only the group's chair and editors can merge or reject amendments",
            Action::Merge { .. } => {
                "only the group's chair can merge or reject amendments (the group's rules do not let editors merge)"
            }
            Action::SettleObjection { .. } => {
                "only the person who raised an objection, or the group's chair giving a reason, can settle it"
            }
            Action::SetRules { .. } => "only the working group's chair can set its ballot rules",
            Action::ManageWebhooks { .. } => {
                "only the working group's chair or a platform administrator can manage its webhooks"
            }
            Action::RunBallot { .. } => {
                "only the working group's chair can open, cancel or close ballots"
            }
            Action::PublishRelease { .. } => {
                "only the working group's chair can publish or supersede releases"
            }
            Action::ExtendBallot {
                members_may: true, ..
            } => "only the chair and member representatives can extend this ballot",
            Action::ExtendBallot { .. } => "only the chair can extend this ballot",
            Action::ReadBallot { .. } => {
                "only members of the working group can see a ballot before it closes"
            }
            Action::StartAssessment { .. } => {
                "only the organisation's representatives and alternates can start an assessment on its behalf"
            }
            Action::ReadAssessment { .. } | Action::EditAssessment { .. } => {
                "only the assessment's owner and its owning organisation's representatives can do this"
            }
            _ => "not allowed",
        });
    }
    if action.is_privileged() && !mfa {
        return Decision::StepUp;
    }
    Decision::Allow
}

impl Principal {
    /// Whether the person holds a role for the organisation in any group
    /// (its representative or an alternate).
    fn speaks_for(&self, organization_id: i64) -> bool {
        self.memberships
            .iter()
            .any(|m| m.organization_id == Some(organization_id))
    }

    fn has_only(&self, group_id: i64, role: Role) -> bool {
        self.roles_in(group_id).all(|m| m.role == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: i64 = 1;
    const OTHER: i64 = 2;
    const ORG: i64 = 10;

    fn user(roles: &[(Role, Option<i64>)], mfa: bool) -> Actor {
        Actor::User(Principal {
            user_id: 7,
            platform_admin: false,
            memberships: roles
                .iter()
                .map(|&(role, organization_id)| Membership {
                    group_id: G,
                    role,
                    organization_id,
                })
                .collect(),
            credential: Credential::Session { mfa },
        })
    }

    fn admin(mfa: bool) -> Actor {
        Actor::User(Principal {
            user_id: 1,
            platform_admin: true,
            memberships: vec![],
            credential: Credential::Session { mfa },
        })
    }

    fn token(roles: &[(Role, Option<i64>)], scopes: &[Scope]) -> Actor {
        let Actor::User(mut p) = user(roles, false) else {
            unreachable!()
        };
        p.credential = Credential::Token {
            scopes: scopes.to_vec(),
        };
        Actor::User(p)
    }

    const DRAFT: Action = Action::ReadSpec {
        group_id: G,
        visibility: Visibility::Draft,
    };
    const OTHER_DRAFT: Action = Action::ReadSpec {
        group_id: OTHER,
        visibility: Visibility::Draft,
    };
    const PUBLIC: Action = Action::ReadSpec {
        group_id: G,
        visibility: Visibility::Public,
    };

    #[test]
    fn assessments_are_their_owners_until_published() {
        let draft = |owner_id, organization_id| Action::ReadAssessment {
            owner_id,
            organization_id,
            published: false,
        };
        let edit = |owner_id, organization_id| Action::EditAssessment {
            owner_id,
            organization_id,
        };
        let me = user(&[], false);
        let rep = user(&[(Role::Representative, Some(ORG))], false);
        assert_eq!(decide(&me, draft(7, None)), Decision::Allow);
        assert!(matches!(decide(&me, draft(8, None)), Decision::Deny(_)));
        assert!(matches!(
            decide(&me, draft(8, Some(ORG))),
            Decision::Deny(_)
        ));
        assert_eq!(decide(&rep, edit(8, Some(ORG))), Decision::Allow);
        assert!(matches!(decide(&rep, edit(8, None)), Decision::Deny(_)));
        let published = Action::ReadAssessment {
            owner_id: 8,
            organization_id: None,
            published: true,
        };
        assert_eq!(decide(&Actor::Anonymous, published), Decision::Allow);
        assert_eq!(decide(&Actor::Anonymous, draft(8, None)), Decision::SignIn);
        let start = |organization_id| Action::StartAssessment { organization_id };
        assert_eq!(decide(&me, start(None)), Decision::Allow);
        assert!(matches!(decide(&me, start(Some(ORG))), Decision::Deny(_)));
        assert_eq!(decide(&rep, start(Some(ORG))), Decision::Allow);
        // Tokens need the assess scope, except to read what is public.
        let reader = token(&[], &[Scope::Read]);
        assert!(matches!(decide(&reader, start(None)), Decision::Deny(_)));
        assert_eq!(decide(&reader, published), Decision::Allow);
        let assessor = token(&[], &[Scope::Assess]);
        assert_eq!(decide(&assessor, edit(7, None)), Decision::Allow);
    }

    #[test]
    fn anonymous_reads_public_only() {
        assert_eq!(decide(&Actor::Anonymous, PUBLIC), Decision::Allow);
        assert_eq!(
            decide(&Actor::Anonymous, Action::ReadPublic),
            Decision::Allow
        );
        assert_eq!(decide(&Actor::Anonymous, DRAFT), Decision::SignIn);
        assert_eq!(
            decide(&Actor::Anonymous, Action::ViewAccount),
            Decision::SignIn
        );
        assert_eq!(
            decide(&Actor::Anonymous, Action::Administer),
            Decision::SignIn
        );
    }

    #[test]
    fn drafts_are_for_the_groups_members() {
        for role in Role::ALL {
            let org = role.speaks_for_organization().then_some(ORG);
            let a = user(&[(role, org)], false);
            assert_eq!(decide(&a, DRAFT), Decision::Allow, "{role}");
            assert!(
                matches!(decide(&a, OTHER_DRAFT), Decision::Deny(_)),
                "{role} reads another group's draft"
            );
        }
        assert!(matches!(
            decide(&user(&[], false), DRAFT),
            Decision::Deny(_)
        ));
        assert_eq!(decide(&admin(false), OTHER_DRAFT), Decision::Allow);
    }

    #[test]
    fn privileged_actions_need_the_chair_and_mfa() {
        let manage = Action::ManageRoles { group_id: G };
        let publish = Action::PublishSpec { group_id: G };
        for action in [manage, publish] {
            assert_eq!(
                decide(&user(&[(Role::Chair, None)], true), action),
                Decision::Allow
            );
            assert_eq!(
                decide(&user(&[(Role::Chair, None)], false), action),
                Decision::StepUp
            );
            assert!(matches!(
                decide(&user(&[(Role::Editor, None)], true), action),
                Decision::Deny(_)
            ));
            assert_eq!(decide(&admin(true), action), Decision::Allow);
            assert_eq!(decide(&admin(false), action), Decision::StepUp);
        }
        assert!(matches!(
            decide(
                &user(&[(Role::Chair, None)], true),
                Action::ManageRoles { group_id: OTHER }
            ),
            Decision::Deny(_)
        ));
        assert_eq!(decide(&admin(true), Action::Administer), Decision::Allow);
        assert_eq!(decide(&admin(false), Action::Administer), Decision::StepUp);
        assert!(matches!(
            decide(&user(&[(Role::Chair, None)], true), Action::Administer),
            Decision::Deny(_)
        ));
    }

    #[test]
    fn proposing_commenting_and_voting() {
        let propose = Action::Propose { group_id: G };
        let comment = Action::Comment { group_id: G };
        let vote = Action::Vote {
            group_id: G,
            organization_id: ORG,
        };
        let merge = Action::Decide { group_id: G };
        for (role, allowed) in [
            (Role::Chair, true),
            (Role::Editor, true),
            (Role::Representative, false),
            (Role::Reviewer, false),
        ] {
            let org = role.speaks_for_organization().then_some(ORG);
            let a = user(&[(role, org)], false);
            assert_eq!(
                decide(&a, merge) == Decision::Allow,
                allowed,
                "{role} merge"
            );
        }
        let expect = [
            (Role::Chair, None, true, true, false),
            (Role::Editor, None, true, true, false),
            (Role::Representative, Some(ORG), true, true, true),
            (Role::Alternate, Some(ORG), true, true, true),
            (Role::Representative, Some(ORG + 1), true, true, false),
            (Role::Reviewer, None, false, true, false),
            (Role::Observer, None, false, false, false),
        ];
        for (role, org, p, c, v) in expect {
            let a = user(&[(role, org)], false);
            assert_eq!(decide(&a, propose) == Decision::Allow, p, "{role} propose");
            assert_eq!(decide(&a, comment) == Decision::Allow, c, "{role} comment");
            assert_eq!(decide(&a, vote) == Decision::Allow, v, "{role} vote");
        }
    }

    #[test]
    fn delegations_are_given_by_the_representative_or_a_chair_standing_in() {
        let delegate = |has_representative| Action::Delegate {
            group_id: G,
            organization_id: ORG,
            has_representative,
        };
        let expect = [
            (Role::Representative, Some(ORG), true, true),
            (Role::Representative, Some(ORG + 1), false, false),
            (Role::Alternate, Some(ORG), false, false),
            (Role::Chair, None, false, true),
            (Role::Editor, None, false, false),
        ];
        for (role, org, with_rep, without_rep) in expect {
            let a = user(&[(role, org)], false);
            assert_eq!(
                decide(&a, delegate(true)) == Decision::Allow,
                with_rep,
                "{role}"
            );
            assert_eq!(
                decide(&a, delegate(false)) == Decision::Allow,
                without_rep,
                "{role} without a representative"
            );
        }
        assert!(matches!(
            decide(&admin(true), delegate(false)),
            Decision::Deny(_)
        ));
        assert_eq!(decide(&Actor::Anonymous, delegate(true)), Decision::SignIn);
        let rep_token = token(&[(Role::Representative, Some(ORG))], &[Scope::Read]);
        assert!(matches!(
            decide(&rep_token, delegate(true)),
            Decision::Deny(_)
        ));
        let rep_token = token(&[(Role::Representative, Some(ORG))], &[Scope::Vote]);
        assert_eq!(decide(&rep_token, delegate(true)), Decision::Allow);
    }

    #[test]
    fn ballots_are_run_by_the_chair_with_mfa_and_read_by_members_until_closed() {
        for action in [
            Action::RunBallot { group_id: G },
            Action::SetRules { group_id: G },
        ] {
            assert_eq!(
                decide(&user(&[(Role::Chair, None)], true), action),
                Decision::Allow
            );
            assert_eq!(
                decide(&user(&[(Role::Chair, None)], false), action),
                Decision::StepUp
            );
            assert!(matches!(
                decide(&user(&[(Role::Editor, None)], true), action),
                Decision::Deny(_)
            ));
            assert!(matches!(
                decide(&token(&[(Role::Chair, None)], &Scope::ALL), action),
                Decision::Deny(_)
            ));
        }
        let extend = |members_may| Action::ExtendBallot {
            group_id: G,
            members_may,
        };
        let rep = user(&[(Role::Representative, Some(ORG))], false);
        assert_eq!(decide(&rep, extend(true)), Decision::Allow);
        assert!(matches!(decide(&rep, extend(false)), Decision::Deny(_)));
        assert_eq!(
            decide(&user(&[(Role::Chair, None)], false), extend(false)),
            Decision::Allow
        );
        assert!(matches!(
            decide(&user(&[(Role::Reviewer, None)], false), extend(true)),
            Decision::Deny(_)
        ));

        let read = |visibility, closed| Action::ReadBallot {
            group_id: G,
            visibility,
            closed,
        };
        assert_eq!(
            decide(&Actor::Anonymous, read(Visibility::Public, true)),
            Decision::Allow
        );
        assert_eq!(
            decide(&Actor::Anonymous, read(Visibility::Public, false)),
            Decision::SignIn
        );
        assert_eq!(
            decide(&Actor::Anonymous, read(Visibility::Draft, true)),
            Decision::SignIn
        );
        let outsider = Actor::User(Principal {
            user_id: 9,
            platform_admin: false,
            memberships: vec![],
            credential: Credential::Session { mfa: false },
        });
        assert!(matches!(
            decide(&outsider, read(Visibility::Public, false)),
            Decision::Deny(_)
        ));
        assert_eq!(
            decide(&outsider, read(Visibility::Public, true)),
            Decision::Allow
        );
        assert_eq!(
            decide(
                &user(&[(Role::Observer, None)], false),
                read(Visibility::Draft, false)
            ),
            Decision::Allow
        );
    }

    #[test]
    fn tokens_stay_within_their_scopes() {
        let rep = [(Role::Representative, Some(ORG))];
        let read_only = token(&rep, &[Scope::Read]);
        assert_eq!(decide(&read_only, DRAFT), Decision::Allow);
        assert!(matches!(
            decide(&read_only, Action::Propose { group_id: G }),
            Decision::Deny(_)
        ));
        let voter = token(&rep, &[Scope::Vote]);
        assert_eq!(
            decide(
                &voter,
                Action::Vote {
                    group_id: G,
                    organization_id: ORG
                }
            ),
            Decision::Allow
        );
        assert!(
            matches!(decide(&voter, DRAFT), Decision::Deny(_)),
            "vote scope does not read drafts"
        );
        let chair_token = token(&[(Role::Chair, None)], &Scope::ALL);
        for privileged in [
            Action::ManageRoles { group_id: G },
            Action::PublishSpec { group_id: G },
            Action::CreateToken,
        ] {
            assert!(
                matches!(decide(&chair_token, privileged), Decision::Deny(_)),
                "{privileged:?}"
            );
        }
        assert_eq!(decide(&read_only, Action::RevokeToken), Decision::Allow);
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Role::parse("king"), None);
    }
}
