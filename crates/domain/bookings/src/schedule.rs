//! A schedule: when a sub-account (or one resource) takes appointments.
//!
//! Wall-clock hours in an IANA zone — several ranges a day, date exceptions
//! (closed days, half days, extra openings) — plus the booking rules that
//! go with them: slot granularity, buffers, minimum notice and horizon.
//! Everything here is pure; [`crate::availability`] turns a schedule into
//! instants and [`crate::status`] answers "are we open now?".
//!
//! Wire form (camelCase JSON, also how it is stored):
//! `{"timeZone":"America/New_York","weeklyHours":{"monday":[{"start":"08:00","end":"12:00"},…],…},
//!   "exceptions":[{"date":"2026-12-25","hours":[],"label":"Christmas"}],
//!   "granularityMinutes":15,"bufferBeforeMinutes":0,"bufferAfterMinutes":0,
//!   "minNoticeMinutes":120,"horizonDays":60}`.
//! `end` may be `"24:00"` (until midnight); an exception with no `hours` is a closed day.

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
#[allow(unused_imports, reason = "the wire form is being written")]
use serde::{Deserialize, Serialize};

/// Minutes since local midnight, `0..=1440` (`1440` is the midnight that ends the day).
pub type WallMinute = u16;

/// One opening range of a day, `start < end`, wall-clock minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeRange {
    /// Opening, minutes since midnight.
    pub start: WallMinute,
    /// Closing, minutes since midnight (`1440` = midnight at the end of the day).
    pub end: WallMinute,
}

/// Opening ranges for each weekday, Monday first; each day's ranges sorted and disjoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    /// Index `Weekday::num_days_from_monday()`.
    pub days: [Vec<TimeRange>; 7],
}

impl WeeklyHours {
    /// The ranges of `day` (empty: closed).
    #[must_use]
    pub fn on(&self, day: Weekday) -> &[TimeRange] {
        &self.days[day.num_days_from_monday() as usize]
    }
}

/// A date whose hours differ from its weekday's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateException {
    /// The local date.
    pub date: NaiveDate,
    /// That day's ranges; empty = closed all day.
    pub hours: Vec<TimeRange>,
    /// Why (`"Christmas"`), at most 120 characters.
    pub label: Option<String>,
}

/// Hours and booking rules, in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The zone the hours are wall-clock times in.
    pub time_zone: Tz,
    /// The regular week.
    pub weekly_hours: WeeklyHours,
    /// Dates that differ, sorted by date, one per date.
    pub exceptions: Vec<DateException>,
    /// Slots start every this many minutes from each range's opening (5–240, default 15).
    pub granularity_minutes: u32,
    /// Time kept free before each appointment (0–240, default 0).
    pub buffer_before_minutes: u32,
    /// Time kept free after each appointment (0–240, default 0).
    pub buffer_after_minutes: u32,
    /// Nothing can be booked sooner than this after now (0–43200, default 120).
    pub min_notice_minutes: u32,
    /// Nothing can be booked further ahead than this many days (1–730, default 60).
    pub horizon_days: u32,
}
// TEMP signatures until the engine branch lands (replaced wholesale on merge).
impl Schedule {
    /// TEMP.
    #[must_use]
    pub fn default_in(_tz: Tz) -> Self { unimplemented!() }
    /// TEMP.
    /// # Errors
    /// x
    pub fn parse(_v: &serde_json::Value, _tz: Tz) -> Result<Self, frontdesk_kernel::ValidationErrors> { unimplemented!() }
}
impl WeeklyHours {
    /// TEMP.
    /// # Errors
    /// x
    pub fn parse_business_hours(_v: &serde_json::Value) -> Result<Self, frontdesk_kernel::ValidationErrors> { unimplemented!() }
}
impl Serialize for Schedule { fn serialize<S: serde::Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> { unimplemented!() } }
impl<'de> Deserialize<'de> for Schedule { fn deserialize<D: serde::Deserializer<'de>>(_d: D) -> Result<Self, D::Error> { unimplemented!() } }
