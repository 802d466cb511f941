//! The newest signed checkpoint of the audit log (made by
//! `charta_app::checkpoint`), served at `/.well-known/charta/audit-checkpoint` so that
//! anyone can keep a copy outside the database (see
//! `charta_release::checkpoint` for the format and why).

use crate::error::{Error, PageResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The newest signed audit checkpoint.
pub async fn latest(State(state): State<AppState>) -> PageResult<Response> {
    let Some(c) = state.store.latest_checkpoint().await? else {
        return Err(Error::NotFound(
            "audit checkpoint (none has been made yet; one is made daily and after each release)"
                .into(),
        )
        .into());
    };
    let mut resp = Response::new(axum::body::Body::from(c.document));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(resp)
}
