//! Availability: the free slots of a schedule, as UTC instants, DST-correct.
// TEMP signatures until the engine branch lands (replaced wholesale on merge).
use crate::ids::ResourceId;
use crate::schedule::Schedule;
use crate::slot::TimeSlot;
use chrono::{DateTime, Utc};
/// TEMP.
pub struct ResourceCalendar<'a> { /// r
pub resource_id: ResourceId, /// s
pub schedule: &'a Schedule, /// b
pub busy: &'a [TimeSlot] }
/// TEMP.
pub struct SlotQuery { /// f
pub from: DateTime<Utc>, /// t
pub to: DateTime<Utc>, /// d
pub duration_minutes: u32, /// b
pub buffer_before_minutes: u32, /// a
pub buffer_after_minutes: u32, /// n
pub now: DateTime<Utc> }
/// TEMP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot { /// s
pub starts_at: DateTime<Utc>, /// e
pub ends_at: DateTime<Utc>, /// r
pub resource_ids: Vec<ResourceId> }
/// TEMP.
#[must_use]
pub fn available_slots(_query: &SlotQuery, _resources: &[ResourceCalendar<'_>]) -> Vec<Slot> { unimplemented!() }
/// TEMP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotRule { /// o
OutsideHours, /// t
TooSoon { /// e
earliest: DateTime<Utc> }, /// b
BeyondHorizon { /// l
latest: DateTime<Utc> } }
/// TEMP.
/// # Errors
/// x
pub fn check_slot(_s: &Schedule, _a: DateTime<Utc>, _b: DateTime<Utc>, _n: DateTime<Utc>) -> Result<(), SlotRule> { unimplemented!() }
/// TEMP.
#[must_use]
pub fn occupied(_a: DateTime<Utc>, _b: DateTime<Utc>, _x: u32, _y: u32) -> TimeSlot { unimplemented!() }
