//! The storage error type. Callers never see sqlx types: every failure is one
//! of a few kinds that the web layer maps to an HTTP status.

use charta_domain::FormatError;

/// Result of a storage operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named thing does not exist, e.g. "specification foo".
    #[error("{0} not found")]
    NotFound(String),
    /// The change lost a race or contradicts stored state; nothing was written.
    #[error("{0}")]
    Conflict(String),
    /// The person may not do this now, for a reason the message explains
    /// (such as someone else holding the organisation's vote).
    #[error("{0}")]
    Forbidden(String),
    /// The input breaks a domain rule; nothing was written.
    #[error("{0}")]
    Invalid(#[from] FormatError),
    /// A page cursor that this list did not hand out.
    #[error("{0}")]
    Cursor(String),
    /// The configuration (e.g. the database URL) is unusable.
    #[error("{0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("record".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict("a record with the same identifier was written at the same time; reload and try again".into())
            }
            _ => StoreError::Database(e),
        }
    }
}
