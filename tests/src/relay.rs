//! Real receivers for notifications: an SMTP server ([`MailServer`],
//! Debian's `python3-aiosmtpd` running `tests/smtp/server.py`) and a
//! webhook receiver ([`HookReceiver`], Node running
//! `tests/webhooks/receiver.mjs`, which checks signatures with the
//! Standard Webhooks reference library).
//!
//! Both are guards that stop their process when dropped. When Python's
//! `aiosmtpd` or the Node packages are missing, [`MailServer::start`] and
//! [`HookReceiver::start`] return `None` and the test is skipped with a
//! message, unless `CHARTA_TEST_REQUIRE_SMTP=1` (which `./scripts/test` sets
//! after installing them), in which case they panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a failure panics with its message"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn required() -> bool {
    std::env::var("CHARTA_TEST_REQUIRE_SMTP").as_deref() == Ok("1")
}

fn skip(why: &str) -> Option<()> {
    if required() {
        panic!("{why}, but CHARTA_TEST_REQUIRE_SMTP=1 (./scripts/test installs it)");
    }
    eprintln!("skipped: {why}");
    None
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    l.local_addr().unwrap().port()
}

/// Starts `cmd` and waits for its `ready` line.
fn start_ready(mut cmd: Command, what: &str) -> (Child, ChildStdin) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("ready") {
                let _ = tx.send(());
            }
        }
    });
    let stdin = child.stdin.take().unwrap();
    if rx.recv_timeout(Duration::from_secs(20)).is_err() {
        let _ = child.kill();
        panic!("{what} did not get ready");
    }
    (child, stdin)
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope's recipients.
    pub to: String,
    /// The message as sent, headers and body.
    pub raw: String,
}

impl Mail {
    /// The first header of that name (unfolded), if any.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = found.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                found = Some(v.trim().to_string());
            }
        }
        found
    }

    /// The `Subject` header as sent (tests use ASCII subjects, which
    /// travel unencoded).
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }
}

/// A real SMTP server on a loopback port, storing what it receives.
pub struct MailServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<(Child, ChildStdin)>,
}

impl MailServer {
    /// Starts the server, or `None` (skip) when `aiosmtpd` is missing.
    pub fn start() -> Option<MailServer> {
        let python = std::env::var("CHARTA_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip(&format!(
                "{python} has no aiosmtpd (Debian package python3-aiosmtpd)"
            ))?;
        }
        let dir = std::env::temp_dir().join(format!(
            "charta-mail-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = MailServer {
            port: free_port(),
            dir,
            child: None,
        };
        server.resume();
        Some(server)
    }

    /// The URL for `CHARTA_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server: connections are refused until [`Self::resume`].
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, keeping what it stored.
    pub fn resume(&mut self) {
        let python = std::env::var("CHARTA_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(python);
        cmd.arg(repo().join("smtp/server.py"))
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(&self.dir);
        self.child = Some(start_ready(cmd, "the test SMTP server"));
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let raw = std::fs::read_to_string(p).unwrap();
                let (first, rest) = raw.split_once("\r\n").unwrap();
                Mail {
                    to: first.trim_start_matches("X-Envelope-To: ").to_string(),
                    raw: rest.to_string(),
                }
            })
            .collect()
    }

    /// Waits up to `limit` for at least `n` messages.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n || start.elapsed() > limit {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Option<String>,
    /// The Standard Webhooks library accepted its signature.
    pub verified: bool,
    pub error: Option<String>,
    pub body: serde_json::Value,
}

/// A webhook receiver on a loopback port that verifies every delivery
/// with the Standard Webhooks reference library.
pub struct HookReceiver {
    pub port: u16,
    log: PathBuf,
    child: (Child, ChildStdin),
}

impl HookReceiver {
    /// Starts a receiver for `secret` (`whsec_…`) that answers the first
    /// `fail_first` deliveries with 500; `None` (skip) without Node or its
    /// packages.
    pub fn start(secret: &str, fail_first: u32) -> Option<HookReceiver> {
        let dir = repo().join("webhooks");
        if !dir.join("node_modules/standardwebhooks").exists() {
            skip("tests/webhooks/node_modules is missing (run npm ci there)")?;
        }
        let port = free_port();
        let log =
            std::env::temp_dir().join(format!("charta-hooks-{}-{port}.jsonl", std::process::id()));
        std::fs::write(&log, "").unwrap();
        let mut cmd =
            Command::new(std::env::var("CHARTA_TEST_NODE").unwrap_or_else(|_| "node".into()));
        cmd.current_dir(&dir)
            .arg("receiver.mjs")
            .arg(port.to_string())
            .arg(secret)
            .arg(&log)
            .arg(fail_first.to_string());
        let child = start_ready(cmd, "the test webhook receiver");
        Some(HookReceiver { port, log, child })
    }

    /// The URL to register.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/charta", self.port)
    }

    /// Every request received so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                Delivery {
                    id: v["id"].as_str().map(str::to_string),
                    verified: v["verified"].as_bool().unwrap_or(false),
                    error: v["error"].as_str().map(str::to_string),
                    body: serde_json::from_str(v["body"].as_str().unwrap_or("null"))
                        .unwrap_or(serde_json::Value::Null),
                }
            })
            .collect()
    }
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        let _ = self.child.0.kill();
        let _ = self.child.0.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
