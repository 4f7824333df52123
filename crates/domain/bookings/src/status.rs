//! Open now: whether a schedule is open at an instant, and when it next opens and closes.
//!
//! The receptionist says "we're open until 5" or "we open Monday at 9", so
//! this works on continuous openings: ranges that touch in real time (12:00–13:00
//! then 13:00–15:00, or a day ending at 24:00 and the next starting at
//! 00:00) count as one. Ranges become instants exactly as in
//! [`crate::availability`], so "open" here and "bookable" there agree
//! across DST changes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::TenantId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::availability::real_interval;
use crate::schedule::Schedule;

/// How far ahead [`status_at`] looks for the next opening or closing, in local days.
const SEARCH_DAYS: u64 = 400;

/// The search windows, in local days: widened only when the answer needs it.
const WINDOWS: [u64; 3] = [8, 64, SEARCH_DAYS];

/// A real opening interval `[open, close)`.
type Opening = (DateTime<Utc>, DateTime<Utc>);

/// The openings of one window and the instant from which later days could change them.
type Window = (Arc<[Opening]>, Option<DateTime<Utc>>);

/// Whether a schedule is open at an instant, and its next change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleStatus {
    /// Whether the instant falls inside an opening.
    pub open: bool,
    /// The instant on the schedule's wall clock.
    pub local_time: NaiveDateTime,
    /// The schedule's zone.
    pub time_zone: Tz,
    /// When open: the opening after the current one closes; when closed: the next opening.
    pub next_open: Option<DateTime<Utc>>,
    /// When open: the end of the current opening; when closed: the end of the next opening.
    pub next_close: Option<DateTime<Utc>>,
}

/// The state of `schedule` at `now`, looking at most 400 local days ahead
/// (`None` for what is not found in that time).
#[must_use]
pub fn status_at(schedule: &Schedule, now: DateTime<Utc>) -> ScheduleStatus {
    status_in(schedule, now, &mut [None, None, None])
}

/// [`status_at`], with the windows of `now`'s local day taken from
/// `windows` where present and added to it where computed.
fn status_in(schedule: &Schedule, now: DateTime<Utc>, windows: &mut [Option<Window>; 3]) -> ScheduleStatus {
    let tz = schedule.time_zone;
    let local_time = now.with_timezone(&tz).naive_local();
    let today = local_time.date();
    let mut answer = Answer::default();
    for (days, window) in WINDOWS.into_iter().zip(windows.iter_mut()) {
        let (openings, horizon) = window.get_or_insert_with(|| {
            let (openings, horizon) = openings(schedule, today, days);
            (openings.into(), horizon)
        });
        answer = resolve(openings, now, *horizon);
        if answer.complete {
            break;
        }
    }
    ScheduleStatus {
        open: answer.open,
        local_time,
        time_zone: tz,
        next_open: answer.next_open,
        next_close: answer.next_close,
    }
}

/// A sub-account's openings for one local day, as last computed.
struct DayOpenings {
    schedule: Schedule,
    today: NaiveDate,
    windows: [Option<Window>; 3],
}

impl DayOpenings {
    /// Roughly what the entry holds on the heap, in bytes.
    fn weight(&self) -> usize {
        use std::mem::size_of;
        let range = size_of::<crate::schedule::TimeRange>();
        let weekly: usize = self.schedule.weekly_hours.days.iter().map(Vec::len).sum();
        let exceptions: usize = self
            .schedule
            .exceptions
            .iter()
            .map(|e| {
                size_of::<crate::schedule::DateException>()
                    + e.hours.len() * range
                    + e.label.as_ref().map_or(0, String::len)
            })
            .sum();
        let openings: usize = self.windows.iter().flatten().map(|(o, _)| o.len() * size_of::<Opening>()).sum();
        size_of::<Self>() + weekly * range + exceptions + openings
    }
}

/// The remembered days and what they weigh.
#[derive(Default)]
struct Days {
    by_tenant: HashMap<TenantId, DayOpenings>,
    bytes: usize,
}

/// [`status_at`] for many calls a day: each sub-account's openings are
/// computed once per local day and schedule, and each call only looks up
/// `now` in them. The openings of a day depend on nothing but the schedule
/// and the day, so an entry is used only while both are the same — a
/// changed schedule or a new day computes afresh; there is no expiry to
/// get wrong. A schedule open around the clock is the case this is for:
/// its next closing is searched for 400 days ahead, ~470 days of zone
/// conversions on every call without it.
#[derive(Default)]
pub struct StatusMemo {
    days: Mutex<Days>,
}

impl StatusMemo {
    /// What the memo may hold (schedules and openings, approximately); it
    /// starts over when an entry would take it past this. A typical
    /// sub-account weighs 1–2 KB; one at every validation limit ~0.4 MB.
    pub const MAX_BYTES: usize = 16 << 20;

    /// The state of `tenant`'s `schedule` at `now`: exactly [`status_at`].
    #[must_use]
    pub fn status(&self, tenant: TenantId, schedule: &Schedule, now: DateTime<Utc>) -> ScheduleStatus {
        let today = now.with_timezone(&schedule.time_zone).date_naive();
        let lock = || self.days.lock().unwrap_or_else(PoisonError::into_inner);
        let mut windows = lock()
            .by_tenant
            .get(&tenant)
            .filter(|day| day.today == today && day.schedule == *schedule)
            .map(|day| day.windows.clone())
            .unwrap_or_default();
        let known = windows.iter().filter(|w| w.is_some()).count();
        let status = status_in(schedule, now, &mut windows);
        if windows.iter().filter(|w| w.is_some()).count() > known {
            let entry = DayOpenings { schedule: schedule.clone(), today, windows };
            let weight = entry.weight();
            let mut days = lock();
            if let Some(old) = days.by_tenant.remove(&tenant) {
                days.bytes = days.bytes.saturating_sub(old.weight());
            }
            if days.bytes + weight > Self::MAX_BYTES {
                *days = Days::default();
            }
            if weight <= Self::MAX_BYTES {
                days.bytes += weight;
                days.by_tenant.insert(tenant, entry);
            }
        }
        status
    }

    /// How many sub-accounts and roughly how many bytes are remembered.
    #[must_use]
    pub fn size(&self) -> (usize, usize) {
        let days = self.days.lock().unwrap_or_else(PoisonError::into_inner);
        (days.by_tenant.len(), days.bytes)
    }
}

/// What [`resolve`] found; `complete` when nothing later could change it.
#[derive(Default)]
struct Answer {
    open: bool,
    next_open: Option<DateTime<Utc>>,
    next_close: Option<DateTime<Utc>>,
    complete: bool,
}

/// The continuous openings (sorted, merged where they touch or overlap)
/// of the local days from the day before `today` to `days` after it, and
/// the instant from which later days could still extend or add to them.
fn openings(schedule: &Schedule, today: NaiveDate, days: u64) -> (Vec<Opening>, Option<DateTime<Utc>>) {
    let tz = schedule.time_zone;
    let first = today.pred_opt().unwrap_or(today);
    let mut intervals: Vec<Opening> = first
        .iter_days()
        .take(usize::try_from(days + 2).unwrap_or(usize::MAX))
        .flat_map(|date| schedule.ranges_on(date).iter().filter_map(move |range| real_interval(tz, date, *range)))
        .collect();
    intervals.sort_unstable();
    let mut merged: Vec<Opening> = Vec::with_capacity(intervals.len());
    for (open, close) in intervals {
        match merged.last_mut() {
            Some(last) if open <= last.1 => last.1 = last.1.max(close),
            _ => merged.push((open, close)),
        }
    }
    // Days past the last one generated start no earlier than its midnight
    // less a day (no zone is more than a day off UTC, even across a change).
    let horizon = first
        .checked_add_days(chrono::Days::new(days + 2))
        .map(|end| end.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::days(2));
    (merged, horizon)
}

/// Reads the status at `now` off `openings`; an opening reaching
/// `horizon` might continue or be followed by later days, so the answer is
/// then incomplete (and those values are `None`).
fn resolve(openings: &[Opening], now: DateTime<Utc>, horizon: Option<DateTime<Utc>>) -> Answer {
    let known = |at: DateTime<Utc>| horizon.is_some_and(|limit| at < limit);
    let index = openings.partition_point(|(open, _)| *open <= now);
    let current = index.checked_sub(1).map(|i| openings[i]).filter(|(_, close)| now < *close);
    let next = openings.get(index).copied();
    let open = current.is_some();
    let (next_open, next_close) = match current {
        Some((_, close)) => (next.map(|(start, _)| start).filter(|_| known(close)), Some(close)),
        None => (next.map(|(start, _)| start), next.map(|(_, close)| close)),
    };
    let next_open = next_open.filter(|at| known(*at));
    let next_close = next_close.filter(|at| known(*at));
    let complete = next_open.is_some() && next_close.is_some();
    Answer { open, next_open, next_close, complete }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::availability::tests::{every_day, ranges, utc};
    use crate::schedule::{DateException, WeeklyHours};
    use chrono_tz::America::New_York;

    fn office() -> Schedule {
        let mut schedule = Schedule::default_in(New_York);
        let day = ranges(&[("09:00", "12:00"), ("13:00", "17:00")]);
        schedule.weekly_hours =
            WeeklyHours { days: std::array::from_fn(|i| if i < 5 { day.clone() } else { Vec::new() }) };
        schedule
    }

    fn at(schedule: &Schedule, now: &str) -> (bool, Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let status = status_at(schedule, utc(now));
        (status.open, status.next_open, status.next_close)
    }

    #[test]
    fn the_memo_stays_within_its_byte_budget_and_still_answers() {
        let memo = StatusMemo::default();
        let mut schedule = office();
        let start = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        schedule.exceptions = (0..366)
            .map(|d| DateException { date: start + chrono::Days::new(d), hours: vec![], label: Some("x".repeat(120)) })
            .collect();
        let now = utc("2026-05-08T20:00:00Z");
        let mut started_over = false;
        for _ in 0..400 {
            let before = memo.size().0;
            assert_eq!(memo.status(TenantId::new(), &schedule, now), status_at(&schedule, now));
            started_over |= memo.size().0 <= before;
            assert!(memo.size().1 <= StatusMemo::MAX_BYTES);
        }
        assert!(started_over, "400 heavy sub-accounts (~64 KB each) do not fit: the memo started over");
    }

    #[test]
    fn open_on_friday_afternoon_until_five_then_monday() {
        let status = status_at(&office(), utc("2026-05-08T20:00:00Z"));
        assert!(status.open);
        assert_eq!(status.local_time.to_string(), "2026-05-08 16:00:00");
        assert_eq!(status.time_zone, New_York);
        assert_eq!(status.next_close, Some(utc("2026-05-08T21:00:00Z")));
        assert_eq!(status.next_open, Some(utc("2026-05-11T13:00:00Z")));
    }

    #[test]
    fn closed_at_the_weekend_and_at_lunch() {
        assert_eq!(
            at(&office(), "2026-05-09T16:00:00Z"),
            (false, Some(utc("2026-05-11T13:00:00Z")), Some(utc("2026-05-11T16:00:00Z")))
        );
        assert_eq!(
            at(&office(), "2026-05-11T16:30:00Z"),
            (false, Some(utc("2026-05-11T17:00:00Z")), Some(utc("2026-05-11T21:00:00Z")))
        );
        assert_eq!(
            at(&office(), "2026-05-11T16:00:00Z"),
            (false, Some(utc("2026-05-11T17:00:00Z")), Some(utc("2026-05-11T21:00:00Z"))),
            "closing time itself is closed"
        );
        assert!(at(&office(), "2026-05-11T13:00:00Z").0, "opening time itself is open");
    }

    #[test]
    fn a_closed_exception_day_is_skipped() {
        let mut schedule = office();
        schedule.exceptions = vec![DateException {
            date: chrono::NaiveDate::from_ymd_opt(2026, 5, 11).unwrap(),
            hours: vec![],
            label: Some("Inventory".into()),
        }];
        assert_eq!(
            at(&schedule, "2026-05-08T20:00:00Z"),
            (true, Some(utc("2026-05-12T13:00:00Z")), Some(utc("2026-05-08T21:00:00Z")))
        );
    }

    #[test]
    fn touching_ranges_are_one_opening() {
        let mut schedule = every_day(New_York, &[("12:00", "13:00")], 15);
        schedule.weekly_hours.days[0] = ranges(&[("12:00", "13:00"), ("13:00", "15:00")]);
        // Monday 2026-05-11, 12:30 EDT.
        assert_eq!(at(&schedule, "2026-05-11T16:30:00Z").2, Some(utc("2026-05-11T19:00:00Z")));
        let night = every_day(New_York, &[("00:00", "02:00"), ("20:00", "24:00")], 15);
        assert_eq!(
            at(&night, "2026-05-11T03:00:00Z"),
            (true, Some(utc("2026-05-12T00:00:00Z")), Some(utc("2026-05-11T06:00:00Z"))),
            "23:00 on Sunday: open until 02:00 on Monday"
        );
    }

    #[test]
    fn across_dst_changes() {
        // Saturday 2026-03-07 in New York; the clocks change on Sunday.
        assert_eq!(
            at(&office(), "2026-03-07T17:00:00Z"),
            (false, Some(utc("2026-03-09T13:00:00Z")), Some(utc("2026-03-09T16:00:00Z")))
        );
        let early = every_day(New_York, &[("01:00", "05:00")], 30);
        assert_eq!(
            at(&early, "2026-03-08T06:30:00Z"),
            (true, Some(utc("2026-03-09T05:00:00Z")), Some(utc("2026-03-08T09:00:00Z"))),
            "four wall hours are three real ones"
        );
        assert_eq!(
            at(&early, "2026-11-01T04:00:00Z"),
            (false, Some(utc("2026-11-01T05:00:00Z")), Some(utc("2026-11-01T10:00:00Z"))),
            "four wall hours are five real ones"
        );
    }

    #[test]
    fn always_open_and_never_open() {
        assert_eq!(at(&every_day(New_York, &[("00:00", "24:00")], 15), "2026-05-11T03:00:00Z"), (true, None, None));
        let mut never = office();
        never.weekly_hours = WeeklyHours::default();
        assert_eq!(at(&never, "2026-05-11T03:00:00Z"), (false, None, None));
        let mut yearly = never.clone();
        yearly.exceptions = vec![DateException {
            date: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            hours: ranges(&[("10:00", "11:00")]),
            label: None,
        }];
        assert_eq!(
            at(&yearly, "2026-05-11T03:00:00Z"),
            (false, Some(utc("2027-03-01T15:00:00Z")), Some(utc("2027-03-01T16:00:00Z"))),
            "found up to 400 days ahead"
        );
        assert_eq!(at(&yearly, "2026-01-11T03:00:00Z"), (false, None, None), "but no further");
    }
}
