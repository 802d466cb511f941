//! A working group's people through the API: who holds which role, and
//! for its chair the invitations still open. Read only: giving and
//! removing roles stay with the chair in the browser.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use charta_domain::access::{Action, Decision};
use serde::Serialize;

/// A role someone holds in the group.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// The role's id (the chair removes roles by it).
    pub id: i64,
    pub name: String,
    pub email: String,
    /// chair, editor, representative, alternate, reviewer or observer.
    pub role: String,
    /// The member organisation a representative or alternate speaks for.
    pub organization: Option<String>,
}

/// An invitation not yet accepted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub organization: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: time::OffsetDateTime,
}

/// The group's people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Members {
    pub members: Vec<Member>,
    /// Open invitations; listed for those who manage the group's people,
    /// empty for everyone else.
    pub invitations: Vec<Invitation>,
}

/// The people of a working group and their roles.
#[utoipa::path(get, path = "/api/v1/groups/{group}/members", tag = "groups",
    params(("group" = String, Path, description = "Working group slug")),
    responses((status = 200, description = "The group's people and, for those who manage them, open invitations", body = Members), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 404, description = "No such object the caller may read (`not_found`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> ApiResult<Json<Members>> {
    let g = state.store.group(&group).await?;
    viewer.require(Action::ReadMembers { group_id: g.id })?;
    let manages = viewer.decide(Action::ManageRoles { group_id: g.id }) == Decision::Allow;
    let invitations = if manages {
        state
            .store
            .open_invitations(g.id)
            .await?
            .into_iter()
            .map(|i| Invitation {
                id: i.id,
                email: i.email,
                role: i.role,
                organization: i.organization_name,
                expires_at: i.expires_at,
            })
            .collect()
    } else {
        Vec::new()
    };
    let members = state
        .store
        .group_members(g.id)
        .await?
        .into_iter()
        .map(|m| Member {
            id: m.id,
            name: m.user_name,
            email: m.user_email,
            role: m.role,
            organization: m.organization_name,
        })
        .collect();
    Ok(Json(Members {
        members,
        invitations,
    }))
}
