//! The contract suite of the bookings ports, run against the in-memory
//! fake and against the SQL adapters on PostgreSQL and SQLite.
//!
//! The guarded writes are the point: whatever the backend, an overlapping
//! hold or booking of the same resource is refused, expired holds never
//! block, a converted hold does not block its own booking, "any resource"
//! takes the first free one, and of many parallel claims of one slot
//! exactly one wins. The caller passes a fresh store and [`Fixtures`] it
//! has already stored (SQL adapters have foreign keys to tenants, users
//! and leads); each check uses its own tenants.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::appointment_type::{AppointmentType, AppointmentTypeInput};
use crate::booking::{Booking, BookingId, BookingStatus};
use crate::error::BookingsError;
use crate::hold::Hold;
use crate::ids::HoldId;
use crate::ports::{
    AppointmentTypeRepository, BookingFilter, BookingRepository, Candidate, ResourceRepository, ScheduleRepository,
    TimelineEntry,
};
use crate::resource::{Resource, ResourceInput};
use crate::schedule::Schedule;
use crate::slot::TimeSlot;
use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::{JsonObject, LeadId, PageRequest, TenantId, UserId};
use std::sync::Arc;

/// Rows the suite needs to exist before it runs.
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// At least 10 sub-accounts, all in `zone`, with no scheduling rows.
    pub tenants: Vec<TenantId>,
    /// `leads[i]` is a lead of `tenants[i]`.
    pub leads: Vec<LeadId>,
    /// A member of `tenants[2]` (and of no other fixture tenant).
    pub member: UserId,
    /// The sub-accounts' time zone.
    pub zone: Tz,
}

/// The four repositories of one backend.
#[derive(Clone)]
pub struct Stores {
    /// Schedules.
    pub schedules: Arc<dyn ScheduleRepository>,
    /// Resources.
    pub resources: Arc<dyn ResourceRepository>,
    /// Appointment types.
    pub types: Arc<dyn AppointmentTypeRepository>,
    /// Bookings and holds.
    pub bookings: Arc<dyn BookingRepository>,
    /// Message wording.
    pub wording: Arc<dyn crate::wording::WordingRepository>,
}

/// Runs every check.
pub async fn bookings(stores: &Stores, fixtures: &Fixtures) {
    schedules_round_trip(stores, fixtures).await;
    resources_are_listed_scoped_and_soft_deleted(stores, fixtures).await;
    appointment_types_round_trip(stores, fixtures).await;
    holds_and_bookings_never_overlap(stores, fixtures).await;
    any_resource_takes_the_first_free_one(stores, fixtures).await;
    holds_convert_once_and_expire(stores, fixtures).await;
    status_changes_free_the_slot_and_reschedules_are_guarded(stores, fixtures).await;
    parallel_claims_of_one_slot_have_one_winner(stores, fixtures, 24).await;
    wording_round_trips_per_tenant_and_message(stores, fixtures).await;
}

/// Wording is stored as given, per tenant and message, replaced by a second put, and deleted.
pub async fn wording_round_trips_per_tenant_and_message(stores: &Stores, fixtures: &Fixtures) {
    use crate::messages::BookingMessage::{Confirmation, Reminder};
    use crate::wording::Wording;
    let (mine, theirs) = (fixtures.tenants[0], fixtures.tenants[1]);
    let repo = &stores.wording;
    assert_eq!(repo.get(mine, Confirmation).await.unwrap(), None);
    let mut own = Wording::default_for(Confirmation);
    own.sms = "Hola {{lead.firstName}} — «{{appointment.when}}» ✓".into();
    own.email_body = "línea 1\nlínea 2\t{{business.name}}".into();
    own.staff = String::new();
    repo.put(mine, Confirmation, &own).await.unwrap();
    assert_eq!(repo.get(mine, Confirmation).await.unwrap(), Some(own.clone()), "stored as given");
    assert_eq!(repo.get(mine, Reminder).await.unwrap(), None, "per message");
    assert_eq!(repo.get(theirs, Confirmation).await.unwrap(), None, "per tenant");
    let again = Wording { sms: "second".into(), ..own };
    repo.put(mine, Confirmation, &again).await.unwrap();
    assert_eq!(repo.get(mine, Confirmation).await.unwrap(), Some(again));
    assert!(repo.delete(mine, Confirmation).await.unwrap());
    assert!(!repo.delete(mine, Confirmation).await.unwrap(), "nothing left to delete");
    assert_eq!(repo.get(mine, Confirmation).await.unwrap(), None);
}

/// Milliseconds: what every backend stores exactly.
fn now() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::milliseconds(1)).expect("truncate")
}

/// A future instant on a whole hour, `hours` from a day ahead.
fn at(base: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
    base.duration_trunc(Duration::hours(1)).expect("truncate") + Duration::days(1) + Duration::hours(hours)
}

fn slot(start: DateTime<Utc>, minutes: i64) -> TimeSlot {
    TimeSlot::starting_at(start, Duration::minutes(minutes)).expect("slot")
}

fn page(n: u32, limit: u32) -> PageRequest {
    PageRequest::new(Some(n), Some(limit)).expect("page")
}

fn resource(tenant: TenantId, name: &str, at: DateTime<Utc>) -> Resource {
    Resource::create(tenant, ResourceInput { name: Some(name.into()), ..ResourceInput::default() }, at)
        .expect("valid resource")
}

fn appointment_type(tenant: TenantId, name: &str, at: DateTime<Utc>) -> AppointmentType {
    let input =
        AppointmentTypeInput { name: Some(name.into()), duration_minutes: Some(30), ..AppointmentTypeInput::default() };
    AppointmentType::create(tenant, input, at).expect("valid type")
}

fn entry(action: &str) -> TimelineEntry {
    let meta = JsonObject::parse(serde_json::json!({ "action": action })).expect("an object");
    TimelineEntry { content: format!("booking {action}"), meta, mark_booked: action == "booked" }
}

fn hold(
    tenant: TenantId,
    resource: &Resource,
    kind: &AppointmentType,
    blocks: TimeSlot,
    expires_at: DateTime<Utc>,
) -> Hold {
    Hold {
        id: HoldId::new(),
        tenant_id: tenant,
        resource_id: resource.id,
        appointment_type_id: kind.id,
        lead_id: None,
        starts_at: blocks.start(),
        ends_at: blocks.end(),
        blocks,
        expires_at,
        created_at: now(),
    }
}

fn booking(tenant: TenantId, lead: LeadId, resource: &Resource, kind: &AppointmentType, blocks: TimeSlot) -> Booking {
    let created = now();
    Booking {
        id: BookingId::new(),
        tenant_id: tenant,
        lead_id: lead,
        resource_id: resource.id,
        appointment_type_id: kind.id,
        starts_at: blocks.start(),
        ends_at: blocks.end(),
        blocks,
        status: BookingStatus::Confirmed,
        notes: Some("first visit".into()),
        cancel_reason: None,
        manage_token_hash: format!("hash-{}", uuid::Uuid::now_v7()),
        reschedule_count: 0,
        created_at: created,
        updated_at: created,
    }
}

fn on(resource: &Resource, blocks: TimeSlot) -> Candidate {
    Candidate { resource_id: resource.id, blocks }
}

fn taken<T: std::fmt::Debug>(result: Result<T, BookingsError>, any: bool) {
    match result {
        Err(BookingsError::SlotTaken { any: got }) => assert_eq!(got, any, "SlotTaken.any"),
        other => panic!("expected SlotTaken, got {other:?}"),
    }
}

fn not_found<T: std::fmt::Debug>(result: Result<T, BookingsError>, what: &str) {
    match result {
        Err(BookingsError::NotFound { entity }) => assert_eq!(entity, what),
        other => panic!("expected NotFound {what}, got {other:?}"),
    }
}

/// One schedule per sub-account, replaced whole; the zone is the sub-account's.
pub async fn schedules_round_trip(stores: &Stores, fixtures: &Fixtures) {
    let (mine, other) = (fixtures.tenants[0], fixtures.tenants[1]);
    assert_eq!(stores.schedules.get(mine).await.unwrap(), None, "no schedule until one is put");
    assert_eq!(stores.schedules.tenant_zone(mine).await.unwrap(), fixtures.zone);
    not_found(stores.schedules.tenant_zone(TenantId::new()).await, "sub-account");
    let mut schedule = Schedule::default_in(chrono_tz::Asia::Kathmandu);
    schedule.granularity_minutes = 45;
    schedule.buffer_after_minutes = 10;
    stores.schedules.put(mine, &schedule).await.unwrap();
    assert_eq!(stores.schedules.get(mine).await.unwrap(), Some(schedule.clone()));
    schedule.horizon_days = 5;
    stores.schedules.put(mine, &schedule).await.unwrap();
    assert_eq!(stores.schedules.get(mine).await.unwrap(), Some(schedule), "a put replaces");
    assert_eq!(stores.schedules.get(other).await.unwrap(), None, "another sub-account sees nothing");
}

/// Resources by name, paged, scoped to their tenant; deletion is soft and refused with upcoming bookings.
pub async fn resources_are_listed_scoped_and_soft_deleted(stores: &Stores, fixtures: &Fixtures) {
    let (mine, other) = (fixtures.tenants[2], fixtures.tenants[3]);
    let repo = &stores.resources;
    let created = now();
    assert!(!repo.any_ever(mine).await.unwrap());
    let [b, a, c] = ["Bay B", "Alice", "Chair C"].map(|name| resource(mine, name, created));
    for r in [&b, &a, &c] {
        repo.insert(r).await.unwrap();
    }
    repo.insert(&resource(other, "Other's", created)).await.unwrap();
    repo.insert(&a).await.unwrap();
    let first = repo.list(mine, page(1, 2)).await.unwrap();
    assert_eq!(first.total, 3, "inserting an existing id is a no-op");
    assert_eq!(first.data.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Alice", "Bay B"]);
    assert_eq!(repo.list(mine, page(2, 2)).await.unwrap().data, vec![c.clone()]);
    assert_eq!(repo.all(mine).await.unwrap(), vec![a.clone(), b.clone(), c.clone()]);
    assert_eq!(repo.get(mine, a.id).await.unwrap(), a);
    not_found(repo.get(other, a.id).await, "resource");

    let mut changed = a.clone();
    changed.name = "Alice Smith".into();
    changed.active = false;
    changed.user_id = Some(fixtures.member);
    changed.schedule = Some(Schedule::default_in(chrono_tz::Australia::Lord_Howe));
    changed.updated_at = created + Duration::seconds(5);
    repo.update(&changed).await.unwrap();
    assert_eq!(repo.get(mine, a.id).await.unwrap(), changed);
    not_found(repo.update(&Resource { tenant_id: other, ..changed.clone() }).await, "resource");

    assert!(repo.is_member(mine, fixtures.member).await.unwrap());
    assert!(!repo.is_member(other, fixtures.member).await.unwrap());
    assert!(!repo.is_member(mine, UserId::new()).await.unwrap());

    not_found(repo.delete(other, b.id, created).await, "resource");
    repo.delete(mine, b.id, created).await.unwrap();
    not_found(repo.get(mine, b.id).await, "resource");
    not_found(repo.delete(mine, b.id, created).await, "resource");
    assert_eq!(repo.all(mine).await.unwrap().len(), 2);
    assert!(repo.any_ever(mine).await.unwrap(), "deleted resources count as having had one");

    // A resource with an upcoming confirmed booking stays.
    let kind = appointment_type(mine, "Visit", created);
    stores.types.insert(&kind).await.unwrap();
    let blocks = slot(at(created, 2), 30);
    let lead = fixtures.leads[2];
    stores
        .bookings
        .insert_booking(&booking(mine, lead, &c, &kind, blocks), &[on(&c, blocks)], None, &entry("booked"), created)
        .await
        .unwrap();
    assert!(matches!(repo.delete(mine, c.id, created).await, Err(BookingsError::Conflict(_))));
    assert!(repo.delete(mine, c.id, blocks.end() + Duration::minutes(1)).await.is_ok(), "past bookings do not block");
}

/// Types by name, scoped, updated whole, soft-deleted.
pub async fn appointment_types_round_trip(stores: &Stores, fixtures: &Fixtures) {
    let (mine, other) = (fixtures.tenants[4], fixtures.tenants[5]);
    let repo = &stores.types;
    let created = now();
    let long = appointment_type(mine, "Long consult", created);
    let mut quick = appointment_type(mine, "Checkup", created);
    repo.insert(&long).await.unwrap();
    repo.insert(&quick).await.unwrap();
    repo.insert(&quick).await.unwrap();
    assert_eq!(repo.all(mine).await.unwrap(), vec![quick.clone(), long.clone()]);
    assert!(repo.all(other).await.unwrap().is_empty());
    not_found(repo.get(other, quick.id).await, "appointment type");

    let staff = resource(mine, "Dana", created);
    stores.resources.insert(&staff).await.unwrap();
    quick.duration_minutes = 15;
    quick.buffer_before_minutes = Some(5);
    quick.buffer_after_minutes = None;
    quick.resource_ids = vec![staff.id];
    quick.updated_at = created + Duration::seconds(1);
    repo.update(&quick).await.unwrap();
    assert_eq!(repo.get(mine, quick.id).await.unwrap(), quick);

    not_found(repo.delete(other, long.id).await, "appointment type");
    repo.delete(mine, long.id).await.unwrap();
    not_found(repo.get(mine, long.id).await, "appointment type");
    assert_eq!(repo.all(mine).await.unwrap(), vec![quick]);
}

struct Setup {
    tenant: TenantId,
    lead: LeadId,
    kind: AppointmentType,
    resources: Vec<Resource>,
    base: DateTime<Utc>,
}

async fn setup(stores: &Stores, fixtures: &Fixtures, index: usize, resources: usize) -> Setup {
    let tenant = fixtures.tenants[index];
    let base = now();
    let kind = appointment_type(tenant, "Visit", base);
    stores.types.insert(&kind).await.unwrap();
    let mut all = Vec::new();
    for n in 0..resources {
        let r = resource(tenant, &format!("Resource {n}"), base);
        stores.resources.insert(&r).await.unwrap();
        all.push(r);
    }
    Setup { tenant, lead: fixtures.leads[index], kind, resources: all, base }
}

/// Overlaps (with buffers) of bookings and live holds are refused per resource; touching is fine.
pub async fn holds_and_bookings_never_overlap(stores: &Stores, fixtures: &Fixtures) {
    let s = setup(stores, fixtures, 6, 2).await;
    let (r0, r1) = (&s.resources[0], &s.resources[1]);
    let repo = &stores.bookings;
    let ten = at(s.base, 10);
    let blocks = slot(ten, 60);
    let first = booking(s.tenant, s.lead, r0, &s.kind, blocks);
    let stored = repo.insert_booking(&first, &[on(r0, blocks)], None, &entry("booked"), s.base).await.unwrap();
    assert_eq!(stored, first);
    assert_eq!(repo.get(s.tenant, first.id).await.unwrap(), first, "stored as given");
    assert_eq!(repo.by_token_hash(&first.manage_token_hash).await.unwrap(), first);
    not_found(repo.by_token_hash("no-such-hash").await, "booking");
    not_found(repo.get(fixtures.tenants[7], first.id).await, "booking");

    // Any overlap on the same resource is refused, for a hold or a booking.
    for (offset, minutes) in [(0, 60), (30, 60), (-30, 31), (59, 1), (-60, 180)] {
        let overlapping = slot(ten + Duration::minutes(offset), minutes);
        taken(
            repo.insert_hold(&hold(s.tenant, r0, &s.kind, overlapping, s.base + Duration::minutes(5)), s.base).await,
            false,
        );
        let second = booking(s.tenant, s.lead, r0, &s.kind, overlapping);
        taken(repo.insert_booking(&second, &[on(r0, overlapping)], None, &entry("booked"), s.base).await, false);
        not_found(repo.get(s.tenant, second.id).await, "booking");
    }
    // Touching intervals and other resources are free.
    let before = slot(ten - Duration::minutes(30), 30);
    let after = slot(ten + Duration::minutes(60), 30);
    repo.insert_hold(&hold(s.tenant, r0, &s.kind, before, s.base + Duration::minutes(5)), s.base).await.unwrap();
    repo.insert_booking(
        &booking(s.tenant, s.lead, r0, &s.kind, after),
        &[on(r0, after)],
        None,
        &entry("booked"),
        s.base,
    )
    .await
    .unwrap();
    repo.insert_hold(&hold(s.tenant, r1, &s.kind, blocks, s.base + Duration::minutes(5)), s.base).await.unwrap();

    // A live hold blocks a booking; busy lists bookings and live holds of the asked resources.
    let held = slot(at(s.base, 14), 30);
    let live = hold(s.tenant, r1, &s.kind, held, s.base + Duration::minutes(5));
    repo.insert_hold(&live, s.base).await.unwrap();
    assert_eq!(repo.get_hold(s.tenant, live.id).await.unwrap(), live);
    not_found(repo.get_hold(fixtures.tenants[7], live.id).await, "hold");
    taken(
        repo.insert_booking(
            &booking(s.tenant, s.lead, r1, &s.kind, held),
            &[on(r1, held)],
            None,
            &entry("booked"),
            s.base,
        )
        .await,
        false,
    );
    let window = slot(at(s.base, 0), 24 * 60);
    let mut busy: Vec<_> = repo.busy(s.tenant, &[r1.id], window, s.base).await.unwrap();
    busy.sort_by_key(|b| b.blocks);
    assert_eq!(busy.iter().map(|b| b.blocks).collect::<Vec<_>>(), vec![blocks, held]);
    assert_eq!(repo.busy(s.tenant, &[r0.id, r1.id], window, s.base).await.unwrap().len(), 5);
    assert!(repo.busy(fixtures.tenants[7], &[r0.id, r1.id], window, s.base).await.unwrap().is_empty());
    let later = s.base + Duration::minutes(6);
    assert_eq!(repo.busy(s.tenant, &[r1.id], window, later).await.unwrap().len(), 0, "expired holds are not busy");

    // Released holds free their slot; a released hold is gone.
    not_found(repo.delete_hold(fixtures.tenants[7], live.id).await, "hold");
    repo.delete_hold(s.tenant, live.id).await.unwrap();
    not_found(repo.delete_hold(s.tenant, live.id).await, "hold");
    repo.insert_booking(&booking(s.tenant, s.lead, r1, &s.kind, held), &[on(r1, held)], None, &entry("booked"), s.base)
        .await
        .unwrap();

    // A lead of another tenant (or none) cannot be booked.
    let free = slot(at(s.base, 20), 30);
    not_found(
        repo.insert_booking(
            &booking(s.tenant, fixtures.leads[7], r0, &s.kind, free),
            &[on(r0, free)],
            None,
            &entry("booked"),
            s.base,
        )
        .await,
        "lead",
    );

    // The list: by start, filtered, paged, scoped.
    let all = repo.list(s.tenant, &BookingFilter::default(), page(1, 10)).await.unwrap();
    assert_eq!(all.total, 3);
    let starts: Vec<_> = all.data.iter().map(|b| b.starts_at).collect();
    assert_eq!(starts, vec![ten, ten + Duration::minutes(60), held.start()]);
    let on_r1 = BookingFilter { resource_id: Some(r1.id), ..BookingFilter::default() };
    assert_eq!(repo.list(s.tenant, &on_r1, page(1, 10)).await.unwrap().total, 1);
    let window =
        BookingFilter { from: Some(ten + Duration::minutes(1)), to: Some(held.start()), ..BookingFilter::default() };
    assert_eq!(repo.list(s.tenant, &window, page(1, 10)).await.unwrap().total, 1, "from inclusive, to exclusive");
    let second_page = repo.list(s.tenant, &BookingFilter::default(), page(2, 2)).await.unwrap();
    assert_eq!(second_page.data.len(), 1);
    let cancelled = BookingFilter { status: Some(BookingStatus::Cancelled), ..BookingFilter::default() };
    assert_eq!(repo.list(s.tenant, &cancelled, page(1, 10)).await.unwrap().total, 0);
    let other_lead = BookingFilter { lead_id: Some(fixtures.leads[7]), ..BookingFilter::default() };
    assert_eq!(repo.list(s.tenant, &other_lead, page(1, 10)).await.unwrap().total, 0);
    assert_eq!(repo.list(fixtures.tenants[7], &BookingFilter::default(), page(1, 10)).await.unwrap().total, 0);
}

/// With several candidates, the first free one is taken; none free → `SlotTaken { any: true }`.
pub async fn any_resource_takes_the_first_free_one(stores: &Stores, fixtures: &Fixtures) {
    let s = setup(stores, fixtures, 8, 3).await;
    let repo = &stores.bookings;
    let blocks = slot(at(s.base, 9), 30);
    let candidates: Vec<Candidate> = s.resources.iter().map(|r| on(r, blocks)).collect();
    repo.insert_hold(&hold(s.tenant, &s.resources[0], &s.kind, blocks, s.base + Duration::minutes(5)), s.base)
        .await
        .unwrap();
    let mut assigned = Vec::new();
    for _ in 0..2 {
        let asked = booking(s.tenant, s.lead, &s.resources[0], &s.kind, blocks);
        let stored = repo.insert_booking(&asked, &candidates, None, &entry("booked"), s.base).await.unwrap();
        assert_eq!(
            repo.get(s.tenant, asked.id).await.unwrap().resource_id,
            stored.resource_id,
            "the chosen one is stored"
        );
        assigned.push(stored.resource_id);
    }
    assert_eq!(assigned, vec![s.resources[1].id, s.resources[2].id], "in the order given, skipping held and booked");
    let last = booking(s.tenant, s.lead, &s.resources[0], &s.kind, blocks);
    taken(repo.insert_booking(&last, &candidates, None, &entry("booked"), s.base).await, true);
}

/// A hold converts once into a booking of its slot; an expired or released one does not, and never blocks.
pub async fn holds_convert_once_and_expire(stores: &Stores, fixtures: &Fixtures) {
    let s = setup(stores, fixtures, 9, 1).await;
    let r = &s.resources[0];
    let repo = &stores.bookings;
    let blocks = slot(at(s.base, 11), 30);
    let expires = s.base + Duration::minutes(5);
    let held = hold(s.tenant, r, &s.kind, blocks, expires);
    repo.insert_hold(&held, s.base).await.unwrap();
    // Another party's hold of the slot is refused while it lives, accepted after.
    taken(repo.insert_hold(&hold(s.tenant, r, &s.kind, blocks, expires), s.base).await, false);
    let after = expires + Duration::seconds(1);
    let replacement = hold(s.tenant, r, &s.kind, blocks, after + Duration::minutes(5));
    repo.insert_hold(&replacement, after).await.unwrap();
    // The expired hold cannot be converted.
    let late = booking(s.tenant, s.lead, r, &s.kind, blocks);
    assert!(matches!(
        repo.insert_booking(&late, &[on(r, blocks)], Some(held.id), &entry("booked"), after).await,
        Err(BookingsError::HoldExpired(_))
    ));
    // The live one converts: it does not block its own booking, and is gone after.
    let converted = booking(s.tenant, s.lead, r, &s.kind, blocks);
    repo.insert_booking(&converted, &[on(r, blocks)], Some(replacement.id), &entry("booked"), after).await.unwrap();
    not_found(repo.get_hold(s.tenant, replacement.id).await, "hold");
    let again = booking(s.tenant, s.lead, r, &s.kind, blocks);
    assert!(matches!(
        repo.insert_booking(&again, &[on(r, blocks)], Some(replacement.id), &entry("booked"), after).await,
        Err(BookingsError::HoldExpired(_))
    ));
    // A hold of another tenant is not this tenant's to convert.
    let elsewhere = slot(at(s.base, 15), 30);
    let foreign = booking(fixtures.tenants[8], fixtures.leads[8], r, &s.kind, elsewhere);
    assert!(matches!(
        repo.insert_booking(&foreign, &[on(r, elsewhere)], Some(held.id), &entry("booked"), s.base).await,
        Err(BookingsError::HoldExpired(_))
    ));
    // A failed conversion keeps the hold: nothing of a refused write is stored.
    let third = hold(s.tenant, r, &s.kind, slot(at(s.base, 13), 30), after + Duration::minutes(5));
    repo.insert_hold(&third, after).await.unwrap();
    let blocked = booking(s.tenant, s.lead, r, &s.kind, blocks);
    taken(repo.insert_booking(&blocked, &[on(r, blocks)], Some(third.id), &entry("booked"), after).await, false);
    assert_eq!(repo.get_hold(s.tenant, third.id).await.unwrap(), third);
}

/// Cancelling frees the slot; only confirmed bookings move, and a move is guarded like a booking.
pub async fn status_changes_free_the_slot_and_reschedules_are_guarded(stores: &Stores, fixtures: &Fixtures) {
    let s = setup(stores, fixtures, 6, 1).await;
    let r = &s.resources[0];
    let repo = &stores.bookings;
    let nine = slot(at(s.base, 33), 60);
    let eleven = slot(at(s.base, 35), 60);
    let first = booking(s.tenant, s.lead, r, &s.kind, nine);
    let second = booking(s.tenant, s.lead, r, &s.kind, eleven);
    repo.insert_booking(&first, &[on(r, nine)], None, &entry("booked"), s.base).await.unwrap();
    repo.insert_booking(&second, &[on(r, eleven)], None, &entry("booked"), s.base).await.unwrap();

    // Moving onto the other booking is refused; moving within its own interval is fine.
    let onto = slot(eleven.start() - Duration::minutes(30), 60);
    taken(repo.reschedule(s.tenant, first.id, onto.start(), onto.end(), onto, &entry("moved"), s.base).await, false);
    let shifted = slot(nine.start() + Duration::minutes(30), 60);
    let moved = repo
        .reschedule(s.tenant, first.id, shifted.start(), shifted.end(), shifted, &entry("moved"), s.base)
        .await
        .unwrap();
    assert_eq!((moved.starts_at, moved.blocks, moved.reschedule_count), (shifted.start(), shifted, 1));
    assert_eq!(repo.get(s.tenant, first.id).await.unwrap(), moved);
    not_found(
        repo.reschedule(fixtures.tenants[7], first.id, nine.start(), nine.end(), nine, &entry("moved"), s.base).await,
        "booking",
    );

    // Cancelling frees the slot at once and keeps the reason; a cancelled booking neither moves nor changes again.
    let cancelled = repo
        .set_status(s.tenant, second.id, BookingStatus::Cancelled, Some("sick".into()), &entry("cancelled"), s.base)
        .await
        .unwrap();
    assert_eq!((cancelled.status, cancelled.cancel_reason.as_deref()), (BookingStatus::Cancelled, Some("sick")));
    assert_eq!(repo.get(s.tenant, second.id).await.unwrap(), cancelled);
    repo.reschedule(s.tenant, first.id, onto.start(), onto.end(), onto, &entry("moved"), s.base).await.unwrap();
    assert!(matches!(
        repo.reschedule(s.tenant, second.id, nine.start(), nine.end(), nine, &entry("moved"), s.base).await,
        Err(BookingsError::InvalidTransition { from: BookingStatus::Cancelled, to: BookingStatus::Confirmed })
    ));
    assert!(matches!(
        repo.set_status(s.tenant, second.id, BookingStatus::Completed, None, &entry("completed"), s.base).await,
        Err(BookingsError::InvalidTransition { .. })
    ));
    not_found(
        repo.set_status(fixtures.tenants[7], first.id, BookingStatus::NoShow, None, &entry("no_show"), s.base).await,
        "booking",
    );
    let done =
        repo.set_status(s.tenant, first.id, BookingStatus::Completed, None, &entry("completed"), s.base).await.unwrap();
    assert_eq!(done.status, BookingStatus::Completed);
    let free = booking(s.tenant, s.lead, r, &s.kind, onto);
    repo.insert_booking(&free, &[on(r, onto)], None, &entry("booked"), s.base).await.unwrap();
}

/// Of `n` parallel bookings (and as many holds) of one slot, exactly one of each kind wins.
pub async fn parallel_claims_of_one_slot_have_one_winner(stores: &Stores, fixtures: &Fixtures, n: usize) {
    let s = setup(stores, fixtures, 9, 1).await;
    let r = s.resources[0].clone();
    let blocks = slot(at(s.base, 40), 30);
    let mut tasks = Vec::new();
    for i in 0..n {
        let repo = stores.bookings.clone();
        let asked = booking(s.tenant, s.lead, &r, &s.kind, blocks);
        let held = hold(s.tenant, &r, &s.kind, slot(at(s.base, 42), 30), s.base + Duration::minutes(5));
        let base = s.base;
        let candidate = on(&r, blocks);
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                (0, repo.insert_booking(&asked, &[candidate], None, &entry("booked"), base).await.map(|_| ()))
            } else {
                (1, repo.insert_hold(&held, base).await)
            }
        }));
    }
    let mut wins = [0, 0];
    for task in tasks {
        match task.await.expect("task") {
            (kind, Ok(())) => wins[kind] += 1,
            (_, Err(BookingsError::SlotTaken { any: false })) => {}
            (_, Err(other)) => panic!("a losing claim must be SlotTaken, got {other:?}"),
        }
    }
    assert_eq!(wins, [1, 1], "one booking and one hold win");
    let at_slot = BookingFilter { from: Some(blocks.start()), to: Some(blocks.end()), ..BookingFilter::default() };
    assert_eq!(stores.bookings.list(s.tenant, &at_slot, page(1, 100)).await.unwrap().total, 1);
}
