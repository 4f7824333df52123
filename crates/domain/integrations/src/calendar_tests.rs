//! Bookings to Google Calendar over fakes: a confirmed booking is written
//! under an id derived from it (again on a retry, never a second event), a
//! cancelled one removed; tenants without an active calendar queue nothing.

use crate::calendar_sync::{
    BookedSlot, BookingCalendarFanout, CalendarError, CalendarEvents, SyncBookingJob, SyncBookings, event_id,
};
use crate::service::Credentials;
use crate::{IntegrationKind, IntegrationTemplate};
use async_trait::async_trait;
use chrono::Utc;
use frontdesk_kernel::TenantId;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::{JobHandler, JobKind, JobStatus, ProgressSink};
use frontdesk_kernel::testing::InMemoryJobQueue;
use serde_json::json;
use std::sync::{Arc, Mutex};

struct Quiet;

#[async_trait]
impl ProgressSink for Quiet {
    async fn report(&self, _: u64, _: u64) {}
}

#[derive(Default)]
struct Calendar(Mutex<Vec<(String, String)>>);

#[async_trait]
impl CalendarEvents for Calendar {
    async fn put(&self, c: &Credentials, id: &str, slot: &BookedSlot) -> Result<(), CalendarError> {
        assert_eq!(c.secrets.str("refreshToken"), Some("1//r"));
        self.0.lock().unwrap().push((format!("put {}", slot.title), id.to_owned()));
        Ok(())
    }

    async fn remove(&self, _: &Credentials, id: &str) -> Result<(), CalendarError> {
        self.0.lock().unwrap().push(("remove".into(), id.to_owned()));
        Ok(())
    }
}

#[tokio::test]
async fn a_booking_is_one_event_written_again_on_retry_and_removed_when_cancelled() {
    let template = IntegrationTemplate {
        kind: IntegrationKind::GoogleCalendar,
        name: "Google Calendar".into(),
        description: "busy".into(),
        settings_schema: json!({"type": "object", "properties": {"calendarIds": {"type": "array"},
            "credentialType": {"type": "string"}, "clientId": {"type": "string"}, "clientSecret": {"type": "string"},
            "refreshToken": {"type": "string"}}}),
        secret_fields: vec!["clientSecret".into(), "refreshToken".into()],
    };
    let settings = json!({"calendarIds": ["primary"], "credentialType": "oauth", "clientId": "c", "clientSecret": "s", "refreshToken": "1//r"});
    let crate::testing::ActiveIntegration { repo, integrations, tenant, .. } =
        crate::testing::active_integration(template, settings).await;
    let queue = Arc::new(InMemoryJobQueue::default());
    let fanout = BookingCalendarFanout::new(repo, queue.clone());
    let slots = Arc::new(crate::testing::OneBooking::default());
    let calendar = Arc::new(Calendar::default());
    let handler = SyncBookings::new(integrations, slots.clone(), calendar.clone());

    let booking = uuid::Uuid::now_v7();
    let now = Utc::now();
    *slots.0.lock().unwrap() = Some(BookedSlot {
        id: booking,
        lead_id: frontdesk_kernel::LeadId::new(),
        confirmed: true,
        starts_at: now,
        ends_at: now,
        title: "Ana — Visit".into(),
    });
    let event = DomainEvent::new(tenant, "booking.created", json!({"booking": {"id": booking.to_string()}}), now);
    fanout.on(&event).await.unwrap();
    fanout.on(&event).await.unwrap(); // the publish job ran twice: one sync job
    let jobs = queue.all();
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0].job;
    assert_eq!(SyncBookingJob::payload(job).unwrap().booking_id, booking);
    handler.run(job, &Quiet).await.unwrap();
    handler.run(job, &Quiet).await.unwrap(); // a retry after a crash: the same event again
    let cancelled = slots.0.lock().unwrap().clone().map(|s| BookedSlot { confirmed: false, ..s });
    *slots.0.lock().unwrap() = cancelled;
    handler.run(job, &Quiet).await.unwrap();
    let id = event_id(booking);
    assert!(
        id.starts_with("fd") && id.len() == 34 && id.chars().all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c))
    );
    assert_eq!(
        *calendar.0.lock().unwrap(),
        [
            ("put Ana — Visit".to_owned(), id.clone()),
            ("put Ana — Visit".to_owned(), id.clone()),
            ("remove".to_owned(), id)
        ]
    );
    queue.finish(job.id, JobStatus::Completed, None, Utc::now()).await.unwrap();

    let other =
        DomainEvent::new(TenantId::new(), "booking.created", json!({"booking": {"id": booking.to_string()}}), now);
    fanout.on(&other).await.unwrap();
    assert_eq!(queue.all().len(), 1, "no calendar, no job");
}
