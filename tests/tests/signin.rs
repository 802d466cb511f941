//! Signing in to Charta through a real OpenID Connect provider (the
//! `oidc-provider` package on loopback), on both databases: the full
//! authorization code flow with PKCE over HTTP, every refused callback
//! (wrong state, replayed state, replayed code, another browser, a tampered
//! ID token, a provider that is down), and the step-up to a multi-factor
//! sign-in that privileged actions require.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::catalog::CatalogSet;
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text};
use charta_tests::oidc::{
    ACR_MFA, AutoLogin, ProviderOptions, Tamper, TestProvider, http_client, login_with_forms,
};
use charta_web::config::ProviderConfig;
use charta_web::{AppState, WebConfig};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Charta on a loopback port, configured for one provider.
struct Charta {
    base: String,
    store: charta_store::Store,
    _stop: oneshot::Sender<()>,
    _db: TestDb,
}

async fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    (l, base)
}

async fn charta(db: TestDb, l: TcpListener, base: &str, issuer: &str) -> Charta {
    let config = WebConfig {
        public_url: base.to_string(),
        providers: vec![ProviderConfig {
            id: "default".into(),
            name: "Test provider".into(),
            issuer: issuer.to_string(),
            client_id: charta_tests::oidc::DEFAULT_CLIENT_ID.into(),
            client_secret: charta_tests::oidc::DEFAULT_CLIENT_SECRET.into(),
        }],
        mfa_acr: vec![ACR_MFA.into()],
        ..WebConfig::default()
    };
    import_group_text(&db.store, "group: wg\nname: WG\n", "test")
        .await
        .unwrap();
    let state = AppState::new(
        db.store.clone(),
        Arc::new(CatalogSet::builtin().unwrap()),
        config,
    );
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(charta_web::serve(l, state, async {
        let _ = rx.await;
    }));
    Charta {
        base: base.to_string(),
        store: db.store.clone(),
        _stop: tx,
        _db: db,
    }
}

impl Charta {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Starts a sign-in and returns the provider's authorization URL.
    async fn start(&self, client: &reqwest::Client, query: &str) -> String {
        let r = client
            .get(self.url(&format!("/auth/login?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
        r.headers()["location"].to_str().unwrap().to_string()
    }

    /// Sends the provider's redirect back to Charta.
    async fn callback(&self, client: &reqwest::Client, url: &str) -> (u16, String, String) {
        let r = client.get(url).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap_or_default())
    }

    async fn me(&self, client: &reqwest::Client) -> serde_json::Value {
        let r = client.get(self.url("/api/v1/me")).send().await.unwrap();
        if r.status() != 200 {
            return serde_json::Value::Null;
        }
        r.json().await.unwrap()
    }

    async fn audit_actions(&self) -> Vec<String> {
        self.store
            .audit_entries(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

fn provider(base: &str, auto: Option<AutoLogin>, tamper: Option<Tamper>) -> Option<TestProvider> {
    let mut opts = ProviderOptions::forms(&format!("{base}/auth/callback"));
    opts.auto = auto;
    opts.tamper = tamper;
    TestProvider::try_start(opts)
}

both_backends! {
    full_sign_in_with_pkce_and_refused_callbacks => |db: TestDb| async move {
        let (l, base) = listener().await;
        let Some(op) = provider(&base, None, None) else { return };
        let app = charta(db, l, &base, &op.issuer).await;
        let browser = http_client();

        let authorize = app.start(&browser, "return_to=%2Faccount").await;
        assert!(authorize.starts_with(&op.issuer), "{authorize}");
        for needed in ["code_challenge_method=S256", "code_challenge=", "state=", "nonce=", "scope=openid"] {
            assert!(authorize.contains(needed), "{needed} missing from {authorize}");
        }
        let back = login_with_forms(&browser, &authorize, "alice").await;
        assert!(back.starts_with(&format!("{base}/auth/callback?")), "{back}");
        let (status, location, _) = app.callback(&browser, &back).await;
        assert_eq!((status, location.as_str()), (303, "/account"));
        let me = app.me(&browser).await;
        assert_eq!(me["user"]["subject"], "alice");
        assert_eq!(me["user"]["issuer"], op.issuer.as_str());
        assert_eq!(me["credential"], "session");
        assert!(app.audit_actions().await.contains(&"auth.sign_in".to_string()));

        // The same callback again: the state was used up.
        let other = http_client();
        let (status, _, body) = app.callback(&browser, &back).await;
        assert_eq!(status, 400);
        assert!(body.contains("already used"), "{body}");

        // A forged state.
        let forged = back.replace("state=", "state=x");
        let (status, _, body) = app.callback(&browser, &forged).await;
        assert_eq!(status, 400, "{body}");

        // A callback delivered to another browser than the one that started.
        let authorize = app.start(&browser, "").await;
        let back2 = login_with_forms(&browser, &authorize, "alice").await;
        let (status, _, body) = app.callback(&other, &back2).await;
        assert_eq!(status, 400);
        assert!(body.contains("another browser"), "{body}");
        assert!(app.me(&other).await.is_null(), "no session for the other browser");

        // A code that was already redeemed, with a fresh state.
        let code_of = |u: &str| u.split("code=").nth(1).unwrap().split('&').next().unwrap().to_string();
        let authorize = app.start(&browser, "").await;
        let back3 = login_with_forms(&browser, &authorize, "alice").await;
        let replayed = back3.replace(&code_of(&back3), &code_of(&back));
        let (status, _, body) = app.callback(&browser, &replayed).await;
        assert_eq!(status, 400);
        assert!(body.contains("refused the sign-in code"), "{body}");

        // Without a page asked for, a sign-in lands on "my work".
        let authorize = app.start(&browser, "").await;
        let back4 = login_with_forms(&browser, &authorize, "alice").await;
        let (status, location, _) = app.callback(&browser, &back4).await;
        assert_eq!((status, location.as_str()), (303, "/my-work"));

        // The provider says no.
        let (status, _, body) = app.callback(&browser, &format!("{base}/auth/callback?error=access_denied&state=x")).await;
        assert_eq!(status, 400);
        assert!(body.contains("declined"), "{body}");
        // Anyone can cause these: they are logged, never written to the
        // permanent audit log, which holds what known people did.
        assert!(!app.audit_actions().await.iter().any(|a| a.contains("failed")), "{:?}", app.audit_actions().await);
        assert!(app.store.verify_audit().await.unwrap().unwrap() > 0);
    };

    tampered_id_tokens_are_refused => |db: TestDb| async move {
        let (l, base) = listener().await;
        // One Charta, one provider per tampering; each provider has its own
        // issuer, so Charta is pointed at each in turn through a fresh app.
        drop(l);
        let mut dbs = vec![db];
        for _ in 1..Tamper::ALL.len() {
            dbs.push(TestDb::new(dbs[0].backend()).await.unwrap());
        }
        for (tamper, db) in Tamper::ALL.into_iter().zip(dbs) {
            let (l, base) = listener().await;
            let Some(op) = provider(&base, Some(AutoLogin::password("mallory")), Some(tamper)) else { return };
            let app = charta(db, l, &base, &op.issuer).await;
            let browser = http_client();
            let authorize = app.start(&browser, "").await;
            let back = charta_tests::oidc::authorize(&browser, &authorize).await;
            let (status, _, body) = app.callback(&browser, &back).await;
            assert_eq!(status, 400, "{tamper:?}: {body}");
            assert!(body.contains("failed verification"), "{tamper:?}: {body}");
            assert!(app.me(&browser).await.is_null(), "{tamper:?} gave a session");
            let entries = app.store.audit_entries(0, 100).await.unwrap();
            assert!(!entries.iter().any(|e| e.action.starts_with("auth.")), "{tamper:?} reached the audit log");
        }
        let _ = base;
    };

    provider_down_is_a_clear_503 => |db: TestDb| async move {
        let (l, base) = listener().await;
        // Nothing listens on this address.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://{}", dead.local_addr().unwrap());
        drop(dead);
        let app = charta(db, l, &base, &issuer).await;
        let r = http_client().get(app.url("/auth/login")).send().await.unwrap();
        assert_eq!(r.status(), 503);
        let body = r.text().await.unwrap();
        assert!(body.contains("cannot be reached right now"), "{body}");
        assert!(!body.contains(&issuer), "no internal detail on the page");
    };

    privileged_actions_step_up_to_multi_factor => |db: TestDb| async move {
        let (l, base) = listener().await;
        let Some(op) = provider(&base, None, None) else { return };
        let app = charta(db, l, &base, &op.issuer).await;
        let wg = app.store.group("wg").await.unwrap();

        // Carol signs in with a password only and chairs the group.
        let browser = http_client();
        let authorize = app.start(&browser, "").await;
        let back = login_with_forms(&browser, &authorize, "carol").await;
        assert_eq!(app.callback(&browser, &back).await.0, 303);
        let carol = app.me(&browser).await["user"]["id"].as_i64().unwrap();
        app.store.add_membership(wg.id, carol, "chair", None).await.unwrap();

        let invite = |client: &reqwest::Client, csrf: String| {
            client
                .post(app.url("/groups/wg/invitations"))
                .header("origin", base.clone())
                .form(&[("_csrf", csrf.as_str()), ("email", "x@example.org"), ("role", "reviewer")])
                .send()
        };
        let csrf_of = |client: &reqwest::Client| {
            let client = client.clone();
            let url = app.url("/account");
            async move {
                let page = client.get(url).send().await.unwrap().text().await.unwrap();
                page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
            }
        };
        let r = invite(&browser, csrf_of(&browser).await).await.unwrap();
        assert_eq!(r.status(), 303);
        let step_up = r.headers()["location"].to_str().unwrap().to_string();
        assert!(step_up.starts_with("/auth/login?step_up=1&return_to=%2Fgroups%2Fwg%2Finvitations"), "{step_up}");

        // Stepping up sends Carol back to the provider for a fresh
        // multi-factor sign-in; a password alone is refused.
        let authorize = app.start(&browser, step_up.trim_start_matches("/auth/login?")).await;
        assert!(authorize.contains("prompt=login") && authorize.contains("acr_values=urn%3Acharta%3Amfa") && authorize.contains("max_age=0"), "{authorize}");
        let back = login_with_forms(&browser, &authorize, "carol").await;
        let (status, _, body) = app.callback(&browser, &back).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("did not confirm"), "{body}");

        // Dana signs in with a second factor and may act at once.
        let dana_browser = http_client();
        let authorize = app.start(&dana_browser, "").await;
        let back = login_with_forms(&dana_browser, &authorize, "dana+mfa").await;
        assert_eq!(app.callback(&dana_browser, &back).await.0, 303);
        let dana = app.me(&dana_browser).await["user"]["id"].as_i64().unwrap();
        app.store.add_membership(wg.id, dana, "chair", None).await.unwrap();
        let r = invite(&dana_browser, csrf_of(&dana_browser).await).await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    };
}
