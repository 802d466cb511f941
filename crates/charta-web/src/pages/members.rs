//! A working group's people: roles, invitations, and publishing drafts.

use super::Page;
use super::confirm::ConfirmPage;
use super::form::PageForm;
use super::view::date;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::auth::{Viewer, secret};
use crate::error::{Error, PageResult, see_other, url_encode};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::delegation::{self, GiveRequest, Moment, OrgVoice};
use charta_app::members;
use charta_domain::access::{Action, Decision, Role};
use charta_store::{DelegationRow, GroupRow, InvitationRow, MembershipRow, OrgRow};
use serde::Deserialize;

/// An open invitation, for the members page.
pub struct InvitationView {
    pub row: InvitationRow,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "members/show.html")]
pub struct MembersPage {
    pub title: String,
    pub chrome: Chrome,
    pub group: GroupRow,
    pub members: Vec<MembershipRow>,
    pub organizations: Vec<OrgRow>,
    pub invitations: Vec<InvitationView>,
    pub can_manage: bool,
    pub roles: Vec<(&'static str, &'static str)>,
    /// The link of an invitation just created, shown once.
    pub new_link: Option<String>,
    /// Who holds each organisation's vote, and the delegation forms.
    pub voices: Vec<OrgVoice>,
    /// The group's delegations, newest first, and whether the viewer may
    /// revoke each.
    pub delegations: Vec<(DelegationRow, bool)>,
}

impl MembersPage {
    fn when(t: &time::OffsetDateTime) -> String {
        super::view::datetime(*t)
    }

    fn any_delegate(&self) -> bool {
        self.voices.iter().any(|v| v.can_delegate)
    }
}

async fn members_page(
    state: &AppState,
    viewer: &Viewer,
    group: &str,
    new_link: Option<String>,
) -> Result<MembersPage, Error> {
    let g = state.store.group(group).await?;
    viewer.require(Action::ReadMembers { group_id: g.id })?;
    // The forms are shown to the chair even before stepping up; submitting
    // one then asks for the second factor.
    let can_manage = !matches!(
        viewer.decide(Action::ManageRoles { group_id: g.id }),
        Decision::Deny(_) | Decision::SignIn
    );
    let invitations = if can_manage {
        state
            .store
            .open_invitations(g.id)
            .await?
            .into_iter()
            .map(|row| InvitationView {
                expires: date(row.expires_at),
                row,
            })
            .collect()
    } else {
        Vec::new()
    };
    let members = state.store.group_members(g.id).await?;
    let (voices, delegations) = delegation::voices(state, viewer, &g, &members).await?;
    Ok(MembersPage {
        title: format!("People of {}", g.name),
        chrome: viewer.chrome(state),
        members,
        voices,
        delegations,
        organizations: state.store.organizations(g.id).await?,
        invitations,
        can_manage,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        new_link,
        group: g,
    })
}

/// The group's people and, for its chair, the forms to manage them.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> PageResult<Page<MembersPage>> {
    Ok(Page(members_page(&state, &viewer, &group, None).await?))
}

/// The invitation form.
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub organization: String,
}

/// Invites someone, by e-mail address, to a role. The link is shown to the
/// chair to send; only its hash is stored.
pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    PageForm(f): PageForm<InviteForm>,
) -> PageResult<Page<MembersPage>> {
    let g = state.store.group(&group).await?;
    viewer.require(Action::ManageRoles { group_id: g.id })?;
    let role = Role::parse(&f.role)
        .ok_or_else(|| Error::BadRequest(format!("unknown role {:?}", f.role)))?;
    let token = members::invite(
        &state,
        &viewer,
        &g,
        &members::Invitation {
            email: &f.email,
            role,
            organization: &f.organization,
        },
    )
    .await?;
    let link = format!("{}/invitations/{token}", state.config.public_url);
    Ok(Page(
        members_page(&state, &viewer, &group, Some(link)).await?,
    ))
}

/// The confirmation page for removing a role: checked as removing is, it
/// names the person and the role and says what they lose.
pub async fn confirm_remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, membership)): Path<(String, String)>,
) -> PageResult<Page<ConfirmPage>> {
    let g = state.store.group(&group).await?;
    viewer.require(Action::ManageRoles { group_id: g.id })?;
    let not_found = || Error::NotFound(format!("role {membership} in working group {}", g.slug));
    let id: i64 = membership.parse().map_err(|_| not_found())?;
    let members = state.store.group_members(g.id).await?;
    let m = members.iter().find(|m| m.id == id).ok_or_else(not_found)?;
    let role = Role::parse(&m.role);
    if role == Some(Role::Chair) && members.iter().filter(|x| x.role == m.role).count() <= 1 {
        return Err(Error::Conflict(
            "this is the working group's last chair: a group needs a chair to manage its people, so give someone else the chair role before removing this one".into(),
        )
        .into());
    }
    let role_label = role.map_or(m.role.as_str(), |r| r.label());
    let whose = match &m.organization_name {
        Some(o) => format!("{role_label} for {o}"),
        None => role_label.to_string(),
    };
    let mine = viewer.user.as_ref().is_some_and(|u| u.id == m.user_id);
    let back = format!("/groups/{}/members", g.slug);
    let mut page = ConfirmPage::new(
        format!("Remove the role of {}?", m.user_name),
        viewer.chrome(&state),
        format!("{back}/{id}/remove"),
        "Remove the role",
        back.clone(),
    )
    .crumb(format!("/groups/{}", g.slug), g.name.clone())
    .crumb(back, "People and roles")
    .says(format!(
        "{} will no longer be {whose} in {}; this takes effect at once.",
        if mine { "You" } else { m.user_name.as_str() },
        g.name
    ));
    if let Some(r) = role {
        page = page.says(consequence(r));
    }
    page = page.says("Their past comments, votes and decisions stay on record. To give the role back, invite them again.");
    Ok(Page(page))
}

/// What losing a role takes away, in a sentence.
fn consequence(role: Role) -> &'static str {
    if role.speaks_for_organization() {
        "They can no longer vote for their organisation in open ballots; votes already cast stand."
    } else if role == Role::Chair {
        "They can no longer run ballots, publish releases or manage the group's people."
    } else {
        "They lose what the role allowed them to do in the group's specifications and amendments."
    }
}

/// Removes a role from someone.
pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, membership)): Path<(String, String)>,
) -> PageResult<Response> {
    let g = state.store.group(&group).await?;
    viewer.require(Action::ManageRoles { group_id: g.id })?;
    let id: i64 = membership
        .parse()
        .map_err(|_| Error::NotFound(format!("role {membership}")))?;
    members::remove_role(&state, &viewer, &g, id).await?;
    Ok(see_other(&format!("/groups/{}/members", g.slug)).into_response())
}

#[derive(Template)]
#[template(path = "members/invitation.html")]
pub struct InvitationPage {
    pub title: String,
    pub chrome: Chrome,
    pub invitation: InvitationRow,
    pub role_label: &'static str,
    pub token: String,
    pub signed_in: bool,
    pub sign_in_link: String,
    pub expired: bool,
}

/// Shows an invitation; the invitee accepts it after signing in.
pub async fn invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> PageResult<Page<InvitationPage>> {
    let inv = state.store.invitation(&secret::hash(&token)).await?;
    let expired = inv.expires_at <= time::OffsetDateTime::now_utc()
        || inv.accepted_by.is_some()
        || inv.revoked_at.is_some();
    Ok(Page(InvitationPage {
        title: format!("Invitation to {}", inv.group_name),
        chrome: viewer.chrome(&state),
        role_label: Role::parse(&inv.role).map_or("a role", |r| r.label()),
        sign_in_link: format!(
            "/auth/login?return_to={}",
            url_encode(&format!("/invitations/{token}"))
        ),
        signed_in: viewer.user.is_some(),
        invitation: inv,
        token,
        expired,
    }))
}

/// The acceptance form.
#[derive(Debug, Deserialize)]
pub struct AcceptForm {}

/// Accepts an invitation as the signed-in person.
pub async fn accept(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    PageForm(_): PageForm<AcceptForm>,
) -> PageResult<Response> {
    let inv = members::accept_invitation(&state, &viewer, &token).await?;
    Ok(see_other(&format!("/groups/{}/members", inv.group_slug)).into_response())
}

/// The publish form.
#[derive(Debug, Deserialize)]
pub struct PublishForm {}

/// Publishes a draft specification (one-way).
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    PageForm(_): PageForm<PublishForm>,
) -> PageResult<Response> {
    members::publish_spec(&state, &viewer, &spec).await?;
    Ok(see_other(&format!("/specs/{spec}")).into_response())
}

/// The delegation form.
#[derive(Debug, Deserialize)]
pub struct DelegationForm {
    pub organization: String,
    pub alternate: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
}

/// Delegates an organisation's vote to one of its alternates, from the
/// representative (or the chair, for an organisation without one).
pub async fn delegate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
    PageForm(f): PageForm<DelegationForm>,
) -> PageResult<Response> {
    delegation::give(
        &state,
        &viewer,
        &group,
        GiveRequest {
            organization: &f.organization,
            alternate: &f.alternate,
            starts: Moment::parse(&f.starts, "start")?,
            ends: Moment::parse(&f.ends, "end")?,
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/groups/{}/members#votes",
        url_encode(&group)
    )))
}

/// Revokes a delegation from now on.
pub async fn revoke_delegation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((group, id)): Path<(String, String)>,
) -> PageResult<Response> {
    let id = id
        .parse()
        .map_err(|_| Error::NotFound(format!("delegation {id} in working group {group}")))?;
    delegation::revoke(&state, &viewer, &group, id).await?;
    Ok(see_other(&format!(
        "/groups/{}/members#votes",
        url_encode(&group)
    )))
}
