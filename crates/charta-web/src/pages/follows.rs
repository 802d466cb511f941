//! Following a specification or a catalog item from its page, and
//! stopping from there or from the account page.

use super::form::{PageForm, field};
use crate::auth::Viewer;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use charta_app::notify::follows;
use charta_domain::notify::FollowKind;

/// The follow button of a page: what it follows and, when the viewer
/// follows it already, the follow to remove.
#[derive(Debug, Clone)]
pub struct FollowButton {
    pub signed_in: bool,
    pub kind: &'static str,
    pub subject: String,
    pub following: Option<i64>,
}

impl FollowButton {
    /// The button for `subject`, as the viewer sees it.
    pub async fn of(
        state: &AppState,
        viewer: &Viewer,
        kind: FollowKind,
        subject: &str,
    ) -> Result<FollowButton, Error> {
        Ok(FollowButton {
            signed_in: viewer.user.is_some(),
            kind: kind.as_str(),
            subject: subject.to_string(),
            following: follows::find(state, viewer, kind, subject)
                .await?
                .map(|f| f.id),
        })
    }
}

/// Where to go after following or unfollowing: back to the page the button
/// was on, or to the account page.
fn back(f: &[(String, String)], path: &str) -> String {
    if field(f, "back") == "page" {
        path.to_string()
    } else {
        "/account#follows".into()
    }
}

/// Starts following (fields `kind` and `subject`).
pub async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let kind: FollowKind = field(&f, "kind").parse().map_err(Error::BadRequest)?;
    let done = follows::follow(&state, &viewer, kind, field(&f, "subject")).await?;
    Ok(see_other(&back(&f, &done.path)).into_response())
}

/// Stops following.
pub async fn unfollow(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("follow {id}")))?;
    let gone = follows::unfollow(&state, &viewer, id).await?;
    Ok(see_other(&back(&f, &gone.path)).into_response())
}
