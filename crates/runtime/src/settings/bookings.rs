//! `bookings`: how long a hold keeps a slot, when reminders go out, and the
//! public address self-service links in messages point at.

use super::reader::Reader;
use chrono::Duration;

/// Scheduling settings.
#[derive(Clone, Debug)]
pub struct BookingSettings {
    /// `HOLD_TTL_SECONDS`: how long a hold blocks its slot (default 300, 30–3600).
    pub hold_ttl: Duration,
    /// `BOOKING_REMINDER_MINUTES`: minutes before a start that reminders go out
    /// (comma-separated, default `1440,60`; empty for none; at most 5, each 5–43200).
    pub reminder_minutes: Vec<u32>,
    /// `PUBLIC_BASE_URL`: where `/b/{token}` self-service links point (default `http://localhost:{PORT}`).
    pub public_base_url: String,
}

impl BookingSettings {
    pub(super) fn read(r: &mut Reader<'_>, port: u16) -> Self {
        let seconds: i64 = r.parsed("HOLD_TTL_SECONDS", 300i64, "a number of seconds");
        if !(30..=3600).contains(&seconds) {
            r.error("HOLD_TTL_SECONDS", format!("expected 30 to 3600 seconds, got {seconds}"));
        }
        let raw = r.raw("BOOKING_REMINDER_MINUTES").unwrap_or("1440,60");
        let mut reminder_minutes = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.parse::<u32>() {
                Ok(minutes) if (5..=43_200).contains(&minutes) => reminder_minutes.push(minutes),
                _ => r.error(
                    "BOOKING_REMINDER_MINUTES",
                    format!("expected comma-separated minutes from 5 to 43200 (e.g. 1440,60), got {part:?}"),
                ),
            }
        }
        reminder_minutes.sort_unstable_by(|a, b| b.cmp(a));
        reminder_minutes.dedup();
        if reminder_minutes.len() > 5 {
            r.error("BOOKING_REMINDER_MINUTES", "at most 5 reminders");
        }
        let public_base_url = r
            .raw("PUBLIC_BASE_URL")
            .map_or_else(|| format!("http://localhost:{port}"), |u| u.trim_end_matches('/').to_owned());
        if !(public_base_url.starts_with("https://") || public_base_url.starts_with("http://"))
            || public_base_url.chars().any(char::is_whitespace)
        {
            r.error(
                "PUBLIC_BASE_URL",
                format!("expected an http(s) URL such as https://book.example.com, got {public_base_url:?}"),
            );
        }
        Self { hold_ttl: Duration::seconds(seconds.clamp(30, 3600)), reminder_minutes, public_base_url }
    }
}
