//! Confirmations, reschedule and cancellation notices and reminders.
//!
//! A booking write never waits for a message: after it commits, the
//! service tells [`BookingNotices`], whose queue implementation
//! ([`QueuedNotices`]) enqueues `bookings.message` jobs — one now, and one
//! per reminder offset at `startsAt - offset`. The job handler
//! ([`SendBookingMessages`]) re-reads the booking when it runs and sends
//! nothing for a booking that was cancelled or moved since (a reminder
//! carries the start it was scheduled for), so there is no reminder to
//! hunt down and delete when a booking changes. Every send carries a
//! dedupe key (`booking:{id}:{message}:{start}[:{minutes}]:{audience}`), so
//! a redelivered job never texts a customer twice.
//!
//! The lead gets an SMS when a phone number is known, else an email; the
//! sub-account's staff get a notice of every booking, move and
//! cancellation. Wording is the tenant's own or the built-in
//! ([`crate::wording`]), rendered when the job runs.

use crate::booking::{Booking, BookingStatus};
use crate::error::{BookingsError, Result};
use crate::ports::BookingRepository;
use crate::wording::{WordingRepository, in_force};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobQueue, NewJob, ProgressSink};
use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger, Sent};
use frontdesk_kernel::{Clock, LeadId, TenantId, string_enum};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

string_enum!(
    /// Which message a job sends.
    BookingMessage, "booking message" {
        /// The booking was made.
        Confirmation => "confirmation",
        /// The booking moved.
        Rescheduled => "rescheduled",
        /// The booking was cancelled.
        Cancelled => "cancelled",
        /// The appointment is coming up.
        Reminder => "reminder",
    }
);

/// The job kind of [`SendBookingMessages`].
pub const MESSAGE_JOB: &str = "bookings.message";

/// What a `bookings.message` job carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageJob {
    /// The booking.
    pub booking_id: crate::booking::BookingId,
    /// Which message.
    pub message: BookingMessage,
    /// The start the message is about; a booking that no longer starts then gets no reminder.
    pub starts_at: DateTime<Utc>,
    /// The zone times are shown in.
    pub time_zone: String,
    /// The appointment type's name, as booked.
    pub appointment: String,
    /// For reminders: how long before the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_minutes: Option<u32>,
    /// For the confirmation: the self-service token (stored only hashed on the booking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_token: Option<String>,
}

/// Told after every committed booking change that should reach people.
#[async_trait]
pub trait BookingNotices: Send + Sync + 'static {
    /// `booking` was just made (`token`: its self-service token), moved or
    /// cancelled; never fails the caller (a failure is logged).
    async fn changed(
        &self,
        booking: &Booking,
        message: BookingMessage,
        zone: Tz,
        appointment: &str,
        token: Option<&str>,
    );
}

/// Sends nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoNotices;

#[async_trait]
impl BookingNotices for NoNotices {
    async fn changed(&self, _: &Booking, _: BookingMessage, _: Tz, _: &str, _: Option<&str>) {}
}

/// Enqueues the message now and the reminders at their times.
pub struct QueuedNotices {
    queue: Arc<dyn JobQueue>,
    reminders: Vec<u32>,
    clock: Arc<dyn Clock>,
}

impl QueuedNotices {
    /// Notices through `queue`, with reminders `reminders` minutes before each start.
    #[must_use]
    pub fn new(queue: Arc<dyn JobQueue>, reminders: Vec<u32>, clock: Arc<dyn Clock>) -> Self {
        Self { queue, reminders, clock }
    }

    async fn enqueue(&self, tenant: TenantId, job: &MessageJob, run_at: Option<DateTime<Utc>>) {
        let key = dedupe_key(job);
        let Ok(payload) = serde_json::to_value(job) else { return };
        let new = NewJob { idempotency_key: Some(key.clone()), ..NewJob::new(tenant, MESSAGE_JOB, payload) };
        let enqueued = match run_at {
            Some(at) => self.queue.enqueue_at(new, at).await,
            None => self.queue.enqueue(new).await,
        };
        if let Err(err) = enqueued {
            tracing::error!(tenant.id = %tenant, booking.id = %job.booking_id, %key, error = %err,
                "could not enqueue a booking message; it will not be sent");
        }
    }
}

#[async_trait]
impl BookingNotices for QueuedNotices {
    async fn changed(
        &self,
        booking: &Booking,
        message: BookingMessage,
        zone: Tz,
        appointment: &str,
        token: Option<&str>,
    ) {
        let job = MessageJob {
            booking_id: booking.id,
            message,
            starts_at: booking.starts_at,
            time_zone: zone.name().to_owned(),
            appointment: appointment.to_owned(),
            reminder_minutes: None,
            manage_token: token.map(str::to_owned),
        };
        self.enqueue(booking.tenant_id, &job, None).await;
        if message == BookingMessage::Cancelled {
            return;
        }
        let now = self.clock.now();
        for &minutes in &self.reminders {
            let run_at = booking.starts_at - Duration::minutes(i64::from(minutes));
            if run_at <= now {
                continue;
            }
            let reminder = MessageJob {
                message: BookingMessage::Reminder,
                reminder_minutes: Some(minutes),
                manage_token: None,
                ..job.clone()
            };
            self.enqueue(booking.tenant_id, &reminder, Some(run_at)).await;
        }
    }
}

/// `booking:{id}:{message}:{start epoch ms}[:{minutes}]`: one job, and one send per audience, per key.
fn dedupe_key(job: &MessageJob) -> String {
    let mut key = format!("booking:{}:{}:{}", job.booking_id, job.message, job.starts_at.timestamp_millis());
    if let Some(minutes) = job.reminder_minutes {
        key.push_str(&format!(":{minutes}"));
    }
    key
}

/// How to reach a lead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeadContact {
    /// The lead's name.
    pub name: String,
    /// E.164 phone number.
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
}

/// Who messages go to, and the business's name they are signed with.
#[async_trait]
pub trait Recipients: Send + Sync + 'static {
    /// The lead's contact, `None` when the lead is gone.
    ///
    /// # Errors
    /// `Storage`.
    async fn lead(&self, tenant: TenantId, lead: LeadId) -> Result<Option<LeadContact>>;
    /// The sub-account's name.
    ///
    /// # Errors
    /// `Storage`.
    async fn business_name(&self, tenant: TenantId) -> Result<String>;
}

/// Runs `bookings.message` jobs.
pub struct SendBookingMessages {
    bookings: Arc<dyn BookingRepository>,
    wording: Arc<dyn WordingRepository>,
    recipients: Arc<dyn Recipients>,
    messenger: Arc<dyn OutboundMessenger>,
    clock: Arc<dyn Clock>,
    manage_base_url: String,
}

impl SendBookingMessages {
    /// The handler; self-service links are `{manage_base_url}/b/{token}`.
    #[must_use]
    pub fn new(
        bookings: Arc<dyn BookingRepository>,
        wording: Arc<dyn WordingRepository>,
        recipients: Arc<dyn Recipients>,
        messenger: Arc<dyn OutboundMessenger>,
        clock: Arc<dyn Clock>,
        manage_base_url: &str,
    ) -> Self {
        Self {
            bookings,
            wording,
            recipients,
            messenger,
            clock,
            manage_base_url: manage_base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Why `job` should send nothing for `booking` as it is now, if it should not.
    fn stale(&self, job: &MessageJob, booking: &Booking) -> Option<&'static str> {
        let moved = booking.starts_at != job.starts_at;
        match job.message {
            BookingMessage::Cancelled => (booking.status != BookingStatus::Cancelled).then_some("not cancelled"),
            _ if booking.status != BookingStatus::Confirmed => Some("the booking is no longer confirmed"),
            _ if moved => Some("the booking has moved since"),
            BookingMessage::Reminder if booking.starts_at <= self.clock.now() => Some("the appointment has started"),
            _ => None,
        }
    }

    /// Sends what `job` asks; the outcome for the job's result.
    ///
    /// # Errors
    /// `Storage` and unavailable messaging (the job retries; sends already done are deduplicated).
    pub async fn deliver(&self, tenant: TenantId, job: &MessageJob) -> Result<serde_json::Value> {
        let booking = match self.bookings.get(tenant, job.booking_id).await {
            Ok(booking) => booking,
            Err(BookingsError::NotFound { .. }) => return Ok(serde_json::json!({ "skipped": "the booking is gone" })),
            Err(other) => return Err(other),
        };
        if let Some(reason) = self.stale(job, &booking) {
            tracing::info!(tenant.id = %tenant, booking.id = %booking.id, message = %job.message, reason, "booking message skipped");
            return Ok(serde_json::json!({ "skipped": reason }));
        }
        let zone: Tz = job.time_zone.parse().unwrap_or(Tz::UTC);
        let business = self.recipients.business_name(tenant).await?;
        let contact = self.recipients.lead(tenant, booking.lead_id).await?.unwrap_or_default();
        let when = crate::service::local_label(booking.starts_at, zone);
        let manage = job.manage_token.as_ref().map(|t| format!("{}/b/{t}", self.manage_base_url)).unwrap_or_default();
        let first = contact.name.split_whitespace().next().unwrap_or("").to_owned();
        let reason = booking.cancel_reason.as_ref().map(|r| format!("({r})")).unwrap_or_default();
        let value = |name: &str| -> Cow<'_, str> {
            Cow::Owned(
                match name {
                    "lead.name" => contact.name.as_str(),
                    "lead.firstName" => first.as_str(),
                    "business.name" => business.as_str(),
                    "appointment.type" => job.appointment.as_str(),
                    "appointment.when" => when.as_str(),
                    "appointment.manageUrl" => manage.as_str(),
                    "appointment.reason" => reason.as_str(),
                    _ => "",
                }
                .to_owned(),
            )
        };
        let wording = in_force(self.wording.as_ref(), tenant, job.message).await?;
        let (sms, subject, email, staff) =
            (wording.sms.as_str(), wording.email_subject.as_str(), wording.email_body.as_str(), wording.staff.as_str());
        let render = |template: &str| frontdesk_kernel::template::render(template, value).trim().to_owned();
        let key = dedupe_key(job);
        let mut sent = Vec::new();
        let to_lead = match (&contact.phone, &contact.email) {
            (Some(phone), _) => Some((MessageChannel::Sms, phone.clone(), None, render(sms))),
            (None, Some(address)) => {
                Some((MessageChannel::Email, address.clone(), Some(render(subject)), render(email)))
            }
            (None, None) => None,
        };
        match to_lead {
            Some((channel, to, subject, body)) => {
                let message = OutboundMessage {
                    tenant_id: tenant,
                    channel,
                    to,
                    subject,
                    body,
                    dedupe_key: format!("{key}:lead"),
                    headers: Vec::new(),
                };
                sent.push(self.send(&message).await?);
            }
            None => {
                tracing::warn!(tenant.id = %tenant, booking.id = %booking.id, "the lead has no phone or email: no message sent")
            }
        }
        if !staff.is_empty() {
            let message = OutboundMessage {
                tenant_id: tenant,
                channel: MessageChannel::Staff,
                to: "staff".into(),
                subject: None,
                body: render(staff),
                dedupe_key: format!("{key}:staff"),
                headers: Vec::new(),
            };
            sent.push(self.send(&message).await?);
        }
        Ok(serde_json::json!({ "sent": sent }))
    }

    async fn send(&self, message: &OutboundMessage) -> Result<serde_json::Value> {
        match self.messenger.send(message).await {
            Ok(Sent::New(id)) => Ok(serde_json::json!({ "channel": message.channel, "messageId": id.to_string() })),
            Ok(Sent::Duplicate) => Ok(serde_json::json!({ "channel": message.channel, "duplicate": true })),
            Err(MessagingError::Rejected(why)) => {
                let masked = frontdesk_kernel::redact::mask_pii(&why);
                tracing::warn!(tenant.id = %message.tenant_id, channel = %message.channel, why = %masked, "message rejected");
                Ok(serde_json::json!({ "channel": message.channel, "rejected": why }))
            }
            Err(err @ MessagingError::Unavailable(_)) => Err(BookingsError::storage(err)),
        }
    }
}

#[async_trait]
impl JobHandler for SendBookingMessages {
    fn kind(&self) -> &'static str {
        MESSAGE_JOB
    }

    async fn run(&self, job: &Job, _: &dyn ProgressSink) -> std::result::Result<serde_json::Value, JobFailure> {
        let payload: MessageJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad bookings.message payload: {e}")))?;
        self.deliver(job.tenant_id, &payload).await.map_err(|e| JobFailure::retry(format!("{e}: {e:?}")))
    }
}
