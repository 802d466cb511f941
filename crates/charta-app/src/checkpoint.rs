//! Signed checkpoints of the audit log, made at least daily and after each
//! release, and served at `/.well-known/charta/audit-checkpoint` so that
//! anyone can keep a copy outside the database (see
//! `charta_release::checkpoint` for the format and why).

use crate::app::App;
use crate::error::Error;
use charta_store::CheckpointRow;

/// How old the newest checkpoint may grow while the log moves on.
pub const MAX_AGE: time::Duration = time::Duration::hours(24);

/// Signs and stores a checkpoint of the log's current head, unless the
/// newest checkpoint already pins it. Returns the newest checkpoint; `None`
/// when the log is empty or this instance has no signing key.
pub async fn make(state: &App) -> Result<Option<CheckpointRow>, Error> {
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
        &state.settings.public_url,
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
