//! How recent a sign-in must be, through the real router on both
//! databases: a multi-factor sign-in counts for privileged actions only
//! while the provider's authentication (`auth_time`) is recent, and creating
//! an API token needs a recent sign-in of any kind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::http::{Method, StatusCode};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use charta_web::auth::secret;

mod support;
use support::*;

/// Makes `person`'s provider authentication `minutes` old.
async fn authenticated_ago(f: &Fixture, person: &str, minutes: i64) {
    let hash = secret::hash(&f.sessions[person]);
    let at = time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes);
    f.store.set_session_auth_time(&hash, at).await.unwrap();
}

both_backends! {
    a_stale_multi_factor_sign_in_steps_up_again => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let invite = "email=new%40example.org&role=reviewer";
        // Within the window (15 minutes by default), the chair acts.
        authenticated_ago(&f, "chair", 5).await;
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", invite).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // An hour after the provider authenticated them, the same session
        // is sent back to the provider for a fresh multi-factor sign-in.
        authenticated_ago(&f, "chair", 60).await;
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", invite).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with("/auth/login?step_up=1&return_to="), "{}", r.location);
        // The session itself still works for ordinary reading.
        assert_eq!(f.request("chair", Method::GET, "/groups/wg/members", "").await.status, StatusCode::OK);
    };

    creating_a_token_needs_a_recent_sign_in => |db: TestDb| async move {
        let f = fixture(db, false).await;
        authenticated_ago(&f, "rep", 60).await;
        let body = r#"{"name":"deploy-bot","scopes":["read"],"days":30}"#;
        let r = f.request("rep", Method::POST, "/api/v1/tokens", body).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert!(r.body.contains("reauthentication_required"), "{}", r.body);
        let r = f.request("rep", Method::POST, "/account/tokens", "name=deploy-bot&scopes=read&days=30").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with("/auth/login?reauth=1&return_to="), "{}", r.location);
        let list = f.request("rep", Method::GET, "/api/v1/tokens", "").await;
        assert!(!list.body.contains("deploy-bot"), "no token was made: {}", list.body);
        // Signed in a minute ago: the token is made.
        authenticated_ago(&f, "rep", 1).await;
        let r = f.request("rep", Method::POST, "/api/v1/tokens", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    };
}
