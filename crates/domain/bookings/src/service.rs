//! The bookings use cases: what the api and the receptionist's tools call.
//!
//! [`Bookings`] resolves what applies (the appointment type, the resources
//! that can serve it, each one's schedule and buffers), checks the rules a
//! time must meet (opening hours, minimum notice, horizon, external busy
//! blocks) and hands the claim itself to a guarded write of
//! [`BookingRepository`], which alone decides "free or taken" atomically.
//! Every error says which rule failed, so the receptionist can explain it.

use crate::appointment_type::{AppointmentType, AppointmentTypeInput};
use crate::availability::{ResourceCalendar, Slot, SlotQuery, SlotRule, available_slots, check_slot, occupied};
use crate::booking::{Booking, BookingId, BookingStatus};
use crate::error::{BookingsError, Result};
use crate::hold::Hold;
use crate::ids::{AppointmentTypeId, HoldId, ResourceId};
use crate::messages::{BookingMessage, BookingNotices};
use crate::ports::{
    AppointmentTypeRepository, BookingFilter, BookingRepository, Busy, Candidate, ExternalCalendar, LeadChanged,
    ManageTokens, ResourceRepository, ScheduleRepository, TimelineEntry,
};
use crate::resource::{Resource, ResourceInput};
use crate::schedule::{Schedule, WeeklyHours};
use crate::slot::TimeSlot;
use crate::status::ScheduleStatus;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::{Clock, JsonObject, LeadId, Page, PageRequest, TenantId, ValidationErrors, text::check_text};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One end of an availability or list window: a local date or an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeBound {
    /// A date in the schedule's zone (`from`: its start; `to`: the end of that day).
    Date(NaiveDate),
    /// An instant.
    Instant(DateTime<Utc>),
}

impl TimeBound {
    /// The bound as a window's start in `zone` (a date: its first instant).
    #[must_use]
    pub fn start(self, zone: Tz) -> DateTime<Utc> {
        start_of(self, zone)
    }

    /// The bound as a window's end in `zone` (a date: the first instant after it).
    #[must_use]
    pub fn end(self, zone: Tz) -> DateTime<Utc> {
        end_of(self, zone)
    }
}

/// What availability is asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AvailabilityQuery {
    /// Start of the window (default: now).
    pub from: Option<TimeBound>,
    /// End of the window (default: seven days after `from`).
    pub to: Option<TimeBound>,
    /// The type (default: the tenant's first active type).
    pub appointment_type_id: Option<AppointmentTypeId>,
    /// One resource, or any that can serve the type.
    pub resource_id: Option<ResourceId>,
}

/// Free slots and what they were computed for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    /// The zone local times are shown in (the sub-account's schedule's).
    pub time_zone: Tz,
    /// The window actually searched.
    pub from: DateTime<Utc>,
    /// The window actually searched.
    pub to: DateTime<Utc>,
    /// The type the slots fit.
    pub appointment_type: AppointmentType,
    /// The slots, by start.
    pub slots: Vec<Slot>,
}

/// A request to book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRequest {
    /// Who.
    pub lead_id: LeadId,
    /// When.
    pub starts_at: DateTime<Utc>,
    /// What (default: the tenant's default type, or the hold's).
    pub appointment_type_id: Option<AppointmentTypeId>,
    /// With whom (default: the first free resource that can serve it, or the hold's).
    pub resource_id: Option<ResourceId>,
    /// A live hold of this slot to convert.
    pub hold_id: Option<HoldId>,
    /// Free text.
    pub notes: Option<String>,
}

/// A request to hold a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldRequest {
    /// When.
    pub starts_at: DateTime<Utc>,
    /// What.
    pub appointment_type_id: Option<AppointmentTypeId>,
    /// With whom (default: the first free resource).
    pub resource_id: Option<ResourceId>,
    /// For whom, when known.
    pub lead_id: Option<LeadId>,
}

/// A new booking and its self-service token (shown once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booked {
    /// The booking as stored.
    pub booking: Booking,
    /// The token of `/b/{token}`; only its hash is stored.
    pub manage_token: String,
}

/// The changes a booking update asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BookingChange {
    /// Move it here (same duration, same resource).
    pub starts_at: Option<DateTime<Utc>>,
    /// Record the outcome (`completed`, `no_show`, `cancelled`).
    pub status: Option<BookingStatus>,
}

/// Who is acting on a booking: staff of the tenant, or the customer with the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// A member of the sub-account (or the receptionist on its behalf).
    Staff,
    /// The customer, through the self-service link.
    Customer,
}

/// Open now, and the instant it was asked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleStatusView {
    /// When.
    pub now: DateTime<Utc>,
    /// The answer.
    pub status: ScheduleStatus,
}

/// The bookings use cases.
#[derive(Clone)]
pub struct Bookings {
    schedules: Arc<dyn ScheduleRepository>,
    resources: Arc<dyn ResourceRepository>,
    types: Arc<dyn AppointmentTypeRepository>,
    bookings: Arc<dyn BookingRepository>,
    calendar: Arc<dyn ExternalCalendar>,
    tokens: Arc<dyn ManageTokens>,
    leads: Arc<dyn LeadChanged>,
    notices: Arc<dyn BookingNotices>,
    clock: Arc<dyn Clock>,
    hold_ttl: Duration,
    /// Each sub-account's openings of the day (the open/closed status is read on every call and turn).
    status_memo: Arc<crate::status::StatusMemo>,
}

/// The ports [`Bookings`] is built from.
#[derive(Clone)]
pub struct BookingPorts {
    /// Sub-account schedules.
    pub schedules: Arc<dyn ScheduleRepository>,
    /// Resources.
    pub resources: Arc<dyn ResourceRepository>,
    /// Appointment types.
    pub types: Arc<dyn AppointmentTypeRepository>,
    /// Bookings and holds.
    pub bookings: Arc<dyn BookingRepository>,
    /// Busy blocks from outside.
    pub calendar: Arc<dyn ExternalCalendar>,
    /// Self-service tokens.
    pub tokens: Arc<dyn ManageTokens>,
    /// Told when a booking write changed a lead.
    pub leads: Arc<dyn LeadChanged>,
    /// Told after bookings are made, moved or cancelled (confirmations, reminders).
    pub notices: Arc<dyn BookingNotices>,
    /// Now.
    pub clock: Arc<dyn Clock>,
}

/// Longest availability window, in days.
pub const MAX_WINDOW_DAYS: i64 = 93;
/// Default availability window, in days.
pub const DEFAULT_WINDOW_DAYS: i64 = 7;
/// Padding around a window when reading busy blocks: covers the longest buffers.
const BUSY_PADDING_MINUTES: i64 = 2 * 240 + 60;

impl Bookings {
    /// Default hold lifetime.
    pub const DEFAULT_HOLD_MINUTES: i64 = 5;

    /// The use cases over `ports`; holds last `hold_ttl`.
    #[must_use]
    pub fn new(ports: BookingPorts, hold_ttl: Duration) -> Self {
        let BookingPorts { schedules, resources, types, bookings, calendar, tokens, leads, notices, clock } = ports;
        let status_memo = Arc::default();
        Self { schedules, resources, types, bookings, calendar, tokens, leads, notices, clock, hold_ttl, status_memo }
    }

    /// How long holds last.
    #[must_use]
    pub const fn hold_ttl(&self) -> Duration {
        self.hold_ttl
    }

    // ---- schedule ------------------------------------------------------

    /// The sub-account's schedule (Monday–Friday 9–5 in its zone until set).
    ///
    /// # Errors
    /// `NotFound` (`sub-account`); `Storage`.
    pub async fn schedule(&self, tenant: TenantId) -> Result<Schedule> {
        match self.schedules.get(tenant).await? {
            Some(schedule) => Ok(schedule),
            None => Ok(Schedule::default_in(self.schedules.tenant_zone(tenant).await?)),
        }
    }

    /// Replaces the sub-account's schedule with `body` (the wire form).
    ///
    /// # Errors
    /// `Validation` listing every bad field, nothing stored; `Storage`.
    pub async fn put_schedule(&self, tenant: TenantId, body: &serde_json::Value) -> Result<Schedule> {
        let zone = self.schedules.tenant_zone(tenant).await?;
        let schedule = Schedule::parse(body, zone)?;
        self.schedules.put(tenant, &schedule).await?;
        Ok(schedule)
    }

    /// Sets the weekly hours a sub-account was created with (the `businessHours` of creation).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn set_weekly_hours(&self, tenant: TenantId, hours: WeeklyHours) -> Result<Schedule> {
        let mut schedule = self.schedule(tenant).await?;
        schedule.weekly_hours = hours;
        self.schedules.put(tenant, &schedule).await?;
        Ok(schedule)
    }

    /// Open now? With the local time and the next opening and closing.
    ///
    /// # Errors
    /// As [`Self::schedule`].
    pub async fn status(&self, tenant: TenantId) -> Result<ScheduleStatusView> {
        let now = self.clock.now();
        let schedule = self.schedule(tenant).await?;
        Ok(ScheduleStatusView { now, status: self.status_memo.status(tenant, &schedule, now) })
    }

    /// A resource's own schedule (`None`: it follows the sub-account's) and the one that applies.
    ///
    /// # Errors
    /// `NotFound` (`resource`); `Storage`.
    pub async fn resource_schedule(&self, tenant: TenantId, id: ResourceId) -> Result<(Option<Schedule>, Schedule)> {
        let resource = self.resource(tenant, id).await?;
        let effective = match &resource.schedule {
            Some(own) => own.clone(),
            None => self.schedule(tenant).await?,
        };
        Ok((resource.schedule, effective))
    }

    /// Gives a resource its own schedule (`None` in `body`: back to the sub-account's).
    ///
    /// # Errors
    /// `Validation`; `NotFound`; `Storage`.
    pub async fn put_resource_schedule(
        &self,
        tenant: TenantId,
        id: ResourceId,
        body: Option<&serde_json::Value>,
    ) -> Result<Resource> {
        let mut resource = self.resource(tenant, id).await?;
        resource.schedule = match body {
            Some(body) => {
                let zone = self.schedule(tenant).await?.time_zone;
                Some(Schedule::parse(body, zone)?)
            }
            None => None,
        };
        resource.updated_at = self.clock.now();
        self.resources.update(&resource).await?;
        Ok(resource)
    }

    // ---- resources -----------------------------------------------------

    /// A page of resources (a tenant that never had one gets the default first).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list_resources(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Resource>> {
        self.ensure_default_resource(tenant).await?;
        self.resources.list(tenant, page).await
    }

    /// One resource.
    ///
    /// # Errors
    /// `NotFound` (`resource`); `Storage`.
    pub async fn resource(&self, tenant: TenantId, id: ResourceId) -> Result<Resource> {
        self.ensure_default_resource(tenant).await?;
        self.resources.get(tenant, id).await
    }

    /// Creates a resource.
    ///
    /// # Errors
    /// `Validation`; `Storage`.
    pub async fn create_resource(&self, tenant: TenantId, input: ResourceInput) -> Result<Resource> {
        self.check_member(tenant, &input).await?;
        let now = self.clock.now();
        let resource = Resource::create(tenant, input, now)?;
        self.resources.insert(&resource).await?;
        self.retire_default_resource(tenant, now).await?;
        Ok(resource)
    }

    /// Changes a resource.
    ///
    /// # Errors
    /// `Validation`; `NotFound`; `Storage`.
    pub async fn update_resource(&self, tenant: TenantId, id: ResourceId, input: ResourceInput) -> Result<Resource> {
        let mut resource = self.resource(tenant, id).await?;
        self.check_member(tenant, &input).await?;
        resource.apply(input, self.clock.now())?;
        self.resources.update(&resource).await?;
        Ok(resource)
    }

    /// Deletes a resource that has no upcoming confirmed booking.
    ///
    /// # Errors
    /// `NotFound`; `Conflict`; `Storage`.
    pub async fn delete_resource(&self, tenant: TenantId, id: ResourceId) -> Result<()> {
        self.resource(tenant, id).await?;
        self.resources.delete(tenant, id, self.clock.now()).await
    }

    async fn check_member(&self, tenant: TenantId, input: &ResourceInput) -> Result<()> {
        if let Some(Some(user)) = input.user_id
            && !self.resources.is_member(tenant, user).await?
        {
            return Err(ValidationErrors::single("userId", "must be a user of this sub-account").into());
        }
        Ok(())
    }

    /// The automatic "Main calendar" stands in until the sub-account has
    /// resources of its own: once it has, the default goes (unless it has
    /// upcoming bookings, which keep it until they are done or moved), so
    /// bookings never land on a resource nobody staffs.
    async fn retire_default_resource(&self, tenant: TenantId, now: DateTime<Utc>) -> Result<()> {
        let default_id = Resource::default_for(tenant, now).id;
        let all = self.resources.all(tenant).await?;
        if all.len() > 1 && all.iter().any(|r| r.id == default_id) {
            match self.resources.delete(tenant, default_id, now).await {
                Ok(()) | Err(BookingsError::Conflict(_) | BookingsError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    async fn ensure_default_resource(&self, tenant: TenantId) -> Result<()> {
        if !self.resources.any_ever(tenant).await? {
            self.resources.insert(&Resource::default_for(tenant, self.clock.now())).await?;
        }
        Ok(())
    }

    // ---- appointment types ---------------------------------------------

    /// Every appointment type (a tenant with none gets the default first).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn appointment_types(&self, tenant: TenantId) -> Result<Vec<AppointmentType>> {
        let all = self.types.all(tenant).await?;
        if !all.is_empty() {
            return Ok(all);
        }
        self.types.insert(&AppointmentType::default_for(tenant, self.clock.now())).await?;
        self.types.all(tenant).await
    }

    /// One appointment type.
    ///
    /// # Errors
    /// `NotFound` (`appointment type`); `Storage`.
    pub async fn appointment_type(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<AppointmentType> {
        match self.types.get(tenant, id).await {
            Err(BookingsError::NotFound { .. }) if id.as_uuid() == tenant.as_uuid() => {
                self.appointment_types(tenant).await?;
                self.types.get(tenant, id).await
            }
            other => other,
        }
    }

    /// Creates an appointment type; its resources must be the tenant's.
    ///
    /// # Errors
    /// `Validation` (unknown resources under `resourceIds`); `Storage`.
    pub async fn create_appointment_type(
        &self,
        tenant: TenantId,
        input: AppointmentTypeInput,
    ) -> Result<AppointmentType> {
        self.check_resources(tenant, input.resource_ids.as_deref()).await?;
        let created = AppointmentType::create(tenant, input, self.clock.now())?;
        self.types.insert(&created).await?;
        Ok(created)
    }

    /// Changes an appointment type.
    ///
    /// # Errors
    /// `Validation`; `NotFound`; `Storage`.
    pub async fn update_appointment_type(
        &self,
        tenant: TenantId,
        id: AppointmentTypeId,
        input: AppointmentTypeInput,
    ) -> Result<AppointmentType> {
        let mut current = self.appointment_type(tenant, id).await?;
        self.check_resources(tenant, input.resource_ids.as_deref()).await?;
        current.apply(input, self.clock.now())?;
        self.types.update(&current).await?;
        Ok(current)
    }

    /// Deletes an appointment type (its bookings keep it).
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn delete_appointment_type(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<()> {
        self.appointment_type(tenant, id).await?;
        self.types.delete(tenant, id).await
    }

    async fn check_resources(&self, tenant: TenantId, ids: Option<&[ResourceId]>) -> Result<()> {
        let Some(ids) = ids.filter(|ids| !ids.is_empty()) else { return Ok(()) };
        self.ensure_default_resource(tenant).await?;
        let known: Vec<ResourceId> = self.resources.all(tenant).await?.into_iter().map(|r| r.id).collect();
        let mut errors = ValidationErrors::new();
        for (index, id) in ids.iter().enumerate() {
            if !known.contains(id) {
                errors.add(format!("resourceIds.{index}"), format!("no resource {id} in this sub-account"));
            }
        }
        errors.into_result().map_err(Into::into)
    }

    /// The type asked for, or the tenant's default (first active) one.
    async fn type_or_default(&self, tenant: TenantId, id: Option<AppointmentTypeId>) -> Result<AppointmentType> {
        let chosen = match id {
            Some(id) => self.appointment_type(tenant, id).await.map_err(|e| match e {
                BookingsError::NotFound { .. } => {
                    ValidationErrors::single("appointmentTypeId", "no such appointment type in this sub-account").into()
                }
                other => other,
            })?,
            None => self.appointment_types(tenant).await?.into_iter().find(|t| t.active).ok_or_else(|| {
                ValidationErrors::single("appointmentTypeId", "no active appointment type: create one")
            })?,
        };
        if !chosen.active {
            return Err(ValidationErrors::single("appointmentTypeId", "this appointment type is inactive").into());
        }
        Ok(chosen)
    }

    /// The active resources that can serve `kind` (one, when `only` is given), each with its schedule.
    async fn servers(
        &self,
        tenant: TenantId,
        kind: &AppointmentType,
        only: Option<ResourceId>,
    ) -> Result<(Schedule, Vec<(Resource, Schedule)>)> {
        self.ensure_default_resource(tenant).await?;
        let default = self.schedule(tenant).await?;
        let all = self.resources.all(tenant).await?;
        if let Some(id) = only {
            let Some(resource) = all.iter().find(|r| r.id == id) else {
                return Err(ValidationErrors::single("resourceId", "no such resource in this sub-account").into());
            };
            if !resource.active {
                return Err(ValidationErrors::single("resourceId", "this resource is inactive").into());
            }
            if !kind.served_by(id) {
                return Err(ValidationErrors::single(
                    "resourceId",
                    format!("this resource does not serve \"{}\"", kind.name),
                )
                .into());
            }
        }
        let servers = all
            .into_iter()
            .filter(|r| r.active && kind.served_by(r.id) && only.is_none_or(|id| id == r.id))
            .map(|r| {
                let schedule = r.schedule.clone().unwrap_or_else(|| default.clone());
                (r, schedule)
            })
            .collect();
        Ok((default, servers))
    }

    fn buffers(kind: &AppointmentType, schedule: &Schedule) -> (u32, u32) {
        (
            kind.buffer_before_minutes.unwrap_or(schedule.buffer_before_minutes),
            kind.buffer_after_minutes.unwrap_or(schedule.buffer_after_minutes),
        )
    }

    /// The use cases' clock (tools and callers that must agree with it on "now").
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Confirmed bookings, live holds and external busy blocks of `resources` around `window`.
    async fn busy(&self, tenant: TenantId, resources: &[ResourceId], window: TimeSlot) -> Result<Vec<Busy>> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let pad = Duration::minutes(BUSY_PADDING_MINUTES);
        let padded = TimeSlot::new(window.start() - pad, window.end() + pad).unwrap_or(window);
        let now = self.clock.now();
        let mut busy = self.bookings.busy(tenant, resources, padded, now).await?;
        busy.extend(self.calendar.busy(tenant, resources, padded).await?);
        Ok(busy)
    }

    // ---- availability --------------------------------------------------

    /// Free slots in a window.
    ///
    /// # Errors
    /// `Validation` (window, type, resource); `Storage`.
    pub async fn availability(&self, tenant: TenantId, query: AvailabilityQuery) -> Result<Availability> {
        let now = self.clock.now();
        let kind = self.type_or_default(tenant, query.appointment_type_id).await?;
        let (default, servers) = self.servers(tenant, &kind, query.resource_id).await?;
        let zone = default.time_zone;
        let from = match query.from {
            None => now,
            Some(bound) => start_of(bound, zone),
        };
        let to = match query.to {
            None => from + Duration::days(DEFAULT_WINDOW_DAYS),
            Some(bound) => end_of(bound, zone),
        };
        let mut errors = ValidationErrors::new();
        if to <= from {
            errors.add("to", "must be after from");
        } else if to - from > Duration::days(MAX_WINDOW_DAYS) {
            errors.add("to", format!("the window may span at most {MAX_WINDOW_DAYS} days"));
        }
        errors.into_result()?;
        let window = TimeSlot::new(from, to).map_err(|e| ValidationErrors::single("to", e))?;
        let ids: Vec<ResourceId> = servers.iter().map(|(r, _)| r.id).collect();
        let busy = self.busy(tenant, &ids, window).await?;
        let mut merged: BTreeMap<DateTime<Utc>, Slot> = BTreeMap::new();
        for (resource, schedule) in &servers {
            let blocks: Vec<TimeSlot> =
                busy.iter().filter(|b| b.resource_id == resource.id).map(|b| b.blocks).collect();
            let (before, after) = Self::buffers(&kind, schedule);
            let slot_query = SlotQuery {
                from,
                to,
                duration_minutes: kind.duration_minutes,
                buffer_before_minutes: before,
                buffer_after_minutes: after,
                now,
            };
            let calendar = ResourceCalendar { resource_id: resource.id, schedule, busy: &blocks };
            for slot in available_slots(&slot_query, std::slice::from_ref(&calendar)) {
                merged
                    .entry(slot.starts_at)
                    .and_modify(|s| s.resource_ids.push(resource.id))
                    .or_insert(Slot { resource_ids: vec![resource.id], ..slot });
            }
        }
        Ok(Availability { time_zone: zone, from, to, appointment_type: kind, slots: merged.into_values().collect() })
    }

    /// The candidates for `[starts_at, +duration)`: resources whose rules allow it, in order.
    async fn candidates(
        &self,
        tenant: TenantId,
        kind: &AppointmentType,
        only: Option<ResourceId>,
        starts_at: DateTime<Utc>,
    ) -> Result<(Tz, Vec<Candidate>)> {
        let now = self.clock.now();
        if starts_at.timestamp_subsec_nanos() != 0 || starts_at.timestamp() % 60 != 0 {
            return Err(
                ValidationErrors::single("startsAt", "must be on a whole minute (no seconds or fractions)").into()
            );
        }
        let ends_at = starts_at + Duration::minutes(i64::from(kind.duration_minutes));
        let (default, servers) = self.servers(tenant, kind, only).await?;
        if servers.is_empty() {
            return Err(ValidationErrors::single(
                "resourceId",
                format!("no active resource can serve \"{}\": add one or link it to the type", kind.name),
            )
            .into());
        }
        let mut candidates = Vec::new();
        let mut first_refusal = None;
        for (resource, schedule) in &servers {
            match check_slot(schedule, starts_at, ends_at, now) {
                Ok(()) => {
                    let (before, after) = Self::buffers(kind, schedule);
                    candidates.push(Candidate {
                        resource_id: resource.id,
                        blocks: occupied(starts_at, ends_at, before, after),
                    });
                }
                Err(rule) => {
                    if first_refusal.is_none() {
                        let own = resource.schedule.as_ref().map(|_| resource.name.clone());
                        first_refusal = Some(refusal(rule, starts_at, own));
                    }
                }
            }
        }
        if candidates.is_empty() {
            return Err(first_refusal.unwrap_or(BookingsError::SlotTaken { any: servers.len() > 1 }));
        }
        // Busy blocks from outside Frontdesk rule candidates out before the guarded write.
        let ids: Vec<ResourceId> = candidates.iter().map(|c| c.resource_id).collect();
        let span = TimeSlot::new(starts_at, ends_at).map_err(|e| ValidationErrors::single("startsAt", e))?;
        let external = self.calendar.busy(tenant, &ids, span).await?;
        let any = candidates.len() > 1;
        candidates.retain(|c| !external.iter().any(|b| b.resource_id == c.resource_id && b.blocks.overlaps(&c.blocks)));
        if candidates.is_empty() {
            return Err(BookingsError::SlotTaken { any });
        }
        Ok((default.time_zone, candidates))
    }

    // ---- holds ---------------------------------------------------------

    /// Holds a slot for [`Self::hold_ttl`].
    ///
    /// # Errors
    /// `Validation`; `OutsideHours`/`TooSoon`/`BeyondHorizon`; `SlotTaken`; `Storage`.
    pub async fn hold(&self, tenant: TenantId, request: HoldRequest) -> Result<Hold> {
        let kind = self.type_or_default(tenant, request.appointment_type_id).await?;
        let (_, candidates) = self.candidates(tenant, &kind, request.resource_id, request.starts_at).await?;
        let now = self.clock.now();
        let any = candidates.len() > 1;
        for candidate in candidates {
            let hold = Hold {
                id: HoldId::new(),
                tenant_id: tenant,
                resource_id: candidate.resource_id,
                appointment_type_id: kind.id,
                lead_id: request.lead_id,
                starts_at: request.starts_at,
                ends_at: request.starts_at + Duration::minutes(i64::from(kind.duration_minutes)),
                blocks: candidate.blocks,
                expires_at: now + self.hold_ttl,
                created_at: now,
            };
            match self.bookings.insert_hold(&hold, now).await {
                Ok(()) => return Ok(hold),
                Err(BookingsError::SlotTaken { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Err(BookingsError::SlotTaken { any })
    }

    /// One hold.
    ///
    /// # Errors
    /// `NotFound` (`hold`); `Storage`.
    pub async fn get_hold(&self, tenant: TenantId, id: HoldId) -> Result<Hold> {
        self.bookings.get_hold(tenant, id).await
    }

    /// Releases a hold.
    ///
    /// # Errors
    /// `NotFound` (`hold`); `Storage`.
    pub async fn release_hold(&self, tenant: TenantId, id: HoldId) -> Result<()> {
        self.bookings.delete_hold(tenant, id).await
    }

    // ---- bookings ------------------------------------------------------

    /// Books a lead.
    ///
    /// # Errors
    /// `Validation`; `NotFound` (`lead`); `OutsideHours`/`TooSoon`/`BeyondHorizon`;
    /// `HoldExpired`; `SlotTaken`; `Storage`.
    pub async fn book(&self, tenant: TenantId, request: BookingRequest) -> Result<Booked> {
        let now = self.clock.now();
        let notes = clean_text("notes", request.notes.as_deref(), Booking::MAX_NOTES_CHARS)?;
        let (kind_id, only) = match request.hold_id {
            Some(hold_id) => {
                let hold = match self.bookings.get_hold(tenant, hold_id).await {
                    Ok(hold) if hold.is_live(now) => hold,
                    Ok(_) => return Err(BookingsError::HoldExpired(format!("hold {hold_id} has expired"))),
                    Err(BookingsError::NotFound { .. }) => {
                        return Err(BookingsError::HoldExpired(format!(
                            "hold {hold_id} was released or never existed"
                        )));
                    }
                    Err(other) => return Err(other),
                };
                let mut errors = ValidationErrors::new();
                if hold.starts_at != request.starts_at {
                    errors.add("startsAt", format!("must be the held start, {}", hold.starts_at.to_rfc3339()));
                }
                if request.resource_id.is_some_and(|r| r != hold.resource_id) {
                    errors.add("resourceId", "must be the held resource (or left out)");
                }
                if request.appointment_type_id.is_some_and(|t| t != hold.appointment_type_id) {
                    errors.add("appointmentTypeId", "must be the held appointment type (or left out)");
                }
                if hold.lead_id.is_some_and(|l| l != request.lead_id) {
                    errors.add("holdId", "this hold is for another lead");
                }
                errors.into_result()?;
                (Some(hold.appointment_type_id), Some(hold.resource_id))
            }
            None => (request.appointment_type_id, request.resource_id),
        };
        let kind = self.type_or_default(tenant, kind_id).await?;
        let (zone, candidates) = self.candidates(tenant, &kind, only, request.starts_at).await?;
        let (token, hash) = self.tokens.issue()?;
        let ends_at = request.starts_at + Duration::minutes(i64::from(kind.duration_minutes));
        let draft = Booking {
            id: BookingId::new(),
            tenant_id: tenant,
            lead_id: request.lead_id,
            resource_id: candidates[0].resource_id,
            appointment_type_id: kind.id,
            starts_at: request.starts_at,
            ends_at,
            blocks: candidates[0].blocks,
            status: BookingStatus::Confirmed,
            notes,
            cancel_reason: None,
            manage_token_hash: hash,
            reschedule_count: 0,
            created_at: now,
            updated_at: now,
        };
        let entry = entry(
            format!("Booked {} for {}", kind.name, local_label(request.starts_at, zone)),
            meta(&draft, "booked", None),
            true,
        )?;
        let booking = self.bookings.insert_booking(&draft, &candidates, request.hold_id, &entry, now).await?;
        self.leads.lead_changed(tenant, booking.lead_id).await;
        self.notices.changed(&booking, BookingMessage::Confirmation, zone, &kind.name, Some(&token)).await;
        Ok(Booked { booking, manage_token: token })
    }

    /// One booking.
    ///
    /// # Errors
    /// `NotFound` (`booking`); `Storage`.
    pub async fn booking(&self, tenant: TenantId, id: BookingId) -> Result<Booking> {
        self.bookings.get(tenant, id).await
    }

    /// A page of bookings.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list(&self, tenant: TenantId, filter: &BookingFilter, page: PageRequest) -> Result<Page<Booking>> {
        self.bookings.list(tenant, filter, page).await
    }

    /// Moves and/or closes a booking.
    ///
    /// # Errors
    /// `Validation` (nothing asked, or `confirmed` asked); `NotFound`; the rules of
    /// [`Self::book`] for a new time; `InvalidTransition`; `Storage`.
    pub async fn change(
        &self,
        tenant: TenantId,
        id: BookingId,
        change: BookingChange,
        party: Party,
    ) -> Result<Booking> {
        if change.starts_at.is_none() && change.status.is_none() {
            return Err(ValidationErrors::single("body", "send startsAt (to move it) or status").into());
        }
        if change.status == Some(BookingStatus::Confirmed) {
            return Err(ValidationErrors::single("status", "must be cancelled, completed or no_show").into());
        }
        let mut booking = self.bookings.get(tenant, id).await?;
        if let Some(starts_at) = change.starts_at {
            booking = self.reschedule(booking, starts_at, party).await?;
        }
        if let Some(status) = change.status {
            booking = self.close(booking, status, None, party).await?;
        }
        Ok(booking)
    }

    /// Cancels a booking.
    ///
    /// # Errors
    /// `Validation` (`reason`); `NotFound`; `InvalidTransition`; `Storage`.
    pub async fn cancel(
        &self,
        tenant: TenantId,
        id: BookingId,
        reason: Option<String>,
        party: Party,
    ) -> Result<Booking> {
        let reason = clean_text("reason", reason.as_deref(), Booking::MAX_REASON_CHARS)?;
        let booking = self.bookings.get(tenant, id).await?;
        self.close(booking, BookingStatus::Cancelled, reason, party).await
    }

    /// The booking of a self-service token.
    ///
    /// # Errors
    /// `NotFound` (`booking`); `Storage`.
    pub async fn by_token(&self, token: &str) -> Result<Booking> {
        if token.is_empty() || token.len() > 128 {
            return Err(BookingsError::NotFound { entity: "booking" });
        }
        self.bookings.by_token_hash(&self.tokens.hash(token)).await
    }

    async fn reschedule(&self, booking: Booking, starts_at: DateTime<Utc>, party: Party) -> Result<Booking> {
        if booking.status != BookingStatus::Confirmed {
            return Err(BookingsError::InvalidTransition { from: booking.status, to: BookingStatus::Confirmed });
        }
        let now = self.clock.now();
        if party == Party::Customer && booking.starts_at <= now {
            return Err(BookingsError::Conflict("the appointment has already started".into()));
        }
        let tenant = booking.tenant_id;
        let duration = booking.ends_at - booking.starts_at;
        let mut kind = match self.types.get(tenant, booking.appointment_type_id).await {
            Ok(kind) => kind,
            Err(BookingsError::NotFound { .. }) => AppointmentType::default_for(tenant, now),
            Err(other) => return Err(other),
        };
        kind.duration_minutes = u32::try_from(duration.num_minutes()).unwrap_or(kind.duration_minutes);
        kind.resource_ids = Vec::new();
        kind.active = true;
        let (zone, candidates) = self.candidates(tenant, &kind, Some(booking.resource_id), starts_at).await?;
        let Some(candidate) = candidates.first() else { return Err(BookingsError::SlotTaken { any: false }) };
        let ends_at = starts_at + duration;
        let mut entry_meta = meta(&booking, "rescheduled", None);
        entry_meta.insert("previousStartsAt".into(), json!(booking.starts_at.to_rfc3339()));
        entry_meta.insert("startsAt".into(), json!(starts_at.to_rfc3339()));
        entry_meta.insert("endsAt".into(), json!(ends_at.to_rfc3339()));
        entry_meta.insert("by".into(), json!(party_name(party)));
        let entry = entry(
            format!("Rescheduled from {} to {}", local_label(booking.starts_at, zone), local_label(starts_at, zone)),
            entry_meta,
            false,
        )?;
        let moved =
            self.bookings.reschedule(tenant, booking.id, starts_at, ends_at, candidate.blocks, &entry, now).await?;
        self.leads.lead_changed(tenant, moved.lead_id).await;
        self.notices.changed(&moved, BookingMessage::Rescheduled, zone, &kind.name, None).await;
        Ok(moved)
    }

    async fn close(
        &self,
        booking: Booking,
        to: BookingStatus,
        reason: Option<String>,
        party: Party,
    ) -> Result<Booking> {
        if !booking.status.can_transition_to(to) {
            return Err(BookingsError::InvalidTransition { from: booking.status, to });
        }
        let now = self.clock.now();
        if party == Party::Customer && booking.starts_at <= now {
            return Err(BookingsError::Conflict("the appointment has already started".into()));
        }
        let zone = self.schedule(booking.tenant_id).await.map(|s| s.time_zone).unwrap_or(Tz::UTC);
        let verb = match to {
            BookingStatus::Cancelled => "Cancelled",
            BookingStatus::Completed => "Completed",
            BookingStatus::NoShow => "No-show for",
            BookingStatus::Confirmed => "Confirmed",
        };
        let mut entry_meta = meta(&booking, to.as_str(), reason.as_deref());
        entry_meta.insert("by".into(), json!(party_name(party)));
        let entry = entry(
            format!(
                "{verb} the appointment of {}{}",
                local_label(booking.starts_at, zone),
                reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            entry_meta,
            false,
        )?;
        let closed = self.bookings.set_status(booking.tenant_id, booking.id, to, reason, &entry, now).await?;
        self.leads.lead_changed(closed.tenant_id, closed.lead_id).await;
        if to == BookingStatus::Cancelled {
            let name = match self.types.get(closed.tenant_id, closed.appointment_type_id).await {
                Ok(kind) => kind.name,
                Err(_) => AppointmentType::default_for(closed.tenant_id, now).name,
            };
            self.notices.changed(&closed, BookingMessage::Cancelled, zone, &name, None).await;
        }
        Ok(closed)
    }
}

/// The rule a refused time broke, as the error that names it.
fn refusal(rule: SlotRule, starts_at: DateTime<Utc>, resource: Option<String>) -> BookingsError {
    match rule {
        SlotRule::OutsideHours => BookingsError::OutsideHours { starts_at, resource },
        SlotRule::TooSoon { earliest } => BookingsError::TooSoon { earliest },
        SlotRule::BeyondHorizon { latest } => BookingsError::BeyondHorizon { latest },
    }
}

fn party_name(party: Party) -> &'static str {
    match party {
        Party::Staff => "staff",
        Party::Customer => "customer",
    }
}

/// Trimmed optional text, bounded and free of control characters; blank is `None`.
fn clean_text(field: &str, text: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > max {
        return Err(ValidationErrors::single(field, format!("must be at most {max} characters")).into());
    }
    check_text(text).map_err(|e| ValidationErrors::single(field, e))?;
    Ok(Some(text.to_owned()))
}

/// The timeline meta of a booking event.
fn meta(booking: &Booking, action: &str, reason: Option<&str>) -> serde_json::Map<String, serde_json::Value> {
    let mut meta = serde_json::Map::new();
    meta.insert("action".into(), json!(action));
    meta.insert("bookingId".into(), json!(booking.id.to_string()));
    meta.insert("resourceId".into(), json!(booking.resource_id.to_string()));
    meta.insert("appointmentTypeId".into(), json!(booking.appointment_type_id.to_string()));
    meta.insert("startsAt".into(), json!(booking.starts_at.to_rfc3339()));
    meta.insert("endsAt".into(), json!(booking.ends_at.to_rfc3339()));
    if let Some(reason) = reason {
        meta.insert("reason".into(), json!(reason));
    }
    meta
}

/// A timeline entry (its meta holds ids, instants and checked text, so it always fits).
fn entry(
    content: String,
    meta: serde_json::Map<String, serde_json::Value>,
    mark_booked: bool,
) -> Result<TimelineEntry> {
    let meta = JsonObject::parse(serde_json::Value::Object(meta)).map_err(|e| ValidationErrors::single("meta", e))?;
    Ok(TimelineEntry { content, meta, mark_booked })
}

/// `Tue 8 Dec 2026, 15:00 (America/New_York)`.
#[must_use]
pub fn local_label(at: DateTime<Utc>, zone: Tz) -> String {
    format!("{} ({})", at.with_timezone(&zone).format("%a %-d %b %Y, %H:%M"), zone.name())
}

/// The first instant of a bound used as a window's start.
fn start_of(bound: TimeBound, zone: Tz) -> DateTime<Utc> {
    match bound {
        TimeBound::Instant(at) => at,
        TimeBound::Date(date) => local_midnight(date, zone),
    }
}

/// The instant after a bound used as a window's end (a date includes its whole day).
fn end_of(bound: TimeBound, zone: Tz) -> DateTime<Utc> {
    match bound {
        TimeBound::Instant(at) => at,
        TimeBound::Date(date) => local_midnight(date.succ_opt().unwrap_or(date), zone),
    }
}

/// The first instant of `date` in `zone` (a day starting inside a DST gap starts when the clock resumes).
fn local_midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..=180)
        .find_map(|m| zone.from_local_datetime(&(midnight + Duration::minutes(m))).earliest())
        .map_or_else(|| Utc.from_utc_datetime(&midnight), |at| at.with_timezone(&Utc))
}
