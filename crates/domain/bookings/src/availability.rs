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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::schedule::{DateException, WeeklyHours};
    use chrono::Timelike;
    use chrono_tz::{America, Asia, Australia, Europe, Pacific};

    pub(crate) fn hm(text: &str) -> WallMinute {
        crate::schedule::parse_clock(text, true).unwrap()
    }

    pub(crate) fn ranges(list: &[(&str, &str)]) -> Vec<TimeRange> {
        list.iter().map(|(s, e)| TimeRange::new(hm(s), hm(e)).unwrap()).collect()
    }

    /// The same hours every day, no notice, a long horizon.
    pub(crate) fn every_day(tz: Tz, list: &[(&str, &str)], granularity: u32) -> Schedule {
        let day = ranges(list);
        Schedule {
            time_zone: tz,
            weekly_hours: WeeklyHours { days: std::array::from_fn(|_| day.clone()) },
            exceptions: Vec::new(),
            granularity_minutes: granularity,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            min_notice_minutes: 0,
            horizon_days: 730,
        }
    }

    pub(crate) fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn query(from: &str, to: &str, duration: u32) -> SlotQuery {
        SlotQuery {
            from: utc(from),
            to: utc(to),
            duration_minutes: duration,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            now: utc("2025-12-01T00:00:00Z"),
        }
    }

    fn starts(schedule: &Schedule, query: &SlotQuery, busy: &[TimeSlot]) -> Vec<String> {
        let calendar = ResourceCalendar { resource_id: ResourceId::new(), schedule, busy };
        available_slots(query, &[calendar])
            .iter()
            .map(|slot| slot.starts_at.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect()
    }

    fn walls(schedule: &Schedule, query: &SlotQuery) -> Vec<String> {
        let calendar = ResourceCalendar { resource_id: ResourceId::new(), schedule, busy: &[] };
        let tz = schedule.time_zone;
        available_slots(query, &[calendar])
            .iter()
            .map(|slot| slot.starts_at.with_timezone(&tz).format("%H:%M").to_string())
            .collect()
    }

    #[test]
    fn new_york_spring_forward_offers_nothing_in_the_gap() {
        let schedule = every_day(America::New_York, &[("01:00", "05:00")], 30);
        let q = query("2026-03-08T05:00:00Z", "2026-03-08T12:00:00Z", 30);
        assert_eq!(
            starts(&schedule, &q, &[]),
            [
                "2026-03-08T06:00Z",
                "2026-03-08T06:30Z",
                "2026-03-08T07:00Z",
                "2026-03-08T07:30Z",
                "2026-03-08T08:00Z",
                "2026-03-08T08:30Z"
            ]
        );
        assert_eq!(walls(&schedule, &q), ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]);
    }

    #[test]
    fn new_york_fall_back_offers_the_repeated_hour_once() {
        let schedule = every_day(America::New_York, &[("00:00", "04:00")], 30);
        let q = query("2026-11-01T03:00:00Z", "2026-11-01T12:00:00Z", 30);
        assert_eq!(
            starts(&schedule, &q, &[]),
            [
                "2026-11-01T04:00Z",
                "2026-11-01T04:30Z",
                "2026-11-01T05:00Z",
                "2026-11-01T05:30Z",
                "2026-11-01T07:00Z",
                "2026-11-01T07:30Z",
                "2026-11-01T08:00Z",
                "2026-11-01T08:30Z"
            ]
        );
        assert_eq!(walls(&schedule, &q), ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]);
    }

    #[test]
    fn london_both_changes() {
        let schedule = every_day(Europe::London, &[("00:00", "04:00")], 30);
        let spring = query("2026-03-28T23:30:00Z", "2026-03-29T05:00:00Z", 30);
        assert_eq!(
            starts(&schedule, &spring, &[]),
            [
                "2026-03-29T00:00Z",
                "2026-03-29T00:30Z",
                "2026-03-29T01:00Z",
                "2026-03-29T01:30Z",
                "2026-03-29T02:00Z",
                "2026-03-29T02:30Z"
            ]
        );
        assert_eq!(walls(&schedule, &spring), ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]);
        let autumn = query("2026-10-24T22:00:00Z", "2026-10-25T05:00:00Z", 30);
        assert_eq!(
            starts(&schedule, &autumn, &[]),
            [
                "2026-10-24T23:00Z",
                "2026-10-24T23:30Z",
                "2026-10-25T00:00Z",
                "2026-10-25T00:30Z",
                "2026-10-25T02:00Z",
                "2026-10-25T02:30Z",
                "2026-10-25T03:00Z",
                "2026-10-25T03:30Z"
            ]
        );
    }

    #[test]
    fn lord_howe_shifts_by_thirty_minutes() {
        let tz = Australia::Lord_Howe;
        // What chrono-tz says about the two changes.
        let local = |d: &str, t: &str| date(d).and_time(NaiveTime::parse_from_str(t, "%H:%M").unwrap());
        assert!(matches!(tz.from_local_datetime(&local("2026-10-04", "02:15")), LocalResult::None));
        assert_eq!(earliest_instant(tz, local("2026-10-04", "02:30")), Some(utc("2026-10-03T15:30:00Z")));
        assert!(matches!(tz.from_local_datetime(&local("2026-04-05", "01:45")), LocalResult::Ambiguous(..)));
        assert_eq!(earliest_instant(tz, local("2026-04-05", "01:45")), Some(utc("2026-04-04T14:45:00Z")));

        let schedule = every_day(tz, &[("01:00", "04:00")], 30);
        let spring = query("2026-10-03T14:00:00Z", "2026-10-03T18:00:00Z", 30);
        assert_eq!(
            starts(&schedule, &spring, &[]),
            ["2026-10-03T14:30Z", "2026-10-03T15:00Z", "2026-10-03T15:30Z", "2026-10-03T16:00Z", "2026-10-03T16:30Z"]
        );
        assert_eq!(walls(&schedule, &spring), ["01:00", "01:30", "02:30", "03:00", "03:30"]);
        let schedule = every_day(tz, &[("01:00", "03:00")], 15);
        let autumn = query("2026-04-04T13:00:00Z", "2026-04-04T17:00:00Z", 15);
        assert_eq!(walls(&schedule, &autumn), ["01:00", "01:15", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45"]);
        assert_eq!(
            starts(&schedule, &autumn, &[])[2..5],
            ["2026-04-04T14:30Z", "2026-04-04T14:45Z", "2026-04-04T15:30Z"]
        );
    }

    #[test]
    fn quarter_and_half_hour_zones_land_on_exact_instants() {
        let cases = [
            (Asia::Kathmandu, "2026-06-15", ["2026-06-15T03:15Z", "2026-06-15T03:45Z"]),
            (Asia::Kolkata, "2026-06-15", ["2026-06-15T03:30Z", "2026-06-15T04:00Z"]),
            (Pacific::Chatham, "2026-06-15", ["2026-06-14T20:15Z", "2026-06-14T20:45Z"]),
            (Pacific::Chatham, "2026-01-15", ["2026-01-14T19:15Z", "2026-01-14T19:45Z"]),
        ];
        for (tz, day, want) in cases {
            let schedule = every_day(tz, &[("09:00", "10:00")], 30);
            let midnight = date(day).and_time(NaiveTime::MIN).and_utc();
            let q = SlotQuery {
                from: midnight - Duration::hours(14),
                to: midnight + Duration::hours(10),
                ..query("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 30)
            };
            assert_eq!(starts(&schedule, &q, &[]), want, "{tz} {day}");
        }
    }

    fn office() -> Schedule {
        let mut schedule = Schedule::default_in(America::New_York);
        let day = ranges(&[("09:00", "12:00"), ("13:00", "17:00")]);
        schedule.weekly_hours =
            WeeklyHours { days: std::array::from_fn(|i| if i < 5 { day.clone() } else { Vec::new() }) };
        schedule.granularity_minutes = 60;
        schedule.min_notice_minutes = 0;
        schedule.horizon_days = 730;
        schedule
    }

    #[test]
    fn a_typical_day_skips_lunch() {
        let q = query("2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z", 60);
        assert_eq!(
            starts(&office(), &q, &[]),
            [
                "2026-05-04T13:00Z",
                "2026-05-04T14:00Z",
                "2026-05-04T15:00Z",
                "2026-05-04T17:00Z",
                "2026-05-04T18:00Z",
                "2026-05-04T19:00Z",
                "2026-05-04T20:00Z"
            ]
        );
        let long = query("2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z", 150);
        assert_eq!(walls(&office(), &long), ["09:00", "13:00", "14:00"], "no slot runs into lunch or past close");
        let weekend = query("2026-05-02T00:00:00Z", "2026-05-04T04:00:00Z", 60);
        assert!(starts(&office(), &weekend, &[]).is_empty());
    }

    #[test]
    fn exceptions_close_shorten_and_open_days() {
        let mut schedule = office();
        schedule.exceptions = vec![
            DateException { date: date("2026-05-04"), hours: vec![], label: Some("closed".into()) },
            DateException { date: date("2026-05-05"), hours: ranges(&[("09:00", "12:00")]), label: None },
            DateException { date: date("2026-05-10"), hours: ranges(&[("10:00", "12:00")]), label: None },
        ];
        let day = |d: &str| {
            let midnight = date(d).and_time(NaiveTime::MIN).and_utc();
            SlotQuery {
                from: midnight,
                to: midnight + Duration::days(1),
                ..query("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 60)
            }
        };
        assert!(walls(&schedule, &day("2026-05-04")).is_empty());
        assert_eq!(walls(&schedule, &day("2026-05-05")), ["09:00", "10:00", "11:00"]);
        assert_eq!(walls(&schedule, &day("2026-05-06")).len(), 7);
        assert_eq!(walls(&schedule, &day("2026-05-10")), ["10:00", "11:00"], "an extra Sunday opening");
    }

    #[test]
    fn buffers_keep_time_free_around_bookings() {
        let mut schedule = office();
        schedule.granularity_minutes = 15;
        let booked = occupied(utc("2026-05-04T14:00:00Z"), utc("2026-05-04T14:30:00Z"), 0, 15);
        assert_eq!((booked.start(), booked.end()), (utc("2026-05-04T14:00:00Z"), utc("2026-05-04T14:45:00Z")));
        let q = query("2026-05-04T13:00:00Z", "2026-05-04T16:00:00Z", 30);
        let offered = walls_with(&schedule, &q, &[booked]);
        assert_eq!(offered, ["09:00", "09:15", "09:30", "10:45", "11:00", "11:15", "11:30"]);
        let padded = SlotQuery { buffer_before_minutes: 15, buffer_after_minutes: 10, ..q };
        let offered = walls_with(&schedule, &padded, &[booked]);
        assert_eq!(offered, ["09:00", "09:15", "11:00", "11:15", "11:30"]);
    }

    fn walls_with(schedule: &Schedule, query: &SlotQuery, busy: &[TimeSlot]) -> Vec<String> {
        let calendar = ResourceCalendar { resource_id: ResourceId::new(), schedule, busy };
        available_slots(query, &[calendar])
            .iter()
            .map(|slot| slot.starts_at.with_timezone(&schedule.time_zone).format("%H:%M").to_string())
            .collect()
    }

    #[test]
    fn notice_and_horizon_bound_the_starts() {
        let mut schedule = office();
        schedule.min_notice_minutes = 120;
        schedule.horizon_days = 1;
        let q =
            SlotQuery { now: utc("2026-05-04T12:00:00Z"), ..query("2026-05-04T00:00:00Z", "2026-05-08T00:00:00Z", 60) };
        // now is 08:00 in New York: nothing before 10:00 today, nothing after 08:00 tomorrow.
        assert_eq!(
            starts(&schedule, &q, &[]),
            [
                "2026-05-04T14:00Z",
                "2026-05-04T15:00Z",
                "2026-05-04T17:00Z",
                "2026-05-04T18:00Z",
                "2026-05-04T19:00Z",
                "2026-05-04T20:00Z"
            ]
        );
        let start = utc("2026-05-04T13:00:00Z");
        assert_eq!(
            check_slot(&schedule, start, start + Duration::hours(1), q.now),
            Err(SlotRule::TooSoon { earliest: utc("2026-05-04T14:00:00Z") })
        );
        let far = utc("2026-05-05T13:00:00Z");
        assert_eq!(
            check_slot(&schedule, far, far + Duration::hours(1), q.now),
            Err(SlotRule::BeyondHorizon { latest: utc("2026-05-05T12:00:00Z") })
        );
    }

    #[test]
    fn resources_merge_into_one_slot_per_start() {
        let a = office();
        let mut b = office();
        b.weekly_hours = WeeklyHours { days: std::array::from_fn(|_| ranges(&[("10:00", "12:00")])) };
        let busy_a = [occupied(utc("2026-05-04T14:00:00Z"), utc("2026-05-04T15:00:00Z"), 0, 0)];
        let (id_a, id_b) = (ResourceId::new(), ResourceId::new());
        let calendars = [
            ResourceCalendar { resource_id: id_b, schedule: &b, busy: &[] },
            ResourceCalendar { resource_id: id_a, schedule: &a, busy: &busy_a },
        ];
        let slots = available_slots(&query("2026-05-04T12:00:00Z", "2026-05-04T16:00:00Z", 60), &calendars);
        let got: Vec<(String, Vec<ResourceId>)> =
            slots.iter().map(|s| (s.starts_at.format("%H:%M").to_string(), s.resource_ids.clone())).collect();
        assert_eq!(
            got,
            [("13:00".into(), vec![id_a]), ("14:00".into(), vec![id_b]), ("15:00".into(), vec![id_b, id_a])]
        );
        assert!(slots.iter().all(|s| s.ends_at - s.starts_at == Duration::hours(1)));
    }

    #[test]
    fn absurd_durations_find_nothing() {
        let q = query("2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z", 0);
        assert!(starts(&office(), &q, &[]).is_empty());
        assert!(starts(&office(), &SlotQuery { duration_minutes: 1441, ..q }, &[]).is_empty());
        assert!(starts(&office(), &SlotQuery { to: q.from, duration_minutes: 30, ..q }, &[]).is_empty());
    }

    #[test]
    fn check_slot_needs_one_range_but_not_the_grid() {
        let schedule = office();
        let now = utc("2026-05-01T00:00:00Z");
        let at = |from: &str, to: &str| check_slot(&schedule, utc(from), utc(to), now);
        assert_eq!(at("2026-05-04T13:07:00Z", "2026-05-04T13:52:00Z"), Ok(()));
        assert_eq!(at("2026-05-04T15:30:00Z", "2026-05-04T16:00:00Z"), Ok(()), "ends exactly at noon");
        assert_eq!(at("2026-05-04T15:30:00Z", "2026-05-04T17:30:00Z"), Err(SlotRule::OutsideHours), "spans lunch");
        assert_eq!(at("2026-05-04T12:30:00Z", "2026-05-04T13:30:00Z"), Err(SlotRule::OutsideHours), "before opening");
        assert_eq!(at("2026-05-09T14:00:00Z", "2026-05-09T15:00:00Z"), Err(SlotRule::OutsideHours), "Saturday");
        assert_eq!(at("2026-05-04T14:00:00Z", "2026-05-04T14:00:00Z"), Err(SlotRule::OutsideHours), "empty");
        // Notice is checked before hours.
        let soon = check_slot(&schedule, utc("2026-05-01T01:00:00Z"), utc("2026-05-01T02:00:00Z"), now);
        assert!(matches!(soon, Ok(()) | Err(SlotRule::OutsideHours)));
        let mut strict = office();
        strict.min_notice_minutes = 600;
        assert!(matches!(
            check_slot(&strict, utc("2026-05-01T02:00:00Z"), utc("2026-05-01T03:00:00Z"), now),
            Err(SlotRule::TooSoon { .. })
        ));
    }

    #[test]
    fn a_range_ending_in_a_gap_closes_when_the_gap_ends() {
        let tz = America::New_York;
        let range = TimeRange::new(hm("00:00"), hm("02:30")).unwrap();
        assert_eq!(
            real_interval(tz, date("2026-03-08"), range),
            Some((utc("2026-03-08T05:00:00Z"), utc("2026-03-08T07:00:00Z")))
        );
        let inside = TimeRange::new(hm("02:00"), hm("02:30")).unwrap();
        assert_eq!(real_interval(tz, date("2026-03-08"), inside), None);
        let fall = TimeRange::new(hm("00:00"), hm("01:30")).unwrap();
        assert_eq!(
            real_interval(tz, date("2026-11-01"), fall),
            Some((utc("2026-11-01T04:00:00Z"), utc("2026-11-01T06:30:00Z")))
        );
        let midnight = TimeRange::new(hm("22:00"), hm("24:00")).unwrap();
        assert_eq!(
            real_interval(tz, date("2026-06-30"), midnight).map(|(_, close)| close),
            Some(utc("2026-07-01T04:00:00Z"))
        );
    }

    #[test]
    fn gaps_of_a_whole_day_and_of_seconds_are_crossed() {
        // Samoa skipped 2011-12-30 entirely.
        let apia = Pacific::Apia;
        let lost = date("2011-12-30").and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
        assert_eq!(after_gap(apia, lost), Some(utc("2011-12-30T10:00:00Z")));
        // Amsterdam went from +00:19:32 to +00:20 in 1937.
        let ams = Europe::Amsterdam;
        let odd = date("1937-07-01").and_time(NaiveTime::from_hms_opt(0, 0, 10).unwrap());
        if tz_gap(ams, odd) {
            let after = after_gap(ams, odd).unwrap();
            assert_eq!(after.with_timezone(&ams).naive_local().second() % 60, after.with_timezone(&ams).second());
            assert!(after.with_timezone(&ams).naive_local() > odd);
        }
    }

    fn tz_gap(tz: Tz, at: NaiveDateTime) -> bool {
        matches!(tz.from_local_datetime(&at), LocalResult::None)
    }

    #[test]
    fn many_resources_and_bookings_stay_fast_and_agree_with_a_plain_scan() {
        let schedule = office();
        let now = utc("2026-05-01T00:00:00Z");
        let mut busy = Vec::new();
        for i in 0..2_000_i64 {
            let start = now + Duration::minutes(i * 43 % (60 * 24 * 60));
            busy.push(occupied(start, start + Duration::minutes(20 + i % 50), 0, 5));
        }
        let q = SlotQuery {
            from: now,
            to: now + Duration::days(60),
            duration_minutes: 30,
            buffer_before_minutes: 5,
            buffer_after_minutes: 5,
            now,
        };
        let started = std::time::Instant::now();
        let mut schedule15 = schedule.clone();
        schedule15.granularity_minutes = 15;
        let calendars15: Vec<ResourceCalendar<'_>> = (0..10)
            .map(|_| ResourceCalendar { resource_id: ResourceId::new(), schedule: &schedule15, busy: &busy })
            .collect();
        let slots = available_slots(&q, &calendars15);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert!(!slots.is_empty());
        for slot in &slots {
            assert_eq!(slot.resource_ids.len(), 10);
            let taken = occupied(slot.starts_at, slot.ends_at, 5, 5);
            assert!(busy.iter().all(|b| !b.overlaps(&taken)));
            assert_eq!(check_slot(&schedule15, slot.starts_at, slot.ends_at, now), Ok(()));
        }
        // Every grid start inside hours that the plain scan finds free is offered.
        let offered: std::collections::HashSet<DateTime<Utc>> = slots.iter().map(|s| s.starts_at).collect();
        let mut at = q.from;
        while at + Duration::minutes(30) <= q.to {
            let local = at.with_timezone(&schedule15.time_zone);
            let on_grid = local.minute().is_multiple_of(15) && local.second() == 0;
            let fits = check_slot(&schedule15, at, at + Duration::minutes(30), now).is_ok();
            let free = busy.iter().all(|b| !b.overlaps(&occupied(at, at + Duration::minutes(30), 5, 5)));
            assert_eq!(offered.contains(&at), on_grid && fits && free, "{at}");
            at += Duration::minutes(15);
        }
    }
}

#[cfg(test)]
pub(crate) mod properties {
    //! Soundness of every offered slot, over every zone chrono-tz knows.
    use super::tests::{every_day, hm, utc};
    use super::*;
    use crate::schedule::{DateException, WeeklyHours};
    use crate::status::status_at;
    use chrono::{Offset, Timelike};
    use proptest::prelude::*;

    /// Asserts (a)–(e): on the grid inside one range, free, maps back to
    /// its wall time, strictly increasing, accepted by `check_slot`.
    pub(crate) fn assert_sound(schedule: &Schedule, query: &SlotQuery, busy: &[TimeSlot], slots: &[Slot]) {
        let tz = schedule.time_zone;
        for pair in slots.windows(2) {
            assert!(pair[0].starts_at < pair[1].starts_at, "{tz}: not strictly increasing");
        }
        for slot in slots {
            let (start, end) = (slot.starts_at, slot.ends_at);
            let local = start.with_timezone(&tz).naive_local();
            assert_eq!(earliest_instant(tz, local), Some(start), "{tz}: {start} does not map back from {local}");
            assert_eq!(local.second(), 0);
            let (day, minute) = (local.date(), local.hour() * 60 + local.minute());
            let range = schedule
                .ranges_on(day)
                .iter()
                .find(|r| {
                    (u32::from(r.start)..u32::from(r.end)).contains(&minute)
                        && (minute - u32::from(r.start)).is_multiple_of(schedule.granularity_minutes)
                })
                .unwrap_or_else(|| panic!("{tz}: {local} is not a grid start of {day}'s hours"));
            let (open, close) = real_interval(tz, day, *range).unwrap();
            assert!(open <= start && end <= close, "{tz}: {start}–{end} leaves {range} on {day}");
            assert_eq!(end - start, minutes(query.duration_minutes));
            assert!(query.from <= start && end <= query.to);
            let taken = occupied(start, end, query.buffer_before_minutes, query.buffer_after_minutes);
            assert!(busy.iter().all(|b| !b.overlaps(&taken)), "{tz}: {start} overlaps a busy block");
            assert_eq!(check_slot(schedule, start, end, query.now), Ok(()), "{tz}: {start}");
        }
    }

    /// `status_at`'s promises at `now`.
    pub(crate) fn assert_status_consistent(schedule: &Schedule, now: DateTime<Utc>) {
        let status = status_at(schedule, now);
        let tz = schedule.time_zone;
        assert_eq!(status.local_time, now.with_timezone(&tz).naive_local());
        if status.open {
            if let Some(close) = status.next_close {
                assert!(close > now, "{tz} {now}");
                assert!(!status_at(schedule, close).open, "{tz}: still open at its close {close}");
                if let Some(next) = status.next_open {
                    assert!(next > close);
                }
            }
        } else if let Some(next) = status.next_open {
            assert!(next > now, "{tz} {now}");
            assert!(status_at(schedule, next).open, "{tz}: not open at its next opening {next}");
            let close = status.next_close.unwrap();
            assert!(close > next);
        }
    }

    fn day_ranges() -> impl Strategy<Value = Vec<TimeRange>> {
        prop::collection::btree_set(0_u16..=288, 2..=6).prop_map(|points| {
            let minutes: Vec<WallMinute> = points.into_iter().map(|p| p * 5).collect();
            minutes.chunks_exact(2).filter_map(|pair| TimeRange::new(pair[0], pair[1])).collect()
        })
    }

    fn schedules() -> impl Strategy<Value = Schedule> {
        let zone = 0..chrono_tz::TZ_VARIANTS.len();
        let week = prop::array::uniform7(day_ranges());
        let granularity = prop::sample::select(vec![5_u32, 10, 15, 20, 30, 45, 60]);
        let rules = (0_u32..600, 1_u32..=10);
        let exception = prop::option::of((0_u64..730, day_ranges()));
        (zone, week, granularity, rules, exception).prop_map(
            |(zone, days, granularity, (notice, horizon), exception)| {
                let exceptions = exception
                    .into_iter()
                    .map(|(offset, hours)| DateException { date: base_date(offset), hours, label: None })
                    .collect();
                Schedule {
                    time_zone: chrono_tz::TZ_VARIANTS[zone],
                    weekly_hours: WeeklyHours { days },
                    exceptions,
                    granularity_minutes: granularity,
                    buffer_before_minutes: 0,
                    buffer_after_minutes: 0,
                    min_notice_minutes: notice,
                    horizon_days: horizon,
                }
            },
        )
    }

    fn base_date(offset: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().checked_add_days(chrono::Days::new(offset)).unwrap()
    }

    proptest! {
        #[test]
        fn every_offered_slot_is_sound(
            schedule in schedules(),
            day in 0_u64..730,
            duration in 15_u32..=120,
            buffers in (0_u32..60, 0_u32..60),
            early in 0_i64..2880,
            blocks in prop::collection::vec((0_i64..3600, 5_i64..180), 0..8),
        ) {
            let from = base_date(day).and_time(NaiveTime::MIN).and_utc() - Duration::hours(12);
            let busy: Vec<TimeSlot> = blocks
                .iter()
                .map(|(at, length)| {
                    let start = from + Duration::minutes(*at);
                    TimeSlot::new(start, start + Duration::minutes(*length)).unwrap()
                })
                .collect();
            let query = SlotQuery {
                from,
                to: from + Duration::days(2) + Duration::hours(12),
                duration_minutes: duration,
                buffer_before_minutes: buffers.0,
                buffer_after_minutes: buffers.1,
                now: from - Duration::minutes(early),
            };
            let calendar = ResourceCalendar { resource_id: ResourceId::new(), schedule: &schedule, busy: &busy };
            let slots = available_slots(&query, &[calendar]);
            assert_sound(&schedule, &query, &busy, &slots);
            prop_assert!(slots.iter().all(|s| s.resource_ids == [calendar.resource_id]));
        }

        #[test]
        fn status_keeps_its_promises(schedule in schedules(), minute in 0_i64..(730 * 1440)) {
            let now = utc("2026-01-01T00:00:00Z") + Duration::minutes(minute);
            assert_status_consistent(&schedule, now);
        }

        /// The memo answers exactly what `status_at` computes, call after
        /// call: across midnights (new local days), DST changes, a schedule
        /// that changes between calls, and two sub-accounts side by side.
        #[test]
        fn the_status_memo_answers_as_status_at(
            first in schedules(),
            second in schedules(),
            start in 0_i64..(730 * 1440),
            steps in prop::collection::vec((0_i64..2000, any::<bool>()), 1..24),
        ) {
            let memo = crate::status::StatusMemo::default();
            let (tenant, other) = (frontdesk_kernel::TenantId::new(), frontdesk_kernel::TenantId::new());
            let mut now = utc("2026-01-01T00:00:00Z") + Duration::minutes(start);
            for (step, switch) in steps {
                now += Duration::minutes(step);
                let schedule = if switch { &second } else { &first };
                prop_assert_eq!(memo.status(tenant, schedule, now), status_at(schedule, now));
                prop_assert_eq!(memo.status(other, &first, now), status_at(&first, now));
            }
        }
    }

    /// UTC days of 2026–2027 on which `tz`'s offset changes.
    fn transition_days(tz: Tz) -> Vec<DateTime<Utc>> {
        let start = utc("2026-01-01T00:00:00Z");
        let offset = |at: DateTime<Utc>| tz.offset_from_utc_datetime(&at.naive_utc()).fix();
        (0..730)
            .map(|d| start + Duration::days(d))
            .filter(|day| offset(*day) != offset(*day + Duration::days(1)))
            .collect()
    }

    #[test]
    fn every_zone_around_each_of_its_changes() {
        let mut changes = 0;
        for tz in chrono_tz::TZ_VARIANTS {
            let all_day = every_day(tz, &[("00:00", "24:00")], 15);
            let split = every_day(tz, &[("00:30", "02:45"), ("03:00", "24:00")], 20);
            let mut days = transition_days(tz);
            changes += days.len();
            days.push(utc("2026-06-15T00:00:00Z"));
            for day in days {
                let query = SlotQuery {
                    from: day - Duration::days(1),
                    to: day + Duration::days(2),
                    duration_minutes: 30,
                    buffer_before_minutes: 0,
                    buffer_after_minutes: 0,
                    now: day - Duration::days(3),
                };
                for schedule in [&all_day, &split] {
                    let calendar = ResourceCalendar { resource_id: ResourceId::new(), schedule, busy: &[] };
                    let slots = available_slots(&query, &[calendar]);
                    assert_sound(schedule, &query, &[], &slots);
                    assert!(!slots.is_empty(), "{tz} {day}");
                }
                for hours in (0..72).step_by(5) {
                    assert_status_consistent(&split, day - Duration::days(1) + Duration::hours(hours));
                }
            }
        }
        assert!(changes > 300, "only {changes} changes found");
        assert_eq!(hm("24:00"), 1440);
    }
}
