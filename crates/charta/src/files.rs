//! `charta import` and `charta export`.

use anyhow::{Context, Result, anyhow, bail};
use charta_domain::CatalogSet;
use charta_domain::format::parse_spec;
use charta_domain::group::GroupFile;
use charta_domain::validate::check_spec;
use charta_store::{ImportMeta, ImportOutcome, Store, StoreError, import_group_text, import_spec};
use std::path::{Path, PathBuf};

/// What a file holds, decided by its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Group,
    Spec,
}

fn kind_of(text: &str) -> FileKind {
    if text.lines().any(|l| l.starts_with("spec:")) {
        FileKind::Spec
    } else {
        FileKind::Group
    }
}

/// Lists the YAML files under `path` (or `path` itself), in path order.
pub(crate) fn yaml_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        bail!("{} does not exist", path.display());
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Formats a domain or storage error with the file it came from, one problem
/// per line, as `FILE:LINE: message`.
fn describe(path: &Path, e: &StoreError) -> String {
    match e {
        StoreError::Invalid(f) => f
            .problems
            .iter()
            .map(|p| match p.line {
                Some(l) => format!("{}:{l}: {}", path.display(), p.message),
                None => format!("{}: {}", path.display(), p.message),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => format!("{}: {other}", path.display()),
    }
}

/// Imports the files at `path`. Every file is checked before anything is
/// written, so a bad file anywhere stops the import with nothing changed;
/// then each file is imported in its own transaction.
pub async fn import(
    store: &Store,
    catalogs: &CatalogSet,
    path: &Path,
    message: &str,
    author: &str,
    draft: bool,
) -> Result<()> {
    let files = yaml_files(path)?;
    if files.is_empty() {
        bail!("no .yaml files under {}", path.display());
    }
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?;
        let kind = kind_of(&text);
        let checked = match kind {
            FileKind::Group => GroupFile::parse(&text).map(|_| ()),
            FileKind::Spec => parse_spec(&text).and_then(|s| check_spec(&s, catalogs, &text)),
        };
        match checked {
            Ok(()) => loaded.push((f, kind, text)),
            Err(e) => problems.push(describe(&f, &StoreError::Invalid(e))),
        }
    }
    if !problems.is_empty() {
        bail!("nothing was imported:\n{}", problems.join("\n"));
    }
    // Groups first: specifications name the group that owns them.
    loaded.sort_by_key(|(_, kind, _)| *kind == FileKind::Spec);
    for (f, kind, text) in loaded {
        let outcome = match kind {
            FileKind::Group => import_group_text(store, &text, author).await,
            FileKind::Spec => {
                let meta = ImportMeta {
                    message,
                    created_by: author,
                    draft,
                };
                import_spec(store, catalogs, &text, meta).await
            }
        }
        .map_err(|e| anyhow!(describe(&f, &e)))?;
        match outcome {
            ImportOutcome::Created { spec, version } => {
                println!(
                    "{}: specification {spec} version {version} created",
                    f.display()
                );
            }
            ImportOutcome::Unchanged { spec, version } => {
                println!(
                    "{}: specification {spec} unchanged (version {version})",
                    f.display()
                );
            }
            ImportOutcome::Group { group, members } => {
                println!(
                    "{}: working group {group} with {members} member organisations",
                    f.display()
                );
            }
        }
    }
    Ok(())
}

/// Writes a stored version in canonical form.
pub async fn export(
    store: &Store,
    slug: &str,
    version: Option<i64>,
    output: Option<&Path>,
) -> Result<()> {
    let row = store.spec(slug).await?;
    let n = version.unwrap_or(row.head_version);
    let v = store.version(&row, n).await?;
    match output {
        Some(path) => {
            std::fs::write(path, &v.content)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {slug} version {n} to {}", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(v.content.as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_files() {
        assert_eq!(kind_of("spec: x\ngroup: y\n"), FileKind::Spec);
        assert_eq!(kind_of("group: y\nname: Y\n"), FileKind::Group);
    }
}
