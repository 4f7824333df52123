//! A circuit breaker: after `threshold` consecutive failed calls the
//! circuit opens and calls fail at once for `cool_down`; then one probe is
//! let through (half-open) and its result closes or re-opens the circuit.
//! A provider that is down costs the receptionist no waiting, only the
//! fallback's answer.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// The breaker.
#[derive(Debug)]
pub struct Breaker {
    state: Mutex<State>,
    threshold: u32,
    cool_down: Duration,
}

impl Default for Breaker {
    fn default() -> Self {
        Self::new(5, Duration::from_secs(30))
    }
}

impl Breaker {
    /// Opens after `threshold` consecutive failures, for `cool_down`.
    #[must_use]
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        Self { state: Mutex::new(State::Closed { failures: 0 }), threshold: threshold.max(1), cool_down }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a call may go out now.
    pub fn allow(&self) -> bool {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen { probing } => {
                if probing {
                    false
                } else {
                    *state = State::HalfOpen { probing: true };
                    true
                }
            }
        }
    }

    /// Records a call's result.
    pub fn record(&self, ok: bool) {
        let mut state = self.lock();
        *state = match (*state, ok) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.threshold => {
                State::Closed { failures: failures + 1 }
            }
            (_, false) => State::Open { until: Instant::now() + self.cool_down },
        };
    }

    /// Whether calls are being refused right now.
    pub fn is_open(&self) -> bool {
        matches!(*self.lock(), State::Open { until } if Instant::now() < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_probes_once_and_closes_on_success() {
        let breaker = Breaker::new(3, Duration::from_millis(0));
        for _ in 0..2 {
            assert!(breaker.allow());
            breaker.record(false);
        }
        assert!(!breaker.is_open(), "two failures of three");
        breaker.record(false);
        // Cool-down of zero: the next call is the probe, and only one goes out.
        assert!(breaker.allow());
        assert!(!breaker.allow(), "one probe at a time");
        breaker.record(true);
        assert!(breaker.allow() && breaker.allow(), "closed again");
    }

    #[test]
    fn stays_open_during_the_cool_down() {
        let breaker = Breaker::new(1, Duration::from_secs(60));
        breaker.record(false);
        assert!(breaker.is_open());
        assert!(!breaker.allow());
    }
}
