//! The bookings use cases on the in-memory fakes: the port contract suite
//! on [`InMemoryBookingStore`], then the rules only the service knows —
//! hold expiry with an injected clock, hold conversion, external busy
//! blocks, the notice and horizon refusals, reschedules and cancellations.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use frontdesk_bookings::BookingsError;
use frontdesk_bookings::booking::BookingStatus;
use frontdesk_bookings::messages::{BookingMessage, LeadContact, MessageJob, QueuedNotices, SendBookingMessages};
use frontdesk_bookings::ports::{ExternalCalendar, LeadChanged, NoLeadCache};
use frontdesk_bookings::resource::ResourceInput;
use frontdesk_bookings::service::{
    AvailabilityQuery, BookingChange, BookingPorts, BookingRequest, Bookings, HoldRequest, Party,
};
use frontdesk_bookings::slot::TimeSlot;
use frontdesk_bookings::testing::contract::{self, Fixtures, Stores};
use frontdesk_bookings::testing::memory::{InMemoryBookingStore, InMemoryCalendar, SequentialTokens};
use frontdesk_bookings::testing::memory::{InMemoryRecipients, InMemoryWording};
use frontdesk_bookings::{MessageWordings, WordingInput};
use frontdesk_kernel::jobs::JobRecord;
use frontdesk_kernel::messaging::MessageChannel;
use frontdesk_kernel::testing::{InMemoryJobQueue, InMemoryOutbox, ManualClock};
use frontdesk_kernel::{Clock, LeadId, PageRequest, TenantId, UserId};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_in_memory_store_keeps_the_contract() {
    let store = Arc::new(InMemoryBookingStore::new());
    let zone = Tz::Europe__London;
    let tenants: Vec<TenantId> = (0..10).map(|_| TenantId::new()).collect();
    let leads: Vec<LeadId> = (0..10).map(|_| LeadId::new()).collect();
    let member = UserId::new();
    for (tenant, lead) in tenants.iter().zip(&leads) {
        store.add_tenant(*tenant, zone);
        store.add_lead(*tenant, *lead);
    }
    store.add_member(tenants[2], member);
    let stores = Stores {
        schedules: store.clone(),
        resources: store.clone(),
        types: store.clone(),
        bookings: store,
        wording: Arc::new(InMemoryWording::default()),
    };
    contract::bookings(&stores, &Fixtures { tenants, leads, member, zone }).await;
}

/// A sub-account open every day 08:00–18:00 in New York, 2 h notice, 60-day horizon.
struct World {
    service: Bookings,
    store: Arc<InMemoryBookingStore>,
    calendar: Arc<InMemoryCalendar>,
    clock: Arc<ManualClock>,
    tenant: TenantId,
    lead: LeadId,
    other_lead: LeadId,
    queue: Arc<InMemoryJobQueue>,
    outbox: Arc<InMemoryOutbox>,
    sender: SendBookingMessages,
    wordings: MessageWordings,
}

const ZONE: Tz = Tz::America__New_York;

/// Monday 7 December 2026, 06:00 in New York.
fn monday_morning() -> DateTime<Utc> {
    ZONE.with_ymd_and_hms(2026, 12, 7, 6, 0, 0).unwrap().with_timezone(&Utc)
}

/// `h:m` on Monday 7 December 2026, New York time.
fn monday(h: u32, m: u32) -> DateTime<Utc> {
    ZONE.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap().with_timezone(&Utc)
}

async fn world() -> World {
    let store = Arc::new(InMemoryBookingStore::new());
    let calendar = Arc::new(InMemoryCalendar::default());
    let clock = Arc::new(ManualClock::at(monday_morning()));
    let queue = Arc::new(InMemoryJobQueue::default());
    let tenant = TenantId::new();
    let (lead, other_lead) = (LeadId::new(), LeadId::new());
    store.add_tenant(tenant, ZONE);
    store.add_lead(tenant, lead);
    store.add_lead(tenant, other_lead);
    let leads: Arc<dyn LeadChanged> = Arc::new(NoLeadCache);
    let external: Arc<dyn ExternalCalendar> = calendar.clone();
    let service = Bookings::new(
        BookingPorts {
            schedules: store.clone(),
            resources: store.clone(),
            types: store.clone(),
            bookings: store.clone(),
            calendar: external,
            tokens: Arc::new(SequentialTokens::default()),
            leads,
            notices: Arc::new(QueuedNotices::new(queue.clone(), vec![24 * 60, 60], clock.clone())),
            clock: clock.clone(),
        },
        Duration::minutes(5),
    );
    let recipients = Arc::new(InMemoryRecipients::default());
    recipients.set_business(tenant, "Acme Roofing");
    let texts = LeadContact { name: "Ana Diaz".into(), phone: Some("+12125550100".into()), email: None };
    recipients.set_lead(tenant, lead, texts);
    let mails = LeadContact { name: "Bo Li".into(), phone: None, email: Some("bo@example.com".into()) };
    recipients.set_lead(tenant, other_lead, mails);
    let outbox = Arc::new(InMemoryOutbox::default());
    let wording = Arc::new(InMemoryWording::default());
    let wordings = MessageWordings::new(wording.clone());
    let sender = SendBookingMessages::new(
        store.clone(),
        wording,
        recipients,
        outbox.clone(),
        clock.clone(),
        "https://book.example.com/",
    );
    let day = serde_json::json!([{ "start": "08:00", "end": "18:00" }]);
    let week = serde_json::json!({
        "monday": day, "tuesday": day, "wednesday": day, "thursday": day,
        "friday": day, "saturday": day, "sunday": day,
    });
    service.put_schedule(tenant, &serde_json::json!({ "timeZone": ZONE.name(), "weeklyHours": week })).await.unwrap();
    World { service, store, calendar, clock, tenant, lead, other_lead, queue, outbox, sender, wordings }
}

fn book(lead: LeadId, starts_at: DateTime<Utc>) -> BookingRequest {
    BookingRequest {
        lead_id: lead,
        starts_at,
        appointment_type_id: None,
        resource_id: None,
        hold_id: None,
        notes: None,
    }
}

fn hold_at(starts_at: DateTime<Utc>) -> HoldRequest {
    HoldRequest { starts_at, appointment_type_id: None, resource_id: None, lead_id: None }
}

async fn free_starts(w: &World) -> Vec<DateTime<Utc>> {
    let query = AvailabilityQuery {
        from: Some(frontdesk_bookings::service::TimeBound::Instant(monday(8, 0))),
        to: Some(frontdesk_bookings::service::TimeBound::Instant(monday(18, 0))),
        ..AvailabilityQuery::default()
    };
    w.service.availability(w.tenant, query).await.unwrap().slots.iter().map(|s| s.starts_at).collect()
}

#[tokio::test]
async fn a_live_hold_blocks_others_and_an_expired_one_blocks_nothing_without_cleanup() {
    let w = world().await;
    let ten = monday(10, 0);
    assert!(free_starts(&w).await.contains(&ten));
    let hold = w.service.hold(w.tenant, hold_at(ten)).await.unwrap();
    assert_eq!(hold.expires_at, monday_morning() + Duration::minutes(5));
    assert!(!free_starts(&w).await.contains(&ten), "a live hold hides the slot");
    assert!(matches!(w.service.book(w.tenant, book(w.other_lead, ten)).await, Err(BookingsError::SlotTaken { .. })));
    assert!(matches!(w.service.hold(w.tenant, hold_at(ten)).await, Err(BookingsError::SlotTaken { .. })));

    // Past its expiry the hold is still stored, yet blocks nothing.
    w.clock.advance(Duration::minutes(5));
    assert_eq!(w.store.holds().len(), 1, "no cleanup ran");
    assert!(free_starts(&w).await.contains(&ten));
    let late = BookingRequest { hold_id: Some(hold.id), ..book(w.lead, ten) };
    assert!(matches!(w.service.book(w.tenant, late).await, Err(BookingsError::HoldExpired(_))));
    let booked = w.service.book(w.tenant, book(w.other_lead, ten)).await.unwrap();
    assert_eq!(booked.booking.starts_at, ten);
}

#[tokio::test]
async fn a_hold_converts_once_into_the_held_slot() {
    let w = world().await;
    let ten = monday(10, 0);
    let hold = w.service.hold(w.tenant, HoldRequest { lead_id: Some(w.lead), ..hold_at(ten) }).await.unwrap();
    // Someone else's booking with the hold id is refused; so is another start.
    let stolen = BookingRequest { hold_id: Some(hold.id), ..book(w.other_lead, ten) };
    assert!(matches!(w.service.book(w.tenant, stolen).await, Err(BookingsError::Validation(_))));
    let moved = BookingRequest { hold_id: Some(hold.id), ..book(w.lead, monday(11, 0)) };
    assert!(matches!(w.service.book(w.tenant, moved).await, Err(BookingsError::Validation(_))));

    let converted =
        w.service.book(w.tenant, BookingRequest { hold_id: Some(hold.id), ..book(w.lead, ten) }).await.unwrap();
    assert_eq!(converted.booking.resource_id, hold.resource_id);
    assert!(w.store.holds().is_empty(), "the hold is consumed by the booking");
    assert!(w.store.is_booked(w.lead), "booking sets the lead's status");
    let again = BookingRequest { hold_id: Some(hold.id), ..book(w.lead, ten) };
    assert!(matches!(w.service.book(w.tenant, again).await, Err(BookingsError::HoldExpired(_))));
    assert!(matches!(w.service.book(w.tenant, book(w.other_lead, ten)).await, Err(BookingsError::SlotTaken { .. })));
}

#[tokio::test]
async fn notice_horizon_and_hours_are_named_refusals() {
    let w = world().await;
    w.clock.advance(Duration::hours(1));
    let too_soon = w.service.book(w.tenant, book(w.lead, monday(8, 0))).await.unwrap_err();
    assert!(matches!(too_soon, BookingsError::TooSoon { earliest } if earliest == monday(9, 0)), "{too_soon:?}");
    let evening = w.service.book(w.tenant, book(w.lead, monday(18, 0))).await.unwrap_err();
    assert!(matches!(evening, BookingsError::OutsideHours { .. }), "{evening:?}");
    let far = monday(10, 0) + Duration::days(61);
    assert!(matches!(
        w.service.book(w.tenant, book(w.lead, far)).await.unwrap_err(),
        BookingsError::BeyondHorizon { .. }
    ));
    // As the clock moves, the notice window moves with it.
    w.clock.advance(Duration::hours(2));
    assert!(matches!(
        w.service.book(w.tenant, book(w.lead, monday(10, 0))).await.unwrap_err(),
        BookingsError::TooSoon { .. }
    ));
    w.service.book(w.tenant, book(w.lead, monday(11, 0))).await.unwrap();
}

#[tokio::test]
async fn external_busy_blocks_hide_slots_and_refuse_bookings() {
    let w = world().await;
    let kind = w.service.appointment_types(w.tenant).await.unwrap().remove(0);
    let resource = w.service.list_resources(w.tenant, PageRequest::default()).await.unwrap().data.remove(0);
    assert_eq!(kind.duration_minutes, 30, "the default type");
    let busy = TimeSlot::new(monday(12, 0), monday(13, 0)).unwrap();
    w.calendar.add_busy(w.tenant, resource.id, busy);
    let free = free_starts(&w).await;
    assert!(free.contains(&monday(11, 30)) && free.contains(&monday(13, 0)));
    assert!(!free.contains(&monday(12, 0)) && !free.contains(&monday(12, 30)) && !free.contains(&monday(11, 45)));
    assert!(matches!(
        w.service.book(w.tenant, book(w.lead, monday(12, 15))).await.unwrap_err(),
        BookingsError::SlotTaken { .. }
    ));
    // An unreachable calendar is an error, never "all free".
    w.calendar.set_down(true);
    let query = AvailabilityQuery::default();
    assert!(matches!(w.service.availability(w.tenant, query).await.unwrap_err(), BookingsError::Storage(_)));
}

#[tokio::test]
async fn a_second_resource_serves_when_the_first_is_taken() {
    let w = world().await;
    let mut named = Vec::new();
    for name in ["Bay 1", "Bay 2"] {
        let input = ResourceInput { name: Some(name.into()), ..ResourceInput::default() };
        named.push(w.service.create_resource(w.tenant, input).await.unwrap().id);
    }
    let ten = monday(10, 0);
    let first = w.service.book(w.tenant, book(w.lead, ten)).await.unwrap().booking;
    let other = w.service.book(w.tenant, book(w.other_lead, ten)).await.unwrap().booking;
    assert_ne!(first.resource_id, other.resource_id);
    assert_eq!((first.resource_id, other.resource_id), (named[0], named[1]), "in order, first free first");
    let third = w.service.book(w.tenant, book(w.lead, ten)).await.unwrap_err();
    assert!(matches!(third, BookingsError::SlotTaken { any: true }), "{third:?}");
}

#[tokio::test]
async fn reschedule_is_guarded_and_cancel_frees_the_slot() {
    let w = world().await;
    let (ten, eleven) = (monday(10, 0), monday(11, 0));
    let a = w.service.book(w.tenant, book(w.lead, ten)).await.unwrap().booking;
    let b = w.service.book(w.tenant, book(w.other_lead, eleven)).await.unwrap().booking;
    let into_taken = BookingChange { starts_at: Some(eleven), status: None };
    assert!(matches!(
        w.service.change(w.tenant, a.id, into_taken, Party::Staff).await.unwrap_err(),
        BookingsError::SlotTaken { .. }
    ));
    // Moving within its own old slot (an overlap with itself) is allowed.
    let moved = w
        .service
        .change(w.tenant, a.id, BookingChange { starts_at: Some(monday(10, 15)), status: None }, Party::Staff)
        .await
        .unwrap();
    assert_eq!((moved.id, moved.starts_at, moved.reschedule_count), (a.id, monday(10, 15), 1));
    assert!(free_starts(&w).await.contains(&monday(9, 30)));
    assert!(!free_starts(&w).await.contains(&ten));

    let cancelled = w.service.cancel(w.tenant, b.id, Some("car broke down".into()), Party::Customer).await.unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert!(free_starts(&w).await.contains(&eleven), "a cancelled booking frees its slot");
    assert!(matches!(
        w.service.cancel(w.tenant, b.id, None, Party::Staff).await.unwrap_err(),
        BookingsError::InvalidTransition { .. }
    ));
    let actions: Vec<String> =
        w.store.entries().iter().map(|(_, _, e)| e.meta.as_map()["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["booked", "booked", "rescheduled", "cancelled"]);
    // Another tenant sees none of it.
    let stranger = TenantId::new();
    assert!(matches!(w.service.booking(stranger, a.id).await, Err(BookingsError::NotFound { .. })));
    assert!(matches!(w.service.cancel(stranger, a.id, None, Party::Staff).await, Err(BookingsError::NotFound { .. })));
}

/// The message jobs enqueued so far, in order, with their due times.
fn message_jobs(w: &World) -> Vec<(MessageJob, DateTime<Utc>)> {
    w.queue
        .all()
        .into_iter()
        .map(|r: JobRecord| (serde_json::from_value(r.job.payload).unwrap(), r.job.run_at))
        .collect()
}

/// Plays the worker: runs every job due by the clock that has not run yet (`done` counts them).
///
/// Messages sent at once (everything but reminders) are enqueued without a
/// time, which the fake queue stamps with the machine's clock, not the
/// test's: they are due whatever that stamp says (comparing it with the
/// manual clock made these tests fail once the real day passed the fixture's).
async fn run_due(w: &World, done: &mut usize) -> Vec<serde_json::Value> {
    let mut results = Vec::new();
    let jobs = message_jobs(w);
    for (job, run_at) in jobs.iter().skip(*done) {
        if job.reminder_minutes.is_some() && *run_at > w.clock.now() {
            break;
        }
        results.push(w.sender.deliver(w.tenant, job).await.unwrap());
        *done += 1;
    }
    results
}

#[tokio::test]
async fn bookings_send_confirmations_and_reminders_that_never_outlive_a_change() {
    let w = world().await;
    // Tuesday 10:00: the 24 h and 1 h reminders are both in the future.
    let tuesday_ten = monday(10, 0) + Duration::days(1);
    let booked = w.service.book(w.tenant, book(w.lead, tuesday_ten)).await.unwrap();
    let jobs = message_jobs(&w);
    // (The confirmation is due at once; the fake queue stamps it with the real time.)
    let kinds: Vec<_> =
        jobs.iter().map(|(j, at)| (j.message, j.reminder_minutes, j.reminder_minutes.map(|_| *at))).collect();
    assert_eq!(
        kinds,
        [
            (BookingMessage::Confirmation, None, None),
            (BookingMessage::Reminder, Some(1440), Some(tuesday_ten - Duration::days(1))),
            (BookingMessage::Reminder, Some(60), Some(tuesday_ten - Duration::hours(1))),
        ]
    );
    // The confirmation carries the self-service link; the lead has a phone, so it is an SMS.
    let mut done = 0;
    run_due(&w, &mut done).await;
    let sent = w.outbox.all();
    assert_eq!(sent.len(), 2, "the lead and the staff");
    assert_eq!((sent[0].message.channel, sent[0].message.to.as_str()), (MessageChannel::Sms, "+12125550100"));
    assert_eq!(
        sent[0].message.body,
        format!(
            "Hi Ana, your Appointment with Acme Roofing is booked for Tue 8 Dec 2026, 10:00 \
             (America/New_York). Manage it: https://book.example.com/b/{}",
            booked.manage_token
        )
    );
    assert_eq!(sent[1].message.channel, MessageChannel::Staff);
    assert!(sent[1].message.body.starts_with("New booking: Ana Diaz, "), "{}", sent[1].message.body);
    // A redelivered job sends nothing twice.
    w.sender.deliver(w.tenant, &jobs[0].0).await.unwrap();
    assert_eq!(w.outbox.all().len(), 2);

    // Moved to Wednesday: the old reminders are skipped when they come due, the new ones go out.
    let wednesday = tuesday_ten + Duration::days(1);
    let change = BookingChange { starts_at: Some(wednesday), status: None };
    w.service.change(w.tenant, booked.booking.id, change, Party::Staff).await.unwrap();
    w.clock.advance(Duration::days(1) + Duration::hours(3)); // Tuesday 09:00
    let results = run_due(&w, &mut done).await;
    assert_eq!(results[0]["skipped"], "the booking has moved since", "old 24 h reminder");
    assert_eq!(results[1]["skipped"], "the booking has moved since", "old 1 h reminder");
    assert_eq!(results[2]["sent"].as_array().unwrap().len(), 2, "the reschedule notice");
    w.clock.advance(Duration::days(1)); // Wednesday 09:00: the new 24 h reminder is due, the 1 h one too
    let results = run_due(&w, &mut done).await;
    assert_eq!(results.len(), 2);
    let reminders: Vec<_> = w.outbox.all().into_iter().filter(|m| m.message.body.starts_with("Reminder:")).collect();
    assert_eq!(reminders.len(), 2, "the 24 h and the 1 h reminder of the new time");
    assert!(reminders[0].message.body.contains("Wed 9 Dec 2026, 10:00"), "{}", reminders[0].message.body);
}

#[tokio::test]
async fn a_cancelled_booking_gets_a_cancellation_and_no_reminder() {
    let w = world().await;
    let tuesday_ten = monday(10, 0) + Duration::days(1);
    let booked = w.service.book(w.tenant, book(w.other_lead, tuesday_ten)).await.unwrap().booking;
    w.service.cancel(w.tenant, booked.id, Some("found another roofer".into()), Party::Customer).await.unwrap();
    w.clock.advance(Duration::days(2));
    let mut done = 0;
    let results = run_due(&w, &mut done).await;
    assert_eq!(results.len(), 4, "confirmation, two reminders, cancellation");
    assert_eq!(results[0]["skipped"], "the booking is no longer confirmed", "cancelled before the worker ran");
    assert_eq!(results[1]["skipped"], "the booking is no longer confirmed");
    assert_eq!(results[2]["skipped"], "the booking is no longer confirmed");
    let sent = w.outbox.all();
    assert_eq!(sent.len(), 2, "{sent:?}");
    // No phone: the lead gets an email with a subject.
    assert_eq!((sent[0].message.channel, sent[0].message.to.as_str()), (MessageChannel::Email, "bo@example.com"));
    assert_eq!(sent[0].message.subject.as_deref(), Some("Your Appointment with Acme Roofing is cancelled"));
    assert!(sent[1].message.body.ends_with("(found another roofer)"), "{}", sent[1].message.body);
}

#[tokio::test]
async fn an_outbox_outage_fails_the_job_for_a_retry_and_the_queue_outage_never_fails_the_booking() {
    let w = world().await;
    let tuesday_ten = monday(10, 0) + Duration::days(1);
    w.queue.set_down(true);
    w.service.book(w.tenant, book(w.lead, tuesday_ten)).await.expect("the booking stands without its messages");
    w.queue.set_down(false);
    assert!(message_jobs(&w).is_empty());
    w.service.book(w.tenant, book(w.lead, tuesday_ten + Duration::hours(1))).await.unwrap();
    w.outbox.set_down(true);
    let job = message_jobs(&w).remove(0).0;
    assert!(matches!(w.sender.deliver(w.tenant, &job).await, Err(BookingsError::Storage(_))));
    w.outbox.set_down(false);
    w.sender.deliver(w.tenant, &job).await.unwrap();
    assert_eq!(w.outbox.all().len(), 2);
}

#[tokio::test]
async fn the_default_resource_steps_aside_for_the_first_real_one_unless_it_has_bookings() {
    let w = world().await;
    let listed = w.service.list_resources(w.tenant, PageRequest::default()).await.unwrap();
    assert_eq!(listed.data.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Main calendar"]);
    let chair = ResourceInput { name: Some("Chair 1".into()), ..ResourceInput::default() };
    let chair = w.service.create_resource(w.tenant, chair).await.unwrap();
    let listed = w.service.list_resources(w.tenant, PageRequest::default()).await.unwrap();
    assert_eq!(listed.data.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Chair 1"]);
    assert_eq!(w.service.book(w.tenant, book(w.lead, monday(10, 0))).await.unwrap().booking.resource_id, chair.id);

    // A default that already carries an upcoming booking stays until it is done.
    let v = world().await;
    let booked = v.service.book(v.tenant, book(v.lead, monday(10, 0))).await.unwrap().booking;
    v.service
        .create_resource(v.tenant, ResourceInput { name: Some("Chair 1".into()), ..ResourceInput::default() })
        .await
        .unwrap();
    let listed = v.service.list_resources(v.tenant, PageRequest::default()).await.unwrap();
    assert_eq!(listed.total, 2);
    assert!(listed.data.iter().any(|r| r.id == booked.resource_id));
}

#[tokio::test]
async fn starts_off_the_whole_minute_are_refused_by_name() {
    let w = world().await;
    for late in [Duration::milliseconds(500), Duration::seconds(7)] {
        let err = w.service.book(w.tenant, book(w.lead, monday(10, 0) + late)).await.unwrap_err();
        assert!(matches!(&err, BookingsError::Validation(e) if e.to_string().contains("startsAt")), "{err:?}");
        let err = w.service.hold(w.tenant, hold_at(monday(10, 0) + late)).await.unwrap_err();
        assert!(matches!(err, BookingsError::Validation(_)), "{err:?}");
    }
    assert!(w.store.holds().is_empty());
}

#[tokio::test]
async fn the_tenants_own_wording_is_used_and_a_reset_brings_back_the_built_in() {
    let w = world().await;
    let input = WordingInput {
        sms: Some("{{business.name}}: see you {{appointment.when}}, {{lead.firstName}}!".into()),
        staff: Some(String::new()),
        ..WordingInput::default()
    };
    let saved = w.wordings.put(w.tenant, BookingMessage::Confirmation, input).await.unwrap();
    assert!(saved.custom);
    let bad = WordingInput { sms: Some("{{lead.phone}}".into()), ..WordingInput::default() };
    assert!(matches!(w.wordings.put(w.tenant, BookingMessage::Reminder, bad).await, Err(BookingsError::Validation(_))));
    w.service.book(w.tenant, book(w.lead, monday(10, 0) + Duration::days(1))).await.unwrap();
    let mut done = 0;
    run_due(&w, &mut done).await;
    let sent = w.outbox.all();
    assert_eq!(sent.len(), 1, "the staff notice is switched off: {sent:?}");
    assert_eq!(sent[0].message.body, "Acme Roofing: see you Tue 8 Dec 2026, 10:00 (America/New_York), Ana!");

    let reset = w.wordings.reset(w.tenant, BookingMessage::Confirmation).await.unwrap();
    assert!(!reset.custom);
    let all = w.wordings.all(w.tenant).await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|m| !m.custom));
}

/// The cached schedules keep the schedules' contract; a write is read back
/// through another process's cache at once, and a cache outage reads the store.
#[tokio::test]
async fn cached_schedules_keep_the_contract_and_never_serve_a_replaced_schedule() {
    use frontdesk_bookings::Schedule;
    use frontdesk_bookings::ports::ScheduleRepository;
    use frontdesk_bookings::schedule_cache::{CACHE_PREFIX, CachedSchedules, forget};
    use frontdesk_kernel::testing::MapCache;
    let store = Arc::new(InMemoryBookingStore::new());
    let zone = Tz::Europe__London;
    let tenants: Vec<TenantId> = (0..10).map(|_| TenantId::new()).collect();
    for tenant in &tenants {
        store.add_tenant(*tenant, zone);
    }
    let cache = Arc::new(MapCache::default());
    let one = Arc::new(CachedSchedules::new(store.clone(), cache.clone()));
    let two = CachedSchedules::new(store.clone(), cache.clone());
    let stores = Stores {
        schedules: one.clone(),
        resources: store.clone(),
        types: store.clone(),
        bookings: store.clone(),
        wording: Arc::new(InMemoryWording::default()),
    };
    let fixtures = Fixtures { tenants: tenants.clone(), leads: vec![], member: UserId::new(), zone };
    contract::schedules_round_trip(&stores, &fixtures).await;

    let tenant = tenants[5];
    assert_eq!(one.get(tenant).await.unwrap(), None);
    let cached = cache.peek(&format!("{CACHE_PREFIX}{tenant}")).expect("no schedule: the default's zone is cached");
    assert_eq!(String::from_utf8_lossy(&cached), r#"{"defaultZone":"Europe/London"}"#);
    // The zone moves in the store: the cached default keeps the old one until
    // it is forgotten (the runtime does that when tenancy changes the zone).
    store.add_tenant(tenant, Tz::America__Chicago);
    assert_eq!(
        (two.get(tenant).await.unwrap(), two.tenant_zone(tenant).await.unwrap()),
        (None, zone),
        "from the cache"
    );
    forget(cache.as_ref(), tenant).await.unwrap();
    assert_eq!(two.tenant_zone(tenant).await.unwrap(), Tz::America__Chicago, "forgotten: read from the store");
    assert_eq!(two.get(tenant).await.unwrap(), None);
    let cached = cache.peek(&format!("{CACHE_PREFIX}{tenant}")).unwrap();
    assert_eq!(String::from_utf8_lossy(&cached), r#"{"defaultZone":"America/Chicago"}"#, "the new zone is cached");
    // An unknown sub-account is `NotFound` and leaves nothing behind.
    let unknown = TenantId::new();
    assert_eq!(one.get(unknown).await.unwrap(), None);
    assert!(one.tenant_zone(unknown).await.is_err());
    assert!(cache.peek(&format!("{CACHE_PREFIX}{unknown}")).is_none(), "nothing cached for an unknown sub-account");
    let mut schedule = Schedule::default_in(Tz::Asia__Kathmandu);
    one.put(tenant, &schedule).await.unwrap();
    assert_eq!(two.get(tenant).await.unwrap(), Some(schedule.clone()), "another process reads the write");
    schedule.horizon_days = 5;
    two.put(tenant, &schedule).await.unwrap();
    assert_eq!(one.get(tenant).await.unwrap(), Some(schedule.clone()), "a replaced schedule is never served");
    cache.set_down(true);
    schedule.horizon_days = 6;
    one.put(tenant, &schedule).await.unwrap();
    assert_eq!(two.get(tenant).await.unwrap(), Some(schedule), "the store answers when the cache is down");
    assert_eq!(one.tenant_zone(tenant).await.unwrap(), Tz::America__Chicago);
}
