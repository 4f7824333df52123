//! In-memory fakes of the bookings ports.
//!
//! [`InMemoryBookingStore`] implements every repository port over one
//! mutex, so each guarded write (check for an overlap, then claim) runs
//! under the lock and is atomic like the SQL adapters' transactions. It
//! passes the same contract suite ([`super::contract`]) as they do; use
//! cases are unit-tested on it with a [`ManualClock`](frontdesk_kernel::testing::ManualClock).

use crate::appointment_type::AppointmentType;
use crate::booking::{Booking, BookingId, BookingStatus};
use crate::error::{BookingsError, Result};
use crate::hold::Hold;
use crate::ids::{AppointmentTypeId, HoldId, ResourceId};
use crate::ports::{
    AppointmentTypeRepository, BookingFilter, BookingRepository, Busy, Candidate, ExternalCalendar, ManageTokens,
    ResourceRepository, ScheduleRepository, TimelineEntry,
};
use crate::resource::Resource;
use crate::schedule::Schedule;
use crate::slot::TimeSlot;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{LeadId, Page, PageRequest, TenantId, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Default)]
struct Rows {
    zones: HashMap<TenantId, Tz>,
    schedules: HashMap<TenantId, Schedule>,
    resources: Vec<(Resource, bool)>,
    types: Vec<(AppointmentType, bool)>,
    members: HashSet<(TenantId, UserId)>,
    leads: HashSet<(TenantId, LeadId)>,
    booked: HashSet<LeadId>,
    holds: Vec<Hold>,
    bookings: Vec<Booking>,
    entries: Vec<(TenantId, LeadId, TimelineEntry)>,
}

impl Rows {
    /// Whether `blocks` of `resource` is free at `now`, ignoring the booking `except`.
    fn free(
        &self,
        tenant: TenantId,
        resource: ResourceId,
        blocks: TimeSlot,
        now: DateTime<Utc>,
        except: Option<BookingId>,
    ) -> bool {
        let booked = self.bookings.iter().any(|b| {
            b.tenant_id == tenant
                && b.resource_id == resource
                && b.status.occupies_slot()
                && Some(b.id) != except
                && b.blocks.overlaps(&blocks)
        });
        let held = self.holds.iter().any(|h| {
            h.tenant_id == tenant && h.resource_id == resource && h.is_live(now) && h.blocks.overlaps(&blocks)
        });
        !booked && !held
    }

    fn drop_expired(&mut self, now: DateTime<Utc>) {
        self.holds.retain(|h| h.is_live(now));
    }

    fn record(&mut self, tenant: TenantId, lead: LeadId, entry: &TimelineEntry) {
        self.entries.push((tenant, lead, entry.clone()));
        if entry.mark_booked {
            self.booked.insert(lead);
        }
    }

    fn booking_mut(&mut self, tenant: TenantId, id: BookingId) -> Result<&mut Booking> {
        self.bookings
            .iter_mut()
            .find(|b| b.tenant_id == tenant && b.id == id)
            .ok_or(BookingsError::NotFound { entity: "booking" })
    }
}

/// Schedules, resources, appointment types, holds and bookings in memory,
/// with the tenants, members and leads they refer to.
#[derive(Default)]
pub struct InMemoryBookingStore(Mutex<Rows>);

impl InMemoryBookingStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a sub-account and its time zone.
    pub fn add_tenant(&self, tenant: TenantId, zone: Tz) {
        lock(&self.0).zones.insert(tenant, zone);
    }

    /// Registers `user` as a member of `tenant`.
    pub fn add_member(&self, tenant: TenantId, user: UserId) {
        lock(&self.0).members.insert((tenant, user));
    }

    /// Registers a lead of `tenant`.
    pub fn add_lead(&self, tenant: TenantId, lead: LeadId) {
        lock(&self.0).leads.insert((tenant, lead));
    }

    /// The timeline entries written with booking changes, oldest first.
    #[must_use]
    pub fn entries(&self) -> Vec<(TenantId, LeadId, TimelineEntry)> {
        lock(&self.0).entries.clone()
    }

    /// Whether a booking write marked `lead` as booked.
    #[must_use]
    pub fn is_booked(&self, lead: LeadId) -> bool {
        lock(&self.0).booked.contains(&lead)
    }

    /// The holds stored (live or not yet swept).
    #[must_use]
    pub fn holds(&self) -> Vec<Hold> {
        lock(&self.0).holds.clone()
    }
}

fn by_name<T>(rows: &[(T, bool)], tenant: TenantId, parts: impl Fn(&T) -> (TenantId, String, uuid::Uuid)) -> Vec<T>
where
    T: Clone,
{
    let mut found: Vec<T> =
        rows.iter().filter(|(r, deleted)| !deleted && parts(r).0 == tenant).map(|(r, _)| r.clone()).collect();
    found.sort_by(|a, b| {
        let (_, name_a, id_a) = parts(a);
        let (_, name_b, id_b) = parts(b);
        name_a.cmp(&name_b).then(id_a.cmp(&id_b))
    });
    found
}

fn resource_parts(r: &Resource) -> (TenantId, String, uuid::Uuid) {
    (r.tenant_id, r.name.clone(), r.id.as_uuid())
}

fn type_parts(t: &AppointmentType) -> (TenantId, String, uuid::Uuid) {
    (t.tenant_id, t.name.clone(), t.id.as_uuid())
}

#[async_trait]
impl ScheduleRepository for InMemoryBookingStore {
    async fn get(&self, tenant: TenantId) -> Result<Option<Schedule>> {
        Ok(lock(&self.0).schedules.get(&tenant).cloned())
    }

    async fn put(&self, tenant: TenantId, schedule: &Schedule) -> Result<()> {
        lock(&self.0).schedules.insert(tenant, schedule.clone());
        Ok(())
    }

    async fn tenant_zone(&self, tenant: TenantId) -> Result<Tz> {
        lock(&self.0).zones.get(&tenant).copied().ok_or(BookingsError::NotFound { entity: "sub-account" })
    }
}

#[async_trait]
impl ResourceRepository for InMemoryBookingStore {
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Resource>> {
        Ok(page_of(&by_name(&lock(&self.0).resources, tenant, resource_parts), page))
    }

    async fn all(&self, tenant: TenantId) -> Result<Vec<Resource>> {
        Ok(by_name(&lock(&self.0).resources, tenant, resource_parts))
    }

    async fn any_ever(&self, tenant: TenantId) -> Result<bool> {
        Ok(lock(&self.0).resources.iter().any(|(r, _)| r.tenant_id == tenant))
    }

    async fn get(&self, tenant: TenantId, id: ResourceId) -> Result<Resource> {
        lock(&self.0)
            .resources
            .iter()
            .find(|(r, deleted)| !deleted && r.tenant_id == tenant && r.id == id)
            .map(|(r, _)| r.clone())
            .ok_or(BookingsError::NotFound { entity: "resource" })
    }

    async fn insert(&self, resource: &Resource) -> Result<()> {
        let mut rows = lock(&self.0);
        if !rows.resources.iter().any(|(r, _)| r.id == resource.id) {
            rows.resources.push((resource.clone(), false));
        }
        Ok(())
    }

    async fn update(&self, resource: &Resource) -> Result<()> {
        let mut rows = lock(&self.0);
        let (stored, _) = rows
            .resources
            .iter_mut()
            .find(|(r, deleted)| !deleted && r.tenant_id == resource.tenant_id && r.id == resource.id)
            .ok_or(BookingsError::NotFound { entity: "resource" })?;
        *stored = Resource { created_at: stored.created_at, ..resource.clone() };
        Ok(())
    }

    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        Ok(lock(&self.0).members.contains(&(tenant, user)))
    }

    async fn delete(&self, tenant: TenantId, id: ResourceId, now: DateTime<Utc>) -> Result<()> {
        let mut rows = lock(&self.0);
        let upcoming = rows
            .bookings
            .iter()
            .filter(|b| {
                b.tenant_id == tenant && b.resource_id == id && b.status == BookingStatus::Confirmed && b.ends_at > now
            })
            .count();
        if upcoming > 0 {
            return Err(BookingsError::Conflict(format!(
                "this resource has {upcoming} upcoming booking(s): cancel or move them first"
            )));
        }
        let (stored, deleted) = rows
            .resources
            .iter_mut()
            .find(|(r, deleted)| !deleted && r.tenant_id == tenant && r.id == id)
            .ok_or(BookingsError::NotFound { entity: "resource" })?;
        stored.active = false;
        *deleted = true;
        Ok(())
    }
}

#[async_trait]
impl AppointmentTypeRepository for InMemoryBookingStore {
    async fn all(&self, tenant: TenantId) -> Result<Vec<AppointmentType>> {
        Ok(by_name(&lock(&self.0).types, tenant, type_parts))
    }

    async fn get(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<AppointmentType> {
        lock(&self.0)
            .types
            .iter()
            .find(|(t, deleted)| !deleted && t.tenant_id == tenant && t.id == id)
            .map(|(t, _)| t.clone())
            .ok_or(BookingsError::NotFound { entity: "appointment type" })
    }

    async fn insert(&self, appointment_type: &AppointmentType) -> Result<()> {
        let mut rows = lock(&self.0);
        if !rows.types.iter().any(|(t, _)| t.id == appointment_type.id) {
            rows.types.push((appointment_type.clone(), false));
        }
        Ok(())
    }

    async fn update(&self, appointment_type: &AppointmentType) -> Result<()> {
        let mut rows = lock(&self.0);
        let (stored, _) = rows
            .types
            .iter_mut()
            .find(|(t, deleted)| !deleted && t.tenant_id == appointment_type.tenant_id && t.id == appointment_type.id)
            .ok_or(BookingsError::NotFound { entity: "appointment type" })?;
        *stored = AppointmentType { created_at: stored.created_at, ..appointment_type.clone() };
        Ok(())
    }

    async fn delete(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<()> {
        let mut rows = lock(&self.0);
        let (_, deleted) = rows
            .types
            .iter_mut()
            .find(|(t, deleted)| !deleted && t.tenant_id == tenant && t.id == id)
            .ok_or(BookingsError::NotFound { entity: "appointment type" })?;
        *deleted = true;
        Ok(())
    }
}

#[async_trait]
impl BookingRepository for InMemoryBookingStore {
    async fn insert_hold(&self, hold: &Hold, now: DateTime<Utc>) -> Result<()> {
        let mut rows = lock(&self.0);
        rows.drop_expired(now);
        if !rows.free(hold.tenant_id, hold.resource_id, hold.blocks, now, None) {
            return Err(BookingsError::SlotTaken { any: false });
        }
        rows.holds.push(hold.clone());
        Ok(())
    }

    async fn get_hold(&self, tenant: TenantId, id: HoldId) -> Result<Hold> {
        lock(&self.0)
            .holds
            .iter()
            .find(|h| h.tenant_id == tenant && h.id == id)
            .cloned()
            .ok_or(BookingsError::NotFound { entity: "hold" })
    }

    async fn delete_hold(&self, tenant: TenantId, id: HoldId) -> Result<()> {
        let mut rows = lock(&self.0);
        let before = rows.holds.len();
        rows.holds.retain(|h| !(h.tenant_id == tenant && h.id == id));
        if rows.holds.len() == before { Err(BookingsError::NotFound { entity: "hold" }) } else { Ok(()) }
    }

    async fn insert_booking(
        &self,
        booking: &Booking,
        candidates: &[Candidate],
        hold: Option<HoldId>,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let tenant = booking.tenant_id;
        let mut rows = lock(&self.0);
        if !rows.leads.contains(&(tenant, booking.lead_id)) {
            return Err(BookingsError::NotFound { entity: "lead" });
        }
        // Work on a copy: the write either happens whole or not at all.
        let mut holds = rows.holds.clone();
        if let Some(hold) = hold {
            let before = holds.len();
            holds.retain(|h| !(h.tenant_id == tenant && h.id == hold && h.is_live(now)));
            if holds.len() == before {
                return Err(BookingsError::HoldExpired(format!("hold {hold} has expired or was released")));
            }
        }
        holds.retain(|h| h.is_live(now));
        let kept = std::mem::replace(&mut rows.holds, holds);
        let chosen = candidates.iter().find(|c| rows.free(tenant, c.resource_id, c.blocks, now, None)).copied();
        let Some(chosen) = chosen else {
            rows.holds = kept;
            return Err(BookingsError::SlotTaken { any: candidates.len() > 1 });
        };
        let stored = Booking { resource_id: chosen.resource_id, blocks: chosen.blocks, ..booking.clone() };
        rows.bookings.push(stored.clone());
        rows.record(tenant, stored.lead_id, entry);
        Ok(stored)
    }

    async fn reschedule(
        &self,
        tenant: TenantId,
        id: BookingId,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        blocks: TimeSlot,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let mut rows = lock(&self.0);
        rows.drop_expired(now);
        let current = rows.booking_mut(tenant, id)?.clone();
        if current.status != BookingStatus::Confirmed {
            return Err(BookingsError::InvalidTransition { from: current.status, to: BookingStatus::Confirmed });
        }
        if !rows.free(tenant, current.resource_id, blocks, now, Some(id)) {
            return Err(BookingsError::SlotTaken { any: false });
        }
        let booking = rows.booking_mut(tenant, id)?;
        booking.starts_at = starts_at;
        booking.ends_at = ends_at;
        booking.blocks = blocks;
        booking.reschedule_count += 1;
        booking.updated_at = now;
        let moved = booking.clone();
        rows.record(tenant, moved.lead_id, entry);
        Ok(moved)
    }

    async fn set_status(
        &self,
        tenant: TenantId,
        id: BookingId,
        to: BookingStatus,
        reason: Option<String>,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let mut rows = lock(&self.0);
        let booking = rows.booking_mut(tenant, id)?;
        if !booking.status.can_transition_to(to) {
            return Err(BookingsError::InvalidTransition { from: booking.status, to });
        }
        booking.status = to;
        booking.cancel_reason = reason;
        booking.updated_at = now;
        let changed = booking.clone();
        rows.record(tenant, changed.lead_id, entry);
        Ok(changed)
    }

    async fn get(&self, tenant: TenantId, id: BookingId) -> Result<Booking> {
        lock(&self.0).booking_mut(tenant, id).map(|b| b.clone())
    }

    async fn by_token_hash(&self, hash: &str) -> Result<Booking> {
        lock(&self.0)
            .bookings
            .iter()
            .find(|b| b.manage_token_hash == hash)
            .cloned()
            .ok_or(BookingsError::NotFound { entity: "booking" })
    }

    async fn list(&self, tenant: TenantId, filter: &BookingFilter, page: PageRequest) -> Result<Page<Booking>> {
        let mut found: Vec<Booking> = lock(&self.0)
            .bookings
            .iter()
            .filter(|b| {
                b.tenant_id == tenant
                    && filter.from.is_none_or(|from| b.starts_at >= from)
                    && filter.to.is_none_or(|to| b.starts_at < to)
                    && filter.lead_id.is_none_or(|lead| b.lead_id == lead)
                    && filter.resource_id.is_none_or(|resource| b.resource_id == resource)
                    && filter.status.is_none_or(|status| b.status == status)
            })
            .cloned()
            .collect();
        found.sort_by_key(|b| (b.starts_at, b.id.as_uuid()));
        Ok(page_of(&found, page))
    }

    async fn busy(
        &self,
        tenant: TenantId,
        resources: &[ResourceId],
        window: TimeSlot,
        now: DateTime<Utc>,
    ) -> Result<Vec<Busy>> {
        let rows = lock(&self.0);
        let booked = rows
            .bookings
            .iter()
            .filter(|b| b.tenant_id == tenant && b.status.occupies_slot())
            .map(|b| Busy { resource_id: b.resource_id, blocks: b.blocks });
        let held = rows
            .holds
            .iter()
            .filter(|h| h.tenant_id == tenant && h.is_live(now))
            .map(|h| Busy { resource_id: h.resource_id, blocks: h.blocks });
        Ok(booked.chain(held).filter(|b| resources.contains(&b.resource_id) && b.blocks.overlaps(&window)).collect())
    }
}

/// Busy blocks set by a test, standing in for Google Calendar or GoHighLevel.
#[derive(Default)]
pub struct InMemoryCalendar {
    busy: Mutex<Vec<(TenantId, Busy)>>,
    down: Mutex<bool>,
}

impl InMemoryCalendar {
    /// Marks `blocks` of `resource` busy outside Frontdesk.
    pub fn add_busy(&self, tenant: TenantId, resource: ResourceId, blocks: TimeSlot) {
        lock(&self.busy).push((tenant, Busy { resource_id: resource, blocks }));
    }

    /// Makes every read fail (the calendar is unreachable) or succeed again.
    pub fn set_down(&self, down: bool) {
        *lock(&self.down) = down;
    }
}

#[async_trait]
impl ExternalCalendar for InMemoryCalendar {
    async fn busy(&self, tenant: TenantId, resources: &[ResourceId], window: TimeSlot) -> Result<Vec<Busy>> {
        if *lock(&self.down) {
            return Err(BookingsError::storage(std::io::Error::other("calendar unreachable")));
        }
        Ok(lock(&self.busy)
            .iter()
            .filter(|(t, b)| *t == tenant && resources.contains(&b.resource_id) && b.blocks.overlaps(&window))
            .map(|(_, b)| *b)
            .collect())
    }
}

/// Predictable self-service tokens: `token-1`, `token-2`…, hashed as `hash:{token}`.
#[derive(Default)]
pub struct SequentialTokens(Mutex<u64>);

impl ManageTokens for SequentialTokens {
    fn issue(&self) -> Result<(String, String)> {
        let mut next = lock(&self.0);
        *next += 1;
        let token = format!("token-{next}");
        let hash = self.hash(&token);
        Ok((token, hash))
    }

    fn hash(&self, token: &str) -> String {
        format!("hash:{token}")
    }
}

/// Lead contacts and business names set by a test.
#[derive(Default)]
pub struct InMemoryRecipients {
    leads: Mutex<HashMap<(TenantId, LeadId), crate::messages::LeadContact>>,
    names: Mutex<HashMap<TenantId, String>>,
}

impl InMemoryRecipients {
    /// Sets how `lead` of `tenant` is reached.
    pub fn set_lead(&self, tenant: TenantId, lead: LeadId, contact: crate::messages::LeadContact) {
        lock(&self.leads).insert((tenant, lead), contact);
    }

    /// Names a sub-account.
    pub fn set_business(&self, tenant: TenantId, name: &str) {
        lock(&self.names).insert(tenant, name.to_owned());
    }
}

#[async_trait]
impl crate::messages::Recipients for InMemoryRecipients {
    async fn lead(&self, tenant: TenantId, lead: LeadId) -> Result<Option<crate::messages::LeadContact>> {
        Ok(lock(&self.leads).get(&(tenant, lead)).cloned())
    }

    async fn business_name(&self, tenant: TenantId) -> Result<String> {
        Ok(lock(&self.names).get(&tenant).cloned().unwrap_or_default())
    }
}

/// Booking message wording in memory.
#[derive(Default)]
pub struct InMemoryWording(Mutex<HashMap<(TenantId, crate::messages::BookingMessage), crate::wording::Wording>>);

#[async_trait]
impl crate::wording::WordingRepository for InMemoryWording {
    async fn get(
        &self,
        tenant: TenantId,
        message: crate::messages::BookingMessage,
    ) -> Result<Option<crate::wording::Wording>> {
        Ok(lock(&self.0).get(&(tenant, message)).cloned())
    }

    async fn put(
        &self,
        tenant: TenantId,
        message: crate::messages::BookingMessage,
        wording: &crate::wording::Wording,
    ) -> Result<()> {
        lock(&self.0).insert((tenant, message), wording.clone());
        Ok(())
    }

    async fn delete(&self, tenant: TenantId, message: crate::messages::BookingMessage) -> Result<bool> {
        Ok(lock(&self.0).remove(&(tenant, message)).is_some())
    }
}
