//! The JSON shapes of scheduling: resources, appointment types, schedules,
//! slots, holds and bookings, and the request bodies.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk_bookings::availability::Slot;
use frontdesk_bookings::service::{ScheduleStatusView, local_label};
use frontdesk_bookings::{AppointmentType, Booking, Hold, Resource, Schedule};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A local wall time with its offset, e.g. `2026-03-08T03:00:00-04:00`.
pub fn local_iso(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A bookable resource.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceBody {
    id: String,
    name: String,
    /// `staff|room|equipment|other`.
    kind: String,
    /// The member it is, for staff.
    user_id: Option<String>,
    /// Inactive resources are never offered.
    active: bool,
    /// Whether it has its own hours (`GET /api/v1/resources/{id}/schedule`); otherwise the sub-account's apply.
    has_own_schedule: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&Resource> for ResourceBody {
    fn from(r: &Resource) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            kind: r.kind.as_str().to_owned(),
            user_id: r.user_id.map(|u| u.to_string()),
            active: r.active,
            has_own_schedule: r.schedule.is_some(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Tells "absent" (`None`) from "null" (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Create request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateResourceBody {
    /// 1–120 characters.
    pub name: Option<String>,
    /// `staff` (default), `room`, `equipment` or `other`.
    pub kind: Option<String>,
    /// A member of this sub-account.
    pub user_id: Option<String>,
}

/// Change request: absent fields stay; `userId: null` unlinks.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateResourceBody {
    /// 1–120 characters.
    pub name: Option<String>,
    /// `staff|room|equipment|other`.
    pub kind: Option<String>,
    /// A member of this sub-account, or null.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub user_id: Option<Option<String>>,
    /// Whether it is offered.
    pub active: Option<bool>,
}

/// An appointment type.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentTypeBody {
    id: String,
    name: String,
    duration_minutes: u32,
    /// `null`: the schedule's buffer applies.
    buffer_before_minutes: Option<u32>,
    /// `null`: the schedule's buffer applies.
    buffer_after_minutes: Option<u32>,
    /// Who can serve it; empty = any active resource.
    resource_ids: Vec<String>,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&AppointmentType> for AppointmentTypeBody {
    fn from(t: &AppointmentType) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            duration_minutes: t.duration_minutes,
            buffer_before_minutes: t.buffer_before_minutes,
            buffer_after_minutes: t.buffer_after_minutes,
            resource_ids: t.resource_ids.iter().map(ToString::to_string).collect(),
            active: t.active,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Create or change request of an appointment type (create: `name` and `durationMinutes` required).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppointmentTypeRequest {
    /// 1–120 characters.
    pub name: Option<String>,
    /// 5–480.
    pub duration_minutes: Option<i64>,
    /// 0–240, or null for the schedule's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub buffer_before_minutes: Option<Option<i64>>,
    /// 0–240, or null for the schedule's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub buffer_after_minutes: Option<Option<i64>>,
    /// Resource ids; empty = any.
    pub resource_ids: Option<Vec<String>>,
    /// Whether it can be booked.
    pub active: Option<bool>,
}

/// One opening range, wall-clock `HH:MM` (`end` may be `24:00`).
#[derive(Serialize, ToSchema)]
pub struct TimeRangeBody {
    /// `HH:MM`.
    start: String,
    /// `HH:MM`, after `start`; `24:00` = midnight.
    end: String,
}

/// A date whose hours differ (`hours: []` = closed).
#[derive(Serialize, ToSchema)]
pub struct DateExceptionBody {
    /// `YYYY-MM-DD`.
    date: String,
    hours: Vec<TimeRangeBody>,
    /// Why, at most 120 characters.
    label: Option<String>,
}

/// Weekly opening ranges; a day with none is closed.
#[derive(Serialize, ToSchema)]
pub struct WeeklyHoursBody {
    monday: Vec<TimeRangeBody>,
    tuesday: Vec<TimeRangeBody>,
    wednesday: Vec<TimeRangeBody>,
    thursday: Vec<TimeRangeBody>,
    friday: Vec<TimeRangeBody>,
    saturday: Vec<TimeRangeBody>,
    sunday: Vec<TimeRangeBody>,
}

/// Hours and booking rules. As a request (`PUT`) every member is optional:
/// `timeZone` defaults to the sub-account's, `weeklyHours` to Monday–Friday
/// 09:00–17:00, and the rules to their defaults. Ranges of a day must not
/// overlap (touching ranges are merged); every bad field is listed in one 400.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents the schedule's wire form (the domain serializes it)")]
pub struct ScheduleBody {
    /// IANA time zone.
    time_zone: String,
    weekly_hours: WeeklyHoursBody,
    /// At most 366, one per date.
    exceptions: Vec<DateExceptionBody>,
    /// Slots start every this many minutes from each opening, 5–240 (default 15).
    granularity_minutes: u32,
    /// 0–240 (default 0).
    buffer_before_minutes: u32,
    /// 0–240 (default 0).
    buffer_after_minutes: u32,
    /// 0–43200 (default 120).
    min_notice_minutes: u32,
    /// 1–730 (default 60).
    horizon_days: u32,
}

/// One opening range as sent.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the request form")]
pub struct TimeRangeRequest {
    /// `HH:MM` (`HH:MM:SS` with `:00` accepted).
    start: String,
    /// `HH:MM`, after `start`; `24:00` = midnight.
    end: String,
}

/// A date exception as sent; no `hours` (or `[]`/`null`) = closed that day.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the request form")]
pub struct DateExceptionRequest {
    /// `YYYY-MM-DD`.
    date: String,
    hours: Option<Vec<TimeRangeRequest>>,
    /// At most 120 characters.
    label: Option<String>,
}

/// Weekly hours as sent: day names in any case; a day left out (or `null`) is closed.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the request form")]
pub struct WeeklyHoursRequest {
    monday: Option<Vec<TimeRangeRequest>>,
    tuesday: Option<Vec<TimeRangeRequest>>,
    wednesday: Option<Vec<TimeRangeRequest>>,
    thursday: Option<Vec<TimeRangeRequest>>,
    friday: Option<Vec<TimeRangeRequest>>,
    saturday: Option<Vec<TimeRangeRequest>>,
    sunday: Option<Vec<TimeRangeRequest>>,
}

/// A schedule as sent (`PUT`): every member optional — `timeZone` defaults to
/// the sub-account's, `weeklyHours` to Monday–Friday 09:00–17:00, the rules to
/// their defaults. Every bad field is listed in one 400.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents the request form")]
pub struct ScheduleRequest {
    /// IANA time zone.
    time_zone: Option<String>,
    weekly_hours: Option<WeeklyHoursRequest>,
    /// At most 366, one per date.
    exceptions: Option<Vec<DateExceptionRequest>>,
    /// 5–240.
    granularity_minutes: Option<i64>,
    /// 0–240.
    buffer_before_minutes: Option<i64>,
    /// 0–240.
    buffer_after_minutes: Option<i64>,
    /// 0–43200.
    min_notice_minutes: Option<i64>,
    /// 1–730.
    horizon_days: Option<i64>,
}

/// A resource's schedule: its own (or `null`) and the one that applies.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceScheduleBody {
    #[schema(value_type = Option<ScheduleBody>)]
    pub own: Option<Schedule>,
    #[schema(value_type = ScheduleBody)]
    pub effective: Schedule,
}

/// Open now?
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleStatusBody {
    open: bool,
    /// The sub-account's local time now, with its offset.
    local_time: String,
    time_zone: String,
    /// When it next opens (`null`: never within 400 days).
    next_open: Option<DateTime<Utc>>,
    /// When it next closes.
    next_close: Option<DateTime<Utc>>,
}

impl From<&ScheduleStatusView> for ScheduleStatusBody {
    fn from(s: &ScheduleStatusView) -> Self {
        Self {
            open: s.status.open,
            local_time: local_iso(s.now, s.status.time_zone),
            time_zone: s.status.time_zone.name().to_owned(),
            next_open: s.status.next_open,
            next_close: s.status.next_close,
        }
    }
}

/// A free slot.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlotBody {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// The start as local wall time with its offset, in `timeZone`.
    local_start: String,
    /// E.g. `Tue 8 Dec 2026, 15:00 (America/New_York)`.
    label: String,
    time_zone: String,
    /// The resources free then, in order of preference.
    resource_ids: Vec<String>,
}

impl SlotBody {
    /// The slot, shown in `zone`.
    pub fn new(slot: &Slot, zone: Tz) -> Self {
        Self {
            starts_at: slot.starts_at,
            ends_at: slot.ends_at,
            local_start: local_iso(slot.starts_at, zone),
            label: local_label(slot.starts_at, zone),
            time_zone: zone.name().to_owned(),
            resource_ids: slot.resource_ids.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Free slots.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityBody {
    /// The window searched.
    pub from: DateTime<Utc>,
    /// The window searched.
    pub to: DateTime<Utc>,
    pub time_zone: String,
    pub appointment_type_id: String,
    pub duration_minutes: u32,
    pub slots: Vec<SlotBody>,
}

/// A hold.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldBody {
    id: String,
    resource_id: String,
    appointment_type_id: String,
    lead_id: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// It blocks the slot until then; book with `holdId` before.
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl From<&Hold> for HoldBody {
    fn from(h: &Hold) -> Self {
        Self {
            id: h.id.to_string(),
            resource_id: h.resource_id.to_string(),
            appointment_type_id: h.appointment_type_id.to_string(),
            lead_id: h.lead_id.map(|l| l.to_string()),
            starts_at: h.starts_at,
            ends_at: h.ends_at,
            expires_at: h.expires_at,
            created_at: h.created_at,
        }
    }
}

/// Hold request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HoldRequestBody {
    /// RFC 3339 instant.
    pub starts_at: Option<String>,
    pub appointment_type_id: Option<String>,
    /// Default: the first free resource that serves the type.
    pub resource_id: Option<String>,
    pub lead_id: Option<String>,
}

/// A booking.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingBody {
    id: String,
    lead_id: String,
    resource_id: String,
    appointment_type_id: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// `confirmed|cancelled|completed|no_show`.
    status: String,
    notes: Option<String>,
    cancel_reason: Option<String>,
    reschedule_count: u32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Shown once, on creation: the customer's self-service link is `/b/{manageToken}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    manage_token: Option<String>,
}

impl BookingBody {
    /// The booking, with its token when just created.
    pub fn new(b: &Booking, token: Option<String>) -> Self {
        Self {
            id: b.id.to_string(),
            lead_id: b.lead_id.to_string(),
            resource_id: b.resource_id.to_string(),
            appointment_type_id: b.appointment_type_id.to_string(),
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            status: b.status.as_str().to_owned(),
            notes: b.notes.clone(),
            cancel_reason: b.cancel_reason.clone(),
            reschedule_count: b.reschedule_count,
            created_at: b.created_at,
            updated_at: b.updated_at,
            manage_token: token,
        }
    }
}

/// Booking request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBookingBody {
    pub lead_id: Option<String>,
    /// RFC 3339 instant.
    pub starts_at: Option<String>,
    pub appointment_type_id: Option<String>,
    /// Default: the first free resource that serves the type (or the hold's).
    pub resource_id: Option<String>,
    /// A live hold of this slot to convert.
    pub hold_id: Option<String>,
    /// At most 2000 characters.
    pub notes: Option<String>,
}

/// Change request: a new `startsAt` reschedules (same duration and resource); `status` records the outcome.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateBookingBody {
    /// RFC 3339 instant.
    pub starts_at: Option<String>,
    /// `cancelled|completed|no_show`.
    pub status: Option<String>,
}

/// Cancellation.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelBody {
    /// At most 500 characters.
    pub reason: Option<String>,
}

/// Self-service reschedule.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RescheduleBody {
    /// RFC 3339 instant.
    pub starts_at: Option<String>,
}

/// What the customer sees of their booking.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicBookingBody {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    local_start: String,
    label: String,
    time_zone: String,
    /// `confirmed|cancelled|completed|no_show`.
    status: String,
}

impl PublicBookingBody {
    /// The booking shown in `zone`.
    pub fn new(b: &Booking, zone: Tz) -> Self {
        Self {
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            local_start: local_iso(b.starts_at, zone),
            label: local_label(b.starts_at, zone),
            time_zone: zone.name().to_owned(),
            status: b.status.as_str().to_owned(),
        }
    }
}
