//! Free appointment slots: a pure function of the business hours, the
//! tenant's time zone, the date range, the appointment length, the slots
//! already taken and the current time.
//!
//! Business hours are wall-clock times in the tenant's zone, so each day's
//! opening and closing instants are resolved in that zone *for that date*;
//! a fixed UTC offset would shift every slot by an hour across a DST change.
//! Slots are then laid out back to back from the opening instant in real
//! (UTC) time, each exactly `duration` long, while they end by closing
//! time. On a day the clocks jump inside business hours the day simply has
//! fewer (or more) real hours.
//!
//! Wall-clock times that do not exist (skipped by a spring-forward jump)
//! resolve to the first valid minute after them; times that occur twice
//! (fall back) resolve to their first occurrence.

use crate::hours::BusinessHours;
use crate::slot::TimeSlot;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The free slots of `duration` between `date_from` and `date_to` (both
/// inclusive, as dates in `tz`), in start order.
///
/// A slot is offered when it lies within the day's business hours, starts
/// at or after `now`, and overlaps none of `existing` (the slots of the
/// tenant's confirmed bookings). A non-positive `duration` or an empty date
/// range yields no slots. Callers bound the range (the API caps it).
#[must_use]
pub fn available_slots(
    hours: &BusinessHours,
    tz: Tz,
    date_from: NaiveDate,
    date_to: NaiveDate,
    duration: Duration,
    existing: &[TimeSlot],
    now: DateTime<Utc>,
) -> Vec<TimeSlot> {
    if duration <= Duration::zero() {
        return Vec::new();
    }
    let mut slots = Vec::new();
    for date in date_from.iter_days().take_while(|date| *date <= date_to) {
        let Some(day) = hours.on(date.weekday()) else { continue };
        let (Some(open), Some(close)) =
            (resolve(tz, date.and_time(day.open())), resolve(tz, date.and_time(day.close())))
        else {
            continue;
        };
        let mut start = open;
        while start + duration <= close {
            let slot = TimeSlot { start, end: start + duration };
            if start >= now && !existing.iter().any(|taken| taken.overlaps(&slot)) {
                slots.push(slot);
            }
            start += duration;
        }
    }
    slots
}

/// The instant of a wall-clock time in `tz` (see the module docs for gaps and repeats).
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..=180)
        .find_map(|minutes| tz.from_local_datetime(&(local + Duration::minutes(minutes))).earliest())
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::OpeningHours;
    use chrono::{Timelike, Weekday};
    use chrono_tz::America::New_York;

    const EVERY_DAY: [Weekday; 7] =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

    fn week(open: &str, close: &str) -> BusinessHours {
        BusinessHours::on_days(&EVERY_DAY, OpeningHours::parse(open, close).unwrap())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn long_ago() -> DateTime<Utc> {
        utc(2000, 1, 1, 0, 0)
    }

    fn starts(slots: &[TimeSlot]) -> Vec<DateTime<Utc>> {
        slots.iter().map(TimeSlot::start).collect()
    }

    #[test]
    fn lays_out_back_to_back_slots_within_opening_hours() {
        let day = date(2026, 5, 4);
        let slots = available_slots(&week("09:00", "17:00"), Tz::UTC, day, day, Duration::hours(1), &[], long_ago());
        assert_eq!(slots.len(), 8);
        assert_eq!(slots[0].start(), utc(2026, 5, 4, 9, 0));
        assert_eq!(slots[7].end(), utc(2026, 5, 4, 17, 0));
        assert!(slots.windows(2).all(|pair| pair[0].end() == pair[1].start()));
    }

    #[test]
    fn a_slot_that_would_end_after_closing_is_not_offered() {
        let day = date(2026, 5, 4);
        let slots = available_slots(&week("09:00", "10:00"), Tz::UTC, day, day, Duration::minutes(45), &[], long_ago());
        assert_eq!(starts(&slots), [utc(2026, 5, 4, 9, 0)]);
    }

    #[test]
    fn closed_days_and_empty_ranges_have_no_slots() {
        let mondays = BusinessHours::on_days(&[Weekday::Mon], OpeningHours::parse("09:00", "12:00").unwrap());
        let (mon, tue, sun) = (date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 10));
        let hour = Duration::hours(1);
        assert_eq!(available_slots(&mondays, Tz::UTC, mon, sun, hour, &[], long_ago()).len(), 3);
        assert!(available_slots(&mondays, Tz::UTC, tue, sun, hour, &[], long_ago()).is_empty());
        assert!(available_slots(&mondays, Tz::UTC, tue, mon, hour, &[], long_ago()).is_empty());
        assert!(available_slots(&mondays, Tz::UTC, mon, mon, Duration::zero(), &[], long_ago()).is_empty());
    }

    #[test]
    fn taken_slots_remove_only_what_they_overlap() {
        let day = date(2026, 5, 4);
        let taken = [TimeSlot::new(utc(2026, 5, 4, 10, 0), utc(2026, 5, 4, 11, 30)).unwrap()];
        let slots = available_slots(&week("09:00", "13:00"), Tz::UTC, day, day, Duration::hours(1), &taken, long_ago());
        assert_eq!(starts(&slots), [utc(2026, 5, 4, 9, 0), utc(2026, 5, 4, 12, 0)], "9-10 touches 10:00 but is free");
    }

    #[test]
    fn slots_starting_before_now_are_not_offered() {
        let day = date(2026, 5, 4);
        let now = utc(2026, 5, 4, 10, 15);
        let slots = available_slots(&week("09:00", "12:00"), Tz::UTC, day, day, Duration::hours(1), &[], now);
        assert_eq!(starts(&slots), [utc(2026, 5, 4, 11, 0)]);
    }

    #[test]
    fn hours_follow_the_zone_across_the_new_york_spring_forward() {
        let hours = week("09:00", "17:00");
        let slots =
            available_slots(&hours, New_York, date(2026, 3, 7), date(2026, 3, 8), Duration::hours(1), &[], long_ago());
        assert_eq!(slots.len(), 16);
        assert_eq!(slots[0].start(), utc(2026, 3, 7, 14, 0), "9:00 EST is 14:00 UTC");
        assert_eq!(slots[8].start(), utc(2026, 3, 8, 13, 0), "9:00 EDT is 13:00 UTC");
        assert_eq!(slots[15].end(), utc(2026, 3, 8, 21, 0), "17:00 EDT is 21:00 UTC");
        for slot in &slots {
            let local = slot.start().with_timezone(&New_York);
            assert!((9..17).contains(&local.hour()) && local.minute() == 0, "{local}");
        }
    }

    #[test]
    fn a_day_whose_hours_span_the_jump_is_one_real_hour_shorter() {
        let day = date(2026, 3, 8);
        let slots = available_slots(&week("01:00", "05:00"), New_York, day, day, Duration::hours(1), &[], long_ago());
        assert_eq!(starts(&slots), [utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0)]);
        let local: Vec<_> = slots.iter().map(|s| s.start().with_timezone(&New_York).hour()).collect();
        assert_eq!(local, [1, 3, 4], "2:00 does not exist that night");
    }

    #[test]
    fn an_opening_time_inside_the_gap_starts_when_the_clock_resumes() {
        let day = date(2026, 3, 8);
        let slots =
            available_slots(&week("02:30", "04:00"), New_York, day, day, Duration::minutes(30), &[], long_ago());
        assert_eq!(slots.first().map(TimeSlot::start), Some(utc(2026, 3, 8, 7, 0)), "3:00 EDT");
        assert_eq!(slots.len(), 2);
    }

    #[test]
    fn repeated_hours_in_the_fall_back_resolve_to_their_first_occurrence() {
        let day = date(2026, 11, 1);
        let slots = available_slots(&week("00:00", "03:00"), New_York, day, day, Duration::hours(1), &[], long_ago());
        assert_eq!(slots.len(), 4, "three wall-clock hours last four real hours that night");
        assert_eq!(slots[0].start(), utc(2026, 11, 1, 4, 0));
    }
}
