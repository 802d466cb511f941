//! A static mirror of everything consumers fetch: every published release
//! (its page and artefacts), the Atom feeds, the public key and the newest
//! audit checkpoint, as files at the same paths as on the instance, so any
//! static host or CDN can serve them and `charta verify` works against it.
//!
//! Each file is what the instance itself answers for that path: the mirror
//! asks the application's own router, in process, as an anonymous visitor,
//! so it can never publish a draft or differ from the live bytes.

use crate::error::Error;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::path::{Path, PathBuf};
use tower::ServiceExt as _;

/// What a mirror run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorSummary {
    pub files: usize,
    pub bytes: u64,
}

/// The paths a mirror holds: releases, feeds, key and checkpoint.
async fn paths(state: &AppState) -> Result<Vec<String>, Error> {
    let mut paths = vec![
        "/.well-known/charta/release-key".to_string(),
        "/.well-known/charta/audit-checkpoint".to_string(),
    ];
    let releases = state.store.all_releases().await?;
    let mut groups: Vec<&str> = Vec::new();
    let mut specs: Vec<&str> = Vec::new();
    for r in &releases {
        let base = format!("/releases/{}/{}/", r.spec_slug, r.name);
        for (file, _, _) in state.store.release_file_list(r.id).await? {
            paths.push(format!("{base}{file}"));
        }
        paths.push(base);
        if !groups.contains(&r.group_slug.as_str()) {
            groups.push(&r.group_slug);
        }
        if !specs.contains(&r.spec_slug.as_str()) {
            specs.push(&r.spec_slug);
        }
    }
    paths.extend(groups.iter().map(|g| format!("/feeds/groups/{g}.atom")));
    paths.extend(specs.iter().map(|s| format!("/feeds/specs/{s}.atom")));
    if !releases.is_empty() {
        // Releases' mapping collections point at the catalogs' OSCAL
        // renderings, so a mirror serves them too.
        paths.extend(
            state
                .catalogs
                .catalogs()
                .iter()
                .map(|c| format!("/catalogs/{}/catalog.oscal.json", c.catalog)),
        );
        paths.extend(
            state
                .catalogs
                .catalogs()
                .iter()
                .flat_map(|c| c.items())
                .map(|i| format!("/feeds/clauses/{}.atom", i.id)),
        );
    }
    Ok(paths)
}

/// Where the answer for `path` goes under `dir`: a path ending in `/`
/// becomes its `index.html`. Paths come from stored slugs and names that
/// the domain already limits to plain segments; anything else is refused.
fn file_for(dir: &Path, path: &str) -> Result<PathBuf, Error> {
    let rel = path.trim_start_matches('/');
    let mut out = dir.to_path_buf();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        if seg == ".." || seg == "." || seg.contains('\\') {
            return Err(Error::Internal(format!(
                "{path} cannot be mirrored as a file"
            )));
        }
        out.push(seg);
    }
    if rel.is_empty() || rel.ends_with('/') {
        out.push("index.html");
    }
    Ok(out)
}

/// Writes the mirror into `dir`, replacing files that are there. Each file
/// is written beside its place and renamed into it, so a host serving `dir`
/// never serves half a file.
pub async fn write(state: &AppState, dir: &Path) -> Result<MirrorSummary, Error> {
    let host = url_host(&state.config.public_url);
    // The live state, so versions already parsed are reused.
    let router = crate::routes::router(state.clone());
    let mut summary = MirrorSummary { files: 0, bytes: 0 };
    for path in paths(state).await? {
        let mut req = Request::get(path.as_str())
            .header(header::HOST, &host)
            .body(Body::empty())
            .map_err(|e| Error::Internal(format!("cannot ask for {path}: {e}")))?;
        // The mirror is not a visitor: no rate limit applies to it.
        req.extensions_mut().insert(crate::rate::Internal);
        let resp = router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| Error::Internal(format!("{path}: {e}")))?;
        let status = resp.status();
        if status == StatusCode::NOT_FOUND && path.ends_with("/audit-checkpoint") {
            continue;
        }
        if status != StatusCode::OK {
            return Err(Error::Internal(format!(
                "{path} answered {status}; the mirror was left incomplete"
            )));
        }
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|e| Error::Internal(format!("{path}: {e}")))?;
        let file = file_for(dir, &path)?;
        let write = |file: &Path, bytes: &[u8]| -> std::io::Result<()> {
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let tmp = file.with_extension("charta-mirror-tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, file)
        };
        write(&file, &bytes)
            .map_err(|e| Error::Internal(format!("cannot write {}: {e}", file.display())))?;
        summary.files += 1;
        summary.bytes += bytes.len() as u64;
    }
    Ok(summary)
}

/// The `Host` the instance answers for: the authority of its public URL.
fn url_host(public_url: &str) -> String {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// Brings the mirror in `CHARTA_MIRROR_DIR` up to date after each
/// publication. It holds the web state weakly: the state owns the hook.
pub struct OnPublish {
    state: std::sync::Weak<crate::state::Web>,
    dir: PathBuf,
}

impl OnPublish {
    pub fn new(state: &AppState, dir: PathBuf) -> Self {
        OnPublish {
            state: state.downgrade(),
            dir,
        }
    }
}

impl charta_app::AfterPublish for OnPublish {
    fn published<'a>(
        &'a self,
        release: &'a charta_store::ReleaseRow,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            let Some(state) = AppState::upgrade(&self.state) else {
                return;
            };
            match write(&state, &self.dir).await {
                Ok(m) => tracing::info!(
                    files = m.files,
                    dir = %self.dir.display(),
                    release = %release.name,
                    "mirror updated"
                ),
                Err(e) => {
                    tracing::warn!("updating the mirror in {} failed: {e}", self.dir.display())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn paths_map_to_files_inside_the_mirror() {
        let d = Path::new("/m");
        assert_eq!(
            file_for(d, "/releases/s/1.0.0/").unwrap(),
            Path::new("/m/releases/s/1.0.0/index.html")
        );
        assert_eq!(
            file_for(d, "/feeds/specs/s.atom").unwrap(),
            Path::new("/m/feeds/specs/s.atom")
        );
        assert!(file_for(d, "/releases/../../etc/passwd").is_err());
        assert_eq!(
            url_host("https://charta.example.org/x"),
            "charta.example.org"
        );
        assert_eq!(url_host("http://127.0.0.1:8080"), "127.0.0.1:8080");
    }
}
