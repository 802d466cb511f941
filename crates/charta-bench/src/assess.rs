//! In-process timings of self-assessments: carrying every answer of an
//! assessment forward to a newer release (the domain alone, and the whole
//! move through the use case with its transaction), and the assessment's
//! page through the real router.
//!
//! Both versions under the given directory are published as releases
//! 1.0.0 and 1.1.0 on a temporary SQLite database; the assessment answers
//! every control of 1.0.0 ("met", with a justification and a link), so a
//! move to 1.1.0 carries the unchanged answers, flags the changed controls
//! and drops the withdrawn ones.

use crate::harness::{TempDb, TwoVersions, print_table, row, time_get, two_versions};
use crate::release::{CHAIR_SESSION, people, release_ballot};
use crate::stats::time;
use anyhow::{Context, Result, anyhow, ensure};
use charta_domain::CatalogSet;
use charta_domain::assessment::{Answer, Status, carry_forward, evaluate, gap_plan};
use charta_store::{NewAnswer, NewAssessment, Store, import_group_text, import_spec_text};
use charta_web::{AppState, WebConfig, router};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    pub runs: usize,
    pub warmup: usize,
}

fn answers(spec: &charta_domain::Spec) -> Vec<Answer> {
    spec.active_controls()
        .map(|c| Answer {
            control: c.id.clone(),
            status: Some(Status::Met),
            justification: format!("{} is met: see the linked record.", c.id),
            evidence: vec![format!("https://example.org/evidence/{}", c.id)],
            review: None,
        })
        .collect()
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
    let given = answers(&old);
    let carried = carry_forward(&old, &new, &given);
    println!(
        "{slug}: {} answers on 1.0.0; moving to 1.1.0 carries {}, flags {} changed and {} new, drops {}",
        given.len(),
        carried
            .answers
            .iter()
            .filter(|a| a.review.is_none())
            .count(),
        carried.redlines.len(),
        carried
            .answers
            .iter()
            .filter(|a| a.review == Some(charta_domain::assessment::Review::New))
            .count(),
        carried.dropped.len()
    );
    let mut domain = Vec::new();
    domain.push(row(
        "carry 1.0.0's answers forward to 1.1.0 (`carry_forward`, with the diff)",
        &time(o.warmup, o.runs, || carry_forward(&old, &new, &given)),
        None,
    )?);
    let target = charta_domain::spec::Level::clamped(2);
    domain.push(row(
        "standing per level and the gap plans for levels 2 and 3 (`evaluate`, `gap_plan`)",
        &time(o.warmup, o.runs, || {
            (
                evaluate(&new, &carried.answers),
                gap_plan(&new, &carried.answers, target),
                gap_plan(
                    &new,
                    &carried.answers,
                    charta_domain::spec::Level::clamped(3),
                ),
            )
        }),
        None,
    )?);
    print_table("Self-assessments: the domain", &domain);

    // A database with both versions released.
    let db = TempDb::new("assess");
    let store = Store::connect(&db.url()).await?;
    store.migrate().await?;
    for (_, text) in &groups {
        import_group_text(&store, text, "bench").await?;
    }
    import_spec_text(&store, &catalogs, &old_text, "v1", "bench").await?;
    import_spec_text(&store, &catalogs, &new_text, "v2", "bench").await?;
    let spec = store.spec(&slug).await?;
    let who = people(&store, spec.group_id).await?;
    let state = AppState::with_release_key(
        store.clone(),
        Arc::new(CatalogSet::builtin().context("the built-in catalogs are invalid")?),
        WebConfig::default(),
        Some(charta_release::SigningKey::from_bytes(&[9; 32])),
    );
    for (version, name) in [(1, "1.0.0"), (2, "1.1.0")] {
        release_ballot(&store, &spec, version, &who).await?;
        store
            .close_due_ballots(time::OffsetDateTime::now_utc())
            .await?;
        charta_app::release::publish_as(&state, who.chair, &spec, version, name)
            .await
            .map_err(|e| anyhow!("publishing {slug} {name}: {e}"))?;
    }
    let r1 = store.release(spec.id, "1.0.0").await?;
    let r2 = store.release(spec.id, "1.1.0").await?;
    let app = router(state.clone());
    let cookie = crate::harness::browser_cookie(&WebConfig::default(), CHAIR_SESSION);
    let viewer = charta_app::Viewer {
        actor: charta_domain::access::Actor::User(charta_app::viewer::principal(
            &store.user(who.chair).await?,
            &[],
            charta_domain::access::Credential::Session { mfa: true },
        )),
        user: Some(store.user(who.chair).await?),
        memberships: Vec::new(),
        session_hash: None,
        csrf: String::new(),
        here: String::new(),
        api: true,
        recent_sign_in: true,
    };

    // Each timed move starts from a fresh draft on 1.0.0 with every
    // control answered (made untimed: the answers go in as the carried
    // answers of a move onto the same release).
    let all: Vec<NewAnswer> = given
        .iter()
        .map(|a| NewAnswer {
            answer: a.clone(),
            redline: String::new(),
        })
        .collect();
    let actor = format!("user:{}", who.chair);
    let fresh = || {
        let store = store.clone();
        let all = all.clone();
        let actor = actor.clone();
        async move {
            let id = store
                .create_assessment(NewAssessment {
                    owner_id: who.chair,
                    organization_id: None,
                    subject_kind: "project",
                    subject_name: "Bench project",
                    subject_url: "https://example.org/bench",
                    release_id: r1.id,
                    target_level: 2,
                })
                .await?;
            store
                .move_assessment(id, &actor, r1.id, r1.id, &all, &[], "[]")
                .await?;
            Ok::<i64, anyhow::Error>(id)
        }
    };
    let mut moves = Vec::new();
    let mut last = 0;
    for i in 0..(o.warmup + o.runs) {
        let id = fresh().await?;
        let t = Instant::now();
        charta_app::assessments::move_to(&state, &viewer, id, &r2.name)
            .await
            .map_err(|e| anyhow!("moving assessment {id}: {e}"))?;
        if i >= o.warmup {
            moves.push(t.elapsed());
        }
        last = id;
    }
    let (page, bytes) = time_get(
        &app,
        &format!("/assessments/{last}"),
        Some(&cookie),
        o.warmup,
        o.runs,
    )
    .await?;
    let (json, json_bytes) = time_get(
        &app,
        &format!("/api/v1/assessments/{last}"),
        Some(&cookie),
        o.warmup,
        o.runs,
    )
    .await?;
    let through = vec![
        row(
            "move a fully answered draft to 1.1.0 (`assessments::move_to`: load, diff, carry, one transaction writing what changed)",
            &moves,
            None,
        )?,
        row(
            "`GET /assessments/{id}` after the move: standing, gap plans, redlines, a form per control",
            &page,
            Some(bytes),
        )?,
        row(
            "`GET /api/v1/assessments/{id}` after the move",
            &json,
            Some(json_bytes),
        )?,
    ];
    print_table(
        "Self-assessments: through the use case and the router (SQLite)",
        &through,
    );
    Ok(())
}
