//! CPU-heavy work (parsing and checking submitted files, diffs) off the
//! async workers, in a bounded pool.
//!
//! The async workers answer every request, probes included; a request that
//! spends a second parsing a large file on one of them stalls everything
//! queued behind it. Heavy work therefore runs on blocking threads, at most
//! [`Pool`]'s size at once (by default one fewer than the cores, so that
//! one core stays free for everything else); further heavy requests wait
//! for a place without occupying a thread.
//!
//! When a request is abandoned (its client went away, or the request
//! timeout fired), its work is cancelled: a request still waiting for a
//! place never starts, and running work stops at its next
//! [`Cancel::check`], which the callers place between the steps of their
//! work (parse, check, compare). The request timeout works the same way:
//! the timeout layer drops the request's future, which cancels its work.
//!
//! A handler may use the pool several times (parse, then compare), one
//! piece of work after another; each holds its place only while it runs
//! and work never waits for the pool from inside the pool, so no request
//! can hold a place while waiting for another. Results already cached
//! (parsed versions and revisions) are returned without the pool.

use crate::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// A bounded pool for CPU-heavy work.
pub struct Pool {
    permits: Arc<Semaphore>,
    size: usize,
    /// Pieces of work that stopped early because their request was
    /// abandoned, for tests and metrics.
    stopped: Arc<AtomicUsize>,
}

/// Tells running work that nobody waits for its result any more.
#[derive(Clone)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    /// Set when a check found the request abandoned, so the pool can count
    /// work that stopped early apart from work that failed on its own.
    seen: Arc<AtomicBool>,
}

impl Cancel {
    /// Stops the work (with an error nobody will see) if its request was
    /// abandoned.
    pub fn check(&self) -> Result<(), Error> {
        if self.flag.load(Ordering::Relaxed) {
            self.seen.store(true, Ordering::Relaxed);
            Err(Error::Unavailable(
                "the request was abandoned before its work finished".into(),
            ))
        } else {
            Ok(())
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// Cancels the work when the awaiting future is dropped.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Pool {
    /// A pool running at most `size` (at least one) pieces of work at once.
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self {
            permits: Arc::new(Semaphore::new(size)),
            size,
            stopped: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// One fewer than the available cores, and at least one.
    pub fn default_size() -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get().saturating_sub(1))
            .unwrap_or(1)
            .max(1)
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Places free right now; equal to [`Pool::size`] when nothing runs.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// How many pieces of work have stopped early, at a [`Cancel::check`],
    /// because their request was abandoned.
    pub fn stopped(&self) -> usize {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Runs `work` on a blocking thread once a place is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Cancel) -> Result<T, Error> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal("the work pool was closed".into()))?;
        let flag = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(Arc::clone(&flag));
        let cancel = Cancel {
            flag,
            seen: Arc::new(AtomicBool::new(false)),
        };
        let stopped = Arc::clone(&self.stopped);
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let result = cancel.check().and_then(|()| work(&cancel));
            if cancel.seen.load(Ordering::Relaxed) {
                stopped.fetch_add(1, Ordering::Relaxed);
            }
            result
        });
        match handle.await {
            Ok(result) => result,
            Err(e) => Err(Error::Internal(format!("heavy work failed: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_size_run_at_once_and_the_rest_wait() {
        let pool = Arc::new(Pool::new(1));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                pool.run(move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn abandoned_work_stops_at_its_next_check() {
        let pool = Pool::new(1);
        let steps = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = steps.clone();
        let work = pool.run(move |cancel| {
            for _ in 0..200 {
                cancel.check()?;
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(())
        });
        // The request gives up after about 50 ms.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), work)
                .await
                .is_err()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after = steps.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(steps.load(Ordering::SeqCst), after, "the work stopped");
        assert!(after < 200, "{after}");
        assert_eq!(pool.stopped(), 1);
        // The place is free again.
        assert_eq!(pool.available(), 1);
        pool.run(|_| Ok(())).await.unwrap();
    }
}
