//! Seeding the demo instance.

use anyhow::{Context, Result};
use charta_domain::CatalogSet;
use charta_store::{Backend, Store, import_group_text, import_spec_text};

const GROUP: &str = include_str!("../../../specs/groups/oss-stewards.yaml");
/// The seed specification's history, oldest first, with the message each
/// version was published with.
const SEED: [(&str, &str); 3] = [
    (
        include_str!("../../../specs/seed/steward-baseline/v1.yaml"),
        "First public draft",
    ),
    (
        include_str!("../../../specs/seed/steward-baseline/v2.yaml"),
        "Tighten disclosure timelines and add supply-chain controls after member review",
    ),
    (
        include_str!("../../../specs/seed/steward-baseline/v3.yaml"),
        "Reorganise release controls, withdraw superseded ones, add incident reporting",
    ),
];
const SEED_SLUG: &str = "steward-baseline";

/// Loads the demo working group and the seed specification's three
/// versions, unless they are already there.
pub async fn seed(store: &Store, catalogs: &CatalogSet) -> Result<()> {
    import_group_text(store, GROUP, "demo seed")
        .await
        .context("seeding the demo working group")?;
    if store.spec(SEED_SLUG).await.is_ok() {
        tracing::info!("demo data already present; start with --reset to seed it again");
        return Ok(());
    }
    for (i, (text, message)) in SEED.iter().enumerate() {
        import_spec_text(store, catalogs, text, message, "demo seed")
            .await
            .with_context(|| format!("seeding version {} of the demo specification", i + 1))?;
    }
    tracing::info!("demo data seeded");
    Ok(())
}

/// Deletes a SQLite database file and its WAL companions, for `--reset`.
pub fn remove_sqlite_file(url: &str) -> Result<()> {
    if Backend::from_url(url)? != Backend::Sqlite {
        anyhow::bail!("--reset only deletes SQLite demo databases");
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete {p}")),
        }
    }
    Ok(())
}
