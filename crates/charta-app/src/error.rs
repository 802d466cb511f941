//! The one error type of Charta's use cases, in terms a client can act
//! on. The web layer maps each kind to an HTTP status in one place; the
//! command line prints the message.

use charta_domain::FormatError;
use charta_store::StoreError;

/// Why a request failed, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// The submitted file breaks the format or a rule; each problem has a line.
    #[error("{0}")]
    Invalid(FormatError),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A credential was presented but is not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in (or not), but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The action needs a signed-in person; pages redirect to sign-in and
    /// come back to `return_to`.
    #[error("sign in to continue")]
    SignIn { return_to: String },
    /// The action needs a multi-factor sign-in; pages send the person back
    /// to their provider and then to `return_to`.
    #[error("this action needs a multi-factor sign-in; sign in again with a second factor")]
    StepUp { return_to: String },
    /// The action needs a recent sign-in; pages send the person back to
    /// their provider and then to `return_to`.
    #[error("this action needs a recent sign-in; sign in again to continue")]
    Reauthenticate { return_to: String },
    #[error("{0}")]
    TooManyRequests(String),
    /// Something Charta depends on (such as a sign-in provider) is down.
    #[error("{0}")]
    Unavailable(String),
    /// Something on our side failed; the detail is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    /// A stable, machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::BadRequest(_) => "bad_request",
            Error::Invalid(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::Unauthorized(_) => "unauthorized",
            Error::SignIn { .. } => "sign_in_required",
            Error::Reauthenticate { .. } => "reauthentication_required",
            Error::Forbidden(_) => "forbidden",
            Error::StepUp { .. } => "mfa_required",
            Error::TooManyRequests(_) => "too_many_requests",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    /// The message shown to the user.
    pub fn message(&self) -> String {
        match self {
            Error::Internal(_) => {
                "Something went wrong on our side. The problem has been logged; please try again later.".into()
            }
            Error::Invalid(_) => "The file is not a valid specification; see the problems listed.".into(),
            other => {
                let mut m = other.to_string();
                if let Some(first) = m.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                m
            }
        }
    }

    /// Logs what the client is not shown; call once, where the error is
    /// answered.
    pub fn log(&self) {
        if let Error::Internal(detail) = self {
            tracing::error!(error.detail = %detail, "internal error: {detail}");
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Conflict(m) => Error::Conflict(m),
            StoreError::Forbidden(m) => Error::Forbidden(m),
            StoreError::Invalid(f) => Error::Invalid(f),
            StoreError::Cursor(m) => Error::BadRequest(format!(
                "after is not a cursor this list handed out ({m}); use the address in the previous page's Link header, or leave after out to start from the first page"
            )),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Invalid(e)
    }
}
