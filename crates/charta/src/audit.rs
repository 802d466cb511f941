//! `charta audit`: checking and reading the audit log.

use crate::cli::DbArgs;
use anyhow::{Context, Result, bail};
use charta_store::{AuditEntry, Store};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// What to do with the audit log.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole audit log: every entry present, unaltered and linked
    /// to the one before, and, with --checkpoint, that the log still holds
    /// the entry a signed checkpoint pins, unchanged. Exits with status 1
    /// naming the first broken entry.
    Verify(VerifyArgs),
    /// Show recent entries, oldest first, one per line.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A signed audit checkpoint, as a file or the URL it is published at
    /// (https://INSTANCE/.well-known/charta/audit-checkpoint). Detects a
    /// log cut short or rewritten after the checkpoint was made.
    #[arg(long, value_name = "FILE|URL")]
    pub checkpoint: Option<String>,
    /// The instance's public release key (the JSON document served at
    /// /.well-known/charta/release-key, or a PEM public key) to check the
    /// checkpoint's signature with. Default: the public half of the key
    /// file in CHARTA_RELEASE_KEY.
    #[arg(long, value_name = "FILE", requires = "checkpoint")]
    pub public_key: Option<PathBuf>,
    /// The instance's release key file, used for its public half when no
    /// --public-key is given.
    #[arg(long, env = "CHARTA_RELEASE_KEY", default_value = "charta-release.key")]
    pub release_key: PathBuf,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// How many of the newest entries to show.
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
    /// Only entries about this object, such as spec:steward-baseline or
    /// group:oss-stewards.
    #[arg(long)]
    pub object: Option<String>,
}

impl AuditCommand {
    /// The database the command reads.
    pub fn db(&self) -> &DbArgs {
        match self {
            AuditCommand::Verify(a) => &a.db,
            AuditCommand::List(a) => &a.db,
        }
    }
}

/// Runs an audit command against an open store.
pub async fn run(store: &Store, command: &AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify(a) => verify(store, a).await,
        AuditCommand::List(a) => list(store, a.limit, a.object.as_deref()).await,
    }
}

async fn verify(store: &Store, args: &VerifyArgs) -> Result<()> {
    // The checkpoint is read and its signature checked first: a bad
    // checkpoint says nothing about the log.
    let checkpoint = match &args.checkpoint {
        Some(source) => Some(read_checkpoint(source, args).await?),
        None => None,
    };
    let n = match store.verify_audit().await? {
        Ok(n) => n,
        Err(brk) => bail!("audit log broken: {brk}"),
    };
    let Some(c) = checkpoint else {
        println!("audit log intact: {n} entries");
        return Ok(());
    };
    let len = i64::try_from(n).unwrap_or(i64::MAX);
    if len < c.seq {
        bail!(
            "audit log cut short: the checkpoint made {} pins entry {}, but the log now has {n} entries",
            c.at,
            c.seq
        );
    }
    let pinned = store.audit_entries(c.seq - 1, 1).await?;
    match pinned.first() {
        Some(e) if e.seq == c.seq && e.hash == c.hash => {
            println!(
                "audit log intact: {n} entries; it still holds entry {} exactly as the checkpoint made {} pins it",
                c.seq, c.at
            );
            Ok(())
        }
        Some(e) => bail!(
            "audit log rewritten: the checkpoint made {} pins entry {} with hash {}, but the log's entry {} has hash {}",
            c.at,
            c.seq,
            c.hash,
            e.seq,
            e.hash
        ),
        None => bail!("audit log cut short: entry {} is missing", c.seq),
    }
}

/// Reads a checkpoint from a file or URL and checks its signature.
async fn read_checkpoint(
    source: &str,
    args: &VerifyArgs,
) -> Result<charta_release::checkpoint::Checkpoint> {
    let bytes = if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("cannot set up the HTTP client")?
            .get(source)
            .send()
            .await
            .with_context(|| format!("cannot download the checkpoint {source}"))?;
        if !response.status().is_success() {
            bail!(
                "cannot download the checkpoint {source}: the server answered {}",
                response.status()
            );
        }
        response
            .bytes()
            .await
            .with_context(|| format!("cannot download the checkpoint {source}"))?
            .to_vec()
    } else {
        std::fs::read(source).with_context(|| format!("cannot read the checkpoint {source}"))?
    };
    let key = match &args.public_key {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the public key {}", path.display()))?;
            charta_release::parse_public_key(&bytes)
                .with_context(|| format!("{} is not a Charta release public key", path.display()))?
        }
        None => charta_release::key::load(&args.release_key)
            .with_context(|| {
                format!(
                    "cannot read the release key {} to check the checkpoint's signature; pass --public-key FILE",
                    args.release_key.display()
                )
            })?
            .verifying_key(),
    };
    charta_release::checkpoint::verify_checkpoint(&bytes, &key)
        .map_err(|e| anyhow::anyhow!("the checkpoint {source} cannot be trusted: {e}"))
}

async fn list(store: &Store, limit: i64, object: Option<&str>) -> Result<()> {
    let limit = limit.max(0);
    let entries = match object {
        Some(object) => {
            let mut newest_first = store.audit_entries_for(object).await?;
            newest_first.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            newest_first.reverse();
            newest_first
        }
        None => {
            let head = store.audit_head().await?;
            store
                .audit_entries((head.seq - limit).max(0), limit)
                .await?
        }
    };
    for e in &entries {
        println!("{}", line(e));
    }
    Ok(())
}

/// One entry as a line: number, time, actor, action, object, details.
fn line(e: &AuditEntry) -> String {
    format!(
        "{:>6}  {}  {}  {}  {}  {}",
        e.seq, e.at, e.actor, e.action, e.object, e.details
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_shows_every_field_but_the_hashes() {
        let e = AuditEntry {
            seq: 7,
            at: "2026-11-22T10:00:00.000000Z".into(),
            actor: "charta import".into(),
            action: "group.upsert".into(),
            object: "group:wg".into(),
            details: "{}".into(),
            prev_hash: "p".into(),
            hash: "h".into(),
        };
        assert_eq!(
            line(&e),
            "     7  2026-11-22T10:00:00.000000Z  charta import  group.upsert  group:wg  {}"
        );
    }
}
