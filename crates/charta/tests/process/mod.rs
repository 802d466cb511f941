//! Child processes for the tests that drive the shipped `charta` binary:
//! free ports, plain HTTP requests, and servers that are killed and waited
//! for when a test ends, also when it fails.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    reason = "each test file uses part of the harness, and fails loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A loopback port free at the moment (another process may take it before
/// it is used: [`start`] checks that its child is the one answering).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on a loopback port: the status and the body, or `None` when
/// nothing answers.
pub fn get(port: u16, path: &str) -> Option<(u16, Vec<u8>)> {
    get_with(port, path, "").map(|(status, _, body)| (status, body))
}

/// `GET path` with extra header lines (each ending in `\r\n`): the
/// status, the response head and the body.
pub fn get_with(port: u16, path: &str, headers: &str) -> Option<(u16, String, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let head_end = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&out[..head_end]).into_owned();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head, out[head_end + 4..].to_vec()))
}

/// A child process, killed and waited for when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `charta ARGS --listen 127.0.0.1:PORT` in `dir` and waits until it
/// answers `/readyz`.
pub fn start(args: &[&str], url: Option<&str>, dir: &Path, port: u16) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_charta"));
    cmd.args(args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .current_dir(dir);
    if let Some(url) = url {
        cmd.env("CHARTA_DATABASE_URL", url);
    }
    let mut running = Running(cmd.spawn().unwrap());
    for _ in 0..300 {
        if let Ok(Some(status)) = running.0.try_wait() {
            panic!("charta {args:?} exited with {status} before it was ready");
        }
        if get(port, "/readyz").is_some_and(|(s, _)| s == 200) {
            // The answer came from this child, not from another test's
            // server that took the port first: it is still running.
            std::thread::sleep(Duration::from_millis(100));
            assert!(
                running.0.try_wait().is_ok_and(|s| s.is_none()),
                "charta {args:?} could not listen on port {port}"
            );
            return running;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("charta {args:?} did not become ready");
}
