//! `charta import --format gemara` and `charta export --format gemara`:
//! Gemara layer-2 control catalogs in and out. Importing writes a reference
//! catalog file (the `specs/catalogs/` format) rather than storing
//! anything, because reference catalogs are compiled into the binary and
//! reviewed like code.

use crate::cli::{ExportArgs, ImportArgs};
use anyhow::{Context, Result, anyhow, bail};
use charta_domain::CatalogSet;
use charta_domain::gemara::{CatalogHeader, export, import, to_yaml};
use charta_store::Store;
use std::path::Path;

/// Reads the Gemara files at `a.path` (a file, or a directory of family
/// files) into one reference catalog and writes it.
pub fn import_catalog(a: &ImportArgs) -> Result<()> {
    let files = crate::files::yaml_files(&a.path)?;
    if files.is_empty() {
        bail!("no .yaml files under {}", a.path.display());
    }
    let mut texts = Vec::with_capacity(files.len());
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?;
        texts.push((f.display().to_string(), text));
    }
    let slug = a
        .catalog
        .clone()
        .ok_or_else(|| anyhow!("--catalog SLUG names the reference catalog to write"))?;
    let header = CatalogHeader {
        title: a.title.clone().unwrap_or_else(|| slug.clone()),
        catalog: slug,
        version: a.edition.clone().unwrap_or_default(),
        revised: a.revised.clone(),
        publisher: a.publisher.clone().unwrap_or_default(),
        source: a.source.clone().unwrap_or_default(),
        description: String::new(),
    };
    let catalog = import(&texts, &header).map_err(|e| anyhow!("nothing was imported:\n{e}"))?;
    let yaml = to_yaml(&catalog).map_err(|e| anyhow!("{e}"))?;
    let items = catalog.items().count();
    write(a.output.as_deref(), &yaml)?;
    eprintln!("read {items} items into catalog {}", catalog.catalog);
    Ok(())
}

/// Writes a stored specification version as a Gemara control catalog.
pub async fn export_spec(store: &Store, catalogs: &CatalogSet, a: &ExportArgs) -> Result<()> {
    let row = store.spec(&a.spec).await?;
    let n = a.version.unwrap_or(row.head_version);
    let v = store.version(&row, n).await?;
    let spec = charta_domain::format::parse_spec(&v.content).map_err(|e| anyhow!("{e}"))?;
    let yaml = export(&spec, catalogs).map_err(|e| anyhow!("{e}"))?;
    write(a.output.as_deref(), &yaml)
}

fn write(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}
