//! Availability: the free slots of a schedule, as UTC instants, DST-correct.
//!
//! Hours are wall-clock times in the schedule's zone, but bookings are
//! instants, so every opening range becomes a real interval first: it opens
//! at the earliest instant at or after its wall start (the first valid one
//! after a spring-forward gap) and closes at the latest instant of its wall
//! end (`24:00` is the next day's midnight). Candidate starts walk the wall
//! clock on the schedule's grid; a wall time that does not exist yields no
//! slot and one that exists twice yields one, at its earlier instant. The
//! same conversion backs [`check_slot`] (is a requested time bookable?) and
//! [`crate::status`] (are we open now?), so the three never disagree.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::ids::ResourceId;
use crate::schedule::{Schedule, TimeRange, WallMinute};
use crate::slot::TimeSlot;

/// One bookable resource: its schedule and what already occupies it.
#[derive(Clone, Copy, Debug)]
pub struct ResourceCalendar<'a> {
    /// The resource.
    pub resource_id: ResourceId,
    /// Its hours and booking rules.
    pub schedule: &'a Schedule,
    /// Occupied intervals (other bookings with their buffers, holds), in any order.
    pub busy: &'a [TimeSlot],
}

/// What is being looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotQuery {
    /// Slots start at or after this.
    pub from: DateTime<Utc>,
    /// Slots end at or before this.
    pub to: DateTime<Utc>,
    /// Appointment length, 1–1440 minutes (anything else finds nothing).
    pub duration_minutes: u32,
    /// Time that must be free before the appointment.
    pub buffer_before_minutes: u32,
    /// Time that must be free after the appointment.
    pub buffer_after_minutes: u32,
    /// The current instant, for minimum notice and horizon.
    pub now: DateTime<Utc>,
}

/// A free slot and every resource free for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends (start plus the queried duration, in real time).
    pub ends_at: DateTime<Utc>,
    /// The resources free then, in the order they were given.
    pub resource_ids: Vec<ResourceId>,
}

/// Why a requested time cannot be booked on a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotRule {
    /// Not inside one opening range of the schedule.
    OutsideHours,
    /// Sooner than the minimum notice allows.
    TooSoon {
        /// The earliest bookable start.
        earliest: DateTime<Utc>,
    },
    /// Further ahead than the horizon allows.
    BeyondHorizon {
        /// The latest bookable start.
        latest: DateTime<Utc>,
    },
}

impl std::fmt::Display for SlotRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OutsideHours => f.write_str("is outside opening hours"),
            Self::TooSoon { earliest } => write!(f, "is too soon: the earliest start is {}", earliest.to_rfc3339()),
            Self::BeyondHorizon { latest } => {
                write!(f, "is too far ahead: the latest start is {}", latest.to_rfc3339())
            }
        }
    }
}

/// The free slots of `query` across `resources`: one [`Slot`] per start,
/// naming every resource free then, sorted by start.
#[must_use]
pub fn available_slots(query: &SlotQuery, resources: &[ResourceCalendar<'_>]) -> Vec<Slot> {
    if query.duration_minutes == 0 || query.duration_minutes > 1440 {
        return Vec::new();
    }
    let duration = minutes(query.duration_minutes);
    let mut by_start: BTreeMap<DateTime<Utc>, Vec<ResourceId>> = BTreeMap::new();
    for resource in resources {
        for start in resource_starts(query, resource) {
            by_start.entry(start).or_default().push(resource.resource_id);
        }
    }
    by_start
        .into_iter()
        .map(|(starts_at, resource_ids)| Slot { starts_at, ends_at: starts_at + duration, resource_ids })
        .collect()
}

/// Checks a requested `[starts_at, ends_at)` against `schedule`'s rules
/// (notice, then horizon, then hours); it need not sit on the slot grid.
///
/// # Errors
/// The first rule broken.
pub fn check_slot(
    schedule: &Schedule,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), SlotRule> {
    let earliest = now + minutes(schedule.min_notice_minutes);
    if starts_at < earliest {
        return Err(SlotRule::TooSoon { earliest });
    }
    let latest = now + Duration::days(i64::from(schedule.horizon_days));
    if starts_at > latest {
        return Err(SlotRule::BeyondHorizon { latest });
    }
    if inside_hours(schedule, starts_at, ends_at) { Ok(()) } else { Err(SlotRule::OutsideHours) }
}

/// What an appointment keeps busy: `[starts_at - before, ends_at + after)`.
/// An `ends_at` not after `starts_at` counts as one second long, so the
/// interval is never empty.
#[must_use]
pub fn occupied(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    buffer_before_minutes: u32,
    buffer_after_minutes: u32,
) -> TimeSlot {
    let ends_at = ends_at.max(starts_at + Duration::seconds(1));
    TimeSlot { start: starts_at - minutes(buffer_before_minutes), end: ends_at + minutes(buffer_after_minutes) }
}

fn minutes(count: u32) -> Duration {
    Duration::minutes(i64::from(count))
}

/// Whether `[starts_at, ends_at)` lies inside one opening range's real interval.
fn inside_hours(schedule: &Schedule, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> bool {
    if ends_at <= starts_at {
        return false;
    }
    let tz = schedule.time_zone;
    let date = starts_at.with_timezone(&tz).date_naive();
    around(date).any(|day| {
        schedule
            .ranges_on(day)
            .iter()
            .filter_map(|range| real_interval(tz, day, *range))
            .any(|(open, close)| open <= starts_at && ends_at <= close)
    })
}

/// The day before `date`, `date` and the day after (fewer at the calendar's ends).
fn around(date: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    [date.pred_opt(), Some(date), date.succ_opt()].into_iter().flatten()
}

/// The local wall time `minute` minutes after `date`'s midnight (`1440`: the next midnight).
pub(crate) fn wall(date: NaiveDate, minute: WallMinute) -> Option<NaiveDateTime> {
    date.and_time(NaiveTime::MIN).checked_add_signed(Duration::minutes(i64::from(minute)))
}

/// The earliest instant showing `wall` in `tz`; `None` in a gap.
pub(crate) fn earliest_instant(tz: Tz, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(at) => Some(at.to_utc()),
        LocalResult::Ambiguous(a, b) => Some(a.to_utc().min(b.to_utc())),
        LocalResult::None => None,
    }
}

/// The latest instant showing `wall` in `tz`; `None` in a gap.
fn latest_instant(tz: Tz, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(at) => Some(at.to_utc()),
        LocalResult::Ambiguous(a, b) => Some(a.to_utc().max(b.to_utc())),
        LocalResult::None => None,
    }
}

/// The first instant after the gap `wall` falls in: the transition itself.
///
/// Gallops forward on the wall clock to a time that exists, then bisects
/// to the second (historic offsets are not whole minutes).
fn after_gap(tz: Tz, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
    let exists = |at: NaiveDateTime| earliest_instant(tz, at).is_some();
    let mut step = Duration::minutes(1);
    let mut high = wall.checked_add_signed(step)?;
    while !exists(high) {
        step = step * 2;
        if step > Duration::days(4) {
            return None;
        }
        high = wall.checked_add_signed(step)?;
    }
    let mut low = wall;
    while high - low > Duration::seconds(1) {
        let middle = low + (high - low) / 2;
        if exists(middle) { high = middle } else { low = middle }
    }
    earliest_instant(tz, high)
}

/// The real interval of `range` on local `date`: from the earliest instant
/// at or after its wall start to the latest instant of its wall end;
/// `None` when that is empty (a range wholly inside a gap).
pub(crate) fn real_interval(tz: Tz, date: NaiveDate, range: TimeRange) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (start, end) = (wall(date, range.start)?, wall(date, range.end)?);
    let open = earliest_instant(tz, start).or_else(|| after_gap(tz, start))?;
    let close = latest_instant(tz, end).or_else(|| after_gap(tz, end))?;
    (open < close).then_some((open, close))
}

/// Busy intervals sorted by start, with the latest end so far, for
/// logarithmic overlap checks.
struct BusyIndex {
    starts: Vec<DateTime<Utc>>,
    max_end: Vec<DateTime<Utc>>,
}

impl BusyIndex {
    fn new(busy: &[TimeSlot]) -> Self {
        let mut sorted = busy.to_vec();
        sorted.sort_unstable();
        let starts = sorted.iter().map(TimeSlot::start).collect();
        let max_end = sorted
            .iter()
            .scan(None::<DateTime<Utc>>, |latest, slot| {
                let end = latest.map_or(slot.end(), |at| at.max(slot.end()));
                *latest = Some(end);
                Some(end)
            })
            .collect();
        Self { starts, max_end }
    }

    /// Whether any busy interval overlaps `slot` (half-open).
    fn overlaps(&self, slot: &TimeSlot) -> bool {
        let before_end = self.starts.partition_point(|start| *start < slot.end());
        before_end > 0 && self.max_end[before_end - 1] > slot.start()
    }
}

/// The free starts of one resource, sorted and distinct.
fn resource_starts(query: &SlotQuery, resource: &ResourceCalendar<'_>) -> Vec<DateTime<Utc>> {
    let schedule = resource.schedule;
    let duration = minutes(query.duration_minutes);
    let earliest = query.from.max(query.now + minutes(schedule.min_notice_minutes));
    let latest = (query.to - duration).min(query.now + Duration::days(i64::from(schedule.horizon_days)));
    if earliest > latest {
        return Vec::new();
    }
    let window = Window { earliest, latest, duration, busy: BusyIndex::new(resource.busy) };
    let tz = schedule.time_zone;
    let (Some(first), Some(last)) =
        (earliest.with_timezone(&tz).date_naive().pred_opt(), latest.with_timezone(&tz).date_naive().succ_opt())
    else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    for date in first.iter_days().take_while(|date| *date <= last) {
        for range in schedule.ranges_on(date) {
            range_starts(query, schedule, &window, date, *range, &mut starts);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The bounds one resource's starts must meet, and its busy intervals.
struct Window {
    earliest: DateTime<Utc>,
    latest: DateTime<Utc>,
    duration: Duration,
    busy: BusyIndex,
}

/// Pushes the free grid starts of `range` on `date` into `starts`.
fn range_starts(
    query: &SlotQuery,
    schedule: &Schedule,
    window: &Window,
    date: NaiveDate,
    range: TimeRange,
    starts: &mut Vec<DateTime<Utc>>,
) {
    let tz = schedule.time_zone;
    let Some((open, close)) = real_interval(tz, date, range) else { return };
    let step = schedule.granularity_minutes.max(1);
    let mut minute = u32::from(range.start);
    while minute < u32::from(range.end) {
        let start = WallMinute::try_from(minute).ok().and_then(|m| wall(date, m)).and_then(|w| earliest_instant(tz, w));
        if let Some(start) = start {
            let end = start + window.duration;
            let fits = open <= start && end <= close && window.earliest <= start && start <= window.latest;
            if fits
                && !window.busy.overlaps(&occupied(start, end, query.buffer_before_minutes, query.buffer_after_minutes))
            {
                starts.push(start);
            }
        }
        minute += step;
    }
}
