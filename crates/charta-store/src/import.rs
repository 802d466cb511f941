//! Loading specification and working group files into the store.
//!
//! Import is the one path by which file text becomes a stored version, used by
//! `charta import`, the demo seed and the API. It parses, validates against
//! the catalogs and against the current head, and appends in one transaction,
//! so a file is either imported whole or not at all.

use crate::{NewVersion, Store, StoreError, StoreResult};
use charta_domain::CatalogSet;
use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_domain::group::GroupFile;
use charta_domain::validate::{check_spec, check_succession};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new version was stored.
    Created { spec: String, version: i64 },
    /// The file matches the newest version; nothing was stored.
    Unchanged { spec: String, version: i64 },
    /// A working group file was applied.
    Group { group: String, members: usize },
}

/// How an imported version is recorded.
#[derive(Debug, Clone, Copy)]
pub struct ImportMeta<'a> {
    /// Like a commit message.
    pub message: &'a str,
    pub created_by: &'a str,
    /// Create a new specification as a draft, readable by its group only.
    pub draft: bool,
}

/// Imports a specification file: a changed file becomes a new version. A
/// new specification is public.
pub async fn import_spec_text(
    store: &Store,
    catalogs: &CatalogSet,
    text: &str,
    message: &str,
    created_by: &str,
) -> StoreResult<ImportOutcome> {
    import_spec(
        store,
        catalogs,
        text,
        ImportMeta {
            message,
            created_by,
            draft: false,
        },
    )
    .await
}

/// Imports a specification file with explicit [`ImportMeta`].
pub async fn import_spec(
    store: &Store,
    catalogs: &CatalogSet,
    text: &str,
    meta: ImportMeta<'_>,
) -> StoreResult<ImportOutcome> {
    let ImportMeta {
        message,
        created_by,
        draft,
    } = meta;
    let spec = parse_spec(text)?;
    check_spec(&spec, catalogs, text)?;
    let canonical = to_canonical(&spec);
    let expected_head = match store.spec(&spec.spec).await {
        Ok(row) => {
            let head = store.version(&row, row.head_version).await?;
            if head.meta.content_hash == content_hash(&canonical) {
                return Ok(ImportOutcome::Unchanged {
                    spec: spec.spec,
                    version: row.head_version,
                });
            }
            let prev = parse_spec(&head.content)?;
            check_succession(&prev, &spec, text)?;
            row.head_version
        }
        Err(StoreError::NotFound(_)) => 0,
        Err(e) => return Err(e),
    };
    let version = store
        .append_version(NewVersion {
            spec: &spec,
            canonical: &canonical,
            message,
            created_by,
            expected_head,
            draft,
            merges_amendment: None,
        })
        .await?;
    Ok(ImportOutcome::Created {
        spec: spec.spec,
        version,
    })
}

/// Imports a working group file; a change is recorded in the audit log as
/// `actor`'s.
pub async fn import_group_text(
    store: &Store,
    text: &str,
    actor: &str,
) -> StoreResult<ImportOutcome> {
    let g = GroupFile::parse(text)?;
    store.upsert_group(&g, actor).await?;
    Ok(ImportOutcome::Group {
        group: g.group,
        members: g.members.len(),
    })
}
