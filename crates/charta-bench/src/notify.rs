//! Notifications: how fast the outbox drains into a real SMTP server, and
//! what a vote costs while the notification job is busy.
//!
//! A vote writes its audit entry and nothing else; the job reads the log
//! afterwards. So the question for voters is whether a busy job (fanning
//! out and sending thousands of messages from the same database) slows
//! their vote down: the vote is timed through the use case, with the job
//! idle and with it draining a full outbox at the same time.

use crate::harness::{Row, TempDb, print_table, row};
use crate::members::{Members, members};
use anyhow::{Context, Result, ensure};
use charta_app::notify::{self, MailTransport, NotifySettings};
use charta_app::{App, Settings};
use charta_domain::CatalogSet;
use charta_domain::ballot::Position;
use charta_domain::notify::Topic;
use charta_store::{NewMail, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to measure.
pub struct Options {
    /// The SMTP server to deliver to, such as `smtp://127.0.0.1:2525`.
    pub smtp_url: String,
    /// Messages queued for the throughput measurement.
    pub messages: usize,
    /// Member organisations, one vote each, per ballot.
    pub voters: usize,
}

/// Every organisation votes on a new ballot, one after the other; the
/// time of each vote through the use case.
async fn votes(app: &App, w: &Members, n: i64) -> Result<Vec<Duration>> {
    let ballot = w.open_ballot(n).await?;
    let mut samples = Vec::new();
    for (org, viewer) in &w.voters {
        let t = Instant::now();
        charta_app::ballot::cast(app, viewer, ballot, Some(org), Position::Approve, "").await?;
        samples.push(t.elapsed());
    }
    Ok(samples)
}

async fn queue(store: &Store, n: usize) -> Result<()> {
    let now = charta_store::now();
    for i in 0..n {
        store
            .enqueue_mail(&NewMail {
                topic: Topic::BallotOpened,
                event_seq: None,
                user_id: None,
                to: format!("person-{i}@bench.example"),
                message_id: format!("bench.{i}.{}@bench.example", std::process::id()),
                thread: "bench@bench.example".into(),
                subject: format!("Bench message {i}"),
                text: "A ballot your organisation votes in is open.\n\nRead and vote: http://127.0.0.1:8080/ballots/1\n".repeat(4),
                html: "<p>A ballot your organisation votes in is open.</p><p><a href=\"http://127.0.0.1:8080/ballots/1\">Read and vote</a></p>".repeat(4),
                digest: false,
                not_before: now,
            })
            .await?;
    }
    Ok(())
}

/// Runs the job's delivery step until nothing is due; the messages sent.
async fn drain(app: &App) -> Result<usize> {
    let mut sent = 0;
    loop {
        let n = notify::deliver(app, charta_store::now()).await?;
        if n == 0 {
            break;
        }
        sent += n;
    }
    Ok(sent)
}

pub async fn run(o: &Options) -> Result<()> {
    ensure!(o.voters > 0, "--voters must be at least 1");
    let db = TempDb::new("notify");
    let w = members(&db.url(), "bench-notify", o.voters).await?;
    let settings = Settings {
        notify: NotifySettings {
            transport: MailTransport::Smtp(o.smtp_url.clone()),
            mail_from: "Charta bench <bench@bench.example>".into(),
            ..NotifySettings::default()
        },
        ..Settings::default()
    };
    let catalogs = CatalogSet::builtin().context("the built-in catalogs are invalid")?;
    let app = Arc::new(App::new(
        w.store.clone(),
        Arc::new(catalogs),
        settings,
        None,
    ));

    // Throughput: a full outbox, drained by one job.
    queue(&w.store, o.messages).await?;
    let t = Instant::now();
    let sent = drain(&app).await?;
    let elapsed = t.elapsed();
    ensure!(
        sent == o.messages,
        "{sent} of {} messages were delivered; is the SMTP server at {} up?",
        o.messages,
        o.smtp_url
    );
    let rate = sent as f64 / elapsed.as_secs_f64();
    println!(
        "\nOutbox throughput: {sent} messages delivered to {} in {:.2} s = {rate:.0} messages/s",
        o.smtp_url,
        elapsed.as_secs_f64()
    );

    // Votes with the job idle (the ballots' own mail sent first).
    let mut rows: Vec<Row> = Vec::new();
    let idle = votes(&app, &w, 1).await?;
    while notify::fan_out(&app).await? > 0 {}
    drain(&app).await?;
    rows.push(row(
        format!("vote, notification job idle ({} organisations)", o.voters),
        &idle,
        None,
    )?);

    // Votes while the job drains a full outbox and fans out the votes'
    // own entries, as `charta serve` runs it.
    queue(&w.store, o.messages).await?;
    let busy_app = Arc::clone(&app);
    let job = tokio::spawn(async move {
        let mut sent = 0usize;
        loop {
            while notify::fan_out(&busy_app).await? > 0 {}
            let n = notify::deliver(&busy_app, charta_store::now()).await?;
            sent += n;
            if n == 0 {
                return anyhow::Ok(sent);
            }
        }
    });
    let busy = votes(&app, &w, 2).await?;
    let sent_meanwhile = job.await.context("the notification job panicked")??;
    rows.push(row(
        format!(
            "vote, job draining {} messages meanwhile ({} organisations)",
            o.messages, o.voters
        ),
        &busy,
        None,
    )?);
    print_table(
        "Votes through the use case (`charta_app::ballot::cast`)",
        &rows,
    );
    println!(
        "\nThe job delivered {sent_meanwhile} messages while the second ballot's votes were cast."
    );
    Ok(())
}
