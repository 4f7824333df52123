//! Time slots: half-open UTC intervals `[start, end)`.
//!
//! Half-open is what makes back-to-back appointments possible: a 9:00–10:00
//! slot and a 10:00–11:00 slot share an endpoint but do not overlap. The
//! same rule is used by the in-memory fake, the availability calculation
//! and (as `tstzrange(start, end, '[)')`) the SQL adapter.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A non-empty half-open interval of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawTimeSlot")]
pub struct TimeSlot {
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
}

/// The wire form of a slot, checked on the way in.
#[derive(Deserialize)]
struct RawTimeSlot {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<RawTimeSlot> for TimeSlot {
    type Error = String;
    fn try_from(raw: RawTimeSlot) -> Result<Self, Self::Error> {
        Self::new(raw.start, raw.end)
    }
}

impl TimeSlot {
    /// The slot `[start, end)`.
    ///
    /// # Errors
    /// When `end` is not after `start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, String> {
        if start < end { Ok(Self { start, end }) } else { Err("must end after it starts".into()) }
    }

    /// The slot of `length` starting at `start`.
    ///
    /// # Errors
    /// When `length` is not positive.
    pub fn starting_at(start: DateTime<Utc>, length: Duration) -> Result<Self, String> {
        Self::new(start, start + length)
    }

    /// The first instant inside the slot.
    #[must_use]
    pub const fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the slot.
    #[must_use]
    pub const fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// How long it lasts.
    #[must_use]
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }

    /// Whether the two slots share any instant (touching ends do not).
    #[must_use]
    pub fn overlaps(&self, other: &Self) -> bool {
        self.start < other.end && other.start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, hour, minute, 0).unwrap()
    }

    fn slot(from: (u32, u32), to: (u32, u32)) -> TimeSlot {
        TimeSlot::new(at(from.0, from.1), at(to.0, to.1)).unwrap()
    }

    #[test]
    fn back_to_back_slots_do_not_overlap() {
        assert!(!slot((9, 0), (10, 0)).overlaps(&slot((10, 0), (11, 0))));
        assert!(!slot((10, 0), (11, 0)).overlaps(&slot((9, 0), (10, 0))));
    }

    #[test]
    fn partial_nested_and_identical_slots_overlap_both_ways() {
        let base = slot((9, 0), (10, 0));
        for other in
            [slot((9, 30), (10, 30)), slot((8, 30), (9, 1)), slot((9, 15), (9, 45)), base, slot((8, 0), (11, 0))]
        {
            assert!(base.overlaps(&other) && other.overlaps(&base), "{other:?}");
        }
    }

    #[test]
    fn empty_or_reversed_slots_are_refused() {
        assert!(TimeSlot::new(at(9, 0), at(9, 0)).is_err());
        assert!(TimeSlot::starting_at(at(9, 0), Duration::minutes(-5)).is_err());
        assert_eq!(TimeSlot::starting_at(at(9, 0), Duration::minutes(30)).unwrap().end(), at(9, 30));
    }

    #[test]
    fn deserializing_checks_the_order() {
        let json = serde_json::json!({"start": at(10, 0), "end": at(9, 0)});
        assert!(serde_json::from_value::<TimeSlot>(json).is_err());
        let slot = slot((9, 0), (9, 45));
        assert_eq!(serde_json::from_value::<TimeSlot>(serde_json::to_value(slot).unwrap()).unwrap(), slot);
    }
}
