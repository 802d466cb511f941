//! Harness for the end-to-end tests under `tests/tests/`: the real Charta
//! router on a loopback port ([`Server`]) and headless Chromium driven
//! through ChromeDriver ([`Browser`]).
//!
//! Both are guards: dropping them stops what they started, also when a test
//! panics half-way, so a failed run leaves no server task, driver or browser
//! behind.
//!
//! The browser is found through `CHARTA_TEST_CHROMIUM` (default
//! `/usr/bin/chromium`) and `CHARTA_TEST_CHROMEDRIVER` (default `chromedriver`
//! on `PATH`). When either is missing the browser tests are skipped with a
//! message, unless `CHARTA_TEST_REQUIRE_BROWSER=1`, which `./scripts/test`
//! sets so that a missing browser fails the run instead of passing it
//! silently.

pub mod a11y;
pub mod oidc;
pub mod pages;
pub mod relay;

use charta_web::AppState;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The application served on `127.0.0.1` on a port the OS picked, stopped
/// when dropped.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves the state `state` builds through [`charta_web::serve`], the
    /// same entry point as the binary, so the browser sees every production
    /// middleware. The state is given the server's own address
    /// (`http://127.0.0.1:PORT`) to use as its public URL: Charta answers
    /// only for that host, checks form posts against it and links releases
    /// to it.
    pub async fn start_with(state: impl FnOnce(String) -> AppState) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let state = state(format!("http://{addr}"));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(charta_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        Ok(Server {
            addr,
            shutdown: Some(tx),
            task,
        })
    }

    /// The absolute URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Graceful shutdown would wait for the browser's keep-alive
        // connections; nothing is in flight once a test is over.
        self.task.abort();
    }
}

/// A ChromeDriver process with one headless Chromium session.
///
/// Derefs to the fantoccini [`Client`]. Dropping it ends the session (which
/// makes ChromeDriver quit Chromium), then kills ChromeDriver and removes the
/// throwaway Chromium profile.
pub struct Browser {
    client: Client,
    session: Option<String>,
    // Declared after `client` so that it is dropped last.
    driver: Driver,
}

/// How long ChromeDriver may take to accept a session after it starts.
const DRIVER_START: Duration = Duration::from_secs(20);

/// Chromium's flags. The networking, update and sync switches keep it from
/// calling Google on a closed network; `--no-sandbox` is needed as root;
/// `--disable-dev-shm-usage` avoids a small `/dev/shm` in containers.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--window-size=1280,900",
];

impl Browser {
    /// Starts ChromeDriver and opens a session, or returns `None` (after
    /// saying why) when no browser is installed and none is required.
    pub async fn launch() -> Option<Browser> {
        Self::launch_with(true).await
    }

    /// [`Browser::launch`] with page scripts turned off (`scripts: false`),
    /// as for a reader who browses without JavaScript: every page must work
    /// the same way. WebDriver's own commands still run.
    #[expect(
        clippy::expect_used,
        clippy::panic,
        reason = "test set-up fails loudly"
    )]
    pub async fn launch_with(scripts: bool) -> Option<Browser> {
        let (chromium, chromedriver) = match (chromium_path(), chromedriver_path()) {
            (Ok(c), Ok(d)) => (c, d),
            (c, d) => {
                let why = [c.err(), d.err()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                if std::env::var("CHARTA_TEST_REQUIRE_BROWSER").as_deref() == Ok("1") {
                    panic!(
                        "{why}, but CHARTA_TEST_REQUIRE_BROWSER=1 (./scripts/test installs both)"
                    );
                }
                eprintln!("skipping browser test: {why} (./scripts/test installs both)");
                return None;
            }
        };

        let port = free_port().expect("find a free port for ChromeDriver");
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()));
        // The guard exists before anything else can fail, so a failure below
        // still stops the driver.
        let mut driver = Driver {
            child,
            port,
            profile: unique_temp_path("charta-chromium"),
        };
        std::fs::create_dir(&driver.profile).expect("create a Chromium profile directory");

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", driver.profile.display()));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        let mut options = serde_json::json!({ "binary": chromium, "args": args });
        if !scripts {
            options["prefs"] =
                serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        caps.insert("goog:chromeOptions".into(), options);

        let client = driver.connect(caps).await;
        let session = client.session_id().await.ok().flatten();
        Some(Browser {
            client,
            session,
            driver,
        })
    }
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ended synchronously: fantoccini ends the session from its own task
        // only after the client is dropped, by which time ChromeDriver is
        // killed and Chromium would be left running.
        if let Some(session) = &self.session {
            let _ = http_delete(self.driver.port, &format!("/session/{session}"));
        }
    }
}

/// The ChromeDriver process and the profile directory its session uses.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    /// Opens a session, retrying while ChromeDriver is still starting.
    #[expect(clippy::panic, reason = "test set-up fails loudly")]
    async fn connect(&mut self, caps: serde_json::Map<String, serde_json::Value>) -> Client {
        use fantoccini::error::NewSessionError as E;
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + DRIVER_START;
        loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => return client,
                Err(E::Failed(_) | E::FailedC(_) | E::Lost(_)) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        panic!("ChromeDriver exited during start-up ({status})");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("no ChromeDriver session on {url}: {e}"),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Chromium from `CHARTA_TEST_CHROMIUM`, else `/usr/bin/chromium`.
fn chromium_path() -> Result<PathBuf, String> {
    let path = std::env::var_os("CHARTA_TEST_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("no Chromium at {}", path.display()))
    }
}

/// ChromeDriver from `CHARTA_TEST_CHROMEDRIVER`, else `chromedriver` on
/// `PATH`.
fn chromedriver_path() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CHARTA_TEST_CHROMEDRIVER").map(PathBuf::from) {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("no ChromeDriver at {}", path.display()))
        };
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())
        .ok_or_else(|| "no chromedriver on PATH".to_owned())
}

/// A loopback port that was free a moment ago. ChromeDriver takes a port
/// number, not a listening socket, so there is a short window in which
/// another process could take it; the start-up timeout then reports it.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// A path in the temporary directory that no other test in any process is
/// using.
fn unique_temp_path(prefix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("{prefix}-{}-{n}-{t}", std::process::id()))
}

/// Sends `DELETE path` to ChromeDriver and waits for its answer, without an
/// async runtime, so that it works from `Drop` during a panic.
///
/// ChromeDriver keeps the connection open after answering even when asked
/// to close it, so the answer ends where its `Content-Length` says.
fn http_delete(port: u16, path: &str) -> std::io::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        answer.extend_from_slice(&buf[..n]);
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                return Ok(());
            }
        }
    }
}
