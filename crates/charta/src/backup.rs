//! `charta backup` and `charta restore`: a consistent, portable copy of a
//! whole instance, and the way from SQLite to PostgreSQL.

use anyhow::{Context, Result, bail};
use charta_store::Store;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

/// Writes a gzip-compressed backup of `store` to `file`, through a
/// temporary file beside it, so that a failed backup never leaves a
/// truncated file under the name asked for.
pub async fn backup(store: &Store, file: &Path) -> Result<()> {
    if file.exists() {
        bail!(
            "{} exists already; choose a new file name (a backup never overwrites one)",
            file.display()
        );
    }
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut out = GzEncoder::new(BufWriter::new(tmp.as_file()), Compression::default());
    let summary = store.backup(&mut out).await?;
    out.finish()
        .and_then(|mut w| w.flush())
        .context("cannot finish the backup file")?;
    tmp.as_file()
        .sync_all()
        .context("cannot write the backup to disk")?;
    tmp.persist_noclobber(file)
        .with_context(|| format!("cannot name the backup {}", file.display()))?;
    println!(
        "Backed up {} rows of {} tables to {}.",
        summary.rows,
        summary.tables,
        file.display()
    );
    Ok(())
}

/// Loads a backup (compressed or not) into the empty database of `store`,
/// then checks the audit chain it brought along.
pub async fn restore(store: &Store, file: &Path) -> Result<()> {
    let mut f =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut magic = [0u8; 2];
    let gz = f.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let f = std::fs::File::open(file)?;
    let mut input: Box<dyn std::io::BufRead> = if gz {
        Box::new(BufReader::new(GzDecoder::new(f)))
    } else {
        Box::new(BufReader::new(f))
    };
    let summary = store
        .restore(&mut input)
        .await
        .with_context(|| format!("cannot restore {}", file.display()))?;
    println!(
        "Restored {} rows of {} tables from {}.",
        summary.rows,
        summary.tables,
        file.display()
    );
    match store.verify_audit().await? {
        Ok(n) => println!("Audit log verified: {n} entries, hash chain intact."),
        Err(e) => bail!("the restored audit log does not verify: {e}"),
    }
    Ok(())
}
