//! Signing in through the real OpenID provider in headless Chromium: the
//! "Sign in" link, the provider's login and consent pages, the way back to
//! Charta with a session, and signing out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_store::both_backends;
use charta_store::testing::TestDb;
use charta_tests::Browser;
use charta_tests::oidc::{
    ACR_MFA, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, ProviderOptions, TestProvider,
};
use charta_web::config::ProviderConfig;
use charta_web::{AppState, WebConfig};
use fantoccini::Locator;
use std::sync::Arc;

use charta_tests::pages::PAGE;

both_backends! {
    a_person_signs_in_and_out_through_the_provider => |db: TestDb| async move {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let Some(op) = TestProvider::try_start(ProviderOptions::forms(&format!("{base}/auth/callback"))) else { return };
    let config = WebConfig {
        public_url: base.clone(),
        providers: vec![ProviderConfig {
            id: "default".into(),
            name: "Test provider".into(),
            issuer: op.issuer.clone(),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
        }],
        mfa_acr: vec![ACR_MFA.into()],
        ..WebConfig::default()
    };
    let state = AppState::new(db.store.clone(), Arc::new(CatalogSet::builtin().unwrap()), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(charta_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let Some(c) = Browser::launch().await else { return };

    c.goto(&format!("{base}/")).await.unwrap();
    c.find(Locator::LinkText("Sign in")).await.unwrap().click().await.unwrap();
    // The provider's own login page.
    let login = c.wait().at_most(PAGE).for_element(Locator::Css("input[name=login]")).await.unwrap();
    assert!(c.current_url().await.unwrap().as_str().starts_with(&op.issuer), "sent to the provider");
    login.send_keys("grace").await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("any password").await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let consent = c.wait().at_most(PAGE).for_element(Locator::XPath("//button[normalize-space()='Continue']")).await.unwrap();
    consent.click().await.unwrap();

    // Back on Charta, signed in.
    let who = c.wait().at_most(PAGE).for_element(Locator::Css("header.site a.who")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().as_str(), format!("{base}/my-work"));
    assert!(!who.text().await.unwrap().is_empty());
    c.goto(&format!("{base}/account")).await.unwrap();
    let account = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(account.contains("as grace"), "{account}");
    let users = db.store.users_by_email("grace@example.test").await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].issuer, op.issuer);

    // Signing out ends the session.
    c.find(Locator::XPath("//form[@class='signout']//button")).await.unwrap().click().await.unwrap();
    c.wait().at_most(PAGE).for_element(Locator::LinkText("Sign in")).await.unwrap();
    c.goto(&format!("{base}/api/v1/me")).await.unwrap();
    let body = c.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("unauthorized"), "signed out: {body}");
    let _ = stop.send(());
    };
}
