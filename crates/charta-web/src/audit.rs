//! Recording what people do in the hash-chained audit log.

use crate::error::Error;
use crate::state::AppState;
use charta_store::AuditEvent;

/// Appends one entry to the audit log.
pub async fn record(
    state: &AppState,
    actor: &str,
    action: &str,
    object: &str,
    details: serde_json::Value,
) -> Result<i64, Error> {
    Ok(state
        .store
        .record(&AuditEvent {
            actor,
            action,
            object,
            details,
        })
        .await?)
}
