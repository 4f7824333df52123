//! Retry delays: exponential with jitter, capped.

use std::time::Duration;

/// `delay(n) = min(cap, base · 2^(n-1))`, then "equal jitter": a uniformly
/// random point in its upper half, so retries of jobs that failed together
/// (a provider outage) spread out instead of returning in lockstep, while
/// no retry comes sooner than half the nominal delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first retry (before jitter).
    pub base: Duration,
    /// Largest delay.
    pub cap: Duration,
}

impl Default for Backoff {
    /// Base 2 s, cap 10 min.
    fn default() -> Self {
        Self { base: Duration::from_secs(2), cap: Duration::from_secs(600) }
    }
}

impl Backoff {
    /// The nominal delay after the `attempt`-th failed attempt (1-based), before jitter.
    #[must_use]
    pub fn nominal(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << exponent).min(self.cap)
    }

    /// The delay after the `attempt`-th failure with `jitter` in `[0, 1)`
    /// (the caller supplies randomness, so this stays pure and testable).
    #[must_use]
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let nominal = self.nominal(attempt);
        let half = nominal / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_two_seconds_up_to_ten_minutes() {
        let b = Backoff::default();
        let secs: Vec<u64> = (1..=11).map(|n| b.nominal(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(b.nominal(0), Duration::from_secs(2), "attempt 0 is treated as the first");
        assert_eq!(b.nominal(u32::MAX), Duration::from_secs(600), "no overflow");
    }

    #[test]
    fn jitter_stays_in_the_upper_half_of_the_nominal_delay() {
        let b = Backoff::default();
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay(3, 0.5), Duration::from_secs(6));
        assert!(b.delay(3, 0.999_999) < Duration::from_secs(8));
        assert_eq!(b.delay(3, 7.0), Duration::from_secs(8), "clamped");
        assert_eq!(b.delay(20, 1.0), Duration::from_secs(600), "never above the cap");
    }
}
