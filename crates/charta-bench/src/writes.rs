//! Concurrent writes through the API: many clients, each a member
//! organisation's representative with an API token, voting on an open
//! ballot and replying in a review thread at the same time, through the
//! real router in process, compared with a raw insert loop into the same
//! database.
//!
//! A vote or a reply is one transaction that checks the caller's rights,
//! writes the record and appends a hash-chained audit entry, so it can
//! never be as cheap as a bare `INSERT`. The ratio says what the checks,
//! the audit chain and the HTTP stack cost on top of the database's own
//! commit rate; errors must be none (a busy database is waited for, not
//! reported to a voter).

use crate::harness::{Row, TempDb, print_table, row, send};
use crate::members::members;
use anyhow::{Context, Result, anyhow, ensure};
use axum::body::Body;
use axum::http::{Request, header};
use charta_app::tokens::{self, TokenRequest};
use charta_domain::CatalogSet;
use charta_domain::access::Scope;
use charta_store::{Backend, NewAmendment, NewRevision, NewThread, Store};
use charta_web::routes::router;
use charta_web::{AppState, WebConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to measure.
pub struct Options {
    /// An empty database to use instead of a temporary SQLite file (such
    /// as a throwaway PostgreSQL database).
    pub database_url: Option<String>,
    /// Clients writing at once.
    pub clients: usize,
    /// Writes per client, alternating a vote and a reply.
    pub writes: usize,
}

/// The objects the clients write to, and each client's organisation and
/// token.
struct World {
    store: Store,
    ballot: i64,
    thread: i64,
    clients: Vec<(String, String)>,
}

async fn world(url: &str, clients: usize) -> Result<World> {
    let m = members(url, "bench-writes", clients).await?;
    let ballot = m.open_ballot(1).await?;
    let store = m.store.clone();
    let base = store.version(&store.spec(&m.slug).await?, 1).await?.content;
    let content = base.replace("publish a policy", "publish and keep a policy");
    let hash = charta_domain::format::content_hash(&content);
    let number = store
        .create_amendment(NewAmendment {
            spec_id: m.spec_id,
            spec_slug: &m.slug,
            title: "Keep the policy",
            description: "",
            author_id: m.chair,
            state: "open",
            revision: NewRevision {
                base_version: 1,
                content: &content,
                content_hash: &hash,
                author_id: m.chair,
                message: "First revision",
            },
        })
        .await?;
    let amendment = store.amendment(m.spec_id, number).await?;
    let thread = store
        .create_thread(
            &amendment,
            NewThread {
                amendment_id: amendment.id,
                revision: 1,
                control_id: Some("BX-VM-01"),
                field: None,
                first_line: None,
                last_line: None,
                anchor_text: "",
                blocking: false,
                author_id: m.chair,
                body: "Does every project keep it current?",
                suggestion: "",
            },
        )
        .await?;
    // Each representative makes a token the way the API's token route
    // does, acting as themselves.
    let app = charta_app::App::new(
        store.clone(),
        Arc::new(CatalogSet::builtin().context("the built-in catalogs are invalid")?),
        charta_app::Settings::default(),
        None,
    );
    let request = TokenRequest {
        name: "bench".into(),
        scopes: vec![Scope::Read, Scope::Comment, Scope::Vote],
        days: 1,
    };
    let mut out = Vec::new();
    for (org, viewer) in &m.voters {
        let (_, secret) = tokens::create(&app, viewer, &request)
            .await
            .map_err(|e| anyhow!("creating a token for {org}: {e}"))?;
        out.push((org.clone(), secret));
    }
    Ok(World {
        store,
        ballot,
        thread,
        clients: out,
    })
}

fn post_json(uri: &str, token: &str, body: String) -> Result<Request<Body>> {
    Ok(Request::post(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))?)
}

/// One client's writes: a vote, then a reply, and so on; the latency of
/// each and how many were not answered with success.
async fn client(
    app: axum::Router,
    ballot: i64,
    thread: i64,
    org: String,
    token: String,
    writes: usize,
) -> Result<(Vec<Duration>, usize)> {
    let mut samples = Vec::with_capacity(writes);
    let mut errors = 0;
    for i in 0..writes {
        let req = if i % 2 == 0 {
            let position = if i % 4 == 0 { "approve" } else { "abstain" };
            post_json(
                &format!("/api/v1/ballots/{ballot}/votes"),
                &token,
                format!("{{\"organization\":\"{org}\",\"position\":\"{position}\"}}"),
            )?
        } else {
            post_json(
                &format!("/api/v1/specs/bench-writes/amendments/1/threads/{thread}/replies"),
                &token,
                format!("{{\"body\":\"Reply {i} from {org}: yes, at every release.\"}}"),
            )?
        };
        let t = Instant::now();
        let (status, body) = send(&app, req).await?;
        samples.push(t.elapsed());
        if !status.is_success() {
            errors += 1;
            if errors == 1 {
                eprintln!(
                    "{org}: write {i} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }
    Ok((samples, errors))
}

/// Rows written one statement (one transaction) at a time into a table of
/// the same database, with the store's settings (on SQLite: WAL,
/// `synchronous = NORMAL`): the database's own commit rate.
async fn raw_loop(url: &str, backend: Backend, rows: usize) -> Result<Duration> {
    let start;
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(
                    url.parse::<sqlx::sqlite::SqliteConnectOptions>()?
                        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal),
                )
                .await?;
            sqlx::query("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
                .execute(&pool)
                .await?;
            start = Instant::now();
            for i in 0..rows {
                sqlx::query("INSERT INTO bench_raw (body) VALUES ($1)")
                    .bind(format!("row {i}"))
                    .execute(&pool)
                    .await?;
            }
        }
        Backend::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await?;
            sqlx::query("CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
                .execute(&pool)
                .await?;
            start = Instant::now();
            for i in 0..rows {
                sqlx::query("INSERT INTO bench_raw (body) VALUES ($1)")
                    .bind(format!("row {i}"))
                    .execute(&pool)
                    .await?;
            }
        }
    }
    Ok(start.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

pub async fn run(o: &Options) -> Result<()> {
    ensure!(
        o.clients > 0 && o.writes > 0,
        "--clients and --writes must be at least 1"
    );
    let temp = TempDb::new("writes");
    let url = o.database_url.clone().unwrap_or_else(|| temp.url());
    let w = world(&url, o.clients).await?;
    let backend = w.store.backend();
    let state = AppState::new(
        w.store.clone(),
        Arc::new(CatalogSet::builtin().context("catalogs")?),
        WebConfig::default(),
    );
    let app = router(state);
    // One untimed write per client, so that first-use costs (pool
    // connections, caches) are not measured.
    for (org, token) in &w.clients {
        client(
            app.clone(),
            w.ballot,
            w.thread,
            org.clone(),
            token.clone(),
            1,
        )
        .await?;
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (org, token) in w.clients.iter().cloned() {
        tasks.push(tokio::spawn(client(
            app.clone(),
            w.ballot,
            w.thread,
            org,
            token,
            o.writes,
        )));
    }
    let mut samples = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (s, e) = t.await??;
        samples.extend(s);
        errors += e;
    }
    let elapsed = start.elapsed();
    let total = samples.len();
    let through_api = total as f64 / elapsed.as_secs_f64();
    samples.sort_unstable();
    let raw = raw_loop(&url, backend, total).await?;
    let raw_rate = total as f64 / raw.as_secs_f64();

    let rows: Vec<Row> = vec![row(
        format!(
            "a vote or a reply through the API, {} clients at once ({:?})",
            o.clients, backend
        ),
        &samples,
        None,
    )?];
    print_table("Concurrent writes through the API", &rows);
    println!();
    println!("| measurement | result |");
    println!("|---|---|");
    println!(
        "| writes through the API | {total} in {:.2} s = **{through_api:.0} writes/s**, p99 {:.2} ms, errors {errors} |",
        elapsed.as_secs_f64(),
        percentile(&samples, 0.99).as_secs_f64() * 1000.0
    );
    println!(
        "| raw insert loop, one row per transaction, same database | {total} in {:.2} s = **{raw_rate:.0} rows/s** |",
        raw.as_secs_f64()
    );
    println!(
        "| ratio (API / raw) | **{:.2}** (target: at least 0.25) |",
        through_api / raw_rate
    );
    Ok(())
}
