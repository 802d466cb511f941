//! Personal API tokens at the door: the limit on failed attempts (their
//! format and creation are `charta_app::tokens`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use charta_app::tokens::{MAX_DAYS, PREFIX};

/// Counts failed token attempts per client address and blocks an address
/// after too many in a window, so tokens cannot be guessed online.
pub struct FailureLimiter {
    max_failures: u32,
    window: Duration,
    inner: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
}

impl FailureLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            inner: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `ip` has used up its failures in the current window.
    pub fn is_blocked(&self, ip: Option<IpAddr>) -> bool {
        let Ok(map) = self.inner.lock() else {
            return false;
        };
        map.get(&ip)
            .is_some_and(|(n, start)| *n >= self.max_failures && start.elapsed() < self.window)
    }

    /// Records a failed attempt from `ip`.
    pub fn record_failure(&self, ip: Option<IpAddr>) {
        let Ok(mut map) = self.inner.lock() else {
            return;
        };
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, (_, start)| start.elapsed() < window);
        }
        let entry = map.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_per_address() {
        let l = FailureLimiter::new(3, Duration::from_secs(60));
        let a = Some("127.0.0.1".parse().unwrap());
        let b = Some("127.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(!l.is_blocked(a));
            l.record_failure(a);
        }
        assert!(l.is_blocked(a));
        assert!(!l.is_blocked(b));
        let short = FailureLimiter::new(1, Duration::ZERO);
        short.record_failure(a);
        assert!(!short.is_blocked(a), "the window has passed");
    }
}
