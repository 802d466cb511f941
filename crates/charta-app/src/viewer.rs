//! The [`Viewer`]: who is asking, with everything authorization needs.
//! The web layer loads one per request; every use case takes one.

use crate::error::Error;
use charta_domain::access::{
    self, Action, Actor, Credential, Decision, Membership, Principal, Role, Visibility,
};
use charta_store::{MembershipRow, SpecRow, UserRow};

/// Who is making the request, with everything authorization needs.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub user: Option<UserRow>,
    pub memberships: Vec<MembershipRow>,
    /// Hash of the session cookie, when signed in with a browser session.
    pub session_hash: Option<String>,
    /// This browser's CSRF token, to embed in forms.
    pub csrf: String,
    /// Path and query of the request, to come back to after signing in.
    pub here: String,
    /// Whether the request is for the JSON API (decides error formats).
    pub api: bool,
    /// Signed in with a browser session whose provider authentication is
    /// recent enough (see `WebConfig::fresh_sign_in`).
    pub recent_sign_in: bool,
}

impl Viewer {
    /// Someone not signed in.
    pub fn anonymous(csrf: String, here: String, api: bool) -> Viewer {
        Viewer {
            actor: Actor::Anonymous,
            user: None,
            memberships: Vec::new(),
            session_hash: None,
            csrf,
            here,
            api,
            recent_sign_in: false,
        }
    }

    /// A person acting through the command line, such as the demo seed
    /// answering an assessment as one of the demo people. The person's
    /// stored roles apply exactly as for a browser session without a
    /// multi-factor sign-in, so privileged actions stay refused.
    pub fn acting_as(user: UserRow, memberships: Vec<MembershipRow>) -> Viewer {
        let actor = Actor::User(principal(
            &user,
            &memberships,
            Credential::Session { mfa: false },
        ));
        Viewer {
            actor,
            user: Some(user),
            memberships,
            session_hash: None,
            csrf: String::new(),
            here: String::new(),
            api: true,
            recent_sign_in: false,
        }
    }

    /// Refuses unless the person signed in with their provider recently:
    /// pages send them back to the provider, the API answers 401.
    pub fn require_recent_sign_in(&self) -> Result<(), Error> {
        if self.session_hash.is_some() && !self.recent_sign_in {
            return Err(Error::Reauthenticate {
                return_to: self.here.clone(),
            });
        }
        Ok(())
    }

    /// The policy's decision for this viewer.
    pub fn decide(&self, action: Action) -> Decision {
        access::decide(&self.actor, action)
    }

    /// Succeeds if the policy allows `action`; otherwise the error that
    /// tells the person what to do (sign in, step up, or that they may not).
    pub fn require(&self, action: Action) -> Result<(), Error> {
        match self.decide(action) {
            Decision::Allow => Ok(()),
            Decision::SignIn if self.api => Err(Error::Unauthorized(
                "sign in, or send a personal API token as `Authorization: Bearer charta_…`".into(),
            )),
            Decision::SignIn => Err(Error::SignIn {
                return_to: self.here.clone(),
            }),
            Decision::StepUp => Err(Error::StepUp {
                return_to: self.here.clone(),
            }),
            Decision::Deny(reason) => Err(Error::Forbidden(reason.into())),
        }
    }

    /// Whether the viewer may read a specification. Drafts of other groups
    /// are reported as not found by callers, so their existence is not
    /// revealed.
    pub fn can_read(&self, spec: &SpecRow) -> bool {
        let visibility = Visibility::parse(&spec.visibility).unwrap_or(Visibility::Draft);
        self.decide(Action::ReadSpec {
            group_id: spec.group_id,
            visibility,
        }) == Decision::Allow
    }

    /// The signed-in user, or the error asking them to sign in.
    pub fn user(&self) -> Result<&UserRow, Error> {
        self.user.as_ref().ok_or_else(|| match self.api {
            true => Error::Unauthorized("sign in first".into()),
            false => Error::SignIn {
                return_to: self.here.clone(),
            },
        })
    }
}

/// Builds the policy's principal from stored roles.
pub fn principal(
    user: &UserRow,
    memberships: &[MembershipRow],
    credential: Credential,
) -> Principal {
    Principal {
        user_id: user.id,
        platform_admin: user.platform_admin,
        memberships: memberships
            .iter()
            .filter_map(|m| {
                Some(Membership {
                    group_id: m.group_id,
                    role: Role::parse(&m.role)?,
                    organization_id: m.organization_id,
                })
            })
            .collect(),
        credential,
    }
}
