//! Timestamps as both backends store them.
//!
//! PostgreSQL keeps microseconds; SQLite keeps whatever text it is given.
//! Writing every timestamp at microsecond precision makes a row read back
//! identical on both, and keeps SQLite's text comparisons (`run_at <= $now`)
//! between values of one shape.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use std::time::Duration;

/// `t` truncated to the microsecond.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Now, to the microsecond.
pub(crate) fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// `t + d`, saturating at ten years out (a misconfigured huge timeout must
/// not overflow the date types of either backend).
pub(crate) fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    let ten_years = TimeDelta::days(3650);
    let delta = TimeDelta::from_std(d).unwrap_or(ten_years).min(ten_years);
    micros(t + delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_cut_to_microseconds() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T10:00:00.123456789Z").unwrap().to_utc();
        assert_eq!(micros(t).to_rfc3339(), "2026-11-24T10:00:00.123456+00:00");
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }

    #[test]
    fn later_adds_and_saturates() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().to_utc();
        assert_eq!(later(t, Duration::from_millis(1500)).to_rfc3339(), "2026-11-24T10:00:01.500+00:00");
        assert_eq!(later(t, Duration::MAX), t + TimeDelta::days(3650));
    }
}
