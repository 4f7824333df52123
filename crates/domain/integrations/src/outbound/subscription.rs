//! A webhook subscription: a tenant's endpoint, the events it wants, its
//! signing secrets (sealed) and its health.

use crate::secret::SealedSecret;
use chrono::{DateTime, Utc};
use frontdesk_kernel::events::{EventId, WEBHOOK_EVENT_KINDS};
use frontdesk_kernel::{TenantId, ValidationErrors, define_id, string_enum};
use serde::{Deserialize, Serialize};

define_id!(
    /// A webhook subscription.
    SubscriptionId,
    "webhook subscription id"
);

string_enum!(
    /// Whether events are delivered.
    SubscriptionStatus, "subscription status" {
        /// Events are delivered.
        Active => "active",
        /// Nothing is delivered: turned off by the tenant, or after failing for three days.
        Disabled => "disabled",
    }
);

/// Longest endpoint URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// A subscription as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Its id.
    pub id: SubscriptionId,
    /// The sub-account.
    pub tenant_id: TenantId,
    /// Where events are POSTed.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// The event kinds delivered, in [`WEBHOOK_EVENT_KINDS`] order.
    pub events: Vec<String>,
    /// Delivering or not.
    pub status: SubscriptionStatus,
    /// [`SigningSecrets`] as JSON, sealed with the subscription's id as context.
    pub sealed_secrets: SealedSecret,
    /// Until when the previous secret still signs (a rotation under way).
    pub previous_until: Option<DateTime<Utc>>,
    /// Since when every attempt has failed (none succeeded since).
    pub failing_since: Option<DateTime<Utc>>,
    /// Why it was disabled, when it was by the system.
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// Whether events of `kind` go to it now.
    #[must_use]
    pub fn wants(&self, kind: &str) -> bool {
        self.status == SubscriptionStatus::Active && self.events.iter().any(|e| e == kind)
    }

    /// The `updated_at` of a change made at `now`: never equal to the one it
    /// replaces, so the optimistic check tells the two versions apart.
    #[must_use]
    pub fn next_updated_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.max(self.updated_at + chrono::Duration::milliseconds(1))
    }
}

/// The signing secrets, opened: the current one and, during a rotation, the previous one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningSecrets {
    /// Signs every delivery.
    pub current: String,
    /// Also signs deliveries until `previous_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

impl std::fmt::Debug for SigningSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningSecrets").field("previous", &self.previous.is_some()).finish_non_exhaustive()
    }
}

/// The sealing context of a subscription's secrets (bytes moved to another row do not open).
#[must_use]
pub fn secret_context(id: SubscriptionId) -> Vec<u8> {
    format!("webhook:{id}").into_bytes()
}

/// Checks a URL's form (the address rule is the [`crate::UrlPolicy`]'s): `url: …` errors.
pub(crate) fn check_url(errors: &mut ValidationErrors, url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        errors.add("url", "is required");
        return None;
    }
    if url.chars().count() > MAX_URL_CHARS {
        errors.add("url", format!("must be at most {MAX_URL_CHARS} characters"));
        return None;
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        errors.add("url", "must not contain spaces or control characters");
        return None;
    }
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.split("//").nth(1).is_none_or(str::is_empty)
    {
        errors.add("url", "must be an https:// URL");
        return None;
    }
    Some(url.to_owned())
}

/// Checks an event list: known kinds, at least one; returned in catalogue order, without repeats.
pub(crate) fn check_events(errors: &mut ValidationErrors, events: &[String]) -> Vec<String> {
    if events.is_empty() {
        errors.add("events", "must name at least one event");
        return Vec::new();
    }
    for (i, kind) in events.iter().enumerate() {
        if !WEBHOOK_EVENT_KINDS.contains(&kind.as_str()) {
            errors.add(format!("events[{i}]"), format!("must be one of: {}", WEBHOOK_EVENT_KINDS.join(", ")));
        }
    }
    WEBHOOK_EVENT_KINDS.iter().filter(|k| events.iter().any(|e| e == *k)).map(|k| (*k).to_owned()).collect()
}

/// Checks a description: at most [`MAX_DESCRIPTION_CHARS`], no control characters; blank is none.
pub(crate) fn check_description(errors: &mut ValidationErrors, description: Option<&str>) -> Option<String> {
    let text = description.map(str::trim).filter(|d| !d.is_empty())?;
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.add("description", format!("must be at most {MAX_DESCRIPTION_CHARS} characters"));
    } else if let Err(why) = frontdesk_kernel::text::check_text(text) {
        errors.add("description", why);
    }
    Some(text.to_owned())
}

/// One delivery attempt, as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// The sub-account.
    pub tenant_id: TenantId,
    /// The event delivered (its id is the `webhook-id`).
    pub event_id: EventId,
    /// Its kind.
    pub event_kind: String,
    /// `auto` for the event's own deliveries, `redeliver-…`/`replay-…` for ones asked for.
    pub series: String,
    /// 1-based within the series.
    pub attempt: u32,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// Time to the answer (or to the failure).
    pub latency_ms: u64,
    /// The answer's first 1 KiB.
    pub excerpt: String,
    /// Why it failed without an answer (refused address, timeout).
    pub error: Option<String>,
    /// A 2xx answer.
    pub succeeded: bool,
    /// When the next attempt of the series is due, if one is.
    pub next_attempt_at: Option<DateTime<Utc>>,
}
