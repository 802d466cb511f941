//! A real OpenID Connect provider for the end-to-end tests: panva's
//! `oidc-provider` run by Node from `tests/oidc/provider.mjs` on a loopback
//! port the OS picks ([`TestProvider`]).
//!
//! It has one confidential client (`client_secret_basic`, PKCE with S256
//! required, scopes `openid email profile`) and signs ID tokens with the fixed
//! test key in `tests/oidc/jwks.json`. Two ways to sign in:
//!
//! - forms (the default): a login page (`login` becomes the subject; any
//!   password; a login ending in `+mfa` gets `amr` `["pwd","mfa"]` and `acr`
//!   [`ACR_MFA`], any other `["pwd"]` and [`ACR_PWD`]) and a consent page
//!   with a "Continue" button. A browser can fill them in;
//!   [`login_with_forms`] does it over plain HTTP.
//! - automatic ([`ProviderOptions::auto`]): every authorization request
//!   completes at once as the given [`AutoLogin`], with no pages;
//!   [`authorize`] follows the redirects.
//!
//! [`ProviderOptions::tamper`] makes the token endpoint hand out a broken ID
//! token ([`Tamper`]), for the relying party's negative tests.
//!
//! Node comes from `PATH`; the packages from `tests/oidc/node_modules`, which
//! `./scripts/test` installs with `npm ci`. When either is missing,
//! [`TestProvider::try_start`] skips (returns `None`) with a message, unless
//! `CHARTA_TEST_REQUIRE_OIDC=1`, which `./scripts/test` sets.

use reqwest::Url;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The `acr` of a password-only sign-in.
pub const ACR_PWD: &str = "urn:charta:pwd";
/// The `acr` of a sign-in with a second factor.
pub const ACR_MFA: &str = "urn:charta:mfa";

/// The client the provider knows unless told otherwise.
pub const DEFAULT_CLIENT_ID: &str = "charta-test";
/// That client's secret.
pub const DEFAULT_CLIENT_SECRET: &str = "charta-test-secret";

/// How long Node may take to print its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Who signs in when the provider runs without pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoLogin {
    /// The subject (`sub`). The email claim is `<sub>@example.test`.
    pub sub: String,
    /// The `amr` claim; empty leaves it out.
    pub amr: Vec<String>,
    /// The `acr` claim; `None` leaves it out.
    pub acr: Option<String>,
}

impl AutoLogin {
    /// A password sign-in: `amr` `["pwd"]`, `acr` [`ACR_PWD`].
    pub fn password(sub: &str) -> AutoLogin {
        AutoLogin {
            sub: sub.to_owned(),
            amr: vec!["pwd".to_owned()],
            acr: Some(ACR_PWD.to_owned()),
        }
    }

    /// A sign-in with a second factor: `amr` `["pwd","mfa"]`, `acr`
    /// [`ACR_MFA`].
    pub fn mfa(sub: &str) -> AutoLogin {
        AutoLogin {
            sub: sub.to_owned(),
            amr: vec!["pwd".to_owned(), "mfa".to_owned()],
            acr: Some(ACR_MFA.to_owned()),
        }
    }
}

impl Default for AutoLogin {
    /// `alice` with a password.
    fn default() -> AutoLogin {
        AutoLogin::password("alice")
    }
}

/// How the token endpoint breaks the ID token it returns. Every mode but
/// [`Tamper::Sig`] re-signs the token with the real key, so the altered claim
/// is the only thing wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// `aud` is `"someone-else"`.
    Aud,
    /// `nonce` is not the one the client sent.
    Nonce,
    /// `exp` (and `iat`) lie in the past: the token has expired.
    Exp,
    /// `iss` is another issuer.
    Iss,
    /// The signature's bytes are flipped; header and claims are untouched.
    Sig,
    /// Claims untouched, signed with HS256 and the client secret instead of
    /// the provider's private key.
    Hs256,
}

impl Tamper {
    /// Every mode, for tests that try them all.
    pub const ALL: [Tamper; 6] = [
        Tamper::Aud,
        Tamper::Nonce,
        Tamper::Exp,
        Tamper::Iss,
        Tamper::Sig,
        Tamper::Hs256,
    ];

    /// The script's name for the mode (its `TAMPER` variable).
    pub fn as_str(self) -> &'static str {
        match self {
            Tamper::Aud => "aud",
            Tamper::Nonce => "nonce",
            Tamper::Exp => "exp",
            Tamper::Iss => "iss",
            Tamper::Sig => "sig",
            Tamper::Hs256 => "hs256",
        }
    }
}

/// How to start a [`TestProvider`]. `ProviderOptions::default()` serves the
/// login and consent pages for the [`DEFAULT_CLIENT_ID`] client with
/// `http://127.0.0.1:3000/auth/callback` as its redirect URI.
#[derive(Clone, Debug)]
pub struct ProviderOptions {
    /// `Some`: no pages, every sign-in completes at once as this login.
    pub auto: Option<AutoLogin>,
    /// `Some`: the token endpoint returns a broken ID token.
    pub tamper: Option<Tamper>,
    pub client_id: String,
    pub client_secret: String,
    /// The client's registered redirect URIs (at least one).
    pub redirect_uris: Vec<String>,
    /// Also accept a redirect URI that differs from a registered
    /// `http://127.0.0.1` one only in its port, for a relying party whose
    /// port is not known before the provider starts.
    pub any_loopback_port: bool,
}

impl Default for ProviderOptions {
    fn default() -> ProviderOptions {
        ProviderOptions {
            auto: None,
            tamper: None,
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            redirect_uris: vec!["http://127.0.0.1:3000/auth/callback".to_owned()],
            any_loopback_port: false,
        }
    }
}

impl ProviderOptions {
    /// The login and consent pages, for a client with this redirect URI.
    pub fn forms(redirect_uri: &str) -> ProviderOptions {
        ProviderOptions {
            redirect_uris: vec![redirect_uri.to_owned()],
            ..ProviderOptions::default()
        }
    }

    /// No pages: every sign-in completes at once as `login`.
    pub fn auto(redirect_uri: &str, login: AutoLogin) -> ProviderOptions {
        ProviderOptions {
            auto: Some(login),
            ..ProviderOptions::forms(redirect_uri)
        }
    }
}

/// The provider's Node process, killed when dropped.
pub struct TestProvider {
    /// `http://127.0.0.1:<port>`, also the base of every endpoint
    /// (discovery at `/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    child: Child,
    // Closing it makes the script exit, also when this process dies without
    // running `Drop`.
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl TestProvider {
    /// Starts the provider; panics when Node or its packages are missing.
    pub fn start(opts: ProviderOptions) -> TestProvider {
        match node_and_script() {
            Ok((node, script)) => TestProvider::spawn(&node, &script, opts),
            Err(why) => panic!("{why} (./scripts/test installs it)"),
        }
    }

    /// Starts the provider, or returns `None` (after saying why) when Node or
    /// its packages are missing and `CHARTA_TEST_REQUIRE_OIDC` is not `1`.
    pub fn try_start(opts: ProviderOptions) -> Option<TestProvider> {
        match node_and_script() {
            Ok((node, script)) => Some(TestProvider::spawn(&node, &script, opts)),
            Err(why) => {
                if std::env::var("CHARTA_TEST_REQUIRE_OIDC").as_deref() == Ok("1") {
                    panic!("{why}, but CHARTA_TEST_REQUIRE_OIDC=1 (./scripts/test installs it)");
                }
                eprintln!("skipping OpenID provider test: {why} (./scripts/test installs it)");
                None
            }
        }
    }

    fn spawn(node: &Path, script: &Path, opts: ProviderOptions) -> TestProvider {
        let mut cmd = Command::new(node);
        cmd.arg(script)
            .current_dir(script.parent().unwrap_or(Path::new(".")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Nothing from the caller's environment may change the provider.
        for var in [
            "PORT",
            "CLIENT_ID",
            "CLIENT_SECRET",
            "REDIRECT_URIS",
            "POST_LOGOUT_REDIRECT_URIS",
            "AUTO",
            "SUB",
            "AMR",
            "ACR",
            "TAMPER",
            "ANY_LOOPBACK_PORT",
            "NODE_OPTIONS",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PORT", "0")
            .env("EXIT_WITH_STDIN", "1")
            .env("CLIENT_ID", &opts.client_id)
            .env("CLIENT_SECRET", &opts.client_secret)
            .env("REDIRECT_URIS", opts.redirect_uris.join(","));
        if let Some(login) = &opts.auto {
            cmd.env("AUTO", "1")
                .env("SUB", &login.sub)
                .env("AMR", login.amr.join(","))
                .env("ACR", login.acr.as_deref().unwrap_or(""));
        }
        if let Some(tamper) = opts.tamper {
            cmd.env("TAMPER", tamper.as_str());
        }
        if opts.any_loopback_port {
            cmd.env("ANY_LOOPBACK_PORT", "1");
        }

        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {} {}: {e}", node.display(), script.display()));
        let log = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = mpsc::channel::<String>();
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            let log = Arc::clone(&log);
            readers.push(std::thread::spawn(move || {
                let mut ready = Some(ready_tx);
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(issuer) = line.strip_prefix("ready ")
                        && let Some(tx) = ready.take()
                    {
                        let _ = tx.send(issuer.trim().to_owned());
                    }
                    append(&log, &line);
                }
            }));
        }
        if let Some(stderr) = child.stderr.take() {
            let log = Arc::clone(&log);
            readers.push(std::thread::spawn(move || {
                // Read whole chunks, so that a line without a newline (the last
                // words of a crash) still reaches the log.
                let mut stderr = stderr;
                let mut buf = [0_u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut log) = log.lock() {
                        log.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            }));
        }

        let stdin = child.stdin.take();
        // The guard exists before the wait, so a failure below still kills
        // Node.
        let mut provider = TestProvider {
            issuer: String::new(),
            client_id: opts.client_id,
            client_secret: opts.client_secret,
            redirect_uris: opts.redirect_uris,
            child,
            stdin,
            log,
            readers,
        };
        match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(issuer) => provider.issuer = issuer,
            Err(e) => {
                let status = provider.stop();
                panic!(
                    "the test OpenID provider did not get ready ({}; {status}); its output:\n{}",
                    match e {
                        mpsc::RecvTimeoutError::Timeout => "timed out",
                        mpsc::RecvTimeoutError::Disconnected => "it closed stdout",
                    },
                    provider.log()
                );
            }
        }
        provider
    }

    /// The absolute URL of `path` (which starts with `/`) on the provider.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Everything the provider printed so far, for failure messages.
    pub fn log(&self) -> String {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Kills Node, waits for it and for the output readers; returns how it
    /// ended.
    fn stop(&mut self) -> String {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let status = match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => format!("wait: {e}"),
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        status
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

fn append(log: &Mutex<String>, line: &str) {
    if let Ok(mut log) = log.lock() {
        log.push_str(line);
        log.push('\n');
    }
}

/// Node on `PATH` and the provider script, once its packages are installed.
fn node_and_script() -> Result<(PathBuf, PathBuf), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc");
    let script = dir.join("provider.mjs");
    if !script.is_file() {
        return Err(format!("no {}", script.display()));
    }
    if !dir
        .join("node_modules/oidc-provider/package.json")
        .is_file()
    {
        return Err(format!(
            "no Node packages in {} (run `npm ci` there)",
            dir.join("node_modules").display()
        ));
    }
    let node = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("node"))
        .find(|p| p.is_file())
        .ok_or_else(|| "no node on PATH".to_owned())?;
    Ok((node, script))
}

/// An HTTP client for [`login_with_forms`] and [`authorize`]: it keeps
/// cookies (the provider's interaction and session cookies) and follows no
/// redirects, so the one to the relying party can be returned unfollowed.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("build an HTTP client: {e}"))
}

/// Signs in through the provider's login and consent pages as `login` (any
/// password) and returns the URL it finally redirects to, on the relying
/// party's redirect URI (`…?code=…&state=…&iss=…`, or `…?error=…`), without
/// following it.
///
/// Starts at `authorize_url` (the provider's `/auth?…`) and follows the
/// provider's redirects; a page with a `login` field gets the login form
/// filled in, any other page's form (the consent page) is submitted as it
/// is. Use a client like [`http_client`]: with cookies and no redirect
/// following. When the provider already has a session in the client's
/// cookies, or runs in automatic mode, no page is shown and `login` is not
/// used. Panics on anything unexpected, with the page it got.
pub async fn login_with_forms(
    client: &reqwest::Client,
    authorize_url: &str,
    login: &str,
) -> String {
    drive(client, authorize_url, Some(login)).await
}

/// Follows an authorization request through a provider in automatic mode
/// (see [`ProviderOptions::auto`]) and returns the URL it redirects to on the
/// relying party, unfollowed. Panics if the provider shows a page instead.
pub async fn authorize(client: &reqwest::Client, authorize_url: &str) -> String {
    drive(client, authorize_url, None).await
}

/// How many requests a sign-in may take: two per prompt and two more, with
/// room to spare.
const MAX_STEPS: usize = 20;

async fn drive(client: &reqwest::Client, authorize_url: &str, login: Option<&str>) -> String {
    let start =
        Url::parse(authorize_url).unwrap_or_else(|e| panic!("authorize URL {authorize_url}: {e}"));
    let provider = start.origin();
    let mut next: (Url, Option<Vec<(String, String)>>) = (start, None);
    for _ in 0..MAX_STEPS {
        let (url, form) = next;
        let request = match &form {
            None => client.get(url.clone()),
            Some(fields) => client.post(url.clone()).form(fields),
        };
        let response = request.send().await.unwrap_or_else(|e| {
            panic!("{} {url}: {e}", if form.is_some() { "POST" } else { "GET" })
        });
        let status = response.status();
        let here = response.url().clone();
        if here.origin() != provider {
            // The client followed the redirect to the relying party itself.
            return here.to_string();
        }
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{status} without a Location from {here}"));
            let target = here
                .join(location)
                .unwrap_or_else(|e| panic!("Location {location} from {here}: {e}"));
            if target.origin() != provider {
                return target.to_string();
            }
            next = (target, None);
            continue;
        }
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            panic!("{status} from {here}:\n{body}");
        }
        let Some(page) = find_form(&body) else {
            panic!("no form on {here}:\n{body}");
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        let has_login = page.inputs.iter().any(|(name, _)| name == "login");
        if has_login {
            let Some(login) = login else {
                panic!("the provider asked for a login at {here} (is it in automatic mode?)");
            };
            fields.push(("login".to_owned(), login.to_owned()));
            fields.push(("password".to_owned(), "any password".to_owned()));
        }
        for (name, value) in page.inputs {
            if name != "login" && name != "password" {
                fields.push((name, value));
            }
        }
        let action = here
            .join(&page.action)
            .unwrap_or_else(|e| panic!("form action {} on {here}: {e}", page.action));
        next = (action, Some(fields));
    }
    panic!("no redirect to the relying party after {MAX_STEPS} requests from {authorize_url}");
}

/// The first `<form>` of a page: its action and its inputs' names and
/// values.
struct Form {
    action: String,
    inputs: Vec<(String, String)>,
}

/// Finds the first form in `html` with a small scan, enough for the
/// provider's own pages (see `tests/oidc/provider.mjs`).
fn find_form(html: &str) -> Option<Form> {
    // ASCII lowercasing keeps every byte offset.
    let lower = html.to_ascii_lowercase();
    let start = find_tag(&lower, "form", 0)?;
    let (attrs, after) = tag_attributes(html, start + "<form".len())?;
    let action = attribute(&attrs, "action").unwrap_or_default();
    let end = lower[after..]
        .find("</form")
        .map_or(html.len(), |i| after + i);

    let mut inputs = Vec::new();
    let mut at = after;
    while let Some(input) = find_tag(&lower[..end], "input", at) {
        let (attrs, next) = tag_attributes(html, input + "<input".len())?;
        at = next;
        let Some(name) = attribute(&attrs, "name") else {
            continue;
        };
        let kind = attribute(&attrs, "type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(
            kind.as_str(),
            "submit" | "button" | "reset" | "image" | "file"
        ) {
            continue;
        }
        if matches!(kind.as_str(), "checkbox" | "radio") && attribute(&attrs, "checked").is_none() {
            continue;
        }
        inputs.push((name, attribute(&attrs, "value").unwrap_or_default()));
    }
    Some(Form { action, inputs })
}

/// The offset of the next `<name` tag (followed by whitespace, `>` or `/`)
/// in the lowercased page at or after `from`.
fn find_tag(lower: &str, name: &str, from: usize) -> Option<usize> {
    let open = format!("<{name}");
    let mut at = from;
    loop {
        let i = at + lower.get(at..)?.find(&open)?;
        let follows = lower.as_bytes().get(i + open.len()).copied();
        if matches!(follows, Some(b) if b.is_ascii_whitespace() || b == b'>' || b == b'/') {
            return Some(i);
        }
        at = i + open.len();
    }
}

/// Parses the attributes of the tag whose name ends at `from`; returns them
/// (names lowercased, values unescaped) and the offset after the tag's `>`.
fn tag_attributes(html: &str, from: usize) -> Option<(Vec<(String, String)>, usize)> {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    let mut i = from;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if *bytes.get(i)? == b'>' {
            return Some((attrs, i + 1));
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i)? {
                quote @ (b'"' | b'\'') => {
                    let close = i + 1 + html[i + 1..].find(char::from(*quote))?;
                    value = unescape(&html[i + 1..close]);
                    i = close + 1;
                }
                _ => {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = unescape(&html[value_start..i]);
                }
            }
        }
        attrs.push((name, value));
    }
}

fn attribute(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// Undoes the character references the provider's pages use.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_form_and_its_inputs() {
        let page = r#"<!doctype html><p>x</p>
<FORM method="post" action='/interaction/a&amp;b/login'>
<input name="login" autofocus><input type=password name=password>
<input type="hidden" name="prompt" value="c&#34;d">
<input type="checkbox" name="remember">
<button type="submit">Sign in</button>
</form>
<form action="/other"><input name="later"></form>"#;
        let form = find_form(page).unwrap_or_else(|| panic!("no form"));
        assert_eq!(form.action, "/interaction/a&b/login");
        assert_eq!(
            form.inputs,
            vec![
                ("login".to_owned(), String::new()),
                ("password".to_owned(), String::new()),
                ("prompt".to_owned(), "c\"d".to_owned()),
            ]
        );
    }

    #[test]
    fn a_page_without_a_form_has_none() {
        assert!(find_form("<p>formal <formula></p>").is_none());
    }
}
