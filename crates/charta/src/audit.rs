//! `charta audit`: checking and reading the audit log.

use crate::cli::DbArgs;
use anyhow::{Result, bail};
use charta_store::{AuditEntry, Store};
use clap::{Args, Subcommand};

/// What to do with the audit log.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole audit log: every entry present, unaltered and linked
    /// to the one before. Exits with status 1 naming the first broken entry.
    Verify(VerifyArgs),
    /// Show recent entries, oldest first, one per line.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
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
    pub fn database_url(&self) -> &str {
        match self {
            AuditCommand::Verify(a) => &a.db.database_url,
            AuditCommand::List(a) => &a.db.database_url,
        }
    }
}

/// Runs an audit command against an open store.
pub async fn run(store: &Store, command: &AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify(_) => verify(store).await,
        AuditCommand::List(a) => list(store, a.limit, a.object.as_deref()).await,
    }
}

async fn verify(store: &Store) -> Result<()> {
    match store.verify_audit().await? {
        Ok(n) => {
            println!("audit log intact: {n} entries");
            Ok(())
        }
        Err(brk) => bail!("audit log broken: {brk}"),
    }
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
