//! Business hours: when a tenant takes appointments, per weekday, in the
//! tenant's own time zone.
//!
//! One opening interval per day, `open < close`, both wall-clock times.
//! Overnight hours (open 22:00, close 02:00) and split days (a lunch break)
//! are not supported yet; a day without hours is closed. Stored and sent as
//! `{"monday": {"open": "09:00:00", "close": "17:00:00"}, …}`.

use chrono::{NaiveTime, Weekday};
use frontdesk_kernel::ValidationErrors;
use serde::{Deserialize, Serialize};

/// Lower-case weekday names, Monday first (the index is `num_days_from_monday`).
const DAY_NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// One day's opening interval, `open < close`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawOpeningHours")]
pub struct OpeningHours {
    open: NaiveTime,
    close: NaiveTime,
}

#[derive(Deserialize)]
struct RawOpeningHours {
    open: NaiveTime,
    close: NaiveTime,
}

impl TryFrom<RawOpeningHours> for OpeningHours {
    type Error = String;
    fn try_from(raw: RawOpeningHours) -> Result<Self, Self::Error> {
        Self::new(raw.open, raw.close)
    }
}

impl OpeningHours {
    /// Open from `open` until `close`.
    ///
    /// # Errors
    /// When `open` is not before `close`.
    pub fn new(open: NaiveTime, close: NaiveTime) -> Result<Self, String> {
        if open < close { Ok(Self { open, close }) } else { Err("open must be before close".into()) }
    }

    /// Parses `HH:MM` (or `HH:MM:SS`) strings.
    ///
    /// # Errors
    /// A message naming the bad time, or the order problem.
    pub fn parse(open: &str, close: &str) -> Result<Self, String> {
        let time = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(s.trim(), "%H:%M:%S"))
                .map_err(|_| format!("{s:?} is not a time such as \"09:00\""))
        };
        Self::new(time(open)?, time(close)?)
    }

    /// Opening time.
    #[must_use]
    pub const fn open(&self) -> NaiveTime {
        self.open
    }

    /// Closing time.
    #[must_use]
    pub const fn close(&self) -> NaiveTime {
        self.close
    }
}

/// Raw hours of one day, as a client sent them.
#[derive(Clone, Debug, Default)]
pub struct NewDayHours {
    /// Weekday name (`monday` … `sunday`, any case).
    pub day: String,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`.
    pub close: String,
}

/// A week of opening hours; closed on days without any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "WeekRepr", into = "WeekRepr")]
pub struct BusinessHours {
    days: [Option<OpeningHours>; 7],
}

impl BusinessHours {
    /// Closed every day.
    #[must_use]
    pub fn closed() -> Self {
        Self::default()
    }

    /// The same hours on each of `days`.
    #[must_use]
    pub fn on_days(days: &[Weekday], hours: OpeningHours) -> Self {
        days.iter().fold(Self::closed(), |week, day| week.with(*day, Some(hours)))
    }

    /// This week with `day` set to `hours` (`None` closes it).
    #[must_use]
    pub fn with(mut self, day: Weekday, hours: Option<OpeningHours>) -> Self {
        self.days[day.num_days_from_monday() as usize] = hours;
        self
    }

    /// The hours of `day`, or `None` when closed.
    #[must_use]
    pub fn on(&self, day: Weekday) -> Option<OpeningHours> {
        self.days[day.num_days_from_monday() as usize]
    }

    /// Parses a list of days; days not listed are closed.
    ///
    /// # Errors
    /// Every bad day, under `hours.{day}` (or `hours.{index}` for an unknown
    /// day name), including days listed twice.
    pub fn parse(input: &[NewDayHours]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut week = Self::closed();
        for (index, raw) in input.iter().enumerate() {
            let name = raw.day.trim().to_lowercase();
            let Some(day) = DAY_NAMES.iter().position(|d| *d == name) else {
                errors.add(format!("hours.{index}"), format!("{:?} is not a weekday such as \"monday\"", raw.day));
                continue;
            };
            let field = format!("hours.{name}");
            if week.days[day].is_some() {
                errors.add(field, "is listed more than once");
            } else if let Some(hours) = errors.check(&field, OpeningHours::parse(&raw.open, &raw.close)) {
                week.days[day] = Some(hours);
            }
        }
        errors.into_result().map(|()| week)
    }
}

/// The serialized form: one optional field per weekday.
#[derive(Clone, Copy, Default, Serialize, Deserialize)]
#[serde(default)]
struct WeekRepr {
    #[serde(skip_serializing_if = "Option::is_none")]
    monday: Option<OpeningHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tuesday: Option<OpeningHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wednesday: Option<OpeningHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thursday: Option<OpeningHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    friday: Option<OpeningHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    saturday: Option<OpeningHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sunday: Option<OpeningHours>,
}

impl From<WeekRepr> for BusinessHours {
    fn from(w: WeekRepr) -> Self {
        Self { days: [w.monday, w.tuesday, w.wednesday, w.thursday, w.friday, w.saturday, w.sunday] }
    }
}

impl From<BusinessHours> for WeekRepr {
    fn from(hours: BusinessHours) -> Self {
        let [monday, tuesday, wednesday, thursday, friday, saturday, sunday] = hours.days;
        Self { monday, tuesday, wednesday, thursday, friday, saturday, sunday }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nine_to_five() -> OpeningHours {
        OpeningHours::parse("09:00", "17:00").unwrap()
    }

    #[test]
    fn open_must_be_before_close() {
        assert_eq!(OpeningHours::parse("17:00", "09:00").unwrap_err(), "open must be before close");
        assert!(OpeningHours::parse("09:00", "09:00").is_err());
        assert!(OpeningHours::parse("9am", "17:00").unwrap_err().contains("\"9am\""));
        assert_eq!(
            OpeningHours::parse("08:30:00", "12:00").unwrap().open(),
            NaiveTime::from_hms_opt(8, 30, 0).unwrap()
        );
    }

    #[test]
    fn parse_keeps_listed_days_and_closes_the_rest() {
        let raw = |day: &str| NewDayHours { day: day.into(), open: "09:00".into(), close: "17:00".into() };
        let week = BusinessHours::parse(&[raw("Monday"), raw(" friday ")]).unwrap();
        assert_eq!(week.on(Weekday::Mon), Some(nine_to_five()));
        assert_eq!(week.on(Weekday::Fri), Some(nine_to_five()));
        assert_eq!(week.on(Weekday::Sun), None);
    }

    #[test]
    fn parse_reports_every_bad_day() {
        let raw = |day: &str, open: &str, close: &str| NewDayHours {
            day: day.into(),
            open: open.into(),
            close: close.into(),
        };
        let errors = BusinessHours::parse(&[
            raw("monday", "10:00", "09:00"),
            raw("funday", "09:00", "10:00"),
            raw("tuesday", "09:00", "10:00"),
            raw("tuesday", "11:00", "12:00"),
        ])
        .unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["hours.monday", "hours.1", "hours.tuesday"]);
    }

    #[test]
    fn serializes_as_a_map_of_weekdays() {
        let week = BusinessHours::on_days(&[Weekday::Mon, Weekday::Sat], nine_to_five());
        let value = serde_json::to_value(week).unwrap();
        assert_eq!(
            value,
            json!({"monday": {"open": "09:00:00", "close": "17:00:00"}, "saturday": {"open": "09:00:00", "close": "17:00:00"}})
        );
        assert_eq!(serde_json::from_value::<BusinessHours>(value).unwrap(), week);
        let reversed = json!({"monday": {"open": "17:00:00", "close": "09:00:00"}});
        assert!(serde_json::from_value::<BusinessHours>(reversed).is_err());
    }
}
