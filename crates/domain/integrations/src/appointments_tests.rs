//! Bookings mirrored as GoHighLevel appointments over fakes: created once
//! for the lead's contact (upserted when it has none), moved on a retry or a
//! reschedule, re-made when deleted there, cancelled with the booking;
//! deferred while another job of the booking holds its lease or on a 429;
//! nothing queued for an integration without a calendar.

use crate::appointments::{
    AppointmentLinks, AppointmentParts, BookingAppointmentFanout, CrmCalendar, SyncAppointmentJob, SyncAppointments,
};
use crate::calendar_sync::BookedSlot;
use crate::crm::{CrmContact, CrmContacts, CrmError};
use crate::testing::{InMemoryAppointmentLinks, InMemoryLinks};
use crate::{IntegrationId, IntegrationKind, IntegrationTemplate, Secrets};
use async_trait::async_trait;
use chrono::Utc;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::{Job, JobHandler, JobKind, JobStatus, ProgressSink};
use frontdesk_kernel::testing::{InMemoryJobQueue, MapCache};
use frontdesk_kernel::{Cache, JsonObject, RateDecision, RateLimitError, RateLimiter, SystemClock, TenantId};
use frontdesk_leads::testing::InMemoryLeadStore;
use frontdesk_leads::{Lead, LeadRepository, NewLead};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Quiet;

#[async_trait]
impl ProgressSink for Quiet {
    async fn report(&self, _: u64, _: u64) {}
}

struct Open;

#[async_trait]
impl RateLimiter for Open {
    async fn hit(&self, _: &str, limit: u32, _: Duration) -> Result<RateDecision, RateLimitError> {
        Ok(RateDecision { allowed: true, limit, remaining: limit, reset_after: Duration::from_secs(10) })
    }
}

/// Records every call; answers from a script, then successes.
#[derive(Default)]
struct Crm {
    calls: Mutex<Vec<String>>,
    script: Mutex<VecDeque<CrmError>>,
}

impl Crm {
    fn answer<T>(&self, call: String, ok: T) -> Result<T, CrmError> {
        self.calls.lock().unwrap().push(call);
        self.script.lock().unwrap().pop_front().map_or(Ok(ok), Err)
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl CrmContacts for Crm {
    async fn upsert(&self, _: &JsonObject, _: &Secrets, _: Option<&str>, c: &CrmContact) -> Result<String, CrmError> {
        self.answer(format!("contact {}", c.name), "ct_1".to_owned())
    }
}

#[async_trait]
impl CrmCalendar for Crm {
    async fn create(&self, s: &JsonObject, _: &Secrets, contact: &str, slot: &BookedSlot) -> Result<String, CrmError> {
        let n = self.calls().iter().filter(|c| c.starts_with("create")).count() + 1;
        let calendar = s.get("calendarId").and_then(|v| v.as_str()).unwrap_or_default();
        self.answer(format!("create {calendar} {contact} {}", slot.starts_at.format("%H:%M")), format!("apt_{n}"))
    }

    async fn update(&self, _: &JsonObject, _: &Secrets, id: &str, slot: &BookedSlot) -> Result<(), CrmError> {
        self.answer(format!("update {id} {}", slot.starts_at.format("%H:%M")), ())
    }

    async fn cancel(&self, _: &JsonObject, _: &Secrets, id: &str) -> Result<(), CrmError> {
        self.answer(format!("cancel {id}"), ())
    }
}

struct World {
    slot: Arc<crate::testing::OneBooking>,
    crm: Arc<Crm>,
    links: Arc<InMemoryAppointmentLinks>,
    leases: Arc<MapCache>,
    queue: Arc<InMemoryJobQueue>,
    handler: SyncAppointments,
    fanout: BookingAppointmentFanout,
    tenant: TenantId,
    integration: IntegrationId,
    booking: uuid::Uuid,
}

async fn world(calendar: Option<&str>) -> World {
    let template = IntegrationTemplate {
        kind: IntegrationKind::GoHighLevel,
        name: "GoHighLevel".into(),
        description: "CRM".into(),
        settings_schema: json!({"type": "object", "properties": {"locationId": {"type": "string"},
            "privateIntegrationToken": {"type": "string"}, "calendarId": {"type": "string"}}}),
        secret_fields: vec!["privateIntegrationToken".into()],
    };
    let mut settings = json!({"locationId": "loc1", "privateIntegrationToken": "pit-secret"});
    if let Some(calendar) = calendar {
        settings["calendarId"] = json!(calendar);
    }
    let crate::testing::ActiveIntegration { repo, integrations, tenant, id: integration } =
        crate::testing::active_integration(template, settings).await;
    let leads = Arc::new(InMemoryLeadStore::default());
    let lead = Lead::create(
        tenant,
        NewLead { name: "Ana".into(), phone: Some("+14155550100".into()), ..NewLead::default() },
        None,
        Utc::now(),
    )
    .unwrap();
    leads.insert(&lead, &[]).await.unwrap();
    let booking = uuid::Uuid::now_v7();
    let starts_at = Utc::now() + chrono::Duration::days(1);
    let slot = Arc::new(crate::testing::OneBooking(Mutex::new(Some(BookedSlot {
        id: booking,
        lead_id: lead.id,
        confirmed: true,
        starts_at,
        ends_at: starts_at + chrono::Duration::minutes(30),
        title: "Ana — Visit".into(),
    }))));
    let (crm, links, leases, queue) = (
        Arc::new(Crm::default()),
        Arc::new(InMemoryAppointmentLinks::default()),
        Arc::new(MapCache::default()),
        Arc::new(InMemoryJobQueue::default()),
    );
    let handler = SyncAppointments::new(AppointmentParts {
        integrations,
        bookings: slot.clone(),
        leads,
        contacts: Arc::new(InMemoryLinks::default()),
        appointments: links.clone(),
        crm: crm.clone(),
        calendar: crm.clone(),
        limiter: Arc::new(Open),
        leases: leases.clone(),
        queue: queue.clone(),
        clock: Arc::new(SystemClock),
    });
    let fanout = BookingAppointmentFanout::new(repo, queue.clone());
    World { slot, crm, links, leases, queue, handler, fanout, tenant, integration, booking }
}

impl World {
    async fn announce(&self, kind: &str) {
        let event = DomainEvent::new(self.tenant, kind, json!({"booking": {"id": self.booking}}), Utc::now());
        self.fanout.on(&event).await.unwrap();
    }

    fn queued(&self) -> Vec<Job> {
        self.queue
            .all()
            .into_iter()
            .filter(|r| r.job.kind == SyncAppointmentJob::KIND && r.status == JobStatus::Queued)
            .map(|r| r.job)
            .collect()
    }

    async fn run_queued(&self) -> Vec<serde_json::Value> {
        let mut done = Vec::new();
        for job in self.queued() {
            done.push(self.handler.run(&job, &Quiet).await.unwrap());
            self.queue.finish(job.id, JobStatus::Completed, None, Utc::now()).await.unwrap();
        }
        done
    }

    fn at(&self) -> String {
        self.slot.0.lock().unwrap().as_ref().unwrap().starts_at.format("%H:%M").to_string()
    }
}

#[tokio::test]
async fn a_booking_is_one_appointment_moved_on_retry_and_reschedule_and_cancelled_with_it() {
    let w = world(Some("cal1")).await;
    w.announce("booking.created").await;
    let job = w.queued()[0].clone();
    assert_eq!(w.handler.run(&job, &Quiet).await.unwrap()["appointment"], "created");
    assert_eq!(w.links.appointment_of(w.integration, w.booking).await.unwrap().as_deref(), Some("apt_1"));
    // The worker died before completing it: the redelivery moves apt_1, it makes no second appointment.
    assert_eq!(w.handler.run(&job, &Quiet).await.unwrap()["appointment"], "moved");
    let first = w.at();
    assert_eq!(
        w.crm.calls(),
        ["contact Ana".to_owned(), format!("create cal1 ct_1 {first}"), format!("update apt_1 {first}")]
    );

    let later = Utc::now() + chrono::Duration::days(2) + chrono::Duration::hours(1);
    w.slot.0.lock().unwrap().as_mut().unwrap().starts_at = later;
    w.announce("booking.rescheduled").await;
    w.run_queued().await;
    assert_eq!(w.crm.calls().last().unwrap(), &format!("update apt_1 {}", w.at()));

    w.slot.0.lock().unwrap().as_mut().unwrap().confirmed = false;
    w.announce("booking.cancelled").await;
    w.run_queued().await;
    assert_eq!(w.crm.calls().last().unwrap(), "cancel apt_1");
    assert_eq!(w.crm.calls().iter().filter(|c| c.starts_with("create")).count(), 1);
}

#[tokio::test]
async fn an_appointment_deleted_there_is_made_again_and_the_contact_is_reused() {
    let w = world(Some("cal1")).await;
    w.announce("booking.created").await;
    w.run_queued().await;
    w.crm.script.lock().unwrap().push_back(CrmError::Refused("404 not found".into()));
    w.announce("booking.rescheduled").await;
    let done = w.run_queued().await;
    assert_eq!((done[0]["appointment"].as_str(), done[0]["appointmentId"].as_str()), (Some("created"), Some("apt_2")));
    assert_eq!(w.links.appointment_of(w.integration, w.booking).await.unwrap().as_deref(), Some("apt_2"));
    assert_eq!(w.crm.calls().iter().filter(|c| c.starts_with("contact")).count(), 1, "the linked contact is reused");
}

#[tokio::test]
async fn a_held_lease_or_a_429_defers_and_a_refusal_fails_for_good() {
    let w = world(Some("cal1")).await;
    w.announce("booking.created").await;
    let job = w.queued()[0].clone();
    let lease = format!("integrations:ghl-appointment:{}:{}", w.integration, w.booking);
    w.leases.set(&lease, b"another job", Duration::from_secs(30)).await.unwrap();
    let deferred = w.handler.run(&job, &Quiet).await.unwrap();
    assert_eq!(deferred["deferred"], "another sync of this booking is running");
    assert!(w.crm.calls().is_empty(), "nothing sent while another job holds the booking");
    w.leases.delete(&lease).await.unwrap();

    w.crm.script.lock().unwrap().push_back(CrmError::RateLimited(Some(Duration::from_secs(3))));
    let limited = w.handler.run(&job, &Quiet).await.unwrap();
    assert_eq!(limited["deferred"], "GoHighLevel answered 429");
    let queued = w.queued();
    assert_eq!(queued.len(), 2, "the original and its deferred run (keyed by the deferral count: queued once)");
    assert_eq!(SyncAppointmentJob::payload(&queued[1]).unwrap().deferrals, 1);
    assert!(w.leases.get(&lease).await.unwrap().is_none(), "the lease is released after a run");

    w.crm.script.lock().unwrap().extend([CrmError::Refused("422 bad calendar".into())]);
    let failed = w.handler.run(&job, &Quiet).await.unwrap_err();
    assert!(!failed.retryable, "{failed:?}");
}

#[tokio::test]
async fn an_integration_without_a_calendar_queues_nothing() {
    let w = world(None).await;
    w.announce("booking.created").await;
    assert!(w.queued().is_empty());
}
