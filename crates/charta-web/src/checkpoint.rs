//! Signed checkpoints of the audit log, made at least daily and after each
//! release, and served at `/.well-known/charta/audit-checkpoint` so that
//! anyone can keep a copy outside the database (see
//! `charta_release::checkpoint` for the format and why).

use crate::error::{Error, PageResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use charta_store::CheckpointRow;
use std::time::Duration;

/// How old the newest checkpoint may grow while the log moves on.
const MAX_AGE: time::Duration = time::Duration::hours(24);

/// Signs and stores a checkpoint of the log's current head, unless the
/// newest checkpoint already pins it. Returns the newest checkpoint; `None`
/// when the log is empty or this instance has no signing key.
pub async fn make(state: &AppState) -> Result<Option<CheckpointRow>, Error> {
    let head = state.store.audit_head().await?;
    let latest = state.store.latest_checkpoint().await?;
    if head.seq == 0 || latest.as_ref().is_some_and(|c| c.seq >= head.seq) {
        return Ok(latest);
    }
    let Some(key) = state.release_key.as_ref() else {
        return Ok(latest);
    };
    let now = charta_store::now();
    let at = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::Internal(format!("cannot format a time: {e}")))?;
    let doc = charta_release::checkpoint::sign_checkpoint(
        key,
        &state.config.public_url,
        head.seq,
        &head.hash,
        &at,
    )
    .map_err(|e| Error::Internal(format!("cannot sign an audit checkpoint: {e}")))?;
    let doc = String::from_utf8(doc)
        .map_err(|e| Error::Internal(format!("checkpoint is not text: {e}")))?;
    state
        .store
        .record_checkpoint(head.seq, &head.hash, now, &doc)
        .await?;
    tracing::info!(audit.seq = head.seq, "audit checkpoint signed");
    Ok(state.store.latest_checkpoint().await?)
}

/// Makes a checkpoint whenever the newest is older than a day and the log
/// has moved, looking every `every`. Safe with several instances: a second
/// checkpoint of the same entry is not stored.
pub async fn checkpoint_forever(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = match state.store.latest_checkpoint().await {
            Ok(Some(c)) => charta_store::now() - c.made_at >= MAX_AGE,
            Ok(None) => true,
            Err(e) => {
                state.metrics.job_ran("audit_checkpoint", false);
                tracing::warn!("reading the newest audit checkpoint failed; will retry: {e}");
                continue;
            }
        };
        let made = if due {
            make(&state).await.map(|_| ())
        } else {
            Ok(())
        };
        state.metrics.job_ran("audit_checkpoint", made.is_ok());
        if let Err(e) = made {
            tracing::warn!("making an audit checkpoint failed; will retry: {e}");
        }
    }
}

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
