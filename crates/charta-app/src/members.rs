//! A working group's people: inviting someone to a role, removing a role,
//! accepting an invitation, and publishing a draft specification. Each is
//! the chair's (or the invitee's) act, checked with the domain's policy and
//! written with its audit entry.

use crate::amend::actor;
use crate::app::App;
use crate::error::Error;
use crate::secret;
use crate::viewer::Viewer;
use charta_domain::access::{Action, Role};
use charta_domain::affiliation::{Claim, may_speak_for};
use charta_store::{GroupRow, InvitationRow, NewInvitation, OrgRow};

/// How long an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 14;

/// An invitation to send.
#[derive(Debug, Clone, Copy)]
pub struct Invitation<'a> {
    pub email: &'a str,
    pub role: Role,
    /// The member organisation's slug, for roles that speak for one.
    pub organization: &'a str,
}

/// Invites someone, by e-mail address, to a role in `group`; returns the
/// secret of the link to send (only its hash is stored).
pub async fn invite(
    app: &App,
    viewer: &Viewer,
    group: &GroupRow,
    inv: &Invitation<'_>,
) -> Result<String, Error> {
    viewer.require(Action::ManageRoles { group_id: group.id })?;
    let email = inv.email.trim();
    if !(email.contains('@') && email.len() <= 254 && !email.contains(char::is_whitespace)) {
        return Err(Error::BadRequest(format!(
            "{email:?} is not an e-mail address"
        )));
    }
    let organization = organization_for(app, group, inv.role, inv.organization).await?;
    if let Some(org) = &organization {
        may_invite_voter(viewer, org, email)?;
    }
    let token = secret::random(32).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let inviter = viewer.user()?;
    let mail = app.settings.notify.mail_on().then(|| {
        crate::notify::plan::invitation_mail(app, group, inviter, email, inv.role, &token)
    });
    app.store
        .create_invitation(NewInvitation {
            token_hash: &secret::hash(&token),
            group_id: group.id,
            role: inv.role.as_str(),
            organization_id: organization.map(|o| o.id),
            email,
            invited_by: viewer.user()?.id,
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(INVITATION_DAYS),
            mail,
        })
        .await?;
    Ok(token)
}

/// Refuses at once an invitation to a voting role that could not be
/// accepted: an address outside the organisation's e-mail domain (unless a
/// platform administrator sends it), or a chair inviting themselves to an
/// organisation their verified address is not in. Acceptance checks again.
fn may_invite_voter(viewer: &Viewer, org: &OrgRow, email: &str) -> Result<(), Error> {
    let inviter = viewer.user()?;
    let self_granted = inviter.email.eq_ignore_ascii_case(email);
    may_speak_for(Claim {
        domain: org.email_domain.as_deref(),
        email,
        // Someone else's address is verified when they accept.
        email_verified: !self_granted || inviter.email_verified,
        self_granted,
        admin_confirmed: inviter.platform_admin,
    })
    .map_err(|e| match self_granted {
        true => Error::Forbidden(e.to_string()),
        false => Error::BadRequest(e.to_string()),
    })
}

async fn organization_for(
    app: &App,
    g: &GroupRow,
    role: Role,
    slug: &str,
) -> Result<Option<OrgRow>, Error> {
    if !role.speaks_for_organization() {
        return Ok(None);
    }
    let orgs = app.store.organizations(g.id).await?;
    orgs.into_iter()
        .find(|o| o.slug == slug)
        .map(Some)
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "{} speaks for a member organisation: choose one of the group's organisations",
                role.label()
            ))
        })
}

/// Removes a role from someone. The store refuses to remove the last
/// chair, in the same transaction, so two chairs cannot remove each other.
pub async fn remove_role(
    app: &App,
    viewer: &Viewer,
    group: &GroupRow,
    membership: i64,
) -> Result<(), Error> {
    viewer.require(Action::ManageRoles { group_id: group.id })?;
    if !app
        .store
        .remove_membership(group.id, membership, &actor(viewer))
        .await?
    {
        return Err(Error::NotFound(format!(
            "role {membership} in working group {}",
            group.slug
        )));
    }
    Ok(())
}

/// Accepts the invitation whose link carries `token`, as the signed-in
/// person; returns it.
pub async fn accept_invitation(
    app: &App,
    viewer: &Viewer,
    token: &str,
) -> Result<InvitationRow, Error> {
    viewer.require(Action::AcceptInvitation)?;
    let user = viewer.user()?;
    let hash = secret::hash(token);
    let inv = app.store.invitation(&hash).await?;
    // The link is a secret, but it was addressed to someone: the provider
    // must vouch for that address, or a leaked link would hand a role (a
    // vote, perhaps) to whoever clicks it first.
    if user.email.is_empty() || !user.email_verified {
        return Err(Error::Forbidden(
            "this invitation can only be accepted with an account whose provider has verified your e-mail address; verify it with your provider, sign out and sign in again".into(),
        )
        );
    }
    if !user.email.eq_ignore_ascii_case(&inv.email) {
        return Err(Error::Forbidden(format!(
            "this invitation was sent to another e-mail address than the one your provider reports ({}); ask the chair to invite that address",
            user.email
        )));
    }
    app.store.accept_invitation(&hash, user.id).await?;
    Ok(inv)
}

/// Publishes a draft specification; publishing is one-way.
pub async fn publish_spec(app: &App, viewer: &Viewer, spec: &str) -> Result<(), Error> {
    let row = crate::lookup::spec(app, viewer, spec).await?;
    viewer.require(Action::PublishSpec {
        group_id: row.group_id,
    })?;
    if !app.store.publish_spec(row.id, &actor(viewer)).await? {
        return Err(Error::Conflict(format!(
            "specification {spec} is already public"
        )));
    }
    Ok(())
}
