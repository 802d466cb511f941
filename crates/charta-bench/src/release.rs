//! Timings of releases: building and signing the bundle of a generated
//! specification in process, and publishing it through the real route,
//! `POST /specs/{spec}/releases`; and `publish`, which publishes a release
//! into an existing database for `scripts/bench` to serve.
//!
//! The release is that of the generated second version, named 1.1.0, with
//! the first version released before it as 1.0.0: its notes describe the
//! changes since 1.0.0 (10% of the controls with `gen-spec`'s defaults) and
//! their coverage. Publishing needs a release ballot that passed on the
//! version, which is opened, voted on by the group's one organisation and
//! closed at its deadline through the store API, as the demo seed does.
//! Publishing a release is final (a version is released once and release
//! names only move forward), so every timed publication is of a
//! specification of its own, imported before the clock starts.

use crate::harness::{
    TempDb, TwoVersions, browser_cookie, post_form, print_table, row, send, time_get, two_versions,
};
use crate::stats::time;
use anyhow::{Context, Result, anyhow, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use charta_domain::ballot::{BallotKind, Position};
use charta_domain::format::{content_hash, parse_spec, to_canonical};
use charta_domain::{CatalogSet, Spec};
use charta_release::{BallotRef, Predecessor, ReleaseInput, SigningKey, build};
use charta_store::{
    NewBallot, NewSession, NewVote, SpecRow, Store, import_group_text, import_spec_text,
};
use charta_web::auth::secret;
use charta_web::{AppState, WebConfig, router};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The issuer the benchmark's people are recorded under.
const ISSUER: &str = "https://charta-bench.invalid";
/// The session cookie value of the group's chair, who publishes. The
/// database is a throwaway file, so a fixed value is as good as a random one.
pub(crate) const CHAIR_SESSION: &str = "charta-bench-session-of-the-chair";

/// What `release` measures.
#[derive(Debug, Clone)]
pub struct Options {
    /// Directory written by `gen-spec`; its last two specification files
    /// are released as 1.0.0 and 1.1.0.
    pub dir: PathBuf,
    pub runs: usize,
    pub warmup: usize,
    /// Timed publications through the route (each imports a specification
    /// of its own first, untimed).
    pub publish_runs: usize,
}

/// What `publish` does.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    pub database_url: String,
    pub slug: String,
    /// The version to release; the newest when `None`.
    pub version: Option<i64>,
    pub name: String,
    /// The release key file, created (mode 0600) if missing.
    pub key: PathBuf,
}

/// The chair and the representative of the group's organisation.
pub(crate) struct People {
    pub(crate) chair: i64,
    rep: i64,
    org: i64,
}

/// Makes a chair (signed in with multi-factor, session [`CHAIR_SESSION`])
/// and a representative of the group's first organisation, who votes.
pub(crate) async fn people(store: &Store, group_id: i64) -> Result<People> {
    let org = store
        .organizations(group_id)
        .await?
        .first()
        .map(|o| o.id)
        .context("the working group has no member organisation to vote on a release")?;
    let chair = store
        .upsert_user(ISSUER, "chair", "chair@charta-bench.invalid", "Bench Chair")
        .await?
        .id;
    store.add_membership(group_id, chair, "chair", None).await?;
    let rep = store
        .upsert_user(
            ISSUER,
            "rep",
            "rep@charta-bench.invalid",
            "Bench Representative",
        )
        .await?
        .id;
    store
        .add_membership(group_id, rep, "representative", Some(org))
        .await?;
    store
        .create_session(NewSession {
            id_hash: &secret::hash(CHAIR_SESSION),
            user_id: chair,
            lifetime: time::Duration::days(1),
            mfa: true,
            amr: "mfa",
            acr: "",
        })
        .await?;
    Ok(People { chair, rep, org })
}

/// Opens a release ballot on `version` that ran from three hours ago until
/// an hour ago, with the organisation's approval cast at the start. The
/// caller closes it with `close_due_ballots`.
pub(crate) async fn release_ballot(
    store: &Store,
    spec: &SpecRow,
    version: i64,
    p: &People,
) -> Result<()> {
    let rules = store.group_rules(spec.group_id).await?;
    let opened_at = OffsetDateTime::now_utc() - time::Duration::hours(3);
    let title = format!("Release version {version} of {}", spec.slug);
    let subject = format!("spec:{}@{version}", spec.slug);
    let id = store
        .open_ballot(NewBallot {
            group_id: spec.group_id,
            spec_id: spec.id,
            kind: BallotKind::Release,
            amendment_id: None,
            version: Some(version),
            revision: None,
            title: &title,
            rules: &rules,
            opened_by: p.chair,
            opened_at,
            closes_at: opened_at + time::Duration::hours(2),
            subject: &subject,
        })
        .await?;
    let ballot = store.ballot(id).await?;
    store
        .cast_vote(
            &ballot,
            NewVote {
                organization_id: p.org,
                user_id: p.rep,
                position: Position::Approve,
                rationale: "",
                at: opened_at + time::Duration::minutes(5),
            },
        )
        .await?;
    Ok(())
}

/// The input of release `name` of `spec`, after `predecessor` if any, as
/// publishing assembles it (one approving ballot, no merged amendments).
fn input(
    spec: &Spec,
    version: u64,
    name: &str,
    predecessor: Option<(&str, &Spec)>,
    group_name: &str,
) -> ReleaseInput {
    ReleaseInput {
        spec_slug: spec.spec.clone(),
        spec_title: spec.title.clone(),
        group_slug: spec.group.clone(),
        group_name: group_name.to_string(),
        version_name: name.to_string(),
        spec_version: version,
        date: OffsetDateTime::now_utc().date(),
        content_hash: content_hash(&to_canonical(spec)),
        spec: spec.clone(),
        predecessor: predecessor.map(|(n, s)| Predecessor {
            version_name: n.to_string(),
            spec: s.clone(),
        }),
        ballots: vec![BallotRef {
            id: "1".into(),
            path: "/ballots/1".into(),
            outcome: "passed".into(),
        }],
        amendments: Vec::new(),
        base_url: WebConfig::default().public_url,
        audit_checkpoint: None,
    }
}

/// `text` with its `spec:` line naming `slug` instead.
fn renamed(text: &str, slug: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut done = false;
    for line in text.split_inclusive('\n') {
        if !done && line.starts_with("spec:") {
            out.push_str(&format!("spec: {slug}\n"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    ensure!(done, "the specification text has no `spec:` line");
    Ok(out)
}

/// Runs every measurement of `release` and prints the tables.
pub async fn run(o: &Options) -> Result<()> {
    ensure!(o.runs > 0, "--runs must be at least 1");
    let catalogs = CatalogSet::builtin().context("the built-in catalogs are invalid")?;
    let TwoVersions {
        groups,
        old_text: v1_text,
        new_text: v2_text,
        old: v1,
        new: v2,
        slug,
    } = two_versions(&o.dir)?;
    let (v1_text, v2_text) = (&v1_text, &v2_text);
    let group_name = "Benchmark Working Group";
    let key = SigningKey::from_bytes(&[7; 32]);

    // The domain alone: what `charta_release` does, on parsed snapshots.
    let second = input(&v2, 2, "1.1.0", Some(("1.0.0", &v1)), group_name);
    let first = input(&v1, 1, "1.0.0", None, group_name);
    let bundle = build(&second, &catalogs).context("building release 1.1.0")?;
    println!(
        "{slug}: release 1.1.0 of version 2 ({} controls, {} active), notes against 1.0.0 (version 1): {} normative and {} editorial changes, {} coverage changes",
        v2.controls.len(),
        v2.controls
            .iter()
            .filter(|c| c.status == charta_domain::ControlStatus::Active)
            .count(),
        bundle.notes.summary.normative,
        bundle.notes.summary.editorial,
        bundle.notes.coverage.len()
    );
    let files = bundle.into_signed_files(&key);
    let total: usize = files.values().map(Vec::len).sum();
    println!("\nArtefacts of release 1.1.0 ({total} bytes in all):\n");
    println!("| file | bytes |");
    println!("|---|---:|");
    for (name, bytes) in &files {
        println!("| {name} | {} |", bytes.len());
    }

    let mut domain = Vec::new();
    domain.push(row(
        "parse one stored version (1 MB YAML to `Spec`; publishing 1.1.0 parses 2)",
        &time(1, o.runs.min(20), || parse_spec(v2_text)),
        None,
    )?);
    domain.push(row(
        "`build` of 1.1.0: every artefact, notes and coverage against 1.0.0 (no signature)",
        &time(o.warmup, o.runs, || build(&second, &catalogs)),
        None,
    )?);
    let unsigned = build(&second, &catalogs)?;
    domain.push(row(
        "`Bundle::sign` (Ed25519 over the manifest)",
        &time(o.warmup, o.runs, || unsigned.sign(&key)),
        None,
    )?);
    domain.push(row(
        "**`build` + `into_signed_files` of 1.1.0 (all artefacts, notes, coverage, signature)**",
        &time(o.warmup, o.runs, || {
            build(&second, &catalogs).map(|b| b.into_signed_files(&key))
        }),
        None,
    )?);
    domain.push(row(
        "`build` + `into_signed_files` of 1.0.0 (first release, no predecessor)",
        &time(o.warmup, o.runs, || {
            build(&first, &catalogs).map(|b| b.into_signed_files(&key))
        }),
        None,
    )?);
    domain.push(row(
        "publishing's computation without SQL: parse 2 stored texts, build, sign, SHA-256 of every file",
        &time(1, o.runs.min(20), || -> Result<usize> {
            let spec = parse_spec(v2_text)?;
            let previous = parse_spec(v1_text)?;
            let i = input(&spec, 2, "1.1.0", Some(("1.0.0", &previous)), group_name);
            let files = build(&i, &catalogs)?.into_signed_files(&key);
            Ok(files
                .values()
                .map(|c| {
                    use sha2::Digest as _;
                    sha2::Sha256::digest(c)[0] as usize
                })
                .sum())
        }),
        None,
    )?);
    print_table("Building a release, in process", &domain);

    publish_through_router(o, &catalogs, &groups, v1_text, v2_text, &slug, &key).await
}

/// Times `POST /specs/{spec}/releases` of 1.0.0 and then 1.1.0, each
/// sample on a specification of its own, and reading the artefacts back.
async fn publish_through_router(
    o: &Options,
    catalogs: &CatalogSet,
    groups: &[(PathBuf, String)],
    v1_text: &str,
    v2_text: &str,
    slug: &str,
    key: &SigningKey,
) -> Result<()> {
    ensure!(o.publish_runs > 0, "--publish-runs must be at least 1");
    let db = TempDb::new("release");
    let store = Store::connect(&db.url()).await?;
    store.migrate().await?;
    for (p, text) in groups {
        import_group_text(&store, text, "charta-bench")
            .await
            .with_context(|| format!("importing {}", p.display()))?;
    }
    let group_id = {
        let first = format!("{slug}-p0");
        import_spec_text(
            &store,
            catalogs,
            &renamed(v1_text, &first)?,
            "benchmark",
            "charta-bench",
        )
        .await
        .context("importing the first specification")?;
        store.spec(&first).await?.group_id
    };
    let who = people(&store, group_id).await?;
    let config = WebConfig::default();
    let cookie = browser_cookie(&config, CHAIR_SESSION);
    let state = AppState::with_release_key(
        store.clone(),
        Arc::new(CatalogSet::builtin().context("the built-in catalogs are invalid")?),
        config,
        Some(key.clone()),
    );
    let app = router(state.clone());

    let warmup = o.warmup.min(2);
    let mut firsts = Vec::with_capacity(o.publish_runs);
    let mut seconds = Vec::with_capacity(o.publish_runs);
    let mut last = String::new();
    for i in 0..warmup + o.publish_runs {
        // Untimed: the specification's two versions and the two passed
        // release ballots.
        let s = format!("{slug}-p{i}");
        if i > 0 {
            import_spec_text(
                &store,
                catalogs,
                &renamed(v1_text, &s)?,
                "benchmark",
                "charta-bench",
            )
            .await
            .with_context(|| format!("importing version 1 of {s}"))?;
        }
        import_spec_text(
            &store,
            catalogs,
            &renamed(v2_text, &s)?,
            "benchmark",
            "charta-bench",
        )
        .await
        .with_context(|| format!("importing version 2 of {s}"))?;
        let row = store.spec(&s).await?;
        ensure!(row.head_version == 2, "{s} does not have two versions");
        release_ballot(&store, &row, 1, &who).await?;
        release_ballot(&store, &row, 2, &who).await?;
        store.close_due_ballots(OffsetDateTime::now_utc()).await?;

        let uri = format!("/specs/{s}/releases");
        for (fields, name, samples) in [
            ("version=1&name=1.0.0", "1.0.0", &mut firsts),
            ("version=2&name=1.1.0", "1.1.0", &mut seconds),
        ] {
            let req = post_form(&uri, &cookie, fields)?;
            let t = Instant::now();
            let (status, body) = send(&app, req).await?;
            let took = t.elapsed();
            ensure!(
                status == StatusCode::SEE_OTHER,
                "POST {uri} ({fields}) answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
            if i >= warmup {
                samples.push(took);
            }
            last = format!("/releases/{s}/{name}/");
        }
    }

    // The last release, read back: rebuilt from the database it equals the
    // stored files byte for byte, and its catalog is served from memory.
    let last_slug = format!("{slug}-p{}", warmup + o.publish_runs - 1);
    let spec_row = store.spec(&last_slug).await?;
    let release = store.release(spec_row.id, "1.1.0").await?;
    let rebuilt = charta_app::release::rebuild(&state, &release)
        .await
        .map_err(|e| anyhow!("rebuilding {last}: {e}"))?;
    for (name, bytes) in &rebuilt {
        let stored = store.release_file(release.id, name).await?;
        ensure!(
            &stored.content == bytes,
            "{name} of {last} differs from the same release rebuilt"
        );
    }
    let catalog = format!("{last}{}", charta_release::CATALOG_OSCAL);
    let (artefact, bytes) = time_get(&app, &catalog, None, o.warmup.max(1), o.runs).await?;
    let etag = {
        let resp =
            tower::ServiceExt::oneshot(app.clone(), crate::harness::get_request(&catalog, None)?)
                .await?;
        resp.headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .context("the catalog has no ETag")?
    };
    let mut revalidations: Vec<Duration> = Vec::with_capacity(o.runs);
    for i in 0..o.warmup + o.runs {
        let req = Request::get(&catalog)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())?;
        let t = Instant::now();
        let (status, _) = send(&app, req).await?;
        let took = t.elapsed();
        ensure!(
            status == StatusCode::NOT_MODIFIED,
            "{catalog} with its ETag answered {status}"
        );
        if i >= o.warmup {
            revalidations.push(took);
        }
    }

    let web = vec![
        row(
            "publish 1.0.0 of version 1 (first release): `POST /specs/{spec}/releases` (303)",
            &firsts,
            None,
        )?,
        row(
            "**publish 1.1.0 of version 2, notes against 1.0.0: `POST /specs/{spec}/releases` (303)**",
            &seconds,
            None,
        )?,
        row(
            format!("the catalog, warm: GET {catalog}"),
            &artefact,
            Some(bytes),
        )?,
        row(
            "the catalog with `If-None-Match` of its ETag (304)",
            &revalidations,
            None,
        )?,
    ];
    print_table(
        "Publishing through `charta_web::router` with `oneshot`, SQLite (each sample on a specification of its own, imported untimed)",
        &web,
    );
    store.close().await;
    Ok(())
}

/// Publishes a release of an imported specification into the database at
/// `database_url`: makes a chair and a representative, a release ballot
/// that passed, and publishes with `charta_app::release::publish_as`, as
/// the chair's `POST /specs/{spec}/releases` does.
pub async fn publish(o: &PublishOptions) -> Result<()> {
    let store = Store::connect(&o.database_url).await?;
    store.migrate().await?;
    let row = store
        .spec(&o.slug)
        .await
        .with_context(|| format!("no specification {} in {}", o.slug, o.database_url))?;
    let version = o.version.unwrap_or(row.head_version);
    let who = people(&store, row.group_id).await?;
    release_ballot(&store, &row, version, &who).await?;
    store.close_due_ballots(OffsetDateTime::now_utc()).await?;
    let key = charta_release::key::load_or_create(&o.key)
        .with_context(|| format!("cannot use the release key file {}", o.key.display()))?;
    let state = AppState::with_release_key(
        store.clone(),
        Arc::new(CatalogSet::builtin().context("the built-in catalogs are invalid")?),
        WebConfig::default(),
        Some(key),
    );
    let t = Instant::now();
    let release = charta_app::release::publish_as(&state, who.chair, &row, version, &o.name)
        .await
        .map_err(|e| anyhow!("publishing {} {}: {e}", o.slug, o.name))?;
    let took = t.elapsed();
    let files = store.release_file_list(release.id).await?;
    println!(
        "published /releases/{}/{}/ (version {version}) in {:.1} ms: {}",
        o.slug,
        release.name,
        took.as_secs_f64() * 1000.0,
        files
            .iter()
            .map(|(name, _, size)| format!("{name} {size} bytes"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    store.close().await;
    Ok(())
}
