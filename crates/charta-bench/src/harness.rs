//! What the in-process measurements share: reading a generated directory,
//! a throwaway SQLite file, sending requests through the router and
//! printing result tables.
//!
//! Requests go through `tower::ServiceExt::oneshot` on the router that
//! `charta serve` runs, so a sample covers routing, every middleware, the
//! handler and collecting the whole body, but not the socket or HTTP
//! parsing.

use crate::stats::{Summary, ms};
use anyhow::{Context, Result, bail, ensure};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use charta_domain::Spec;
use charta_domain::format::parse_spec;
use charta_web::WebConfig;
use charta_web::auth::session;
use http_body_util::BodyExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// One line of a result table.
pub struct Row {
    pub what: String,
    pub summary: Summary,
    pub bytes: Option<usize>,
}

/// A row from samples; fails when there are none, so an empty measurement
/// cannot print as a misleading zero.
pub fn row(what: impl Into<String>, samples: &[Duration], bytes: Option<usize>) -> Result<Row> {
    Ok(Row {
        what: what.into(),
        summary: Summary::of(samples).context("no samples")?,
        bytes,
    })
}

/// Prints rows as a markdown table under a title.
pub fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}\n");
    println!("| measurement | runs | median ms | p95 ms | min ms | max ms | response bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let s = r.summary;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.what,
            s.runs,
            ms(s.median),
            ms(s.p95),
            ms(s.min),
            ms(s.max),
            r.bytes.map_or_else(|| "-".to_string(), |b| b.to_string())
        );
    }
}

/// A file's path and text.
pub type File = (PathBuf, String);

/// Files under `dir`, split into group files and specification files, each
/// in path order (so `v1.yaml` comes before `v2.yaml`).
pub fn files(dir: &Path) -> Result<(Vec<File>, Vec<File>)> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?
        {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                all.push(p);
            }
        }
    }
    all.sort();
    let mut groups = Vec::new();
    let mut specs = Vec::new();
    for p in all {
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        if text.lines().any(|l| l.starts_with("spec:")) {
            specs.push((p, text));
        } else {
            groups.push((p, text));
        }
    }
    Ok((groups, specs))
}

/// The last two specification files under a directory written by
/// `gen-spec`: two versions of one specification, parsed.
pub struct TwoVersions {
    pub groups: Vec<File>,
    pub old_text: String,
    pub new_text: String,
    pub old: Spec,
    pub new: Spec,
    /// The specification's slug.
    pub slug: String,
}

/// Reads and parses the two versions every in-process measurement starts
/// from.
pub fn two_versions(dir: &Path) -> Result<TwoVersions> {
    let (groups, mut specs) = files(dir)?;
    if specs.len() < 2 {
        bail!(
            "{} holds {} specification files; two versions of one specification are needed",
            dir.display(),
            specs.len()
        );
    }
    let (_, new_text) = specs.pop().context("two files were counted")?;
    let (_, old_text) = specs.pop().context("two files were counted")?;
    let old = parse_spec(&old_text)?;
    let new = parse_spec(&new_text)?;
    ensure!(
        old.spec == new.spec,
        "the last two specification files are different specifications"
    );
    Ok(TwoVersions {
        slug: new.spec.clone(),
        groups,
        old_text,
        new_text,
        old,
        new,
    })
}

/// A SQLite file in the temporary directory, removed with its companions
/// when dropped, so an interrupted or failed run leaves nothing behind.
pub struct TempDb(PathBuf);

impl TempDb {
    /// A file named after the measurement and this process.
    pub fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("charta-bench-{name}-{}.db", std::process::id())))
    }

    /// The `sqlite://` URL of the file.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Sends a request and collects the whole body.
pub async fn send(app: &Router, req: Request<Body>) -> Result<(StatusCode, Bytes)> {
    let resp = app.clone().oneshot(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// A `GET` request, with a `Cookie` header when one is given (to be
/// signed in).
pub fn get_request(uri: &str, cookie: Option<&str>) -> Result<Request<Body>> {
    let mut b = Request::get(uri).header(header::HOST, "127.0.0.1:8080");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    Ok(b.body(Body::empty())?)
}

/// The CSRF token the benchmark's browsers hold (at least 32 characters).
pub const CSRF: &str = "charta-bench-csrf-token-0123456789abcdef";
/// The origin of `WebConfig::default()`, which forms must come from.
pub const ORIGIN: &str = "http://127.0.0.1:8080";

/// The `Cookie` header of a browser signed in with session `session`,
/// holding the CSRF cookie (named `charta_csrf` over plain HTTP, which the
/// default configuration is).
pub fn browser_cookie(config: &WebConfig, session: &str) -> String {
    format!(
        "{}={session}; charta_csrf={CSRF}",
        session::cookie_name(config)
    )
}

/// A form post from a Charta page by the browser holding `cookie` (see
/// [`browser_cookie`]), with the `_csrf` field and an `Origin` header.
pub fn post_form(uri: &str, cookie: &str, fields: &str) -> Result<Request<Body>> {
    Ok(Request::post(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(format!("_csrf={CSRF}&{fields}")))?)
}

/// Sends a `GET` signed out.
pub async fn get(app: &Router, uri: &str) -> Result<(StatusCode, Bytes)> {
    send(app, get_request(uri, None)?).await
}

/// Times `runs` `GET`s of `uri` after `warmup` untimed ones, checking that
/// every answer is 200 OK; returns the samples and the size of the last body.
pub async fn time_get(
    app: &Router,
    uri: &str,
    cookie: Option<&str>,
    warmup: usize,
    runs: usize,
) -> Result<(Vec<Duration>, usize)> {
    let mut bytes = 0;
    for _ in 0..warmup {
        send(app, get_request(uri, cookie)?).await?;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let req = get_request(uri, cookie)?;
        let t = Instant::now();
        let (status, body) = send(app, req).await?;
        samples.push(t.elapsed());
        ensure!(
            status == StatusCode::OK,
            "{uri} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        bytes = body.len();
    }
    Ok((samples, bytes))
}
