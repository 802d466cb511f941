//! Settings of the HTTP layer. The binary fills them from flags and
//! `CHARTA_*` environment variables (see `.env.sample`).

use std::fmt;
use std::time::Duration;

/// What the web layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// Running as `charta demo`: one-click sign-in as seeded people.
    pub demo: bool,
    /// The address people reach Charta at, without a trailing slash, such as
    /// `https://charta.example.org`. Decides the OpenID Connect redirect URI
    /// (`{public_url}/auth/callback`), the origin that state-changing
    /// requests must come from, and whether cookies are `Secure`.
    pub public_url: String,
    /// A session ends after this long without a request.
    pub session_idle: time::Duration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: time::Duration,
    /// OpenID Connect providers people can sign in with.
    pub providers: Vec<ProviderConfig>,
    /// `acr` values that count as a multi-factor sign-in, besides an `amr`
    /// containing `mfa`. The first is requested when stepping up.
    pub mfa_acr: Vec<String>,
    /// How often to look for ballots past their deadline and close them.
    pub ballot_sweep: Duration,
    /// How recent the provider's authentication (the ID token's
    /// `auth_time`) must be for privileged actions and for creating API
    /// tokens; older sign-ins are sent back to the provider.
    pub fresh_sign_in: time::Duration,
    /// Signature algorithms accepted on ID tokens, by their JOSE names.
    /// Only asymmetric ones (see [`ASYMMETRIC_ALGORITHMS`]).
    pub id_token_algorithms: Vec<String>,
    /// Addresses (or ranges) of reverse proxies whose `X-Forwarded-For`
    /// names the client. Requests from anywhere else are keyed by their own
    /// address.
    pub trusted_proxies: Vec<crate::client_addr::Network>,
    /// How many CPU-heavy pieces of work (parsing submitted files, diffs)
    /// run at once; the rest wait.
    pub cpu_workers: usize,
    /// Requests one client address may make per minute to the expensive
    /// public endpoints (validation, diffs, search, coverage, feeds) before
    /// being answered `429`; 0 turns the limit off.
    pub expensive_per_minute: u32,
    /// A directory that receives a static mirror of every release, the
    /// feeds and the public key after each publication (see `mirror`).
    pub mirror_dir: Option<std::path::PathBuf>,
    /// Whether [`crate::serve`] also runs the background jobs (see
    /// `charta_app::jobs`); off for web nodes when `charta worker`
    /// processes run them instead.
    pub run_jobs: bool,
    /// E-mail and webhook settings (see `charta_app::notify`).
    pub notify: charta_app::notify::NotifySettings,
}

/// The ID token signature algorithms Charta can be configured to accept:
/// public-key ones only, so that no shared secret (HS256) or `none` can
/// stand for a provider's signature.
pub const ASYMMETRIC_ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
];

impl WebConfig {
    /// Whether Charta is served over TLS, so cookies get the `Secure` flag.
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The OpenID Connect redirect URI.
    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.public_url)
    }

    /// The `Host` values Charta answers to: the host (and port) of
    /// [`public_url`](Self::public_url), and for the demo on a loopback
    /// address also the other names of that address. Requests for any other
    /// host are refused, which defeats DNS rebinding: a page on an attacker's
    /// domain that resolves to this server still sends its own domain as the
    /// host.
    pub fn allowed_hosts(&self) -> Vec<String> {
        let authority = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, rest)| rest);
        let authority = authority
            .split('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut hosts = vec![authority.clone()];
        if self.demo {
            let (host, port) = match authority.rsplit_once(':') {
                Some((h, p)) if !p.contains(']') => (h.to_string(), Some(p.to_string())),
                _ => (authority.clone(), None),
            };
            if matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
                for name in ["127.0.0.1", "localhost", "[::1]"] {
                    let h = match &port {
                        Some(p) => format!("{name}:{p}"),
                        None => name.to_string(),
                    };
                    if !hosts.contains(&h) {
                        hosts.push(h);
                    }
                }
            }
        }
        hosts
    }

    /// The origins state-changing browser requests may come from: the
    /// scheme of [`public_url`](Self::public_url) with each allowed host.
    pub fn allowed_origins(&self) -> Vec<String> {
        let scheme = if self.secure() { "https" } else { "http" };
        self.allowed_hosts()
            .into_iter()
            .map(|h| format!("{scheme}://{h}"))
            .collect()
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: charta_domain::format::MAX_SPEC_BYTES,
            request_timeout: Duration::from_secs(30),
            demo: false,
            public_url: "http://127.0.0.1:8080".into(),
            session_idle: time::Duration::hours(2),
            session_lifetime: time::Duration::hours(12),
            providers: Vec::new(),
            mfa_acr: Vec::new(),
            ballot_sweep: Duration::from_secs(15),
            fresh_sign_in: time::Duration::minutes(15),
            id_token_algorithms: vec!["RS256".into(), "ES256".into(), "EdDSA".into()],
            trusted_proxies: Vec::new(),
            cpu_workers: charta_app::cpu::Pool::default_size(),
            expensive_per_minute: 120,
            mirror_dir: None,
            run_jobs: true,
            notify: charta_app::notify::NotifySettings::default(),
        }
    }
}

/// One OpenID Connect provider.
#[derive(Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProviderConfig {
    /// Short name used in URLs, such as `eclipse`.
    pub id: String,
    /// Shown on the sign-in button, such as "Eclipse account".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

/// The providers file: `providers:` followed by a list of providers.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvidersFile {
    pub providers: Vec<ProviderConfig>,
}

impl ProvidersFile {
    /// Parses a providers file, refusing duplicate ids and empty fields.
    pub fn parse(text: &str) -> Result<Vec<ProviderConfig>, String> {
        let f: ProvidersFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        for p in &f.providers {
            if !charta_domain::ident::is_valid_slug(&p.id) {
                return Err(format!(
                    "provider id {:?} must be a slug such as `eclipse`",
                    p.id
                ));
            }
            if !seen.insert(p.id.as_str()) {
                return Err(format!("provider {} is listed twice", p.id));
            }
            for (field, v) in [
                ("issuer", &p.issuer),
                ("client-id", &p.client_id),
                ("client-secret", &p.client_secret),
            ] {
                if v.trim().is_empty() {
                    return Err(format!("provider {} needs a {field}", p.id));
                }
            }
        }
        Ok(f.providers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_file() {
        let ok = "providers:\n  - id: eclipse\n    name: Eclipse\n    issuer: https://id.example\n    client-id: c\n    client-secret: s\n";
        let p = ProvidersFile::parse(ok).unwrap();
        assert_eq!(p[0].id, "eclipse");
        assert!(
            !format!("{:?}", p[0]).contains("client_secret: \"s\""),
            "secret redacted"
        );
        let twice = format!("{ok}{}", &ok["providers:\n".len()..]);
        assert!(ProvidersFile::parse(&twice).unwrap_err().contains("twice"));
        assert!(
            ProvidersFile::parse(&ok.replace("client-secret: s", "client-secret: ''")).is_err()
        );
    }
}
