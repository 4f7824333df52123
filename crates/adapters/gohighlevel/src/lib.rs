//! GoHighLevel (API v2): the Ed25519 signature of its webhooks, the
//! credential check of a location's Private Integration token, and contact
//! upserts, and appointments mirrored from bookings with the calendar's
//! busy times (`calendars`).
//!
//! GoHighLevel signs every webhook body with one Ed25519 key of its own
//! (`x-ghl-signature`, base64, over the raw bytes). Its own SDK lets an
//! unsigned request through; [`GhlSignatures`] fails closed: no key, no
//! header, a malformed header or a signature over other bytes is a refusal.

mod calendars;
mod check;
mod contacts;
mod signature;

use frontdesk_integrations::crm::CrmError;
use serde_json::Value;
use std::time::Duration;

pub use calendars::{Appointment, CALENDARS_VERSION, GhlCalendars};
pub use check::{CONTACTS_VERSION, check_location};
pub use contacts::GhlContacts;
pub use signature::{GhlSignatures, OFFICIAL_PUBLIC_KEY};

/// No answer (the URL, which may carry a query, is left out).
fn unreachable(e: reqwest::Error) -> CrmError {
    CrmError::Unavailable(if e.is_timeout() { "no answer in time".into() } else { e.without_url().to_string() })
}

/// An answer as JSON, or the [`CrmError`] its status means: 429 with its
/// `Retry-After`, 5xx unavailable, other 4xx refused (`"404 …"`, the status first).
async fn answer(response: reqwest::Response) -> Result<Value, CrmError> {
    let status = response.status();
    if status.as_u16() == 429 {
        let after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            // A vendor's hint, bounded: a huge value must not overflow the deferral's arithmetic.
            .map(|secs| Duration::from_secs(secs.min(3600)));
        return Err(CrmError::RateLimited(after));
    }
    let text = response.text().await.unwrap_or_default();
    let excerpt: String = text.chars().take(200).collect();
    if status.is_server_error() {
        return Err(CrmError::Unavailable(format!("{status}: {excerpt}")));
    }
    if !status.is_success() {
        return Err(CrmError::Refused(format!("{} {excerpt}", status.as_u16())));
    }
    serde_json::from_str(&text).map_err(|_| CrmError::Unavailable(format!("not JSON: {excerpt}")))
}
