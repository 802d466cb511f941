//! The test OpenID provider itself (`tests/oidc`, started through
//! `charta_tests::oidc`): discovery, a full authorization code + PKCE flow by
//! a hand-written client in both sign-in modes, and every tamper mode. Charta
//! as a relying party is tested elsewhere; this proves the harness those
//! tests stand on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use charta_tests::oidc::{
    ACR_MFA, ACR_PWD, AutoLogin, ProviderOptions, Tamper, TestProvider, authorize, http_client,
    login_with_forms,
};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Never contacted: the flows stop at the redirect to it.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";

fn random() -> String {
    let mut bytes = [0_u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .unwrap_or_else(|_| panic!("no randomness"));
    B64.encode(bytes)
}

/// One authorization request: what the client keeps, and the URL.
struct Request {
    url: String,
    state: String,
    nonce: String,
    verifier: String,
}

fn request(provider: &TestProvider, redirect_uri: &str, pkce: bool) -> Request {
    let (state, nonce, verifier) = (random(), random(), random());
    let mut url = Url::parse(&provider.url("/auth")).unwrap_or_else(|e| panic!("{e}"));
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &provider.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &state)
            .append_pair("nonce", &nonce);
        if pkce {
            query
                .append_pair(
                    "code_challenge",
                    &B64.encode(Sha256::digest(verifier.as_bytes())),
                )
                .append_pair("code_challenge_method", "S256");
        }
    }
    Request {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

/// The query parameters of the redirect to the relying party.
fn callback(location: &str, redirect_uri: &str) -> Vec<(String, String)> {
    assert!(
        location.starts_with(&format!("{redirect_uri}?")),
        "redirected to {location}, not to {redirect_uri}"
    );
    let url = Url::parse(location).unwrap_or_else(|e| panic!("{location}: {e}"));
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The code from a successful redirect, after checking `state` and `iss`.
fn code_from(provider: &TestProvider, req: &Request, location: &str) -> String {
    let params = callback(location, REDIRECT_URI);
    assert_eq!(
        param(&params, "state"),
        Some(req.state.as_str()),
        "{location}"
    );
    assert_eq!(
        param(&params, "iss"),
        Some(provider.issuer.as_str()),
        "{location}"
    );
    param(&params, "code")
        .unwrap_or_else(|| panic!("no code in {location}"))
        .to_owned()
}

async fn token_request(
    provider: &TestProvider,
    code: &str,
    verifier: &str,
    secret: &str,
) -> reqwest::Response {
    http_client()
        .post(provider.url("/token"))
        .basic_auth(&provider.client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /token: {e}"))
}

/// Exchanges the code and returns the ID token.
async fn id_token(provider: &TestProvider, req: &Request, location: &str) -> String {
    let code = code_from(provider, req, location);
    let response = token_request(provider, &code, &req.verifier, &provider.client_secret).await;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("token response: {e}"));
    assert_eq!(status, StatusCode::OK, "{body}\n{}", provider.log());
    assert_eq!(body["token_type"], "Bearer", "{body}");
    body["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token in {body}"))
        .to_owned()
}

/// A whole sign-in: through the pages as `login`, or automatic with `None`.
async fn sign_in(provider: &TestProvider, login: Option<&str>) -> (Request, String) {
    let req = request(provider, REDIRECT_URI, true);
    let client = http_client();
    let location = match login {
        Some(login) => login_with_forms(&client, &req.url, login).await,
        None => authorize(&client, &req.url).await,
    };
    let token = id_token(provider, &req, &location).await;
    (req, token)
}

fn decode_part(part: &str) -> Value {
    let bytes = B64
        .decode(part)
        .unwrap_or_else(|e| panic!("base64 {part}: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("JSON {part}: {e}"))
}

/// The header and the claims of a JWT, unverified.
fn decode(jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWS: {jwt}");
    (decode_part(parts[0]), decode_part(parts[1]))
}

/// Whether the JWT's RS256 signature verifies with the provider's published
/// key.
async fn signature_valid(provider: &TestProvider, jwt: &str) -> bool {
    let (header, _) = decode(jwt);
    assert_eq!(header["alg"], "RS256", "{header}");
    let jwks: Value = http_client()
        .get(provider.url("/jwks"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET /jwks: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("JWKS: {e}"));
    let key = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("no key {} in {jwks}", header["kid"]));
    let component = |name: &str| {
        B64.decode(key[name].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("key {name}: {e}"))
    };
    let (n, e) = (component("n"), component("e"));
    let (signed, signature) = jwt.rsplit_once('.').unwrap_or_else(|| panic!("{jwt}"));
    let signature = B64
        .decode(signature)
        .unwrap_or_else(|e| panic!("signature: {e}"));
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &signature,
        )
        .is_ok()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Checks everything an honest ID token for `sub` carries.
fn assert_honest(provider: &TestProvider, req: &Request, claims: &Value) {
    assert_eq!(claims["iss"], provider.issuer.as_str(), "{claims}");
    assert_eq!(claims["aud"], provider.client_id.as_str(), "{claims}");
    assert_eq!(claims["nonce"], req.nonce.as_str(), "{claims}");
    let exp = claims["exp"].as_i64().unwrap_or_default();
    assert!(exp > now(), "expired: {claims}");
    assert!(claims["auth_time"].as_i64().is_some(), "{claims}");
}

#[tokio::test]
async fn discovery_in_both_modes() {
    for opts in [
        ProviderOptions::forms(REDIRECT_URI),
        ProviderOptions::auto(REDIRECT_URI, AutoLogin::default()),
    ] {
        let Some(provider) = TestProvider::try_start(opts) else {
            return;
        };
        assert!(
            provider.issuer.starts_with("http://127.0.0.1:"),
            "{}",
            provider.issuer
        );
        let doc: Value = http_client()
            .get(provider.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("discovery: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("discovery JSON: {e}"));
        assert_eq!(doc["issuer"], provider.issuer.as_str(), "{doc}");
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"]),
            "{doc}"
        );
        assert_eq!(
            doc["authorization_endpoint"],
            provider.url("/auth").as_str(),
            "{doc}"
        );
        assert_eq!(
            doc["token_endpoint"],
            provider.url("/token").as_str(),
            "{doc}"
        );
        let has = |field: &str, value: &str| {
            doc[field]
                .as_array()
                .is_some_and(|values| values.iter().any(|v| v == value))
        };
        for claim in ["amr", "acr", "auth_time", "email", "email_verified", "name"] {
            assert!(has("claims_supported", claim), "no {claim} in {doc}");
        }
        for acr in [ACR_PWD, ACR_MFA] {
            assert!(has("acr_values_supported", acr), "no {acr} in {doc}");
        }
        assert!(
            has(
                "token_endpoint_auth_methods_supported",
                "client_secret_basic"
            ),
            "{doc}"
        );
        assert!(
            has("id_token_signing_alg_values_supported", "RS256"),
            "{doc}"
        );
    }
}

#[tokio::test]
async fn automatic_sign_in() {
    let opts = ProviderOptions::auto(REDIRECT_URI, AutoLogin::mfa("dora"));
    let Some(provider) = TestProvider::try_start(opts) else {
        return;
    };
    let (req, token) = sign_in(&provider, None).await;
    let (header, claims) = decode(&token);
    assert_eq!(header["kid"], "charta-test-rs256", "{header}");
    assert!(signature_valid(&provider, &token).await);
    assert_honest(&provider, &req, &claims);
    assert_eq!(claims["sub"], "dora", "{claims}");
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "mfa"]), "{claims}");
    assert_eq!(claims["acr"], ACR_MFA, "{claims}");
    assert_eq!(claims["email"], "dora@example.test", "{claims}");
    assert_eq!(claims["email_verified"], true, "{claims}");
    assert_eq!(claims["name"], "dora", "{claims}");
}

#[tokio::test]
async fn automatic_sign_in_without_amr_or_acr() {
    let login = AutoLogin {
        sub: "erin".to_owned(),
        amr: Vec::new(),
        acr: None,
    };
    let Some(provider) = TestProvider::try_start(ProviderOptions::auto(REDIRECT_URI, login)) else {
        return;
    };
    let (req, token) = sign_in(&provider, None).await;
    let (_, claims) = decode(&token);
    assert_honest(&provider, &req, &claims);
    assert_eq!(claims["sub"], "erin", "{claims}");
    assert!(claims.get("amr").is_none(), "{claims}");
    assert!(claims.get("acr").is_none(), "{claims}");
}

#[tokio::test]
async fn sign_in_through_the_pages() {
    let Some(provider) = TestProvider::try_start(ProviderOptions::forms(REDIRECT_URI)) else {
        return;
    };

    let (req, token) = sign_in(&provider, Some("bob+mfa")).await;
    let (_, claims) = decode(&token);
    assert!(signature_valid(&provider, &token).await);
    assert_honest(&provider, &req, &claims);
    assert_eq!(claims["sub"], "bob+mfa", "{claims}");
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "mfa"]), "{claims}");
    assert_eq!(claims["acr"], ACR_MFA, "{claims}");
    assert_eq!(claims["email"], "bob@example.test", "{claims}");

    let (req, token) = sign_in(&provider, Some("carol")).await;
    let (_, claims) = decode(&token);
    assert_honest(&provider, &req, &claims);
    assert_eq!(claims["sub"], "carol", "{claims}");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]), "{claims}");
    assert_eq!(claims["acr"], ACR_PWD, "{claims}");
    assert_eq!(claims["email"], "carol@example.test", "{claims}");
}

#[tokio::test]
async fn the_pages_are_plain_forms() {
    let Some(provider) = TestProvider::try_start(ProviderOptions::forms(REDIRECT_URI)) else {
        return;
    };
    let client = http_client();
    let req = request(&provider, REDIRECT_URI, true);
    // GETs `url` and returns the status and, for a redirect, where to.
    let get = |url: String| {
        let client = client.clone();
        async move {
            let response = client
                .get(&url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(|l| {
                    Url::parse(&url)
                        .and_then(|u| u.join(l))
                        .unwrap_or_else(|e| panic!("{l}: {e}"))
                });
            (response.status(), location.map(String::from), response)
        }
    };

    let (status, interaction, _) = get(req.url.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let interaction = interaction.unwrap_or_else(|| panic!("no redirect to the login page"));
    let (status, _, response) = get(interaction.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let page = response.text().await.unwrap_or_default();
    assert!(page.contains(r#"<input name="login""#), "{page}");
    assert!(page.contains(r#"name="password""#), "{page}");
    assert!(
        page.contains(r#"<button type="submit">Sign in</button>"#),
        "{page}"
    );
    assert!(
        !page.contains("http"),
        "the page loads nothing from elsewhere:\n{page}"
    );

    // Cancelling ends the flow at the relying party with access_denied.
    let (status, resume, _) = get(format!("{interaction}/abort")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let resume = resume.unwrap_or_else(|| panic!("no redirect after cancelling"));
    let (_, back, _) = get(resume).await;
    let back = back.unwrap_or_else(|| panic!("no redirect to the relying party"));
    let params = callback(&back, REDIRECT_URI);
    assert_eq!(param(&params, "error"), Some("access_denied"), "{back}");
}

#[tokio::test]
async fn pkce_and_client_authentication_are_enforced() {
    let opts = ProviderOptions::auto(REDIRECT_URI, AutoLogin::default());
    let Some(provider) = TestProvider::try_start(opts) else {
        return;
    };
    let client = http_client();

    // No code challenge: refused at the authorization endpoint.
    let req = request(&provider, REDIRECT_URI, false);
    let location = authorize(&client, &req.url).await;
    let params = callback(&location, REDIRECT_URI);
    assert_eq!(
        param(&params, "error"),
        Some("invalid_request"),
        "{location}"
    );

    // A redirect URI that is not registered: refused with no redirect.
    let req = request(&provider, "http://127.0.0.1:10/auth/callback", true);
    let response = client
        .get(&req.url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // A wrong code verifier or secret: refused at the token endpoint.
    let req = request(&provider, REDIRECT_URI, true);
    let code = code_from(&provider, &req, &authorize(&client, &req.url).await);
    let wrong_verifier = token_request(&provider, &code, &random(), &provider.client_secret).await;
    assert_eq!(wrong_verifier.status(), StatusCode::BAD_REQUEST);
    let body: Value = wrong_verifier.json().await.unwrap_or_default();
    assert_eq!(body["error"], "invalid_grant", "{body}");

    let req = request(&provider, REDIRECT_URI, true);
    let code = code_from(&provider, &req, &authorize(&client, &req.url).await);
    let wrong_secret = token_request(&provider, &code, &req.verifier, "not-the-secret").await;
    assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong_secret.json().await.unwrap_or_default();
    assert_eq!(body["error"], "invalid_client", "{body}");
}

#[tokio::test]
async fn any_loopback_port_when_asked() {
    let registered = "http://127.0.0.1:1/auth/callback";
    let elsewhere = "http://127.0.0.1:4321/auth/callback";
    for (any_port, allowed) in [(false, false), (true, true)] {
        let opts = ProviderOptions {
            any_loopback_port: any_port,
            ..ProviderOptions::auto(registered, AutoLogin::default())
        };
        let Some(provider) = TestProvider::try_start(opts) else {
            return;
        };
        let client = http_client();
        let req = request(&provider, elsewhere, true);
        if allowed {
            let location = authorize(&client, &req.url).await;
            assert!(
                param(&callback(&location, elsewhere), "code").is_some(),
                "{location}"
            );
        } else {
            let response = client
                .get(&req.url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        }
    }
}

/// Signs in against a provider in `tamper` mode and returns the request,
/// the ID token and its claims.
async fn tampered(tamper: Tamper) -> Option<(TestProvider, Request, String, Value)> {
    let opts = ProviderOptions {
        tamper: Some(tamper),
        ..ProviderOptions::auto(REDIRECT_URI, AutoLogin::mfa("mallory"))
    };
    let provider = TestProvider::try_start(opts)?;
    let (req, token) = sign_in(&provider, None).await;
    let (_, claims) = decode(&token);
    assert_eq!(claims["sub"], "mallory", "{claims}");
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "mfa"]), "{claims}");
    Some((provider, req, token, claims))
}

#[tokio::test]
async fn tamper_aud() {
    let Some((provider, req, token, claims)) = tampered(Tamper::Aud).await else {
        return;
    };
    assert_eq!(claims["aud"], "someone-else", "{claims}");
    assert_eq!(claims["iss"], provider.issuer.as_str(), "{claims}");
    assert_eq!(claims["nonce"], req.nonce.as_str(), "{claims}");
    assert!(
        signature_valid(&provider, &token).await,
        "re-signed with the real key"
    );
}

#[tokio::test]
async fn tamper_nonce() {
    let Some((provider, req, token, claims)) = tampered(Tamper::Nonce).await else {
        return;
    };
    assert!(claims["nonce"].is_string(), "{claims}");
    assert_ne!(claims["nonce"], req.nonce.as_str(), "{claims}");
    assert_eq!(claims["aud"], provider.client_id.as_str(), "{claims}");
    assert!(
        signature_valid(&provider, &token).await,
        "re-signed with the real key"
    );
}

#[tokio::test]
async fn tamper_exp() {
    let Some((provider, req, token, claims)) = tampered(Tamper::Exp).await else {
        return;
    };
    let exp = claims["exp"].as_i64().unwrap_or(i64::MAX);
    assert!(exp < now() - 60, "not expired: {claims}");
    assert!(claims["iat"].as_i64().unwrap_or(i64::MAX) < exp, "{claims}");
    assert_eq!(claims["nonce"], req.nonce.as_str(), "{claims}");
    assert!(
        signature_valid(&provider, &token).await,
        "re-signed with the real key"
    );
}

#[tokio::test]
async fn tamper_iss() {
    let Some((provider, req, token, claims)) = tampered(Tamper::Iss).await else {
        return;
    };
    assert!(claims["iss"].is_string(), "{claims}");
    assert_ne!(claims["iss"], provider.issuer.as_str(), "{claims}");
    assert_eq!(claims["nonce"], req.nonce.as_str(), "{claims}");
    assert!(
        signature_valid(&provider, &token).await,
        "re-signed with the real key"
    );
}

#[tokio::test]
async fn tamper_sig() {
    let Some((provider, req, token, claims)) = tampered(Tamper::Sig).await else {
        return;
    };
    // The claims are honest; only the signature is broken.
    assert_honest(&provider, &req, &claims);
    assert!(
        !signature_valid(&provider, &token).await,
        "the signature still verifies"
    );
}
