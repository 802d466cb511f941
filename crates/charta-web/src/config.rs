//! Settings of the HTTP layer. The binary fills them from flags and
//! `CHARTA_*` environment variables (see `.env.sample`).

use std::time::Duration;

/// What the web layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// Running as `charta demo` (shown in the page header).
    pub demo: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: charta_domain::format::MAX_SPEC_BYTES,
            request_timeout: Duration::from_secs(30),
            demo: false,
        }
    }
}
