//! A person at a browser without JavaScript, for tests that drive the real
//! `charta` binary over HTTP: it keeps cookies, follows redirects, follows
//! links by their text and submits forms by the label of their button,
//! sending exactly the fields the page's form holds.
//!
//! It reads pages with plain string searches, which is enough for the
//! server-rendered pages Charta sends (one tag per element, attributes in
//! double quotes) and keeps the test free of an HTML parser dependency.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `charta demo` or `charta serve` child process on a loopback port,
/// killed when dropped.
pub struct Instance {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Instance {
    /// Starts `charta` with `args` in `dir` on a free port (appended as
    /// `--listen`), and waits until `/readyz` answers 200.
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Instance {
        let port = free_port();
        let log = dir.join(format!("charta-{port}.log"));
        let out = std::fs::File::create(&log).expect("create the log file");
        let err = out.try_clone().expect("clone the log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_charta"));
        cmd.args(args)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            // The demo must not depend on anything in the caller's
            // environment, the release key included.
            .env_remove("CHARTA_RELEASE_KEY")
            .env_remove("CHARTA_DATABASE_URL")
            .env_remove("CHARTA_DEMO_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start charta");
        let mut instance = Instance { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = instance.child.try_wait() {
                panic!(
                    "charta exited with {status} before it was ready:\n{}",
                    instance.log_text()
                );
            }
            if ready(port) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "charta did not become ready in 60 s:\n{}",
                instance.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        instance
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the process and waits for it.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn ready(port: u16) -> bool {
    use std::io::Read;
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(
        s,
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// A fresh, empty directory under the system's temporary directory.
pub fn empty_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "charta-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000)
            .unwrap_or(0)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create a temporary directory");
    d
}

/// A page as the visitor received it, after following redirects.
#[derive(Debug, Clone)]
pub struct Page {
    /// The path (and query) the page was finally served from.
    pub path: String,
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Page {
    /// Fails the test unless the page was served with `200 OK`.
    #[track_caller]
    pub fn ok(self) -> Page {
        assert_eq!(
            self.status,
            200,
            "{} answered {}:\n{}",
            self.path,
            self.status,
            excerpt(&self.body)
        );
        self
    }

    /// Whether the page's text (markup removed) contains `text`.
    pub fn says(&self, text: &str) -> bool {
        visible_text(&self.body).contains(text)
    }

    /// Fails the test unless the page's text contains `text`.
    #[track_caller]
    pub fn expect_text(&self, text: &str) -> &Page {
        assert!(
            self.says(text),
            "{} does not say {text:?}:\n{}",
            self.path,
            excerpt(&visible_text(&self.body))
        );
        self
    }

    /// The `href` of the first link whose visible text contains `text`.
    pub fn link(&self, text: &str) -> Option<String> {
        elements(&self.body, "a")
            .into_iter()
            .find(|(_, inner)| visible_text(inner).contains(text))
            .and_then(|(tag, _)| attr(tag, "href"))
    }

    /// The `href`s of every link that starts with `prefix`.
    pub fn links_starting(&self, prefix: &str) -> Vec<String> {
        elements(&self.body, "a")
            .into_iter()
            .filter_map(|(tag, _)| attr(tag, "href"))
            .filter(|h| h.starts_with(prefix))
            .collect()
    }

    /// The form holding a submit button labelled `label`.
    pub fn form(&self, label: &str) -> Option<Form> {
        forms(&self.body).into_iter().find(|f| f.has_button(label))
    }

    /// Every button label of every form on the page, for failure messages.
    pub fn button_labels(&self) -> Vec<String> {
        forms(&self.body)
            .iter()
            .flat_map(|f| f.buttons.iter().map(|b| b.label.clone()))
            .collect()
    }
}

/// A form as the page holds it.
#[derive(Debug, Clone)]
pub struct Form {
    pub method: String,
    pub action: String,
    /// Named inputs with their current values, in page order; radio buttons
    /// and checkboxes only when checked.
    pub fields: Vec<(String, String)>,
    pub buttons: Vec<Button>,
}

#[derive(Debug, Clone)]
pub struct Button {
    pub label: String,
    pub name: Option<String>,
    pub value: String,
}

impl Form {
    fn has_button(&self, label: &str) -> bool {
        self.buttons.iter().any(|b| b.label.contains(label))
    }

    /// Sets a field, replacing its value or adding it.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Form {
        if let Some(f) = self.fields.iter_mut().find(|(n, _)| n == name) {
            f.1 = value.to_string();
        } else {
            self.fields.push((name.to_string(), value.to_string()));
        }
        self
    }

    /// The value the form would send for `name`, if any.
    pub fn value_of(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The visitor: a cookie jar and a client that never follows redirects by
/// itself, so that every hop is checked to stay on the instance.
pub struct Visitor {
    client: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .expect("build an HTTP client"),
            base: base.to_string(),
            cookies: BTreeMap::new(),
        }
    }

    /// Forgets every cookie: a new browser.
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None).await
    }

    /// Posts `json` to an API path with this visitor's cookies, as a
    /// page's script would (same origin); the status and body, or the
    /// connection error (the server may be gone).
    pub async fn post_json(
        &self,
        path: &str,
        json: &serde_json::Value,
    ) -> Result<(u16, String), reqwest::Error> {
        let jar = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("cookie", jar)
            .header("content-type", "application/json")
            .body(json.to_string())
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await?))
    }

    /// Submits `form` with the button labelled `label`, like a click.
    pub async fn submit(&mut self, form: &Form, label: &str) -> Page {
        let mut fields = form.fields.clone();
        if let Some(b) = form.buttons.iter().find(|b| b.label.contains(label))
            && let Some(name) = &b.name
        {
            fields.push((name.clone(), b.value.clone()));
        }
        let body = serde_urlencoded_pairs(&fields);
        if form.method.eq_ignore_ascii_case("get") {
            let sep = if form.action.contains('?') { '&' } else { '?' };
            let path = if body.is_empty() {
                form.action.clone()
            } else {
                format!("{}{sep}{body}", form.action)
            };
            self.send("GET", &path, None).await
        } else {
            self.send("POST", &form.action, Some(body)).await
        }
    }

    /// Clicks what is labelled `label` on `page`: a link, or a form's button.
    #[track_caller]
    pub fn click_target(page: &Page, label: &str) -> Target {
        if let Some(f) = page.form(label) {
            return Target::Form(f);
        }
        if let Some(h) = page.link(label) {
            return Target::Link(h);
        }
        panic!(
            "{} has no link or button labelled {label:?}; its buttons: {:?}",
            page.path,
            page.button_labels()
        );
    }

    /// Clicks the link or button labelled `label` on `page`.
    pub async fn click(&mut self, page: &Page, label: &str) -> Page {
        match Self::click_target(page, label) {
            Target::Form(f) => self.submit(&f, label).await,
            Target::Link(h) => self.get(&h).await,
        }
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<String>) -> Page {
        let mut method = method.to_string();
        let mut path = path.to_string();
        let mut body = body;
        for _ in 0..10 {
            let url = format!("{}{path}", self.base);
            let mut req = if method == "POST" {
                self.client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("origin", &self.base)
                    .body(body.clone().unwrap_or_default())
            } else {
                self.client.get(&url)
            };
            if !self.cookies.is_empty() {
                let jar = self
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                req = req.header("cookie", jar);
            }
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            for v in resp.headers().get_all("set-cookie") {
                let Ok(v) = v.to_str() else { continue };
                let pair = v.split(';').next().unwrap_or_default();
                if let Some((k, val)) = pair.split_once('=') {
                    let expired = v.to_ascii_lowercase().contains("max-age=0");
                    if val.is_empty() || expired {
                        self.cookies.remove(k.trim());
                    } else {
                        self.cookies.insert(k.trim().to_string(), val.to_string());
                    }
                }
            }
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let next = location
                    .strip_prefix(&self.base)
                    .map(str::to_string)
                    .unwrap_or(location);
                assert!(
                    next.starts_with('/'),
                    "{method} {path} redirected off the instance, to {next:?}"
                );
                path = next;
                method = "GET".into();
                body = None;
                continue;
            }
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|c| c.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = resp.text().await.unwrap_or_default();
            return Page {
                path,
                status,
                content_type,
                body,
            };
        }
        panic!("{path}: more than ten redirects");
    }
}

/// What a label on a page leads to.
pub enum Target {
    Form(Form),
    Link(String),
}

fn serde_urlencoded_pairs(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Every `<name …>…</name>` element: (opening tag, inner HTML).
fn elements<'a>(html: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // `<a` must not match `<abbr` and `<form` not `<formx`.
        if !after.starts_with([' ', '>', '\n', '\t']) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        let tag = &rest[i..i + open.len() + gt + 1];
        let body_start = i + open.len() + gt + 1;
        let Some(end) = rest[body_start..].find(&close) else {
            break;
        };
        out.push((tag, &rest[body_start..body_start + end]));
        rest = &rest[body_start + end + close.len()..];
    }
    out
}

/// Every tag `<name …>` (no inner HTML): inputs and the like.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        if !after.starts_with([' ', '>', '\n', '\t', '/']) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        out.push(&rest[i..i + open.len() + gt + 1]);
        rest = &after[gt + 1..];
    }
    out
}

/// The value of attribute `name` in an opening tag, entities decoded; a
/// bare attribute (`checked`) gives an empty string.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().last();
        let after = &rest[i + name.len()..];
        rest = after;
        if !matches!(before, Some(' ' | '\n' | '\t')) {
            continue;
        }
        if let Some(v) = after.strip_prefix("=\"") {
            let end = v.find('"')?;
            return Some(decode(&v[..end]));
        }
        if after.starts_with([' ', '>', '/']) {
            return Some(String::new());
        }
    }
    None
}

fn forms(html: &str) -> Vec<Form> {
    elements(html, "form")
        .into_iter()
        .map(|(tag, inner)| {
            let mut fields = Vec::new();
            for input in tags(inner, "input") {
                let Some(name) = attr(input, "name") else {
                    continue;
                };
                let kind = attr(input, "type").unwrap_or_else(|| "text".into());
                if matches!(kind.as_str(), "radio" | "checkbox") && attr(input, "checked").is_none()
                {
                    continue;
                }
                if kind == "submit" {
                    continue;
                }
                let default = if kind == "checkbox" { "on" } else { "" };
                fields.push((name, attr(input, "value").unwrap_or_else(|| default.into())));
            }
            for (ta, text) in elements(inner, "textarea") {
                if let Some(name) = attr(ta, "name") {
                    fields.push((name, decode(text.strip_prefix('\n').unwrap_or(text))));
                }
            }
            for (sel, options) in elements(inner, "select") {
                let Some(name) = attr(sel, "name") else {
                    continue;
                };
                let opts = elements(options, "option");
                let chosen = opts
                    .iter()
                    .find(|(o, _)| attr(o, "selected").is_some())
                    .or(opts.first());
                if let Some((o, text)) = chosen {
                    fields.push((name, attr(o, "value").unwrap_or_else(|| decode(text))));
                }
            }
            let buttons = elements(inner, "button")
                .into_iter()
                .map(|(b, label)| Button {
                    label: visible_text(label).trim().to_string(),
                    name: attr(b, "name"),
                    value: attr(b, "value").unwrap_or_default(),
                })
                .collect();
            Form {
                method: attr(tag, "method").unwrap_or_else(|| "get".into()),
                action: attr(tag, "action").unwrap_or_default(),
                fields,
                buttons,
            }
        })
        .collect()
}

/// Text with tags removed, entities decoded and white space folded.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

fn excerpt(s: &str) -> String {
    s.chars().take(3000).collect()
}
