//! What waits on the signed-in person, as the "my work" page shows it.

use crate::api::ballots::Ballot;
use crate::api::records::Amendment;
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use charta_app::work::{self, StewardWork};

/// Amendments, ballots and steward work waiting on the signed-in person.
#[utoipa::path(get, path = "/api/v1/my-work", tag = "account",
    responses((status = 200, description = "What waits on the signed-in person", body = MyWork), (status = 401, response = crate::api::openapi::Unauthorized), (status = 403, description = "Not allowed: the role, the token's scope, a multi-factor sign-in (`mfa_required`), or the request's origin (`forbidden`)", body = crate::error::ErrorBody), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn my_work(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<MyWork>> {
    let w = work::my_work(&state, &viewer).await?;
    let amendments =
        |v: Vec<charta_store::AmendmentRow>| v.into_iter().map(Amendment::from).collect();
    Ok(Json(MyWork {
        authored: amendments(w.authored),
        review: amendments(w.review),
        replies: amendments(w.replies),
        ballots: w.ballots.into_iter().map(Ballot::from).collect(),
        steward: w.steward,
    }))
}

/// Everything that waits on a signed-in person.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MyWork {
    /// Open amendments the person wrote.
    pub authored: Vec<Amendment>,
    /// Open amendments in the person's groups that they have not commented on.
    pub review: Vec<Amendment>,
    /// Amendments with threads the person takes part in that have new replies.
    pub replies: Vec<Amendment>,
    /// Open ballots where an organisation the person votes for has not voted.
    pub ballots: Vec<Ballot>,
    /// What waits on the person as a chair or editor.
    pub steward: StewardWork,
}
