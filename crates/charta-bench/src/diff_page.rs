//! In-process timings of comparing two versions: the domain diff alone and
//! the whole diff page through the real router.
//!
//! The router is the one `charta serve` runs (`charta_web::router`), on a
//! fresh SQLite file holding the files under the given directory, driven
//! with `tower::ServiceExt::oneshot`. A request's time runs from handing
//! the request to the router until the last byte of the body has been
//! collected: routing, middleware, the database lookup of the
//! specification, the diff, the view models and the template. It leaves
//! out the socket, HTTP parsing and the kernel.

use crate::harness::{TempDb, TwoVersions, get, print_table, row, time_get, two_versions};
use crate::stats::time;
use anyhow::{Context, Result, ensure};
use axum::http::StatusCode;
use charta_domain::CatalogSet;
use charta_domain::diff::diff_specs;
use charta_domain::format::parse_spec;
use charta_domain::validate::check_spec;
use charta_store::{Store, import_group_text, import_spec_text};
use charta_web::{AppState, WebConfig, router};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Directory written by `gen-spec` (or any directory of group and
    /// specification files whose last two specification files are the two
    /// versions to compare).
    pub dir: PathBuf,
    pub runs: usize,
    pub warmup: usize,
    /// Fresh application states for the cold measurement.
    pub cold_runs: usize,
}

/// Runs every measurement and prints the tables.
pub async fn run(o: &Options) -> Result<()> {
    ensure!(o.runs > 0, "--runs must be at least 1");
    let catalogs = CatalogSet::builtin().context("the built-in catalogs are invalid")?;
    let TwoVersions {
        groups,
        old_text,
        new_text,
        old,
        new,
        slug,
    } = two_versions(&o.dir)?;
    let (old_text, new_text) = (&old_text, &new_text);

    // The domain alone.
    let d = diff_specs(&old, &new);
    println!(
        "{slug}: {} and {} controls, {} and {} bytes of canonical YAML; {} controls changed ({} added, {} modified, {} withdrawn), {} normative",
        old.controls.len(),
        new.controls.len(),
        old_text.len(),
        new_text.len(),
        d.changed().count(),
        d.summary.added,
        d.summary.modified,
        d.summary.withdrawn,
        d.summary.normative,
    );
    let mut domain = Vec::new();
    domain.push(row(
        "parse one version (YAML to `Spec`)",
        &time(1, o.runs.min(20), || parse_spec(new_text)),
        None,
    )?);
    let catalogs_for_check = CatalogSet::builtin().context("the built-in catalogs are invalid")?;
    domain.push(row(
        "`check_spec` of one version with its source text (as on import and `POST /api/v1/validate`)",
        &time(1, o.runs.min(10), || check_spec(&new, &catalogs_for_check, new_text)),
        None,
    )?);
    domain.push(row(
        "`check_spec` of the same version without source text (no line lookups)",
        &time(1, o.runs.min(10), || {
            check_spec(&new, &catalogs_for_check, "")
        }),
        None,
    )?);
    domain.push(row(
        "`diff_specs` (domain diff)",
        &time(o.warmup, o.runs, || diff_specs(&old, &new)),
        None,
    )?);

    // A database holding the files, as `charta import` leaves it.
    let db = TempDb::new("diff");
    let store = Store::connect(&db.url()).await?;
    store.migrate().await?;
    for (p, text) in &groups {
        import_group_text(&store, text, "charta-bench")
            .await
            .with_context(|| format!("importing {}", p.display()))?;
    }
    for (which, text) in [
        ("the older version", old_text),
        ("the newer version", new_text),
    ] {
        import_spec_text(&store, &catalogs, text, "benchmark", "charta-bench")
            .await
            .with_context(|| format!("importing {which}"))?;
    }
    let spec_row = store.spec(&slug).await?;
    let (to, from) = (spec_row.head_version, spec_row.head_version - 1);
    let catalogs = Arc::new(catalogs);
    let page = format!("/specs/{slug}/diff?from={from}&to={to}");

    print_table("Domain, in process", &domain);

    // Cold: a fresh application state each time, so both versions are read
    // from SQLite, parsed and serialised into the version cache first.
    let mut cold = Vec::with_capacity(o.cold_runs);
    let mut cold_bytes = 0;
    for _ in 0..o.cold_runs {
        let app = router(AppState::new(
            store.clone(),
            catalogs.clone(),
            WebConfig::default(),
        ));
        let t = Instant::now();
        let (status, body) = get(&app, &page).await?;
        cold.push(t.elapsed());
        ensure!(status == StatusCode::OK, "{page} answered {status}");
        cold_bytes = body.len();
    }

    let state = AppState::new(store.clone(), catalogs.clone(), WebConfig::default());
    let app = router(state.clone());
    let mut web = Vec::new();
    if !cold.is_empty() {
        web.push(row(
            format!("diff page, cold version cache: GET {page}"),
            &cold,
            Some(cold_bytes),
        )?);
    }
    let (s, b) = time_get(&app, &page, None, o.warmup.max(1), o.runs).await?;
    web.push(row(
        format!("**diff page, warm: GET {page}**"),
        &s,
        Some(b),
    )?);
    let split = format!("{page}&view=split");
    let (s, b) = time_get(&app, &split, None, o.warmup.max(1), o.runs).await?;
    web.push(row(
        format!("diff page, side by side, warm: GET {split}"),
        &s,
        Some(b),
    )?);
    let api = format!("/api/v1/specs/{slug}/diff?from={from}&to={to}");
    let (s, b) = time_get(&app, &api, None, o.warmup.max(1), o.runs).await?;
    web.push(row(format!("diff JSON, warm: GET {api}"), &s, Some(b))?);
    let version = format!("/api/v1/specs/{slug}/versions/{to}");
    let (s, b) = time_get(&app, &version, None, o.warmup.max(1), o.runs).await?;
    web.push(row(
        format!("version JSON, warm: GET {version}"),
        &s,
        Some(b),
    )?);

    let mut lookups = Vec::with_capacity(o.runs);
    for _ in 0..o.runs {
        let t = Instant::now();
        state.store.spec(&slug).await?;
        lookups.push(t.elapsed());
    }
    web.push(row(
        "of which: `Store::spec` lookup (one SQLite query)",
        &lookups,
        None,
    )?);
    print_table("Through `charta_web::router` with `oneshot`, SQLite", &web);

    store.close().await;
    Ok(())
}
