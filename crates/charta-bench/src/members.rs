//! A working group for the write benchmarks: one specification of one
//! control, a chair, and a number of member organisations each with a
//! representative, who can act through the use cases as themselves.

use anyhow::{Context, Result};
use charta_app::viewer::Viewer;
use charta_domain::CatalogSet;
use charta_domain::ballot::{BallotKind, Rules};
use charta_store::{ImportMeta, NewBallot, Store, import_group_text, import_spec};

/// The group, its specification and who is in it.
pub struct Members {
    pub store: Store,
    pub slug: String,
    pub group_id: i64,
    pub spec_id: i64,
    pub chair: i64,
    /// Each organisation's slug and its representative.
    pub voters: Vec<(String, Viewer)>,
}

/// Migrates the (empty) database at `url` and loads a group `slug` with
/// `organisations` members and a public specification of the same slug.
pub async fn members(url: &str, slug: &str, organisations: usize) -> Result<Members> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let mut group = format!("group: {slug}\nname: Bench {slug}\nmembers:\n");
    for i in 0..organisations {
        group.push_str(&format!("  - slug: org-{i}\n    name: Organisation {i}\n"));
    }
    import_group_text(&store, &group, "bench").await?;
    let spec = format!(
        "spec: {slug}\ngroup: {slug}\ntitle: Bench {slug}\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: BX-VM-01\n    section: VM\n    title: A control\n    level: 1\n    status: active\n    statement: Projects MUST publish a policy.\n"
    );
    let meta = ImportMeta {
        message: "bench",
        created_by: "bench",
        draft: false,
    };
    let catalogs = CatalogSet::builtin().context("the built-in catalogs are invalid")?;
    import_spec(&store, &catalogs, &spec, meta).await?;
    let row = store.spec(slug).await?;
    let chair = store
        .upsert_user("https://bench", "chair", "chair@bench.example", "Chair")
        .await?;
    store
        .add_membership(row.group_id, chair.id, "chair", None)
        .await?;
    let mut voters = Vec::new();
    for org in store.organizations(row.group_id).await? {
        let sub = format!("rep-{}", org.id);
        let u = store
            .upsert_user("https://bench", &sub, &format!("{sub}@bench.example"), &sub)
            .await?;
        store.set_email_verified(u.id, true).await?;
        store
            .add_membership(row.group_id, u.id, "representative", Some(org.id))
            .await?;
        let memberships = store.memberships_of(u.id).await?;
        voters.push((org.slug.clone(), Viewer::acting_as(u, memberships)));
    }
    Ok(Members {
        slug: slug.to_string(),
        group_id: row.group_id,
        spec_id: row.id,
        chair: chair.id,
        voters,
        store,
    })
}

impl Members {
    /// Opens a release ballot on version `n` (a week long); its id.
    pub async fn open_ballot(&self, n: i64) -> Result<i64> {
        let now = time::OffsetDateTime::now_utc();
        let subject = format!("spec:{}@{n}", self.slug);
        Ok(self
            .store
            .open_ballot(NewBallot {
                group_id: self.group_id,
                spec_id: self.spec_id,
                kind: BallotKind::Release,
                amendment_id: None,
                version: Some(n),
                revision: None,
                title: "Release",
                rules: &Rules::default(),
                opened_by: self.chair,
                opened_at: now,
                closes_at: now + time::Duration::days(7),
                subject: &subject,
            })
            .await?)
    }
}
