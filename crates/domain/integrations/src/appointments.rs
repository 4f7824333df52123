//! Bookings mirrored as appointments in a tenant's CRM calendar
//! (GoHighLevel): each booking event of a tenant whose active GoHighLevel
//! integration names a `calendarId` queues a `gohighlevel.sync_appointment`
//! job, which makes the CRM match the booking as it is *now* — a confirmed
//! booking's appointment created (for the lead's contact, upserted first
//! when the lead has none there yet) or moved, anything else's cancelled.
//!
//! GoHighLevel chooses appointment ids, so the id is stored per booking
//! ([`AppointmentLinks`]) the moment it is known: a retried job moves the
//! appointment it made instead of making a second one. Two jobs of one
//! booking never run at once ([`crate::lease`]; the second waits a moment),
//! so a create racing a reschedule cannot make two. The
//! location's rate budget and 429s defer the job, as for contacts.

use crate::calendar_sync::{BookedSlot, BookedSlots};
use crate::crm::{CrmContact, CrmContacts, CrmError, LOCATION_WINDOW, defer, fingerprint};
use crate::integration::{IntegrationId, IntegrationKind};
use crate::ports::IntegrationRepository;
use crate::service::{Credentials, Integrations};
use crate::webhooks::ExternalLinks;
use crate::{IntegrationsError, Secrets};
use async_trait::async_trait;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, JobQueue, ProgressSink};
use frontdesk_kernel::{Cache, Clock, JsonObject, RateLimiter, TenantId};
use frontdesk_leads::{LeadRepository, LeadsError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// A CRM calendar's appointments.
#[async_trait]
pub trait CrmCalendar: Send + Sync + 'static {
    /// Creates an appointment of `slot` for `contact_id`; returns its id.
    ///
    /// # Errors
    /// [`CrmError`].
    async fn create(
        &self,
        settings: &JsonObject,
        secrets: &Secrets,
        contact_id: &str,
        slot: &BookedSlot,
    ) -> Result<String, CrmError>;

    /// Moves (or retitles) appointment `id` to `slot`; `Refused("404 …")` when it is gone.
    ///
    /// # Errors
    /// [`CrmError`].
    async fn update(
        &self,
        settings: &JsonObject,
        secrets: &Secrets,
        id: &str,
        slot: &BookedSlot,
    ) -> Result<(), CrmError>;

    /// Marks appointment `id` cancelled (gone already is fine).
    ///
    /// # Errors
    /// [`CrmError`].
    async fn cancel(&self, settings: &JsonObject, secrets: &Secrets, id: &str) -> Result<(), CrmError>;
}

/// Which CRM appointment mirrors which booking.
#[async_trait]
pub trait AppointmentLinks: Send + Sync + 'static {
    /// The appointment booking `booking` is mirrored as through `integration`.
    ///
    /// # Errors
    /// `Storage`.
    async fn appointment_of(&self, integration: IntegrationId, booking: uuid::Uuid) -> crate::Result<Option<String>>;

    /// Records that `booking` is mirrored as `external_id` (replacing an older one).
    ///
    /// # Errors
    /// `Storage`.
    async fn link_appointment(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        booking: uuid::Uuid,
        external_id: &str,
    ) -> crate::Result<()>;
}

/// The `gohighlevel.sync_appointment` job's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncAppointment {
    /// The GoHighLevel integration.
    pub integration_id: IntegrationId,
    /// The booking.
    pub booking_id: uuid::Uuid,
    /// The event that asked for it (the job's key).
    pub event_id: String,
    /// Times deferred so far.
    #[serde(default)]
    pub deferrals: u32,
}

/// The `gohighlevel.sync_appointment` job kind.
#[derive(Debug)]
pub struct SyncAppointmentJob;

impl JobKind for SyncAppointmentJob {
    const KIND: &'static str = "gohighlevel.sync_appointment";
    type Payload = SyncAppointment;
    type Output = serde_json::Value;
}

fn key(payload: &SyncAppointment) -> String {
    format!("ghl-appointment:{}:{}:{}", payload.integration_id, payload.event_id, payload.deferrals)
}

/// The calendar a GoHighLevel integration mirrors bookings into, when it names one.
#[must_use]
pub fn calendar_of(settings: &JsonObject) -> Option<&str> {
    settings.get("calendarId").and_then(|v| v.as_str()).filter(|c| !c.is_empty())
}

/// Queues an appointment sync per booking event of a tenant whose active
/// GoHighLevel integration names a calendar.
pub struct BookingAppointmentFanout {
    repo: Arc<dyn IntegrationRepository>,
    queue: Arc<dyn JobQueue>,
}

impl BookingAppointmentFanout {
    /// Over the integrations in `repo`, into `queue`.
    #[must_use]
    pub fn new(repo: Arc<dyn IntegrationRepository>, queue: Arc<dyn JobQueue>) -> Self {
        Self { repo, queue }
    }
}

#[async_trait]
impl EventSubscriber for BookingAppointmentFanout {
    fn name(&self) -> &'static str {
        "gohighlevel-appointments"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["booking.created", "booking.rescheduled", "booking.cancelled"]
    }

    async fn on(&self, event: &DomainEvent) -> Result<(), JobFailure> {
        let integration = crate::fanout::active(&*self.repo, event, IntegrationKind::GoHighLevel).await?;
        let Some(integration) = integration.filter(|i| calendar_of(&i.settings).is_some()) else {
            return Ok(());
        };
        let payload = SyncAppointment {
            integration_id: integration.id,
            booking_id: crate::fanout::entity_id(event, "booking")?,
            event_id: event.id.to_string(),
            deferrals: 0,
        };
        crate::fanout::enqueue::<SyncAppointmentJob>(&*self.queue, event, &payload, key(&payload)).await
    }
}

/// The ports [`SyncAppointments`] needs.
pub struct AppointmentParts {
    /// Credentials of the integration.
    pub integrations: Arc<Integrations>,
    /// The bookings as they are now.
    pub bookings: Arc<dyn BookedSlots>,
    /// The leads (a contact upserted for a lead GoHighLevel does not know yet).
    pub leads: Arc<dyn LeadRepository>,
    /// Lead ↔ contact links.
    pub contacts: Arc<dyn ExternalLinks>,
    /// Booking ↔ appointment links.
    pub appointments: Arc<dyn AppointmentLinks>,
    /// GoHighLevel's contacts.
    pub crm: Arc<dyn CrmContacts>,
    /// GoHighLevel's calendar.
    pub calendar: Arc<dyn CrmCalendar>,
    /// The location's shared rate budget.
    pub limiter: Arc<dyn RateLimiter>,
    /// One job per booking at a time.
    pub leases: Arc<dyn Cache>,
    /// For deferrals.
    pub queue: Arc<dyn JobQueue>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

/// Runs `gohighlevel.sync_appointment` jobs.
pub struct SyncAppointments {
    parts: AppointmentParts,
}

/// Why a run stopped early: deferred (and why), or failed.
enum Stop {
    Defer(Duration, &'static str),
    Fail(JobFailure),
}

impl From<CrmError> for Stop {
    fn from(error: CrmError) -> Self {
        match error {
            CrmError::RateLimited(after) => Self::Defer(after.unwrap_or(LOCATION_WINDOW), "GoHighLevel answered 429"),
            CrmError::Refused(why) => Self::Fail(JobFailure::permanent(format!("GoHighLevel refused: {why}"))),
            CrmError::Unavailable(why) => Self::Fail(JobFailure::retry(format!("GoHighLevel unavailable: {why}"))),
        }
    }
}

impl From<IntegrationsError> for Stop {
    fn from(error: IntegrationsError) -> Self {
        Self::Fail(JobFailure::retry(error.to_string()))
    }
}

impl SyncAppointments {
    /// The handler.
    #[must_use]
    pub const fn new(parts: AppointmentParts) -> Self {
        Self { parts }
    }

    /// One request against the location's budget, or a deferral until it refills.
    async fn spend(&self, credentials: &Credentials) -> Result<(), Stop> {
        let decision =
            crate::crm::spend_location_budget(&*self.parts.limiter, credentials).await.map_err(Stop::Fail)?;
        if decision.allowed {
            Ok(())
        } else {
            Err(Stop::Defer(decision.reset_after, "the location's rate budget is spent"))
        }
    }

    /// The lead's contact id in GoHighLevel, upserted first when it has none.
    async fn contact(
        &self,
        tenant: TenantId,
        p: &SyncAppointment,
        c: &Credentials,
        slot: &BookedSlot,
    ) -> Result<String, Stop> {
        if let Some(synced) = self.parts.contacts.contact_of(p.integration_id, slot.lead_id).await? {
            return Ok(synced.external_id);
        }
        let lead = match self.parts.leads.get(tenant, slot.lead_id).await {
            Ok(lead) => lead,
            Err(LeadsError::NotFound { .. }) => {
                return Err(Stop::Fail(JobFailure::permanent("the booking's lead was deleted")));
            }
            Err(e) => return Err(Stop::Fail(JobFailure::retry(e.to_string()))),
        };
        self.spend(c).await?;
        let contact = self.parts.crm.upsert(&c.settings, &c.secrets, None, &CrmContact::of(&lead)).await?;
        self.parts.contacts.record_sync(tenant, p.integration_id, &contact, lead.id, &fingerprint(&lead)).await?;
        Ok(contact)
    }

    /// Makes the CRM match the booking; what was done.
    async fn sync(&self, tenant: TenantId, p: &SyncAppointment, c: &Credentials) -> Result<serde_json::Value, Stop> {
        let slot = self.parts.bookings.booking(tenant, p.booking_id).await?;
        let linked = self.parts.appointments.appointment_of(p.integration_id, p.booking_id).await?;
        let calendar = &*self.parts.calendar;
        match (slot, linked) {
            (Some(slot), Some(id)) if slot.confirmed => {
                self.spend(c).await?;
                match calendar.update(&c.settings, &c.secrets, &id, &slot).await {
                    Ok(()) => Ok(serde_json::json!({ "appointment": "moved", "appointmentId": id })),
                    // Deleted on their side: made again.
                    Err(CrmError::Refused(why)) if why.starts_with("404") => self.create(tenant, p, c, &slot).await,
                    Err(other) => Err(other.into()),
                }
            }
            (Some(slot), None) if slot.confirmed => self.create(tenant, p, c, &slot).await,
            (_, Some(id)) => {
                self.spend(c).await?;
                calendar.cancel(&c.settings, &c.secrets, &id).await?;
                Ok(serde_json::json!({ "appointment": "cancelled", "appointmentId": id }))
            }
            (_, None) => Ok(serde_json::json!({ "skipped": "no confirmed booking and no appointment" })),
        }
    }

    async fn create(
        &self,
        tenant: TenantId,
        p: &SyncAppointment,
        c: &Credentials,
        slot: &BookedSlot,
    ) -> Result<serde_json::Value, Stop> {
        let contact = self.contact(tenant, p, c, slot).await?;
        self.spend(c).await?;
        let id = self.parts.calendar.create(&c.settings, &c.secrets, &contact, slot).await?;
        self.parts.appointments.link_appointment(tenant, p.integration_id, p.booking_id, &id).await?;
        Ok(serde_json::json!({ "appointment": "created", "appointmentId": id, "contactId": contact }))
    }

    /// Queues the job again `after` from now, or fails it past [`crate::crm::MAX_DEFERRALS`].
    async fn defer(
        &self,
        tenant: TenantId,
        p: &SyncAppointment,
        after: Duration,
        why: &str,
    ) -> Result<serde_json::Value, JobFailure> {
        let next = SyncAppointment { deferrals: p.deferrals + 1, ..p.clone() };
        let (queue, clock) = (&*self.parts.queue, &*self.parts.clock);
        let subject = format!("booking {}", p.booking_id);
        defer::<SyncAppointmentJob>(queue, clock, tenant, &subject, &next, next.deferrals, key(&next), (after, why))
            .await
    }
}

#[async_trait]
impl JobHandler for SyncAppointments {
    fn kind(&self) -> &'static str {
        SyncAppointmentJob::KIND
    }

    async fn run(&self, job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = SyncAppointmentJob::payload(job)?;
        let tenant = job.tenant_id;
        let Some(credentials) = self
            .parts
            .integrations
            .credentials_of(tenant, IntegrationKind::GoHighLevel, payload.integration_id)
            .await
            .map_err(|e| JobFailure::retry(e.to_string()))?
            .filter(|c| calendar_of(&c.settings).is_some())
        else {
            return Ok(serde_json::json!({ "skipped": "no active GoHighLevel integration with a calendar" }));
        };
        let lease = format!("integrations:ghl-appointment:{}:{}", payload.integration_id, payload.booking_id);
        if !crate::lease::take(&*self.parts.leases, &lease, &job.id.to_string()).await {
            let why = "another sync of this booking is running";
            return self.defer(tenant, &payload, crate::lease::LEASE_WAIT, why).await;
        }
        let outcome = self.sync(tenant, &payload, &credentials).await;
        crate::lease::release(&*self.parts.leases, &lease, &job.id.to_string()).await;
        match outcome {
            Ok(done) => {
                tracing::info!(tenant.id = %tenant, booking.id = %payload.booking_id, %done, "booking synced to GoHighLevel");
                Ok(done)
            }
            Err(Stop::Defer(after, why)) => self.defer(tenant, &payload, after, why).await,
            Err(Stop::Fail(failure)) => Err(failure),
        }
    }
}
