//! Summaries of repeated timings.

use std::time::{Duration, Instant};

/// Median, 95th percentile and extremes of a set of timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub runs: usize,
    pub median: Duration,
    pub p95: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none. Percentiles use the
    /// nearest-rank method: p95 is the smallest sample that at least 95% of
    /// the samples do not exceed.
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort();
        let rank = |p: f64| {
            let r = (p * s.len() as f64).ceil() as usize;
            s[r.clamp(1, s.len()) - 1]
        };
        Some(Summary {
            runs: s.len(),
            median: rank(0.5),
            p95: rank(0.95),
            min: s[0],
            max: s[s.len() - 1],
        })
    }
}

/// Runs `f` `warmup` times untimed, then `runs` times timed.
pub fn time<T>(warmup: usize, runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    for _ in 0..warmup {
        std::hint::black_box(f());
    }
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect()
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.median, Duration::from_millis(50));
        assert_eq!(s.p95, Duration::from_millis(95));
        assert_eq!(s.min, Duration::from_millis(1));
        assert_eq!(s.max, Duration::from_millis(100));
        let one = Summary::of(&[Duration::from_millis(3)]).unwrap();
        assert_eq!(
            (one.median, one.p95),
            (Duration::from_millis(3), Duration::from_millis(3))
        );
        assert!(Summary::of(&[]).is_none());
    }
}
