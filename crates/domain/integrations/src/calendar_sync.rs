//! Bookings written to a sub-account's Google Calendar: each booking event
//! (`booking.created`, `.rescheduled`, `.cancelled`) queues a
//! `google.sync_booking` job for a tenant with an active Google Calendar
//! integration; the job reads the booking as it is *now* and makes the
//! calendar match — a confirmed booking's event written (created or
//! replaced), anything else's removed. The event id is derived from the
//! booking id (`fd` + its 32 hex digits, valid base32hex), so it is known
//! before the first write: a retried or repeated job replaces the same event
//! and never adds a second one, and jobs running out of order converge on
//! the booking's current state.

use crate::IntegrationsError;
use crate::integration::{IntegrationId, IntegrationKind};
use crate::ports::IntegrationRepository;
use crate::service::{Credentials, Integrations};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, JobQueue, ProgressSink};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A booking as the calendar needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookedSlot {
    /// The booking's id (the event id derives from it).
    pub id: uuid::Uuid,
    /// Whose booking it is.
    pub lead_id: frontdesk_kernel::LeadId,
    /// Whether it holds its slot (confirmed).
    pub confirmed: bool,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// The event's title (`Ana Lopez — Consultation`).
    pub title: String,
}

/// The bookings as the calendar sync reads them.
#[async_trait]
pub trait BookedSlots: Send + Sync + 'static {
    /// The booking `id` of `tenant`, if it exists.
    ///
    /// # Errors
    /// `Storage`.
    async fn booking(&self, tenant: TenantId, id: uuid::Uuid) -> crate::Result<Option<BookedSlot>>;
}

/// Why a calendar write failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Refused: credentials or the request; retrying cannot help.
    #[error("refused: {0}")]
    Refused(String),
    /// No usable answer.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A calendar's events, written with an integration's credentials.
#[async_trait]
pub trait CalendarEvents: Send + Sync + 'static {
    /// Writes `slot` as event `event_id` (created, or replaced).
    ///
    /// # Errors
    /// [`CalendarError`].
    async fn put(&self, credentials: &Credentials, event_id: &str, slot: &BookedSlot) -> Result<(), CalendarError>;

    /// Removes event `event_id` (absent is fine).
    ///
    /// # Errors
    /// [`CalendarError`].
    async fn remove(&self, credentials: &Credentials, event_id: &str) -> Result<(), CalendarError>;
}

/// The calendar event id of booking `id`.
#[must_use]
pub fn event_id(id: uuid::Uuid) -> String {
    format!("fd{}", id.simple())
}

/// The `google.sync_booking` job's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncBooking {
    /// The Google Calendar integration.
    pub integration_id: IntegrationId,
    /// The booking.
    pub booking_id: uuid::Uuid,
}

/// The `google.sync_booking` job kind.
#[derive(Debug)]
pub struct SyncBookingJob;

impl JobKind for SyncBookingJob {
    const KIND: &'static str = "google.sync_booking";
    type Payload = SyncBooking;
    type Output = serde_json::Value;
}

/// Queues a calendar sync per booking event of a tenant with an active Google Calendar.
pub struct BookingCalendarFanout {
    repo: Arc<dyn IntegrationRepository>,
    queue: Arc<dyn JobQueue>,
}

impl BookingCalendarFanout {
    /// Over the integrations in `repo`, into `queue`.
    #[must_use]
    pub fn new(repo: Arc<dyn IntegrationRepository>, queue: Arc<dyn JobQueue>) -> Self {
        Self { repo, queue }
    }
}

#[async_trait]
impl EventSubscriber for BookingCalendarFanout {
    fn name(&self) -> &'static str {
        "google-calendar-events"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["booking.created", "booking.rescheduled", "booking.cancelled"]
    }

    async fn on(&self, event: &DomainEvent) -> Result<(), JobFailure> {
        let Some(integration) = crate::fanout::active(&*self.repo, event, IntegrationKind::GoogleCalendar).await?
        else {
            return Ok(());
        };
        let payload =
            SyncBooking { integration_id: integration.id, booking_id: crate::fanout::entity_id(event, "booking")? };
        let key = format!("google-event:{}:{}", integration.id, event.id);
        crate::fanout::enqueue::<SyncBookingJob>(&*self.queue, event, &payload, key).await
    }
}

/// Runs `google.sync_booking` jobs.
pub struct SyncBookings {
    integrations: Arc<Integrations>,
    bookings: Arc<dyn BookedSlots>,
    calendar: Arc<dyn CalendarEvents>,
}

impl SyncBookings {
    /// The handler.
    #[must_use]
    pub fn new(
        integrations: Arc<Integrations>,
        bookings: Arc<dyn BookedSlots>,
        calendar: Arc<dyn CalendarEvents>,
    ) -> Self {
        Self { integrations, bookings, calendar }
    }
}

#[async_trait]
impl JobHandler for SyncBookings {
    fn kind(&self) -> &'static str {
        SyncBookingJob::KIND
    }

    async fn run(&self, job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = SyncBookingJob::payload(job)?;
        let tenant = job.tenant_id;
        let retry = |e: IntegrationsError| JobFailure::retry(e.to_string());
        let Some(credentials) = self
            .integrations
            .credentials_of(tenant, IntegrationKind::GoogleCalendar, payload.integration_id)
            .await
            .map_err(retry)?
        else {
            return Ok(serde_json::json!({ "skipped": "the Google Calendar integration is no longer active" }));
        };
        let id = event_id(payload.booking_id);
        let written = match self.bookings.booking(tenant, payload.booking_id).await.map_err(retry)? {
            Some(slot) if slot.confirmed => self.calendar.put(&credentials, &id, &slot).await.map(|()| "written"),
            _ => self.calendar.remove(&credentials, &id).await.map(|()| "removed"),
        };
        match written {
            Ok(what) => {
                tracing::info!(tenant.id = %tenant, booking.id = %payload.booking_id, what, "booking synced to Google Calendar");
                Ok(serde_json::json!({ "event": what, "eventId": id }))
            }
            Err(CalendarError::Refused(why)) => Err(JobFailure::permanent(format!("Google refused: {why}"))),
            Err(CalendarError::Unavailable(why)) => Err(JobFailure::retry(format!("Google unavailable: {why}"))),
        }
    }
}
