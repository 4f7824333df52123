//! Open now: whether a schedule is open at an instant, and when it next opens and closes.
// TEMP signatures until the engine branch lands (replaced wholesale on merge).
use crate::schedule::Schedule;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
/// TEMP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleStatus { /// o
pub open: bool, /// l
pub local_time: NaiveDateTime, /// z
pub time_zone: Tz, /// n
pub next_open: Option<DateTime<Utc>>, /// c
pub next_close: Option<DateTime<Utc>> }
/// TEMP.
#[must_use]
pub fn status_at(_s: &Schedule, _now: DateTime<Utc>) -> ScheduleStatus { unimplemented!() }
