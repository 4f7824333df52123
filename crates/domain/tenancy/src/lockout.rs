//! The login lockout rule.
//!
//! Five failed logins for one email *from one client address* within
//! fifteen minutes lock that (email, address) pair for thirty minutes,
//! counted from the fifth failure; a successful login from that address
//! resets its count. Keying on the address as well means a stranger who
//! types wrong passwords locks only themselves, never the owner on
//! another network.
//!
//! Guessing from many addresses is bounded by a higher per-email ceiling
//! (twenty failures in the window, any address): it *throttles* the email
//! (HTTP 429 with `Retry-After`) until the oldest counted failure leaves the
//! window, rather than locking it for thirty minutes.
//!
//! Attempts refused while locked or throttled are refused without checking
//! the password and are not counted, so hammering does not extend either.
//! The rule is keyed by email, not by account, so unknown emails behave the
//! same and nothing reveals which emails are registered.

use chrono::{DateTime, Duration, Utc};

/// Thresholds of the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures that trigger a lock.
    pub max_failures: usize,
    /// The window the failures must fall in.
    pub window: Duration,
    /// How long the lock lasts, from the triggering failure.
    pub lock_for: Duration,
    /// Failures of one email within `window`, from any address, that throttle it.
    pub email_ceiling: usize,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: 5, window: Duration::minutes(15), lock_for: Duration::minutes(30), email_ceiling: 20 }
    }
}

impl LockoutPolicy {
    /// When the lock ends, if the email is locked at `now`.
    ///
    /// `recent_failures` are the failures since the last success, newest
    /// first (at least `max_failures` of them if that many exist).
    #[must_use]
    pub fn locked_until(&self, recent_failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.max_failures == 0 || recent_failures.len() < self.max_failures {
            return None;
        }
        let newest = recent_failures[0];
        let oldest_counted = recent_failures[self.max_failures - 1];
        let until = newest + self.lock_for;
        (newest - oldest_counted <= self.window && now < until).then_some(until)
    }

    /// When the email may be tried again, if it is throttled at `now`.
    ///
    /// `email_failures` are the email's failures from every address since
    /// `now - window`, newest first (at least `email_ceiling` of them if that many exist).
    #[must_use]
    pub fn throttled_until(&self, email_failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.email_ceiling == 0 {
            return None;
        }
        let oldest_counted = *email_failures.get(self.email_ceiling - 1)?;
        let until = oldest_counted + self.window;
        (now < until).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    fn minutes_ago(now: DateTime<Utc>, list: &[i64]) -> Vec<DateTime<Utc>> {
        list.iter().map(|m| now - Duration::minutes(*m)).collect()
    }

    #[test]
    fn four_failures_do_not_lock() {
        let now = t0();
        assert_eq!(LockoutPolicy::default().locked_until(&minutes_ago(now, &[0, 1, 2, 3]), now), None);
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_for_thirty_from_the_fifth() {
        let now = t0();
        let failures = minutes_ago(now, &[0, 3, 6, 9, 14]);
        assert_eq!(LockoutPolicy::default().locked_until(&failures, now), Some(now + Duration::minutes(30)));
    }

    #[test]
    fn five_failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
        let now = t0();
        let failures = minutes_ago(now, &[0, 4, 8, 12, 16]);
        assert_eq!(LockoutPolicy::default().locked_until(&failures, now), None);
    }

    #[test]
    fn twenty_failures_of_an_email_throttle_it_until_the_oldest_leaves_the_window() {
        let now = t0();
        let policy = LockoutPolicy::default();
        let failures: Vec<_> = (0..20).map(|i| now - Duration::seconds(30 * i)).collect();
        assert_eq!(policy.throttled_until(&failures[..19], now), None, "nineteen do not");
        let until = now - Duration::seconds(30 * 19) + Duration::minutes(15);
        assert_eq!(policy.throttled_until(&failures, now), Some(until));
        assert_eq!(policy.throttled_until(&failures, until), None, "not a lock: it lifts as the window slides");
    }

    #[test]
    fn the_lock_ends_thirty_minutes_after_the_fifth_failure() {
        let failed_at = t0();
        let failures = minutes_ago(failed_at, &[0, 1, 2, 3, 4]);
        let policy = LockoutPolicy::default();
        assert!(policy.locked_until(&failures, failed_at + Duration::minutes(29)).is_some());
        assert_eq!(policy.locked_until(&failures, failed_at + Duration::minutes(30)), None);
    }
}
