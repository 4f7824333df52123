//! `bookings`: how long a hold keeps a slot.

use super::reader::Reader;
use chrono::Duration;

/// Scheduling settings.
#[derive(Clone, Debug)]
pub struct BookingSettings {
    /// `HOLD_TTL_SECONDS`: how long a hold blocks its slot (default 300, 30–3600).
    pub hold_ttl: Duration,
}

impl BookingSettings {
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        let seconds: i64 = r.parsed("HOLD_TTL_SECONDS", 300i64, "a number of seconds");
        if !(30..=3600).contains(&seconds) {
            r.error("HOLD_TTL_SECONDS", format!("expected 30 to 3600 seconds, got {seconds}"));
        }
        Self { hold_ttl: Duration::seconds(seconds.clamp(30, 3600)) }
    }
}
