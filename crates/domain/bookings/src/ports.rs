//! The ports the bookings domain needs.
//!
//! No double booking is the one rule that must hold under concurrency, so
//! "check the slot, then claim it" is a single port call — a *guarded
//! write* — that every adapter makes atomic: PostgreSQL with an exclusion
//! constraint over `(tenant, resource, blocks)` covering confirmed bookings
//! and holds alike; SQLite with one serialized write transaction that checks
//! for an overlap before it writes; the in-memory fake under one lock.
//! Expired holds are removed inside the guarded write itself, so they never
//! block anything, cleanup job or not. Tenant-scoped methods take the
//! [`TenantId`] first and filter by it.

use crate::appointment_type::AppointmentType;
use crate::booking::{Booking, BookingId, BookingStatus};
use crate::error::Result;
use crate::hold::Hold;
use crate::ids::{AppointmentTypeId, HoldId, ResourceId};
use crate::resource::Resource;
use crate::schedule::Schedule;
use crate::slot::TimeSlot;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::{JsonObject, LeadId, Page, PageRequest, TenantId};

/// The sub-account's schedule.
#[async_trait]
pub trait ScheduleRepository: Send + Sync + 'static {
    /// The stored schedule, or `None` when the tenant never set one.
    ///
    /// # Errors
    /// `Storage`.
    async fn get(&self, tenant: TenantId) -> Result<Option<Schedule>>;

    /// Stores (replaces) the schedule.
    ///
    /// # Errors
    /// `Storage`.
    async fn put(&self, tenant: TenantId, schedule: &Schedule) -> Result<()>;

    /// The sub-account's time zone (the default schedule's zone).
    ///
    /// # Errors
    /// `NotFound` (`sub-account`); `Storage`.
    async fn tenant_zone(&self, tenant: TenantId) -> Result<Tz>;
}

/// Resources.
#[async_trait]
pub trait ResourceRepository: Send + Sync + 'static {
    /// A page of the tenant's resources (not deleted), by name then id.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Resource>>;

    /// Every resource of the tenant that is not deleted, by name then id.
    ///
    /// # Errors
    /// `Storage`.
    async fn all(&self, tenant: TenantId) -> Result<Vec<Resource>>;

    /// Whether the tenant ever had a resource (deleted ones count).
    ///
    /// # Errors
    /// `Storage`.
    async fn any_ever(&self, tenant: TenantId) -> Result<bool>;

    /// The resource `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` (`resource`) when missing, deleted or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: ResourceId) -> Result<Resource>;

    /// Stores a new resource; inserting an id that exists is a no-op (the default's stable id).
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, resource: &Resource) -> Result<()>;

    /// Replaces the stored resource (name, kind, user, active, schedule, `updated_at`).
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    async fn update(&self, resource: &Resource) -> Result<()>;

    /// Whether `user` is a member of `tenant` (a resource links to members only).
    ///
    /// # Errors
    /// `Storage`.
    async fn is_member(&self, tenant: TenantId, user: frontdesk_kernel::UserId) -> Result<bool>;

    /// Soft-deletes the resource, unless it has a confirmed booking ending after `now`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` naming how many upcoming bookings are in the way; `Storage`.
    async fn delete(&self, tenant: TenantId, id: ResourceId, now: DateTime<Utc>) -> Result<()>;
}

/// Appointment types.
#[async_trait]
pub trait AppointmentTypeRepository: Send + Sync + 'static {
    /// Every type of the tenant (not deleted), by name then id.
    ///
    /// # Errors
    /// `Storage`.
    async fn all(&self, tenant: TenantId) -> Result<Vec<AppointmentType>>;

    /// The type `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` (`appointment type`); `Storage`.
    async fn get(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<AppointmentType>;

    /// Stores a new type; inserting an id that exists is a no-op (the default's stable id).
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, appointment_type: &AppointmentType) -> Result<()>;

    /// Replaces the stored type.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    async fn update(&self, appointment_type: &AppointmentType) -> Result<()>;

    /// Soft-deletes the type (past bookings keep their type).
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    async fn delete(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<()>;
}

/// One resource a guarded booking write may take, with the interval it would block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The resource.
    pub resource_id: ResourceId,
    /// The appointment plus the buffers that apply with this resource.
    pub blocks: TimeSlot,
}

/// An entry for the lead's timeline, written in the same transaction as the change.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    /// Human-readable summary.
    pub content: String,
    /// Structured details (`bookingId`, `action`, times).
    pub meta: JsonObject,
    /// Whether the lead's status becomes `booked`.
    pub mark_booked: bool,
}

/// Filters of the bookings list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookingFilter {
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
    /// Of this lead.
    pub lead_id: Option<LeadId>,
    /// With this resource.
    pub resource_id: Option<ResourceId>,
    /// In this status.
    pub status: Option<BookingStatus>,
}

/// A busy interval of one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    /// The resource.
    pub resource_id: ResourceId,
    /// The blocked interval (buffers included).
    pub blocks: TimeSlot,
}

/// Bookings and holds, and the guarded writes that keep them apart.
#[async_trait]
pub trait BookingRepository: Send + Sync + 'static {
    /// Guarded write: stores `hold` unless its `blocks` overlap a confirmed
    /// booking or another live hold of the same resource at `now`.
    ///
    /// # Errors
    /// `SlotTaken { any: false }`; `Storage`.
    async fn insert_hold(&self, hold: &Hold, now: DateTime<Utc>) -> Result<()>;

    /// The hold `id` of `tenant`, live or expired.
    ///
    /// # Errors
    /// `NotFound` (`hold`) when missing, released or another tenant's; `Storage`.
    async fn get_hold(&self, tenant: TenantId, id: HoldId) -> Result<Hold>;

    /// Releases the hold.
    ///
    /// # Errors
    /// `NotFound` (`hold`); `Storage`.
    async fn delete_hold(&self, tenant: TenantId, id: HoldId) -> Result<()>;

    /// Guarded write: stores `booking` with the first of `candidates` whose
    /// `blocks` overlap no confirmed booking and no live hold at `now`
    /// (setting `resource_id` and `blocks` from it), all in one transaction
    /// that also: checks the lead exists in the tenant (not deleted);
    /// converts `hold` when given — it must be live at `now`, of this
    /// tenant, and is deleted in the same transaction, so it does not block
    /// its own conversion; appends `entry` to the lead's timeline and, when
    /// `entry.mark_booked`, sets the lead's status to `booked`.
    ///
    /// # Errors
    /// `NotFound` (`lead`); `HoldExpired` when the hold is missing or expired;
    /// `SlotTaken { any: candidates.len() > 1 }` when none is free; `Storage`.
    async fn insert_booking(
        &self,
        booking: &Booking,
        candidates: &[Candidate],
        hold: Option<HoldId>,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking>;

    /// Guarded write: moves the confirmed booking to `starts_at..ends_at`
    /// blocking `blocks` (its own old interval never conflicts), increments
    /// `reschedule_count`, and appends `entry`, in one transaction.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` when it is not confirmed; `SlotTaken`; `Storage`.
    #[allow(
        clippy::too_many_arguments,
        reason = "one guarded write: the booking, its new times and blocks, the event and now"
    )]
    async fn reschedule(
        &self,
        tenant: TenantId,
        id: BookingId,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        blocks: TimeSlot,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking>;

    /// Moves the booking to `to` (freeing its slot), keeping `reason` for a
    /// cancellation, and appends `entry`, in one transaction.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition`; `Storage`.
    async fn set_status(
        &self,
        tenant: TenantId,
        id: BookingId,
        to: BookingStatus,
        reason: Option<String>,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking>;

    /// The booking `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` (`booking`) when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: BookingId) -> Result<Booking>;

    /// The booking whose self-service token hashes to `hash`, of any tenant.
    ///
    /// # Errors
    /// `NotFound` (`booking`); `Storage`.
    async fn by_token_hash(&self, hash: &str) -> Result<Booking>;

    /// A page of the tenant's bookings matching `filter`, by start then id.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, filter: &BookingFilter, page: PageRequest) -> Result<Page<Booking>>;

    /// What blocks `resources` within `window` at `now`: confirmed bookings
    /// and live holds whose `blocks` overlap it. One range query.
    ///
    /// # Errors
    /// `Storage`.
    async fn busy(
        &self,
        tenant: TenantId,
        resources: &[ResourceId],
        window: TimeSlot,
        now: DateTime<Utc>,
    ) -> Result<Vec<Busy>>;
}

/// Busy times from calendars outside Frontdesk (Google Calendar, GoHighLevel).
#[async_trait]
pub trait ExternalCalendar: Send + Sync + 'static {
    /// The busy intervals of `resources` within `window`.
    ///
    /// # Errors
    /// `Storage` when the calendar cannot be read (availability then fails
    /// rather than offering a slot that may be taken).
    async fn busy(&self, tenant: TenantId, resources: &[ResourceId], window: TimeSlot) -> Result<Vec<Busy>>;
}

/// No external calendar connected: nothing is busy outside Frontdesk.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoExternalCalendar;

#[async_trait]
impl ExternalCalendar for NoExternalCalendar {
    async fn busy(&self, _: TenantId, _: &[ResourceId], _: TimeSlot) -> Result<Vec<Busy>> {
        Ok(Vec::new())
    }
}

/// Issues the unguessable self-service tokens of bookings.
pub trait ManageTokens: Send + Sync + 'static {
    /// A fresh token and its hash (the only form stored).
    ///
    /// # Errors
    /// `Storage` when the random generator fails.
    fn issue(&self) -> Result<(String, String)>;
    /// The hash of a presented token.
    fn hash(&self, token: &str) -> String;
}

/// Lets the leads side drop what it cached about a lead whose status or
/// timeline a booking write just changed (the write itself is one SQL
/// transaction; caches are the leads crate's business, so this is a port).
#[async_trait]
pub trait LeadChanged: Send + Sync + 'static {
    /// `lead` of `tenant` changed; never fails the caller (a failure is logged).
    async fn lead_changed(&self, tenant: TenantId, lead: LeadId);
}

/// Nothing cached: nothing to drop.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLeadCache;

#[async_trait]
impl LeadChanged for NoLeadCache {
    async fn lead_changed(&self, _: TenantId, _: LeadId) {}
}
