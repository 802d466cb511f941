//! Background jobs: work that happens because time passes, not because
//! someone asked. Each job is one pass ([`close_ballots_at_deadline`],
//! [`purge_sign_ins`], [`audit_checkpoint`]) that [`spawn`] repeats on its
//! interval. `charta serve` runs them beside the web server; `charta
//! worker` runs only them, for deployments that keep web nodes and workers
//! apart.
//!
//! Every job is safe with several instances running against one database:
//! the store closes each ballot in a transaction that finds it still open,
//! a ballot's round is reminded once (its reminder row is the lock),
//! purging deletes what has expired whoever does it, a checkpoint of an
//! entry already pinned is not made twice, an audit entry is fanned out
//! only by the instance that moves the notification cursor past it, and a
//! message is sent by the instance that claimed it.

use crate::app::App;
use crate::error::Error;
use charta_domain::ballot::Outcome;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Ballots past their deadline are closed with the tally they had at it.
pub const BALLOT_DEADLINES: &str = "ballot_deadlines";
/// Expired sessions and abandoned sign-ins are deleted, not just ignored.
pub const PURGE_SIGN_INS: &str = "purge_sign_ins";
/// The audit log's head is signed at least daily.
pub const AUDIT_CHECKPOINT: &str = "audit_checkpoint";
/// Voters of organisations that have not voted hear of a deadline a day
/// ahead.
pub const BALLOT_REMINDERS: &str = "ballot_reminders";
/// New events become messages in the outbox, and due messages are sent.
pub const NOTIFY: &str = "notify";

/// How long before a ballot's deadline its voters are reminded.
pub const REMIND_BEFORE: time::Duration = time::Duration::hours(24);

/// Every job, with how often it runs, by name.
pub fn all(settings: &crate::Settings) -> [(&'static str, Duration); 5] {
    [
        (BALLOT_DEADLINES, settings.ballot_sweep),
        (BALLOT_REMINDERS, settings.ballot_sweep),
        (PURGE_SIGN_INS, settings.purge_every),
        (AUDIT_CHECKPOINT, settings.checkpoint_every),
        (NOTIFY, settings.notify.every),
    ]
}

/// Records a reminder for each open ballot closing within
/// [`REMIND_BEFORE`] whose round has had none; the notify job turns each
/// into mail to the voters of the organisations that have not voted.
pub async fn remind_voters(app: &App) -> Result<Vec<i64>, Error> {
    Ok(app
        .store
        .remind_ballots(charta_store::now(), REMIND_BEFORE)
        .await?)
}

/// Fans new audit entries out into the outbox, then sends what is due.
pub async fn notify(app: &App) -> Result<(), Error> {
    while crate::notify::fan_out(app).await? > 0 {}
    crate::notify::deliver(app, charta_store::now()).await?;
    Ok(())
}

/// Closes every open ballot whose deadline has passed; returns each
/// ballot closed with its outcome. Each ballot closes once, whichever
/// instance gets to it first.
pub async fn close_ballots_at_deadline(app: &App) -> Result<Vec<(i64, Outcome)>, Error> {
    let closed = app.store.close_due_ballots(charta_store::now()).await?;
    for (id, outcome) in &closed {
        tracing::info!(
            ballot = id,
            outcome = outcome.as_str(),
            "ballot closed at its deadline"
        );
    }
    Ok(closed)
}

/// Deletes sessions idle for longer than allowed and sign-ins never
/// finished; returns how many of each.
pub async fn purge_sign_ins(app: &App) -> Result<(u64, u64), Error> {
    let purged = app
        .store
        .purge_sign_ins(app.settings.session_idle, app.settings.sign_in_ttl)
        .await?;
    if purged != (0, 0) {
        tracing::info!(
            sessions = purged.0,
            logins = purged.1,
            "purged expired sessions and unfinished sign-ins"
        );
    }
    Ok(purged)
}

/// Signs a checkpoint of the audit log when the newest is older than a day
/// (see [`crate::checkpoint::MAX_AGE`]) and the log has moved since.
pub async fn audit_checkpoint(app: &App) -> Result<(), Error> {
    let due = match app.store.latest_checkpoint().await? {
        Some(c) => charta_store::now() - c.made_at >= crate::checkpoint::MAX_AGE,
        None => true,
    };
    if due {
        crate::checkpoint::make(app).await?;
    }
    Ok(())
}

/// Runs job `name` once.
pub async fn run_once(app: &App, name: &str) -> Result<(), Error> {
    match name {
        BALLOT_DEADLINES => close_ballots_at_deadline(app).await.map(|_| ()),
        PURGE_SIGN_INS => purge_sign_ins(app).await.map(|_| ()),
        AUDIT_CHECKPOINT => audit_checkpoint(app).await,
        BALLOT_REMINDERS => remind_voters(app).await.map(|_| ()),
        NOTIFY => notify(app).await,
        other => Err(Error::NotFound(format!("job {other}"))),
    }
}

/// The running jobs; dropping this stops them.
pub struct Running(Vec<JoinHandle<()>>);

impl Drop for Running {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Starts every job on its interval, for as long as the returned handle
/// lives. A failed pass is logged and retried at the next tick.
pub fn spawn(app: Arc<App>) -> Running {
    let jobs = all(&app.settings);
    Running(
        jobs.into_iter()
            .map(|(name, every)| {
                let app = app.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(every);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tick.tick().await;
                        let ran = run_once(&app, name).await;
                        app.job_ran(name, ran.is_ok());
                        if let Err(e) = ran {
                            tracing::warn!(job = name, "job failed; will retry: {e}");
                        }
                    }
                })
            })
            .collect(),
    )
}
