//! Logging of what anyone on the internet can cause (failed sign-ins,
//! forged callbacks, unknown providers), rate-limited so that a flood of
//! them cannot flood the log either.
//!
//! Such events are not actions of a person Charta knows, so they never go
//! into the audit log, whose entries are permanent.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lines written per window; the rest are counted and summed up once the
/// window is over.
const PER_WINDOW: u32 = 20;
const WINDOW: Duration = Duration::from_secs(60);

struct Window {
    started: Option<Instant>,
    written: u32,
    suppressed: u32,
}

static STATE: Mutex<Window> = Mutex::new(Window {
    started: None,
    written: 0,
    suppressed: 0,
});

/// Whether to write one more line now, and how many were suppressed in the
/// window that just ended (to be said once).
fn admit(now: Instant) -> (bool, u32) {
    let Ok(mut w) = STATE.lock() else {
        return (true, 0);
    };
    let mut ended = 0;
    if w.started.is_none_or(|s| now.duration_since(s) >= WINDOW) {
        ended = w.suppressed;
        *w = Window {
            started: Some(now),
            written: 0,
            suppressed: 0,
        };
    }
    if w.written < PER_WINDOW {
        w.written += 1;
        (true, ended)
    } else {
        w.suppressed += 1;
        (false, ended)
    }
}

/// Logs `what` with its `detail` at warning level, unless more than
/// [`PER_WINDOW`] such lines were written in the last minute.
pub fn warn(what: &str, detail: &str) {
    let (write, suppressed) = admit(Instant::now());
    if suppressed > 0 {
        tracing::warn!(
            suppressed,
            "{suppressed} more anonymous failures were not logged in the last minute"
        );
    }
    if write {
        tracing::warn!(reason = %detail, "{what}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_cut_to_the_window_and_counted() {
        let start = Instant::now();
        let mut written = 0;
        for _ in 0..(PER_WINDOW + 50) {
            if admit(start).0 {
                written += 1;
            }
        }
        assert!(written <= PER_WINDOW, "{written}");
        let (write, suppressed) = admit(start + WINDOW);
        assert!(write, "a new window writes again");
        assert!(suppressed >= 50, "{suppressed}");
    }
}
