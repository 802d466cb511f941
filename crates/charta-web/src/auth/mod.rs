//! Authentication: who is making a request, and keeping their session safe.
//!
//! * [`viewer`]: the [`Viewer`] extractor every handler takes, built from a
//!   session cookie or an `Authorization: Bearer` API token, and the bridge
//!   to the authorization policy in `charta_domain::access`.
//! * [`oidc`]: sign-in with OpenID Connect (PKCE, state, nonce, step-up).
//! * [`session`]: server-side sessions and their cookie.
//! * [`csrf`]: the CSRF and `Origin` checks every state-changing request passes.
//! * [`tokens`]: personal API tokens and the failure rate limit.
//! * [`demo`]: one-click sign-in as a seeded person, in `charta demo` only.

pub mod csrf;
pub mod demo;
pub mod noise;
pub mod oidc;
pub use charta_app::secret;
pub mod session;
pub mod tokens;
pub mod viewer;

pub use viewer::Viewer;
